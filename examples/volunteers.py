"""The volunteer network for a week: recruit and screen, publish a notice, count the relays.

Run it with ``python examples/volunteers.py``. A dozen people apply in three communities
of the sample county; the community cadre and the liaison officer screen them together
(two are turned down); the patrol police publish an anti-fraud notice to the volunteers
of zone 1; the host delivers it, volunteers read it and relay it to their own contacts.
It prints the notice's figures, the coverage gaps before and after the new recruits,
a volunteer's view of the desk, with phones masked, and who a report goes to before and
after the community's cadre is suspended.
"""

from __future__ import annotations

import datetime as dt

import lianfang as lf
from lianfang.events import Audience, Bulletin, BulletinTopic
from lianfang.network_policy import NetworkPolicy, default_network_policy
from lianfang.roster import Coverage

directory = lf.sample_directory()
monday = dt.datetime(2021, 3, 1, 9, 0, tzinfo=directory.tz)
hour = dt.timedelta(hours=1)
# The county wants 8 routable volunteers per community, among them a cadre and a guard.
policy = NetworkPolicy.from_dict(
    {
        **default_network_policy().to_dict(),
        "min_active_per_community": 8,
        "required_roles": ["community_cadre", "security_guard"],
    }
)
desk = lf.Desk(directory, network_policy=policy)
before = desk.coverage()

# --- recruit and screen a dozen volunteers (志愿者招募与筛选) ---------------------------------
GUARD, SHOP, PROPERTY = (
    lf.VolunteerRole.SECURITY_GUARD,
    lf.VolunteerRole.SHOP_OWNER,
    lf.VolunteerRole.PROPERTY_MANAGER,
)
applicants = [  # name, community, role, turned down by the cadre's check
    ("陈志强", "C-18", GUARD, False),
    ("林秀英", "C-18", SHOP, False),
    ("黄建华", "C-18", SHOP, True),
    ("郑美玲", "C-18", PROPERTY, False),
    ("吴国平", "C-18", SHOP, False),
    ("刘丽娟", "C-04", GUARD, False),
    ("张伟", "C-04", SHOP, False),
    ("王芳", "C-04", PROPERTY, False),
    ("李明", "C-04", SHOP, True),
    ("杨静", "C-08", SHOP, False),
    ("赵磊", "C-08", GUARD, False),
    ("周婷", "C-08", PROPERTY, False),
]
for n, (name, community_id, role, turned_down) in enumerate(applicants, start=1):
    community = directory.community(community_id)
    cadre, liaison = community.cadre_ids[0], community.liaison_officer_ids[0]
    volunteer_id = f"V-N{n:02d}"
    desk.record_application(
        volunteer_id=volunteer_id,
        name=name,
        role=role,
        community_id=community_id,
        phone=f"1370000{n:04d}",
        referred_by=cadre,
        at=monday + n * dt.timedelta(minutes=10),
    )
    if turned_down:
        desk.reject_volunteer(volunteer_id, by=cadre, at=monday + 4 * hour, reason="有不良记录")
        continue
    desk.approve_volunteer(volunteer_id, by=cadre, at=monday + 4 * hour)
    desk.approve_volunteer(volunteer_id, by=liaison, at=monday + 6 * hour)
    if role is GUARD:  # the guard's licence (保安员证) is checked; it runs out in 20 days
        desk.record_credential(
            volunteer_id,
            credential="security_licence",
            expires_at=monday + dt.timedelta(days=20),
            by=liaison,
            at=monday + 6 * hour,
        )

recruits = desk.members(status=lf.VolunteerStatus.ACTIVE)
print(f"active volunteers: {len(recruits)} (was {before.active}); applicants screened: 12")
rejected = [m for m in desk.roster.members.values() if m.is_rejected]
print("turned down:", ", ".join(f"{m.name}（{m.rejection_reason}）" for m in rejected))

