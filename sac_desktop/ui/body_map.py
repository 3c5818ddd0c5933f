"""The injury map: one body diagram with its numbered markers, by mouse and by keyboard.

The view shows and reports; the panel decides (it asks the services to record). Positions
are in the diagram's own units (its SVG viewBox), so the map, the record and the printed
diagram agree.

Mouse: a click on the drawing places a marker (the injury form opens; cancelling it
records nothing), dragging a marker moves it, a double-click opens it, Ctrl+wheel zooms.
Keyboard: the arrows move a cross (Shift: finer), Enter places a marker at the cross,
Page Up / Page Down select the previous / next marker, Space opens the selected one, M
moves it with the arrows (Enter keeps the move, Escape cancels), Ctrl++ / Ctrl+- zoom,
Ctrl+0 fits the drawing.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFocusEvent,
    QFont,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPen,
    QWheelEvent,
)
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtSvgWidgets import QGraphicsSvgItem
from PySide6.QtWidgets import (
    QGraphicsEllipseItem,
    QGraphicsItem,
    QGraphicsLineItem,
    QGraphicsScene,
    QGraphicsSimpleTextItem,
    QGraphicsView,
    QStyleOptionGraphicsItem,
    QWidget,
)

from sac_desktop.domain.diagrams import Diagram
from sac_desktop.services.diagrams import svg_path

MARKER_RADIUS = 11.0  # screen pixels: markers keep their size when zooming
ZOOM_STEP = 1.25
MAX_ZOOM = 8.0
KEY_STEP = 5.0  # diagram units per arrow press (Shift: 1)
RED = QColor("#b71c1c")
MUTED = QColor("#6d6d6d")


@dataclass(frozen=True)
class MapMarker:
    injury_id: str
    number: int
    x: float
    y: float


class _Marker(QGraphicsEllipseItem):
    """A numbered marker; it keeps its size on screen at any zoom."""

    def __init__(self, marker: MapMarker, view: BodyMap) -> None:
        r = MARKER_RADIUS
        super().__init__(-r, -r, 2 * r, 2 * r)
        self.marker = marker
        self.view = view
        self.setPos(marker.x, marker.y)
        self.setBrush(QBrush(RED))
        self.setPen(QPen(QColor("white"), 1.5))
        self.setZValue(10)
        self.setFlags(
            QGraphicsItem.GraphicsItemFlag.ItemIsMovable
            | QGraphicsItem.GraphicsItemFlag.ItemIsSelectable
            | QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations
            | QGraphicsItem.GraphicsItemFlag.ItemSendsGeometryChanges
        )
        self.setCursor(Qt.CursorShape.OpenHandCursor)
        self.label = QGraphicsSimpleTextItem(str(marker.number), self)
        font = QFont()
        font.setBold(True)
        font.setPixelSize(12 if marker.number < 100 else 10)
        self.label.setFont(font)
        self.label.setBrush(QBrush(QColor("white")))
        box = self.label.boundingRect()
        self.label.setPos(-box.width() / 2, -box.height() / 2)

    def itemChange(self, change: QGraphicsItem.GraphicsItemChange, value: object) -> object:
        if change == QGraphicsItem.GraphicsItemChange.ItemPositionChange and isinstance(
            value, QPointF
        ):
            return self.view.clamp(value)  # never off the drawing
        if change == QGraphicsItem.GraphicsItemChange.ItemSelectedHasChanged:
            selected = bool(value)
            self.setPen(
                QPen(QColor("#ffca28") if selected else QColor("white"), 4 if selected else 1.5)
            )
        return super().itemChange(change, value)

    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(self.pen())
        painter.setBrush(self.brush())
        painter.drawEllipse(self.rect())  # no dashed selection box: the halo says it

    def mouseReleaseEvent(self, event: object) -> None:
        super().mouseReleaseEvent(event)  # type: ignore[arg-type]
        self.view.released(self)


class BodyMap(QGraphicsView):
    """One diagram and its markers. Signals carry diagram units and injury ids."""

    place_requested = Signal(float, float)  # a new injury at (x, y)
    move_requested = Signal(str, float, float)  # an injury's marker moved
    selected = Signal(str)  # "" when nothing is selected
    open_requested = Signal(str)
    cross_moved = Signal(float, float)  # the keyboard cross (or the mouse) is over (x, y)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("bodyMap")
        self.setScene(QGraphicsScene(self))
        self.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing)
        self.setBackgroundBrush(QBrush(QColor("white")))
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setDragMode(QGraphicsView.DragMode.NoDrag)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setMouseTracking(True)
        self.diagram: Diagram | None = None
        self.markers: dict[str, _Marker] = {}
        self.zoom = 1.0
        self._renderer: QSvgRenderer | None = None
        self._cross: list[QGraphicsLineItem] = []
        self.cross = QPointF(0, 0)
        self.moving: str = ""  # the marker being moved with the keyboard
        self._move_from = QPointF()
        self._press: QPointF | None = None
        self._quiet = False
        self.read_only = False
        self.scene().selectionChanged.connect(self._selection_changed)

    # -- content ----------------------------------------------------------------------
    def show_diagram(self, diagram: Diagram, markers: list[MapMarker]) -> None:
        keep_zoom = self.diagram is not None and self.diagram.id == diagram.id
        chosen = self.selected_id()
        self._quiet = True
        self.scene().clear()
        self.markers.clear()
        self._cross = []
        self.moving = ""
        self.diagram = diagram
        self._renderer = QSvgRenderer(str(svg_path(diagram.id)), self)
        drawing = QGraphicsSvgItem()
        drawing.setSharedRenderer(self._renderer)
        drawing.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable, False)
        self.scene().addItem(drawing)
        box = QRectF(0, 0, diagram.width, diagram.height)
        drawing.setScale(diagram.width / max(1.0, drawing.boundingRect().width()))
        self.scene().setSceneRect(box.adjusted(-20, -20, 20, 20))
        pen = QPen(QColor("#1565c0"), 0)
        pen.setCosmetic(True)
        for _ in range(2):
            line = self.scene().addLine(0, 0, 0, 0, pen)
            line.setZValue(5)
            line.setVisible(False)
            self._cross.append(line)
        if not keep_zoom:
            self.cross = QPointF(diagram.width / 2, diagram.height / 2)
        for marker in markers:
            item = _Marker(marker, self)
            self.scene().addItem(item)
            self.markers[marker.injury_id] = item
        if chosen in self.markers:
            self.markers[chosen].setSelected(True)
        self._quiet = False
        self._draw_cross()
        if not keep_zoom:
            self.fit()

    def selected_id(self) -> str:
        for injury_id, item in self.markers.items():
            if item.isSelected():
                return injury_id
        return ""

    def select(self, injury_id: str) -> None:
        """Select a marker from outside (the list): no signal back."""
        self._quiet = True
        self.scene().clearSelection()
        item = self.markers.get(injury_id)
        if item is not None:
            item.setSelected(True)
            self.ensureVisible(item)
            self.cross = item.pos()
            self._draw_cross()
        self._quiet = False

    def _selection_changed(self) -> None:
        if not self._quiet:
            self.selected.emit(self.selected_id())

    # -- geometry ---------------------------------------------------------------------
    def clamp(self, point: QPointF) -> QPointF:
        if self.diagram is None:
            return point
        return QPointF(
            min(max(point.x(), 0.0), self.diagram.width),
            min(max(point.y(), 0.0), self.diagram.height),
        )

    def fit(self) -> None:
        if self.diagram is None:
            return
        self._scrollbars(False)  # the whole drawing in view: nothing to scroll
        self.resetTransform()
        self.fitInView(self.sceneRect(), Qt.AspectRatioMode.KeepAspectRatio)
        self.zoom = 1.0

    def _scrollbars(self, shown: bool) -> None:
        policy = (
            Qt.ScrollBarPolicy.ScrollBarAsNeeded if shown else Qt.ScrollBarPolicy.ScrollBarAlwaysOff
        )
        self.setHorizontalScrollBarPolicy(policy)
        self.setVerticalScrollBarPolicy(policy)

    def zoom_by(self, factor: float) -> None:
        target = min(MAX_ZOOM, max(1.0, self.zoom * factor))
        if target == self.zoom:
            return
        self._scrollbars(target > 1.0)
        self.scale(target / self.zoom, target / self.zoom)
        self.zoom = target

    def resizeEvent(self, event: object) -> None:
        super().resizeEvent(event)  # type: ignore[arg-type]
        if self.zoom == 1.0:
            self.fit()

    def _draw_cross(self) -> None:
        if not self._cross or self.diagram is None:
            return
        size = 12.0 / max(self.transform().m11(), 0.01)
        x, y = self.cross.x(), self.cross.y()
        self._cross[0].setLine(x - size, y, x + size, y)
        self._cross[1].setLine(x, y - size, x, y + size)
        visible = self.hasFocus() and not self.read_only
        for line in self._cross:
            line.setVisible(visible)

    # -- mouse ------------------------------------------------------------------------
    def _marker_at(self, event: QMouseEvent) -> _Marker | None:
        for item in self.items(event.position().toPoint()):
            while item is not None and not isinstance(item, _Marker):
                item = item.parentItem()
            if isinstance(item, _Marker):
                return item
        return None

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self.setFocus(Qt.FocusReason.MouseFocusReason)
        marker = self._marker_at(event)
        if marker is not None:
            if self.read_only:
                self.scene().clearSelection()
                marker.setSelected(True)
                return
            super().mousePressEvent(event)
            return
        self._press = event.position()
        self.scene().clearSelection()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        super().mouseReleaseEvent(event)
        press, self._press = self._press, None
        if press is None or event.button() != Qt.MouseButton.LeftButton or self.read_only:
            return
        if (event.position() - press).manhattanLength() > 6:
            return  # a drag over the drawing, not a click
        point = self.mapToScene(event.position().toPoint())
        if self.diagram is not None and self._inside(point):
            self.cross = point
            self._draw_cross()
            self.place_requested.emit(round(point.x(), 1), round(point.y(), 1))

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        super().mouseMoveEvent(event)
        point = self.mapToScene(event.position().toPoint())
        if self.diagram is not None and self._inside(point):
            self.cross_moved.emit(point.x(), point.y())

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        marker = self._marker_at(event)
        if marker is not None:
            self.open_requested.emit(marker.marker.injury_id)
            return
        super().mouseDoubleClickEvent(event)

    def released(self, item: _Marker) -> None:
        """A marker let go after a drag: report the move (if it moved at all)."""
        moved = item.pos() - QPointF(item.marker.x, item.marker.y)
        if self.read_only or moved.manhattanLength() < 1.0:
            item.setPos(item.marker.x, item.marker.y)
            return
        self.move_requested.emit(
            item.marker.injury_id, round(item.pos().x(), 1), round(item.pos().y(), 1)
        )

    def wheelEvent(self, event: QWheelEvent) -> None:
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            self.zoom_by(ZOOM_STEP if event.angleDelta().y() > 0 else 1 / ZOOM_STEP)
            self._draw_cross()
            return
        super().wheelEvent(event)

    def _inside(self, point: QPointF) -> bool:
        assert self.diagram is not None
        return 0 <= point.x() <= self.diagram.width and 0 <= point.y() <= self.diagram.height

    # -- keyboard ---------------------------------------------------------------------
    def focusInEvent(self, event: QFocusEvent) -> None:
        super().focusInEvent(event)
        self._draw_cross()

    def focusOutEvent(self, event: QFocusEvent) -> None:
        super().focusOutEvent(event)
        if self.moving:
            self._end_move(keep=False)
        self._draw_cross()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        mods = event.modifiers()
        ctrl = bool(mods & Qt.KeyboardModifier.ControlModifier)
        step = 1.0 if mods & Qt.KeyboardModifier.ShiftModifier else KEY_STEP
        arrows = {
            Qt.Key.Key_Left: (-step, 0.0),
            Qt.Key.Key_Right: (step, 0.0),
            Qt.Key.Key_Up: (0.0, -step),
            Qt.Key.Key_Down: (0.0, step),
        }
        if ctrl and key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal):
            self.zoom_by(ZOOM_STEP)
        elif ctrl and key == Qt.Key.Key_Minus:
            self.zoom_by(1 / ZOOM_STEP)
        elif ctrl and key == Qt.Key.Key_0:
            self.fit()
        elif key in arrows and self.diagram is not None and not ctrl:
            dx, dy = arrows[Qt.Key(key)]
            self.cross = self.clamp(self.cross + QPointF(dx, dy))
            if self.moving:
                self.markers[self.moving].setPos(self.cross)
            if self.zoom > 1:
                self.centerOn(self.cross)
            self.cross_moved.emit(self.cross.x(), self.cross.y())
        elif key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not self.read_only:
            if self.moving:
                self._end_move(keep=True)
            elif self.diagram is not None:
                self.place_requested.emit(round(self.cross.x(), 1), round(self.cross.y(), 1))
        elif key == Qt.Key.Key_Escape and self.moving:
            self._end_move(keep=False)
        elif key == Qt.Key.Key_M and not self.read_only and self.selected_id():
            self.moving = self.selected_id()
            self._move_from = self.markers[self.moving].pos()
            self.cross = self._move_from
        elif key == Qt.Key.Key_Space and self.selected_id():
            self.open_requested.emit(self.selected_id())
        elif key in (Qt.Key.Key_PageDown, Qt.Key.Key_PageUp) and self.markers:
            self._step_selection(1 if key == Qt.Key.Key_PageDown else -1)
        else:
            super().keyPressEvent(event)
            return
        self._draw_cross()

    def _step_selection(self, direction: int) -> None:
        ordered = sorted(self.markers.values(), key=lambda m: m.marker.number)
        ids = [m.marker.injury_id for m in ordered]
        current = self.selected_id()
        index = ids.index(current) + direction if current in ids else 0
        chosen = ids[index % len(ids)]
        self.select(chosen)
        self.selected.emit(chosen)

    def _end_move(self, keep: bool) -> None:
        injury_id, self.moving = self.moving, ""
        item = self.markers.get(injury_id)
        if item is None:
            return
        if keep:
            self.released(item)
        else:
            item.setPos(self._move_from)
