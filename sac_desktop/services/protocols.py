"""Which clinical protocols this workstation knows (Qt-free).

The reviewed reference versions ship under ``resources/protocols/``. A centre may add
its own reviewed version as a ``.toml`` file in a ``protocols`` folder beside the vault;
new cases then use the newest version (or the one the coordinator chose). A case keeps
the version it was opened under, for good: its clock always uses that file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from sac_desktop.domain.protocol import Protocol, ProtocolError, parse_protocol
from sac_desktop.resources import resource

#: A file that was refused: its name and the problem (with the line), for the coordinator.
Refusal = tuple[str, ProtocolError]


def _version_key(version: str) -> tuple[tuple[int, str], ...]:
    return tuple((int(p), "") if p.isdigit() else (-1, p) for p in re.split(r"[._-]", version))


@lru_cache(maxsize=32)
def _parsed(path: Path, _mtime_ns: int, _size: int) -> Protocol:
    """A protocol file parsed once per version of the file (every sign-in loads the
    registry; the file changes only when a centre installs a new version)."""
    return parse_protocol(path.read_text(encoding="utf-8"), path.name)


@dataclass
class ProtocolRegistry:
    protocols: dict[str, Protocol] = field(default_factory=dict)
    refused: list[Refusal] = field(default_factory=list)
    preferred: str | None = None
    centre_keys: set[str] = field(default_factory=set)  # found beside the vault

    @classmethod
    def load(cls, *folders: Path) -> ProtocolRegistry:
        """Every protocol file of ``folders``; the first folder is the shipped one."""
        registry = cls()
        for position, folder in enumerate(folders):
            if not folder.is_dir():
                continue
            for path in sorted(folder.glob("*.toml")):
                try:
                    stat = path.stat()
                    protocol = _parsed(path, stat.st_mtime_ns, stat.st_size)
                except (ProtocolError, OSError, UnicodeDecodeError) as exc:
                    error = (
                        exc if isinstance(exc, ProtocolError)
                        else ProtocolError("cannot be read", None, path.name)
                    )  # fmt: skip
                    registry.refused.append((path.name, error))
                    continue
                if protocol.key in registry.protocols:
                    # A second file with the same id and version: which one a case was
                    # opened under would be unclear. The first is kept; this one refused.
                    problem = f"{protocol.key} is already installed: give this file its own version"
                    registry.refused.append((path.name, ProtocolError(problem, None, path.name)))
                    continue
                registry.protocols[protocol.key] = protocol
                if position > 0:
                    registry.centre_keys.add(protocol.key)
        return registry

    def current(self) -> Protocol:
        """The protocol new cases are opened under."""
        if self.preferred and self.preferred in self.protocols:
            return self.protocols[self.preferred]
        if not self.protocols:
            raise LookupError("no clinical protocol is available")
        return max(
            self.protocols.values(), key=lambda p: (p.id == "sac-be", _version_key(p.version))
        )

    def for_case(self, key: str | None) -> tuple[Protocol, bool]:
        """The protocol a case was opened under, and whether it is that one (False: it is
        no longer installed, or the case predates protocols, so the current one is used
        and the interface says so)."""
        if key and key in self.protocols:
            return self.protocols[key], True
        return self.current(), False


@lru_cache(maxsize=1)
def shipped() -> ProtocolRegistry:
    return ProtocolRegistry.load(resource("protocols"))


def registry_for(data_dir: Path | None) -> ProtocolRegistry:
    """The shipped protocols, plus the centre's own beside the vault."""
    if data_dir is None:
        return shipped()
    return ProtocolRegistry.load(resource("protocols"), data_dir / "protocols")
