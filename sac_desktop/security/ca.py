"""The centre's own certificate authority, account signing certificates and revocation (Qt-free)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.types import CertificatePublicKeyTypes
from cryptography.x509.oid import NameOID, ObjectIdentifier

# ECDSA P-256 for the CA and every account key: every PDF reader that validates
# signatures (Acrobat, Poppler/NSS, pyHanko, EU DSS) accepts it, keys and
# signatures are small, and it is what smart cards and tokens commonly hold too.
# Ed25519 is not yet accepted by most readers (ISO 32002 is recent).
CURVE = ec.SECP256R1()
HASH = hashes.SHA256()
# The CA signs with RFC 6979 deterministic ECDSA (ecdsa_deterministic=True below): its key
# lives for decades on ordinary workstations, and one weak or repeated random nonce
# would give the key away.

CA_YEARS = 25
# DESIGN.md: certificates last at least 10 years, so a report can be checked long after.
MIN_SIGNING_YEARS = 10

# No extended key usage on signing certificates: the critical KeyUsage (digitalSignature
# + nonRepudiation) already limits them to signing, and every reader accepts an absent
# EKU. A present one must name a purpose each reader knows. Measured with Poppler 22.12
# (NSS; Evince, Okular): an EKU of RFC 9336 id-kp-documentSigning (1.3.6.1.5.5.7.3.36),
# with or without Microsoft Document Signing, fails as "Unknown issue with Certificate";
# only emailProtection passes, and these keys never sign mail. Acrobat's documented
# allow-list is older than RFC 9336 too. Add purposes here once the readers catch up.
SIGNING_PURPOSES: tuple[ObjectIdentifier, ...] = ()

# X.520 upper bound for CN, O and OU (cryptography refuses longer values anyway).
_NAME_MAX = 64
_CA_PREFIX = "SAC Desktop CA "

SigningPublicKey = ec.EllipticCurvePublicKey | rsa.RSAPublicKey


@dataclass(frozen=True)
class CentreCA:
    """The centre's CA key pair; the key must stay wrapped except while issuing."""

    private_key: ec.EllipticCurvePrivateKey = field(repr=False)
    certificate: x509.Certificate

    def __post_init__(self) -> None:
        # A key loaded from one slot and a certificate from another must belong together,
        # or every certificate issued would fail to verify much later.
        if _spki(self.private_key.public_key()) != _spki(self.certificate.public_key()):
            raise ValueError("the CA key does not match the CA certificate")


@dataclass(frozen=True)
class RevokedEntry:
    serial: int
    revoked_at: datetime
    reason: x509.ReasonFlags


def create_centre_ca(
    centre_code: str, centre_name: str, now: datetime, valid_years: int = CA_YEARS
) -> CentreCA:
    """Create the self-signed root every account certificate of the centre chains to."""
    _check_text("centre code", centre_code, _NAME_MAX - len(_CA_PREFIX))
    _check_text("centre name", centre_name, _NAME_MAX)
    if valid_years < MIN_SIGNING_YEARS:
        raise ValueError(f"a centre CA must be valid for at least {MIN_SIGNING_YEARS} years")
    start = _utc(now)
    key = ec.generate_private_key(CURVE)
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "BE"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, centre_name),
            x509.NameAttribute(NameOID.COMMON_NAME, _CA_PREFIX + centre_code),
        ]
    )
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(_add_years(start, valid_years))
        # pathlen 0: the CA signs account certificates only, never another CA.
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(key_cert_sign=True, crl_sign=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, HASH, ecdsa_deterministic=True)
    )
    return CentreCA(private_key=key, certificate=certificate)


def new_signing_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(CURVE)


