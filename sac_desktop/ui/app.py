"""Qt application start-up: font, translations, crash dialog, main window, clean exit."""

from __future__ import annotations

import signal
import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import (
    QLibraryInfo,
    QObject,
    QTimer,
    QtMsgType,
    QTranslator,
    Signal,
    qInstallMessageHandler,
)
from PySide6.QtGui import QFont, QFontDatabase, QTextDocument
from PySide6.QtWidgets import QApplication

from sac_desktop.crash import CrashHandler
from sac_desktop.i18n import translator
from sac_desktop.logsafe import get_logger
from sac_desktop.paths import Paths
from sac_desktop.resources import resource
from sac_desktop.services.demo import DemoAccount
from sac_desktop.services.installation import Installation, production_installation
from sac_desktop.ui.crash_dialog import crash_dialog
from sac_desktop.ui.main_window import MainWindow
from sac_desktop.ui.tasks import TaskRunner

_log = get_logger("ui")
FONT_FILES = ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf")
FONT_FAMILY = "DejaVu Sans"


def register_fonts(app: QApplication) -> str | None:
    """Qt wheels bring no fonts: register ours and make it the application font."""
    family = None
    for name in FONT_FILES:
        font_id = QFontDatabase.addApplicationFont(str(resource("fonts", name)))
        families = QFontDatabase.applicationFontFamilies(font_id) if font_id >= 0 else []
        family = family or (families[0] if families else None)
    if family:
        app.setFont(QFont(family, 10))
    return family


def _qt_message(msg_type: QtMsgType, _context: object, _message: str) -> None:
    # Qt's own messages may quote widget text: log only that one happened, and its level.
    _log.event("qt.message", level=str(int(msg_type.value)))


class QtTranslations:
    """Qt's own translations for standard dialogs and buttons."""

    def __init__(self, app: QApplication) -> None:
        self.app = app
        self.current: QTranslator | None = None

    def load(self, language: str) -> bool:
        if self.current is not None:
            self.app.removeTranslator(self.current)
            self.current = None
        if language == "en":
            return True
        qt_translator = QTranslator(self.app)
        folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
        if not qt_translator.load(f"qtbase_{language}", folder):
            _log.event("i18n.qt_catalog_missing", language=language)
            return False
        self.app.installTranslator(qt_translator)
        self.current = qt_translator
        return True


class CrashRelay(QObject):
    """Crash files may be written from any thread; the dialog opens on the GUI thread."""

    crashed = Signal(object)


def print_document(document: QTextDocument) -> None:
    """The recovery sheet: straight to a printer the user picks, never to a file."""
    from PySide6.QtPrintSupport import QPrintDialog, QPrinter

    printer = QPrinter()
    dialog = QPrintDialog(printer)
    if dialog.exec() == QPrintDialog.DialogCode.Accepted:
        document.print_(printer)


def run_gui(
    paths: Paths,
    language: str,
    crash: CrashHandler,
    started: float | None = None,
    installation: Installation | None = None,
    demo_accounts: list[DemoAccount] | None = None,
    make_training: Callable[[], tuple[Installation, list[DemoAccount]]] | None = None,
) -> int:
    started = time.perf_counter() if started is None else started
    qInstallMessageHandler(_qt_message)
    app = QApplication.instance() or QApplication(["sac-desktop"])
    assert isinstance(app, QApplication)
    app.setApplicationName("SAC Desktop")
    register_fonts(app)
    qt_translations = QtTranslations(app)
    qt_translations.load(language)

    window_holder: list[MainWindow] = []
    relay = CrashRelay()

    def show_crash(path: object) -> None:
        parent = window_holder[0] if window_holder else None
        t = parent.t if parent is not None else translator(language)
        crash_dialog(parent, t, Path(str(path))).open()

    relay.crashed.connect(show_crash)
    crash.notify = relay.crashed.emit

    def report_bug(error: BaseException) -> None:
        crash.handle(type(error), error, error.__traceback__)

    runner = TaskRunner()
    window = MainWindow(
        paths,
        language,
        runner,
        report_bug,
        installation or production_installation(paths),
        print_document=print_document,
        demo_accounts=demo_accounts,
        make_training=make_training,
    )
    window_holder.append(window)
    window.language_changed.connect(qt_translations.load)
    window.show()
    _log.event("app.window_shown", startup_ms=round((time.perf_counter() - started) * 1000))

    # Let SIGTERM (session logout, service stop) close the window cleanly: Python only
    # runs signal handlers between bytecodes, so wake the interpreter now and then.
    signal.signal(signal.SIGTERM, lambda *_: window.close())
    heartbeat = QTimer()
    heartbeat.timeout.connect(lambda: None)
    heartbeat.start(250)
    code = app.exec()
    heartbeat.stop()
    # A vault still being opened in the background is closed as soon as it arrives.
    runner.wait()
    app.processEvents()
    window.close_vault()
    return int(code)
