"""The chain of custody of one evidence item: every allowed move, every refusal, properties."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sac_desktop.domain.custody import (
    ITEM_KINDS,
    MESSAGES,
    MOVE_LABELS,
    NOT_FROM_HERE_MESSAGES,
    STATE_LABELS,
    TRANSITIONS,
    CustodyRefused,
    Holder,
    ItemState,
    Move,
    MoveContext,
    custody_gaps,
    holder,
    next_state,
)

S = ItemState
M = Move
TODAY = date(2025, 6, 1)
JUSTICE_HOLDERS = {Holder.POLICE, Holder.REGISTRY, Holder.LABORATORY}

#: A context under which every move the table allows goes through, except DESTROY.
BASE = MoveContext(
    item_kind="swab",
    complaint_filed=False,
    requisition=True,
    justice_reference="PACOS 2025/000123",
    seal_number="S-0001",
    location="evidence fridge B",
    laboratory="NICC/INCC",
    seal_intact=True,
    note="",
    retention_until=date(2025, 1, 1),
    today=TODAY,
    coordinator=False,
)
#: A context under which DESTROY goes through.
DESTROYABLE = replace(BASE, requisition=False, coordinator=True, note="retention date reached")


def ok(move: Move, **changes: Any) -> MoveContext:
    """A context that lets ``move`` through, with ``changes``."""
    return replace(DESTROYABLE if move is M.DESTROY else BASE, **changes)


ALLOWED = [(state, move, to) for state, row in TRANSITIONS.items() for move, to in row.items()]
NOT_ALLOWED = [(state, move) for state in S for move in M if move not in TRANSITIONS[state]]


def refused(state: ItemState, move: Move, ctx: MoveContext) -> CustodyRefused:
    with pytest.raises(CustodyRefused) as caught:
        next_state(state, move, ctx)
    return caught.value


# -- the table --------------------------------------------------------------------------


def test_table_covers_every_state_and_nothing_leaves_destroyed() -> None:
    assert set(TRANSITIONS) == set(S)
    assert TRANSITIONS[S.DESTROYED] == {}
    assert set(STATE_LABELS) == set(S)
    assert set(MOVE_LABELS) == set(M)
    assert set(NOT_FROM_HERE_MESSAGES) == set(S)
    assert all(label for label in [*STATE_LABELS.values(), *MOVE_LABELS.values()])


def test_expected_table() -> None:
    assert {s: set(row.items()) for s, row in TRANSITIONS.items()} == {
        S.COLLECTED: {(M.SEAL, S.SEALED)},
        S.SEALED: {
            (M.STORE, S.STORED),
            (M.HAND_TO_POLICE, S.WITH_POLICE),
            (M.DEPOSIT_REGISTRY, S.AT_REGISTRY),
            (M.DESTROY, S.DESTROYED),
        },
        S.STORED: {
            (M.HAND_TO_POLICE, S.WITH_POLICE),
            (M.DEPOSIT_REGISTRY, S.AT_REGISTRY),
            (M.LAB_RECEIVED, S.AT_LAB),
            (M.DESTROY, S.DESTROYED),
        },
        S.WITH_POLICE: {
            (M.DEPOSIT_REGISTRY, S.AT_REGISTRY),
            (M.LAB_RECEIVED, S.AT_LAB),
            (M.RETURN, S.RETURNED),
        },
        S.AT_REGISTRY: {(M.LAB_RECEIVED, S.AT_LAB), (M.RETURN, S.RETURNED)},
        S.AT_LAB: {(M.RETURN, S.RETURNED)},
        S.RETURNED: {(M.SEAL, S.SEALED), (M.STORE, S.STORED), (M.DESTROY, S.DESTROYED)},
        S.DESTROYED: set(),
    }


def test_holders() -> None:
    assert {s: holder(s) for s in S} == {
        S.COLLECTED: Holder.CENTRE,
        S.SEALED: Holder.CENTRE,
        S.STORED: Holder.CENTRE,
        S.WITH_POLICE: Holder.POLICE,
        S.AT_REGISTRY: Holder.REGISTRY,
        S.AT_LAB: Holder.LABORATORY,
        S.RETURNED: Holder.CENTRE,
        S.DESTROYED: Holder.NONE,
    }


@pytest.mark.parametrize(("state", "move", "to"), ALLOWED)
def test_allowed_move(state: ItemState, move: Move, to: ItemState) -> None:
    assert next_state(state, move, ok(move)) is to


@pytest.mark.parametrize(("state", "move", "to"), ALLOWED)
def test_allowed_move_with_a_broken_seal_and_a_note(
    state: ItemState, move: Move, to: ItemState
) -> None:
    ctx = ok(move, seal_intact=False, note="seal torn at one corner, bag closed")
    assert next_state(state, move, ctx) is to


@pytest.mark.parametrize(("state", "move"), NOT_ALLOWED)
def test_not_from_here(state: ItemState, move: Move) -> None:
    error = refused(state, move, ok(move))
    assert error.code == "not_from_here"
    assert error.message == NOT_FROM_HERE_MESSAGES[state]
    assert str(error) == error.message


def test_not_from_here_names_the_state() -> None:
    assert "destroyed" in NOT_FROM_HERE_MESSAGES[S.DESTROYED]
    assert "seal it first" in NOT_FROM_HERE_MESSAGES[S.COLLECTED]
    assert "police" in NOT_FROM_HERE_MESSAGES[S.WITH_POLICE]
    assert "court registry" in NOT_FROM_HERE_MESSAGES[S.AT_REGISTRY]
    assert "laboratory" in NOT_FROM_HERE_MESSAGES[S.AT_LAB]
    assert len(set(NOT_FROM_HERE_MESSAGES.values())) == len(S)


# -- the rules --------------------------------------------------------------------------

NO_ROUTE = {"complaint_filed": False, "requisition": False}
RULES: list[tuple[ItemState, Move, dict[str, Any], str]] = [
    # SEAL
    (S.COLLECTED, M.SEAL, {"seal_number": ""}, "no_seal_number"),
    (S.COLLECTED, M.SEAL, {"seal_number": "   "}, "no_seal_number"),
    (S.RETURNED, M.SEAL, {"seal_number": ""}, "no_seal_number"),
    # STORE
    (S.SEALED, M.STORE, {"location": ""}, "no_location"),
    (S.RETURNED, M.STORE, {"location": " "}, "no_location"),
    (S.SEALED, M.STORE, {"seal_number": ""}, "not_sealed"),
    (S.RETURNED, M.STORE, {"seal_number": ""}, "not_sealed"),
    # HAND_TO_POLICE
    (S.SEALED, M.HAND_TO_POLICE, {"seal_number": ""}, "not_sealed"),
    (S.STORED, M.HAND_TO_POLICE, {"seal_number": ""}, "not_sealed"),
    (S.SEALED, M.HAND_TO_POLICE, NO_ROUTE, "no_legal_route"),
    (S.STORED, M.HAND_TO_POLICE, NO_ROUTE, "no_legal_route"),
    (S.SEALED, M.HAND_TO_POLICE, {"justice_reference": ""}, "no_justice_reference"),
    (S.STORED, M.HAND_TO_POLICE, {"justice_reference": "  "}, "no_justice_reference"),
    # DEPOSIT_REGISTRY
    (S.SEALED, M.DEPOSIT_REGISTRY, {"seal_number": ""}, "not_sealed"),
    (S.STORED, M.DEPOSIT_REGISTRY, NO_ROUTE, "no_legal_route"),
    (S.SEALED, M.DEPOSIT_REGISTRY, NO_ROUTE, "no_legal_route"),
    (S.WITH_POLICE, M.DEPOSIT_REGISTRY, NO_ROUTE, "no_legal_route"),
    (S.STORED, M.DEPOSIT_REGISTRY, {"justice_reference": ""}, "no_justice_reference"),
    (S.WITH_POLICE, M.DEPOSIT_REGISTRY, {"justice_reference": ""}, "no_justice_reference"),
    # LAB_RECEIVED
    (S.STORED, M.LAB_RECEIVED, {"requisition": False, "complaint_filed": True},
     "lab_needs_requisition"),
    (S.WITH_POLICE, M.LAB_RECEIVED, {"laboratory": ""}, "no_laboratory"),
    (S.AT_REGISTRY, M.LAB_RECEIVED, {"laboratory": " "}, "no_laboratory"),
    (S.STORED, M.LAB_RECEIVED, {"laboratory": ""}, "no_laboratory"),
    (S.WITH_POLICE, M.LAB_RECEIVED,
     {"item_kind": "clothing", "requisition": False, "complaint_filed": True},
     "clothing_needs_requisition"),
    (S.AT_REGISTRY, M.LAB_RECEIVED,
     {"item_kind": "clothing", "requisition": False, "complaint_filed": True},
     "clothing_needs_requisition"),
    (S.WITH_POLICE, M.LAB_RECEIVED, {"justice_reference": ""}, "no_justice_reference"),
    (S.AT_REGISTRY, M.LAB_RECEIVED, {"seal_number": ""}, "not_sealed"),
    # DESTROY
    (S.SEALED, M.DESTROY, {"complaint_filed": True}, "kept_for_justice"),
    (S.STORED, M.DESTROY, {"requisition": True}, "kept_for_justice"),
    (S.RETURNED, M.DESTROY, {"complaint_filed": True, "requisition": True}, "kept_for_justice"),
    (S.STORED, M.DESTROY, {"retention_until": None}, "no_retention_date"),
    (S.STORED, M.DESTROY, {"retention_until": date(2025, 6, 2)}, "before_retention_date"),
    (S.RETURNED, M.DESTROY, {"retention_until": date(2074, 5, 1)}, "before_retention_date"),
    (S.SEALED, M.DESTROY, {"coordinator": False}, "coordinator_only"),
    (S.STORED, M.DESTROY, {"note": ""}, "no_reason"),
    (S.RETURNED, M.DESTROY, {"note": "  "}, "no_reason"),
    # A broken seal needs a note on every move but SEAL.
    (S.SEALED, M.STORE, {"seal_intact": False}, "seal_note_needed"),
    (S.STORED, M.HAND_TO_POLICE, {"seal_intact": False}, "seal_note_needed"),
    (S.WITH_POLICE, M.DEPOSIT_REGISTRY, {"seal_intact": False}, "seal_note_needed"),
    (S.AT_REGISTRY, M.LAB_RECEIVED, {"seal_intact": False, "note": " "}, "seal_note_needed"),
    (S.AT_LAB, M.RETURN, {"seal_intact": False}, "seal_note_needed"),
    (S.RETURNED, M.STORE, {"seal_intact": False}, "seal_note_needed"),
]  # fmt: skip


@pytest.mark.parametrize(("state", "move", "changes", "code"), RULES)
def test_refusal(state: ItemState, move: Move, changes: dict[str, Any], code: str) -> None:
    # The same move goes through without the change: the change alone is refused.
    assert next_state(state, move, ok(move)) is TRANSITIONS[state][move]
    error = refused(state, move, ok(move, **changes))
    assert error.code == code
    assert error.message == MESSAGES[code]


def test_every_code_is_exercised_and_every_message_is_distinct() -> None:
    assert {code for *_, code in RULES} == set(MESSAGES)
    assert len(set(MESSAGES.values())) == len(MESSAGES)


def test_messages_say_what_to_do() -> None:
    assert "complaint or under a judicial requisition" in MESSAGES["no_legal_route"]
    assert "registry number or a PACOS / SIN reference" in MESSAGES["no_justice_reference"]
    assert "say what was found" in MESSAGES["seal_note_needed"]
    assert "seal it first" in MESSAGES["not_sealed"]


def test_a_complaint_alone_is_a_route_to_the_police_and_the_registry() -> None:
    ctx = ok(M.HAND_TO_POLICE, complaint_filed=True, requisition=False)
    assert next_state(S.SEALED, M.HAND_TO_POLICE, ctx) is S.WITH_POLICE
    assert next_state(S.STORED, M.DEPOSIT_REGISTRY, ctx) is S.AT_REGISTRY


def test_lab_from_police_or_registry_needs_no_requisition_except_for_clothing() -> None:
    ctx = ok(M.LAB_RECEIVED, complaint_filed=True, requisition=False)
    assert next_state(S.WITH_POLICE, M.LAB_RECEIVED, ctx) is S.AT_LAB
    assert next_state(S.AT_REGISTRY, M.LAB_RECEIVED, ctx) is S.AT_LAB
    clothing = replace(ctx, item_kind="clothing", requisition=True)
    assert next_state(S.WITH_POLICE, M.LAB_RECEIVED, clothing) is S.AT_LAB
    assert next_state(S.STORED, M.LAB_RECEIVED, clothing) is S.AT_LAB


def test_destroy_on_the_retention_date_itself() -> None:
    ctx = ok(M.DESTROY, retention_until=TODAY)
    assert next_state(S.STORED, M.DESTROY, ctx) is S.DESTROYED


def test_seal_ignores_the_previous_seal_state() -> None:
    ctx = ok(M.SEAL, seal_intact=False, note="")
    assert next_state(S.RETURNED, M.SEAL, ctx) is S.SEALED


def test_refusal_is_a_value_error() -> None:
    error = CustodyRefused("some_code", "Some message.")
    assert isinstance(error, ValueError)
    assert (error.code, error.message, str(error)) == (
        "some_code",
        "Some message.",
        "Some message.",
    )


def test_custody_gaps() -> None:
    sound = [
        (S.COLLECTED, M.SEAL, S.SEALED),
        (S.SEALED, M.STORE, S.STORED),
        (S.STORED, M.HAND_TO_POLICE, S.WITH_POLICE),
        (S.WITH_POLICE, M.RETURN, S.RETURNED),
    ]
    assert custody_gaps([]) == []
    assert custody_gaps(sound[:1]) == []
    assert custody_gaps(sound) == []
    assert custody_gaps([sound[0], sound[2], sound[3]]) == [1]
    assert custody_gaps([sound[0], sound[2], sound[1], sound[3]]) == [1, 2, 3]


# -- properties ------------------------------------------------------------------------

# Mostly filled in, so that long walks happen; sometimes blank, so that refusals do too.
texts = st.sampled_from(["x-1"] * 8 + ["", "  "])
contexts = st.builds(
    MoveContext,
    item_kind=st.sampled_from(ITEM_KINDS),
    complaint_filed=st.booleans(),
    requisition=st.booleans(),
    justice_reference=texts,
    seal_number=texts,
    location=texts,
    laboratory=texts,
    seal_intact=st.sampled_from([True, True, True, False]),
    note=texts,
    retention_until=st.sampled_from([None, date(2025, 1, 1), TODAY, date(2026, 1, 1)]),
    today=st.just(TODAY),
    coordinator=st.booleans(),
)


def _attempt(state: ItemState, move: Move, ctx: MoveContext) -> ItemState | None:
    """The new state, or None when refused (with a known code)."""
    try:
        return next_state(state, move, ctx)
    except CustodyRefused as error:
        code = error.code
    assert code == "not_from_here" or code in MESSAGES
    return None


@settings(max_examples=200, deadline=None)
@given(st.data(), st.integers(min_value=1, max_value=20))
def test_random_histories_keep_the_chain(data: st.DataObject, length: int) -> None:
    state = S.COLLECTED
    history: list[tuple[ItemState, Move, ItemState]] = []
    sealed = False
    for _ in range(length):
        # Half the time a move the table allows from here (so that walks go far), else any.
        row = sorted(TRANSITIONS[state]) or list(M)
        move = data.draw(st.sampled_from(row) | st.sampled_from(list(M)))
        ctx = data.draw(contexts)
        new = _attempt(state, move, ctx)
        if new is None:
            continue
        assert state is not S.DESTROYED  # nothing follows DESTROYED
        assert new is TRANSITIONS[state][move]
        if new is S.DESTROYED:
            assert not ctx.complaint_filed and not ctx.requisition
            assert ctx.coordinator and ctx.note.strip()
        if holder(new) in JUSTICE_HOLDERS:
            assert sealed  # never with justice without having been sealed
            assert ctx.justice_reference.strip()
        if move is not M.SEAL and not ctx.seal_intact:
            assert ctx.note.strip()
        sealed = sealed or new is S.SEALED
        history.append((state, move, new))
        state = new
        assert sum(holder(state) is h for h in Holder) == 1
    assert custody_gaps(history) == []
