"""Photographs kept inside the vault: import, refusal, sealing, reading back, no copies.

Every picture is synthetic (gradients and noise made with Pillow); a real vault on disk.
"""

from __future__ import annotations

import hashlib
import io
import os
import struct
import tempfile
import threading
import time
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import platformdirs
import pytest
from PIL import Image

from sac_desktop.domain.audit import Action
from sac_desktop.domain.consent import Decision, GivenBy
from sac_desktop.domain.entries import KIND_CONSENT, KIND_PHOTO_IMPORTED, KIND_PHOTO_SEALED
from sac_desktop.domain.photos import (
    DAMAGED,
    DUPLICATE,
    EMPTY,
    NOT_AN_IMAGE,
    REFUSAL_MESSAGES,
    TOO_LARGE,
    PhotoRefused,
    prepare_image,
)
from sac_desktop.domain.roles import Actor, Role
from sac_desktop.paths import APP_AUTHOR, APP_NAME, Paths
from sac_desktop.services.audit import verify_vault
from sac_desktop.services.photos import (
    PhotoIntegrityError,
    PhotoSealed,
    PhotoService,
    SealedOpenRefused,
    camera_folder_new_files,
)
from sac_desktop.services.record import ConsentMissing, ReasonRequired, RecordService
from sac_desktop.services.session import Session
from sac_desktop.storage import audit_log, records
from sac_desktop.storage import photos as blobs
from tests.conftest import PHYSICIAN

COORDINATOR = Actor("coordinator-1", Role.COORDINATOR)
CAPTURED = "2026:03:14 03:12:45"
CAMERA_PATH = "/media/nurse/EOS_DIGITAL/DCIM/100CANON/IMG_0042.JPG"


# -- synthetic pictures ---------------------------------------------------------------------
def _picture(width: int, height: int, seed: int = 0) -> Image.Image:
    """Gradients and noise: compresses like a real photograph (several MB at 12 MP)."""
    noise = Image.effect_noise((width, height), 40 + seed)
    grad = Image.linear_gradient("L").resize((width, height))
    radial = Image.radial_gradient("L").resize((width, height))
    return Image.merge("RGB", (grad, noise, radial))


def _jpeg(image: Image.Image, captured: str | None = CAPTURED, orientation: int = 1) -> bytes:
    exif = Image.Exif()
    exif[0x0112] = orientation
    if captured is not None:
        details = exif.get_ifd(0x8769)  # the Exif IFD: DateTimeOriginal, OffsetTimeOriginal
        details[0x9003] = captured
        details[0x9011] = "+01:00"
    out = io.BytesIO()
    image.save(out, "JPEG", quality=92, exif=exif.tobytes())
    return out.getvalue()


def _encode(image: Image.Image, fmt: str) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt)
    return out.getvalue()


@pytest.fixture(scope="module")
def jpeg12() -> bytes:
    """A 12-megapixel JPEG (4000 x 3000) with its capture time in EXIF."""
    return _jpeg(_picture(4000, 3000))


@pytest.fixture(scope="module")
def small() -> list[bytes]:
    """Small distinct JPEGs, for tests that only need some photograph."""
    return [_jpeg(_picture(320, 240, seed)) for seed in range(4)]


