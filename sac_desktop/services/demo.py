"""Training vaults of synthetic cases, with a demo account for every role (Qt-free).

Every value here is invented. A training vault says TRAINING in the window title and on
everything it prints, so it is never mistaken for a real record.
"""

from __future__ import annotations

import io
import random
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from zoneinfo import ZoneInfo

from sac_desktop.domain.clock import FixedClock
from sac_desktop.domain.custody import Move
from sac_desktop.domain.diagrams import Diagram
from sac_desktop.domain.localtime import format_local
from sac_desktop.domain.roles import Actor, Role
from sac_desktop.logsafe import get_logger
from sac_desktop.paths import Paths
from sac_desktop.security.anchors import HeadAnchor
from sac_desktop.security.kdf import KdfParams
from sac_desktop.security.slots import Derive
from sac_desktop.services.installation import AccountAdmin, Installation, SecretStore, SetupRequest
from sac_desktop.services.session import Session

_log = get_logger("demo")

DEMO_CENTRE = "DEMO"
DEMO_WORKSTATION = "T"


@dataclass(frozen=True)
class DemoAccount:
    username: str
    display_name: str
    role: Role
    password: str

    def __repr__(self) -> str:
        return f"DemoAccount({self.username!r}, {self.role.value})"


_PEOPLE = (
    ("coordinator", "Demo Coordinator", Role.COORDINATOR),
    ("nurse", "Demo Nurse", Role.FORENSIC_NURSE),
    ("physician", "Demo Physician", Role.PHYSICIAN),
    ("psychologist", "Demo Psychologist", Role.PSYCHOLOGIST),
    ("police", "Demo Police Inspector", Role.POLICE_INSPECTOR),
)
_HOW = ["on_foot", "taxi", "police", "ambulance", "public_transport", "car"]
_REFERRED = ["self", "police", "emergency_department", "general_practitioner", "support_circle"]
_LANGUAGE = ["nl", "fr", "de", "en", "ar", "uk"]


def _password() -> str:
    return "-".join(secrets.token_hex(3) for _ in range(4))  # 24 random hex digits, 96 bits


def make_demo(
    paths: Paths,
    *,
    cases: int,
    clock: FixedClock,
    derive: Derive,
    kdf_params: KdfParams,
    keystore: SecretStore | None,
    anchors: Sequence[HeadAnchor] = (),
    seed: int = 2017,
) -> list[DemoAccount]:
    """Create a training installation at ``paths`` with ``cases`` synthetic cases."""
    rng = random.Random(seed)  # noqa: S311 - synthetic demo data, not security
    installation = Installation(paths, clock, derive, kdf_params, keystore, anchors)
    people = [DemoAccount(u, d, r, _password()) for u, d, r in _PEOPLE]
    coordinator = people[0]
    # The vault is set up in the past and its cases spread up to now, so every time in it
    # (the CA's validity included) comes before the clock the caller sees afterwards.
    end = clock.current
    clock.current = end - timedelta(hours=cases * 14 + 48)
    # (A case takes under two hours of demo time, so the last one ends before ``end``.)
    installation.setup(
        SetupRequest(
            DEMO_CENTRE,
            "Training centre (synthetic cases)",
            DEMO_WORKSTATION,
            "en",
            coordinator.username,
            coordinator.display_name,
            coordinator.password,
            training=True,
        )
    )
    signed_in = installation.sign_in(coordinator.username, coordinator.password)
    try:
        admin = AccountAdmin(installation, signed_in)
        ids = {coordinator.role: signed_in.account.id}
        for person in people[1:]:
            ids[person.role] = admin.create_account(
                person.username,
                person.display_name,
                person.role,
                person.password,
                reason="training vault" if person.role is Role.PSYCHOLOGIST else None,
            )
        vault = signed_in.session.vault
        nurse = Session(vault, Actor(ids[Role.FORENSIC_NURSE], Role.FORENSIC_NURSE), clock, anchors)
        physician = Session(vault, Actor(ids[Role.PHYSICIAN], Role.PHYSICIAN), clock, anchors)
        psychologist = Session(
            vault, Actor(ids[Role.PSYCHOLOGIST], Role.PSYCHOLOGIST), clock, anchors
        )
        with vault.bulk():
            for index in range(cases):
                # The last two cases arrived today: their clocks are live in the demo.
                recent = {cases - 1: 2, cases - 2: 20}.get(index)
                clock.advance(hours=rng.randint(2, 14))
                if recent is not None:
                    clock.current = max(clock.current, end - timedelta(hours=recent))
                _one_case(
                    rng,
                    index,
                    cases,
                    clock,
                    nurse,
                    physician,
                    psychologist,
                    ids[Role.POLICE_INSPECTOR],
                )
        clock.current = max(clock.current + timedelta(minutes=5), end)
    finally:
        signed_in.session.close()
    _log.event("demo.created", cases=cases)
    return people


