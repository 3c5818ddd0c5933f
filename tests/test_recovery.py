"""Recovery code: entropy, format, typo detection before any key derivation, the key."""

from __future__ import annotations

import hashlib
import re

import pytest

from sac_desktop.security.recovery import (
    ALPHABET,
    CODE_CHARS,
    DATA_BITS,
    DATA_CHARS,
    SECRET_BYTES,
    InvalidRecoveryCode,
    RecoveryCode,
    RecoveryCodeProblem,
    new_recovery_code,
    parse_recovery_code,
    recovery_key,
)

_GROUP = "[0-9A-HJKMNP-TV-Z]{4}"
FORMAT = re.compile(rf"^({_GROUP}-){{7}}{_GROUP}$")


def _fixed_codes(count: int) -> list[RecoveryCode]:
    """Deterministic codes, so the exhaustive typo checks below are reproducible."""
    return [
        RecoveryCode(
            (int.from_bytes(hashlib.sha256(b"code %d" % i).digest()) >> (256 - DATA_BITS)).to_bytes(
                SECRET_BYTES
            )
        )
        for i in range(count)
    ]


def _problem(text: str) -> InvalidRecoveryCode:
    with pytest.raises(InvalidRecoveryCode) as info:
        parse_recovery_code(text)
    return info.value


def test_round_trip() -> None:
    for _ in range(50):
        code = new_recovery_code()
        parsed = parse_recovery_code(code.text)
        assert parsed == code and parsed.secret == code.secret and parsed.text == code.text


def test_entropy_and_format() -> None:
    assert ALPHABET == "0123456789ABCDEFGHJKMNPQRSTVWXYZ" and len(set(ALPHABET)) == 32
    assert DATA_BITS >= 128 and DATA_CHARS * 5 == DATA_BITS
    assert CODE_CHARS == 32
    codes = [new_recovery_code() for _ in range(2000)]
    assert len({c.secret for c in codes}) == len(codes)
    for code in codes[:100]:
        assert FORMAT.match(code.text), code.text
        assert len(code.secret) == SECRET_BYTES == 18
        assert int.from_bytes(code.secret) < 2**DATA_BITS
    # Every data position takes every symbol: no position is fixed or biased to a subset
    # (with 2000 codes, a missing symbol by chance has probability ~1e-26).
    data = [c.text.replace("-", "")[:DATA_CHARS] for c in codes]
    for position in range(DATA_CHARS):
        assert {d[position] for d in data} == set(ALPHABET), position


def test_a_code_is_never_printed_by_repr() -> None:
    code = new_recovery_code()
    assert code.text not in repr(code) and repr(code) == "RecoveryCode(<hidden>)"


def test_secrets_outside_140_bits_are_refused() -> None:
    with pytest.raises(ValueError, match="140 bits"):
        RecoveryCode(bytes(17))
    with pytest.raises(ValueError, match="140 bits"):
        RecoveryCode(b"\x10" + bytes(17))
    RecoveryCode(b"\x0f" + b"\xff" * 17)


def test_every_single_character_typo_in_a_data_group_is_caught() -> None:
    for code in _fixed_codes(8):
        chars = code.text.replace("-", "")
        for position in range(DATA_CHARS):
            for replacement in ALPHABET:
                if replacement == chars[position]:
                    continue
                typo = chars[:position] + replacement + chars[position + 1 :]
                assert _problem(typo).reason == RecoveryCodeProblem.CHECK, (code.text, position)
            for invalid in "U*#?é":
                typo = chars[:position] + invalid + chars[position + 1 :]
                problem = _problem(typo)
                assert problem.reason == RecoveryCodeProblem.CHARACTER
                assert problem.position == position


def test_swapped_neighbours_and_typos_in_the_check_group_are_caught() -> None:
    for code in _fixed_codes(8):
        chars = code.text.replace("-", "")
        for position in range(CODE_CHARS - 1):
            a, b = chars[position], chars[position + 1]
            if a != b:
                swapped = chars[:position] + b + a + chars[position + 2 :]
                assert _problem(swapped).reason == RecoveryCodeProblem.CHECK
        for position in range(DATA_CHARS, CODE_CHARS):
            for replacement in ALPHABET.replace(chars[position], ""):
                typo = chars[:position] + replacement + chars[position + 1 :]
                assert _problem(typo).reason == RecoveryCodeProblem.CHECK


def test_o_i_and_l_read_as_digits() -> None:
    code = next(c for c in _fixed_codes(200) if "0" in c.text and "1" in c.text)
    for zero in "Oo":
        for one in "IiLl":
            typed = code.text.replace("0", zero).replace("1", one)
            assert parse_recovery_code(typed) == code


def test_case_spaces_and_dashes_do_not_matter() -> None:
    code = _fixed_codes(1)[0]
    plain = code.text.replace("-", "")
    variants = [
        code.text.lower(),
        plain,
        plain.lower(),
        " ".join(code.text.split("-")),
        f"  {code.text}\n",
        code.text.replace("-", " - "),
        code.text.replace("-", "\u2013"),  # an en dash pasted from a printed sheet
        "-".join(plain),
        "".join(chr(ord(c) + 0xFEE0) for c in plain),  # full-width input
    ]
    for typed in variants:
        assert parse_recovery_code(typed) == code, typed


def test_reason_codes() -> None:
    code = _fixed_codes(1)[0]
    plain = code.text.replace("-", "")
    assert _problem("").reason == RecoveryCodeProblem.LENGTH
    assert _problem(plain[:-1]).reason == RecoveryCodeProblem.LENGTH
    assert _problem(plain + "0").reason == RecoveryCodeProblem.LENGTH
    assert _problem(code.text[:-5]).reason == RecoveryCodeProblem.LENGTH  # a group left out
    bad = _problem(code.text[:5] + "U" + code.text[6:])
    assert bad.reason == RecoveryCodeProblem.CHARACTER and bad.position == 5
    # The character problem is reported even when the length is also wrong: it is the
    # more precise hint.
    assert _problem("ABCD-U").reason == RecoveryCodeProblem.CHARACTER
    assert _problem(plain[::-1]).reason == RecoveryCodeProblem.CHECK
    # StrEnum: the UI may compare with plain strings.
    assert {p.value for p in RecoveryCodeProblem} == {"length", "character", "check"}
    assert _problem("").reason == "length"


def test_recovery_key_is_per_code_and_per_vault() -> None:
    first, second = _fixed_codes(2)
    key = recovery_key(first, "vault-a")
    assert len(key) == 32
    assert recovery_key(parse_recovery_code(first.text.lower()), "vault-a") == key
    assert recovery_key(first, "vault-b") != key
    assert recovery_key(second, "vault-a") != key
    with pytest.raises(ValueError, match="vault id"):
        recovery_key(first, "")


def test_recovery_key_is_hkdf_sha256_with_the_vault_id_in_info() -> None:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    code = _fixed_codes(1)[0]
    expected = HKDF(
        hashes.SHA256(), 32, salt=None, info=b"sac-desktop recovery key v1\x00vault:BXL-A"
    ).derive(code.secret)
    assert recovery_key(code, "BXL-A") == expected
