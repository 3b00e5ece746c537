"""The Pingtan scenario: four months of synthetic reports for the sample county, and a simulator.

The seed case counted, in under four months, 1,616 non-emergency help requests against
147 emergencies on the 110 line. :func:`generate` makes a reproducible stream of
:class:`~lianfang.model.Report` values with exactly that mix on ``Channel.PHONE_110``,
plus what the joint-prevention network adds: volunteers' clues (among them a gambling
den in a housing estate that several volunteers report), volunteers' and app users'
non-emergency matters, a few information requests, and the routine check-ins of docks,
ferry crossings, firms and estates. Every report carries the kind it was written to be
(:attr:`Scenario.labels`), so the triage can be measured against it.

:func:`simulate` then plays the scenario through a :class:`~lianfang.desk.Desk` in time
order: owners acknowledge (most in time, some late, so the ladder climbs), resolve,
hand non-police matters to partner agencies, and record callbacks; the gambling den is
verified, staked out for 24 hours and raided together with the local station.

Everything is synthetic and seeded: the same directory, seed and dates give the same
scenario, and the same scenario gives the same journal.

Check-ins are kept apart from the reports, as :class:`CheckIn` values in
:attr:`Scenario.check_ins`: they are not matters anyone must act on, and routing them
would only fill the desk with "all is well".
"""

from __future__ import annotations

import datetime as dt
import enum
import heapq
import itertools
import math
import random
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal

import attrs

from lianfang.desk import Desk
from lianfang.directory import Directory
from lianfang.errors import InvalidValueError
from lianfang.events import FollowUpStep, IncidentEscalated, Outcome
from lianfang.incident import Incident, IncidentState
from lianfang.model import (
    Channel,
    Community,
    GeoPoint,
    Kind,
    Report,
    Site,
    SiteKind,
    Volunteer,
    VolunteerRole,
)

__all__ = [
    "EMERGENCY_CALLS",
    "NON_EMERGENCY_CALLS",
    "SEED_PERIOD",
    "CheckIn",
    "CheckInStatus",
    "Handling",
    "Scenario",
    "StoryAction",
    "StoryStep",
    "generate",
    "simulate",
]

NON_EMERGENCY_CALLS = 1_616
"""Non-emergency help requests on the 110 line in the seed case's period."""
EMERGENCY_CALLS = 147
"""Emergencies on the 110 line in the seed case's period."""
SEED_PERIOD = (dt.date(2021, 1, 1), dt.date(2021, 4, 25))
"""The seed case's period, both days included (115 days)."""

# What the network adds per day of the period (about a clue a day, as the seed case's
# volunteer group reported; the rest are everyday matters volunteers see on their rounds).
_CLUES_PER_DAY = 0.7
_VOLUNTEER_MATTERS_PER_DAY = 1.4
_APP_MATTERS_PER_DAY = 0.35
_INFO_PER_DAY = 0.3
_SECOND_CALLER_SHARE = 0.08  # emergencies that a second caller reports minutes later
_EARLIEST_ACK = 0.02  # no owner acknowledges sooner, as a share of the window


# --- values ------------------------------------------------------------------------------


class CheckInStatus(enum.Enum):
    """What a site's check-in says."""

    NORMAL = "normal"  # 一切正常
    ATTENTION = "attention"  # 有情况，已处理或需留意


@attrs.frozen
class CheckIn:
    """A site's scheduled check-in (报备). Kept apart from reports: nobody must act on it."""

    site_id: str
    at: dt.datetime
    status: CheckInStatus
    text: str


@attrs.frozen
class Handling:
    """How the people involved deal with one incident in :func:`simulate`.

    ``ack_share`` places the acknowledgement as a share of the acknowledgement window
    (``0.2``: a fifth of the way to the deadline); above ``1`` the owner misses the
    deadline, the ladder climbs, and whoever owns it then acknowledges. ``resolve_after``
    counts from the acknowledgement; ``None`` leaves the incident open. ``hand_over``
    asks a police owner to pass a non-police matter to the partner agency of its
    category. ``follow_up`` records one follow-up step halfway to resolution (clues).
    """

    ack_share: float
    resolve_after: dt.timedelta | None
    outcome: str
    hand_over: bool = False
    follow_up: FollowUpStep | None = None
    follow_up_note: str = ""
    figures: Outcome | None = None
    satisfaction: int | None = None


class StoryAction(enum.Enum):
    """A scripted desk command."""

    ACKNOWLEDGE = "acknowledge"
    FOLLOW_UP = "follow_up"
    RESOLVE = "resolve"


@attrs.frozen
class StoryStep:
    """One scripted desk command on the incident of ``report_id``, taken by its owner."""

    report_id: str
    at: dt.datetime
    action: StoryAction
    step: FollowUpStep | None = None
    note: str = ""
    figures: Outcome | None = None


@attrs.frozen(eq=True, hash=False)
class Scenario:
    """A generated stream of reports, what each was meant to be, and how it is handled.

    ``reports`` are sorted by ``received_at`` (then id). ``labels`` maps each report id
    to the kind it was written to be; ``places`` to the community it was placed in
    (``None``: no place given); ``handling`` to how its incident is dealt with in
    :func:`simulate`. Reports of the scripted ``story`` (the gambling den) have no
    handling: their steps are in ``story``.
    """

    seed: int
    start: dt.date
    end: dt.date
    reports: tuple[Report, ...]
    labels: Mapping[str, Kind]
    places: Mapping[str, str | None]
    handling: Mapping[str, Handling]
    check_ins: tuple[CheckIn, ...]
    story: tuple[StoryStep, ...]

    @property
    def days(self) -> int:
        """The number of days in the period, both ends included."""
        return (self.end - self.start).days + 1

    def count(self, kind: Kind | None = None, channel: Channel | None = None) -> int:
        """How many reports have the label ``kind`` and come by ``channel`` (None: any)."""
        return sum(
            1
            for report in self.reports
            if (kind is None or self.labels[report.id] is kind)
            and (channel is None or report.channel is channel)
        )


# --- texts -------------------------------------------------------------------------------
# Each template is (text, category a call-taker or app form would record, weight).
# Placeholders are filled from _FILLERS; {place} is a community name or alias and only
# appears when the report names its place in the text. Fillers never contain a
# community name or alias, so the text points at one place at most.

_Template = tuple[str, str | None, float]

