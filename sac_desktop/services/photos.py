"""Photographs of a case, kept inside the encrypted vault (Qt-free).

Importing is two steps so the window stays live: :meth:`PhotoService.prepare` (validate,
hash, read EXIF, make the view copy: CPU only, safe on a worker thread) and
:meth:`PhotoService.store` (one transaction: the original bytes, the view copy and the
``photo.imported`` entry, audited). Nothing is ever written outside the vault: no
temporary file, no thumbnail cache. Reading a picture back checks its SHA-256 against the
entry, which the audit chain protects.

Who may do what: importing and describing need the case write permission (forensic
nurse, physician) and, for importing, the "photographs" consent in force. Viewing follows
the record's read permission (Area.CASE read: nurse, physician, psychologist,
coordinator; never police inspectors). When the "photographs" consent is withdrawn, or
refused after having been given, every photograph of the case is sealed in the same
transaction as that decision: hidden from every view. A sealed photograph opens only
for a physician who records a reason, or for a physician or coordinator under a judicial
requisition (its reference recorded); each opening is audited
(``Action.PHOTO_OPEN_SEALED``). This is an explicit role check on top of Area.CASE
read, not a row of the permissions table.
"""

from __future__ import annotations

import os
import stat
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sac_desktop.domain.audit import Action
from sac_desktop.domain.consent import Decision
from sac_desktop.domain.entries import (
    KIND_PHOTO_DESCRIBED,
    KIND_PHOTO_IMPORTED,
    KIND_PHOTO_SEALED,
    Entry,
    new_id,
)
from sac_desktop.domain.photos import (
    DUPLICATE,
    PhotoRecord,
    PreparedImage,
    imported_payload,
    prepare_image,
    sha256_hex,
    source_file_name,
)
from sac_desktop.domain.photos import PhotoRefused as PhotoRefused
from sac_desktop.domain.roles import Role
from sac_desktop.domain.state import CaseState
from sac_desktop.i18n import N_
from sac_desktop.services.permissions import Area, Forbidden, Op, require
from sac_desktop.services.record import ConsentMissing, ReasonRequired, RecordService
from sac_desktop.storage import photos as blobs

CONSENT_ITEM = "photographs"
#: Files a camera folder offers for import (compared case-insensitively).
IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".tif", ".tiff"})
#: A file modified more recently than this may still be being written by the camera.
SETTLE_SECONDS = 2.0
_SEAL_DECISIONS = {Decision.WITHDRAWN.value, Decision.REFUSED.value}


class UnknownPhoto(LookupError):
    """No photograph with that id in this case."""

    message = N_("This photograph is not in this case.")


class PhotoSealed(PermissionError):
    """The photograph is sealed (its consent was withdrawn): it is shown to no one."""

    message = N_(
        "This photograph is sealed because the consent to photographs was withdrawn. "
        "A physician may open it with a recorded reason, or under a judicial requisition."
    )


class SealedOpenRefused(PermissionError):
    """Opening a sealed photograph needs a physician's reason or a requisition."""

    message = N_(
        "A sealed photograph opens only for a physician who gives a reason, or for a "
        "physician or coordinator under a judicial requisition (give its reference)."
    )


class PhotoIntegrityError(RuntimeError):
    """Stored bytes no longer match the SHA-256 recorded when they were imported."""

    message = N_(
        "This photograph no longer matches the fingerprint recorded when it was imported. "
        "It is not shown. Tell the coordinator: the vault may be damaged."
    )


class SourceNotDeleted(RuntimeError):
    """Stored and verified, but the camera's file could not be deleted."""

    message = N_(
        "The photograph was stored safely, but its file on the camera or card could not "
        "be deleted. Delete it by hand."
    )

    def __init__(self, photo_id: str) -> None:
        super().__init__("source_not_deleted")
        self.photo_id = photo_id


@dataclass(frozen=True)
class PreparedPhoto:
    """A validated photograph ready to store (made by :meth:`PhotoService.prepare`)."""

    image: PreparedImage
    source_name: str  # the file's name only (IMG_0042.JPG)

    @property
    def sha256(self) -> str:
        return self.image.sha256