def _png_header_only(width: int, height: int) -> bytes:
    """A PNG that claims ``width`` x ``height`` pixels (a decompression bomb's header)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    body = struct.pack(">I", len(ihdr)) + chunk + struct.pack(">I", zlib.crc32(chunk))
    iend = struct.pack(">I", 0) + b"IEND" + struct.pack(">I", zlib.crc32(b"IEND"))
    return b"\x89PNG\r\n\x1a\n" + body + iend


def _damaged(data: bytes) -> bytes:
    """Bytes overwritten in the middle, chosen so that the JPEG no longer decodes."""
    for seed in range(50):
        broken = bytearray(data)
        middle = len(broken) // 2 + seed * 97
        for i in range(middle, middle + 256):
            broken[i] = (broken[i] * 31 + seed + i) % 256
        try:
            with Image.open(io.BytesIO(bytes(broken))) as image:
                image.load()
        except OSError:
            return bytes(broken)  # verified: Pillow cannot decode it
    raise AssertionError("no damage pattern broke the JPEG")


# -- services -------------------------------------------------------------------------------
def _decision(item: str, decision: Decision = Decision.GIVEN) -> dict[str, Any]:
    extra = {} if decision is Decision.GIVEN else {"explained": "Synthetic: stops now."}
    return {
        "item": item,
        "decision": decision.value,
        "given_by": GivenBy.PERSON.value,
        "at_local": "2026-03-14 03:35",
        "interpreter": False,
        **extra,
    }


@pytest.fixture
def photos(session: Session) -> PhotoService:
    return PhotoService(session.record)


def _service_for(session: Session, actor: Actor) -> PhotoService:
    record = RecordService(
        session.vault, session.info, session.trail, actor, session.record.clock, session.protocols
    )
    return PhotoService(record)


def _case_with_consent(photos: PhotoService) -> str:
    case_id, _ = photos.record.create_case()
    photos.record.record_consent(case_id, _decision("photographs"))
    return case_id


def _stored(session: Session) -> tuple[int, int]:
    conn = session.vault.conn
    return blobs.count_blobs(conn), records.count_entries(conn)


# -- importing ------------------------------------------------------------------------------
def test_12mp_jpeg_is_stored_and_read_back_byte_identical(
    session: Session, photos: PhotoService, jpeg12: bytes
) -> None:
    assert len(jpeg12) > 3_000_000  # realistic in size
    case_id = _case_with_consent(photos)
    prepared = photos.prepare(jpeg12, CAMERA_PATH)
    photo_id = photos.store(case_id, prepared)

    state = session.record.open_case(case_id)
    [photo] = photos.photos(state)
    assert photo.id == photo_id
    assert photo.source_name == "IMG_0042.JPG"  # the name only, never the folder
    assert (photo.format, photo.width, photo.height, photo.size) == (
        "JPEG",
        4000,
        3000,
        len(jpeg12),
    )
    assert (photo.captured, photo.captured_offset) == (CAPTURED, "+01:00")
    assert photo.imported_by == session.actor.user_id
    assert photo.sha256 == hashlib.sha256(jpeg12).hexdigest()
    assert photos.original(case_id, photo_id) == jpeg12

    view = photos.view_copy(case_id, photo_id)
    with Image.open(io.BytesIO(view)) as image:
        assert image.format == "JPEG" and max(image.size) == 2048
        assert len(image.getexif()) == 0 and "icc_profile" not in image.info
    # The entry holds facts, never the bytes; the chain covers it.
    [entry] = [
        e
        for e in records.entries_for_case(session.vault.conn, case_id)
        if e.kind == KIND_PHOTO_IMPORTED
    ]
    assert len(entry.payload_json) < 2000
    assert verify_vault(session.vault)[0].verification.intact


def test_png_and_tiff_are_accepted_and_the_view_copy_is_upright(
    session: Session, photos: PhotoService
) -> None:
    case_id = _case_with_consent(photos)
    picture = _picture(300, 200)
    for fmt in ("PNG", "TIFF"):
        photos.store(case_id, photos.prepare(_encode(picture, fmt), f"scan.{fmt.lower()}"))
    # EXIF orientation 6: the camera was turned; the view copy is rotated to stand upright.
    turned = photos.store(case_id, photos.prepare(_jpeg(picture, orientation=6), "IMG_7.JPG"))
    state = session.record.open_case(case_id)
    assert [p.format for p in photos.photos(state)] == ["PNG", "TIFF", "JPEG"]
    assert state.photos[turned].captured == CAPTURED
    with Image.open(io.BytesIO(photos.view_copy(case_id, turned))) as view:
        assert view.size == (200, 300)
    no_exif = photos.prepare(_jpeg(picture, captured=None), "x.jpg")
    assert no_exif.image.captured == "" and no_exif.image.captured_offset == ""


def test_import_refused_without_consent_and_nothing_is_stored(
    session: Session, photos: PhotoService, small: list[bytes]
) -> None:
    case_id, _ = session.record.create_case()
    prepared = photos.prepare(small[0], "IMG_1.JPG")
    before = _stored(session)
    with pytest.raises(ConsentMissing) as missing:
        photos.store(case_id, prepared)
    assert missing.value.item == "photographs"
    session.record.record_consent(case_id, _decision("photographs", Decision.REFUSED))
    after_refusal = _stored(session)
    with pytest.raises(ConsentMissing):
        photos.store(case_id, prepared)
    assert _stored(session) == after_refusal
    assert after_refusal[0] == before[0] == 0


def _bad_files(jpeg: bytes) -> dict[str, tuple[bytes, str]]:
    pdf = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"
    gif = _encode(_picture(40, 30).convert("P"), "GIF")
    return {
        "empty": (b"", EMPTY),
        "truncated": (jpeg[: len(jpeg) // 2], DAMAGED),
        "damaged": (_damaged(jpeg), DAMAGED),
        "pdf_named_jpg": (pdf, NOT_AN_IMAGE),
        "text_named_jpg": (b"Synthetic notes, not a picture.\n" * 50, NOT_AN_IMAGE),
        "gif": (gif, NOT_AN_IMAGE),
        "bomb_header": (_png_header_only(30_000, 30_000), TOO_LARGE),
        "over_200_mp": (_png_header_only(15_000, 15_000), TOO_LARGE),
    }


def test_bad_files_are_refused_calmly_and_nothing_is_stored(
    session: Session, photos: PhotoService, jpeg12: bytes, tmp_path: Path
) -> None:
    case_id = _case_with_consent(photos)
    camera = tmp_path / "camera"
    camera.mkdir()
    before = _stored(session)
    for name, (data, code) in _bad_files(jpeg12).items():
        source = camera / f"{name}.jpg"
        source.write_bytes(data)
        with pytest.raises(PhotoRefused) as refused:
            photos.import_file(case_id, source, delete_source=True)
        assert refused.value.code == code, name
        assert refused.value.message == REFUSAL_MESSAGES[code]
        assert "Nothing was stored." in refused.value.message
        assert source.read_bytes() == data  # never deleted when refused
    assert _stored(session) == before
    assert "JPEG, PNG or TIFF" in REFUSAL_MESSAGES[NOT_AN_IMAGE]


def test_the_same_photograph_twice_is_refused_naming_the_first(
    session: Session, photos: PhotoService, small: list[bytes]
) -> None:
    case_id = _case_with_consent(photos)
    first = photos.store(case_id, photos.prepare(small[0], "IMG_1.JPG"))
    before = _stored(session)
    with pytest.raises(PhotoRefused) as refused:
        photos.store(case_id, photos.prepare(small[0], "copy of IMG_1.JPG"))
    assert refused.value.code == DUPLICATE
    assert refused.value.earlier is not None and refused.value.earlier.id == first
    assert refused.value.earlier.source_name == "IMG_1.JPG"
    assert _stored(session) == before
    # Another case may hold the same picture (each case is its own record).
    other = _case_with_consent(photos)
    photos.store(other, photos.prepare(small[0], "IMG_1.JPG"))


def test_no_copy_of_the_picture_exists_outside_the_vault(
    session: Session,
    photos: PhotoService,
    paths: Paths,
    jpeg12: bytes,
    tmp_path: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    started = time.time() - 1
    camera = tmp_path / "camera"
    camera.mkdir()
    source = camera / "IMG_0042.JPG"
    source.write_bytes(jpeg12)
    case_id = _case_with_consent(photos)
    photo_id = photos.import_file(case_id, source)
    session.record.open_case(case_id)
    view = photos.view_copy(case_id, photo_id)
    assert photos.original(case_id, photo_id) == jpeg12
    needles = [
        blob[at : at + 64]
        for blob in (jpeg12, view)
        for at in (len(blob) // 3, len(blob) // 2, 2 * len(blob) // 3)
    ]
    assert all(needle in source.read_bytes() for needle in needles[:3])  # the probe works
    # The vault and its WAL are encrypted: read too, and no 64-byte run of the picture in them.
    wal = paths.vault.with_name(paths.vault.name + "-wal")
    assert paths.vault.stat().st_size + wal.stat().st_size > len(jpeg12)

    def scan(root: Path, recent_only: bool) -> Iterator[Path]:
        for folder, dirs, files in os.walk(root):
            dirs[:] = [d for d in dirs if Path(folder, d) not in skipped]
            for name in files:
                path = Path(folder, name)
                try:
                    info = path.lstat()
                except OSError:
                    continue
                if not path.is_file() or path.is_symlink() or info.st_size > 512 * 2**20:
                    continue
                if recent_only and info.st_mtime < started:
                    continue
                yield path

    checked: set[Path] = set()
    # This test's own folders in full (data, config, logs, cache, the vault); the rest of
    # the temp folder where written during this test (other tests' folders aside: they
    # hold their own source pictures); the platform cache folder if there is one.
    roots = [(tmp_path, False), (Path(tempfile.gettempdir()), True)]
    skipped = {camera, tmp_path_factory.getbasetemp().parent}
    cache = Path(platformdirs.user_cache_dir(APP_NAME, APP_AUTHOR))
    if cache.exists():
        roots.append((cache, False))
    for root, recent_only in roots:
        for path in scan(root, recent_only):
            try:
                content = path.read_bytes()
            except OSError:
                continue
            checked.add(path)
            for needle in needles:
                assert needle not in content, f"a copy of the picture in {path}"
    assert {paths.vault, wal} <= checked


# -- describing -----------------------------------------------------------------------------
def test_a_description_is_amended_and_its_history_kept(
    session: Session, photos: PhotoService, small: list[bytes]
) -> None:
    case_id = _case_with_consent(photos)
    photo_id = photos.store(case_id, photos.prepare(small[0], "IMG_1.JPG"))
    first = photos.describe(case_id, photo_id, "ABFO No. 2 ruler, 1:1", ["inj-1"])
    second = photos.describe(
        case_id, photo_id, " ABFO ruler at the wound ", ["inj-1", "inj-2", "inj-1"]
    )
    photo = session.record.open_case(case_id).photos[photo_id]
    assert (photo.scale_note, photo.injury_ids) == ("ABFO ruler at the wound", ("inj-1", "inj-2"))
    assert [d.entry_id for d in photo.descriptions] == [first, second]
    assert photo.descriptions[0].scale_note == "ABFO No. 2 ruler, 1:1"
    assert photo.descriptions[1].supersedes == first and photo.descriptions[0].supersedes is None


# -- sealing --------------------------------------------------------------------------------
def test_withdrawn_consent_seals_every_photograph_in_the_same_transaction(
    session: Session, photos: PhotoService, small: list[bytes]
) -> None:
    record = session.record
    case_id = _case_with_consent(photos)
    ids = [
        photos.store(case_id, photos.prepare(data, f"IMG_{i}.JPG"))
        for i, data in enumerate(small[:2])
    ]
    consent_id = record.record_consent(case_id, _decision("photographs", Decision.WITHDRAWN))
    kinds = [(e.kind, e.id) for e in records.entries_for_case(session.vault.conn, case_id)]
    at = kinds.index((KIND_CONSENT, consent_id))
    assert [k for k, _ in kinds[at + 1 :]] == [KIND_PHOTO_SEALED] * 2  # written right after it

    state = record.open_case(case_id)
    assert photos.photos(state) == [] and photos.sealed_count(state) == 2
    assert {state.photos[i].sealed_reason for i in ids} == {"consent_withdrawn"}
    for read in (photos.original, photos.view_copy):
        with pytest.raises(PhotoSealed):
            read(case_id, ids[0])
    with pytest.raises(PhotoSealed):
        photos.describe(case_id, ids[0], "note", [])
    with pytest.raises(ConsentMissing):
        photos.store(case_id, photos.prepare(small[2], "IMG_9.JPG"))
    # Given again: new photographs can be taken; the sealed ones stay sealed.
    record.record_consent(case_id, _decision("photographs"))
    new = photos.store(case_id, photos.prepare(small[2], "IMG_9.JPG"))
    state = record.reread(case_id)
    assert [p.id for p in photos.photos(state)] == [new] and photos.sealed_count(state) == 1 + 1
    # Refused after having been given seals too; a second PhotoService does not seal twice.
    PhotoService(record)
    record.record_consent(case_id, _decision("photographs", Decision.REFUSED))
    state = record.reread(case_id)
    assert photos.sealed_count(state) == 3 and state.photos[new].sealed_reason == "consent_refused"
    sealed = [
        e
        for e in records.entries_for_case(session.vault.conn, case_id)
        if e.kind == KIND_PHOTO_SEALED
    ]
    assert len(sealed) == 3


def test_a_sealed_photograph_opens_only_with_a_physicians_reason_or_a_requisition(
    session: Session, photos: PhotoService, small: list[bytes]
) -> None:
    case_id = _case_with_consent(photos)
    photo_id = photos.store(case_id, photos.prepare(small[0], "IMG_1.JPG"))
    session.record.record_consent(case_id, _decision("photographs", Decision.WITHDRAWN))

    session.record.open_case(case_id)
    with pytest.raises(SealedOpenRefused):
        photos.open_sealed(case_id, photo_id, "I need to see it")
    with pytest.raises(SealedOpenRefused):
        photos.open_sealed(case_id, photo_id, "", requisition="PV BR.12.34.567890/26")

    physician = _service_for(session, PHYSICIAN)
    physician.record.open_case(case_id)
    with pytest.raises(ReasonRequired):
        physician.open_sealed(case_id, photo_id, "   ")
    assert physician.open_sealed(case_id, photo_id, "Second opinion on the bruise") == small[0]

    coordinator = _service_for(session, COORDINATOR)
    coordinator.record.open_case(case_id)
    with pytest.raises(SealedOpenRefused):
        coordinator.open_sealed(case_id, photo_id, "curious")
    assert coordinator.open_sealed(case_id, photo_id, "", requisition="PV 123/26") == small[0]

    opened = [
        r
        for r in audit_log.records_for_case(session.vault.conn, case_id)
        if r.action == Action.PHOTO_OPEN_SEALED
    ]
    assert [(r.actor, r.role) for r in opened] == [
        (PHYSICIAN.user_id, "physician"),
        (COORDINATOR.user_id, "coordinator"),
    ]
    assert opened[0].reason is not None and "Second opinion on the bruise" in opened[0].reason
    assert opened[1].reason is not None and "PV 123/26" in opened[1].reason
    assert all(photo_id in (r.reason or "") for r in opened)
    assert verify_vault(session.vault)[0].verification.intact


# -- files from the camera ------------------------------------------------------------------
def test_delete_source_only_after_a_verified_import(
    session: Session, photos: PhotoService, small: list[bytes], tmp_path: Path
) -> None:
    case_id = _case_with_consent(photos)
    kept = tmp_path / "IMG_1.JPG"
    kept.write_bytes(small[0])
    photos.import_file(case_id, kept)
    assert kept.exists()
    gone = tmp_path / "IMG_2.JPG"
    gone.write_bytes(small[1])
    photo_id = photos.import_file(case_id, gone, delete_source=True)
    assert not gone.exists()
    session.record.open_case(case_id)
    assert photos.original(case_id, photo_id) == small[1]
    # Refused (no consent in this case): the file stays.
    other, _ = session.record.create_case()
    waiting = tmp_path / "IMG_3.JPG"
    waiting.write_bytes(small[2])
    with pytest.raises(ConsentMissing):
        photos.import_file(other, waiting, delete_source=True)
    assert waiting.exists()


def test_camera_folder_offers_settled_image_files_only(tmp_path: Path) -> None:
    folder = tmp_path / "DCIM"
    folder.mkdir()
    now = time.time()
    old = now - 60

    def make(name: str, mtime: float = old, data: bytes = b"x" * 10) -> Path:
        path = folder / name
        path.write_bytes(data)
        os.utime(path, (mtime, mtime))
        return path

    a = make("IMG_0001.JPG", old - 5)
    b = make("img_0002.jpeg")
    c = make("scan.TIFF")
    d = make("scan2.png")
    make("notes.txt")
    make(".hidden.jpg")
    make("IMG_0003.JPG", now - 0.5)  # the camera may still be writing it
    make("empty.jpg", old, b"")
    make("seen.jpg")
    (folder / "folder.jpg").mkdir()
    if hasattr(os, "symlink"):
        (folder / "link.jpg").symlink_to(a)
    found = camera_folder_new_files(folder, {"seen.jpg"}, now=now)
    assert found[0] == a
    assert set(found) == {a, b, c, d}
    assert camera_folder_new_files(tmp_path / "unplugged", set(), now=now) == []


# -- threads --------------------------------------------------------------------------------
def test_transactions_from_two_threads_take_turns(session: Session, small: list[bytes]) -> None:
    record = session.record
    case_id, _ = record.create_case()
    record.record_consent(case_id, _decision("photographs"))
    photos = PhotoService(record)
    prepared = [photos.prepare(data, f"IMG_{i}.JPG") for i, data in enumerate(small)]
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def fields() -> None:
        start.wait()
        try:
            for i in range(25):
                record.record_fields(case_id, "arrival", {"note": f"synthetic {i}"})
        except BaseException as exc:
            errors.append(exc)

    def pictures() -> None:
        start.wait()
        try:
            for item in prepared:
                photos.store(case_id, item)
                with session.vault.transaction():
                    time.sleep(0.005)  # hold a transaction while the other thread wants one
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=fields), threading.Thread(target=pictures)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    state = record.open_case(case_id)
    assert len(state.photos) == 4 and len(state.history["arrival.note"]) == 25
    assert verify_vault(session.vault)[0].verification.intact


def test_prepare_is_pure_and_keeps_the_bytes_untouched(small: list[bytes]) -> None:
    prepared = prepare_image(small[0])
    assert prepared.data is small[0]
    assert "bytes" not in repr(prepared) and str(len(small[0])) in repr(prepared)


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE photo_blobs SET data = x'00'",
        "DELETE FROM photo_blobs",
        "INSERT OR REPLACE INTO photo_blobs SELECT * FROM photo_blobs",
    ],
)
def test_stored_pictures_cannot_be_changed_or_deleted(
    session: Session, photos: PhotoService, small: list[bytes], statement: str
) -> None:
    import sqlcipher3.dbapi2 as sqlcipher

    case_id = _case_with_consent(photos)
    photo_id = photos.store(case_id, photos.prepare(small[0], "IMG_1.JPG"))
    with pytest.raises(sqlcipher.IntegrityError, match="append-only"):
        session.vault.conn.raw.execute(statement)
    session.record.open_case(case_id)
    assert photos.original(case_id, photo_id) == small[0]


def test_a_picture_that_no_longer_matches_its_fingerprint_is_not_shown(
    session: Session, photos: PhotoService, small: list[bytes]
) -> None:
    case_id = _case_with_consent(photos)
    photo_id = photos.store(case_id, photos.prepare(small[0], "IMG_1.JPG"))
    raw = session.vault.conn.raw  # someone holding the key, bypassing the triggers
    raw.execute("DROP TRIGGER photo_blobs_no_update")
    raw.execute("UPDATE photo_blobs SET data = ? WHERE kind = 'view'", (small[1],))
    raw.execute("UPDATE photo_blobs SET data = ? WHERE kind = 'original'", (small[0][:-1] + b"x",))
    session.record.open_case(case_id)
    for read in (photos.original, photos.view_copy):
        with pytest.raises(PhotoIntegrityError):
            read(case_id, photo_id)
