"""The clock panel: every window of the case with its live countdown, and a timeline.

It only shows what the clock engine (``domain.deadlines``) computed; it holds no rule.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QHeaderView, QLabel, QSizePolicy, QSplitter, QVBoxLayout, QWidget

from sac_desktop.domain.deadlines import CaseClock, ItemClock
from sac_desktop.domain.localtime import local_of
from sac_desktop.domain.protocol import Protocol, State
from sac_desktop.i18n import N_, Translator
from sac_desktop.ui.layout import read_only_table
from sac_desktop.ui.models import Index, _TableModel, local_time_zoned

STATE_LABELS: dict[State, str] = {
    State.OPTIMAL: N_("optimal"),
    State.REDUCED: N_("reduced yield"),
    State.OUTSIDE: N_("outside guidance: record a reason"),
    State.CLOSED: N_("closed"),
    State.NOT_APPLICABLE: N_("not applicable"),
    State.UNKNOWN: N_("time not known: clinician decides"),
}
STATE_COLOURS: dict[State, str] = {
    State.OPTIMAL: "#2e7d32",
    State.REDUCED: "#ef8f00",
    State.OUTSIDE: "#8d8d8d",
    State.CLOSED: "#6d1b1b",
    State.NOT_APPLICABLE: "#bdbdbd",
    State.UNKNOWN: "#5c6bc0",
}
HIGHLIGHT = QColor("#ffe08a")


def duration_text(t: Translator, delta: timedelta) -> str:
    minutes = max(0, int(delta.total_seconds() // 60))
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return t._("%(d)d d %(h)d h") % {"d": days, "h": hours}
    if hours:
        return t._("%(h)d h %(m)02d min") % {"h": hours, "m": mins}
    return t._("%(m)d min") % {"m": mins}


class ClockModel(_TableModel):
    COL_ITEM, COL_STATE, COL_ACT, COL_UNTIL = range(4)
    HEADERS = (N_("Item"), N_("State"), N_("Act before"), N_("Possible until"))

    def __init__(self, t: Translator) -> None:
        super().__init__(t)
        self.clock: CaseClock | None = None
        self.zone = "Europe/Brussels"

    def set_clock(self, clock: CaseClock | None, zone: str) -> None:
        """Show ``clock``. When the same items come in the same order (the usual refresh),
        the cells change in place: the selected row, and a screen reader's place, stay."""
        self.zone = zone
        self.clock = clock
        self.refresh_rows([] if clock is None else clock.by_urgency(), lambda r: r.window.id)

    def _when(self, moment: datetime) -> str:
        return local_time_zoned(self.t, moment, self.zone)

    def item(self, row: int) -> ItemClock:
        item: ItemClock = self._rows[row]
        return item

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows) or self.clock is None:
            return None
        item = self.item(index.row())
        now = self.clock.now
        column = index.column()
        if role == Qt.ItemDataRole.ToolTipRole:
            source = self.t._("Source: %(source)s") % {"source": item.window.source}
            return f"{item.window.text(self.t.language)}\n{source}"
        if role == Qt.ItemDataRole.BackgroundRole and item.highlight:
            return QBrush(HIGHLIGHT)
        if role == Qt.ItemDataRole.ForegroundRole and column == self.COL_STATE:
            return QBrush(QColor(STATE_COLOURS[item.state]))
        if role == Qt.ItemDataRole.AccessibleDescriptionRole and item.highlight:
            return self.t._("urgent")
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if column == self.COL_ITEM:
            return item.window.text(self.t.language)
        if column == self.COL_STATE:
            label = self.t._(STATE_LABELS[item.state])
            if item.state is State.CLOSED and item.closes_at is not None:
                return self.t._("closed at %(when)s") % {"when": self._when(item.closes_at)}
            known = self.clock.anchors.any_known  # "another" only beside a known one
            if item.state is State.OPTIMAL and item.time_uncertain and known:
                label += " " + self.t._("(another episode's time is not known)")
            if item.eligible and item.next_deadline is not None:
                label += " · " + self.t._("changes in %(duration)s") % {
                    "duration": duration_text(self.t, item.next_deadline - now)
                }
            if item.applies is None and item.eligible:
                label += " · " + self.t._("may apply: a question is not answered yet")
            return label
        if not item.eligible or (item.state is State.UNKNOWN and not item.urgency_deadlines):
            return ""
        if column == self.COL_ACT:
            act = item.act_before
            if act is None:
                return self.t._("any time")
            if act <= now:
                return self.t._("as soon as possible (since %(when)s)") % {"when": self._when(act)}
            return self._when(act)
        if column == self.COL_UNTIL:
            end = item.guidance_ends_at
            if end is None:
                return self.t._("no closing time")
            return self._when(end)
        return None