# --- publish an anti-fraud notice to zone 1 (信息发布) --------------------------------------
notice = Bulletin(
    id="B-2021-031",
    topic=BulletinTopic.ANTI_FRAUD,
    title="警惕“客服退款”诈骗",
    text="凡自称电商客服、以退款理赔为由要求转账或提供验证码的，一律是诈骗。请转告亲友。",
    issued_at=monday + dt.timedelta(days=1),
    expires_at=monday + dt.timedelta(days=8),
    audience=Audience(zone_ids=(directory.zones[0].id,)),
)
record = desk.publish_bulletin(notice, by=directory.zones[0].leader_id)
print(f"\nnotice {notice.id} sent to {len(record.recipient_ids)} volunteers of zone 1")

# the host delivers the outbox its own way, then marks each entry
for n, entry in enumerate(desk.outbox()):
    if n % 17 == 0:
        desk.mark_failed(entry.id, at=notice.issued_at + hour, error="号码停机")
    else:
        desk.mark_delivered(entry.id, at=notice.issued_at + hour)

# volunteers acknowledge and relay (转发) to their own contacts
for n, volunteer_id in enumerate(record.recipient_ids):
    at = notice.issued_at + dt.timedelta(hours=2, minutes=n)
    if n % 3 == 0:
        desk.record_relay(notice.id, by=volunteer_id, at=at, estimated_reach=20 + n % 50)
    elif n % 3 == 1:
        desk.record_read(notice.id, by=volunteer_id, at=at)

stats = desk.bulletin_stats(notice.id)
print(
    f"delivered {stats.delivered}, read {stats.read} ({stats.read_share:.0%}), "
    f"relayed by {stats.relayed}, estimated reach {stats.estimated_reach:,} people"
)
print("share of each community reached:")
for reach in stats.communities[:6]:
    name = directory.community(reach.community_id).name
    print(f"  {name:<6} {reach.read:>3}/{reach.recipients:<3} {reach.share:.0%}")
print(f"  … {len(stats.communities)} communities in all")

# --- coverage gaps (覆盖缺口) -----------------------------------------------------------------


def show(title: str, coverage: Coverage) -> None:
    print(f"{title}: {len(coverage.gaps)} gaps, {coverage.active} routable volunteers")
    for gap in coverage.gaps:
        if gap.community_id in ("C-04", "C-08", "C-18"):
            what = gap.role.value if gap.role else "routable volunteers"
            print(f"  {gap.community_id} needs {gap.need} {what}, has {gap.have}")


print()
show("coverage before recruiting", before)
show("coverage now", desk.coverage())
show(
    "coverage in 30 days, when the new guards' licences have expired",
    desk.coverage(at=monday + dt.timedelta(days=30)),
)
due = desk.credentials_due(monday + dt.timedelta(days=1))
print(f"credentials expiring within 30 days: {sum(d.state == 'expiring' for d in due)}, ", end="")
print(f"never recorded: {sum(d.state == 'missing' for d in due)}")

# --- what a volunteer sees (隐私) -------------------------------------------------------------
volunteer = next(v for v in record.recipient_ids if desk.viewer(v).role.value == "volunteer")
view = desk.view(volunteer)
print(f"\n{volunteer} sees {len(view.bulletins)} bulletin(s), {len(view.incidents)} incident(s)")
print(f"  and only its own roster entry: {[m.id for m in view.members]}")
cadre = directory.community("C-18").cadre_ids[0]
seen = desk.view(cadre).members
print(f"cadre {cadre} sees the {len(seen)} members of C-18, other phones masked: {seen[-1].phone}")

# --- a suspension takes effect on the next report (停职即停派) -------------------------------
friday = monday + dt.timedelta(days=4)
officer = directory.community("C-18").liaison_officer_ids[0]


def told_of_stall(n: int, at: dt.datetime) -> list[str]:
    """Who is given, or told of, a street-stall report in C-18."""
    report = lf.Report(id=f"R-{n}", received_at=at, text="门口有人占道摆摊", community_id="C-18")
    return [a.assignee_id for a in desk.receive(report).decision.assignments]


print(f"\nbefore {cadre} is suspended, a street stall in C-18 goes to: {told_of_stall(1, friday)}")
desk.suspend_volunteer(cadre, by=officer, at=friday + hour, reason="停职审查")
print(f"after: {told_of_stall(2, friday + 2 * hour)}")

restored = lf.Desk.restore(directory, desk.journal, network_policy=policy)
print("\nrestored from the journal, same network:", restored.network == desk.network)
