"""Build a small directory in code, save it as JSON, load it back, and ask it questions.

Run from the project root::

    .venv/bin/python examples/build_directory.py

It prints the chain community → group → zone → leader, who is on duty at three
moments, and the DirectoryError a broken copy of the file produces (every problem
at once, each with its JSON path). All names and numbers are invented.
"""

from __future__ import annotations

import datetime as dt
import json
import tempfile
from pathlib import Path

import lianfang as lf

BEIJING = dt.timezone(dt.timedelta(hours=8))
EVERY_DAY = (0, 1, 2, 3, 4, 5, 6)


def square(west: float, south: float, size: float = 0.01) -> lf.Geometry:
    """An axis-aligned square community boundary (GeoJSON order: lon, lat)."""
    east, north = round(west + size, 6), round(south + size, 6)
    ring = ((west, south), (east, south), (east, north), (west, north), (west, south))
    return lf.Geometry(type="Polygon", coordinates=(ring,))


def build() -> lf.Directory:
    """One zone with one patrol group, two communities, three volunteers, day and night rotas."""
    return lf.Directory(
        name="示例县公安局巡警大队",
        command_center=lf.CommandCenter(id="CC-110", name="110指挥中心"),
        timezone="Asia/Shanghai",
        officers=(
            lf.Officer("O-1", "林建华", unit="巡警大队", phone=lf.Phone("13800000001")),
            lf.Officer("O-2", "陈志强", unit="巡警大队", phone=lf.Phone("13800000002")),
            lf.Officer("O-3", "黄海峰", unit="巡警大队"),
        ),
        zones=(lf.PatrolZone(id="Z-1", name="第一巡区", leader_id="O-1"),),
        groups=(
            lf.PatrolGroup(id="G-1", zone_id="Z-1", name="第一巡组", officer_ids=("O-2", "O-3")),
        ),
        communities=(
            lf.Community(
                id="C-1",
                name="东门社区",
                group_id="G-1",
                liaison_officer_ids=("O-2",),
                cadre_ids=("V-1",),
                aliases=("东门",),
                geometry=square(119.79, 25.50),
            ),
            lf.Community(
                id="C-2",
                name="西湖社区",
                group_id="G-1",
                liaison_officer_ids=("O-3",),
                geometry=square(119.80, 25.50),
            ),
        ),
        volunteers=(
            lf.Volunteer(
                "V-1", "郑秀英", lf.VolunteerRole.COMMUNITY_CADRE, "C-1", lf.Phone("13900000001")
            ),
            lf.Volunteer("V-2", "王德福", lf.VolunteerRole.SHOP_OWNER, "C-1"),
            lf.Volunteer("V-3", "李春梅", lf.VolunteerRole.SECURITY_GUARD, "C-2"),
        ),
        sites=(
            lf.Site(
                "S-1",
                "东澳码头",
                community_id="C-1",
                contact_id="V-1",
                check_in_every_hours=24,
                kind=lf.SiteKind.DOCK,
            ),
        ),
        agencies=(lf.Agency("A-12345", "12345便民服务热线", categories=("600100", "600200")),),
        rotas=(
            lf.Rota("O-1", weekdays=(0, 1, 2, 3, 4), start=dt.time(8), end=dt.time(18)),
            lf.Rota("O-2", weekdays=EVERY_DAY, start=dt.time(8), end=dt.time(20)),
            lf.Rota("O-3", weekdays=EVERY_DAY, start=dt.time(20), end=dt.time(8)),  # overnight
        ),
    )


def show_chain(directory: lf.Directory, community_id: str) -> None:
    community = directory.community(community_id)
    group = directory.group_of(community_id)
    zone = directory.zone_of(community_id)
    leader = directory.leader_of(community_id)
    print(f"{community.name} → {group.name} → {zone.name} → 负责领导 {leader.name} ({leader.id})")
    liaisons = ", ".join(directory.describe(i) for i in community.liaison_officer_ids)
    print(f"  liaison officers 挂钩民警: {liaisons}")
    print(f"  leader as printed (the phone is masked): {leader}")


def show_duty(directory: lf.Directory, at: dt.datetime) -> None:
    names = ", ".join(f"{o.name} ({o.id})" for o in directory.on_duty(at)) or "nobody"
    print(f"on duty at {at.isoformat()}: {names}")


def show_problems(data: dict[str, object]) -> None:
    try:
        lf.Directory.from_dict(data)
    except lf.DirectoryError as error:  # also a ValueError
        print(error)


def main() -> None:
    directory = build()

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "directory.json"
        path.write_text(json.dumps(directory.to_dict(), ensure_ascii=False, indent=2), "utf-8")
        loaded = lf.load_directory(path)
        print(
            f"saved {path.stat().st_size} bytes and loaded them back: equal = {loaded == directory}"
        )

        broken = json.loads(path.read_text("utf-8"))
        broken["timezone"] = "Asia/Pingtan"
        broken["zones"][0]["leader_id"] = "O-9"
        broken["volunteers"][2]["role"] = "boss"
        broken["volunteers"][1]["community_id"] = "C-9"
        broken["rotas"][0]["weekdays"] = [1, 7]
        broken["wechat_group"] = "联防群"
        print("\na broken copy gives one error listing every problem:")
        show_problems(broken)

    print()
    show_chain(loaded, "C-2")
    print()
    show_duty(loaded, dt.datetime(2021, 1, 12, 10, 0, tzinfo=BEIJING))  # a Tuesday morning
    show_duty(loaded, dt.datetime(2021, 1, 16, 23, 30, tzinfo=BEIJING))  # a Saturday night
    show_duty(loaded, dt.datetime(2021, 1, 17, 0, 30, tzinfo=dt.UTC))  # any offset


if __name__ == "__main__":
    main()