class TimelineWidget(QWidget):
    """Episodes, arrival and now on one time axis; each window as a bar of its states."""

    ROW = 18
    LEFT = 190
    TOP = 44  # room for the date ticks and the arrival / now labels

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("clockTimeline")
        self.setMinimumHeight(160)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        self.clock: CaseClock | None = None
        self.episodes: list[tuple[datetime, datetime]] = []
        self.arrival: datetime | None = None
        self.t: Translator | None = None
        self.zone = "Europe/Brussels"

    def set_data(
        self,
        clock: CaseClock | None,
        episodes: list[tuple[datetime, datetime]],
        arrival: datetime | None,
        zone: str,
    ) -> None:
        self.clock, self.episodes, self.arrival, self.zone = clock, episodes, arrival, zone
        rows = 0 if clock is None else len([i for i in clock.items if i.eligible])
        self.setMinimumHeight(self.TOP + 50 + rows * self.ROW)
        self._describe()
        self.update()

    def retranslate(self, t: Translator) -> None:
        self.t = t
        self.setAccessibleName(t._("Timeline of the case's clock"))
        self._describe()
        self.update()

    def _describe(self) -> None:
        if self.t is None:
            return
        if self.clock is None or self.clock.anchors.latest is None:
            self.setAccessibleDescription(self.t._("No episode time is known yet."))
            return
        hours = self.clock.hours_since_latest or 0.0
        self.setAccessibleDescription(
            self.t._("%(hours)s hours since the latest possible exposure.")
            % {"hours": self.t.format_number(round(hours, 1))}
        )

    def _span(self) -> tuple[datetime, datetime] | None:
        clock = self.clock
        if clock is None or clock.anchors.earliest is None or clock.anchors.latest is None:
            return None
        start = min([clock.anchors.earliest, clock.now] + ([self.arrival] if self.arrival else []))
        ends = [clock.now]
        for item in clock.items:
            if item.eligible and item.eligibility_deadlines:
                ends.append(
                    min(item.eligibility_deadlines[-1], clock.anchors.latest + timedelta(days=8))
                )
        end = max(ends)
        pad = max(timedelta(hours=2), (end - start) * 0.04)
        return start - pad, end + pad

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.rect(), self.palette().base())
        t = self.t
        span = self._span()
        if span is None or t is None or self.clock is None:
            painter.setPen(self.palette().text().color())
            message = t._("The timeline appears once an episode's time is known.") if t else ""
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, message)
            painter.end()
            return
        start, end = span
        width = max(10.0, self.width() - self.LEFT - 12)
        total = (end - start).total_seconds()

        def x(moment: datetime) -> float:
            return self.LEFT + width * (moment - start).total_seconds() / total

        text_colour = self.palette().text().color()
        painter.setPen(QPen(text_colour))
        axis_y = self.TOP - 6
        painter.drawLine(QPointF(self.LEFT, axis_y), QPointF(self.LEFT + width, axis_y))
        # Day ticks at local midnight, labelled day/month, never closer than ~46 px.
        day = local_of(start, self.zone).replace(hour=0, minute=0, second=0, microsecond=0)
        days = max(1.0, (end - start).total_seconds() / 86400)
        step_days = max(1, int(days * 46 / width) + 1)
        while day <= end:
            if day >= start:
                px = x(day)
                painter.drawLine(QPointF(px, axis_y - 4), QPointF(px, axis_y + 4))
                painter.drawText(QPointF(px + 2, axis_y - 6), f"{day.day}/{day.month}")
            day = local_of(day + timedelta(days=step_days, hours=3), self.zone).replace(
                hour=0, minute=0, second=0, microsecond=0
            )
        # Episodes: points or ranges on the axis.
        painter.setBrush(QBrush(QColor("#c62828")))
        painter.setPen(QPen(QColor("#c62828"), 2))
        for first, last in self.episodes:
            if first == last:
                painter.drawEllipse(QPointF(x(first), axis_y), 4, 4)
            else:
                painter.drawRect(QRectF(x(first), axis_y - 3, max(2.0, x(last) - x(first)), 6))
        rows = [i for i in self.clock.by_urgency() if i.eligible]
        y = float(self.TOP + 4)
        plot = QRectF(self.LEFT, 0, width, self.height())
        font_metrics = painter.fontMetrics()
        for item in rows:
            painter.setPen(QPen(text_colour))
            label = font_metrics.elidedText(
                item.window.text(t.language), Qt.TextElideMode.ElideRight, self.LEFT - 8
            )
            painter.drawText(
                QRectF(2, y, self.LEFT - 6, self.ROW), Qt.AlignmentFlag.AlignVCenter, label
            )
            anchor = self.clock.anchors.latest
            assert anchor is not None
            painter.setClipRect(plot)  # a window longer than the axis stops at its end
            for band in item.window.bands:
                band_start = anchor + timedelta(hours=band.start_hours)
                band_end = (
                    end if band.end_hours is None else anchor + timedelta(hours=band.end_hours)
                )
                colour = QColor(STATE_COLOURS[band.state])
                painter.fillRect(
                    QRectF(
                        x(band_start), y + 3, max(1.0, x(band_end) - x(band_start)), self.ROW - 6
                    ),
                    colour,
                )
            if item.window.after is not None and item.eligibility_deadlines:
                after_start = item.eligibility_deadlines[-1]
                colour = QColor(STATE_COLOURS[item.window.after])
                colour.setAlpha(110)
                painter.fillRect(
                    QRectF(x(after_start), y + 3, max(0.0, x(end) - x(after_start)), self.ROW - 6),
                    QBrush(
                        colour,
                        Qt.BrushStyle.BDiagPattern
                        if item.window.hard_stop
                        else Qt.BrushStyle.SolidPattern,
                    ),
                )
            if item.act_before is not None:  # urgency, from the earliest exposure
                painter.setPen(QPen(QColor("#000000"), 2))
                ax = x(item.act_before)
                painter.drawLine(QPointF(ax, y + 1), QPointF(ax, y + self.ROW - 1))
            painter.setClipping(False)
            if item.highlight:
                painter.setPen(QPen(QColor("#b26a00"), 2))
                painter.setBrush(Qt.BrushStyle.NoBrush)
                painter.drawRect(QRectF(1, y + 1, self.width() - 3, self.ROW - 2))
            y += self.ROW
        # Arrival and now as vertical lines over everything.
        for moment, colour, name in (
            (self.arrival, QColor("#1565c0"), t._("arrival")),
            (self.clock.now, QColor("#000000"), t._("now")),
        ):
            if moment is None:
                continue
            px = x(moment)
            pen = QPen(colour, 2, Qt.PenStyle.DashLine)
            painter.setPen(pen)
            painter.drawLine(QPointF(px, axis_y), QPointF(px, y + 4))
            line = 1 if moment is self.clock.now else 2  # arrival's label under now's
            painter.drawText(QPointF(px + 3, y + 2 + line * font_metrics.height()), name)
        painter.end()


