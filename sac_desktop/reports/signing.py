"""Signing a document and verifying one (Qt-free, pyHanko; imported only when used).

**Signing** is PAdES baseline B-B: a CMS signature over the whole file with the signer's
certificate (an account's key certified by the centre CA, or a token's). The first
signature **certifies** the document and allows only what a two-party handover needs
afterwards: more signatures and filled-in form fields (DocMDP "fill forms"). Each
signature's reason names the document and carries the head of the audit chain at the
moment of signing, so the signed file says where in the centre's trail it was made.
Times in a signature come from the workstation's clock: self-asserted.

**Verification** never turns a doubt into a warning: a document is valid only when every
signature in it is intact (the bytes it covers are unchanged), cryptographically valid,
made with a certificate that chains to a trusted CA, and either covers the whole file or
is followed only by the revisions its certification allows (signatures, form filling).
Anything else (a byte changed, a page changed in a later revision, a signature emptied
or cut, a certificate from another CA, no signature at all) is invalid.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa

SignerKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey
#: Later revisions a certified document may carry and stay valid.
ALLOWED_AFTER = ("NONE", "LTA_UPDATES", "FORM_FILLING")


@dataclass(frozen=True)
class SignatureReport:
    field: str
    signer: str  # the certificate's common name
    serial: int
    signed_at: datetime | None  # self-asserted (the signer's workstation clock)
    reason: str
    intact: bool
    valid: bool
    trusted: bool
    covers: str  # "entire_file", "entire_revision", ...
    after: str  # what later revisions changed: NONE, FORM_FILLING, OTHER...
    certifying: bool

    @property
    def ok(self) -> bool:
        return (
            self.intact
            and self.valid
            and self.trusted
            and (self.covers == "entire_file" or self.after in ALLOWED_AFTER)
        )


#: Why a file could not be judged at all (the command line says it in words).
UNREADABLE_PDF = "unreadable_pdf"
UNREADABLE_SIGNATURE = "unreadable_signature"


@dataclass(frozen=True)
class Verdict:
    signatures: tuple[SignatureReport, ...]
    problem: str = ""  # UNREADABLE_PDF or UNREADABLE_SIGNATURE: not judged, not valid
    revocation_checked: bool = False  # a revocation list of the CA was given

    @property
    def valid(self) -> bool:
        """Every signature passes, and the last one covers the whole file: nothing was
        added after it (a later revision allowed by a certification must itself be
        signed)."""
        return (
            not self.problem
            and bool(self.signatures)
            and all(s.ok for s in self.signatures)
            and self.signatures[-1].covers == "entire_file"
        )


def _asn1_cert(cert: x509.Certificate) -> Any:
    from pyhanko.keys.internal import translate_pyca_cryptography_cert_to_asn1

    return translate_pyca_cryptography_cert_to_asn1(cert)


def sign(
    pdf: bytes,
    key: SignerKey,
    certificate: x509.Certificate,
    chain: list[x509.Certificate],
    *,
    reason: str,
    audit_head: str,
    field: str = "Signature1",
    certify: bool = True,
) -> bytes:
    """``pdf`` with one more signature (an incremental update: earlier bytes unchanged).
    The first signature of a document certifies it (``certify``); a later one never does."""
    from pyhanko.keys.internal import translate_pyca_cryptography_key_to_asn1
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.pdf_utils.reader import PdfFileReader

    already = bool(list(PdfFileReader(io.BytesIO(pdf), strict=False).embedded_signatures))
    if certify == already:
        raise ValueError(
            "the first signature certifies the document; a later one adds to it"
            if not already
            else "a signed document is certified already"
        )
    from pyhanko.sign import signers
    from pyhanko.sign.fields import MDPPerm, SigSeedSubFilter
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    signer = signers.SimpleSigner(
        signing_cert=_asn1_cert(certificate),
        signing_key=translate_pyca_cryptography_key_to_asn1(key),
        cert_registry=SimpleCertificateStore.from_certs(  # type: ignore[no-untyped-call]
            [_asn1_cert(c) for c in chain]
        ),
    )
    meta = signers.PdfSignatureMetadata(
        field_name=field,
        subfilter=SigSeedSubFilter.PADES,
        md_algorithm="sha256",
        certify=certify,
        docmdp_permissions=MDPPerm.FILL_FORMS,
        reason=f"{reason}; audit chain head {audit_head}",
    )
    out = io.BytesIO()
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    signers.PdfSigner(meta, signer=signer).sign_pdf(writer, output=out)
    return out.getvalue()


def verify(
    pdf: bytes,
    trust: list[x509.Certificate],
    crls: list[x509.CertificateRevocationList] | None = None,
) -> Verdict:
    """Every signature of ``pdf`` judged against the trusted CA certificates; with the
    CAs' revocation lists (``crls``), a revoked certificate is not trusted."""
    from cryptography.hazmat.primitives.serialization import Encoding
    from pyhanko.pdf_utils.misc import PdfReadError
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        embedded = list(reader.embedded_signatures)
    except (PdfReadError, ValueError, KeyError, TypeError, IndexError):
        return Verdict((), problem=UNREADABLE_PDF)
    reports: list[SignatureReport] = []
    for signature in embedded:
        context = ValidationContext(
            trust_roots=[_asn1_cert(c) for c in trust],
            crls=[crl.public_bytes(Encoding.DER) for crl in crls or []],
            revocation_mode="require" if crls else "soft-fail",
        )
        try:
            status = validate_pdf_signature(signature, context)
        except Exception:  # a garbled signature: invalid, never a crash
            return Verdict(tuple(reports), problem=UNREADABLE_SIGNATURE)
        cert = signature.signer_cert
        reason = ""
        try:
            reason = str(signature.sig_object.get("/Reason", ""))
        except (KeyError, TypeError):
            reason = ""
        level = status.modification_level
        reports.append(
            SignatureReport(
                field=str(signature.field_name),
                signer=str(cert.subject.native.get("common_name", "")),
                serial=int(cert.serial_number),
                signed_at=status.signer_reported_dt,
                reason=reason,
                intact=bool(status.intact),
                valid=bool(status.valid),
                trusted=bool(status.trusted),
                covers=status.coverage.name.lower() if status.coverage is not None else "",
                after=level.name if level is not None else "OTHER",
                certifying=signature.docmdp_level is not None,
            )
        )
    return Verdict(tuple(reports), revocation_checked=bool(crls))