_FILLERS: dict[str, tuple[str, ...]] = {
    "spot": (
        "楼下",
        "小区门口",
        "菜市场门口",
        "超市门口",
        "路口",
        "公交站旁边",
        "停车场",
        "大排档",
        "网吧门口",
        "广场上",
        "村口",
        "巷子里",
        "加油站旁边",
        "农贸市场",
        "夜市",
        "宾馆门口",
        "沙滩上",
        "车站旁边",
    ),
    "shop": ("饭店", "烧烤店", "超市", "小卖部", "KTV", "网吧", "水果店", "宵夜摊"),
    "building": ("3栋502", "5号楼301", "8号楼602", "2栋201", "12号楼403", "6栋105"),
    "hide": ("厕所里", "卧室里", "邻居家", "楼道里"),
    "relative": ("爸", "妈", "爷爷", "奶奶", "老公", "老婆"),
    "water": ("码头", "海边", "河边", "水库", "池塘", "渡口"),
    "height": ("大桥栏杆外面", "楼顶天台边上", "江边的护栏外面"),
    "road": ("滨海路", "中山路", "北环路", "通港大道", "324省道"),
    "direction": ("菜市场方向", "海边方向", "车站方向", "北边路口"),
    "age": ("四", "五", "六", "七", "八"),
    "color": ("红", "黄", "蓝", "白", "粉"),
    "person": ("老人", "阿姨", "小伙子", "外卖小哥"),
    "n": ("两", "三", "四"),
    "park": ("楼下", "车棚里", "小区门口", "店门口", "单元门口"),
    "vehicle": ("电动车", "自行车", "电瓶车", "摩托车"),
    "lost": ("身份证", "钱包", "手机", "银行卡", "驾照", "钥匙"),
    "vehicle_place": ("出租车上", "公交车上", "菜市场", "超市", "码头候船厅"),
    "when": ("昨天晚上", "昨天", "前天", "上周", "今天早上"),
    "noise": ("装修", "广场舞音响", "KTV", "工地施工", "烧烤摊"),
    "clue_spot": ("出租屋", "老房子", "仓库", "民房", "铁皮房", "渔排上的小屋"),
    "clue_place": ("棋牌室", "麻将馆", "茶室", "出租屋", "老房子"),
    "volunteer_intro": ("", "", "报告：", "联防线索：", "各位民警好，", "巡逻时发现，"),
    "volunteer_end": ("", "", "，请核实。", "，已经注意好几天了。", "，我拍了照片。"),
    "patrol_intro": ("", "巡查：", "巡查发现：", "报告：", "志愿者反映："),
}

_EMERGENCIES: tuple[_Template, ...] = (
    ("{spot}有人打架，有人流血", "200100", 6),
    ("有人打架。", "200100", 3),
    ("{spot}两伙人打起来了，有人拿着棍子", "200100", 4),
    ("快来人，{spot}有人拿刀砍人", "100500", 2),
    ("{shop}门口十几个人在群殴", "700300", 1),
    ("烧烤摊两桌人打起来了，酒瓶满天飞", "200100", 2),
    ("有个醉汉在{shop}里砸东西，拿酒瓶打人", "200500", 2),
    ("我被人打了，他们还在外面堵我", "200100", 2),
    ("我老公喝醉了在家里打我，我现在躲在{hide}", "200600", 3),
    ("隔壁一直传来女人的尖叫声和摔东西的声音", "200600", 1),
    ("刚才有人抢了我的包，往{direction}跑了", "100200", 2),
    ("两个骑摩托车的把我的金项链抢走了", "100300", 1),
    ("有个男的拿着刀在{shop}门口抢钱", "100200", 1),
    ("小偷正在撬隔壁的门，人还在", "100100", 2),
    ("有人在偷电动车，就在车棚里，人还在", "100100", 2),
    ("家里进小偷了，人还在屋里，我在门外不敢进去", "101500", 1),
    ("{building}厨房着火了，烟很大", "400100", 3),
    ("{spot}有辆车着火了", "400100", 2),
    ("电瓶车在楼道里充电起火了", "400100", 2),
    ("后山起火了，火往村子这边烧过来了", "800600", 1),
    ("楼下的电箱着火了，火苗很大", "400100", 1),
    ("楼道里全是煤气味，好像是{building}家漏气了", "500500", 2),
    ("家里燃气泄漏，阀门关不上", "500500", 1),
    ("一个老人在{spot}晕倒了，叫不醒", "500600", 3),
    ("我{relative}突然倒地，没有呼吸了，快叫救护车", "500600", 2),
    ("{spot}有人倒在地上抽搐，口吐白沫", "500600", 2),
    ("{water}有人落水，快来人", "500400", 3),
    ("有小孩掉进{water}里了", "500400", 1),
    ("渔船在海上翻了，有{n}个人在水里", "800500", 1),
    ("{road}发生车祸，有人受伤躺在地上", "300100", 4),
    ("两车相撞，一个人卡在车里出不来", "300100", 2),
    ("电动车和小轿车撞了，骑车的{person}头上流血", "300100", 3),
    ("{person}被车撞了，倒在路口不动", "300100", 2),
    ("我家孩子在{spot}走丢了，{age}岁，穿{color}衣服", "500100", 3),
    ("我奶奶有老年痴呆，早上出门到现在还没回来", "500100", 1),
    ("有人站在{height}，像是要跳下去", "500800", 2),
    ("我朋友吃了一整瓶安眠药，现在叫不醒", "500800", 1),
    ("电梯困人，里面有个老人，喊了半天没人应", "500900", 2),
    ("有人从楼上掉下来了", "500700", 1),
    ("工地上一个工人从脚手架上摔下来，不动了", "500700", 1),
    ("邻居拿着菜刀在楼道里骂人，说要砍死我们", "201100", 1),
)

