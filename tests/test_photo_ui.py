"""Photographs in the window: importing files and a watched camera folder, refusals said
calmly, the viewer with its scale note and injury links, and a sealed picture."""

from __future__ import annotations

import io
import os
import time
from datetime import UTC, datetime
from pathlib import Path

from PIL import Image
from PySide6.QtCore import Qt

from sac_desktop.domain.audit import Action
from sac_desktop.domain.clock import FixedClock
from sac_desktop.domain.roles import Role
from sac_desktop.storage import audit_log
from sac_desktop.ui.injury_panel import InjuryPanel
from sac_desktop.ui.main_window import MainWindow
from tests.helpers.cases import consent
from tests.helpers.ui import _sign_in


def _jpeg(seed: int) -> bytes:
    image = Image.merge(
        "RGB",
        (
            Image.linear_gradient("L").resize((640, 480)),
            Image.effect_noise((640, 480), 30 + seed),
            Image.radial_gradient("L").resize((640, 480)),
        ),
    )
    exif = Image.Exif()
    exif.get_ifd(0x8769)[0x9003] = "2026:03:14 03:41:07"
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90, exif=exif.tobytes())
    return out.getvalue()


def _settled(path: Path, data: bytes) -> Path:
    """A file the camera finished writing a minute ago."""
    path.write_bytes(data)
    old = time.time() - 60
    os.utime(path, (old, old))
    return path


def _consent(window: MainWindow, case_id: str, item: str, decision: str = "given") -> None:
    session = window.session
    assert session is not None
    consent(session.record, case_id, item, decision)


def _open(window: MainWindow, case_id: str, qtbot) -> InjuryPanel:  # type: ignore[no-untyped-def]
    window._open_case(case_id)
    view = window.vault_page.case_view
    assert view is not None
    view.tabs.setCurrentWidget(view.injuries)
    return view.injuries


def _case(window: MainWindow, clock: FixedClock, photographs: bool = True) -> str:
    clock.current = datetime(2026, 3, 14, 2, 45, tzinfo=UTC)
    session = window.session
    assert session is not None
    case_id, _ = session.record.create_case()
    _consent(window, case_id, "forensic_exam")
    if photographs:
        _consent(window, case_id, "photographs")
    return case_id


def test_importing_viewing_and_linking_photographs(
    window: MainWindow, demo_accounts, qtbot, clock: FixedClock, tmp_path: Path, bugs
) -> None:  # type: ignore[no-untyped-def]
    nurse = demo_accounts[Role.FORENSIC_NURSE]
    _sign_in(window, nurse.username, nurse.password)
    case_id = _case(window, clock)
    session = window.session
    assert session is not None
    body = session.injuries.diagrams["adult_front"]
    region = body.regions[0]
    x, y = region.polygon[0]
    injury = session.injuries.record_injury(
        case_id, {"diagram": body.id, "x": x, "y": y, "region": region.id, "type": "bite"}
    )
    panel = _open(window, case_id, qtbot).photos

    good = _settled(tmp_path / "IMG_0001.JPG", _jpeg(1))
    damaged = _settled(tmp_path / "IMG_0002.JPG", _jpeg(2)[:4000])
    text = _settled(tmp_path / "notes.jpg", b"not a picture at all")
    panel.import_paths([good, damaged, text])
    qtbot.waitUntil(lambda: panel.busy == 0)
    assert panel.list.count() == 1
    status = panel.status.text()
    assert status.startswith("1 photograph imported.")
    assert "IMG_0002.JPG: This photograph is damaged or incomplete" in status
    assert "notes.jpg: This file is not a photograph" in status
    assert good.exists()  # never deleted unless asked
    # The small picture came from the vault, in memory.
    qtbot.waitUntil(lambda: not panel.list.item(0).icon().isNull())

    # The viewer: zoom, a scale note and the injury it shows.
    panel.list.setCurrentRow(0)
    viewer = panel.open_selected()
    assert viewer is not None and viewer.isVisible()
    assert "2026:03:14 03:41:07" in viewer.findChild(type(panel.status), "photoFacts").text()
    viewer.view.zoom_by(2.0)
    assert viewer.view.zoom == 2.0
    viewer.scale_note.setText("ABFO No. 2 beside the bite")
    viewer.links.item(0).setCheckState(Qt.CheckState.Checked)
    viewer.save.click()
    qtbot.waitUntil(lambda: not viewer.isVisible())
    photos = session.photos.photos(session.record.reread(case_id))
    assert photos[0].scale_note == "ABFO No. 2 beside the bite"
    assert photos[0].injury_ids == (injury,)
    assert "injuries 1" in panel.list.item(0).text()
    # The injury's form lists the photograph.
    view = window.vault_page.case_view
    assert view is not None
    view.injuries.select(injury)
    form = view.injuries.open_selected()
    assert form is not None and "IMG_0001.JPG" in form.photos.text()
    form.reject()
    assert bugs == []


