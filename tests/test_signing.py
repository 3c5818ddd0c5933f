"""Signing documents with an account's key certified by the centre CA, and verifying them:
every genuine document valid (one signature, or two parties in turn), and a corpus of
tampered ones each invalid (a byte changed inside the signed range, a later revision that
changes a page, the signature emptied, the byte range altered, a certificate from another
CA, no signature). Poppler's pdfsig gives the independent second opinion."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from cryptography import x509

from sac_desktop.cli import main as cli_main
from sac_desktop.domain.disclosure import Section
from sac_desktop.i18n import translator
from sac_desktop.reports.aftercare_sheet import aftercare_sheet
from sac_desktop.reports.facts import Appointment, Course, SheetData
from sac_desktop.reports.signing import sign, verify
from sac_desktop.security.ca import (
    CentreCA,
    cert_to_pem,
    create_centre_ca,
    issue_signing_certificate,
    new_signing_key,
)
from tests.conftest import require

HEAD = "a" * 64


def _document() -> bytes:
    data = SheetData(
        centre="ZSG Synthetic (Synthetic Hospital)",
        hospital="Synthetic Hospital",
        case_number="SYN-A-2026-00001",
        training=True,
        zone="Europe/Brussels",
        appointments=(Appointment(datetime(2026, 4, 1, 16, 0, tzinfo=UTC), "call", ""),),
        courses=(Course("Synthetic drug", 1, 28, date(2026, 3, 14), 5),),
        sections=frozenset({Section.APPOINTMENTS, Section.MEDICATION_SCHEDULE}),
    )
    return aftercare_sheet(data, translator("nl"))


def _account(centre: CentreCA, name: str, role: str) -> tuple[object, x509.Certificate]:
    key = new_signing_key()
    cert = issue_signing_certificate(
        centre,
        account_id=f"acct-{role}",
        display_name=name,
        role=role,
        public_key=key.public_key(),
        now=datetime.now(UTC),  # pyHanko validates at the real time
    )
    return key, cert


@pytest.fixture(scope="module")
def centre() -> CentreCA:
    return create_centre_ca("SYN", "Zorgcentrum Synthetic", datetime.now(UTC))


@pytest.fixture(scope="module")
def signed(centre: CentreCA) -> bytes:
    key, cert = _account(centre, "Łukasz Şahin-Ĳzerman", "physician")
    return sign(
        _document(),
        key,  # type: ignore[arg-type]
        cert,
        [centre.certificate],
        reason="medical report",
        audit_head=HEAD,
    )


def test_a_genuine_signed_document_is_valid_and_names_its_signer(
    centre: CentreCA, signed: bytes
) -> None:
    verdict = verify(signed, [centre.certificate])
    assert verdict.valid
    (report,) = verdict.signatures
    assert report.signer == "Łukasz Şahin-Ĳzerman" and report.certifying
    assert report.covers == "entire_file" and HEAD in report.reason
    assert report.signed_at is not None
    assert not verify(_document(), [centre.certificate]).valid  # no signature: not valid


def test_two_parties_sign_in_turn_and_it_stays_valid(centre: CentreCA, signed: bytes) -> None:
    key, cert = _account(centre, "Inspector Synthetic", "police_inspector")
    both = sign(
        signed,
        key,  # type: ignore[arg-type]
        cert,
        [centre.certificate],
        reason="custody handover: received",
        audit_head=HEAD,
        field="Signature2",
        certify=False,
    )
    assert both.startswith(signed)  # an incremental update: the first bytes are untouched
    verdict = verify(both, [centre.certificate])
    assert verdict.valid, verdict
    first, second = verdict.signatures
    assert first.covers == "entire_revision" and first.after in ("NONE", "FORM_FILLING")
    assert second.covers == "entire_file"


def _flip_inside_signed_range(pdf: bytes) -> bytes:
    match = re.search(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]", pdf)
    assert match is not None
    position = int(match.group(2)) // 2  # inside the first signed range
    return pdf[:position] + bytes([pdf[position] ^ 0x01]) + pdf[position + 1 :]


def _empty_signature(pdf: bytes) -> bytes:
    return re.sub(
        rb"/Contents\s*<([0-9a-fA-F]+)>",
        lambda m: b"/Contents <" + b"0" * len(m.group(1)) + b">",
        pdf,
        count=1,
    )


def _alter_byte_range(pdf: bytes) -> bytes:
    return re.sub(
        rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)",
        lambda m: (
            b"/ByteRange ["
            + m.group(1)
            + b" "
            + str(int(m.group(2)) - 10).encode().rjust(len(m.group(2)))
        ),
        pdf,
        count=1,
    )


def _change_a_page_later(pdf: bytes) -> bytes:
    """A later, unsigned revision that changes the first page's content."""
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    page_ref = writer.root["/Pages"]["/Kids"][0]
    page = page_ref.get_object()
    stream = generic.StreamObject(stream_data=b"BT /F1 24 Tf 100 700 Td (FORGED) Tj ET")
    page["/Contents"] = writer.add_object(stream)
    writer.update_container(page)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _change_the_properties_later(pdf: bytes) -> bytes:
    """A later, unsigned revision that only changes the document's properties."""
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    writer.set_info(
        generic.DictionaryObject({generic.NameObject("/Subject"): generic.pdf_string("X-1")})
    )  # type: ignore[arg-type]
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _append_bytes(pdf: bytes) -> bytes:
    return pdf + b"\n% appended after signing\n"


