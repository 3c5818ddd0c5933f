"""First-run setup: centre, workstation, first coordinator, then the recovery code."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont, QTextDocument
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from sac_desktop.domain.centres import CENTRES
from sac_desktop.i18n import LANGUAGE_NAMES, LANGUAGES, Translator
from sac_desktop.services.installation import SetupRequest, SetupResult
from sac_desktop.services.setup_checks import (
    PASSWORD_MESSAGES,
    DiskEncryption,
    InvalidRecoveryCode,
    check_password,
    parse_recovery_code,
)
from sac_desktop.ui.password_field import PasswordField

#: Runs the setup (off the GUI thread); calls back with (result, error).
SetupRunner = Callable[
    [SetupRequest, Callable[[SetupResult | None, BaseException | None], None]], None
]


class SetupDialog(QDialog):
    completed = Signal(object)  # SetupResult, once the recovery code was typed back

    def __init__(
        self,
        t: Translator,
        run_setup: SetupRunner,
        disk: DiskEncryption,
        print_sheet: Callable[[QTextDocument], None] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("setupDialog")
        self.t = t
        self._run_setup = run_setup
        self._disk = disk
        self._print_sheet = print_sheet
        self.result_: SetupResult | None = None
        self._done = False

        self.centre = QComboBox()
        self.centre.setObjectName("setupCentre")
        for centre in CENTRES:
            self.centre.addItem(f"{centre.name} ({centre.code})", centre.code)
        self.centre.addItem("", "")  # "another centre", text set in retranslate
        self.other_code = QLineEdit()
        self.other_code.setMaxLength(5)
        self.other_name = QLineEdit()
        self.workstation = QLineEdit("A")
        self.workstation.setMaxLength(4)
        self.language = QComboBox()
        for code in LANGUAGES:
            self.language.addItem(LANGUAGE_NAMES[code], code)
        self.username = QLineEdit()
        self.display_name = QLineEdit()
        self.password = PasswordField("setupPassword")
        self.password2 = PasswordField("setupPassword2")
        self.disk_label = QLabel()
        self.disk_label.setWordWrap(True)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setObjectName("setupMessage")
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)
        self.busy.hide()
        self.create_button = QPushButton()
        self.create_button.setObjectName("setupCreate")
        self.create_button.setDefault(True)
        self.create_button.clicked.connect(self._create)
        self.centre.currentIndexChanged.connect(self._on_centre)

        self.form = QFormLayout()
        self._labels: dict[str, QLabel] = {}
        for key, widget in (
            ("centre", self.centre),
            ("other_code", self.other_code),
            ("other_name", self.other_name),
            ("workstation", self.workstation),
            ("language", self.language),
            ("username", self.username),
            ("display_name", self.display_name),
            ("password", self.password),
            ("password2", self.password2),
        ):
            label = QLabel()
            label.setBuddy(widget)
            self._labels[key] = label
            self.form.addRow(label, widget)
        form_page = QWidget()
        form_layout = QVBoxLayout(form_page)
        self.intro = QLabel()
        self.intro.setWordWrap(True)
        form_layout.addWidget(self.intro)
        form_layout.addLayout(self.form)
        form_layout.addWidget(self.disk_label)
        form_layout.addWidget(self.message)
        form_layout.addWidget(self.busy)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.create_button)
        form_layout.addLayout(row)

        self.code_intro = QLabel()
        self.code_intro.setWordWrap(True)
        self.code_label = QLabel()
        self.code_label.setObjectName("recoveryCode")
        mono = QFont("DejaVu Sans Mono")
        mono.setStyleHint(QFont.StyleHint.Monospace)
        mono.setPointSizeF(mono.pointSizeF() * 1.4)
        self.code_label.setFont(mono)
        self.fingerprint_label = QLabel()
        self.fingerprint_label.setWordWrap(True)
        self.print_button = QPushButton()
        self.print_button.setObjectName("printRecovery")
        self.print_button.clicked.connect(self._print)
        self.typed_back = QLineEdit()
        self.typed_back.setObjectName("recoveryTypedBack")
        self.typed_back_label = QLabel()
        self.typed_back_label.setBuddy(self.typed_back)
        self.code_message = QLabel()
        self.code_message.setObjectName("recoveryMessage")
        self.finish_button = QPushButton()
        self.finish_button.setObjectName("setupFinish")
        self.finish_button.clicked.connect(self._finish)
        self.typed_back.returnPressed.connect(self._finish)
        code_page = QWidget()
        code_layout = QVBoxLayout(code_page)
        for widget in (
            self.code_intro,
            self.code_label,
            self.fingerprint_label,
            self.print_button,
            self.typed_back_label,
            self.typed_back,
            self.code_message,
            self.finish_button,
        ):
            code_layout.addWidget(widget)

        self.pages = QStackedWidget()
        self.pages.addWidget(form_page)
        self.pages.addWidget(code_page)
        outer = QVBoxLayout(self)
        outer.addWidget(self.pages)
        self.retranslate(t)
        self._on_centre(self.centre.currentIndex())

    # -- texts ------------------------------------------------------------------------
    def retranslate(self, t: Translator) -> None:
        self.t = t
        self.setWindowTitle(t._("Set up this workstation"))
        self.intro.setText(
            t._(
                "This workstation has no vault yet. Choose the centre, name this workstation and "
                "create the first coordinator account. The coordinator adds the other staff."
            )
        )
        labels = {
            "centre": t._("&Centre:"),
            "other_code": t._("Centre c&ode (2-5 capitals):"),
            "other_name": t._("Centre &name:"),
            "workstation": t._("&Workstation code:"),
            "language": t._("Default &language:"),
            "username": t._("Coordinator &user name:"),
            "display_name": t._("Coordinator full na&me:"),
            "password": t._("&Password:"),
            "password2": t._("Password a&gain:"),
        }
        for key, text in labels.items():
            self._labels[key].setText(text)
        self.centre.setItemText(self.centre.count() - 1, t._("Another centre…"))
        for widget, name in (
            (self.centre, t._("Centre")),
            (self.other_code, t._("Centre code")),
            (self.other_name, t._("Centre name")),
            (self.workstation, t._("Workstation code")),
            (self.language, t._("Default language")),
            (self.username, t._("User name")),
            (self.display_name, t._("Full name")),
            (self.create_button, t._("Create the vault")),
            (self.typed_back, t._("Type the recovery code")),
            (self.print_button, t._("Print the recovery sheet")),
            (self.finish_button, t._("Finish setup")),
        ):
            widget.setAccessibleName(name)
        self.password.retranslate(t, t._("Password"))
        self.password2.retranslate(t, t._("Password again"))
        self.create_button.setText(t._("C&reate"))
        self.print_button.setText(t._("&Print…"))
        self.finish_button.setText(t._("&Finish"))
        self.typed_back_label.setText(t._("Type the code back to show it was written down:"))
        self.code_intro.setText(
            t._(
                "This is the recovery code. It is shown only now. Print it or write it down and "
                "keep it locked away: with it the vault can be opened if every password is lost."
            )
        )
        disk_texts = {
            DiskEncryption.ENCRYPTED: t._("The disk is encrypted."),
            DiskEncryption.NOT_ENCRYPTED: t._(
                "Warning: this disk is not encrypted. Ask IT to turn on full-disk encryption "
                "(BitLocker on Windows) before real cases are recorded."
            ),
            DiskEncryption.UNKNOWN: t._(
                "Whether this disk is encrypted could not be checked. Ask IT to confirm that "
                "full-disk encryption is on."
            ),
        }
        self.disk_label.setText(disk_texts[self._disk])

    def _on_centre(self, index: int) -> None:
        other = self.centre.itemData(index) == ""
        self.other_code.setEnabled(other)
        self.other_name.setEnabled(other)
        if not other:
            code = self.centre.itemData(index)
            language = next(c.language for c in CENTRES if c.code == code)
            self.language.setCurrentIndex(LANGUAGES.index(language))

    # -- create -----------------------------------------------------------------------
    def request(self) -> SetupRequest | None:
        t = self.t
        code = self.centre.currentData()
        name = next((c.name for c in CENTRES if c.code == code), "")
        if code == "":
            code, name = self.other_code.text().strip().upper(), self.other_name.text().strip()
        problems: list[str] = []
        if not (2 <= len(code) <= 5 and code.isalpha() and code.isascii()):
            problems.append(t._("The centre code is 2 to 5 capital letters."))
        if not name:
            problems.append(t._("Give the centre's name."))
        workstation = self.workstation.text().strip().upper()
        if not (1 <= len(workstation) <= 4 and workstation.isalnum() and workstation.isascii()):
            problems.append(t._("The workstation code is 1 to 4 capital letters or digits."))
        if not self.username.text().strip() or not self.display_name.text().strip():
            problems.append(t._("Give the coordinator's user name and full name."))
        password = self.password.text()
        if password != self.password2.text():
            problems.append(t._("The two passwords are not the same."))
        else:
            context = (self.username.text(), self.display_name.text())
            problems += [
                t._(PASSWORD_MESSAGES[p]) for p in check_password(password, context=context)
            ]
        if problems:
            self.message.setText("\n".join(problems))
            return None
        return SetupRequest(
            code,
            name,
            workstation,
            self.language.currentData(),
            self.username.text().strip(),
            self.display_name.text().strip(),
            password,
        )

    def _create(self) -> None:
        request = self.request()
        if request is None:
            return
        self.message.setText(self.t._("Creating the vault and the keys… this takes a few seconds."))
        self.create_button.setEnabled(False)
        self.busy.show()
        self._run_setup(request, self._created)

    def _created(self, result: SetupResult | None, error: BaseException | None) -> None:
        self.busy.hide()
        self.create_button.setEnabled(True)
        self.password.clear()
        self.password2.clear()
        if error is not None or result is None:
            self.message.setText(
                self.t._("The vault could not be created: %(why)s")
                % {"why": type(error).__name__ if error else "?"}
            )
            return
        self.result_ = result
        self.code_label.setText(result.recovery_code.text)
        self.fingerprint_label.setText(
            self.t._("Fingerprint of the centre's certificate authority:")
            + "\n"
            + result.ca_fingerprint
        )
        self.pages.setCurrentIndex(1)
        self.typed_back.setFocus()

    def recovery_sheet(self) -> QTextDocument:
        assert self.result_ is not None
        doc = QTextDocument()
        t = self.t
        doc.setPlainText(
            "\n\n".join(
                [
                    t._("SAC Desktop: recovery code"),
                    self.result_.recovery_code.text,
                    t._("Fingerprint of the centre's certificate authority:"),
                    self.result_.ca_fingerprint,
                    t._("Keep this sheet locked away. Whoever holds it can open the vault."),
                ]
            )
        )
        return doc

    def _print(self) -> None:
        if self.result_ is not None and self._print_sheet is not None:
            self._print_sheet(self.recovery_sheet())

    def confirm(self, text: str) -> bool:
        """Asked before leaving without typing the code back (tests answer it themselves)."""
        answer = QMessageBox.question(self, self.t._("Set up this workstation"), text)
        return answer == QMessageBox.StandardButton.Yes

    def reject(self) -> None:
        """Escape or closing the window on the code page: the code is never shown again."""
        if self.result_ is not None and self.pages.currentIndex() == 1 and not self._done:
            if not self.confirm(
                self.t._(
                    "The recovery code will not be shown again. Close without having typed it "
                    "back? The vault stays set up; keep the code you wrote down safe."
                )
            ):
                return
            self.completed.emit(self.result_)
        super().reject()

    def _finish(self) -> None:
        if self.result_ is None:
            return
        try:
            typed = parse_recovery_code(self.typed_back.text())
        except InvalidRecoveryCode:
            typed = None
        if typed is None or typed.secret != self.result_.recovery_code.secret:
            self.code_message.setText(
                self.t._("That is not the code shown above. Check each group and try again.")
            )
            return
        self.code_label.clear()
        self.typed_back.clear()
        self._done = True
        self.completed.emit(self.result_)
        self.accept()


__all__ = ["Qt", "SetupDialog"]
