"""Labels for the fields and coded values shown so far (Qt-free).

The intake issue replaces this with the protocol's own labels; until then the demo's
fields still show in the user's language.
"""

from __future__ import annotations

from sac_desktop.i18n import N_

FIELD_LABELS: dict[str, str] = {
    "arrival.how": N_("Arrival: how"),
    "arrival.referred_by": N_("Arrival: referred by"),
    "arrival.hours_since_assault": N_("Arrival: hours since the assault"),
    "person.pseudonym": N_("Person: pseudonym"),
    "person.age_years": N_("Person: age (years)"),
    "person.language": N_("Person: language"),
    "person.interpreter_needed": N_("Person: interpreter needed"),
    "person.companion": N_("Person: came with"),
    "identity.name": N_("Identity: name"),
    "identity.date_of_birth": N_("Identity: date of birth"),
    "identity.address": N_("Identity: address"),
    "identity.national_number": N_("Identity: national register number"),
    "psychology.note": N_("Psychology: consultation note"),
}

VALUE_LABELS: dict[str, str] = {
    "on_foot": N_("on foot"),
    "taxi": N_("by taxi"),
    "police": N_("police"),
    "ambulance": N_("by ambulance"),
    "public_transport": N_("by public transport"),
    "self": N_("self"),
    "emergency_department": N_("hospital emergency department"),
    "general_practitioner": N_("general practitioner"),
    "other": N_("other"),
    "friend": N_("a friend"),
    "parent": N_("a parent"),
    "partner": N_("a partner"),
    "sibling": N_("a sibling"),
    "none": N_("nobody"),
}