_NON_EMERGENCY_CALLS: tuple[_Template, ...] = (
    ("开锁。", "500300", 10),
    ("钥匙锁在家里了，需要开锁", "500300", 8),
    ("开锁，{lost}丢了进不了门", "500300", 3),
    ("电瓶车电瓶被偷。", "100100", 8),
    ("{when}停在{park}的{vehicle}被偷了", "100100", 8),
    ("我的{vehicle}{when}被偷了，监控能不能帮忙查一下", "100100", 4),
    ("电动车充电器被人拿走了，不知道什么时候的事", "100100", 2),
    ("早上起来发现车里的东西被偷了", "100100", 2),
    ("外卖被人偷了", "100100", 1),
    ("我的{lost}丢了", "500200", 6),
    ("{lost}落在{vehicle_place}了，能帮忙找一下吗", "500200", 5),
    ("钱包丢在出租车上了，里面有身份证和银行卡", "500200", 2),
    ("楼上装修太吵了，早上七点就开始打电钻", "600400", 4),
    ("广场舞音响声音太大，每天晚上十点还不停", "600400", 4),
    ("隔壁KTV半夜还在唱歌", "600400", 3),
    ("对面工地晚上施工，噪音太大", "600400", 3),
    ("邻居家的狗天天叫，晚上睡不着", "600400", 2),
    ("小区门口的垃圾好几天没人清理了，很臭", "600300", 3),
    ("家门口有人倒了一堆建筑垃圾", "600300", 2),
    ("路灯坏了，晚上一片漆黑", "600200", 4),
    ("路边的井盖坏了，翘起来一块", "600200", 3),
    ("马路上有个大坑，电动车很容易摔", "600200", 2),
    ("停水了，什么时候来水？", "600100", 3),
    ("我们这片停电两个小时了", "600100", 3),
    ("物业不给修电梯，找了好几次了", "600500", 2),
    ("楼道里堆满了杂物，物业不管", "600500", 2),
    ("物业乱收停车费", "600500", 1),
    ("菜市场有人占道经营", "600600", 2),
    ("隔壁在违章搭建，又加盖了一层", "600600", 2),
    ("小区里流浪狗很多，晚上成群结队的", "600700", 2),
    ("有只猫困在树上下不来", "600700", 1),
    ("在超市买到过期食品，商家不给退", "600800", 2),
    ("出租车司机绕路多收钱", "600800", 1),
    ("邻居家漏水，渗到我家天花板了", "609900", 2),
    ("楼上的空调外机滴水，滴到我家阳台", "609900", 2),
    ("有辆车堵在我家门口，打电话也没人接，麻烦帮忙挪车", "300500", 5),
    ("小区里乱停车，消防通道都堵死了", "300500", 3),
    ("两辆车刮蹭了，没人受伤，双方在协商", "300700", 4),
    ("刚才{spot}有人打架，现在已经散了，没人受伤", "200100", 3),
    ("邻居老是占我的车位，说了也不听", "200200", 3),
    ("邻里纠纷，为了排水沟的事", "200200", 2),
    ("婆婆和我吵了一架，想找社区调解一下", "200200", 2),
    ("被人骂了，想报警", "200200", 2),
    ("房东不退押金", None, 2),
    ("老板拖欠我三个月工资", None, 2),
    ("上个月网购被骗了两千块，商家现在联系不上", "101600", 3),
    ("前几天接到一个电话，被骗转了五千块钱", "101600", 2),
    ("我的车昨晚被人划了", "201300", 2),
    ("有个老人在路边乞讨，天冷了没地方住", "501200", 1),
    ("火已经灭了，没人受伤，想找人来看看线路", None, 1),
)

_CLUES: tuple[_Template, ...] = (
    ("有人赌博。", "200700", 3),
    ("{clue_place}里每天晚上都有人打牌赌钱，进进出出很多车", None, 4),
    ("麻将馆里赌得很大，一把好几千", None, 2),
    ("有个微信群在组织网络赌博，赌注很大", None, 2),
    ("有人在群里发赌博网站的链接", None, 1),
    ("有人在{clue_spot}里吸毒，楼道里有针管", None, 3),
    ("怀疑隔壁在卖毒品，经常有陌生人来敲门，待一会儿就走", None, 2),
    ("发廊晚上拉着帘子，怀疑有卖淫", None, 2),
    ("这几天总有一辆没挂牌的面包车在小区门口转，车里的人一直盯着学校看", None, 2),
    ("有个陌生人每天晚上在车棚附近转悠，挨个看电动车", None, 3),
    ("有人在收购银行卡，说一张给五百块", None, 2),
    ("小区有人在搞传销，天天开会洗脑", None, 2),
    ("码头晚上有船偷偷卸货，怀疑是走私", None, 2),
    ("有人在卖假烟", None, 1),
    ("村里有人在河里电鱼", None, 1),
    ("那个{clue_spot}住了十几个人，白天不出门，整天打电话，可能是诈骗窝点", None, 2),
    ("棋牌室老板在放高利贷", None, 1),
    ("有人冒充社区工作人员上门收费", None, 1),
    ("隔壁出租房每天半夜都有人抬箱子进出，很可疑", None, 2),
)

_VOLUNTEER_MATTERS: tuple[_Template, ...] = (
    ("{spot}路灯不亮，晚上一片漆黑", "600200", 4),
    ("{spot}的井盖松动了，踩上去会晃", "600200", 3),
    ("{spot}有人占道摆摊，影响通行", "600600", 4),
    ("{spot}的垃圾堆了好几天没人清理", "600300", 4),
    ("小区里流浪狗很多，晚上成群结队的", "600700", 2),
    ("{noise}太吵，居民反映晚上睡不着", "600400", 3),
    ("隔壁店铺的招牌松了，风一吹晃得厉害", "609900", 2),
    ("路边有棵树倒了，挡住一半路，没砸到人", "600200", 1),
    ("小区里乱停车，消防通道都堵死了", "300500", 2),
    ("楼道里堆满了杂物，物业不管", "600500", 2),
    ("居民家的{vehicle}{when}被偷了，已让他来所里登记", "100100", 2),
)

_APP_MATTERS: tuple[_Template, ...] = (
    ("路灯坏了，晚上一片漆黑", "600200", 3),
    ("小区门口的垃圾好几天没人清理了，很臭", "600300", 2),
    ("广场舞音响声音太大，每天晚上十点还不停", "600400", 2),
    ("物业乱收停车费", "600500", 2),
    ("有人把车停在盲道上", "300500", 1),
    ("我的{lost}丢了", "500200", 2),
)

_INFO: tuple[tuple[str, Channel, float], ...] = (
    ("请问身份证怎么补办？", Channel.APP, 3),
    ("办居住证需要带什么材料", Channel.APP, 2),
    ("派出所周六上班吗", Channel.APP, 2),
    ("请问在哪里可以开无犯罪记录证明", Channel.APP, 1),
    ("驾驶证到期了，去哪里换证", Channel.APP, 1),
    ("我想加入联防志愿者，怎么报名", Channel.APP, 1),
    ("我们小区的挂钩民警是谁，电话多少", Channel.APP, 1),
    ("收到，已转发到小区群", Channel.VOLUNTEER, 2),
    ("谢谢民警同志昨天帮我找回了电动车", Channel.VOLUNTEER, 1),
    ("志愿者培训是几号", Channel.VOLUNTEER, 1),
    ("反诈宣传资料能多给几份吗", Channel.VOLUNTEER, 1),
)

_BUILDINGS = ("3号楼", "5号楼", "8栋", "12号", "2单元", "东侧", "村委会旁", "篮球场旁", "16号")

# Who in the network reports clues and everyday matters (weights by role).
_CLUE_ROLES = {
    VolunteerRole.SECURITY_GUARD: 4,
    VolunteerRole.PROPERTY_MANAGER: 3,
    VolunteerRole.SHOP_OWNER: 3,
    VolunteerRole.INTERNAL_SECURITY: 2,
    VolunteerRole.COMMUNITY_CADRE: 1,
    VolunteerRole.OTHER: 1,
}

