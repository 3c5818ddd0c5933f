"""The Aftercare tab: contacts with the person within their contact preferences, referrals
to partners, and closing (or reopening) the case. The rules are the services'; this tab
shows them and passes on what staff do.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from sac_desktop.domain import aftercare as ac
from sac_desktop.domain import checklist as ck
from sac_desktop.domain.intake import CHILD_PROTECTION
from sac_desktop.domain.protocol import Protocol
from sac_desktop.domain.state import CaseState
from sac_desktop.i18n import LANGUAGE_NAMES, LANGUAGES, N_, Translator
from sac_desktop.services.aftercare import AftercareService
from sac_desktop.services.documents import DocumentService
from sac_desktop.ui.layout import (
    ActionPanel,
    choice_box,
    line_edit,
    named_button,
    read_only_table,
    save_file_dialog,
    text_edit,
)
from sac_desktop.ui.medical_panel import step_label
from sac_desktop.ui.models import Index, _TableModel, local_time

STATUS_LABELS = {
    "planned": N_("planned"),
    "done": N_("done"),
    "missed": N_("missed"),
    "cancelled": N_("cancelled"),
}


class ContactModel(_TableModel):
    HEADERS = (N_("When"), N_("Outcome"), N_("How"), N_("Contact"), N_("Next step"))

    def __init__(self, t: Translator) -> None:
        super().__init__(t)
        self.protocol: Protocol | None = None

    def row_at(self, row: int) -> ck.FollowUpRecord:
        record: ck.FollowUpRecord = self._rows[row]
        return record

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or role != Qt.ItemDataRole.DisplayRole:
            return None
        c = self.row_at(index.row())
        t = self.t
        channels = {k.value: v for k, v in ac.CHANNEL_LABELS.items()}
        outcomes = {k.value: v for k, v in ac.OUTCOME_LABELS.items()}
        if c.outcome in outcomes:
            outcome = t._(outcomes[c.outcome])
            if c.status is ck.FollowUpStatus.PLANNED:  # rescheduled: planned again
                outcome += ", " + t._(STATUS_LABELS["planned"])
        else:
            outcome = t._(STATUS_LABELS.get(c.status.value, c.status.value))
        values = (
            local_time(t, c.due_utc),
            outcome,
            t._(channels[c.channel]) if c.channel in channels else "",
            step_label(t, self.protocol, c.step)
            + (f" ({c.note})" if c.note else "")
            + (
                f" ({t._(ac.ENDED_BY_LABELS[c.ended_by])})"
                if c.ended_by in ac.ENDED_BY_LABELS
                else ""
            ),
            c.next_step,
        )
        return values[index.column()]


class ReferralModel(_TableModel):
    HEADERS = (N_("When"), N_("To"), N_("Outcome"), N_("Warm hand-over"), N_("Why"))

    def row_at(self, row: int) -> ac.ReferralRecord:
        record: ac.ReferralRecord = self._rows[row]
        return record

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or role != Qt.ItemDataRole.DisplayRole:
            return None
        r = self.row_at(index.row())
        t = self.t
        values = (
            r.at_local,
            r.partner_name,
            t._(ac.REFERRAL_OUTCOME_LABELS[r.outcome]),
            t._("yes") if r.warm_handover else t._("no"),
            r.reason,
        )
        return values[index.column()]


def preferences_text(t: Translator, prefs: ac.ContactPreferences) -> str:
    """The person's contact preferences in one calm line (what every contact obeys)."""
    parts = []
    if prefs.safe_phone:
        parts.append(t._("safe number: %(phone)s") % {"phone": prefs.safe_phone})
    else:
        parts.append(t._("no safe number recorded"))
    if prefs.voicemail_ok == "yes":
        parts.append(t._("a voicemail may be left"))
    elif prefs.voicemail_ok == "no":
        parts.append(t._("no voicemail"))
    if not prefs.letters_allowed:
        parts.append(t._("no letters to the home address"))
    if prefs.hours:
        parts.append(t._("only at: %(hours)s") % {"hours": prefs.hours_text})
    elif prefs.hours_unreadable:
        parts.append(
            t._("hours as written (check by hand): %(hours)s") % {"hours": prefs.hours_text}
        )
    return t._("Contact preferences (intake): %(list)s.") % {"list": "; ".join(parts)}