def _local(clock: FixedClock, hours_ago: float = 0.0) -> str:
    moment = clock.current - timedelta(hours=hours_ago)
    return format_local(moment, clock.zone)


def _episode(rng: random.Random, clock: FixedClock) -> dict[str, object]:
    kind = rng.choice(["exact", "exact", "exact", "range", "unknown"])
    episode: dict[str, object] = {
        "time_kind": kind,
        "violence": [rng.choice(["rape", "sexual_assault", "attempt"])],
        "acts": rng.sample(["vaginal", "oral", "anal", "digital", "kissing", "biting"], 2),
        "assailants": rng.choice([1, 1, 1, 2]),
        "assailant_known": rng.choice(["yes", "no", "unknown"]),
        "relationship": rng.choice(["stranger", "acquaintance", "partner", "ex_partner"]),
        "location": rng.choice(["own_home", "assailant_home", "outdoors", "public_place"]),
    }
    hours = rng.choice([3, 9, 20, 40, 70, 100, 150])
    if kind == "exact":
        episode["at"] = _local(clock, hours)
    elif kind == "range":
        episode["from"] = _local(clock, hours + 6)
        episode["to"] = _local(clock, hours)
    return episode


def _one_case(
    rng: random.Random,
    index: int,
    cases_total: int,
    clock: FixedClock,
    nurse: Session,
    physician: Session,
    psychologist: Session,
    police_account: str,
) -> None:
    case_id, _number = nurse.record.create_case()
    record = nurse.record
    language = rng.choice(_LANGUAGE)
    record.record_fields(
        case_id,
        "arrival",
        {
            "arrived_at": _local(clock),
            "how": rng.choice(_HOW),
            "referred_by": rng.choice(_REFERRED),
        },
    )
    clock.advance(minutes=4)
    record.record_fields(
        case_id,
        "companions",
        {
            "people": [
                {
                    "name": f"Demo companion {index + 1}",
                    "relation": "friend",
                    "wants_support": "yes",
                }
            ]
            if index % 2
            else [],
            "alone_moment_at": _local(clock),
        },
    )
    interpreter = language not in ("nl", "fr", "de", "en")
    record.record_fields(
        case_id,
        "language",
        {
            "language": language,
            "interpreter_needed": "yes" if interpreter else "no",
            **(
                {"interpreter_name": "Demo interpreter", "interpreter_mode": "phone"}
                if interpreter
                else {}
            ),
        },
    )
    record.record_fields(
        case_id,
        "person",
        {
            "age_years": rng.choice([15, 17, 19, 24, 31, 45, 62]),
            "gender": rng.choice(["woman", "woman", "man", "non_binary", "trans_woman"]),
        },
    )
    record.record_fields(case_id, "identity", {"name": f"Synthetic Person {index + 1}"})
    episodes = [_episode(rng, clock) for _ in range(1 if index % 5 else 2)]
    record.record_fields(case_id, "assault", {"episodes": episodes})
    clock.advance(minutes=6)
    record.record_fields(
        case_id,
        "medical",
        {
            "pregnancy_possible": rng.choice(["yes", "no", "unknown"]),
            "hbv_vaccination": rng.choice(["immune", "partial", "none", "unknown"]),
            "weight_kg": rng.choice([48, 61, 74, 90]),
        },
    )
    record.record_fields(case_id, "risks", {"dfsa_suspected": rng.choice(["yes", "no", "unknown"])})
    record.record_fields(
        case_id, "notes", {"text": f"Demo person {index + 1}: synthetic case for training."}
    )
    for item in ("medical_care", "forensic_exam"):
        record.record_consent(
            case_id,
            {
                "item": item,
                "decision": "given",
                "given_by": "person",
                "at_local": _local(clock),
                "interpreter": interpreter,
                **({"interpreter_name": "Demo interpreter"} if interpreter else {}),
            },
        )
    record.record_fields(
        case_id,
        "contact",
        {
            "safe_phone": f"+32 470 00 {index % 100:02d} 00",
            "voicemail_ok": rng.choice(["yes", "no"]),
            "no_letters_home": rng.choice(["yes", "no"]),
            "contact_hours": rng.choice(["18:00-20:00", "9-12 and 14-16", "after 17h", ""]),
        },
    )
    _checklist(case_id, clock, nurse)
    _aftercare(rng, index, case_id, clock, nurse, psychologist)
    photographs = index >= cases_total - 3  # the most recent cases have pictures
    _injuries(rng, index, case_id, clock, nurse, photographs)
    _evidence(rng, index, case_id, clock, nurse, police_account)
    if index % 3 == 0:  # a correction: the history keeps both values, with who and when
        clock.advance(minutes=25)
        physician.record.record_fields(case_id, "medical", {"weight_kg": rng.choice([55, 66, 82])})
    if index % 4 == 2:
        clock.advance(minutes=40)
        psychologist.record.record_fields(
            case_id,
            "psychology",
            {
                "note": "Synthetic consultation note: psycho-education given.",
            },
        )
    if index == 0:  # the oldest case: its aftercare is over
        clock.advance(minutes=10)
        nurse.aftercare.close_case(
            case_id, "completed", "Synthetic: aftercare completed.", end_open=True
        )


