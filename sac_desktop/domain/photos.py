"""Photographs kept inside the vault: what is recorded of them, and reading their bytes
(Qt-free, no I/O: images are decoded from bytes in memory).

A photograph is stored as the camera wrote it (the original, byte for byte, with its
SHA-256 in the ``photo.imported`` entry) and as a view copy (a downscaled JPEG, upright,
without metadata) for the screen. Both live in the encrypted vault only. A description
(scale note, the injuries it shows) is a later entry that supersedes the previous one. A
withdrawn consent seals every photograph of the case: hidden from every view, opened
only by a physician with a recorded reason or under a judicial requisition.

Pillow is imported on first use (not at start-up). Only JPEG, PNG and TIFF are accepted,
and a file must decode completely: a truncated or damaged file is refused, never stored
half-readable. Decompression bombs are refused by their pixel count before decoding.
"""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sac_desktop.domain.entries import (
    KIND_PHOTO_DESCRIBED,
    KIND_PHOTO_IMPORTED,
    KIND_PHOTO_SEALED,
    Entry,
)
from sac_desktop.i18n import N_

if TYPE_CHECKING:
    from PIL.Image import Image as PILImage

FORMATS: tuple[str, ...] = ("JPEG", "PNG", "TIFF")
PHOTO_KINDS = frozenset({KIND_PHOTO_IMPORTED, KIND_PHOTO_DESCRIBED, KIND_PHOTO_SEALED})
#: Larger than any camera's picture (a 100 MP medium-format camera is ~100 M pixels).
MAX_PIXELS = 200_000_000
#: Larger than any camera's file (an uncompressed 16-bit 100 MP TIFF is ~600 MB: refused).
MAX_BYTES = 256 * 1024 * 1024
VIEW_LONGEST_SIDE = 2048
VIEW_QUALITY = 85
_EXIF_IFD = 0x8769
_DATETIME_ORIGINAL = 0x9003
_OFFSET_TIME_ORIGINAL = 0x9011
_ORIENTATION = 0x0112
_EXIF_TEXT = re.compile(r"^[0-9: +\-.]{1,32}$")  # "2026:03:14 03:12:45", "+01:00"

# Reasons a photograph is refused (``PhotoRefused.code``) and what the person is told.
EMPTY = "empty"
NOT_AN_IMAGE = "not_an_image"
DAMAGED = "damaged"
TOO_LARGE = "too_large"
DUPLICATE = "duplicate"
REFUSAL_MESSAGES: dict[str, str] = {
    EMPTY: N_("This file is empty: it holds no photograph. Nothing was stored."),
    NOT_AN_IMAGE: N_(
        "This file is not a photograph SAC Desktop can read (JPEG, PNG or TIFF). "
        "Nothing was stored."
    ),
    DAMAGED: N_(
        "This photograph is damaged or incomplete (perhaps still being copied from the "
        "camera). Nothing was stored. Copy it from the camera again, then import it."
    ),
    TOO_LARGE: N_(
        "This file is too large for a photograph (over 200 million pixels or 256 MB). "
        "Nothing was stored. Check that it is the camera's photograph."
    ),
    DUPLICATE: N_(
        "This photograph is already in this case (the same file was imported before). "
        "Nothing was stored."
    ),
}


class PhotoRefused(ValueError):
    """A file that is not stored; ``message`` is a msgid saying calmly what to do.

    For a duplicate, ``earlier`` is the photograph already in the case.
    """

    def __init__(self, code: str, earlier: PhotoRecord | None = None) -> None:
        super().__init__(code)
        self.code = code
        self.message = REFUSAL_MESSAGES[code]
        self.earlier = earlier


# -- what the record holds -----------------------------------------------------------------
@dataclass(frozen=True)
class PhotoDescription:
    """One description of a photograph (a later one supersedes it; both are kept)."""

    scale_note: str
    injury_ids: tuple[str, ...]
    author: str
    at_utc: datetime
    entry_id: str
    supersedes: str | None


