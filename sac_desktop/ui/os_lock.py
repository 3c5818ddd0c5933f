"""Lock when the operating system locks the screen or goes to sleep (where D-Bus tells).

Linux desktops announce it on D-Bus: the session's screen saver (freedesktop, GNOME, KDE)
emits ``ActiveChanged(true)`` and logind emits ``PrepareForSleep(true)`` on the system bus.
Where neither bus exists (Windows, a bare server) nothing is connected and the idle timer
and Ctrl+L remain.
"""

from __future__ import annotations

from PySide6.QtCore import SLOT, QObject, Signal, Slot

_SCREENSAVERS = (
    ("org.freedesktop.ScreenSaver", "/org/freedesktop/ScreenSaver"),
    ("org.gnome.ScreenSaver", "/org/gnome/ScreenSaver"),
    ("org.kde.screensaver", "/ScreenSaver"),
)


class OsLockWatcher(QObject):
    """Emits ``lock_requested`` when the OS locks the screen or is about to sleep."""

    lock_requested = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.connected: list[str] = []
        try:
            from PySide6.QtDBus import QDBusConnection
        except ImportError:  # pragma: no cover - QtDBus ships with PySide6-Essentials
            return
        session = QDBusConnection.sessionBus()
        if session.isConnected():
            for interface, path in _SCREENSAVERS:
                if session.connect(
                    "", path, interface, "ActiveChanged", self, SLOT("_on_active(bool)")
                ):
                    self.connected.append(interface)
        system = QDBusConnection.systemBus()
        if system.isConnected() and system.connect(
            "org.freedesktop.login1",
            "/org/freedesktop/login1",
            "org.freedesktop.login1.Manager",
            "PrepareForSleep",
            self,
            SLOT("_on_sleep(bool)"),
        ):
            self.connected.append("org.freedesktop.login1.Manager")

    @Slot(bool)
    def _on_active(self, active: bool) -> None:
        if active:
            self.lock_requested.emit()

    @Slot(bool)
    def _on_sleep(self, going_to_sleep: bool) -> None:
        if going_to_sleep:
            self.lock_requested.emit()