def _aftercare(
    rng: random.Random,
    index: int,
    case_id: str,
    clock: FixedClock,
    nurse: Session,
    psychologist: Session,
) -> None:
    """A referral with its consent, a psychologist's consultation with the next
    appointment: the Aftercare tab and the morning round have something to show."""
    if index % 3 == 1:
        nurse.record.record_consent(
            case_id,
            {
                "item": "referral.victim_support",
                "decision": "given",
                "given_by": "person",
                "at_local": _local(clock),
                "interpreter": False,
            },
        )
        partner = next(p for p in nurse.aftercare.partners() if p.type == "victim_support")
        nurse.aftercare.refer(
            case_id,
            {
                "partner_id": partner.id,
                "reason": "Support through the police complaint (synthetic).",
                "warm_handover": rng.choice([True, False]),
            },
        )
    if index % 4 == 2:
        clock.advance(minutes=30)
        psychologist.psychology.record_consultation(
            case_id,
            {
                "subject": "person",
                "duration_min": 50,
                "psychoeducation": "Synthetic: normal reactions after an assault explained.",
                "risk_level": "low",
                "suicide_risk": "none",
                "next_appointment": _local(clock, -24 * 7),
            },
        )


def _checklist(case_id: str, clock: FixedClock, nurse: Session) -> None:
    """Work part of the checklist as a nurse would (what the clock allows), then plan the
    follow-ups: the demo's follow-ups view has something to show."""
    checklist, record = nurse.checklist, nurse.record
    state = record.open_case(case_id)
    case_clock, _p, _e = record.clock_of(state)
    now = _local(clock)
    for row in checklist.rows(state, case_clock):
        if row.applies is False:
            continue
        item = row.item.id
        if row.clock is not None and row.clock.state.value == "closed":
            closed = {"status": "not_indicated", "reason": "Window closed."}
            checklist.set_item(case_id, item, closed)
        elif item in ("pregnancy_test", "sti_tests", "hbv_vaccine"):
            checklist.set_item(case_id, item, {"status": "given", "at_local": now})
        elif item == "hiv_pep" and row.clock is not None:
            checklist.set_item(case_id, item, {"status": "offered"})
            checklist.set_item(case_id, item, {"status": "accepted"})
            checklist.set_item(
                case_id,
                item,
                {"status": "given", "at_local": now, "details": {"doses_dispensed": 5}},
            )
            checklist.record_medication(
                case_id,
                {
                    "drug": "pep_tdf_ftc_dtg",
                    "name": "Tenofovir disoproxil/emtricitabine 245/200 mg + dolutegravir 50 mg",
                    "dose": "one tablet of each",
                    "route": "oral",
                    "at_local": now,
                    "batch": "DEMO-LOT-1",
                    "given_by": "Demo Nurse",
                    "item": item,
                },
            )
    checklist.plan_followups(case_id)


