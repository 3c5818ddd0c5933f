"""The Psychology tab: consultations with the person and with the support circle, and the
support circle itself.

Only psychologists read what a consultation says; every other role sees that one took
place, when, how long and by whom (the services withhold the rest: nothing to hide here).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from sac_desktop.domain import psychology as psy
from sac_desktop.domain import questionnaires as qn
from sac_desktop.domain.intake import LANGUAGES, RELATIONS
from sac_desktop.domain.state import CaseState
from sac_desktop.i18n import N_, Translator
from sac_desktop.services.psychology import PsychologyService, consultation_values
from sac_desktop.ui.layout import (
    ActionPanel,
    attempt,
    buddied_rows,
    choice_box,
    line_edit,
    message_label,
    named_button,
    read_only_table,
    reraise,
    save_cancel,
    text_edit,
)
from sac_desktop.ui.models import Index, _TableModel

YES_NO = (("", N_("not asked")), ("yes", N_("yes")), ("no", N_("no")))
PCL5 = "pcl5"


class ConsultationModel(_TableModel):
    HEADERS = (
        N_("When"),
        N_("Duration"),
        N_("With"),
        N_("By"),
        N_("Signed off"),
        N_("Risk"),
        N_("PCL-5"),
    )

    def __init__(self, t: Translator) -> None:
        super().__init__(t)
        self.names: dict[str, str] = {}  # subject -> name (members), staff id -> name

    def row_at(self, row: int) -> psy.ConsultationRecord:
        record: psy.ConsultationRecord = self._rows[row]
        return record

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or role != Qt.ItemDataRole.DisplayRole:
            return None
        r = self.row_at(index.row())
        t = self.t
        column = index.column()
        if column == 0:
            return r.at_local
        if column == 1:
            return t._("%(n)d min") % {"n": r.duration_min}
        if column == 2:
            if r.subject_kind is psy.SubjectKind.PERSON:
                return t._(psy.SUBJECT_LABELS[psy.SubjectKind.PERSON])
            return self.names.get(r.subject) or t._(psy.SUBJECT_LABELS[psy.SubjectKind.CIRCLE])
        if column == 3:
            return self.names.get(r.author, "")
        if column == 4:
            return t._("yes") if r.signed_off else ""
        if column == 5:
            if r.hidden:
                return t._("(for psychologists)")
            levels = [x for x in (r.risk_level, r.suicide_risk) if x is not None]
            worst = max(levels, key=list(psy.RiskLevel).index) if levels else None
            return t._(psy.RISK_LABELS[worst]) if worst is not None else ""
        if column == 6:
            result = r.scores.get(PCL5)
            if not isinstance(result, dict) or result.get("total") is None:
                return ""
            return ("≈ " if result.get("estimated") else "") + str(result["total"])
        return None


class MemberModel(_TableModel):
    HEADERS = (N_("Name"), N_("Relation"), N_("May be called"), N_("Wants support"))

    def row_at(self, row: int) -> psy.MemberRecord:
        record: psy.MemberRecord = self._rows[row]
        return record

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or role != Qt.ItemDataRole.DisplayRole:
            return None
        m = self.row_at(index.row())
        t = self.t
        labels = dict(RELATIONS)
        values = (
            m.name + ("" if m.recorded else " " + t._("(from the intake)")),
            t._(labels[m.relation]) if m.relation in labels else m.relation,
            t._(dict(YES_NO).get(m.contact_consent, "")) if m.contact_consent else "",
            t._(m.wants_support) if m.wants_support in ("yes", "no") else "",
        )
        return values[index.column()]


class QuestionnaireDialog(QDialog):
    """A questionnaire's items, each with its answers, scored as they are entered: the
    total and what it means are shown below (the services score again when saving)."""

    def __init__(
        self,
        t: Translator,
        instrument: qn.Questionnaire,
        given: Mapping[str, Any],
        needs_reason: bool,
        submit: Callable[[dict[int, int | None], str], None],
        describe: Callable[[BaseException], str],
        expected: Callable[[BaseException], bool],
        parent: QWidget | None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("pcl5Dialog")
        self.setWindowTitle(instrument.name)
        self.t, self.instrument, self.submit = t, instrument, submit
        self.describe, self.expected = describe, expected
        language = t.language if t.language in instrument.languages else "en"
        intro = QLabel(instrument.stem_text(language) or instrument.instruction_text(language))
        intro.setWordWrap(True)
        grid = QGridLayout()
        grid.setColumnStretch(0, 1)
        self.boxes: list[QComboBox] = []
        for row, item in enumerate(instrument.items):
            choices: list[tuple[str, Any]] = [(t._("not answered"), None)]
            choices += [
                (f"{value} {instrument.answer_label(value, language)}", value)
                for value in range(instrument.answer_max + 1)
            ]
            box = choice_box(f"pcl5Item{item.number}", choices, given.get(str(item.number)))
            text = QLabel(f"{item.number}. {item.wording(language)}")
            text.setWordWrap(True)
            text.setBuddy(box)
            box.setAccessibleName(t._("Item %(number)d") % {"number": item.number})
            box.setAccessibleDescription(item.wording(language))
            box.currentIndexChanged.connect(lambda _i: self.show_score())
            grid.addWidget(text, row, 0)
            grid.addWidget(box, row, 1)
            self.boxes.append(box)
        items = QWidget()
        items.setLayout(grid)
        scroll = QScrollArea()
        scroll.setWidget(items)
        scroll.setWidgetResizable(True)
        self.meaning = QLabel()
        self.meaning.setObjectName("pcl5Meaning")
        self.meaning.setWordWrap(True)
        self.meaning.setStyleSheet("font-weight:bold;")
        self.reason = line_edit("pcl5Reason")
        self.message = message_label("pcl5Message")
        self.buttons = save_cancel(t._("&Save"), t._("Cancel"))
        self.buttons.accepted.connect(self._save)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.meaning)
        if language != t.language:
            note = QLabel(
                t._("Items as published in English; a centre adds validated translations.")
            )
            note.setWordWrap(True)
            layout.addWidget(note)
        if needs_reason:
            form = QFormLayout()
            buddied_rows(form, [(t._("Reason for the c&hange:"), self.reason)])
            layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self.show_score()
        self.resize(900, 700)

    def answers(self) -> dict[int, int | None]:
        return {n: box.currentData() for n, box in enumerate(self.boxes, start=1)}

    def show_score(self) -> None:
        result = qn.score(self.instrument, self.answers())
        self.meaning.setText(self.t._(result.message) % dict(result.params))

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        self.boxes[0].setFocus()

    def _save(self) -> None:
        def save() -> None:
            self.submit(self.answers(), self.reason.text())

        if attempt(save, self.expected, self.describe, self.message, reraise):
            self.accept()


class PsychologyPanel(ActionPanel):
    def __init__(
        self,
        t: Translator,
        service: PsychologyService,
        error: Callable[[BaseException], None],
        describe: Callable[[BaseException], str],
        expected: Callable[[BaseException], bool],
        staff: Callable[[], dict[str, str]],
    ) -> None:
        super().__init__("psychologyPanel", t, error, describe, expected)
        self.service, self.staff = service, staff
        self.state: CaseState | None = None
        self.intro = QLabel()
        self.intro.setWordWrap(True)
        self.consultations = read_only_table("consultations")
        self.model = ConsultationModel(t)
        self.consultations.setModel(self.model)
        self.consultations_title = QLabel()
        self.consultations_title.setBuddy(self.consultations)
        self.record_button = named_button("recordConsultation", lambda: self.consultation_dialog())
        self.amend_button = named_button("amendConsultation", lambda: self.amend_selected())
        self.sign_button = named_button("signOffConsultation", lambda: self.sign_off())
        self.questionnaire_button = named_button(
            "questionnaireButton", lambda: self.questionnaire_dialog()
        )
        row = QHBoxLayout()
        for button in (
            self.record_button,
            self.amend_button,
            self.sign_button,
            self.questionnaire_button,
        ):
            row.addWidget(button)
        row.addStretch(1)
        self.members = read_only_table("supportCircle")
        self.member_model = MemberModel(t)
        self.members.setModel(self.member_model)
        self.members_title = QLabel()
        self.members_title.setBuddy(self.members)
        self.member_button = named_button("addMember", lambda: self.member_dialog())
        member_row = QHBoxLayout()
        member_row.addWidget(self.member_button)
        member_row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addWidget(self.consultations_title)
        layout.addWidget(self.consultations, 2)
        layout.addLayout(row)
        layout.addWidget(self.members_title)
        layout.addWidget(self.members, 1)
        layout.addLayout(member_row)
        layout.addWidget(self.message)
        self.consultations.activated.connect(lambda _i: self.amend_selected())
        self.retranslate(t)

    # -- showing ------------------------------------------------------------------------
    def show_case(self, state: CaseState) -> None:
        self.state = state
        try:
            members = self.service.members(state)
            consultations = self.service.consultations(state)
        except Exception as exc:  # police never reach a case; anything else is a bug
            if not self.expected(exc):
                raise
            self.clear()
            return
        names = {m.id: m.name for m in members}
        names.update(self.staff())
        self.model.names = names
        self.model.set_rows(sorted(consultations, key=lambda r: r.at_local, reverse=True))
        self.member_model.set_rows(members)
        self.consultations.resizeColumnsToContents()
        self.members.resizeColumnsToContents()
        writes = self.service.can_read_consultations()
        for button in (
            self.record_button,
            self.amend_button,
            self.sign_button,
            self.questionnaire_button,
        ):
            button.setEnabled(writes)
        self.member_button.setEnabled(self.service.can_write_members())

    def selected(self) -> psy.ConsultationRecord | None:
        index = self.consultations.currentIndex()
        return self.model.row_at(index.row()) if index.isValid() else None

    # -- actions ------------------------------------------------------------------------
    def consultation_dialog(self, record: psy.ConsultationRecord | None = None) -> QDialog | None:
        """A new consultation, or a new version of ``record`` (an amendment after
        sign-off needs its reason)."""
        if self.state is None or not self.service.can_read_consultations():
            return None
        t = self.t
        values = consultation_values(record) if record is not None else {}
        subjects = [(t._(psy.SUBJECT_LABELS[psy.SubjectKind.PERSON]), psy.PERSON)]
        subjects += [(m.name, m.id) for m in self.service.members(self.state)]
        subject = choice_box("consultationSubject", subjects, values.get("subject", psy.PERSON))
        when = line_edit("consultationAt", str(values.get("at_local") or self.service._local_now()))
        duration = QSpinBox()
        duration.setObjectName("consultationDuration")
        duration.setRange(1, psy.MAX_DURATION_MIN)
        duration.setValue(int(values.get("duration_min") or 45))
        duration.setSuffix(" min")
        present = line_edit("consultationPresent", str(values.get("present", "")))
        education = text_edit("consultationEducation", str(values.get("psychoeducation", "")))
        reactions = text_edit("consultationReactions", str(values.get("reactions", "")))
        levels = [(t._(label), level.value) for level, label in psy.RISK_LABELS.items()]
        risk = choice_box("consultationRisk", levels, values.get("risk_level", "none"))
        suicide = choice_box("consultationSuicideRisk", levels, values.get("suicide_risk", "none"))
        action = text_edit("consultationAction", str(values.get("action_taken", "")))
        plan = text_edit("consultationPlan", str(values.get("plan", "")))
        following = line_edit("consultationNext", str(values.get("next_appointment", "")))
        reason = line_edit("consultationReason")
        rows: list[tuple[str, QWidget]] = [
            (t._("Wi&th:"), subject),
            (t._("&When:"), when),
            (t._("&Duration:"), duration),
            (t._("&Present:"), present),
            (t._("Psycho-&education:"), education),
            (t._("&Reactions observed:"), reactions),
            (t._("Ris&k:"), risk),
            (t._("S&uicide risk:"), suicide),
            (t._("&Action taken (required when a risk is high):"), action),
            (t._("P&lan:"), plan),
            (t._("&Next appointment:"), following),
        ]
        if record is not None:
            rows.append((t._("Reason for the c&hange:"), reason))
        case_id = self.state.case_id

        def submit() -> None:
            form = {
                "subject": subject.currentData(),
                "at_local": when.text(),
                "duration_min": duration.value(),
                "present": present.text(),
                "psychoeducation": education.toPlainText(),
                "reactions": reactions.toPlainText(),
                "risk_level": risk.currentData(),
                "suicide_risk": suicide.currentData(),
                "action_taken": action.toPlainText(),
                "plan": plan.toPlainText(),
                "next_appointment": following.text(),
            }
            if record is None:
                self.service.record_consultation(case_id, form)
            else:
                form["questionnaires"] = values.get("questionnaires", {})
                self.service.amend_consultation(case_id, record.id, form, reason.text())
            self.changed.emit()

        title = (
            t._("Consultation")
            if record is None
            else t._("Consultation of %(when)s") % {"when": record.at_local}
        )
        return self._form("consultationDialog", title, rows, submit)

    def amend_selected(self) -> QDialog | None:
        record = self.selected()
        if record is None or record.hidden:
            return None
        return self.consultation_dialog(record)

    def questionnaire_dialog(self) -> QDialog | None:
        """The PCL-5 answers of the selected consultation, scored as they are entered
        (the services score them again when saving); a signed-off consultation takes
        them as an amendment with its reason."""
        record = self.selected()
        instrument = self.service.questionnaire(PCL5)
        if self.state is None or record is None or record.hidden or instrument is None:
            return None
        case_id, consultation_id = self.state.case_id, record.id
        values = consultation_values(record)

        def submit(answers: dict[int, int | None], reason: str) -> None:
            given = {PCL5: {str(k): v for k, v in answers.items()}}
            form = {**values, "questionnaires": given}
            self.service.amend_consultation(case_id, consultation_id, form, reason)
            self.changed.emit()

        dialog = QuestionnaireDialog(
            self.t,
            instrument,
            record.questionnaires.get(PCL5, {}),
            record.signed_off,
            submit,
            self.describe,
            self.expected,
            self,
        )
        self.dialog = dialog
        dialog.open()
        return dialog

    def sign_off(self) -> None:
        record = self.selected()
        if self.state is None or record is None:
            return
        case_id = self.state.case_id
        self._run(lambda: self.service.sign_off(case_id, record.id))

    def member_dialog(self) -> QDialog | None:
        if self.state is None:
            return None
        t = self.t
        name = line_edit("memberName")
        relation = choice_box(
            "memberRelation", [("", "")] + [(t._(label), code) for code, label in RELATIONS]
        )
        phone = line_edit("memberPhone")
        language = choice_box(
            "memberLanguage", [("", "")] + [(t._(label), code) for code, label in LANGUAGES]
        )
        consent = choice_box("memberConsent", [(t._(label), code) for code, label in YES_NO])
        support = choice_box(
            "memberSupport",
            [("", ""), (t._("yes"), "yes"), (t._("no"), "no"), (t._("not known"), "unknown")],
        )
        case_id = self.state.case_id

        def submit() -> None:
            self.service.add_member(
                case_id,
                {
                    "name": name.text(),
                    "relation": relation.currentData(),
                    "phone": phone.text(),
                    "language": language.currentData(),
                    "contact_consent": consent.currentData(),
                    "wants_support": support.currentData(),
                },
            )
            self.changed.emit()

        return self._form(
            "memberDialog",
            t._("A person of the support circle"),
            [
                (t._("&Name:"), name),
                (t._("&Relation:"), relation),
                (t._("&Phone:"), phone),
                (t._("&Language:"), language),
                (t._("May the centre &call them?"), consent),
                (t._("&Wants support:"), support),
            ],
            submit,
        )

    # -- language -----------------------------------------------------------------------
    def retranslate(self, t: Translator) -> None:
        self.t = t
        for model in (self.model, self.member_model):
            model.t = t
            model.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(model.HEADERS) - 1)
        self.intro.setText(
            t._(
                "Only psychologists read what a consultation says; everyone else sees that "
                "one took place, when and by whom. A companion can be the assailant: the "
                "support circle never sees the person's record."
            )
        )
        self.consultations_title.setText(t._("C&onsultations:"))
        self.consultations.setAccessibleName(t._("Consultations"))
        self.record_button.setText(t._("&Record a consultation…"))
        self.amend_button.setText(t._("&Amend…"))
        self.sign_button.setText(t._("Si&gn off"))
        self.questionnaire_button.setText(t._("PCL-5 &questionnaire…"))
        self.questionnaire_button.setAccessibleName(
            t._("PCL-5 questionnaire of the selected consultation")
        )
        self.members_title.setText(t._("Su&pport circle:"))
        self.members.setAccessibleName(t._("Support circle"))
        self.member_button.setText(t._("Add a &member…"))
        if self.state is not None:
            self.show_case(self.state)

    def clear(self) -> None:
        self.state = None
        self.model.set_rows([])
        self.member_model.set_rows([])
