"""The Belgian Sexual Assault Centres a workstation can belong to (Qt-free)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Centre:
    code: str
    name: str  # the hospital, as the centre is known locally
    language: str  # the default interface language at first run
    #: The hospital alone, for a discreet document ("" when not known: nothing printed).
    hospital: str = ""


#: The ten centres (DOMAIN.md). Three more open from 2026: "another centre" covers them.
CENTRES: tuple[Centre, ...] = (
    Centre("BXL", "ZSG/CPVS Brussel-Bruxelles (UMC Sint-Pieter)", "nl", "UMC Sint-Pieter"),
    Centre("GNT", "ZSG Gent (UZ Gent)", "nl", "UZ Gent"),
    Centre("LIE", "CPVS Liège (CHU Liège)", "fr", "CHU Liège"),
    Centre("ANT", "ZSG Antwerpen (UZA)", "nl", "UZA"),
    Centre("CRL", "CPVS Charleroi", "fr"),
    Centre("WVL", "ZSG West-Vlaanderen (AZ Delta)", "nl", "AZ Delta"),
    Centre("LEU", "ZSG Leuven (UZ Leuven)", "nl", "UZ Leuven"),
    Centre("LIM", "ZSG Limburg (ZOL)", "nl", "ZOL"),
    Centre("NAM", "CPVS Namur (CHRSM)", "fr", "CHRSM"),
    Centre("LUX", "CPVS Luxembourg (Vivalia Arlon)", "fr", "Vivalia Arlon"),
)