class AftercarePanel(ActionPanel):
    def __init__(
        self,
        t: Translator,
        service: AftercareService,
        documents: DocumentService,
        protocol_of: Callable[[CaseState], Protocol],
        error: Callable[[BaseException], None],
        describe: Callable[[BaseException], str],
        expected: Callable[[BaseException], bool],
    ) -> None:
        super().__init__("aftercarePanel", t, error, describe, expected)
        self.service, self.documents, self.protocol_of = service, documents, protocol_of
        self.state: CaseState | None = None
        self.can_write = False
        self.file_dialog: QFileDialog | None = None
        self.preferences = QLabel()
        self.preferences.setObjectName("contactPreferences")
        self.preferences.setWordWrap(True)
        self.preferences.setTextFormat(Qt.TextFormat.PlainText)
        self.preferences.setStyleSheet("background:#eef4fb;color:#10243a;padding:4px;")
        self.child_protection = QLabel()
        self.child_protection.setObjectName("childProtectionPrompt")
        self.child_protection.setWordWrap(True)
        self.child_protection.setTextFormat(Qt.TextFormat.PlainText)
        self.child_protection.setStyleSheet("background:#fff4d6;color:#3d2a00;padding:4px;")
        self.contacts = read_only_table("contacts")
        self.contact_model = ContactModel(t)
        self.contacts.setModel(self.contact_model)
        self.contacts_title = QLabel()
        self.contacts_title.setBuddy(self.contacts)
        self.outcome_button = named_button("contactOutcome", lambda: self.outcome_dialog())
        self.add_button = named_button("addContact", lambda: self.contact_dialog())
        self.sheet_button = named_button("aftercareSheet", lambda: self.sheet_dialog())
        self.handover_button = named_button("handoverForm", lambda: self.handover_dialog())
        self.referrals = read_only_table("referrals")
        self.referral_model = ReferralModel(t)
        self.referrals.setModel(self.referral_model)
        self.referrals_title = QLabel()
        self.referrals_title.setBuddy(self.referrals)
        self.refer_button = named_button("refer", lambda: self.referral_dialog())
        self.update_button = named_button("updateReferral", lambda: self.update_dialog())
        self.closed = QLabel()
        self.closed.setObjectName("caseClosedState")
        self.closed.setWordWrap(True)
        self.closed.setTextFormat(Qt.TextFormat.PlainText)
        self.close_button = named_button("closeCase", lambda: self.close_dialog())
        self.reopen_button = named_button("reopenCase", lambda: self.reopen_dialog())
        contact_row = QHBoxLayout()
        contact_row.addWidget(self.outcome_button)
        contact_row.addWidget(self.add_button)
        contact_row.addStretch(1)
        contact_row.addWidget(self.sheet_button)
        contact_row.addWidget(self.handover_button)
        referral_row = QHBoxLayout()
        referral_row.addWidget(self.refer_button)
        referral_row.addWidget(self.update_button)
        referral_row.addStretch(1)
        closing_row = QHBoxLayout()
        closing_row.addWidget(self.closed, 1)
        closing_row.addWidget(self.close_button)
        closing_row.addWidget(self.reopen_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.preferences)
        layout.addWidget(self.child_protection)
        layout.addWidget(self.contacts_title)
        layout.addWidget(self.contacts, 2)
        layout.addLayout(contact_row)
        layout.addWidget(self.referrals_title)
        layout.addWidget(self.referrals, 1)
        layout.addLayout(referral_row)
        layout.addLayout(closing_row)
        layout.addWidget(self.message)
        self.contacts.activated.connect(lambda _i: self.outcome_dialog())
        self.retranslate(t)

    # -- showing ----------------------------------------------------------------------
    def show_case(self, state: CaseState, can_write: bool) -> None:
        self.state, self.can_write = state, can_write
        t = self.t
        try:
            contacts = self.service.contacts(state)
            referrals = self.service.referrals(state)
            prompt = self.service.child_protection_prompt(state)
        except Exception as exc:  # police never reach a case; anything else is a bug
            if not self.expected(exc):
                raise
            self.clear()
            return
        self.contact_model.protocol = self.protocol_of(state)
        self.contact_model.set_rows(contacts)
        self.referral_model.set_rows(referrals)
        self.contacts.resizeColumnsToContents()
        self.referrals.resizeColumnsToContents()
        self.preferences.setText(preferences_text(t, self.service.preferences(state)))
        self.child_protection.setVisible(prompt is not None)
        if prompt is not None:
            decisions = dict(CHILD_PROTECTION)
            decision = (
                t._(decisions[prompt.intake_decision])
                if prompt.intake_decision in decisions
                else t._("not recorded")
            )
            text = t._(
                "A minor: consider child protection (%(bodies)s). Intake: %(decision)s."
            ) % {"bodies": ", ".join(prompt.bodies) or t._("see the centre's settings"),
                 "decision": decision}  # fmt: skip
            if prompt.referred:
                text += " " + t._("A referral to child protection is recorded.")
            self.child_protection.setText(text)
        closure = state.aftercare.closed
        if closure is None:
            self.closed.setText(t._("The case is open."))
        else:
            reasons = {k.value: v for k, v in ac.CLOSE_REASON_LABELS.items()}
            self.closed.setText(
                t._("Closed on %(when)s: %(reason)s.")
                % {
                    "when": local_time(t, closure.at_utc),
                    "reason": t._(reasons[closure.reason.value])
                    + (f" ({closure.note})" if closure.note else ""),
                }
            )
        open_case = closure is None
        for button in (self.outcome_button, self.add_button):
            button.setEnabled(can_write and open_case)
        refer = self.service.can_refer()
        self.refer_button.setEnabled(refer and open_case)
        self.update_button.setEnabled(refer and open_case)
        self.close_button.setVisible(open_case)
        self.reopen_button.setVisible(not open_case)
        self.close_button.setEnabled(self.service.can_close())
        self.reopen_button.setEnabled(self.service.can_close())

    def selected_contact(self) -> ck.FollowUpRecord | None:
        index = self.contacts.currentIndex()
        return self.contact_model.row_at(index.row()) if index.isValid() else None

    def selected_referral(self) -> ac.ReferralRecord | None:
        index = self.referrals.currentIndex()
        return self.referral_model.row_at(index.row()) if index.isValid() else None

    # -- contacts ---------------------------------------------------------------------
    def outcome_dialog(self) -> QDialog | None:
        contact = self.selected_contact()
        if self.state is None or contact is None or not self.can_write:
            return None
        if contact.status is not ck.FollowUpStatus.PLANNED:
            self.message.setText(
                self.t._("This contact already has its outcome: plan a new contact instead.")
            )
            return None
        t = self.t
        outcomes = [(t._(label), o.value) for o, label in ac.OUTCOME_LABELS.items()]
        outcome = choice_box("contactOutcomeChoice", outcomes, ac.Outcome.REACHED.value)
        note = text_edit("contactNote")
        next_step = line_edit("contactNextStep")
        following = line_edit("contactNextAt")
        following.setPlaceholderText(t._("e.g. 2026-03-20 18:30"))
        voicemail = QCheckBox()
        voicemail.setObjectName("contactVoicemail")
        prefs = self.service.preferences(self.state)
        voicemail.setEnabled(prefs.voicemail_allowed)
        case_id, contact_id = self.state.case_id, contact.id

        def submit() -> None:
            self.service.record_outcome(
                case_id,
                contact_id,
                {
                    "outcome": outcome.currentData(),
                    "note": note.toPlainText(),
                    "next_step": next_step.text(),
                    "next_local": following.text(),
                    "voicemail_left": voicemail.isChecked(),
                },
            )
            self.changed.emit()

        return self._form(
            "contactOutcomeDialog",
            step_label(t, self.contact_model.protocol, contact.step),
            [
                (t._("&Outcome:"), outcome),
                (t._("&Notes:"), note),
                (t._("Next s&tep:"), next_step),
                (t._("Ne&xt contact at (rescheduled: the new time):"), following),
                (t._("&Voicemail left:"), voicemail),
            ],
            submit,
        )

    def contact_dialog(self) -> QDialog | None:
        if self.state is None or not self.can_write:
            return None
        t = self.t
        when = line_edit("contactAt")
        when.setPlaceholderText(t._("e.g. 2026-03-20 18:30"))
        channels = [(t._(label), c.value) for c, label in ac.CHANNEL_LABELS.items()]
        channel = choice_box("contactChannel", channels, ac.Channel.PHONE.value)
        note = line_edit("contactPurpose")
        case_id = self.state.case_id

        def submit() -> None:
            self.service.add_contact(
                case_id,
                {"due_local": when.text(), "channel": channel.currentData(), "note": note.text()},
            )
            self.changed.emit()

        return self._form(
            "contactDialog",
            t._("A contact with the person"),
            [(t._("&When:"), when), (t._("&How:"), channel), (t._("&What for:"), note)],
            submit,
        )

    # -- the person's sheet -------------------------------------------------------------
    def sheet_dialog(self) -> QDialog | None:
        """The aftercare sheet for the person: its language (the person's, by default) and
        whether it is the discreet version, then the file to save it to."""
        if self.state is None:
            return None
        t = self.t
        language, discreet_first = self.documents.sheet_defaults(self.state, t.language)
        languages = [(LANGUAGE_NAMES[code], code) for code in LANGUAGES]
        chosen_language = choice_box("sheetLanguage", languages, language)
        discreet = QCheckBox()
        discreet.setObjectName("sheetDiscreet")
        discreet.setChecked(discreet_first)
        state = self.state

        def submit() -> None:
            self.sheet_file(state, str(chosen_language.currentData()), discreet.isChecked())

        return self._form(
            "sheetDialog",
            t._("Aftercare sheet for the person"),
            [
                (t._("&Language of the sheet:"), chosen_language),
                (t._("&Discreet (says nothing of what it is about):"), discreet),
            ],
            submit,
        )

    def sheet_file(
        self, state: CaseState, language: str, discreet: bool, path: str | None = None
    ) -> QFileDialog | None:
        """Choose the file (named by case number only), then write the sheet to it."""
        if path is None:
            self.file_dialog = save_file_dialog(
                self,
                self.t,
                "sheetFileDialog",
                self.t._("Save the aftercare sheet"),
                f"{state.case_number}-{language}.pdf",
                lambda chosen: self.sheet_file(state, language, discreet, chosen),
            )
            return self.file_dialog
        case_id, target = state.case_id, Path(path)
        self._run(lambda: self.documents.save_aftercare_sheet(case_id, target, language, discreet))
        return None

    # -- the handover for continuing care -----------------------------------------------
    def handover_dialog(self) -> QDialog | None:
        """The handover form for whoever continues care: to whom (a partner of the
        directory, or written), its language, signed with the author's key."""
        if self.state is None:
            return None
        t = self.t
        names = [p.name for p in self.service.partners()]
        recipient = QComboBox()
        recipient.setObjectName("handoverRecipient")
        recipient.setEditable(True)
        recipient.addItems(names)
        recipient.setCurrentText("")
        languages = [(LANGUAGE_NAMES[code], code) for code in LANGUAGES]
        language = choice_box("handoverLanguage", languages, t.language)
        sign = QCheckBox()
        sign.setObjectName("handoverSign")
        sign.setChecked(self.documents.can_sign())
        sign.setEnabled(self.documents.can_sign())
        state = self.state

        def submit() -> None:
            chosen = str(language.currentData())
            self.file_dialog = save_file_dialog(
                self,
                t,
                "handoverFileDialog",
                t._("Save the handover form"),
                f"{state.case_number}-handover-{chosen}.pdf",
                lambda path: self._run(
                    lambda: self.documents.save_handover(
                        state.case_id, Path(path), chosen, recipient.currentText(),
                        sign.isChecked(),
                    )
                ),
            )  # fmt: skip

        return self._form(
            "handoverDialog",
            t._("Handover for continuing care"),
            [
                (t._("&For (the HIV reference centre, the GP, a ward):"), recipient),
                (t._("&Language of the form:"), language),
                (t._("Si&gned with my key:"), sign),
            ],
            submit,
        )

    # -- referrals --------------------------------------------------------------------
    def referral_dialog(self) -> QDialog | None:
        if self.state is None:
            return None
        t = self.t
        types = {**ac.PARTNER_TYPES}
        partners = [
            (f"{p.name} ({t._(types.get(p.type, p.type))})", p.id)
            for p in self.service.partners()
            if p.consent_item is not None
        ]
        partner = choice_box("referralPartner", partners)
        reason = text_edit("referralReason")
        warm = QCheckBox()
        warm.setObjectName("referralWarm")
        case_id = self.state.case_id

        def submit() -> None:
            self.service.refer(
                case_id,
                {
                    "partner_id": partner.currentData(),
                    "reason": reason.toPlainText(),
                    "warm_handover": warm.isChecked(),
                },
            )
            self.changed.emit()

        return self._form(
            "referralDialog",
            t._("A referral"),
            [
                (t._("&To:"), partner),
                (t._("&Why:"), reason),
                (t._("&Warm hand-over done (in person or by phone):"), warm),
            ],
            submit,
        )

    def update_dialog(self) -> QDialog | None:
        referral = self.selected_referral()
        if self.state is None or referral is None:
            return None
        t = self.t
        outcomes = [(t._(label), o.value) for o, label in ac.REFERRAL_OUTCOME_LABELS.items()]
        outcome = choice_box("referralOutcome", outcomes, referral.outcome.value)
        warm = QCheckBox()
        warm.setObjectName("referralUpdateWarm")
        warm.setChecked(referral.warm_handover)
        note = line_edit("referralNote", referral.note)
        case_id, referral_id = self.state.case_id, referral.id

        def submit() -> None:
            self.service.update_referral(
                case_id,
                referral_id,
                {
                    "outcome": outcome.currentData(),
                    "warm_handover": warm.isChecked(),
                    "note": note.text(),
                },
            )
            self.changed.emit()

        return self._form(
            "referralUpdateDialog",
            referral.partner_name,
            [
                (t._("&Outcome:"), outcome),
                (t._("&Warm hand-over done (in person or by phone):"), warm),
                (t._("&Notes:"), note),
            ],
            submit,
        )

    # -- closing ----------------------------------------------------------------------
    def close_dialog(self) -> QDialog | None:
        if self.state is None:
            return None
        t = self.t
        reasons = [(t._(label), r.value) for r, label in ac.CLOSE_REASON_LABELS.items()]
        reason = choice_box("closeReason", reasons, ac.CloseReason.COMPLETED.value)
        note = line_edit("closeNote")
        planned = len(self.service.open_followups(self.state))
        end_open = QCheckBox()
        end_open.setObjectName("closeEndOpen")
        end_open.setEnabled(planned > 0)
        case_id = self.state.case_id

        def submit() -> None:
            self.service.close_case(
                case_id, reason.currentData(), note.text(), end_open=end_open.isChecked()
            )
            self.changed.emit()

        rows: list[tuple[str, QWidget]] = [
            (t._("&Why:"), reason),
            (t._("&Notes:"), note),
            (
                t._("&End what is still planned (%(count)d):") % {"count": planned},
                end_open,
            ),
        ]
        return self._form("closeCaseDialog", t._("Close the case"), rows, submit)

    def reopen_dialog(self) -> QDialog | None:
        if self.state is None:
            return None
        t = self.t
        reason = line_edit("reopenReason")
        case_id = self.state.case_id

        def submit() -> None:
            self.service.reopen_case(case_id, reason.text())
            self.changed.emit()

        return self._form(
            "reopenCaseDialog", t._("Reopen the case"), [(t._("&Why:"), reason)], submit
        )

    # -- language ---------------------------------------------------------------------
    def retranslate(self, t: Translator) -> None:
        self.t = t
        for model in (self.contact_model, self.referral_model):
            model.t = t
            model.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(model.HEADERS) - 1)
        self.contacts_title.setText(t._("Contacts with the &person:"))
        self.contacts.setAccessibleName(t._("Contacts with the person"))
        self.outcome_button.setText(t._("Record the outco&me…"))
        self.add_button.setText(t._("&Add a contact…"))
        self.sheet_button.setText(t._("&Give the person their sheet…"))
        self.sheet_button.setAccessibleName(t._("The aftercare sheet for the person, as a PDF"))
        self.handover_button.setText(t._("Hando&ver for continuing care…"))
        self.handover_button.setAccessibleName(
            t._("The handover form for whoever continues care, as a signed PDF")
        )
        self.referrals_title.setText(t._("Re&ferrals:"))
        self.referrals.setAccessibleName(t._("Referrals"))
        self.refer_button.setText(t._("&Refer…"))
        self.update_button.setText(t._("&How the referral went…"))
        self.close_button.setText(t._("Cl&ose the case…"))
        self.reopen_button.setText(t._("Re&open the case…"))
        self.preferences.setAccessibleName(t._("Contact preferences"))
        self.child_protection.setAccessibleName(t._("Child protection"))
        if self.state is not None:
            self.show_case(self.state, self.can_write)

    def clear(self) -> None:
        self.state = None
        self.contact_model.set_rows([])
        self.referral_model.set_rows([])
        self.preferences.clear()
        self.child_protection.clear()
        self.closed.clear()
