"""The main window under test: made, shown and signed in to as staff would."""

from __future__ import annotations

from sac_desktop.ui.main_window import MainWindow
from sac_desktop.ui.tasks import ImmediateRunner


class FakeMonotonic:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _window(qtbot, paths, installation, bugs, monotonic, accounts=None) -> MainWindow:  # type: ignore[no-untyped-def]
    w = MainWindow(
        paths,
        "en",
        ImmediateRunner(),
        bugs.append,
        installation,
        monotonic=monotonic,
        demo_accounts=accounts,
    )
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    return w


def _sign_in(window: MainWindow, username: str, password: str) -> None:
    window.signin_page.select(username)
    window.signin_page.password.edit.setText(password)
    window.signin_page.button.click()
