"""The Belgian Sexual Assault Centres a workstation can belong to (Qt-free)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Centre:
    code: str
    name: str  # the hospital, as the centre is known locally
    language: str  # the default interface language at first run


#: The ten centres (DOMAIN.md). Three more open from 2026: "another centre" covers them.
CENTRES: tuple[Centre, ...] = (
    Centre("BXL", "ZSG/CPVS Brussel-Bruxelles (UMC Sint-Pieter)", "nl"),
    Centre("GNT", "ZSG Gent (UZ Gent)", "nl"),
    Centre("LIE", "CPVS Liège (CHU Liège)", "fr"),
    Centre("ANT", "ZSG Antwerpen (UZA)", "nl"),
    Centre("CRL", "CPVS Charleroi", "fr"),
    Centre("WVL", "ZSG West-Vlaanderen (AZ Delta)", "nl"),
    Centre("LEU", "ZSG Leuven (UZ Leuven)", "nl"),
    Centre("LIM", "ZSG Limburg (ZOL)", "nl"),
    Centre("NAM", "CPVS Namur (CHRSM)", "fr"),
    Centre("LUX", "CPVS Luxembourg (Vivalia Arlon)", "fr"),
)
