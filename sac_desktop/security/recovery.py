"""Recovery code: 140 random bits in Crockford base32 with a check group (Qt-free)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import unicodedata
from dataclasses import dataclass, field
from enum import StrEnum

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

#: Crockford base32: digits and capitals without I, L, O, U (easily misread).
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_VALUE = {char: index for index, char in enumerate(ALPHABET)}
# Read as the digits they look like (Crockford's decoding rules).
_LOOKALIKES = {"O": "0", "I": "1", "L": "1"}
# A hyphen pasted from a printed PDF or a word processor may be any of these.
_SEPARATORS = frozenset("-\u2010\u2011\u2012\u2013\u2014\u2212")

GROUP_SIZE = 4
#: 7 groups x 4 characters x 5 bits = 140 bits >= 128: the smallest whole number of groups
#: reaching 128 bits, and 28 characters carry exactly 140 bits, so every string of valid
#: characters is a valid code (no padding bits to get wrong).
DATA_GROUPS = 7
DATA_CHARS = DATA_GROUPS * GROUP_SIZE
DATA_BITS = DATA_CHARS * 5
SECRET_BYTES = (DATA_BITS + 7) // 8  # 18; the top 4 bits are always zero
CHECK_CHARS = GROUP_SIZE
CODE_CHARS = DATA_CHARS + CHECK_CHARS  # 32 characters in 8 groups
KEY_BYTES = 32
_HKDF_INFO = b"sac-desktop recovery key v1\x00vault:"


class RecoveryCodeProblem(StrEnum):
    LENGTH = "length"  # too few or too many characters
    CHARACTER = "character"  # a character outside the alphabet (see ``position``)
    CHECK = "check"  # a typo somewhere: the check group does not match


class InvalidRecoveryCode(ValueError):
    """The typed code is not a valid recovery code; ``reason`` says what to fix."""

    def __init__(self, reason: RecoveryCodeProblem, position: int | None = None) -> None:
        super().__init__(f"invalid recovery code: {reason.value}")
        self.reason = reason
        #: For ``character``: index of the offending character in the text as typed.
        self.position = position


def _encode(number: int, chars: int) -> str:
    return "".join(ALPHABET[(number >> (5 * (chars - 1 - i))) & 31] for i in range(chars))


def _check_group(secret: bytes) -> str:
    # 20 bits of SHA-256: a typo slips through with probability 2^-20 (about one in a
    # million); such a code then fails at the key unwrap, as any wrong code would.
    digest = int.from_bytes(hashlib.sha256(secret).digest()[:3], "big")
    return _encode(digest >> 4, CHECK_CHARS)


@dataclass(frozen=True, repr=False)
class RecoveryCode:
    """A recovery code: ``secret`` (18 bytes, 140 random bits) and its printed ``text``."""

    secret: bytes
    text: str = field(init=False, compare=False)

    def __post_init__(self) -> None:
        if len(self.secret) != SECRET_BYTES or int.from_bytes(self.secret) >> DATA_BITS:
            raise ValueError(f"a recovery secret is {DATA_BITS} bits in {SECRET_BYTES} bytes")
        chars = _encode(int.from_bytes(self.secret), DATA_CHARS) + _check_group(self.secret)
        groups = [chars[i : i + GROUP_SIZE] for i in range(0, CODE_CHARS, GROUP_SIZE)]
        object.__setattr__(self, "text", "-".join(groups))

    def __repr__(self) -> str:
        return "RecoveryCode(<hidden>)"


def new_recovery_code() -> RecoveryCode:
    return RecoveryCode(secrets.randbits(DATA_BITS).to_bytes(SECRET_BYTES))


def parse_recovery_code(text: str) -> RecoveryCode:
    """Read a typed code: any case, spaces and dashes anywhere, O read as 0 and I/L as 1.

    The check group is verified here, before any key derivation, so a typo is reported at
    once and precisely instead of as a wrong code after the unwrap.
    """
    chars: list[str] = []
    for position, typed in enumerate(text):
        if typed.isspace() or typed in _SEPARATORS:
            continue
        # NFKC folds full-width forms (an East Asian input method) to ASCII.
        char = unicodedata.normalize("NFKC", typed).upper()
        char = _LOOKALIKES.get(char, char)
        if char not in _VALUE:
            raise InvalidRecoveryCode(RecoveryCodeProblem.CHARACTER, position)
        chars.append(char)
    if len(chars) != CODE_CHARS:
        raise InvalidRecoveryCode(RecoveryCodeProblem.LENGTH)
    number = 0
    for char in chars[:DATA_CHARS]:
        number = (number << 5) | _VALUE[char]
    secret = number.to_bytes(SECRET_BYTES)
    if not hmac.compare_digest(_check_group(secret), "".join(chars[DATA_CHARS:])):
        raise InvalidRecoveryCode(RecoveryCodeProblem.CHECK)
    return RecoveryCode(secret)


def recovery_key(code: RecoveryCode, vault_id: str) -> bytes:
    """The 32-byte key that opens ``vault_id``'s recovery slot.

    HKDF, not Argon2id: stretching buys time against guessing a low-entropy password, but
    the code is 140 uniformly random bits, already far beyond any brute force. The vault id
    in ``info`` makes the key differ per vault, so one code cannot open another vault's
    slot even if a code were ever reused.
    """
    if not vault_id:
        raise ValueError("a vault id is required")
    hkdf = HKDF(
        algorithm=hashes.SHA256(),
        length=KEY_BYTES,
        salt=None,
        info=_HKDF_INFO + vault_id.encode("utf-8"),
    )
    return hkdf.derive(code.secret)
