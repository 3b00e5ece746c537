"""Trusted constructors: the same values as the classes' own __init__, without the checks."""

from __future__ import annotations

import datetime as dt

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

import lianfang as lf
from lianfang.builders import trusted
from lianfang.events import IncidentAcknowledged, IncidentEscalated, IncidentResolved
from lianfang.incident import Incident
from lianfang.routing import Assignment, AssignmentRole, Decision, EscalationStep

AT = dt.datetime(2024, 5, 1, 9, 30, tzinfo=dt.UTC)


@given(
    assignee=st.text(min_size=1, max_size=8),
    role=st.sampled_from(AssignmentRole),
    due=st.none() | st.just(AT),
)
def test_a_trusted_assignment_equals_the_checked_one(
    assignee: str, role: AssignmentRole, due: dt.datetime | None
) -> None:
    built = trusted(Assignment)(assignee, role, due)
    assert built == Assignment(assignee, role, due)
    assert type(built) is Assignment


def test_every_field_of_a_decision_and_an_incident_is_set_in_order() -> None:
    report = lf.Report(id="R-1", received_at=AT, text="有人打架")
    decision = lf.Router(lf.sample_directory()).route(report)
    fields = [getattr(decision, f.name) for f in attrs.fields(Decision)]
    assert trusted(Decision)(*fields) == decision
    incident = lf.Desk(lf.sample_directory()).receive(report)
    values = [getattr(incident, f.name) for f in attrs.fields(Incident)]
    copy = trusted(Incident)(*values)
    assert copy == incident
    assert attrs.evolve(copy, outcome="x") == attrs.evolve(incident, outcome="x")


def test_subclass_events_get_their_base_class_fields_too() -> None:
    assert trusted(IncidentAcknowledged)("I-1", AT, "O-1") == IncidentAcknowledged("I-1", AT, "O-1")
    resolved = IncidentResolved("I-1", AT, "O-1", "done")
    assert trusted(IncidentResolved)("I-1", AT, "O-1", "done", None) == resolved
    escalated = IncidentEscalated("I-1", AT, "system", "O-1", "O-2", 0, AT)
    assert trusted(IncidentEscalated)("I-1", AT, "system", "O-1", "O-2", 0, AT) == escalated


def test_validators_are_skipped_so_only_checked_parts_may_go_in() -> None:
    with pytest.raises(lf.LianfangError):
        IncidentAcknowledged("", AT, "O-1")
    assert trusted(IncidentAcknowledged)("", AT, "O-1").incident_id == ""


def test_a_missing_or_extra_field_is_a_type_error() -> None:
    with pytest.raises(TypeError):
        trusted(EscalationStep)("O-1")
    with pytest.raises(TypeError):
        trusted(EscalationStep)("O-1", dt.timedelta(minutes=1), "extra")


def test_classes_it_cannot_build_faithfully_are_refused() -> None:
    @attrs.define(slots=False, frozen=True)
    class NoSlots:
        x: int

    @attrs.frozen
    class DerivesMore:
        x: int

        def __attrs_post_init__(self) -> None:
            pass

    class NotAttrs:
        __slots__ = ("x",)

    for cls in (NoSlots, DerivesMore, NotAttrs):
        with pytest.raises(TypeError, match=cls.__name__):
            trusted(cls)


@attrs.frozen(weakref_slot=False)
class _Plain:
    a: int
    b: str = attrs.field(validator=attrs.validators.min_len(1))


@attrs.frozen
class _Weak:
    a: int
    b: str


@given(a=st.integers(), b=st.text(min_size=1, max_size=5))
def test_a_class_without_a_weakref_slot_is_built_as_a_draft_and_stays_frozen(
    a: int, b: str
) -> None:
    from lianfang.builders import _draft_class

    assert _draft_class(_Plain) is not None and _draft_class(_Weak) is None
    assert _draft_class(IncidentAcknowledged) is None  # fields from a base class
    for cls in (_Plain, _Weak):
        built = trusted(cls)(a, b)
        assert type(built) is cls and built == cls(a, b) and hash(built) == hash(cls(a, b))
        assert repr(built) == repr(cls(a, b))
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            built.a = a + 1  # type: ignore[misc]
        assert attrs.evolve(built, a=a + 1) == cls(a + 1, b)
    decision = trusted(Decision)
    assert _draft_class(Decision) is not None and decision.__name__ == "trusted_Decision"