@dataclass(frozen=True)
class PhotoRecord:
    id: str
    sha256: str
    size: int
    format: str  # JPEG, PNG or TIFF
    width: int  # as stored in the file (before the EXIF orientation is applied)
    height: int
    captured: str  # EXIF DateTimeOriginal as the camera wrote it ("" when absent)
    captured_offset: str  # EXIF OffsetTimeOriginal ("+01:00"), "" when absent
    source_name: str  # the camera's file name only, never a folder
    imported_by: str
    imported_utc: datetime
    entry_id: str
    view_sha256: str = ""
    orientation: int = 1
    scale_note: str = ""
    injury_ids: tuple[str, ...] = ()
    descriptions: tuple[PhotoDescription, ...] = ()  # oldest first; the last is current
    sealed: bool = False
    sealed_reason: str = ""  # consent_withdrawn, consent_refused
    sealed_utc: datetime | None = None
    sealed_entry_id: str = ""


def imported_payload(photo_id: str, prepared: PreparedImage, source_name: str) -> dict[str, Any]:
    """The ``photo.imported`` payload: facts about the file, never its bytes."""
    return {
        "id": photo_id,
        "sha256": prepared.sha256,
        "size": prepared.size,
        "format": prepared.format,
        "width": prepared.width,
        "height": prepared.height,
        "orientation": prepared.orientation,
        "captured": prepared.captured,
        "captured_offset": prepared.captured_offset,
        "source_name": source_name,
        "view_sha256": prepared.view_sha256,
    }


def fold_photo(photos: MutableMapping[str, PhotoRecord], entry: Entry) -> None:
    """Apply one photo entry (imported, described, sealed) to a case's photographs."""
    payload: Mapping[str, Any] = entry.payload
    if entry.kind == KIND_PHOTO_IMPORTED:
        photo_id = str(payload["id"])
        photos[photo_id] = PhotoRecord(
            id=photo_id,
            sha256=str(payload["sha256"]),
            size=int(payload["size"]),
            format=str(payload["format"]),
            width=int(payload["width"]),
            height=int(payload["height"]),
            captured=str(payload.get("captured", "")),
            captured_offset=str(payload.get("captured_offset", "")),
            source_name=str(payload.get("source_name", "")),
            imported_by=entry.author,
            imported_utc=entry.at_utc,
            entry_id=entry.id,
            view_sha256=str(payload.get("view_sha256", "")),
            orientation=int(payload.get("orientation", 1)),
        )
        return
    photo = photos.get(str(payload.get("photo_id", "")))
    if photo is None:
        return  # an entry about a photograph this case does not hold: nothing to show
    if entry.kind == KIND_PHOTO_DESCRIBED:
        description = PhotoDescription(
            scale_note=str(payload.get("scale_note", "")),
            injury_ids=tuple(str(i) for i in payload.get("injury_ids") or ()),
            author=entry.author,
            at_utc=entry.at_utc,
            entry_id=entry.id,
            supersedes=entry.supersedes,
        )
        photos[photo.id] = replace(
            photo,
            scale_note=description.scale_note,
            injury_ids=description.injury_ids,
            descriptions=(*photo.descriptions, description),
        )
    elif entry.kind == KIND_PHOTO_SEALED and not photo.sealed:
        photos[photo.id] = replace(
            photo,
            sealed=True,
            sealed_reason=str(payload.get("reason", "")),
            sealed_utc=entry.at_utc,
            sealed_entry_id=entry.id,
        )


# -- reading a file's bytes ------------------------------------------------------------------
@dataclass(frozen=True)
class PreparedImage:
    """A validated photograph, ready to store: the original bytes, untouched, and facts."""

    data: bytes
    sha256: str
    size: int
    format: str
    width: int
    height: int
    orientation: int
    captured: str
    captured_offset: str
    view: bytes
    view_sha256: str

    def __repr__(self) -> str:  # never the bytes (tracebacks, debuggers)
        return f"PreparedImage(format={self.format}, size={self.size})"


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def source_file_name(name: str) -> str:
    """The file's own name (IMG_0042.JPG), never its folder, on any platform."""
    base = re.split(r"[\\/]", name)[-1]
    base = "".join(ch for ch in base if ch.isprintable())
    return base.strip()[:255]


def _pil() -> Any:
    """Pillow, with the safety settings this module relies on (set on every use)."""
    from PIL import Image, ImageFile

    ImageFile.LOAD_TRUNCATED_IMAGES = False  # a cut-off file fails, never half-grey
    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    return Image


