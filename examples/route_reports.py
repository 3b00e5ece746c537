"""Route a handful of reports through the sample county and print why each went where it did.

The last two name places whose names are words: 未来城 ("future city") holds 未, which
denies what follows it, and a village called 火烧坪 reads as fire. The router reads place
names as places, so the first is the stabbing it reports, and the second stays an
emergency for review, because the danger is only in the name.

Run it with ``python examples/route_reports.py`` (add ``en`` for English explanations).
"""

from __future__ import annotations

import datetime as dt
import sys

import attrs

import lianfang as lf
from lianfang.triage import triage

lang = "en" if sys.argv[1:] == ["en"] else "zh"
directory = lf.sample_directory()
router = lf.Router(directory)
evening = dt.datetime(2021, 1, 12, 21, 5, tzinfo=directory.tz)
east_gate = directory.communities[0]

reports = [
    # A volunteer's clue: goes to the liaison officer, the zone leader is told, the reporter hidden.
    lf.Report(
        id="R-1",
        received_at=evening,
        text=f"{east_gate.name}3号楼有人聚众赌博，门口有人望风",
        channel=lf.Channel.VOLUNTEER,
        reporter_id="V-0042",
    ),
    # Danger in the text overrides the mild category the caller chose.
    lf.Report(
        id="R-2",
        received_at=evening,
        text="楼上吵得厉害，刚才听到有人喊救命",
        channel=lf.Channel.PHONE_110,
        category="600400",
        address=f"{east_gate.name}5号楼",
    ),
    # A negated danger is not an emergency.
    lf.Report(
        id="R-3",
        received_at=evening,
        text="刚才门口有人吵架，已经散了，没人受伤",
        channel=lf.Channel.VOLUNTEER,
        reporter_id="V-0100",
        community_id=east_gate.id,
    ),
    # A municipal matter goes to the partner agency that takes its category.
    lf.Report(
        id="R-4", received_at=evening, text=f"{east_gate.name}路灯坏了好几天", category="600200"
    ),
    # No place at all: the command center takes it.
    lf.Report(id="R-5", received_at=evening, text="I lost my wallet somewhere on the island"),
]

for report in reports:
    decision = router.route(report)
    print(f"«{report.text}»")
    print(decision.explain(lang))
    print()


def renamed(name: str, *aliases: str) -> lf.Router:
    """A router for the sample county with its first community renamed."""
    communities = tuple(
        attrs.evolve(c, name=name, aliases=aliases) if c.id == east_gate.id else c
        for c in directory.communities
    )
    return lf.Router(attrs.evolve(directory, communities=communities))


# A place whose name holds a denial (未, "not yet"): bare triage reads the stabbing as denied,
# the router reads the name as a place and the report as the emergency it is.
stabbing = lf.Report(id="R-6", received_at=evening, text="未来城有人被刀捅了")
print(f"«{stabbing.text}»")
print(f"  {triage(stabbing, lf.default_policy()).kind.value} (triage without the directory)")
print(renamed("未来城").route(stabbing).explain(lang))
print()

# A village whose name reads as danger (there is a real 火烧坪): a report that is an emergency
# only because of the name stays one, but is marked for review, and the explanation says why.
lamp = lf.Report(id="R-7", received_at=evening, text="火烧坪村路灯坏了好几天")
print(f"«{lamp.text}»")
print(renamed("火烧坪村", "火烧坪").route(lamp).explain(lang))