@pytest.mark.parametrize(
    "tamper",
    [
        _flip_inside_signed_range,
        _empty_signature,
        _alter_byte_range,
        _change_a_page_later,
        _change_the_properties_later,
        _append_bytes,
    ],
    ids=[
        "byte-changed",
        "signature-emptied",
        "byte-range-altered",
        "page-changed-later",
        "properties-changed-later",
        "bytes-appended",
    ],
)
def test_every_tampered_document_is_invalid(centre: CentreCA, signed: bytes, tamper) -> None:  # type: ignore[no-untyped-def]
    forged = tamper(signed)
    assert forged != signed
    assert not verify(forged, [centre.certificate]).valid


def test_a_revoked_certificate_is_not_trusted_when_the_list_is_given(centre: CentreCA) -> None:
    from sac_desktop.security.ca import RevokedEntry, build_crl

    key, cert = _account(centre, "Former Synthetic", "physician")
    pdf = sign(_document(), key, cert, [centre.certificate], reason="r", audit_head=HEAD)  # type: ignore[arg-type]
    now = datetime.now(UTC)
    assert verify(pdf, [centre.certificate], [build_crl(centre, [], now)]).valid
    revoked = build_crl(
        centre, [RevokedEntry(cert.serial_number, now, x509.ReasonFlags.key_compromise)], now
    )
    verdict = verify(pdf, [centre.certificate], [revoked])
    assert verdict.revocation_checked and not verdict.valid


def test_a_first_signature_certifies_and_a_later_one_never(centre: CentreCA, signed: bytes) -> None:
    key, cert = _account(centre, "Synthetic Second", "physician")
    with pytest.raises(ValueError, match="first signature certifies"):
        sign(
            _document(), key, cert, [centre.certificate], reason="r", audit_head=HEAD, certify=False
        )  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="certified already"):
        sign(signed, key, cert, [centre.certificate], reason="r", audit_head=HEAD, field="S2")  # type: ignore[arg-type]


def test_a_signature_from_another_centre_is_not_trusted(signed: bytes) -> None:
    other = create_centre_ca("OTH", "Another centre", datetime.now(UTC))
    verdict = verify(signed, [other.certificate])
    assert not verdict.valid and verdict.signatures and not verdict.signatures[0].trusted


