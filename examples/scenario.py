"""Four months of the Pingtan scenario through a desk, then the figures the demo prints.

Run it with ``python examples/scenario.py``. It generates the seeded scenario for the
sample county, looks at a few of its reports and check-ins, plays it through a desk
with an in-memory journal, and then asks the statistics a few questions directly —
the same questions ``lianfang demo`` answers in one go.
"""

from __future__ import annotations

import datetime as dt

import lianfang as lf
from lianfang import scenario, stats

directory = lf.sample_directory()
generated = scenario.generate(directory, seed=2021)  # 2021-01-01 … 2021-04-25

print(f"{len(generated.reports):,} reports, {len(generated.check_ins):,} check-ins")
non_emergency = generated.count(lf.Kind.NON_EMERGENCY, lf.Channel.PHONE_110)
emergencies = generated.count(lf.Kind.EMERGENCY, lf.Channel.PHONE_110)
print(f"on the 110 line: {non_emergency:,} non-emergency, {emergencies} emergencies")
for report in generated.reports[:5]:
    label = generated.labels[report.id].value
    when = f"{report.received_at:%m-%d %H:%M}"
    print(f"  {report.id} {when} {report.channel.value:<9} {label:<13} {report.text}")
print("  check-in:", generated.check_ins[0].text)

# Play it through a desk: owners acknowledge (some late, so the ladder climbs), resolve,
# hand non-police matters to agencies; the gambling den is verified, staked out, raided.
desk = lf.Desk(directory)  # lf.Desk(directory, lf.SQLiteJournal("pingtan.sqlite")) to keep it
scenario.simulate(generated, desk)
events = stats.read_events(desk.journal)
print(f"\n{len(events):,} events in the journal")

print("reports by kind:", {k.value: n for k, n in stats.counts_by_kind(events).items()})
kept_off = stats.diverted_share(events, directory, channel=lf.Channel.PHONE_110)
print(
    f"110 calls kept off the command center: {kept_off.part:,} of {kept_off.whole:,} "
    f"({kept_off.ratio:.0%})"
)
handled = stats.handlers(events, directory)
print("handled by:", {k.value: n for k, n in handled.items() if n})
p3 = stats.ack_time_percentiles(events)[lf.Priority.P3]
print(f"P3 acknowledged: median {p3.median}, {p3.on_time:,} of {p3.count:,} within {p3.deadline}")
print(f"escalation rate: {stats.escalation_rate(events).rate:.1%}")

clues = stats.clue_outcomes(events)
for operation in clues.operations:
    print(f"\njoint operation on incident {operation.incident_id}:")
    for step, at, note in operation.steps:
        print(f"  {at:%m-%d %H:%M} {step.value:<16} {note}")
    money = operation.money_seized_yuan
    print(f"  {operation.people_dealt_with} people dealt with, ¥{money:,.0f} seized")

# The same figures for February only, as `lianfang stats JOURNAL --since … --until …` gives them.
february = stats.summary(
    events,
    directory,
    since=dt.datetime(2021, 2, 1, tzinfo=directory.tz),
    until=dt.datetime(2021, 3, 1, tzinfo=directory.tz),
)
print("\n" + stats.render(february, "en").split("\n\n")[1])
