"""One open case: the intake, consent and record tabs beside the clock panel.

Made when a case is opened and destroyed when it is closed or the screen locks, so no
case data outlives the view. Typing is saved as a draft within about a second; leaving a
step, locking or closing turns the drafts into entries (the services do that).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from sac_desktop.domain.entries import KIND_FIELD_SET
from sac_desktop.domain.localtime import format_local
from sac_desktop.domain.minors import MINOR_RULE_TEXT, NEED_LABELS
from sac_desktop.domain.roles import Role
from sac_desktop.domain.state import CaseState
from sac_desktop.i18n import Translator
from sac_desktop.services.aftercare import AftercareService
from sac_desktop.services.checklist import ChecklistService
from sac_desktop.services.clock import case_values
from sac_desktop.services.documents import DocumentService
from sac_desktop.services.evidence import EvidenceService
from sac_desktop.services.injuries import InjuryService
from sac_desktop.services.intake import IntakeView
from sac_desktop.services.permissions import Area, Op, allowed, area_of
from sac_desktop.services.photos import PhotoService
from sac_desktop.services.psychology import PsychologyService
from sac_desktop.services.record import RecordService
from sac_desktop.ui.aftercare_panel import AftercarePanel
from sac_desktop.ui.autosave import DraftAutosaver
from sac_desktop.ui.clock_panel import ClockPanel
from sac_desktop.ui.consent_panel import ConsentDialog, ConsentPanel
from sac_desktop.ui.evidence_panel import EvidencePanel
from sac_desktop.ui.injury_panel import InjuryPanel
from sac_desktop.ui.intake_form import IntakeForm
from sac_desktop.ui.medical_panel import MedicalPanel
from sac_desktop.ui.psychology_panel import PsychologyPanel
from sac_desktop.ui.tasks import TaskRunner

CLOCK_REFRESH_MS = 30_000


class CaseView(QWidget):
    """Shows one case; ``error`` reports a problem to the window (calm or a bug)."""

    record_changed = Signal()  # entries were written: the window refreshes the record tab

    def __init__(
        self,
        t: Translator,
        record: RecordService,
        state: CaseState,
        record_tab: QWidget,
        error: Callable[[BaseException], None],
        describe: Callable[[BaseException], str],
        expected: Callable[[BaseException], bool],
        checklist: ChecklistService,
        injuries: InjuryService,
        photos: PhotoService,
        runner: TaskRunner,
        evidence: EvidenceService,
        psychology: PsychologyService,
        aftercare: AftercareService,
        documents: DocumentService,
    ) -> None:
        super().__init__()
        self.setObjectName("caseView")
        self.t = t
        self.record = record
        self.state = state
        self.error = error
        self.describe = describe
        self.expected = expected
        role: Role = record.actor.role
        #: The role writes the record; a closed case then takes only a consent decision,
        #: custody of kept evidence and the reopening (``can_write`` is False meanwhile).
        self.may_write = allowed(role, Area.CASE, Op.WRITE)
        self.can_write = self.may_write and state.aftercare.closed is None
        self.notes = QLabel()
        self.notes.setObjectName("intakeNotes")
        self.notes.setWordWrap(True)
        self.notes.setTextFormat(Qt.TextFormat.PlainText)
        self.notes.setStyleSheet("background:#fff4d6;color:#3d2a00;padding:4px;")
        self.form = IntakeForm()
        self.consent = ConsentPanel(t)
        self.medical = MedicalPanel(
            t,
            checklist,
            error,
            describe,
            expected,
            record.staff_names().get(record.actor.user_id, ""),
        )
        self.injuries = InjuryPanel(t, injuries, photos, runner, error, describe, expected)
        self.evidence = EvidencePanel(t, evidence, error, describe, expected, record.staff_names)
        self.psychology = PsychologyPanel(
            t, psychology, error, describe, expected, record.staff_names
        )
        self.aftercare = AftercarePanel(
            t, aftercare, documents, checklist.protocol_of, error, describe, expected
        )
        self.tabs = QTabWidget()
        self.tabs.setObjectName("caseTabs")
        self.tabs.addTab(self.form, "")
        self.tabs.addTab(self.consent, "")
        self.tabs.addTab(self.medical, "")
        self.tabs.addTab(self.injuries, "")
        self.tabs.addTab(self.evidence, "")
        self.tabs.addTab(self.psychology, "")
        self.tabs.addTab(self.aftercare, "")
        self.tabs.addTab(record_tab, "")
        self.record_tab = record_tab
        self.clock_panel = ClockPanel(t)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.notes)
        left_layout.addWidget(self.tabs, 1)
        splitter = QSplitter()
        splitter.addWidget(left)
        splitter.addWidget(self.clock_panel)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setSizes([600, 540])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(splitter)
        self.shortcuts: list[QShortcut] = []
        for number in range(self.tabs.count()):
            shortcut = QShortcut(QKeySequence(f"Ctrl+{number + 1}"), self)
            self.shortcuts.append(shortcut)
            shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
            shortcut.activated.connect(lambda n=number: self._show_tab(n))

        self.savers: dict[str, DraftAutosaver] = {}
        self.drafts: dict[str, dict[str, Any]] = {}
        self.view: IntakeView | None = None
        self._load()
        self.form.section_changed.connect(self._typed)
        self.form.step_left.connect(self.commit_section)
        self.consent.record_button.clicked.connect(self.record_consent)
        self.consent.record_button.setEnabled(self.may_write)
        self.timer = QTimer(self)
        self.timer.setInterval(CLOCK_REFRESH_MS)
        self.timer.timeout.connect(self.refresh_clock)
        self.timer.start()
        self.retranslate(t)
        self.injuries.show_case(state, self.can_write)
        self.evidence.show_case(state, self.may_write)
        self.psychology.show_case(state)
        self.aftercare.show_case(state, self.may_write)
        self.medical.changed.connect(self.reload_state)
        self.injuries.changed.connect(self.reload_state)
        self.evidence.changed.connect(self.reload_state)
        self.psychology.changed.connect(self.reload_state)
        self.aftercare.changed.connect(self.reload_state)
        if not self.may_write:
            self.tabs.setCurrentWidget(record_tab)  # readers see the record first

    # -- loading ----------------------------------------------------------------------
    def _writable(self, section: str) -> bool:
        return self.can_write and allowed(
            self.record.actor.role, area_of(KIND_FIELD_SET, section), Op.WRITE
        )

    def _load(self) -> None:
        values = case_values(self.state)
        for section, page in self.form.page_by_section.items():
            draft = (
                self.record.draft(self.state.case_id, section) if self._writable(section) else None
            )
            if draft is not None:
                self.drafts[section] = dict(draft)
            record_values = values.get(section, {})
            page.set_values(record_values, draft if draft is not None else record_values)
            page.setEnabled(self._writable(section))
            hidden = [
                k for k, v in self.state.fields.items() if v.hidden and k.startswith(f"{section}.")
            ]
            if hidden:
                page.notice.setText(
                    self.t._(
                        "Some values are recorded and hidden. Typing here replaces them; "
                        "use Show identity to see them."
                    )
                )
                page.notice.show()
        self.refresh_derived()

    def _show_tab(self, index: int) -> None:
        self.tabs.setCurrentIndex(index)
        widget = self.tabs.currentWidget()
        if widget is self.form:
            self.form.steps_list.setFocus()
        elif widget is self.consent:
            self.consent.view.setFocus()
        elif widget is self.medical:
            self.medical.table.setFocus()
        elif widget is self.injuries:
            self.injuries.map.setFocus()
        elif widget is self.evidence:
            self.evidence.suggestions.setFocus()
        elif widget is self.psychology:
            self.psychology.consultations.setFocus()
        elif widget is self.aftercare:
            self.aftercare.contacts.setFocus()
        elif widget is not None:
            widget.setFocus()

    # -- typing -----------------------------------------------------------------------
    def _saver(self, section: str) -> DraftAutosaver:
        if section not in self.savers:
            case_id = self.state.case_id

            def save(values: dict[str, Any]) -> None:
                self.record.save_draft(case_id, section, values)
                self._saved(self.t._("Draft saved at %(time)s") % {"time": self._now_text()})

            self.savers[section] = DraftAutosaver(save, self.error, parent=self)
        return self.savers[section]

    def _typed(self, section: str) -> None:
        if not self._writable(section):
            return
        values = self.form.page_by_section[section].values()
        self.drafts[section] = values
        self._saver(section).changed(values)
        self.form.status.setText(self.t._("Saving…"))
        self.refresh_derived()

    def _saved(self, text: str) -> None:
        self.form.status.setText(text)

    def _now_text(self) -> str:
        return format_local(self.record.clock.now_utc(), self.record.clock.zone)[11:]

    def flush(self) -> bool:
        """Save every pending draft now (before lock, close or sign-out)."""
        return all(saver.flush() for saver in self.savers.values())

    def commit_section(self, section: str) -> None:
        """The person left a step: its draft becomes entries."""
        if not self._writable(section) or section not in self.drafts:
            return
        if not self._saver(section).flush():
            return
        try:
            written = self.record.commit_draft(self.state.case_id, section)
        except Exception as exc:
            self.error(exc)
            return
        self.drafts.pop(section, None)
        if written:
            self.reload_state()
            self._saved(self.t._("Saved to the record at %(time)s") % {"time": self._now_text()})

    def commit_all(self) -> None:
        for section in list(self.drafts):
            self.commit_section(section)

    def reload_state(self) -> None:
        try:
            self.state = self.record.reread(self.state.case_id)
        except Exception as exc:
            self.error(exc)
            return
        values = case_values(self.state)
        self.can_write = self.may_write and self.state.aftercare.closed is None
        for section, page in self.form.page_by_section.items():
            page.loaded = dict(values.get(section, {}))
            page.setEnabled(self._writable(section))  # closed, or reopened
        self.record_changed.emit()
        self.injuries.show_case(self.state, self.can_write)
        self.evidence.show_case(self.state, self.may_write)
        self.psychology.show_case(self.state)
        self.aftercare.show_case(self.state, self.may_write)
        self.refresh_derived(full=True)

    # -- derived ----------------------------------------------------------------------
    def refresh_derived(self, full: bool = False) -> None:
        self.view = self.record.intake_view(self.state, self.drafts)
        self._show_notes()
        self._show_minor()
        self.refresh_clock(full=full)

    def refresh_clock(self, now: datetime | None = None, full: bool = False) -> None:
        clock, protocol, exact = self.record.clock_of(self.state, now, self.drafts)
        if full or self.medical.state is None:
            self.medical.show_case(self.state, clock, self.can_write)
        else:
            self.medical.update_clock(clock)
        view = self.view
        self.clock_panel.show_clock(
            clock,
            protocol,
            exact,
            view.episodes if view else [],
            view.arrival if view else None,
            self.record.clock.zone,
        )

    def _show_notes(self) -> None:
        view = self.view
        if view is None or not view.notes:
            self.notes.hide()
            self.notes.clear()
            return
        lines = [
            ("• " if n.level == "action" else "✎ ") + self.t._(n.message) % dict(n.params)
            for n in view.notes
        ]
        self.notes.setText("\n".join(lines))
        self.notes.setAccessibleName(self.t._("What needs attention"))
        self.notes.show()

    def _show_minor(self) -> None:
        view = self.view
        if view is None:
            return
        page = self.form.page_by_section["minor"]
        minor_values = case_values(self.state).get("minor")
        self.form.set_step_visible(
            "minor", view.minor is not False or view.minor_at_episode or bool(minor_values)
        )
        t = self.t
        lines: list[str] = []
        if view.minor is None:
            lines.append(t._("Age not recorded yet: record it in the Person step."))
        for number, assessment in enumerate(view.assessments, start=1):
            rules = " / ".join(t._(MINOR_RULE_TEXT[r]) for r in assessment.rules)
            text = t._("Episode %(n)d: %(rule)s") % {"n": number, "rule": rules}
            if assessment.needs:
                needs = ", ".join(t._(NEED_LABELS.get(n, n)) for n in assessment.needs)
                text += " " + t._("To decide, record: %(needs)s.") % {"needs": needs}
            lines.append(text)
        if view.assessments:
            lines.append(t._("Rule: %(source)s.") % {"source": t._(view.assessments[0].source)})
        if view.child_protection:
            bodies = "; ".join(f"{b.name} ({b.contact})" for b in view.child_protection)
            lines.append(t._("Child protection for this centre: %(bodies)s.") % {"bodies": bodies})
        else:
            lines.append(
                t._("No child-protection body is set for this centre: ask the coordinator.")
            )
        for problem in view.minor_problems:
            lines.append("✎ " + t._(problem.message))
        page.notice.setText("\n".join(lines))
        page.notice.show()

    # -- consent ----------------------------------------------------------------------
    def record_consent(self) -> ConsentDialog:
        now = format_local(self.record.clock.now_utc(), self.record.clock.zone)

        def submit(payload: dict[str, Any]) -> None:
            self.record.record_consent(self.state.case_id, payload)
            self.reload_state()

        dialog = ConsentDialog(
            self.t, self.consent.selected_item(), now, submit, self.describe, self.expected, self
        )
        dialog.open()
        return dialog

    def show_consents(self, names: dict[str, str]) -> None:
        self.consent.model.set_consents(self.state.consents, names)

    # -- language ---------------------------------------------------------------------
    def retranslate(self, t: Translator) -> None:
        self.t = t
        self.form.retranslate(t)
        self.consent.retranslate(t)
        self.medical.retranslate(t)
        self.injuries.retranslate(t)
        self.evidence.retranslate(t)
        self.psychology.retranslate(t)
        self.aftercare.retranslate(t)
        self.clock_panel.retranslate(t)
        # No mnemonics on the tabs (Ctrl+1, 2, 3 reach them): Alt letters stay free for
        # the buttons inside them ("Add: episode", "Record a decision").
        self.tabs.setTabText(0, t._("Intake"))
        self.tabs.setTabText(1, t._("Consent"))
        self.tabs.setTabText(2, t._("Medical"))
        self.tabs.setTabText(3, t._("Injuries"))
        self.tabs.setTabText(4, t._("Evidence"))
        self.tabs.setTabText(5, t._("Psychology"))
        self.tabs.setTabText(6, t._("Aftercare"))
        self.tabs.setTabText(7, t._("Record"))
        self.tabs.setAccessibleName(t._("Parts of the case (Ctrl+1 to Ctrl+8)"))
        self.refresh_derived()

    def stop(self) -> None:
        self.timer.stop()
        self.flush()

    def wipe(self) -> None:
        """Empty every text this view shows, now: it is deleted only at the next turn of
        the event loop, and nothing of the case may stay on screen or in memory meanwhile."""
        self.timer.stop()
        for shortcut in self.shortcuts:  # never two views answering Ctrl+1 meanwhile
            shortcut.setEnabled(False)
        self.savers.clear()
        self.drafts.clear()
        for widget in self.findChildren(QWidget):
            if isinstance(widget, QLineEdit | QLabel):
                widget.clear()
            elif isinstance(widget, QCheckBox):
                widget.blockSignals(True)
                widget.setChecked(False)
                widget.blockSignals(False)
            elif isinstance(widget, QPlainTextEdit | QComboBox):
                widget.blockSignals(True)
                widget.clear()
                widget.blockSignals(False)
        self.consent.model.set_consents({}, {})
        self.injuries.clear()
        self.evidence.clear()
        self.psychology.clear()
        self.aftercare.clear()
        self.clock_panel.clear()