def test_the_command_line_verifier_says_it_and_exits_0_only_when_valid(
    centre: CentreCA, signed: bytes, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    trust = tmp_path / "ca.pem"
    trust.write_bytes(cert_to_pem(centre.certificate))
    genuine = tmp_path / "SYN-A-2026-00001.pdf"
    genuine.write_bytes(signed)
    assert cli_main(["--language", "en", "verify-report", str(genuine), "--trust", str(trust)]) == 0
    said = capsys.readouterr().out
    assert "valid" in said and "Łukasz" in said and "workstation clock" in said
    forged = tmp_path / "forged.pdf"
    forged.write_bytes(_flip_inside_signed_range(signed))
    assert cli_main(["--language", "en", "verify-report", str(forged), "--trust", str(trust)]) == 1
    assert "NOT valid" in capsys.readouterr().out
    assert cli_main(["--language", "en", "verify-report", str(tmp_path / "missing.pdf"),
                     "--trust", str(trust)]) == 1  # fmt: skip
    assert cli_main(["--language", "en", "verify-report", str(genuine)]) == 1  # no trust given
    garbage = tmp_path / "garbage.pdf"
    garbage.write_bytes(b"%PDF-1.7 not really")
    capsys.readouterr()
    assert cli_main(["--language", "nl", "verify-report", str(garbage), "--trust", str(trust)]) == 1
    assert "NIET geldig" in capsys.readouterr().out


@pytest.mark.system
def test_poppler_agrees(signed: bytes, tmp_path: Path) -> None:
    require(shutil.which("pdfsig") is not None, "pdfsig (poppler-utils)")
    path = tmp_path / "signed.pdf"
    path.write_bytes(signed)
    done = subprocess.run(["pdfsig", str(path)], capture_output=True, text=True, check=False)
    assert "Signature is Valid" in done.stdout and "Total document signed" in done.stdout
    forged = tmp_path / "forged.pdf"
    forged.write_bytes(_flip_inside_signed_range(signed))
    done = subprocess.run(["pdfsig", str(forged)], capture_output=True, text=True, check=False)
    assert "Signature is Valid" not in done.stdout


# -- signed with the signed-in person's own key, kept in the vault -------------------------
def test_a_document_signed_with_the_accounts_key_is_kept_and_reprints_identically(
    demo_accounts, installation, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    from sac_desktop.domain.audit import Action
    from sac_desktop.domain.roles import Role
    from sac_desktop.storage import audit_log, records
    from sac_desktop.storage import documents as docs

    physician = next(a for a in demo_accounts.values() if a.role is Role.PHYSICIAN)
    signed_in = installation.sign_in(physician.username, physician.password)
    try:
        session = signed_in.session
        case_id = session.record.list_cases()[0].case_id
        session.record.open_case(case_id)
        pdf = session.documents._sheet(case_id, "fr", False)
        first = session.documents.store(case_id, "aftercare_sheet", "fr", pdf, sign=True)
        kept = session.documents.reprint(first.id)
        assert session.documents.reprint(first.id) == kept  # the same bytes, every time
        ca_pem = records.get_meta(session.vault.conn, "ca_certificate_pem")
        assert ca_pem is not None
        verdict = verify(kept, [x509.load_pem_x509_certificate(ca_pem.encode())])
        assert verdict.valid
        (report,) = verdict.signatures
        assert report.signer == physician.display_name
        head = session.trail.head()
        assert head is not None and first.signed_by == signed_in.account.id
        # the head at signing was the one before the document's own audit record
        assert "audit chain head" in report.reason
        # a new version names the one it replaces
        second = session.documents.store(
            case_id, "aftercare_sheet", "fr", pdf, sign=False, replaces=first.id
        )
        assert [d.id for d in session.documents.stored(case_id)] == [first.id, second.id]
        assert second.replaces == first.id
        stored = audit_log.records_with_action(session.vault.conn, Action.DOCUMENT_STORE)
        assert len(stored) == 2 and all(
            first.sha256 in r.reason or "replaces" in r.reason for r in stored
        )
        # kept for good: the vault refuses to change or delete it
        with pytest.raises(Exception, match="append-only"):
            session.vault.conn.execute("DELETE FROM documents")
        assert docs.document_bytes(session.vault.conn, first.id) is not None
    finally:
        signed_in.session.close()


def test_the_coordinator_exports_the_centre_certificate_that_verifiers_trust(
    demo_accounts, installation, window, qtbot, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:  # type: ignore[no-untyped-def]
    from sac_desktop.domain.audit import Action
    from sac_desktop.domain.roles import Role
    from sac_desktop.services.installation import AccountAdmin
    from sac_desktop.services.permissions import Forbidden
    from sac_desktop.storage import audit_log
    from tests.helpers.ui import _sign_in

    physician = next(a for a in demo_accounts.values() if a.role is Role.PHYSICIAN)
    signed_in = installation.sign_in(physician.username, physician.password)
    try:
        session = signed_in.session
        case_id = session.record.list_cases()[0].case_id
        session.record.open_case(case_id)
        target = tmp_path / "handover.pdf"
        session.documents.save_handover(case_id, target, "de", "Synthetic GP")
        with pytest.raises(Forbidden):  # only the coordinator exports it
            AccountAdmin(installation, signed_in).export_ca_certificate(tmp_path / "x.pem")
    finally:
        signed_in.session.close()

    coordinator = next(a for a in demo_accounts.values() if a.role is Role.COORDINATOR)
    _sign_in(window, coordinator.username, coordinator.password)
    window.open_admin()
    page = window.admin_page
    page.ca_button.click()
    qtbot.waitUntil(lambda: page.ca_dialog is not None and page.ca_dialog.isVisible())
    pem = tmp_path / "centre-ca.pem"
    page.ca_dialog.fileSelected.emit(str(pem))  # type: ignore[union-attr]
    qtbot.waitUntil(pem.exists)
    assert pem.read_bytes().startswith(b"-----BEGIN CERTIFICATE-----")
    assert (pem.stat().st_mode & 0o077) == 0
    session = window.session
    assert session is not None
    assert audit_log.records_with_action(session.vault.conn, Action.CA_EXPORT)
    capsys.readouterr()
    argv = ["--language", "en", "verify-report", str(target), "--trust", str(pem)]
    assert cli_main(argv) == 0
    assert physician.display_name in capsys.readouterr().out
