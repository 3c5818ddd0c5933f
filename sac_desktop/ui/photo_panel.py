"""Photographs of a case: import (files or a watched camera folder), a list whose small
pictures load one by one, and a viewer with zoom, pan, a scale note and injury links.

Pictures exist on screen and in memory only: they are read from the vault, decoded in
memory (``QImage.fromData``) and never written anywhere, not even as a thumbnail. The file
dialog is Qt's own, not the desktop's, which would make thumbnails of the folder it shows.
Importing and decoding run off the GUI thread (the task runner).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QBuffer,
    QByteArray,
    QFileSystemWatcher,
    QIODevice,
    QSize,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QIcon, QImage, QImageReader, QPixmap, QWheelEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGraphicsPixmapItem,
    QGraphicsScene,
    QGraphicsView,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from sac_desktop.domain import injuries as inj
from sac_desktop.domain.diagrams import region_label
from sac_desktop.domain.photos import PhotoRecord
from sac_desktop.domain.state import CaseState
from sac_desktop.i18n import Translator
from sac_desktop.services.photos import PhotoService, camera_folder_new_files
from sac_desktop.ui.layout import attempt, buddied_rows, message_label, named_button, reraise
from sac_desktop.ui.models import local_time
from sac_desktop.ui.tasks import TaskRunner

ICON = QSize(72, 72)
CAMERA_POLL_MS = 3000


def image_of(data: bytes) -> QImage:
    """Decode in memory (never through a file)."""
    image = QImage()
    image.loadFromData(data)
    return image


def small_picture(data: bytes) -> QImage:
    """A list-size picture, made in memory on a worker thread (QImage is thread-safe).
    The decoder scales while it reads (a JPEG decodes at an eighth of its size for this):
    far quicker than decoding the whole view copy and shrinking it."""
    buffer = QBuffer()
    buffer.setData(QByteArray(data))
    buffer.open(QIODevice.OpenModeFlag.ReadOnly)
    reader = QImageReader(buffer)
    size = reader.size()
    if size.isValid():
        reader.setScaledSize(size.scaled(ICON, Qt.AspectRatioMode.KeepAspectRatio))
    return reader.read()


def photo_text(t: Translator, photo: PhotoRecord, number: int, injuries: dict[str, int]) -> str:
    parts = [t._("Photo %(n)d") % {"n": number}, photo.source_name or "—"]
    if photo.captured:
        parts.append(t._("taken %(when)s") % {"when": photo.captured})
    linked = sorted(injuries[i] for i in photo.injury_ids if i in injuries)
    if linked:
        parts.append(t._("injuries %(numbers)s") % {"numbers": ", ".join(map(str, linked))})
    return " · ".join(parts)


class PhotoView(QGraphicsView):
    """A picture with zoom (Ctrl+wheel, Ctrl++ / Ctrl+-, Ctrl+0) and pan (drag, arrows)."""

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("photoView")
        self.setScene(QGraphicsScene(self))
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.item: QGraphicsPixmapItem | None = None
        self.zoom = 1.0

    def show_image(self, image: QImage) -> None:
        self.scene().clear()
        self.item = self.scene().addPixmap(QPixmap.fromImage(image))
        self.item.setTransformationMode(Qt.TransformationMode.SmoothTransformation)
        self.scene().setSceneRect(self.item.boundingRect())
        self.fit()

    def fit(self) -> None:
        if self.item is not None:
            self.resetTransform()
            self.fitInView(self.item, Qt.AspectRatioMode.KeepAspectRatio)
            self.zoom = 1.0

    def zoom_by(self, factor: float) -> None:
        target = min(16.0, max(1.0, self.zoom * factor))
        self.scale(target / self.zoom, target / self.zoom)
        self.zoom = target

    def wheelEvent(self, event: QWheelEvent) -> None:
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            self.zoom_by(1.25 if event.angleDelta().y() > 0 else 0.8)
            return
        super().wheelEvent(event)

    def keyPressEvent(self, event: Any) -> None:
        ctrl = event.modifiers() & Qt.KeyboardModifier.ControlModifier
        if ctrl and event.key() in (Qt.Key.Key_Plus, Qt.Key.Key_Equal):
            self.zoom_by(1.25)
        elif ctrl and event.key() == Qt.Key.Key_Minus:
            self.zoom_by(0.8)
        elif ctrl and event.key() == Qt.Key.Key_0:
            self.fit()
        else:
            super().keyPressEvent(event)

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        if self.zoom == 1.0:
            self.fit()


class PhotoViewer(QDialog):
    """One photograph: the picture, its facts, its scale note and the injuries it shows."""

    def __init__(
        self,
        t: Translator,
        photo: PhotoRecord,
        image: QImage,
        facts: list[tuple[str, str]],
        injuries: Sequence[inj.InjuryRecord],
        submit: Callable[[str, list[str]], None] | None,
        describe: Callable[[BaseException], str],
        expected: Callable[[BaseException], bool],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("photoViewer")
        self.setWindowTitle(photo.source_name or t._("Photograph"))
        self.resize(1000, 700)
        self.submit, self.describe, self.expected = submit, describe, expected
        self.view = PhotoView()
        self.view.setAccessibleName(t._("Photograph (Ctrl + and Ctrl − zoom, drag to pan)"))
        zoom_in = QPushButton(t._("Zoom &in"))
        zoom_in.clicked.connect(lambda: self.view.zoom_by(1.25))
        zoom_out = QPushButton(t._("Zoom o&ut"))
        zoom_out.clicked.connect(lambda: self.view.zoom_by(0.8))
        fit = QPushButton(t._("&Fit"))
        fit.clicked.connect(self.view.fit)
        zoom_row = QHBoxLayout()
        for button in (zoom_out, zoom_in, fit):
            zoom_row.addWidget(button)
        zoom_row.addStretch(1)
        left = QVBoxLayout()
        left.addWidget(self.view, 1)
        left.addLayout(zoom_row)
        info = QLabel("\n".join(f"{name}: {value}" for name, value in facts))
        info.setObjectName("photoFacts")
        info.setWordWrap(True)
        info.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.scale_note = QLineEdit(photo.scale_note)
        self.scale_note.setObjectName("photoScaleNote")
        self.scale_note.setPlaceholderText(t._("e.g. ABFO No. 2 scale beside the injury"))
        note_label = QLabel(t._("&Scale reference:"))
        note_label.setBuddy(self.scale_note)
        self.scale_note.setAccessibleName(t._("Scale reference"))
        self.links = QListWidget()
        self.links.setObjectName("photoInjuries")
        self.links.setAccessibleName(t._("Injuries this photograph shows"))
        links_label = QLabel(t._("Injuries it sho&ws:"))
        links_label.setBuddy(self.links)
        for injury in injuries:
            item = QListWidgetItem(
                f"{injury.number} · {region_label(injury.region, t._)} · "
                f"{t._(inj.TYPE_LABELS[injury.type])}"
            )
            item.setData(Qt.ItemDataRole.UserRole, injury.id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(
                Qt.CheckState.Checked if injury.id in photo.injury_ids else Qt.CheckState.Unchecked
            )
            self.links.addItem(item)
        self.message = message_label("photoMessage")
        self.save = QPushButton(t._("Save the &description"))
        self.save.setObjectName("savePhotoDescription")
        self.save.clicked.connect(self._save)
        close = QPushButton(t._("&Close"))
        close.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(self.save)
        buttons.addStretch(1)
        buttons.addWidget(close)
        right = QVBoxLayout()
        right.addWidget(info)
        right.addWidget(note_label)
        right.addWidget(self.scale_note)
        right.addWidget(links_label)
        right.addWidget(self.links, 1)
        right.addWidget(self.message)
        right.addLayout(buttons)
        side = QWidget()
        side.setLayout(right)
        side.setMaximumWidth(360)
        layout = QHBoxLayout(self)
        layout.addLayout(left, 1)
        layout.addWidget(side)
        for widget in (self.scale_note, self.links, self.save):
            widget.setEnabled(submit is not None)
        self.view.show_image(image)
        self.view.setFocus()

    def linked(self) -> list[str]:
        return [
            str(self.links.item(i).data(Qt.ItemDataRole.UserRole))
            for i in range(self.links.count())
            if self.links.item(i).checkState() == Qt.CheckState.Checked
        ]

    def _save(self) -> None:
        submit = self.submit
        if submit is not None and attempt(
            lambda: submit(self.scale_note.text(), self.linked()),
            self.expected,
            self.describe,
            self.message,
            reraise,
        ):
            self.accept()


class SealedOpenDialog(QDialog):
    """Why a sealed photograph is opened: a reason, or a judicial requisition's reference
    (both recorded in the audit trail)."""

    chosen = Signal(str, str)  # reason, requisition reference

    def __init__(self, t: Translator, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sealedOpenDialog")
        self.setWindowTitle(t._("Open a sealed photograph"))
        intro = QLabel(
            t._(
                "The person withdrew the consent to photographs. A physician may open it "
                "with a reason; a physician or coordinator under a judicial requisition. "
                "What you write here is recorded in the audit trail."
            )
        )
        intro.setWordWrap(True)
        self.reason = QLineEdit()
        self.reason.setObjectName("sealedReason")
        self.requisition = QLineEdit()
        self.requisition.setObjectName("sealedRequisition")
        form = QFormLayout()
        buddied_rows(
            form,
            [
                (t._("&Reason:"), self.reason),
                (t._("Judicial re&quisition (reference):"), self.requisition),
            ],
        )
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(t._("&Open"))
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(t._("Cancel"))
        buttons.accepted.connect(self._open)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(buttons)

    def _open(self) -> None:
        self.accept()
        self.chosen.emit(self.reason.text().strip(), self.requisition.text().strip())


class PhotoPanel(QGroupBox):
    """The photographs of the open case (the group under the injury list)."""

    changed = Signal()

    def __init__(
        self,
        t: Translator,
        service: PhotoService,
        runner: TaskRunner,
        error: Callable[[BaseException], None],
        describe: Callable[[BaseException], str],
        expected: Callable[[BaseException], bool],
    ) -> None:
        super().__init__()
        self.setObjectName("photoPanel")
        self.t, self.service, self.runner, self.error = t, service, runner, error
        self.describe, self.expected = describe, expected
        self.state: CaseState | None = None
        self.can_write = False
        self.viewer: PhotoViewer | None = None
        self.pictures: dict[str, QIcon] = {}  # in memory only, gone with the panel
        self._loading = 0  # a generation: pictures of an older listing are dropped
        self.camera: Path | None = None
        self.known: set[str] = set()
        self.offered: list[Path] = []
        self.busy = 0

        self.list = QListWidget()
        self.list.setObjectName("photoList")
        self.list.setIconSize(ICON)
        self.list.setMinimumHeight(90)
        self.import_button = named_button("importPhotos", lambda: self.choose_files())
        self.camera_button = named_button("cameraFolder", lambda: self.choose_camera())
        self.view_button = named_button("viewPhoto", lambda: self.open_selected())
        self.sealed_button = named_button("openSealed", lambda: self.open_sealed())
        self.delete_source = QCheckBox()
        self.delete_source.setObjectName("deleteSource")
        self.delete_note = QLabel()
        self.delete_note.setObjectName("deleteSourceNote")
        self.delete_note.setWordWrap(True)
        self.delete_note.setStyleSheet("color: #555;")
        self.status = QLabel()
        self.status.setObjectName("photoStatus")
        self.status.setWordWrap(True)
        self.offer = QLabel()
        self.offer.setObjectName("cameraOffer")
        self.offer.setWordWrap(True)
        self.offer.setStyleSheet("background:#e3f2fd;color:#0d2a4a;padding:4px;")
        self.offer_button = named_button("importOffered", lambda: self.import_offered())
        offer_row = QHBoxLayout()
        offer_row.addWidget(self.offer, 1)
        offer_row.addWidget(self.offer_button)
        self.offer_box = QWidget()
        self.offer_box.setLayout(offer_row)
        offer_row.setContentsMargins(0, 0, 0, 0)
        self.offer_box.hide()
        # Two rows: the German and French words are long, and the tab must fit 1440 px.
        buttons = QGridLayout()
        buttons.addWidget(self.import_button, 0, 0)
        buttons.addWidget(self.view_button, 0, 1)
        buttons.addWidget(self.camera_button, 1, 0)
        buttons.setColumnStretch(2, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.offer_box)
        layout.addWidget(self.list, 1)
        layout.addLayout(buttons)
        layout.addWidget(self.delete_source)
        layout.addWidget(self.delete_note)
        layout.addWidget(self.status)
        layout.addWidget(self.sealed_button)
        self.list.itemActivated.connect(lambda _i: self.open_selected())
        self.watcher = QFileSystemWatcher(self)
        self.watcher.directoryChanged.connect(lambda _p: self.poll_camera())
        self.timer = QTimer(self)
        self.timer.setInterval(CAMERA_POLL_MS)  # files still being written settle later
        self.timer.timeout.connect(self.poll_camera)
        self.retranslate(t)

    # -- showing ----------------------------------------------------------------------
    def show_case(self, state: CaseState, can_write: bool) -> None:
        if self.state is None or self.state.case_id != state.case_id:
            self.pictures.clear()
        self.state, self.can_write = state, can_write
        photos = self.service.photos(state)
        numbers = {r.id: r.number for r in state.injuries.listed()}
        chosen = self.selected_id()
        self.list.clear()
        for index, photo in enumerate(photos, start=1):
            item = QListWidgetItem(photo_text(self.t, photo, index, numbers))
            item.setData(Qt.ItemDataRole.UserRole, photo.id)
            if photo.id in self.pictures:
                item.setIcon(self.pictures[photo.id])
            self.list.addItem(item)
            if photo.id == chosen:
                self.list.setCurrentItem(item)
        sealed = self.service.sealed_count(state)
        self.sealed_button.setVisible(sealed > 0)
        self.sealed_button.setText(
            self.t.ngettext(
                "%(n)d sealed photograph (consent withdrawn): open with a reason…",
                "%(n)d sealed photographs (consent withdrawn): open with a reason…",
                sealed,
            )
            % {"n": sealed}
        )
        self.import_button.setEnabled(can_write)
        self.camera_button.setEnabled(can_write)
        self.view_button.setEnabled(bool(photos))
        self._load_pictures([p.id for p in photos if p.id not in self.pictures])

    def _load_pictures(self, ids: list[str]) -> None:
        """The small pictures, one at a time off the GUI thread: the list is usable at
        once and fills in as they come."""
        if self.state is None or not ids:
            return
        self._loading += 1
        generation, case_id = self._loading, self.state.case_id

        def next_one(remaining: list[str]) -> None:
            if not remaining or generation != self._loading:
                return
            photo_id = remaining[0]

            def done(image: Any, error: BaseException | None) -> None:
                if generation != self._loading:
                    return
                if error is None and isinstance(image, QImage) and not image.isNull():
                    icon = QIcon(QPixmap.fromImage(image))
                    self.pictures[photo_id] = icon
                    for row in range(self.list.count()):
                        item = self.list.item(row)
                        if item.data(Qt.ItemDataRole.UserRole) == photo_id:
                            item.setIcon(icon)
                next_one(remaining[1:])

            self.runner.run(lambda: small_picture(self.service.view_copy(case_id, photo_id)), done)

        next_one(ids)

    def selected_id(self) -> str:
        item = self.list.currentItem()
        return "" if item is None else str(item.data(Qt.ItemDataRole.UserRole))

    # -- importing --------------------------------------------------------------------
    def choose_files(self) -> QFileDialog | None:
        if self.state is None:
            return None
        dialog = QFileDialog(self, self.t._("Import photographs"))
        dialog.setObjectName("photoFileDialog")
        dialog.setOption(QFileDialog.Option.DontUseNativeDialog, True)  # no thumbnails
        dialog.setFileMode(QFileDialog.FileMode.ExistingFiles)
        dialog.setNameFilter(self.t._("Photographs (*.jpg *.jpeg *.png *.tif *.tiff)"))
        if self.camera is not None:
            dialog.setDirectory(str(self.camera))
        dialog.filesSelected.connect(lambda names: self.import_paths([Path(n) for n in names]))
        dialog.open()
        return dialog

    def import_paths(self, paths: Sequence[Path]) -> None:
        """Import each file off the GUI thread; the status line says what happened."""
        if self.state is None or not paths:
            return
        case_id = self.state.case_id
        delete = self.delete_source.isChecked()
        results: list[tuple[Path, BaseException | None]] = []
        self.busy += 1
        self.status.setText(self.t._("Importing %(n)d photograph(s)…") % {"n": len(paths)})

        def next_one(remaining: list[Path]) -> None:
            if not remaining:
                self.busy -= 1
                self._report(results)
                return
            path = remaining[0]

            def done(_photo_id: Any, error: BaseException | None) -> None:
                if self.state is None or self.state.case_id != case_id:
                    self.busy -= 1  # the case was closed or locked: the rest waits
                    return
                if error is not None and not self.expected(error):
                    self.busy -= 1
                    self.error(error)  # a bug: the crash dialog
                    return
                results.append((path, error))
                self.known.add(path.name)
                next_one(remaining[1:])

            self.runner.run(lambda: self.service.import_file(case_id, path, delete), done)

        next_one(list(paths))

    def _report(self, results: list[tuple[Path, BaseException | None]]) -> None:
        stored = sum(1 for _p, e in results if e is None)
        lines = [
            self.t.ngettext("%(n)d photograph imported.", "%(n)d photographs imported.", stored)
            % {"n": stored}
        ]
        for path, error in results:
            if error is not None:
                lines.append(f"{path.name}: {self.describe(error)}")
        self.status.setText("\n".join(lines))
        self.offered = [p for p in self.offered if p.name not in self.known]
        self._show_offer()
        self.changed.emit()

    # -- the camera folder ------------------------------------------------------------
    def choose_camera(self) -> QFileDialog:
        dialog = QFileDialog(self, self.t._("The folder the camera writes to"))
        dialog.setObjectName("cameraFolderDialog")
        dialog.setOption(QFileDialog.Option.DontUseNativeDialog, True)
        dialog.setFileMode(QFileDialog.FileMode.Directory)
        dialog.setOption(QFileDialog.Option.ShowDirsOnly, True)
        dialog.fileSelected.connect(lambda name: self.watch(Path(name)))
        dialog.open()
        return dialog

    def watch(self, folder: Path) -> None:
        """Offer the pictures the camera writes to ``folder`` from now on (the ones there
        already are offered too, once)."""
        if self.watcher.directories():
            self.watcher.removePaths(self.watcher.directories())
        self.camera = folder
        self.watcher.addPath(str(folder))
        self.timer.start()
        self.status.setText(
            self.t._("Watching the camera folder %(folder)s.") % {"folder": folder.name}
        )
        self.poll_camera()

    def poll_camera(self) -> None:
        if self.camera is None or self.state is None:
            return
        seen = self.known | {p.name for p in self.offered}
        self.offered += camera_folder_new_files(self.camera, seen)
        self._show_offer()

    def _show_offer(self) -> None:
        count = len(self.offered)
        self.offer_box.setVisible(count > 0 and self.can_write)
        self.offer.setText(
            self.t.ngettext(
                "%(n)d new picture in the camera folder.",
                "%(n)d new pictures in the camera folder.",
                count,
            )
            % {"n": count}
        )

    def import_offered(self) -> None:
        paths, self.offered = list(self.offered), []
        self.offer_box.hide()
        self.import_paths(paths)

    def _failed(self, exc: BaseException) -> None:
        if not self.expected(exc):
            raise exc  # a bug: the crash dialog
        self.status.setText(self.describe(exc))

    # -- viewing ----------------------------------------------------------------------
    def _facts(self, photo: PhotoRecord) -> list[tuple[str, str]]:
        t = self.t
        zone = self.service.record.clock.zone
        names = self.service.record.staff_names()
        return [
            (t._("File"), photo.source_name or "—"),
            (t._("Taken (camera)"), f"{photo.captured} {photo.captured_offset}".strip() or "—"),
            (t._("Imported"), local_time(t, photo.imported_utc, zone)),
            (t._("Imported by"), names.get(photo.imported_by, photo.imported_by)),
            (t._("Size"), f"{photo.width} × {photo.height}, {photo.format}"),
            ("SHA-256", photo.sha256),
        ]

    def open_selected(self) -> PhotoViewer | None:
        photo_id = self.selected_id()
        if not photo_id or self.state is None:
            return None
        photo = self.state.photos.get(photo_id)
        if photo is None:
            return None
        try:
            image = image_of(self.service.view_copy(self.state.case_id, photo_id))
        except Exception as exc:
            self._failed(exc)
            return None
        return self._viewer(photo, image, sealed=False)

    def _viewer(self, photo: PhotoRecord, image: QImage, sealed: bool) -> PhotoViewer:
        assert self.state is not None
        case_id = self.state.case_id

        def submit(note: str, injuries: list[str]) -> None:
            self.service.describe(case_id, photo.id, note, injuries)
            self.changed.emit()

        viewer = PhotoViewer(
            self.t,
            photo,
            image,
            self._facts(photo),
            self.state.injuries.listed(),
            submit if self.can_write and not sealed else None,
            self.describe,
            self.expected,
            self,
        )
        self.viewer = viewer
        viewer.open()
        return viewer

    def open_sealed(
        self, reason: str | None = None, requisition: str = ""
    ) -> SealedOpenDialog | PhotoViewer | None:
        """A sealed photograph, for a physician with a reason or under a requisition
        (asked for when ``reason`` is None; the service decides who may)."""
        if self.state is None:
            return None
        sealed = [p for p in self.state.photos.values() if p.sealed]
        if not sealed:
            return None
        if reason is None:
            dialog = SealedOpenDialog(self.t, self)
            dialog.chosen.connect(lambda why, reference: self.open_sealed(why, reference))
            dialog.open()
            return dialog
        photo = sealed[0]
        try:
            data = self.service.open_sealed(self.state.case_id, photo.id, reason, requisition)
        except Exception as exc:
            self._failed(exc)
            return None
        return self._viewer(photo, image_of(data), sealed=True)

    # -- language ---------------------------------------------------------------------
    def retranslate(self, t: Translator) -> None:
        self.t = t
        self.setTitle(t._("Photographs"))
        self.list.setAccessibleName(t._("Photographs of this case"))
        self.import_button.setText(t._("Import &photographs…"))
        self.camera_button.setText(t._("Camera &folder…"))
        self.view_button.setText(t._("&View…"))
        self.offer_button.setText(t._("Import them"))
        self.delete_source.setText(t._("Delete the camera's copy"))
        self.delete_source.setAccessibleName(
            t._("Delete from the camera folder after a verified import")
        )
        self.delete_note.setText(
            t._(
                "Only after the stored copy was read back and matched. An ordinary delete: "
                "on memory cards and SSDs, secure erasure cannot be promised. Follow the "
                "centre's procedure for the card."
            )
        )
        # The injury panel shows the case again after this (the list's words).

    def clear(self) -> None:
        self._loading += 1
        self.timer.stop()
        self.state = None
        self.pictures.clear()
        self.list.clear()