class ClockPanel(QWidget):
    """The list of windows with countdowns above the timeline picture."""

    def __init__(self, t: Translator) -> None:
        super().__init__()
        self.setObjectName("clockPanel")
        self.title = QLabel()
        self.title.setObjectName("clockTitle")
        self.summary = QLabel()
        self.summary.setObjectName("clockSummary")
        self.summary.setWordWrap(True)
        self.view = read_only_table("clockTable")
        self.model = ClockModel(t)
        self.view.setModel(self.model)
        # The item's name is elided (in full in its tooltip): the state stays in sight.
        self.view.horizontalHeader().setSectionResizeMode(
            ClockModel.COL_ITEM, QHeaderView.ResizeMode.Interactive
        )
        self.view.setColumnWidth(ClockModel.COL_ITEM, 210)
        self.source = QLabel()  # the selected item's source, for the keyboard (not hover)
        self.source.setObjectName("clockSource")
        self.source.setWordWrap(True)
        self.view.selectionModel().currentRowChanged.connect(self._show_source)
        self.timeline = TimelineWidget()
        self.title.setBuddy(self.view)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.view)
        splitter.addWidget(self.timeline)
        splitter.setSizes([220, 200])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.summary)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.source)
        self.t = t
        self.protocol: Protocol | None = None
        self.exact_protocol = True

    def show_clock(
        self,
        clock: CaseClock | None,
        protocol: Protocol | None,
        exact_protocol: bool,
        episodes: list[tuple[datetime, datetime]],
        arrival: datetime | None,
        zone: str,
    ) -> None:
        self.protocol, self.exact_protocol = protocol, exact_protocol
        self.model.set_clock(clock, zone)
        self.timeline.set_data(clock, episodes, arrival, zone)
        self._summarise()

    def _show_source(self) -> None:
        index = self.view.currentIndex()
        if not index.isValid() or self.model.clock is None:
            self.source.clear()
            return
        item = self.model.item(index.row())
        self.source.setText(
            f"{item.window.text(self.t.language)}: "
            + self.t._("Source: %(source)s") % {"source": item.window.source}
        )

    def _summarise(self) -> None:
        t, clock = self.t, self.model.clock
        parts: list[str] = []
        if clock is not None:
            if clock.anchors.latest is None:
                parts.append(
                    t._("No episode time is known: every item is for the clinician to decide.")
                )
            else:
                hours = clock.hours_since_latest or 0.0
                parts.append(
                    t._("%(hours)s h since the latest possible exposure.")
                    % {"hours": t.format_number(round(hours, 1))}
                )
                if clock.acute is True:
                    parts.append(t._("Acute: forensic examination is offered."))
                elif clock.acute is False:
                    parts.append(t._("Not acute: care by appointment."))
            if clock.anchors.unknown_episodes:
                parts.append(t._("An episode's time is not known."))
        if self.protocol is not None:
            parts.append(t._("Protocol %(version)s.") % {"version": self.protocol.key})
            if not self.exact_protocol:
                parts.append(
                    t._("The case's own protocol is not installed: the current one is used.")
                )
        self.summary.setText(" ".join(parts))

    def retranslate(self, t: Translator) -> None:
        self.t = t
        self.title.setText(t._("Clock &since the assault"))
        self.view.setAccessibleName(t._("Time windows of the case"))
        self.model.retranslate(t)
        self.timeline.retranslate(t)
        self._summarise()

    def clear(self) -> None:
        self.source.clear()
        self.model.set_clock(None, self.model.zone)
        self.timeline.set_data(None, [], None, self.model.zone)
        self.summary.clear()
