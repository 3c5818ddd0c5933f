"""Reading older payload versions: upcast on read, never rewrite on disk (Qt-free)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

from sac_desktop.domain.entries import CURRENT_SCHEMA, Entry

Upcaster = Callable[[Mapping[str, Any]], dict[str, Any]]

#: (kind, from_version) -> function returning the payload at from_version + 1.
UPCASTERS: dict[tuple[str, int], Upcaster] = {}


class UnknownPayloadVersion(Exception):
    """An entry's payload version is newer than this application, or has no upcaster."""


def upcast(
    entry: Entry,
    current: Mapping[str, int] = CURRENT_SCHEMA,
    upcasters: Mapping[tuple[str, int], Upcaster] = UPCASTERS,
) -> Entry:
    """Return ``entry`` with its payload at the current version of its kind."""
    target = current.get(entry.kind)
    if target is None or entry.schema_version > target:
        raise UnknownPayloadVersion(entry.kind)
    payload: Mapping[str, Any] = entry.payload
    version = entry.schema_version
    while version < target:
        step = upcasters.get((entry.kind, version))
        if step is None:
            raise UnknownPayloadVersion(entry.kind)
        payload = step(payload)
        version += 1
    if version == entry.schema_version:
        return entry
    return replace(entry, payload=payload, schema_version=version)