def test_the_camera_folder_offers_new_pictures_and_can_delete_them_after_import(
    window: MainWindow, demo_accounts, qtbot, clock: FixedClock, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    nurse = demo_accounts[Role.FORENSIC_NURSE]
    _sign_in(window, nurse.username, nurse.password)
    case_id = _case(window, clock)
    panel = _open(window, case_id, qtbot).photos
    camera = tmp_path / "DCIM"
    camera.mkdir()
    panel.watch(camera)
    assert panel.offer_box.isHidden()
    first = _settled(camera / "IMG_0101.JPG", _jpeg(3))
    second = _settled(camera / "IMG_0102.JPG", _jpeg(4))
    (camera / "IMG_0103.JPG").write_bytes(_jpeg(5))  # still being written: not yet
    panel.poll_camera()
    assert not panel.offer_box.isHidden()
    assert panel.offer.text() == "2 new pictures in the camera folder."
    panel.delete_source.setChecked(True)
    panel.import_offered()
    qtbot.waitUntil(lambda: panel.busy == 0)
    assert panel.list.count() == 2
    assert not first.exists() and not second.exists()  # verified, then deleted
    assert (camera / "IMG_0103.JPG").exists()
    panel.poll_camera()  # already offered ones are not offered again
    assert panel.offered == []


def test_no_photograph_without_consent_and_a_sealed_one_opens_only_with_a_reason(
    window: MainWindow, demo_accounts, qtbot, clock: FixedClock, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    nurse = demo_accounts[Role.FORENSIC_NURSE]
    _sign_in(window, nurse.username, nurse.password)
    case_id = _case(window, clock, photographs=False)
    panel = _open(window, case_id, qtbot).photos
    picture = _settled(tmp_path / "IMG_0201.JPG", _jpeg(6))
    panel.import_paths([picture])
    qtbot.waitUntil(lambda: panel.busy == 0)
    assert panel.list.count() == 0
    assert "This needs consent first: Photographs" in panel.status.text()

    _consent(window, case_id, "photographs")
    view = window.vault_page.case_view
    assert view is not None
    view.reload_state()
    panel.import_paths([picture])
    qtbot.waitUntil(lambda: panel.busy == 0)
    assert panel.list.count() == 1
    _consent(window, case_id, "photographs", "withdrawn")
    view.reload_state()
    assert panel.list.count() == 0  # sealed: hidden from every view
    assert panel.sealed_button.isVisible()
    assert panel.open_sealed("I want to see it") is None  # a nurse may not
    assert "opens only for a physician" in panel.status.text()

    window.switch_user()
    physician = demo_accounts[Role.PHYSICIAN]
    _sign_in(window, physician.username, physician.password)
    panel = _open(window, case_id, qtbot).photos
    dialog = panel.open_sealed()
    assert dialog is not None and dialog.objectName() == "sealedOpenDialog"
    dialog.reason.setText("wound check for the medical report")  # type: ignore[union-attr]
    dialog._open()  # type: ignore[union-attr]
    qtbot.waitUntil(lambda: panel.viewer is not None and panel.viewer.isVisible())
    assert not panel.viewer.save.isEnabled()  # a sealed picture is not described
    session = window.session
    assert session is not None
    reads = [
        r
        for r in audit_log.records_for_case(session.vault.conn, case_id)
        if r.action == Action.PHOTO_OPEN_SEALED
    ]
    assert len(reads) == 1 and "wound check" in (reads[0].reason or "")
