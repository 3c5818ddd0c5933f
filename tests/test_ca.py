"""The centre CA: certificates, fingerprints, revocation, serialisation and a real PDF signature."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID, ObjectIdentifier

from sac_desktop.security import ca as ca_mod
from sac_desktop.security.ca import (
    CentreCA,
    RevokedEntry,
    build_crl,
    cert_from_pem,
    cert_to_pem,
    create_centre_ca,
    crl_from_der,
    crl_to_der,
    fingerprint,
    fingerprint_hex,
    is_revoked,
    issue_signing_certificate,
    new_signing_key,
    private_key_from_der,
    private_key_to_der,
    verify_crl,
    verify_issued_by,
)
from tests.conftest import require

NOW = datetime(2026, 3, 14, 9, 30, 15, tzinfo=UTC)


@pytest.fixture(scope="module")
def centre() -> CentreCA:
    return create_centre_ca("BRU", "Zorgcentrum na Seksueel Geweld Brussel", NOW)


def _issue(
    centre: CentreCA, *, now: datetime = NOW, key: ec.EllipticCurvePrivateKey | None = None
) -> x509.Certificate:
    signing_key = key or new_signing_key()
    return issue_signing_certificate(
        centre,
        account_id="acct-7f3a",
        display_name="Zoë Peeters",
        role="forensic_nurse",
        public_key=signing_key.public_key(),
        now=now,
    )


def _one(name: x509.Name, oid: x509.ObjectIdentifier) -> str:
    (attribute,) = name.get_attributes_for_oid(oid)
    value = attribute.value
    assert isinstance(value, str)
    return value


def _years(start: datetime, end: datetime) -> bool:
    return end >= start.replace(year=start.year + 10)


# -- the CA ---------------------------------------------------------------------------


def test_ca_is_a_p256_ca_with_the_right_names(centre: CentreCA) -> None:
    cert = centre.certificate
    assert _one(cert.subject, NameOID.COMMON_NAME) == "SAC Desktop CA BRU"
    assert _one(cert.subject, NameOID.ORGANIZATION_NAME) == "Zorgcentrum na Seksueel Geweld Brussel"
    assert _one(cert.subject, NameOID.COUNTRY_NAME) == "BE"
    assert cert.issuer == cert.subject
    public_key = cert.public_key()
    assert isinstance(public_key, ec.EllipticCurvePublicKey)
    assert public_key.curve.name == "secp256r1"
    assert verify_issued_by(cert, cert)


def test_ca_constraints_and_key_usage(centre: CentreCA) -> None:
    ext = centre.certificate.extensions
    constraints = ext.get_extension_for_class(x509.BasicConstraints)
    assert constraints.critical and constraints.value.ca and constraints.value.path_length == 0
    usage = ext.get_extension_for_class(x509.KeyUsage)
    assert usage.critical
    assert usage.value.key_cert_sign and usage.value.crl_sign
    assert not usage.value.digital_signature and not usage.value.content_commitment
    ski = ext.get_extension_for_class(x509.SubjectKeyIdentifier).value
    assert ski == x509.SubjectKeyIdentifier.from_public_key(centre.private_key.public_key())


def test_ca_validity_defaults_to_25_years(centre: CentreCA) -> None:
    cert = centre.certificate
    assert cert.not_valid_before_utc == NOW
    assert cert.not_valid_after_utc >= NOW.replace(year=NOW.year + 25)
    assert cert.not_valid_after_utc.tzinfo is not None


def test_ca_serial_is_random_and_large() -> None:
    a = create_centre_ca("GNT", "ZSG Gent", NOW, valid_years=12).certificate
    b = create_centre_ca("GNT", "ZSG Gent", NOW, valid_years=12).certificate
    assert a.serial_number != b.serial_number
    assert a.serial_number.bit_length() > 64


def test_times_must_be_aware_and_are_stored_in_utc() -> None:
    with pytest.raises(ValueError, match="timezone"):
        create_centre_ca("LIE", "CPVS Liège", datetime(2026, 1, 1, 12, 0))
    brussels = timezone(timedelta(hours=1))
    cert = create_centre_ca("LIE", "CPVS Liège", datetime(2026, 1, 1, 13, 0, tzinfo=brussels))
    assert cert.certificate.not_valid_before_utc == datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("code", "name", "years"),
    [("", "ZSG", 25), ("BRU", " ", 25), ("BRU", "x" * 65, 25), ("BRU", "ZSG", 9)],
)
def test_ca_refuses_bad_input(code: str, name: str, years: int) -> None:
    with pytest.raises(ValueError, match=r"."):
        create_centre_ca(code, name, NOW, valid_years=years)


def test_ca_key_must_match_certificate(centre: CentreCA) -> None:
    with pytest.raises(ValueError, match="does not match"):
        CentreCA(private_key=new_signing_key(), certificate=centre.certificate)
    assert "EllipticCurvePrivateKey" not in repr(centre)


# -- fingerprints -------------------------------------------------------------------


def test_fingerprint_format_and_stability(centre: CentreCA) -> None:
    text = fingerprint(centre.certificate)
    assert re.fullmatch(r"([0-9A-F]{4} ){15}[0-9A-F]{4}", text)
    assert text == fingerprint(centre.certificate)
    assert text.replace(" ", "").lower() == fingerprint_hex(centre.certificate)
    assert fingerprint_hex(centre.certificate) == centre.certificate.fingerprint(ca_mod.HASH).hex()
    # The same certificate read back from PEM has the same fingerprint; another differs.
    assert fingerprint(cert_from_pem(cert_to_pem(centre.certificate))) == text
    other = create_centre_ca("BRU", "Zorgcentrum na Seksueel Geweld Brussel", NOW)
    assert fingerprint(other.certificate) != text


# -- signing certificates -----------------------------------------------------------


def test_signing_certificate_chains_to_its_ca_only(centre: CentreCA) -> None:
    cert = _issue(centre)
    assert cert.issuer == centre.certificate.subject
    assert verify_issued_by(centre.certificate, cert)
    stranger = create_centre_ca("BRU", "Zorgcentrum na Seksueel Geweld Brussel", NOW)
    # Same name, other key: the name matches, the signature does not.
    assert not verify_issued_by(stranger.certificate, cert)
    assert not verify_issued_by(centre.certificate, _issue(stranger))
    # An end-entity certificate is never an issuer, even of itself.
    assert not verify_issued_by(cert, cert)


def test_signing_certificate_names_the_account(centre: CentreCA) -> None:
    cert = _issue(centre)
    assert _one(cert.subject, NameOID.COMMON_NAME) == "Zoë Peeters"
    assert _one(cert.subject, NameOID.USER_ID) == "acct-7f3a"
    assert _one(cert.subject, NameOID.ORGANIZATIONAL_UNIT_NAME) == "forensic_nurse"
    assert _one(cert.subject, NameOID.ORGANIZATION_NAME) == "Zorgcentrum na Seksueel Geweld Brussel"
    assert _one(cert.subject, NameOID.COUNTRY_NAME) == "BE"


def test_signing_certificate_usages(centre: CentreCA) -> None:
    ext = _issue(centre).extensions
    constraints = ext.get_extension_for_class(x509.BasicConstraints)
    assert constraints.critical and not constraints.value.ca
    usage = ext.get_extension_for_class(x509.KeyUsage)
    assert usage.critical
    assert usage.value.digital_signature and usage.value.content_commitment
    assert not usage.value.key_cert_sign and not usage.value.crl_sign
    assert not usage.value.key_encipherment
    # No EKU: Poppler refuses id-kp-documentSigning today (see the pdfsig test below).
    with pytest.raises(x509.ExtensionNotFound):
        ext.get_extension_for_class(x509.ExtendedKeyUsage)


def test_signing_purposes_go_into_an_eku_when_set(
    centre: CentreCA, monkeypatch: pytest.MonkeyPatch
) -> None:
    document_signing = ObjectIdentifier("1.3.6.1.5.5.7.3.36")
    monkeypatch.setattr(ca_mod, "SIGNING_PURPOSES", (document_signing,))
    eku = _issue(centre).extensions.get_extension_for_class(x509.ExtendedKeyUsage)
    assert not eku.critical and list(eku.value) == [document_signing]


def test_signing_certificate_key_identifiers(centre: CentreCA) -> None:
    key = new_signing_key()
    ext = _issue(centre, key=key).extensions
    aki = ext.get_extension_for_class(x509.AuthorityKeyIdentifier).value
    ca_ski = centre.certificate.extensions.get_extension_for_class(x509.SubjectKeyIdentifier)
    assert aki.key_identifier == ca_ski.value.digest
    ski = ext.get_extension_for_class(x509.SubjectKeyIdentifier).value
    assert ski == x509.SubjectKeyIdentifier.from_public_key(key.public_key())


def test_signing_certificate_lasts_ten_years(centre: CentreCA) -> None:
    cert = _issue(centre)
    assert cert.not_valid_before_utc == NOW
    assert _years(cert.not_valid_before_utc, cert.not_valid_after_utc)
    assert cert.serial_number != _issue(centre).serial_number


def test_signing_certificate_is_clipped_at_ca_expiry(centre: CentreCA) -> None:
    late = NOW.replace(year=NOW.year + 20)
    cert = _issue(centre, now=late)
    assert cert.not_valid_before_utc == late
    assert cert.not_valid_after_utc == centre.certificate.not_valid_after_utc


def test_no_certificate_outside_the_ca_validity(centre: CentreCA) -> None:
    with pytest.raises(ValueError, match="not valid"):
        _issue(centre, now=centre.certificate.not_valid_after_utc + timedelta(seconds=1))
    with pytest.raises(ValueError, match="not valid"):
        _issue(centre, now=NOW - timedelta(days=1))


def test_leap_day_never_shortens_the_span() -> None:
    leap = datetime(2028, 2, 29, 12, 0, tzinfo=UTC)
    centre = create_centre_ca("ANT", "ZSG Antwerpen", leap)
    assert centre.certificate.not_valid_after_utc == datetime(2053, 3, 1, 12, 0, tzinfo=UTC)
    cert = _issue(centre, now=leap)
    assert cert.not_valid_after_utc == datetime(2038, 3, 1, 12, 0, tzinfo=UTC)


def test_signing_certificate_refuses_weak_or_odd_input(centre: CentreCA) -> None:
    def issue(**overrides: object) -> None:
        arguments: dict[str, object] = {
            "account_id": "acct-1",
            "display_name": "A. Nurse",
            "role": "forensic_nurse",
            "public_key": new_signing_key().public_key(),
            "now": NOW,
        }
        arguments.update(overrides)
        issue_signing_certificate(centre, **arguments)  # type: ignore[arg-type]

    with pytest.raises(ValueError, match="at least 10"):
        issue(valid_years=5)
    with pytest.raises(ValueError, match="empty"):
        issue(account_id="")
    with pytest.raises(ValueError, match="longer"):
        issue(display_name="x" * 65)
    with pytest.raises(ValueError, match="curve"):
        issue(public_key=ec.generate_private_key(ec.SECP521R1()).public_key())
    with pytest.raises(ValueError, match="3072"):
        issue(public_key=rsa.generate_private_key(65537, 2048).public_key())


def test_token_keys_can_be_certified(centre: CentreCA) -> None:
    # A hardware token may hold RSA-3072 (as in the SoftHSM recipe) rather than P-256.
    token_key = rsa.generate_private_key(65537, 3072)
    cert = issue_signing_certificate(
        centre,
        account_id="acct-2",
        display_name="Dr. Token",
        role="physician",
        public_key=token_key.public_key(),
        now=NOW,
    )
    assert verify_issued_by(centre.certificate, cert)


# -- revocation ---------------------------------------------------------------------


def test_crl_lists_revoked_serials_and_is_signed_by_the_ca(centre: CentreCA) -> None:
    revoked, kept = _issue(centre), _issue(centre)
    when = NOW + timedelta(days=3)
    crl = build_crl(
        centre,
        [RevokedEntry(revoked.serial_number, when, x509.ReasonFlags.superseded)],
        NOW + timedelta(days=4),
    )
    assert crl.issuer == centre.certificate.subject
    assert verify_crl(centre.certificate, crl)
    ca_public_key = centre.certificate.public_key()
    assert isinstance(ca_public_key, ec.EllipticCurvePublicKey)
    assert crl.is_signature_valid(ca_public_key)
    assert crl.last_update_utc == NOW + timedelta(days=4)
    assert crl.next_update_utc == NOW + timedelta(days=34)
    entry = crl.get_revoked_certificate_by_serial_number(revoked.serial_number)
    assert entry is not None
    assert entry.revocation_date_utc == when
    reason = entry.extensions.get_extension_for_class(x509.CRLReason).value.reason
    assert reason is x509.ReasonFlags.superseded
    assert is_revoked(crl, revoked)
    assert not is_revoked(crl, kept)
    number = crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number
    assert number == int((NOW + timedelta(days=4)).timestamp())
    aki = crl.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value
    assert aki.key_identifier is not None


def test_crl_from_another_ca_is_refused(centre: CentreCA) -> None:
    stranger = create_centre_ca("OTH", "Other centre", NOW)
    crl = build_crl(stranger, [], NOW)
    assert not verify_crl(centre.certificate, crl)
    with pytest.raises(ValueError, match="another authority"):
        is_revoked(crl, _issue(centre))
    # Same subject, other key: the name passes, the signature does not.
    twin = create_centre_ca("BRU", "Zorgcentrum na Seksueel Geweld Brussel", NOW)
    assert not verify_crl(centre.certificate, build_crl(twin, [], NOW))


def test_crl_details(centre: CentreCA) -> None:
    cert = _issue(centre)
    crl = build_crl(
        centre,
        [RevokedEntry(cert.serial_number, NOW, x509.ReasonFlags.unspecified)],
        NOW,
        crl_number=7,
    )
    entry = crl.get_revoked_certificate_by_serial_number(cert.serial_number)
    assert entry is not None and len(entry.extensions) == 0
    assert crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number == 7
    with pytest.raises(ValueError, match="delta"):
        build_crl(centre, [RevokedEntry(1, NOW, x509.ReasonFlags.remove_from_crl)], NOW)
    with pytest.raises(ValueError, match="timezone"):
        build_crl(
            centre, [RevokedEntry(1, NOW.replace(tzinfo=None), x509.ReasonFlags.superseded)], NOW
        )


# -- serialisation ------------------------------------------------------------------


def test_pem_and_der_round_trips(centre: CentreCA) -> None:
    cert = _issue(centre)
    pem = cert_to_pem(cert)
    assert pem.startswith(b"-----BEGIN CERTIFICATE-----")
    assert cert_from_pem(pem) == cert
    crl = build_crl(
        centre, [RevokedEntry(cert.serial_number, NOW, x509.ReasonFlags.key_compromise)], NOW
    )
    again = crl_from_der(crl_to_der(crl))
    assert again == crl and is_revoked(again, cert)


def test_private_key_round_trip() -> None:
    key = new_signing_key()
    der = private_key_to_der(key)
    assert der[0] == 0x30  # a DER SEQUENCE, not PEM text
    back = private_key_from_der(der)
    assert back.private_numbers() == key.private_numbers()
    other = ec.generate_private_key(ec.SECP384R1())
    with pytest.raises(ValueError, match="P-256"):
        private_key_from_der(private_key_to_der(other))


def test_ca_round_trips_through_its_parts(centre: CentreCA) -> None:
    again = CentreCA(
        private_key=private_key_from_der(private_key_to_der(centre.private_key)),
        certificate=cert_from_pem(cert_to_pem(centre.certificate)),
    )
    assert verify_issued_by(centre.certificate, _issue(again))


# -- a real PDF signature -----------------------------------------------------------


def _tiny_pdf() -> bytes:
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    page = canvas.Canvas(out)
    page.drawString(72, 720, "SAC Desktop test report")
    page.showPage()
    page.save()
    return out.getvalue()


def _signed_pdf(centre: CentreCA, now: datetime) -> tuple[x509.Certificate, bytes]:
    """A certifying PAdES signature by a fresh account, as the reports layer will make it."""
    from pyhanko.keys.internal import (
        translate_pyca_cryptography_cert_to_asn1,
        translate_pyca_cryptography_key_to_asn1,
    )
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers
    from pyhanko.sign.fields import SigSeedSubFilter
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    key = new_signing_key()
    cert = _issue(centre, now=now, key=key)
    # SimpleSigner takes asn1crypto objects; pyHanko's own helpers convert ours.
    signer = signers.SimpleSigner(
        signing_cert=translate_pyca_cryptography_cert_to_asn1(cert),
        signing_key=translate_pyca_cryptography_key_to_asn1(key),
        cert_registry=SimpleCertificateStore.from_certs(
            [translate_pyca_cryptography_cert_to_asn1(centre.certificate)]
        ),
    )
    meta = signers.PdfSignatureMetadata(
        field_name="Signature1",
        subfilter=SigSeedSubFilter.PADES,
        md_algorithm="sha256",
        certify=True,
    )
    signed = io.BytesIO()
    signers.PdfSigner(meta, signer=signer).sign_pdf(
        IncrementalPdfFileWriter(io.BytesIO(_tiny_pdf())), output=signed
    )
    return cert, signed.getvalue()


def test_pyhanko_signs_and_validates_against_the_centre_ca() -> None:
    pytest.importorskip("pyhanko")
    from pyhanko.keys.internal import translate_pyca_cryptography_cert_to_asn1
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    # pyHanko validates at the real time: the CA and certificate must be valid now.
    now = datetime.now(UTC)
    centre = create_centre_ca("BRU", "Zorgcentrum na Seksueel Geweld Brussel", now)
    cert, signed = _signed_pdf(centre, now)

    def bottom_line(
        root: x509.Certificate, crl: x509.CertificateRevocationList | None = None
    ) -> bool:
        # "require", not "hard-fail": pyHanko's hard-fail only looks at CRLs for
        # certificates that name a distribution point, and ours name none (offline).
        context = ValidationContext(
            trust_roots=[translate_pyca_cryptography_cert_to_asn1(root)],
            crls=[crl_to_der(crl)] if crl is not None else [],
            revocation_mode="require" if crl is not None else "soft-fail",
        )
        (embedded,) = PdfFileReader(io.BytesIO(signed)).embedded_signatures
        return bool(validate_pdf_signature(embedded, context).bottom_line)

    assert bottom_line(centre.certificate)
    # Our CRLs are ones pyHanko reads, both ways.
    assert bottom_line(centre.certificate, build_crl(centre, [], now))
    revoked = RevokedEntry(cert.serial_number, now, x509.ReasonFlags.key_compromise)
    assert not bottom_line(centre.certificate, build_crl(centre, [revoked], now))
    # Trusting another centre's CA, the same file is not valid.
    assert not bottom_line(create_centre_ca("OTH", "Other centre", now).certificate)


@pytest.mark.system
def test_poppler_trusts_the_signature_through_the_centre_ca(tmp_path: Path) -> None:
    """An independent reader (Poppler/NSS: Evince, Okular) accepts our certificates."""
    pytest.importorskip("pyhanko")
    require(shutil.which("pdfsig") is not None, "pdfsig (poppler-utils)")
    require(shutil.which("certutil") is not None, "certutil (libnss3-tools)")
    now = datetime.now(UTC)
    centre = create_centre_ca("BRU", "Zorgcentrum na Seksueel Geweld Brussel", now)
    _, signed = _signed_pdf(centre, now)
    pdf = tmp_path / "signed.pdf"
    pdf.write_bytes(signed)
    root = tmp_path / "ca.pem"
    root.write_bytes(cert_to_pem(centre.certificate))
    nss = tmp_path / "nss"
    nss.mkdir()
    subprocess.run(["certutil", "-N", "-d", f"sql:{nss}", "--empty-password"], check=True)
    subprocess.run(
        ["certutil", "-A", "-d", f"sql:{nss}", "-n", "sac-ca", "-t", "CT,C,C", "-i", str(root)],
        check=True,
    )
    out = subprocess.run(
        ["pdfsig", "-nssdir", f"sql:{nss}", str(pdf)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "Signature is Valid" in out, out
    assert "Certificate is Trusted" in out, out
    assert "Total document signed" in out, out