# Relative arrivals per hour of day (0–23): few at night, more in the evening.
# fmt: off
_DAY_RHYTHM = (
    2.0, 1.2, 0.8, 0.5, 0.4, 0.5, 1.0, 2.0, 3.5, 4.5, 5.0, 5.0,
    4.5, 4.5, 4.5, 4.5, 5.0, 5.5, 6.5, 7.5, 8.0, 7.5, 6.0, 4.0,
)
# Emergencies lean later: fights after drinking, fires in the night.
_NIGHT_RHYTHM = (
    4.0, 3.0, 2.0, 1.2, 0.8, 0.8, 1.2, 2.0, 3.0, 3.5, 4.0, 4.0,
    4.0, 3.5, 3.5, 3.5, 4.0, 4.5, 5.5, 6.5, 7.0, 7.0, 6.5, 5.5,
)
# Information requests come in office hours.
_OFFICE_RHYTHM = (
    0.1, 0.1, 0.1, 0.1, 0.1, 0.2, 0.5, 1.5, 4.0, 6.0, 6.0, 5.0,
    3.0, 4.0, 6.0, 6.0, 5.0, 3.0, 2.0, 2.0, 1.5, 1.0, 0.5, 0.2,
)
# fmt: on
_SPRING_FESTIVAL = (dt.date(2021, 2, 10), dt.date(2021, 2, 18))

# Place given with a report: coordinates, an address, a community id, the text, or none.
_PLACE_MIX = (("point", 30), ("address", 32), ("community_id", 18), ("text", 15), ("none", 5))

_OUTCOMES: dict[Kind, tuple[str, ...]] = {
    Kind.EMERGENCY: (
        "已出警处置，现场已控制",
        "已出警，伤者已送医",
        "已联合消防处置完毕",
        "已找到当事人，交家属带回",
        "已出警，双方带回所里处理",
    ),
    Kind.NON_EMERGENCY: (
        "已协调处理",
        "已联系开锁师傅上门",
        "已调解，双方达成一致",
        "已登记并答复报告人",
        "已现场劝离",
        "已联系相关单位处理",
    ),
    Kind.INFO: ("已答复", "已电话答复", "已在群里答复"),
}
_CLUE_CONFIRMED = ("线索查实，已依法处理", "查实，已立案侦查", "查实，已移交治安大队")
_CLUE_UNFOUNDED = ("经核查，未发现违法犯罪", "经核查，线索不实", "经核查，已纳入重点关注")

_CHECK_IN_NORMAL: dict[SiteKind, tuple[str, ...]] = {
    SiteKind.DOCK: ("例行报备：{site}一切正常", "{site}报备：渔船已全部返港，无异常"),
    SiteKind.FERRY: ("报备：{site}渡船正常运行，无异常", "{site}报备：天气良好，船只正常"),
    SiteKind.FIRM: ("今日报备：{site}生产正常，门岗值守到位", "{site}报备：人员到岗，无异常"),
    SiteKind.ESTATE: ("{site}报备：小区巡逻一遍，一切正常", "例行报备：{site}门岗、监控正常"),
    SiteKind.OTHER: ("例行报备：{site}一切正常",),
}
_CHECK_IN_ATTENTION: dict[SiteKind, tuple[str, ...]] = {
    SiteKind.DOCK: ("{site}报备：有两艘外地渔船停靠，已登记船号",),
    SiteKind.FERRY: ("{site}报备：风浪大，今日停航",),
    SiteKind.FIRM: ("{site}报备：今晚加班，厂区有人",),
    SiteKind.ESTATE: ("{site}报备：有住户反映楼道灯坏了，已报物业",),
    SiteKind.OTHER: ("例行报备：{site}有情况，已处理",),
}


# --- generation --------------------------------------------------------------------------


@attrs.frozen
class _Draft:
    at: dt.datetime
    text: str
    channel: Channel
    kind: Kind
    category: str | None
    community_id: str | None
    mode: str
    reporter_id: str | None = None
    key: str = ""  # ties in time are broken by this, for a stable order
    intended_category: str | None = None  # what the text is about, recorded or not
    address: str | None = None  # a fixed address (the den's estate) instead of a drawn one


def generate(
    directory: Directory,
    *,
    seed: int = 2021,
    start: dt.date = SEED_PERIOD[0],
    end: dt.date = SEED_PERIOD[1],
) -> Scenario:
    """A reproducible scenario for ``directory`` from ``start`` to ``end`` (both included).

    Over the seed case's period (the defaults) there are exactly
    :data:`NON_EMERGENCY_CALLS` non-emergency and :data:`EMERGENCY_CALLS` emergency
    reports on ``Channel.PHONE_110``; a shorter or longer period scales both by its
    number of days. The gambling-den story needs ten days and is left out of shorter
    periods. The directory needs communities; the sample directory
    (:func:`~lianfang.directory.sample_directory`) is the one the texts are written for.
    """
    days = (end - start).days + 1
    if days < 1:
        raise InvalidValueError([f"end: {end.isoformat()} is before start {start.isoformat()}"])
    if not directory.communities:
        raise InvalidValueError(["directory.communities: a scenario needs at least one community"])
    rng = random.Random(seed)
    world = _World(directory, rng, start, days)
    seed_days = (SEED_PERIOD[1] - SEED_PERIOD[0]).days + 1
    scale = days / seed_days

    drafts: list[_Draft] = []
    emergencies = round(EMERGENCY_CALLS * scale)
    second_callers = round(emergencies * _SECOND_CALLER_SHARE)
    for _ in range(emergencies - second_callers):
        drafts.append(world.call(_EMERGENCIES, Kind.EMERGENCY, _NIGHT_RHYTHM, category_share=0.7))
    firsts = [d for d in drafts if d.mode != "none"]
    for first in rng.sample(firsts, min(second_callers, len(firsts))):
        drafts.append(world.second_caller(first))
    for _ in range(emergencies - len(drafts)):  # too few placed emergencies to pair
        drafts.append(world.call(_EMERGENCIES, Kind.EMERGENCY, _NIGHT_RHYTHM, category_share=0.7))
    for _ in range(round(NON_EMERGENCY_CALLS * scale)):
        drafts.append(
            world.call(_NON_EMERGENCY_CALLS, Kind.NON_EMERGENCY, _DAY_RHYTHM, category_share=0.6)
        )
    for _ in range(round(_CLUES_PER_DAY * days)):
        drafts.append(world.volunteer(_CLUES, Kind.CLUE, _DAY_RHYTHM, clue=True))
    for _ in range(round(_VOLUNTEER_MATTERS_PER_DAY * days)):
        drafts.append(world.volunteer(_VOLUNTEER_MATTERS, Kind.NON_EMERGENCY, _DAY_RHYTHM))
    for _ in range(round(_APP_MATTERS_PER_DAY * days)):
        drafts.append(world.app(_APP_MATTERS))
    for _ in range(round(_INFO_PER_DAY * days)):
        drafts.append(world.info())
    story_drafts, story_steps = world.gambling_den() if days >= 10 else ([], [])
    drafts.extend(story_drafts)

    drafts.sort(key=lambda d: (d.at, d.key))
    reports: list[Report] = []
    labels: dict[str, Kind] = {}
    places: dict[str, str | None] = {}
    handling: dict[str, Handling] = {}
    story_ids: dict[str, str] = {}
    for number, draft in enumerate(drafts, start=1):
        report = world.report(f"R-{number:05d}", draft)
        reports.append(report)
        labels[report.id] = draft.kind
        places[report.id] = draft.community_id
        if draft.key.startswith("story-"):
            story_ids[draft.key] = report.id
        else:
            handling[report.id] = world.handling(draft)
    story = tuple(
        attrs.evolve(step, report_id=story_ids[step.report_id])
        for step in sorted(story_steps, key=lambda s: s.at)
    )
    return Scenario(
        seed=seed,
        start=start,
        end=end,
        reports=tuple(reports),
        labels=labels,
        places=places,
        handling=handling,
        check_ins=tuple(world.check_ins()),
        story=story,
    )


