"""Staff roles and the acting person (Qt-free)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sac_desktop.i18n import N_


class Role(StrEnum):
    FORENSIC_NURSE = "forensic_nurse"
    PHYSICIAN = "physician"
    PSYCHOLOGIST = "psychologist"
    POLICE_INSPECTOR = "police_inspector"
    COORDINATOR = "coordinator"


ROLE_LABELS: dict[Role, str] = {
    Role.FORENSIC_NURSE: N_("Forensic nurse"),
    Role.PHYSICIAN: N_("Physician"),
    Role.PSYCHOLOGIST: N_("Psychologist"),
    Role.POLICE_INSPECTOR: N_("Police inspector"),
    Role.COORDINATOR: N_("Coordinator"),
}


@dataclass(frozen=True)
class Actor:
    """Who is acting: a stable account id (never a name) and the role they act in."""

    user_id: str
    role: Role