def _exif_text(value: object) -> str:
    if isinstance(value, bytes):
        value = value.decode("ascii", "replace")
    if not isinstance(value, str):
        return ""
    text = value.strip("\x00 ").strip()
    return text if _EXIF_TEXT.match(text) else ""


def prepare_image(data: bytes) -> PreparedImage:
    """Validate ``data`` as a complete JPEG, PNG or TIFF and make its view copy.

    Pure CPU work on bytes in memory (safe on a worker thread). Raises
    :class:`PhotoRefused` (empty, not an image, damaged, too large).
    """
    if not data:
        raise PhotoRefused(EMPTY)
    if len(data) > MAX_BYTES:
        raise PhotoRefused(TOO_LARGE)
    image_module = _pil()
    from PIL import UnidentifiedImageError

    # Over MAX_PIXELS Pillow warns (an error where warnings are errors), over twice that
    # it refuses: both are "too large", as is our own count below.
    bomb = (image_module.DecompressionBombError, image_module.DecompressionBombWarning)
    # 1. Identify and check the structure (PNG checksums, JPEG markers).
    try:
        with image_module.open(io.BytesIO(data), formats=FORMATS) as probe:
            fmt = str(probe.format)
            width, height = probe.size
            if width * height > MAX_PIXELS:
                raise PhotoRefused(TOO_LARGE)
            probe.verify()
    except PhotoRefused:
        raise
    except bomb as exc:
        raise PhotoRefused(TOO_LARGE) from exc
    except UnidentifiedImageError as exc:
        raise PhotoRefused(NOT_AN_IMAGE) from exc
    except Exception as exc:  # Pillow raises many types for broken files
        raise PhotoRefused(DAMAGED) from exc
    if fmt not in FORMATS:
        raise PhotoRefused(NOT_AN_IMAGE)
    # 2. Decode every pixel from a fresh open (verify() leaves the image unusable).
    try:
        image = image_module.open(io.BytesIO(data), formats=FORMATS)
        image.load()
        exif = image.getexif()
        details = exif.get_ifd(_EXIF_IFD)
        captured = _exif_text(details.get(_DATETIME_ORIGINAL))
        offset = _exif_text(details.get(_OFFSET_TIME_ORIGINAL))
        orientation = exif.get(_ORIENTATION, 1)
        orientation = orientation if isinstance(orientation, int) and 1 <= orientation <= 8 else 1
        view = _view_copy(image, orientation)
    except PhotoRefused:
        raise
    except bomb as exc:
        raise PhotoRefused(TOO_LARGE) from exc
    except Exception as exc:
        raise PhotoRefused(DAMAGED) from exc
    return PreparedImage(
        data=data,
        sha256=sha256_hex(data),
        size=len(data),
        format=fmt,
        width=int(width),
        height=int(height),
        orientation=orientation,
        captured=captured,
        captured_offset=offset,
        view=view,
        view_sha256=sha256_hex(view),
    )


def _view_copy(image: PILImage, orientation: int) -> bytes:
    """A JPEG whose longest side is at most 2048 px, upright, with no metadata at all."""
    from PIL import Image

    image.thumbnail((VIEW_LONGEST_SIDE, VIEW_LONGEST_SIDE), Image.Resampling.BICUBIC)
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba.getchannel("A"))
        image = flat
    elif image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    transpose = {
        2: Image.Transpose.FLIP_LEFT_RIGHT,
        3: Image.Transpose.ROTATE_180,
        4: Image.Transpose.FLIP_TOP_BOTTOM,
        5: Image.Transpose.TRANSPOSE,
        6: Image.Transpose.ROTATE_270,
        7: Image.Transpose.TRANSVERSE,
        8: Image.Transpose.ROTATE_90,
    }.get(orientation)
    if transpose is not None:
        image = image.transpose(transpose)
    clean = Image.new(image.mode, image.size)  # pixels only: no EXIF, ICC, comments
    clean.paste(image)
    out = io.BytesIO()
    clean.save(out, "JPEG", quality=VIEW_QUALITY, optimize=False)
    return out.getvalue()