def issue_signing_certificate(
    ca: CentreCA,
    *,
    account_id: str,
    display_name: str,
    role: str,
    public_key: SigningPublicKey,
    now: datetime,
    valid_years: int = MIN_SIGNING_YEARS,
) -> x509.Certificate:
    """Certify an account's signing key; the validity ends at the CA's own end at the latest."""
    _check_text("account id", account_id, _NAME_MAX)
    _check_text("display name", display_name, _NAME_MAX)
    _check_text("role", role, _NAME_MAX)
    _check_public_key(public_key)
    if valid_years < MIN_SIGNING_YEARS:
        raise ValueError(f"signing certificates last at least {MIN_SIGNING_YEARS} years")
    start = _utc(now)
    ca_cert = ca.certificate
    if not ca_cert.not_valid_before_utc <= start < ca_cert.not_valid_after_utc:
        raise ValueError("the centre CA is not valid at this time")
    # A certificate outliving its issuer would fail path validation after the CA ends
    # anyway; clipping says so honestly. The CA needs renewing before this bites.
    end = min(_add_years(start, valid_years), ca_cert.not_valid_after_utc)
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "BE"),
            *ca_cert.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, role),
            # UID, not serialNumber: in Belgium a DN serialNumber reads as the national
            # register number (eID); this is the pseudonymous, stable account id.
            x509.NameAttribute(NameOID.USER_ID, account_id),
            x509.NameAttribute(NameOID.COMMON_NAME, display_name),
        ]
    )
    ca_ski = ca_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(ca_cert.subject)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        # nonRepudiation (contentCommitment) is what PAdES validators, pyHanko included,
        # look for on a signer's certificate; digitalSignature for everything else.
        .add_extension(_key_usage(digital_signature=True, content_commitment=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski),
            critical=False,
        )
    )
    if SIGNING_PURPOSES:
        builder = builder.add_extension(
            x509.ExtendedKeyUsage(list(SIGNING_PURPOSES)), critical=False
        )
    return builder.sign(ca.private_key, HASH, ecdsa_deterministic=True)


def build_crl(
    ca: CentreCA,
    revoked: Sequence[RevokedEntry],
    now: datetime,
    next_update_days: int = 30,
    *,
    crl_number: int | None = None,
) -> x509.CertificateRevocationList:
    """A full CRL of the centre; ``crl_number`` defaults to ``now`` in whole seconds."""
    if next_update_days < 1:
        raise ValueError("next_update_days must be at least 1")
    issued = _utc(now)
    # RFC 5280 wants a CRL number that grows; time in seconds grows without any state to
    # keep, and a caller with a counter can pass it instead.
    number = int(issued.timestamp()) if crl_number is None else crl_number
    ca_ski = ca.certificate.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(ca.certificate.subject)
        .last_update(issued)
        .next_update(issued + timedelta(days=next_update_days))
        .add_extension(x509.CRLNumber(number), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski),
            critical=False,
        )
    )
    for entry in revoked:
        if entry.reason is x509.ReasonFlags.remove_from_crl:
            raise ValueError("removeFromCRL belongs in delta CRLs only")
        revoked_cert = (
            x509.RevokedCertificateBuilder()
            .serial_number(entry.serial)
            .revocation_date(_utc(entry.revoked_at))
        )
        # RFC 5280: the reason code unspecified SHOULD be left out.
        if entry.reason is not x509.ReasonFlags.unspecified:
            revoked_cert = revoked_cert.add_extension(x509.CRLReason(entry.reason), critical=False)
        builder = builder.add_revoked_certificate(revoked_cert.build())
    return builder.sign(ca.private_key, HASH, ecdsa_deterministic=True)


def is_revoked(crl: x509.CertificateRevocationList, cert: x509.Certificate) -> bool:
    """Whether ``crl`` lists ``cert``; check the CRL's signature with :func:`verify_crl`."""
    # A CRL from another issuer says nothing about this certificate: answering False
    # would let a revoked certificate pass, so refuse instead.
    if crl.issuer != cert.issuer:
        raise ValueError("the CRL was issued by another authority than the certificate")
    return crl.get_revoked_certificate_by_serial_number(cert.serial_number) is not None


def verify_crl(ca_cert: x509.Certificate, crl: x509.CertificateRevocationList) -> bool:
    if crl.issuer != ca_cert.subject:
        return False
    public_key = ca_cert.public_key()
    if not isinstance(public_key, ec.EllipticCurvePublicKey | rsa.RSAPublicKey):
        return False
    return crl.is_signature_valid(public_key)


