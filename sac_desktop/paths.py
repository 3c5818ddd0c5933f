"""Where SAC Desktop keeps its files (Qt-free).

platformdirs gives the defaults; ``--data-dir`` or ``SAC_DATA_DIR`` put data, config, logs
and cache under one folder (tests always do). The audit-head anchor folder is deliberately
*outside* the data folder, so restoring an older copy of the data folder cannot roll the
anchor back; ``SAC_ANCHOR_DIR`` overrides it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from sac_desktop.fsutil import ensure_private_dir

APP_NAME = "SAC-Desktop"
APP_AUTHOR = "SAC"
ENV_DATA_DIR = "SAC_DATA_DIR"
ENV_ANCHOR_DIR = "SAC_ANCHOR_DIR"


@dataclass(frozen=True)
class Paths:
    """The folders the application writes to."""

    data: Path
    config: Path
    logs: Path
    cache: Path
    anchors: Path

    @property
    def vault(self) -> Path:
        return self.data / "vault.sacdb"

    @property
    def demo_dir(self) -> Path:
        return self.data / "demo"

    @property
    def backups(self) -> Path:
        return self.data / "backups"

    @property
    def crash_dir(self) -> Path:
        return self.logs / "crashes"

    def create(self) -> Paths:
        for folder in (self.data, self.config, self.logs, self.cache, self.anchors):
            ensure_private_dir(folder)
        return self


def default_anchor_dir() -> Path:
    override = os.environ.get(ENV_ANCHOR_DIR)
    if override:
        return Path(override).expanduser().resolve()
    return Path(platformdirs.user_state_dir(APP_NAME, APP_AUTHOR)) / "anchors"


def resolve_paths(data_dir: str | os.PathLike[str] | None = None) -> Paths:
    """Folders from ``data_dir``, else ``SAC_DATA_DIR``, else the platform defaults."""
    chosen = data_dir if data_dir is not None else os.environ.get(ENV_DATA_DIR) or None
    if chosen is not None:
        root = Path(chosen).expanduser().resolve()
        return Paths(
            data=root,
            config=root / "config",
            logs=root / "logs",
            cache=root / "cache",
            anchors=default_anchor_dir(),
        )
    # "data" is its own folder so that the anchors (a sibling on Windows, where the state
    # and data folders coincide) are never inside the folder a restore would roll back.
    return Paths(
        data=Path(platformdirs.user_data_dir(APP_NAME, APP_AUTHOR)) / "data",
        config=Path(platformdirs.user_config_dir(APP_NAME, APP_AUTHOR)),
        logs=Path(platformdirs.user_log_dir(APP_NAME, APP_AUTHOR)),
        cache=Path(platformdirs.user_cache_dir(APP_NAME, APP_AUTHOR)),
        anchors=default_anchor_dir(),
    )
