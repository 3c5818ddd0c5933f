"""The main window under test: made, shown and signed in to as staff would."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget

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


def activate(window: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
    """Close a sign-in notice, and give the window the focus back: offscreen, a closed
    dialog hands activation to no window (a desktop's window manager gives it back)."""
    for box in QApplication.topLevelWidgets():
        if box.objectName() == "noticeBox":
            box.close()
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not None)


def _sign_in(window: MainWindow, username: str, password: str) -> None:
    window.signin_page.select(username)
    window.signin_page.password.edit.setText(password)
    window.signin_page.button.click()


Key = Qt.Key
CTRL, ALT, NONE = (
    Qt.KeyboardModifier.ControlModifier,
    Qt.KeyboardModifier.AltModifier,
    Qt.KeyboardModifier.NoModifier,
)


class Keyboard:
    """Keys to whatever has the focus, and checks of where the focus is."""

    def __init__(self, qtbot) -> None:  # type: ignore[no-untyped-def]
        self.qtbot = qtbot

    @property
    def focus(self) -> QWidget:
        widget = QApplication.focusWidget()
        assert widget is not None
        return widget

    def at(self, name: str) -> None:
        assert self.focus.objectName() == name

    def key(self, key: Key, modifier: Qt.KeyboardModifier = NONE, times: int = 1) -> None:
        for _ in range(times):
            self.qtbot.keyClick(self.focus, key, modifier)

    def tab(self, times: int = 1) -> None:
        self.key(Key.Key_Tab, times=times)

    def type(self, text: str) -> None:
        self.qtbot.keyClicks(self.focus, text)

    def choose(self, downs: int) -> None:
        """A closed combo box: the arrow keys move through its items."""
        self.key(Key.Key_Down, times=downs)

    def tab_to(self, name: str, most: int = 12) -> None:
        """Tab until ``name`` has the focus (it must be reachable within ``most`` keys)."""
        for _ in range(most):
            if self.focus.objectName() == name:
                return
            self.key(Key.Key_Tab)
        self.at(name)

    def next_step(self, first: str) -> None:
        self.key(Key.Key_PageDown, CTRL)
        self.at(first)