_INJURY_TYPES = ["ecchymosis", "ecchymosis", "abrasion", "redness", "swelling", "laceration"]
_COLOURS = ["red", "purple", "blue", "red-purple", "green-yellow"]


def _point(rng: random.Random, diagram: Diagram) -> tuple[float, float, str]:
    """A random point on the drawn body and its region."""
    while True:
        x, y = rng.uniform(0, diagram.width), rng.uniform(0, diagram.height)
        region = diagram.region_at(x, y)
        if region:
            return round(x, 1), round(y, 1), region


def _injuries(
    rng: random.Random,
    index: int,
    case_id: str,
    clock: FixedClock,
    nurse: Session,
    photographs: bool,
) -> None:
    """A few injuries on the body diagrams (or "no injury found"), and for the most
    recent cases synthetic photographs linked to them."""
    service = nurse.injuries
    clock.advance(minutes=10)
    if index % 6 == 5:
        service.record_none_found(case_id, note="Whole body examined; no injury seen.")
        return
    injuries: list[str] = []
    for _ in range(rng.randint(1, 3)):
        diagram = service.diagrams[rng.choice(["adult_front", "adult_back", "adult_left"])]
        x, y, region = _point(rng, diagram)
        length = rng.choice([8.0, 15.0, 25.0, 40.0])
        reexamine = rng.random() < 0.3
        today = clock.current.astimezone(ZoneInfo(clock.zone)).date()
        injuries.append(
            service.record_injury(
                case_id,
                {
                    "diagram": diagram.id,
                    "x": x,
                    "y": y,
                    "region": region,
                    "type": rng.choice(_INJURY_TYPES),
                    "length_mm": length,
                    "width_mm": round(length / rng.choice([2, 3, 4]), 1),
                    "colour": rng.choice(_COLOURS),
                    "shape": rng.choice(["oval", "round", "irregular"]),
                    "reexamine": reexamine,
                    "reexamine_on": (today + timedelta(days=2)).isoformat() if reexamine else "",
                },
            )
        )
    if not photographs:
        return
    nurse.record.record_consent(
        case_id,
        {
            "item": "photographs",
            "decision": "given",
            "given_by": "person",
            "at_local": _local(clock),
            "interpreter": False,
        },
    )
    photos = nurse.photos
    nurse.record.open_case(case_id)
    for number, injury in enumerate(injuries, start=1):
        clock.advance(minutes=3)
        taken = clock.current.astimezone(ZoneInfo(clock.zone)).strftime("%Y:%m:%d %H:%M:%S")
        picture = synthetic_photograph(rng, number, taken)
        prepared = photos.prepare(picture, f"DEMO_{index:03d}_{number}.JPG")
        photo_id = photos.store(case_id, prepared)
        photos.describe(case_id, photo_id, "Synthetic scale, mm", [injury])