def verify_issued_by(ca_cert: x509.Certificate, cert: x509.Certificate) -> bool:
    """Whether ``ca_cert`` is a CA and signed ``cert`` (names and signature, not validity)."""
    try:
        constraints = ca_cert.extensions.get_extension_for_class(x509.BasicConstraints).value
    except x509.ExtensionNotFound:
        return False
    if not constraints.ca:
        return False
    try:
        cert.verify_directly_issued_by(ca_cert)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def fingerprint(cert: x509.Certificate) -> str:
    """SHA-256 of the DER as 16 groups of 4 hex digits, to read aloud or compare on paper."""
    digits = fingerprint_hex(cert).upper()
    return " ".join(digits[i : i + 4] for i in range(0, len(digits), 4))


def fingerprint_hex(cert: x509.Certificate) -> str:
    return hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).hexdigest()


def cert_to_pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def cert_from_pem(data: bytes) -> x509.Certificate:
    return x509.load_pem_x509_certificate(data)


def crl_to_der(crl: x509.CertificateRevocationList) -> bytes:
    return crl.public_bytes(serialization.Encoding.DER)


def crl_from_der(data: bytes) -> x509.CertificateRevocationList:
    return x509.load_der_x509_crl(data)


def private_key_to_der(key: ec.EllipticCurvePrivateKey) -> bytes:
    """PKCS#8 DER, unencrypted: the caller seals it under an account's key slot (AES-GCM)."""
    # No PKCS#8 password: the slot's AES-GCM already encrypts and authenticates it, and a
    # second, weaker layer here would only tempt someone to store this form on its own.
    return key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def private_key_from_der(data: bytes) -> ec.EllipticCurvePrivateKey:
    key = serialization.load_der_private_key(data, password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey) or key.curve.name != CURVE.name:
        raise ValueError("expected an ECDSA P-256 private key")
    return key


def _check_public_key(key: SigningPublicKey) -> None:
    # Keys we make are P-256; a token (an eID-like card, SoftHSM) may hold P-384 or RSA.
    # RSA below 3072 bits is not expected to hold for the decade a report must verify.
    if isinstance(key, ec.EllipticCurvePublicKey):
        if key.curve.name not in {"secp256r1", "secp384r1"}:
            raise ValueError(f"unsupported curve {key.curve.name}")
    elif isinstance(key, rsa.RSAPublicKey):
        if key.key_size < 3072:
            raise ValueError("RSA signing keys must have at least 3072 bits")
    else:
        raise TypeError("a signing key is ECDSA or RSA")


def _key_usage(
    *,
    digital_signature: bool = False,
    content_commitment: bool = False,
    key_cert_sign: bool = False,
    crl_sign: bool = False,
) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=digital_signature,
        content_commitment=content_commitment,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=key_cert_sign,
        crl_sign=crl_sign,
        encipher_only=False,
        decipher_only=False,
    )


def _spki(key: CertificatePublicKeyTypes) -> bytes:
    if not isinstance(key, ec.EllipticCurvePublicKey | rsa.RSAPublicKey):
        raise TypeError("a CA key is ECDSA or RSA")
    return key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def _check_text(what: str, value: str, limit: int) -> None:
    if not value.strip():
        raise ValueError(f"{what} is empty")
    if len(value) > limit:
        raise ValueError(f"{what} is longer than {limit} characters")


def _utc(moment: datetime) -> datetime:
    """Aware UTC, whole seconds: X.509 times carry no fractions, so stored equals asked."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("times must be timezone-aware")
    return moment.astimezone(UTC).replace(microsecond=0)


def _add_years(moment: datetime, years: int) -> datetime:
    try:
        return moment.replace(year=moment.year + years)
    except ValueError:
        # 29 February in a year that has none: 1 March, so the span is never short.
        return moment.replace(year=moment.year + years, month=3, day=1)
