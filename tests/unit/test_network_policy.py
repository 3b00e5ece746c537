"""The network policy: shipped defaults, loading from data, errors with paths."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

import lianfang as lf
from lianfang.network_policy import CoverageTarget, NetworkPolicy, default_network_policy


def test_the_shipped_policy_equals_the_defaults_and_round_trips() -> None:
    shipped = default_network_policy()
    assert shipped.min_active_per_community == NetworkPolicy().min_active_per_community
    assert shipped.alert_categories == NetworkPolicy().alert_categories
    assert shipped.credentials_for(lf.VolunteerRole.SECURITY_GUARD)[0].label() == "保安员证"
    assert NetworkPolicy.from_dict(shipped.to_dict()) == shipped
    assert shipped.to_dict()["check_in_grace"] == "30m"


def test_a_policy_loads_from_a_file_with_durations_and_per_community_targets(
    tmp_path: Path,
) -> None:
    path = tmp_path / "network.json"
    path.write_text(
        json.dumps(
            {
                "min_active_per_community": 8,
                "targets": [{"community_id": "C-1", "min_active": 2, "roles": ["shop_owner"]}],
                "credential_notice": "14d",
            }
        ),
        encoding="utf-8",
    )
    policy = NetworkPolicy.load(path)
    assert policy.credential_notice == dt.timedelta(days=14)
    assert policy.min_active("C-1") == 2 and policy.min_active("C-2") == 8
    assert policy.roles_needed("C-1") == (lf.VolunteerRole.SHOP_OWNER,)
    assert policy.roles_needed("C-2") == (lf.VolunteerRole.COMMUNITY_CADRE,)
    assert policy.targets == (CoverageTarget("C-1", 2, (lf.VolunteerRole.SHOP_OWNER,)),)


def test_bad_policy_data_lists_every_problem_with_its_path(tmp_path: Path) -> None:
    with pytest.raises(lf.PolicyError) as caught:
        NetworkPolicy.from_dict(
            {"required_roles": ["pilot"], "alert_radius_m": "far", "colour": "red"}
        )
    problems = caught.value.problems
    assert "$.required_roles[0]: 'pilot' is not one of" in problems[0]
    assert any(p.startswith("$.alert_radius_m:") for p in problems)
    assert "$.colour: unknown field" in problems
    with pytest.raises(lf.PolicyError, match="alert_max_volunteers"):
        NetworkPolicy.from_dict({"alert_max_volunteers": 0})
    with pytest.raises(lf.PolicyError, match="danger_categories"):
        NetworkPolicy.from_dict({"danger_categories": ["fire"]})
    with pytest.raises(lf.PolicyError, match="cannot read"):
        NetworkPolicy.load(tmp_path / "missing.json")