def synthetic_photograph(
    rng: random.Random, number: int, taken: str, size: tuple[int, int] = (1600, 1200)
) -> bytes:
    """A synthetic picture for training: a plain background, a millimetre scale, an
    outlined "injury" and ``number`` bars. No person is ever shown."""
    from PIL import Image, ImageDraw

    width, height = size
    image = Image.new("RGB", size, (rng.randint(200, 230), rng.randint(170, 200), 160))
    draw = ImageDraw.Draw(image)
    # An ABFO-like L-shaped scale: ticks every 10 px standing for 1 mm.
    left, top = width // 8, height * 3 // 4
    draw.rectangle((left, top, left + 600, top + 60), fill=(250, 250, 250), outline=(0, 0, 0))
    for tick in range(61):
        long = 30 if tick % 10 == 0 else 15
        draw.line((left + tick * 10, top, left + tick * 10, top + long), fill=(0, 0, 0), width=2)
    cx, cy = width // 2, height // 3
    draw.ellipse((cx - 160, cy - 90, cx + 160, cy + 90), outline=(90, 60, 120), width=6)
    for stripe in range(number):  # tells the pictures apart without any text
        draw.rectangle((40 + stripe * 30, 40, 60 + stripe * 30, 100), fill=(40, 40, 40))
    exif = Image.Exif()
    exif.get_ifd(0x8769)[0x9003] = taken  # DateTimeOriginal, as a camera writes it
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85, exif=exif.tobytes())
    return out.getvalue()


def _evidence(
    rng: random.Random,
    index: int,
    case_id: str,
    clock: FixedClock,
    nurse: Session,
    police_account: str,
) -> None:
    """A kit with the first suggested samples, sealed and stored; a complaint decision;
    for some cases a complaint filed and an item handed to the police."""
    service = nurse.evidence
    state = nurse.record.open_case(case_id)
    suggestions = [s for s in service.suggestions(state) if not s.sample.optional][:4]
    groups = {s.sample.group for s in suggestions}
    for group in sorted(groups):
        item = "toxicology" if group == "toxicology" else f"samples.{group}"
        if item not in state.consents:
            nurse.record.record_consent(
                case_id,
                {
                    "item": item,
                    "decision": "given",
                    "given_by": "person",
                    "at_local": _local(clock),
                    "interpreter": False,
                },
            )
    clock.advance(minutes=5)
    service.set_kit(case_id, f"SAS-DEMO-{index + 1:05d}")
    taken = []
    for number, suggestion in enumerate(suggestions, start=1):
        clock.advance(minutes=3)
        taken.append(
            service.record_item(
                case_id,
                {
                    "sample": suggestion.sample.id,
                    "collected_local": _local(clock),
                    "seal_number": f"DEMO-{index + 1:04d}-{number:02d}",
                    "location": rng.choice(["evidence fridge 1", "evidence freezer", "dry room"]),
                },
            )
        )
    decision = ["later", "later", "declined", "filed"][index % 4]
    details = {"at_local": _local(clock)}
    if decision == "filed":
        details.update(report_number=f"DEMO.PV.{index + 1:05d}/2026", inspector="Demo Inspector")
    service.set_complaint(case_id, decision, details)
    if decision == "filed" and taken:
        clock.advance(minutes=20)
        service.move(
            case_id,
            taken[0],
            Move.HAND_TO_POLICE,
            {
                "at_local": _local(clock),
                "released_by": {"name": "Demo Nurse", "service": "Training centre"},
                "received_by": {
                    "name": "Demo Inspector",
                    "service": "Demo police zone",
                    "number": "DEMO-7",
                    "account": police_account,  # the demo inspector sees this handover
                },
                "justice_reference": f"PACOS DEMO/{index + 1:06d}",
                "purpose": "complaint filed",
            },
        )
