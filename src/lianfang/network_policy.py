"""The volunteer network's settings as data: coverage targets, credentials, alerts, check-ins.

A :class:`NetworkPolicy` is a frozen value. :func:`default_network_policy` reads the one
shipped in ``lianfang/data/network.json``; :meth:`NetworkPolicy.from_dict` and
:meth:`NetworkPolicy.load` build one from a host's data through the project's converter,
raising :class:`~lianfang.errors.PolicyError` that lists every problem with its path.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Mapping
from importlib import resources
from os import PathLike
from pathlib import Path
from typing import Any

import attrs

from lianfang import codec
from lianfang.errors import InvalidValueError, PolicyError
from lianfang.model import VolunteerRole
from lianfang.model._checks import non_empty

__all__ = [
    "CoverageTarget",
    "CredentialRule",
    "NetworkPolicy",
    "default_network_policy",
]


def _count(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidValueError([f"{attribute.name}: must be a whole number ≥ 0, not {value!r}"])


def _at_least_one(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidValueError([f"{attribute.name}: must be a whole number ≥ 1, not {value!r}"])


def _metres(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not value >= 0:
        raise InvalidValueError([f"{attribute.name}: must be a distance in metres ≥ 0"])


def _duration(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, dt.timedelta) or value < dt.timedelta(0):
        raise InvalidValueError([f"{attribute.name}: must be a duration ≥ 0, not {value!r}"])


def _codes(_instance: object, attribute: attrs.Attribute[Any], value: tuple[str, ...]) -> None:
    for index, code in enumerate(value):
        if not isinstance(code, str) or not code.isdigit() or len(code) > 6:
            raise InvalidValueError(
                [f"{attribute.name}[{index}]: {code!r} is not a category code or code prefix"]
            )


def _strings(_instance: object, attribute: attrs.Attribute[Any], value: tuple[str, ...]) -> None:
    for index, item in enumerate(value):
        if not isinstance(item, str) or not item.strip():
            raise InvalidValueError([f"{attribute.name}[{index}]: must be a non-empty string"])


@attrs.frozen
class CoverageTarget:
    """A community's own targets, replacing the policy's defaults where given."""

    community_id: str = attrs.field(validator=non_empty)
    min_active: int | None = attrs.field(default=None, validator=_count)
    roles: tuple[VolunteerRole, ...] | None = None


@attrs.frozen
class CredentialRule:
    """A credential that volunteers of ``role`` must hold (e.g. a guard's licence 保安员证).

    An expired credential makes the volunteer inactive for routing until it is renewed.
    A credential never recorded is listed as due; it blocks routing only with
    ``required_from_start``.
    """

    role: VolunteerRole
    credential: str = attrs.field(validator=non_empty)
    zh: str = ""
    en: str = ""
    required_from_start: bool = False

    def label(self, lang: str = "zh") -> str:
        text = self.zh if lang == "zh" else self.en
        return text or self.credential


@attrs.frozen
class NetworkPolicy:
    """How the volunteer network is run.

    - Coverage: each community needs ``min_active_per_community`` routable volunteers
      and at least one of each of ``required_roles`` (``targets`` override both per
      community).
    - Credentials: ``credentials`` lists what each role must hold; ``credential_notice``
      is how far ahead :meth:`~lianfang.network.Roster.credentials_due` looks.
    - Volunteer alerts: an incident may alert volunteers when its category is one of
      ``alert_categories`` or a rule in ``alert_reasons`` fired, and never when a rule in
      ``danger_reasons`` fired or its category starts with one of ``danger_categories``;
      at most ``alert_max_volunteers``, from its community and the communities adjacent
      to it (within ``adjacency_m``) or within ``alert_radius_m``.
    - Check-ins: a site that missed its check-in by ``check_in_grace`` is overdue and its
      contact reminded; ``check_in_escalate_after`` later its liaison officers are told.
    """

    min_active_per_community: int = attrs.field(default=5, validator=_count)
    required_roles: tuple[VolunteerRole, ...] = (VolunteerRole.COMMUNITY_CADRE,)
    targets: tuple[CoverageTarget, ...] = ()
    credentials: tuple[CredentialRule, ...] = ()
    credential_notice: dt.timedelta = attrs.field(
        default=dt.timedelta(days=30), validator=_duration
    )
    alert_categories: tuple[str, ...] = attrs.field(
        default=("500100", "500200", "501400"), validator=_codes
    )
    alert_reasons: tuple[str, ...] = attrs.field(
        default=(
            "danger.missing_vulnerable",
            "police.missing_adult",
            "help.lost_property",
            "help.lost_something",
            "help.lost_pet",
        ),
        validator=_strings,
    )
    danger_reasons: tuple[str, ...] = attrs.field(
        default=(
            "danger.weapon",
            "danger.violence",
            "danger.domestic_violence",
            "danger.robbery",
            "danger.sexual",
            "danger.abduction",
            "danger.threat",
            "danger.theft_in_progress",
            "danger.fire",
            "danger.explosion",
            "danger.gas",
            "danger.mass_incident",
        ),
        validator=_strings,
    )
    danger_categories: tuple[str, ...] = attrs.field(default=("1", "2", "4"), validator=_codes)
    alert_max_volunteers: int = attrs.field(default=10, validator=_at_least_one)
    alert_radius_m: float = attrs.field(default=3000.0, validator=_metres)
    adjacency_m: float = attrs.field(default=100.0, validator=_metres)
    check_in_grace: dt.timedelta = attrs.field(
        default=dt.timedelta(minutes=30), validator=_duration
    )
    check_in_escalate_after: dt.timedelta = attrs.field(
        default=dt.timedelta(hours=2), validator=_duration
    )

    @functools.cached_property
    def _targets(self) -> dict[str, CoverageTarget]:
        return {t.community_id: t for t in self.targets}

    def min_active(self, community_id: str) -> int:
        """How many routable volunteers ``community_id`` needs."""
        target = self._targets.get(community_id)
        if target is not None and target.min_active is not None:
            return target.min_active
        return self.min_active_per_community

    def roles_needed(self, community_id: str) -> tuple[VolunteerRole, ...]:
        """The roles ``community_id`` needs at least one routable volunteer of."""
        target = self._targets.get(community_id)
        if target is not None and target.roles is not None:
            return target.roles
        return self.required_roles

    def credentials_for(self, role: VolunteerRole) -> tuple[CredentialRule, ...]:
        """The credentials a volunteer of ``role`` must hold."""
        return tuple(rule for rule in self.credentials if rule.role is role)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> NetworkPolicy:
        """Build a policy from JSON-able data (durations as ``"30m"``, ``"30d"``), or raise
        :class:`PolicyError` listing every problem with its path."""
        return codec.structure(data, cls, error=PolicyError)

    def to_dict(self) -> dict[str, Any]:
        """JSON-able data that :meth:`from_dict` turns back into an equal policy."""
        return codec.unstructure(self)  # type: ignore[no-any-return]

    @classmethod
    def load(cls, path: str | PathLike[str]) -> NetworkPolicy:
        """Read a network policy from a JSON file."""
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except OSError as exc:
            raise PolicyError([f"{path}: cannot read the file ({exc.strerror})"]) from exc
        except json.JSONDecodeError as exc:
            raise PolicyError(
                [f"{path}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"]
            ) from None
        return cls.from_dict(data)


@functools.cache
def default_network_policy() -> NetworkPolicy:
    """The built-in network policy (``lianfang/data/network.json``), read once."""
    text = resources.files("lianfang").joinpath("data", "network.json").read_text("utf-8")
    return NetworkPolicy.from_dict(json.loads(text))