class _World:
    """The generator's working state: the directory prepared for drawing, and the rng."""

    def __init__(self, directory: Directory, rng: random.Random, start: dt.date, days: int) -> None:
        self.directory = directory
        self.rng = rng
        self.start = start
        self.days = days
        self.tz = directory.tz
        self.communities = directory.communities
        # Larger communities (more volunteers) see more reports.
        self.community_weights = [
            1.0 + len(directory.volunteers_in(c.id)) / 4 for c in self.communities
        ]
        self.day_weights = [
            1.3
            if _SPRING_FESTIVAL[0] <= start + dt.timedelta(days=d) <= _SPRING_FESTIVAL[1]
            else 1.0
            for d in range(days)
        ]
        self.counter = 0
        self.agencies_by_category: dict[str, str] = {}
        for agency in sorted(directory.agencies, key=lambda a: a.id):
            for code in agency.categories:
                self.agencies_by_category.setdefault(code, agency.id)

    # --- drawing -------------------------------------------------------------------------

    def _key(self) -> str:
        self.counter += 1
        return f"{self.counter:06d}"

    def moment(self, rhythm: Sequence[float]) -> dt.datetime:
        day = self.rng.choices(range(self.days), weights=self.day_weights)[0]
        hour = self.rng.choices(range(24), weights=rhythm)[0]
        date = self.start + dt.timedelta(days=day)
        return dt.datetime(
            date.year, date.month, date.day, hour,
            self.rng.randrange(60), self.rng.randrange(60), tzinfo=self.tz,
        )  # fmt: skip

    def community(self) -> Community:
        return self.rng.choices(self.communities, weights=self.community_weights)[0]

    def text(self, templates: Sequence[_Template]) -> tuple[str, str | None]:
        template, category, _ = self.rng.choices(templates, weights=[t[2] for t in templates])[0]
        return self.fill(template), category

    def fill(self, template: str) -> str:
        values = {
            name: self.rng.choice(options)
            for name, options in _FILLERS.items()
            if "{" + name + "}" in template
        }
        return template.format(**values)

    def place_mode(self, community: Community) -> str:
        modes = [m for m, _ in _PLACE_MIX]
        mode = self.rng.choices(modes, weights=[w for _, w in _PLACE_MIX])[0]
        if mode == "point" and community.geometry is None:
            return "address"
        return mode

    # --- reports by source ---------------------------------------------------------------

    def call(
        self,
        templates: Sequence[_Template],
        kind: Kind,
        rhythm: Sequence[float],
        *,
        category_share: float,
    ) -> _Draft:
        """A call to 110: the call-taker records a category for most calls."""
        text, category = self.text(templates)
        community = self.community()
        mode = self.place_mode(community)
        return _Draft(
            at=self.moment(rhythm),
            text=text,
            channel=Channel.PHONE_110,
            kind=kind,
            category=category if self.rng.random() < category_share else None,
            community_id=None if mode == "none" else community.id,
            mode=mode,
            key=self._key(),
            intended_category=category,
        )

    def second_caller(self, first: _Draft) -> _Draft:
        """Another caller reports the same emergency a few minutes apart (after the first,
        unless that would leave the period)."""
        gap = dt.timedelta(minutes=self.rng.randint(1, 12))
        last_day = self.start + dt.timedelta(days=self.days - 1)
        at = first.at + gap if (first.at + gap).date() <= last_day else first.at - gap
        return attrs.evolve(first, at=at, key=self._key())

    def volunteer(
        self,
        templates: Sequence[_Template],
        kind: Kind,
        rhythm: Sequence[float],
        *,
        clue: bool = False,
    ) -> _Draft:
        community = self.community()
        text, category = self.text(templates)
        if clue:
            intro = self.rng.choice(_FILLERS["volunteer_intro"])
            ending = self.rng.choice(_FILLERS["volunteer_end"])
            text = f"{intro}{text.removesuffix('。')}{ending}" if intro or ending else text
        else:
            text = self.rng.choice(_FILLERS["patrol_intro"]) + text
        mode = self.place_mode(community)
        if mode == "none":  # a volunteer always says where: they are on their own patch
            mode = "community_id"
        return _Draft(
            at=self.moment(rhythm),
            text=text,
            channel=Channel.VOLUNTEER,
            kind=kind,
            category=category if self.rng.random() < 0.3 else None,
            community_id=community.id,
            mode=mode,
            reporter_id=self.reporter(community, clue=clue),
            key=self._key(),
            intended_category=category,
        )

    def app(self, templates: Sequence[_Template]) -> _Draft:
        """A resident uses the app: the form asks for a category and a place."""
        community = self.community()
        text, category = self.text(templates)
        mode = self.rng.choice(("point", "address")) if community.geometry else "address"
        return _Draft(
            at=self.moment(_DAY_RHYTHM),
            text=text,
            channel=Channel.APP,
            kind=Kind.NON_EMERGENCY,
            category=category,
            community_id=community.id,
            mode=mode,
            key=self._key(),
            intended_category=category,
        )

    def info(self) -> _Draft:
        text, channel, _ = self.rng.choices(_INFO, weights=[w for *_, w in _INFO])[0]
        community = self.community()
        return _Draft(
            at=self.moment(_OFFICE_RHYTHM),
            text=text,
            channel=channel,
            kind=Kind.INFO,
            category=None,
            community_id=community.id,
            mode="community_id",
            reporter_id=self.reporter(community) if channel is Channel.VOLUNTEER else None,
            key=self._key(),
        )

    def reporter(self, community: Community, *, clue: bool = False) -> str | None:
        volunteers = self.directory.volunteers_in(community.id)
        if not volunteers:
            return None
        if not clue:
            return self.rng.choice(volunteers).id
        weights = [_CLUE_ROLES[v.role] for v in volunteers]
        return self.rng.choices(volunteers, weights=weights)[0].id

    # --- the report as received -----------------------------------------------------------

    def report(self, report_id: str, draft: _Draft) -> Report:
        community = self.directory.community(draft.community_id) if draft.community_id else None
        text, address, location, community_id = draft.text, None, None, None
        if draft.address is not None:
            address = draft.address
        elif community is not None:
            if draft.mode == "point":
                location = self.point_in(community)
            elif draft.mode == "address":
                address = self.address(community)
            elif draft.mode == "community_id":
                community_id = community.id
            elif draft.mode == "text":
                text = f"{self.address(community)}，{text}"
        return Report(
            id=report_id,
            received_at=draft.at,
            text=text,
            channel=draft.channel,
            reporter_id=draft.reporter_id,
            community_id=community_id,
            address=address,
            location=location,
            category=draft.category,
        )

    def address(self, community: Community) -> str:
        name = self.rng.choice((community.name, community.name, *community.aliases))
        return name + self.rng.choice(_BUILDINGS)

    def point_in(self, community: Community) -> GeoPoint:
        assert community.geometry is not None
        polygon = self.rng.choice(community.geometry.polygons)
        outer = polygon[0]
        lons = [p[0] for p in outer]
        lats = [p[1] for p in outer]
        for _ in range(1000):
            lon = round(self.rng.uniform(min(lons), max(lons)), 6)
            lat = round(self.rng.uniform(min(lats), max(lats)), 6)
            # Keep clear of the boundary, where a buffer could pick the neighbour.
            if _inside(lon, lat, polygon) and _clear_of_edges(lon, lat, polygon, 0.0005):
                return GeoPoint(lon, lat)
        centre = (sum(lons[:-1]) / (len(lons) - 1), sum(lats[:-1]) / (len(lats) - 1))
        return GeoPoint(round(centre[0], 6), round(centre[1], 6))

    # --- handling ------------------------------------------------------------------------

    def handling(self, draft: _Draft) -> Handling:
        rng = self.rng
        kind = draft.kind
        if kind is Kind.EMERGENCY:
            ack = rng.uniform(1.2, 1.9) if rng.random() < 0.05 else rng.uniform(0.1, 0.8)
            work = dt.timedelta(minutes=rng.randint(20, 180))
            outcome = rng.choice(_OUTCOMES[Kind.EMERGENCY])
        elif kind is Kind.CLUE:
            ack = rng.uniform(1.1, 2.4) if rng.random() < 0.1 else rng.uniform(0.05, 0.8)
            work = dt.timedelta(hours=rng.randint(20, 24 * 10))
            confirmed = rng.random() < 0.35
            figures = Outcome(rng.randint(1, 4), 0.0) if confirmed else None
            return Handling(
                ack_share=ack,
                resolve_after=None if rng.random() < 0.08 else work,
                outcome=rng.choice(_CLUE_CONFIRMED if confirmed else _CLUE_UNFOUNDED),
                follow_up=FollowUpStep.VERIFICATION,
                follow_up_note=rng.choice(("走访核实", "便衣查看", "调取周边监控核查")),
                figures=figures,
                satisfaction=self.satisfaction(0.2),
            )
        elif kind is Kind.INFO:
            ack = rng.uniform(0.05, 0.6)
            work = dt.timedelta(minutes=rng.randint(3, 90))
            outcome = rng.choice(_OUTCOMES[Kind.INFO])
        else:
            ack = rng.uniform(1.05, 2.6) if rng.random() < 0.12 else rng.betavariate(1.5, 4.0)
            hours = min(24.0 * 7, math.exp(rng.gauss(math.log(3.0), 1.2)))
            work = dt.timedelta(minutes=max(10, round(hours * 60)))
            outcome = rng.choice(_OUTCOMES[Kind.NON_EMERGENCY])
        non_police = draft.intended_category in self.agencies_by_category
        return Handling(
            ack_share=max(_EARLIEST_ACK, ack),
            resolve_after=None if rng.random() < 0.03 else work,
            outcome=outcome,
            hand_over=non_police and rng.random() < 0.7,
            satisfaction=self.satisfaction(0.35 if kind is not Kind.INFO else 0.1),
        )

    def satisfaction(self, share: float) -> int | None:
        if self.rng.random() >= share:
            return None
        return self.rng.choices((1, 2, 3, 4, 5), weights=(3, 5, 12, 35, 45))[0]

    # --- the gambling den ------------------------------------------------------------------

    def gambling_den(self) -> tuple[list[_Draft], list[StoryStep]]:
        """Volunteers report a gambling den in a housing estate; it is verified, staked out
        for 24 hours and raided with the local station: 20 people dealt with, ¥50,000+ seized."""
        site = self.den_site()
        community = self.directory.community(site.community_id)
        reporters = self.den_reporters(community)
        day0 = self.start + dt.timedelta(days=min(33, self.days - 10))

        def at(day: int, hour: int, minute: int) -> dt.datetime:
            date = day0 + dt.timedelta(days=day)
            return dt.datetime(date.year, date.month, date.day, hour, minute, tzinfo=self.tz)

        estate = site.name
        texts = (
            f"{estate}3号楼地下车库旁的储藏室每天晚上都有人聚众赌博，进出的人很多，门口还有人望风",
            f"{estate}3号楼储藏室又在赌钱了，今晚来了十几个人，好多外地车停在小区里",
            f"{estate}那个赌博窝点还在，天天晚上打牌赌钱，输赢很大，请民警核实",
            f"{estate}3号楼储藏室门口有人放哨，里面在赌钱，居民都不敢从那边走",
        )
        times = (at(0, 21, 40), at(2, 22, 10), at(5, 23, 5), at(5, 23, 21))
        drafts = [
            _Draft(
                at=when,
                text=text,
                channel=Channel.VOLUNTEER,
                kind=Kind.CLUE,
                category=None,
                community_id=community.id,
                mode="address",
                reporter_id=reporter,
                key=f"story-{n}",
                intended_category="200700",
                address=f"{community.name}{estate}3号楼",
            )
            for n, (when, text, reporter) in enumerate(zip(times, texts, reporters, strict=True))
        ]
        first, second, third, fourth = "story-0", "story-1", "story-2", "story-3"
        steps = [
            StoryStep(first, at(0, 21, 52), StoryAction.ACKNOWLEDGE),
            StoryStep(
                first,
                at(1, 10, 30),
                StoryAction.FOLLOW_UP,
                FollowUpStep.VERIFICATION,
                "便衣走访核实：3号楼储藏室夜间聚赌属实，约二十人，有专人望风",
            ),
            StoryStep(second, at(2, 22, 20), StoryAction.ACKNOWLEDGE),
            StoryStep(
                second,
                at(3, 9, 0),
                StoryAction.FOLLOW_UP,
                FollowUpStep.OTHER,
                "与前一线索为同一窝点，并案核查",
            ),
            StoryStep(third, at(5, 23, 15), StoryAction.ACKNOWLEDGE),
            # The fourth report most likely joins the third as a duplicate; if it opened
            # an incident of its own, these two steps see it through.
            StoryStep(fourth, at(5, 23, 40), StoryAction.ACKNOWLEDGE),
            StoryStep(
                first,
                at(6, 20, 0),
                StoryAction.FOLLOW_UP,
                FollowUpStep.STAKE_OUT,
                "开始24小时蹲守，摸清参赌人员、望风位置和进出规律",
            ),
            StoryStep(
                first,
                at(7, 20, 0),
                StoryAction.FOLLOW_UP,
                FollowUpStep.STAKE_OUT,
                "蹲守结束：赌局每晚九点后开始，已掌握人员和进出通道",
            ),
            StoryStep(
                first,
                at(7, 21, 30),
                StoryAction.FOLLOW_UP,
                FollowUpStep.JOINT_OPERATION,
                "会同辖区派出所联合行动，封控出入口后进入储藏室",
            ),
            StoryStep(
                first,
                at(8, 1, 40),
                StoryAction.RESOLVE,
                note="捣毁赌博窝点，查处涉赌人员20名，收缴赌资5万余元",
                figures=Outcome(people_dealt_with=20, money_seized_yuan=52_600.0),
            ),
            StoryStep(second, at(8, 9, 0), StoryAction.RESOLVE, note="已并案处理：窝点已捣毁"),
            StoryStep(third, at(8, 9, 5), StoryAction.RESOLVE, note="已并案处理：窝点已捣毁"),
            StoryStep(fourth, at(8, 9, 10), StoryAction.RESOLVE, note="已并案处理：窝点已捣毁"),
        ]
        return drafts, steps

    def den_site(self) -> Site:
        estates = [s for s in self.directory.sites if s.kind is SiteKind.ESTATE]
        if estates:
            return estates[0]
        community = self.communities[0]
        return Site("S-DEN", f"{community.name}花园小区", community.id, kind=SiteKind.ESTATE)

    def den_reporters(self, community: Community) -> list[str | None]:
        """Four volunteers of the estate's community, of different roles where it has them."""
        volunteers: list[Volunteer] = sorted(
            self.directory.volunteers_in(community.id),
            key=lambda v: (-_CLUE_ROLES[v.role], v.id),
        )
        first_of_role: dict[VolunteerRole, Volunteer] = {}
        for volunteer in volunteers:
            first_of_role.setdefault(volunteer.role, volunteer)
        ordered = list(first_of_role.values())
        ordered += [v for v in volunteers if v not in ordered]
        chosen: list[str | None] = [v.id for v in ordered[:4]]
        return chosen + [None] * (4 - len(chosen))

    # --- check-ins -------------------------------------------------------------------------

    def check_ins(self) -> list[CheckIn]:
        out: list[CheckIn] = []
        rng = random.Random(self.rng.random())  # its own stream: reports stay as they are
        for site in self.directory.sites:
            if site.check_in_every_hours is None:
                continue
            every = dt.timedelta(hours=site.check_in_every_hours)
            first = dt.datetime(
                self.start.year, self.start.month, self.start.day, 8, tzinfo=self.tz
            )
            last = first + dt.timedelta(days=self.days)
            slot = first
            while slot < last:
                if rng.random() >= 0.02:  # now and then a site forgets
                    at = slot + dt.timedelta(minutes=rng.randint(-25, 40))
                    attention = rng.random() < 0.03
                    table = _CHECK_IN_ATTENTION if attention else _CHECK_IN_NORMAL
                    text = rng.choice(table[site.kind]).format(site=site.name)
                    status = CheckInStatus.ATTENTION if attention else CheckInStatus.NORMAL
                    out.append(CheckIn(site.id, at, status, text))
                slot += every
        out.sort(key=lambda c: (c.at, c.site_id))
        return out