class PhotoService:
    def __init__(self, record: RecordService) -> None:
        self.record = record
        # One per RecordService: a second PhotoService on it must not seal twice.
        if not any(
            getattr(f, "__func__", None) is PhotoService._seal_on_consent
            for f in record.consent_listeners
        ):
            record.consent_listeners.append(self._seal_on_consent)

    # -- importing --------------------------------------------------------------------
    def prepare(self, data: bytes, source_name: str) -> PreparedPhoto:
        """Validate, hash, read EXIF and make the view copy (CPU only; any thread).

        Raises :class:`PhotoRefused` (empty, not an image, damaged, too large)."""
        return PreparedPhoto(prepare_image(data), source_file_name(source_name))

    def store(self, case_id: str, prepared: PreparedPhoto) -> str:
        """Store a prepared photograph in one transaction; returns its id.

        Needs the "photographs" consent in force (:class:`ConsentMissing` otherwise) and
        the case write permission. The same bytes twice in a case raise
        :class:`PhotoRefused` (``duplicate``, ``earlier`` the photograph already there).
        """
        record = self.record
        require(record.actor, Area.CASE, Op.WRITE)
        image = prepared.image
        with record.vault.transaction() as conn:
            state = record.state_for_write(conn, case_id)
            consent = state.consents.get(CONSENT_ITEM)
            if consent is None or not consent.in_force:
                raise ConsentMissing(CONSENT_ITEM)
            for earlier in state.photos.values():
                if earlier.sha256 == image.sha256:
                    raise PhotoRefused(DUPLICATE, earlier)
            if blobs.original_with_hash(conn, case_id, image.sha256) is not None:
                raise PhotoRefused(DUPLICATE)  # stored without an entry: never expected
            photo_id = new_id()
            blobs.insert_blob(conn, photo_id, blobs.ORIGINAL, case_id, image.sha256, image.data)
            blobs.insert_blob(conn, photo_id, blobs.VIEW, case_id, image.view_sha256, image.view)
            record.append(
                conn,
                state,
                KIND_PHOTO_IMPORTED,
                imported_payload(photo_id, image, prepared.source_name),
            )
        return photo_id

    def import_file(self, case_id: str, path: Path, delete_source: bool = False) -> str:
        """Read a file, prepare and store it; returns the photograph's id.

        With ``delete_source``, the file is deleted only after the original has been read
        back from the vault and its SHA-256 matches the file (read again just before the
        delete: a file the camera changed meanwhile is kept). This is an ordinary
        delete: on SSDs, memory cards and other flash storage the old blocks can survive
        it, so secure erasure cannot be promised (wipe or destroy the card per the
        centre's procedure). A file that cannot be deleted raises
        :class:`SourceNotDeleted` (the photograph is stored)."""
        path = Path(path)
        data = path.read_bytes()
        photo_id = self.store(case_id, self.prepare(data, path.name))
        if delete_source:
            stored = blobs.get_blob(self.record.vault.conn, case_id, photo_id, blobs.ORIGINAL)
            if stored is None or sha256_hex(stored) != sha256_hex(data):
                raise PhotoIntegrityError(photo_id)
            try:
                if sha256_hex(path.read_bytes()) != sha256_hex(stored):
                    raise SourceNotDeleted(photo_id)  # the file changed since it was read
                path.unlink()
            except OSError as exc:
                raise SourceNotDeleted(photo_id) from exc
        return photo_id

    # -- describing -------------------------------------------------------------------
    def describe(
        self, case_id: str, photo_id: str, scale_note: str, injury_ids: Sequence[str]
    ) -> str:
        """Its scale note and the injuries it shows; supersedes the previous description
        (the history keeps every one). Returns the entry id."""
        record = self.record
        with record.vault.transaction() as conn:
            state = record.state_for_write(conn, case_id)
            photo = _photo_in(state, photo_id)
            if photo.sealed:
                raise PhotoSealed(photo_id)
            previous = photo.descriptions[-1].entry_id if photo.descriptions else None
            payload = {
                "photo_id": photo_id,
                "scale_note": scale_note.strip(),
                "injury_ids": [str(i) for i in dict.fromkeys(injury_ids)],
            }
            return record.append(conn, state, KIND_PHOTO_DESCRIBED, payload, supersedes=previous)

    # -- reading ----------------------------------------------------------------------
    def photos(self, state: CaseState) -> list[PhotoRecord]:
        """The photographs shown for an opened case, in import order (sealed ones hidden)."""
        require(self.record.actor, Area.CASE, Op.READ)
        return [p for p in state.photos.values() if not p.sealed]

    def sealed_count(self, state: CaseState) -> int:
        """How many photographs are sealed (shown as a number, never as pictures)."""
        require(self.record.actor, Area.CASE, Op.READ)
        return sum(1 for p in state.photos.values() if p.sealed)

    def original(self, case_id: str, photo_id: str) -> bytes:
        """The original bytes, as imported (SHA-256 checked) of a case opened here."""
        with self.record.vault.locked():  # safe from a worker thread
            photo = self._visible_photo(case_id, photo_id)
            return self._bytes(case_id, photo, blobs.ORIGINAL)

    def view_copy(self, case_id: str, photo_id: str) -> bytes:
        """The view copy (JPEG, longest side ≤ 2048, upright, no metadata), checked."""
        with self.record.vault.locked():  # safe from a worker thread
            photo = self._visible_photo(case_id, photo_id)
            return self._bytes(case_id, photo, blobs.VIEW)

    def open_sealed(self, case_id: str, photo_id: str, reason: str, requisition: str = "") -> bytes:
        """A sealed photograph's original: a physician with a reason, or a physician or
        coordinator under a judicial requisition (its reference). Audited with the reason
        and the reference; :class:`SealedOpenRefused` otherwise."""
        actor = self.record.actor
        require(actor, Area.CASE, Op.READ)
        reason, requisition = reason.strip(), requisition.strip()
        if requisition:
            if actor.role not in (Role.PHYSICIAN, Role.COORDINATOR):
                raise SealedOpenRefused(str(actor.role))
        elif actor.role is not Role.PHYSICIAN:
            raise SealedOpenRefused(str(actor.role))
        elif not reason:
            raise ReasonRequired()
        state = self._opened(case_id)
        photo = _photo_in(state, photo_id)
        if not photo.sealed:
            return self._bytes(case_id, photo, blobs.ORIGINAL)  # not sealed: no special read
        parts = [f"photo={photo_id}"]
        if requisition:
            parts.append(f"requisition={requisition}")
        if reason:
            parts.append(f"reason={reason}")
        self.record.trail.record_read(actor, Action.PHOTO_OPEN_SEALED, case_id, "; ".join(parts))
        return self._bytes(case_id, photo, blobs.ORIGINAL)

    # -- sealing ----------------------------------------------------------------------
    def _seal_on_consent(self, conn: object, state: CaseState, entry: Entry) -> None:
        """Inside record_consent's transaction: a withdrawal or refusal of "photographs"
        seals every photograph of the case not yet sealed."""
        payload = entry.payload
        if payload.get("item") != CONSENT_ITEM or payload.get("decision") not in _SEAL_DECISIONS:
            return
        why = (
            "consent_withdrawn" if payload["decision"] == Decision.WITHDRAWN else "consent_refused"
        )
        for photo in state.photos.values():
            if not photo.sealed:
                self.record.append(
                    conn,
                    state,
                    KIND_PHOTO_SEALED,
                    {"photo_id": photo.id, "reason": why, "consent_entry_id": entry.id},
                )

    # -- helpers ----------------------------------------------------------------------
    def _opened(self, case_id: str) -> CaseState:
        """The case as this person last read it (opened in this session: not a new read;
        every write by this person re-reads it, sealing included)."""
        return self.record.opened_state(case_id)

    def _visible_photo(self, case_id: str, photo_id: str) -> PhotoRecord:
        require(self.record.actor, Area.CASE, Op.READ)
        photo = _photo_in(self._opened(case_id), photo_id)
        if photo.sealed:
            raise PhotoSealed(photo_id)
        return photo

    def _bytes(self, case_id: str, photo: PhotoRecord, kind: str) -> bytes:
        data = blobs.get_blob(self.record.vault.conn, case_id, photo.id, kind)
        expected = photo.sha256 if kind == blobs.ORIGINAL else photo.view_sha256
        if data is None or sha256_hex(data) != expected:
            raise PhotoIntegrityError(photo.id)
        return data


