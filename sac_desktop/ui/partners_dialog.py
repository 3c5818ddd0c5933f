"""The centre's partner directory, kept by the coordinator (Administration, "Partners…").

Every change is an audited setting (``services.aftercare``); a partner taken out of use
stays in the list (referrals made to it keep its name) but is no longer offered.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from sac_desktop.domain import aftercare as ac
from sac_desktop.domain.intake import LANGUAGES
from sac_desktop.i18n import N_, Translator
from sac_desktop.services.aftercare import AftercareService
from sac_desktop.ui.layout import (
    FormDialog,
    attempt,
    choice_box,
    line_edit,
    message_label,
    named_button,
    read_only_table,
    reraise,
)
from sac_desktop.ui.models import Index, _TableModel


class PartnerModel(_TableModel):
    HEADERS = (N_("Name"), N_("Kind"), N_("Languages"), N_("Phone"), N_("Hours"), N_("In use"))

    def row_at(self, row: int) -> ac.Partner:
        partner: ac.Partner = self._rows[row]
        return partner

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or role != Qt.ItemDataRole.DisplayRole:
            return None
        p = self.row_at(index.row())
        t = self.t
        values = (
            p.name,
            t._(ac.PARTNER_TYPES.get(p.type, p.type)),
            ", ".join(p.languages),
            p.phone,
            p.hours,
            t._("yes") if p.active else t._("no"),
        )
        return values[index.column()]


class PartnersDialog(QDialog):
    def __init__(
        self,
        t: Translator,
        service: AftercareService,
        describe: Callable[[BaseException], str],
        expected: Callable[[BaseException], bool],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("partnersDialog")
        self.t, self.service, self.describe, self.expected = t, service, describe, expected
        self.form: FormDialog | None = None
        self.setWindowTitle(t._("Partners of the centre"))
        self.intro = QLabel(
            t._(
                "Referrals go to these partners. Fill in addresses, phone numbers and hours; "
                "take a partner out of use rather than removing it."
            )
        )
        self.intro.setWordWrap(True)
        self.table = read_only_table("partnersTable")
        self.model = PartnerModel(t)
        self.table.setModel(self.model)
        self.table.setAccessibleName(t._("Partners of the centre"))
        title = QLabel(t._("&Partners:"))
        title.setBuddy(self.table)
        self.add_button = named_button("addPartner", lambda: self.partner_form(None))
        self.add_button.setText(t._("&Add a partner…"))
        self.edit_button = named_button("changePartner", lambda: self.change_selected())
        self.edit_button.setText(t._("&Change…"))
        self.message = message_label("partnersMessage")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.button(QDialogButtonBox.StandardButton.Close).setText(t._("Close"))
        buttons.rejected.connect(self.reject)
        row = QHBoxLayout()
        row.addWidget(self.add_button)
        row.addWidget(self.edit_button)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addWidget(title)
        layout.addWidget(self.table, 1)
        layout.addLayout(row)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        self.table.activated.connect(lambda _i: self.change_selected())
        self.resize(900, 520)
        self.reload()

    def reload(self) -> None:
        attempt(
            lambda: self.model.set_rows(self.service.partners(include_inactive=True)),
            self.expected,
            self.describe,
            self.message,
            reraise,
        )
        self.table.resizeColumnsToContents()

    def change_selected(self) -> FormDialog | None:
        index = self.table.currentIndex()
        if not index.isValid():
            return None
        return self.partner_form(self.model.row_at(index.row()))

    def partner_form(self, partner: ac.Partner | None) -> FormDialog:
        t = self.t
        values = ac.partner_values(partner) if partner is not None else {}
        name = line_edit("partnerName", str(values.get("name", "")))
        kinds = [(t._(label), code) for code, label in ac.PARTNER_TYPES.items()]
        kind = choice_box("partnerType", kinds, values.get("type", "victim_support"))
        communities = [("", "")] + [(t._(label), code) for code, label in ac.COMMUNITIES]
        community = choice_box("partnerCommunity", communities, values.get("community", ""))
        languages = QListWidget()
        languages.setObjectName("partnerLanguages")
        chosen = set(values.get("languages", []))
        for code, label in LANGUAGES:
            item = QListWidgetItem(t._(label))
            item.setData(Qt.ItemDataRole.UserRole, code)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if code in chosen else Qt.CheckState.Unchecked)
            languages.addItem(item)
        languages.setMaximumHeight(96)
        address = line_edit("partnerAddress", str(values.get("address", "")))
        phone = line_edit("partnerPhone", str(values.get("phone", "")))
        hours = line_edit("partnerHours", str(values.get("hours", "")))
        email = line_edit("partnerEmail", str(values.get("email", "")))
        active = QCheckBox()
        active.setObjectName("partnerActive")
        active.setChecked(bool(values.get("active", True)))

        def submit() -> None:
            picked = [
                str(languages.item(i).data(Qt.ItemDataRole.UserRole))
                for i in range(languages.count())
                if languages.item(i).checkState() == Qt.CheckState.Checked
            ]
            self.service.save_partner(
                {
                    "name": name.text(),
                    "type": kind.currentData(),
                    "community": community.currentData(),
                    "languages": picked,
                    "address": address.text(),
                    "phone": phone.text(),
                    "hours": hours.text(),
                    "email": email.text(),
                    "active": active.isChecked(),
                },
                None if partner is None else partner.id,
            )
            self.reload()

        dialog = FormDialog(
            t,
            "partnerDialog",
            partner.name if partner is not None else t._("A new partner"),
            [
                (t._("&Name:"), name),
                (t._("&Kind:"), kind),
                (t._("C&ommunity:"), community),
                (t._("&Languages:"), languages),
                (t._("A&ddress:"), address),
                (t._("&Phone:"), phone),
                (t._("&Hours:"), hours),
                (t._("&E-mail:"), email),
                (t._("&In use:"), active),
            ],
            submit,
            self.describe,
            self.expected,
            self,
        )
        self.form = dialog
        dialog.open()
        return dialog