def _inside(lon: float, lat: float, polygon: Sequence[Sequence[Sequence[float]]]) -> bool:
    """Even-odd point in polygon over all rings (holes excluded)."""
    inside = False
    for ring in polygon:
        for (x1, y1, *_), (x2, y2, *_) in itertools.pairwise(ring):
            if (y1 > lat) != (y2 > lat) and lon < x1 + (lat - y1) * (x2 - x1) / (y2 - y1):
                inside = not inside
    return inside


def _clear_of_edges(
    lon: float, lat: float, polygon: Sequence[Sequence[Sequence[float]]], margin: float
) -> bool:
    for ring in polygon:
        for (x1, y1, *_), (x2, y2, *_) in itertools.pairwise(ring):
            dx, dy = x2 - x1, y2 - y1
            length = dx * dx + dy * dy
            t = (
                0.0
                if length == 0
                else max(0.0, min(1.0, ((lon - x1) * dx + (lat - y1) * dy) / length))
            )
            if math.hypot(lon - (x1 + t * dx), lat - (y1 + t * dy)) < margin:
                return False
    return True


# --- simulation ----------------------------------------------------------------------------

Progress = Callable[[int, int], None]
"""Called as ``progress(reports_done, reports_total)`` while :func:`simulate` runs."""

_Action = Literal["arrive", "ack", "hand", "follow", "resolve", "feedback", "story"]