def _photo_in(state: CaseState, photo_id: str) -> PhotoRecord:
    photo = state.photos.get(photo_id)
    if photo is None:
        raise UnknownPhoto(photo_id)
    return photo


def camera_folder_new_files(folder: Path, known: set[str], now: float | None = None) -> list[Path]:
    """Image files in a camera folder not yet seen (by name), oldest first.

    Regular files only (no links, no folders), not hidden, with a JPEG, PNG or TIFF
    extension, and not modified in the last :data:`SETTLE_SECONDS` (the camera may still
    be writing). ``known`` holds the names already offered or imported. Reads only the
    folder's listing and file sizes; never a file's content."""
    now = time.time() if now is None else now
    found: list[tuple[float, str, Path]] = []
    try:
        listing = list(os.scandir(folder))
    except OSError:
        return []
    for item in listing:
        name = item.name
        if name in known or name.startswith(".") or Path(name).suffix.lower() not in IMAGE_SUFFIXES:
            continue
        try:
            info = item.stat(follow_symlinks=False)
        except OSError:
            continue
        if not stat.S_ISREG(info.st_mode) or _hidden_on_windows(info):
            continue
        if info.st_size == 0 or now - info.st_mtime < SETTLE_SECONDS:
            continue
        found.append((info.st_mtime, name, Path(item.path)))
    return [path for _m, _n, path in sorted(found)]


def _hidden_on_windows(info: os.stat_result) -> bool:
    attributes = getattr(info, "st_file_attributes", 0)
    return bool(attributes & getattr(stat, "FILE_ATTRIBUTE_HIDDEN", 0))


__all__ = [
    "Forbidden",
    "PhotoIntegrityError",
    "PhotoRecord",
    "PhotoRefused",
    "PhotoSealed",
    "PhotoService",
    "PreparedPhoto",
    "SealedOpenRefused",
    "SourceNotDeleted",
    "UnknownPhoto",
    "camera_folder_new_files",
]