def simulate(scenario: Scenario, desk: Desk, *, progress: Progress | None = None) -> None:
    """Play ``scenario`` through ``desk`` in time order.

    Reports arrive (arrivals too close together for anything to happen between them go
    in one ``receive_many``); owners acknowledge
    as their :class:`Handling` says, and ``desk.tick`` escalates at the very moment a
    deadline passes, so late owners are replaced by the next rung, who acknowledges
    instead. Then follow-ups, hand-overs to agencies, resolutions and callbacks follow;
    the story's steps run at their times, taken by the incident's owner then. Ends
    with a tick at midnight after the last day. The same scenario and a fresh desk
    always give the same journal.
    """
    _Simulation(scenario, desk, progress).run()


class _Simulation:
    def __init__(self, scenario: Scenario, desk: Desk, progress: Progress | None) -> None:
        self.scenario = scenario
        self.desk = desk
        self.progress = progress
        self.agencies_by_category: dict[str, str] = {}
        for agency in sorted(desk.directory.agencies, key=lambda a: a.id):
            for code in agency.categories:
                self.agencies_by_category.setdefault(code, agency.id)
        self.officers = frozenset(o.id for o in desk.directory.officers)
        policy = desk.router.policy
        # No reaction to a report comes sooner than this after it arrives.
        shortest = min([*policy.ack_deadlines.values(), policy.clue_ack_deadline])
        self.batch_window = shortest * _EARLIEST_ACK
        last = scenario.end + dt.timedelta(days=1)
        self.end = dt.datetime(last.year, last.month, last.day, tzinfo=desk.directory.tz)
        self.queue: list[tuple[dt.datetime, int, _Action, Any]] = []
        self.deadlines: list[tuple[dt.datetime, str]] = []
        self.sequence = 0

    def push(self, at: dt.datetime, action: _Action, payload: Any) -> None:
        self.sequence += 1
        heapq.heappush(self.queue, (at, self.sequence, action, payload))

    def run(self) -> None:
        for report in self.scenario.reports:
            self.push(report.received_at, "arrive", report)
        for step in self.scenario.story:
            self.push(step.at, "story", step)
        total = len(self.scenario.reports)
        done = 0
        if self.progress:
            self.progress(0, total)
        while self.queue and self.queue[0][0] < self.end:
            at, _, action, payload = heapq.heappop(self.queue)
            self.escalate_until(at)
            if action == "arrive":
                # Arrivals share a transaction only while nothing can happen in between:
                # every other queued action is later (heap order), and no reaction to
                # these reports comes within batch_window of the first.
                batch = [payload]
                while (
                    self.queue
                    and self.queue[0][2] == "arrive"
                    and self.queue[0][0] - at < self.batch_window
                    and not self.deadline_before(self.queue[0][0])
                ):
                    batch.append(heapq.heappop(self.queue)[3])
                self.arrive(batch)
                done += len(batch)
                if self.progress:
                    self.progress(done, total)
            else:
                self.act(at, action, payload)
        # What would happen after the period is left undone; deadlines inside it still count.
        self.escalate_until(self.end)

    # --- deadlines ------------------------------------------------------------------------

    def deadline_before(self, at: dt.datetime) -> bool:
        return bool(self.deadlines) and self.deadlines[0][0] <= at

    def escalate_until(self, at: dt.datetime) -> None:
        """Tick at each deadline up to ``at``, so escalations carry the time they happened."""
        while self.deadlines and self.deadlines[0][0] <= at:
            due = self.deadlines[0][0]
            while self.deadlines and self.deadlines[0][0] == due:
                heapq.heappop(self.deadlines)
            for event in self.desk.tick(due):
                if isinstance(event, IncidentEscalated):
                    heapq.heappush(self.deadlines, (event.due_at, event.incident_id))

    # --- commands ---------------------------------------------------------------------------

    def arrive(self, reports: list[Report]) -> None:
        incidents = self.desk.receive_many(reports)
        for report, incident in zip(reports, incidents, strict=True):
            if incident.id != report.id:
                continue  # a further report of an open matter, linked to it
            if incident.due_at is not None:
                heapq.heappush(self.deadlines, (incident.due_at, incident.id))
            plan = self.scenario.handling.get(report.id)
            if plan is None:
                continue  # the story's own steps handle it
            # People act on whole seconds; rounding never moves an acknowledgement across
            # its deadline, which is a whole number of seconds after receipt too.
            delay = dt.timedelta(
                seconds=round((incident.decision.ack_within * plan.ack_share).total_seconds())
            )
            self.push(report.received_at + delay, "ack", (incident.id, plan))

    def act(self, at: dt.datetime, action: _Action, payload: Any) -> None:
        desk = self.desk
        if action == "story":
            self.story(at, payload)
            return
        incident_id, plan = payload
        incident = desk.incident(incident_id)
        if action == "ack":
            if incident.state in (IncidentState.OPEN, IncidentState.ESCALATED):
                incident = desk.acknowledge(incident_id, by=incident.owner_id, at=at)
            self.after_acknowledge(incident, at, plan)
        elif action == "hand":
            agency = self.agency_for(incident)
            if agency is not None and incident.agency_id is None and incident.is_open:
                desk.hand_to_agency(
                    incident_id,
                    agency_id=agency,
                    by=incident.owner_id,
                    at=at,
                    note="非警务事项，移交联动单位",
                )
        elif action == "follow":
            if incident.is_open and plan.follow_up is not None:
                desk.record_follow_up(
                    incident_id,
                    step=plan.follow_up,
                    by=incident.owner_id,
                    at=at,
                    note=plan.follow_up_note,
                )
        elif action == "resolve":
            if incident.is_open:
                outcome = "联动单位已办结" if incident.agency_id else plan.outcome
                desk.resolve(
                    incident_id, by=incident.owner_id, at=at, outcome=outcome, figures=plan.figures
                )
                if plan.satisfaction is not None:  # the callback comes the next day
                    self.push(at + dt.timedelta(hours=20), "feedback", (incident_id, plan))
        elif action == "feedback":
            assert plan.satisfaction is not None
            desk.record_feedback(
                incident_id, satisfaction=plan.satisfaction, by=incident.owner_id, at=at
            )

    def after_acknowledge(self, incident: Incident, at: dt.datetime, plan: Handling) -> None:
        if plan.resolve_after is None:
            return
        if plan.hand_over and self.agency_for(incident) is not None:
            self.push(at + dt.timedelta(minutes=2), "hand", (incident.id, plan))
        if plan.follow_up is not None:
            self.push(at + plan.resolve_after / 2, "follow", (incident.id, plan))
        self.push(at + plan.resolve_after, "resolve", (incident.id, plan))

    def agency_for(self, incident: Incident) -> str | None:
        """The agency a police owner hands a non-police matter to (None: keep it)."""
        category = incident.decision.category
        if category is None or incident.kind is not Kind.NON_EMERGENCY:
            return None
        if incident.agency_id is not None or incident.owner_id not in self.officers:
            return None
        return self.agencies_by_category.get(category)

    def story(self, at: dt.datetime, step: StoryStep) -> None:
        desk = self.desk
        incident = desk.incident(step.report_id)
        if step.action is StoryAction.ACKNOWLEDGE:
            if incident.state in (IncidentState.OPEN, IncidentState.ESCALATED):
                desk.acknowledge(incident.id, by=incident.owner_id, at=at)
        elif step.action is StoryAction.FOLLOW_UP:
            assert step.step is not None
            desk.record_follow_up(
                incident.id, step=step.step, by=incident.owner_id, at=at, note=step.note
            )
        elif incident.is_open:
            desk.resolve(
                incident.id, by=incident.owner_id, at=at, outcome=step.note, figures=step.figures
            )
