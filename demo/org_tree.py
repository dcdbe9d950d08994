"""Demo data for `manage.py seed_demo`: a fictional province, and large synthetic trees.

Two pipelines; demo/steps.py lists the steps of each, in order, and runs them.

1. **The demo province** (江淮省, fictional): one province, 5 cities, 13 counties (county 1
   and county 2 both under city 1, like the seed report's survey of 5 cities and 13 counties),
   townships and streets, departments with Party groups, stationed discipline teams, and a
   tenure for every role, including ended tenures of predecessors. Built through
   `services` like real data (history rows included), from a *pure* specification
   (`demo_spec()`), so every code is stable:

   - organisations "JH", "JH-C01", "JH-C01-K01", "JH-C01-K01-T01", departments "…-D01";
   - bodies: organisation code + "-PC" (Party committee / working committee), "-PG" (Party
     group), "-DC" (discipline commission / work committee), "-ST<n>" (stationed team);
   - people "P000001"… in specification order (append new people, never reorder);
   - posts (tenures) by key "<body code>:<slot>", e.g. "JH-C01-K01-PC:secretary",
     "JH-C01-K01-PC:secretary:former" (the predecessor), "JH-C01-K01-DC:officer1".

   `DemoTree` hands these back by code. Seeding is idempotent: each row is looked up by its
   code (tenures by their natural key person+body+role+start) and created only when
   missing; existing rows are never updated, so a second run writes no rows and no history.
   Passwords are set when an account is created and only reset with `reset_passwords`.

   Its steps (`step_org_tree`, `step_accounts`) come first in `demo.steps.DEMO_STEPS`, the
   explicit ordered list that `seed_demo` runs inside one transaction. A step is
   `step(ctx: DemoContext)`; `ctx.tree` is the `DemoTree` of the steps before it. Every
   step must be idempotent in the same way (stable codes, create only what is missing).

2. **Scale trees** (`--scale city|province`): a synthetic province under its own root
   organisation "SCALE-<label>" (so it never mixes with the demo province), written with
   `bulk_create` in batches, paths computed here with `path_segment`. No history rows.
   `SCALE_SHAPES["province"]` is ≈20,000 organisations and ≈100,000 people and tenures;
   `"city"` about a tenth. `demo.steps.build_scale(label, shape)` takes any `ScaleShape`
   (tests use a tiny one). Idempotent per root: if "SCALE-<label>" exists the whole build
   is skipped.

   Its steps open `demo.steps.SCALE_STEPS`, run in order inside one transaction with a
   `ScaleContext` whose `tree` lists every organisation and tenure as light tuples (ids,
   paths, roles, dates), so the later steps (duty logs, findings, cases… in demo/scale.py)
   can bulk-create their rows without re-querying.
"""

from __future__ import annotations

import datetime
import random
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractUser

from liangge_zeren.actors import DEMO
from responsibilities import services
from responsibilities.models import (
    PATH_SEGMENT_WIDTH,
    PATH_SEPARATOR,
    Body,
    Organization,
    Person,
    Portfolio,
    Tenure,
    path_segment,
)

SEGMENT = PATH_SEGMENT_WIDTH + len(PATH_SEPARATOR)
R = Tenure.Role
K = Organization.Kind
B = Body.Kind

Log = Callable[[str], None]


def quiet(message: str) -> None:
    pass


# --- Deterministic Chinese names ------------------------------------------------------------

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦方白邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛郝龚邵"
    "万钱严武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申耿关兰焦俞左柳甘祝"
)
MALE_GIVEN = (
    "建国志明伟强军平华文斌杰涛海林峰东波辉刚勇毅宏振超磊鹏"
    "德成家立新永庆春胜光荣卫民忠俊良友正祥云飞"
)
FEMALE_GIVEN = "秀丽敏静芳燕红霞玲娟梅莉兰英慧婷琳萍雪洁琴云凤佳晓颖丹倩月春桂"


class NameMaker:
    """Plausible, made-up Chinese names from fixed lists and a seeded generator.

    Nothing comes from real records. Within one maker names do not repeat (until the
    name space runs out, for the scale trees, where repeats are harmless and realistic).
    """

    def __init__(self, seed: int | str, unique: bool = True):
        self.rng = random.Random(seed)
        self.unique = unique
        self.seen: set[str] = set()

    def person(self) -> tuple[str, str]:
        """(name, gender) with roughly a quarter women."""
        for _ in range(50):
            gender = Person.Gender.FEMALE if self.rng.random() < 0.25 else Person.Gender.MALE
            pool = FEMALE_GIVEN if gender == Person.Gender.FEMALE else MALE_GIVEN
            given = "".join(self.rng.choice(pool) for _ in range(self.rng.choice((1, 2, 2, 2))))
            name = self.rng.choice(SURNAMES) + given
            if not self.unique or name not in self.seen:
                break
        self.seen.add(name)
        return name, gender


# --- The demo province: a pure specification --------------------------------------------------

PROVINCE_NAME = "江淮省"  # fictional
DEMO_NAME_SEED = 20260301


@dataclass(frozen=True)
class OrgSpec:
    code: str
    name: str
    kind: str
    parent: str | None  # parent's code


@dataclass(frozen=True)
class BodySpec:
    code: str
    org: str
    kind: str
    name: str
    sent_by: str | None = None
    stationed_in: tuple[str, ...] = ()


@dataclass(frozen=True)
class PersonSpec:
    code: str
    name: str
    gender: str


@dataclass(frozen=True)
class PostSpec:
    key: str
    person: str  # person code
    body: str  # body code
    org: str  # organisation code (a stationed team's posts sit in its lead department)
    role: str
    title: str
    start: datetime.date
    end: datetime.date | None = None
    end_reason: str = ""
    portfolios: tuple[str, ...] = ()


@dataclass
class DemoSpec:
    orgs: list[OrgSpec] = field(default_factory=list)
    bodies: list[BodySpec] = field(default_factory=list)
    people: list[PersonSpec] = field(default_factory=list)
    posts: list[PostSpec] = field(default_factory=list)


@dataclass(frozen=True)
class Former:
    """An ended predecessor tenure in the same post; the incumbent starts the day after."""

    start: datetime.date
    end: datetime.date
    reason: str


@dataclass(frozen=True)
class Words:
    """How posts are titled at one level: 省委书记 / 县委常委、副县长 / 镇党委书记…"""

    committee: str  # 省委 / 市委 / 县委 / 区委 / 镇党委 / 街道党工委
    head: str  # 省长 / 市长 / 县长 / 区长 / 镇长 / 办事处主任
    deputy_head: str  # 副省长 … 副镇长 / 办事处副主任
    short: str  # 省 / 市 / 县 / 区 (prefix of 纪委 and 监委)
    office: str  # 省委办公厅 / 县委办 …


PROVINCE_WORDS = Words("省委", "省长", "副省长", "省", "省委办公厅")
CITY_WORDS = Words("市委", "市长", "副市长", "市", "市委办")
COUNTY_WORDS = Words("县委", "县长", "副县长", "县", "县委办")
DISTRICT_WORDS = Words("区委", "区长", "副区长", "区", "区委办")

# The six standing-committee members of a province, city or county committee; each leads
# a portfolio (分管领域) and carries 一岗双责 in it. Slot "member5" is the 教育/卫生健康 one.
MEMBER_POSTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("常委、常务副{head}", ("财政", "发展改革")),
    ("常委、组织部部长", ("组织",)),
    ("常委、宣传部部长", ("宣传",)),
    ("常委、政法委书记", ("政法",)),
    ("常委、{deputy_head}", ("教育", "卫生健康")),
    ("常委、{deputy_head}", ("农业农村", "城乡建设")),
)

# (code suffix, name, head title, member portfolios) of departments.
PROVINCE_DEPARTMENTS = (
    ("D01", "教育厅", "厅长", (("基础教育",), ("高等教育", "职业教育"))),
    ("D02", "卫生健康委员会", "主任", (("医政医管",), ("疾病预防控制",))),
    ("D03", "医疗保障局", "局长", (("医保基金监管",), ("待遇保障",))),
    ("D04", "财政厅", "厅长", (("预算管理",), ("国库支付", "政府采购"))),
)
# Stationed teams of the province commission: (code, short name, stationed in departments).
PROVINCE_STATIONED = (
    ("JH-D01-ST1", "省教育厅", ("JH-D01",)),
    ("JH-D02-ST1", "省卫生健康委", ("JH-D02", "JH-D03")),  # 综合派驻: two departments
    ("JH-D04-ST1", "省财政厅", ("JH-D04",)),
)
CITY_DEPARTMENTS = (
    ("D01", "教育局", "局长", (("学前与义务教育",), ("教育督导",))),
    ("D02", "卫生健康委员会", "主任", (("医政医管",), ("公共卫生",))),
)
COUNTY_DEPARTMENTS = (
    ("D01", "教育局", "局长", (("学前与义务教育",), ("教育督导",))),
    ("D02", "财政局", "局长", (("预算管理",), ("政府采购",))),
)

# (city code suffix, city name, [(county suffix, name, is district, [townships or streets])]).
# County 1 and county 2 are both under city 1, as the accounts county1_* / county2_* expect.
CITIES = (
    (
        "C01",
        "青山市",
        (
            ("K01", "东溪县", False, ("城关镇", "桃源镇", "石桥乡")),
            ("K02", "西岭县", False, ("柳林镇", "杏花乡")),
            ("K03", "河湾区", True, ("河湾街道", "新城街道")),
        ),
    ),
    (
        "C02",
        "澄湖市",
        (
            ("K01", "湖滨区", True, ("湖滨街道", "望湖街道")),
            ("K02", "枫林县", False, ("龙泉镇", "白马镇")),
            ("K03", "南塘县", False, ("清溪乡", "双河镇")),
        ),
    ),
    (
        "C03",
        "云岭市",
        (
            ("K01", "云溪区", True, ("云溪街道", "北山街道")),
            ("K02", "望岭县", False, ("长岗镇", "枫树乡")),
            ("K03", "翠岗县", False, ("马岭镇", "青龙镇")),
        ),
    ),
    (
        "C04",
        "桐川市",
        (
            ("K01", "桐川县", False, ("三河镇", "金牛乡")),
            ("K02", "梅岗县", False, ("梅溪镇", "新桥镇")),
        ),
    ),
    (
        "C05",
        "鹭洲市",
        (
            ("K01", "鹭港区", True, ("鹭港街道", "滨江街道")),
            ("K02", "芦湾县", False, ("官庄乡", "荷塘镇")),
        ),
    ),
)

LEVEL_START = {
    "province": datetime.date(2021, 11, 1),
    "city": datetime.date(2021, 10, 8),
    "county": datetime.date(2021, 9, 10),
    "township": datetime.date(2021, 6, 20),
}

HANDOVER = datetime.date(2024, 3, 1)  # county 1's new secretary took office on this date

# Ended tenures (predecessors). County 1's former secretary (ended 2024-02-29) is moved to
# city 1 as organisation minister: one person, two posts, and 前任/现任 for later issues.
FORMERS: dict[str, Former] = {
    "JH-PC:secretary": Former(datetime.date(2016, 10, 20), datetime.date(2021, 10, 31), "调任"),
    "JH-C01-DC:secretary": Former(datetime.date(2016, 9, 18), datetime.date(2021, 10, 7), "退休"),
    "JH-C01-PC:member2": Former(datetime.date(2021, 10, 8), datetime.date(2024, 2, 29), "调任"),
    "JH-C01-K01-PC:secretary": Former(
        datetime.date(2019, 5, 10), datetime.date(2024, 2, 29), "调任"
    ),
    "JH-C01-K02-PC:member2": Former(
        datetime.date(2021, 9, 10), datetime.date(2023, 6, 30), "交流任职"
    ),
    "JH-C01-K01-T01-PC:secretary": Former(
        datetime.date(2016, 7, 1), datetime.date(2022, 12, 31), "退休"
    ),
    "JH-C03-PC:deputy1": Former(datetime.date(2021, 10, 8), datetime.date(2023, 8, 31), "调任"),
    "JH-C02-K02-DC:secretary": Former(
        datetime.date(2018, 1, 5), datetime.date(2022, 5, 31), "退休"
    ),
    "JH-D01-ST1:leader": Former(datetime.date(2018, 3, 1), datetime.date(2023, 1, 15), "轮岗交流"),
}
# Posts held by a person already specified for an earlier post (post key -> earlier key):
# county 1's former secretary is city 1's organisation minister from 2024-03-01.
SAME_PERSON_AS = {"JH-C01-K01-PC:secretary:former": "JH-C01-PC:member2"}

# Login accounts -> the post whose holder they are ("admin" has none).
ACCOUNTS: dict[str, str | None] = {
    "admin": None,
    "prov_secretary": "JH-PC:secretary",
    "prov_jw": "JH-DC:secretary",
    "city1_secretary": "JH-C01-PC:secretary",
    "city1_jw": "JH-C01-DC:secretary",
    "county1_secretary": "JH-C01-K01-PC:secretary",
    "county1_member": "JH-C01-K01-PC:member5",
    "county1_jw": "JH-C01-K01-DC:officer1",
    "county1_jw_secretary": "JH-C01-K01-DC:secretary",
    "county2_secretary": "JH-C01-K02-PC:secretary",
    "county1_zzb": "JH-C01-K01-PC:zzb",
}


class _SpecBuilder:
    def __init__(self) -> None:
        self.spec = DemoSpec()
        self.names = NameMaker(DEMO_NAME_SEED)
        self.rng = random.Random(DEMO_NAME_SEED + 1)
        self.person_by_post: dict[str, str] = {}

    # rows
    def org(self, code: str, name: str, kind: str, parent: str | None) -> str:
        self.spec.orgs.append(OrgSpec(code, name, kind, parent))
        return code

    def body(self, code: str, org: str, kind: str, name: str, **extra) -> str:
        self.spec.bodies.append(BodySpec(code, org, kind, name, **extra))
        return code

    def person(self) -> str:
        code = f"P{len(self.spec.people) + 1:06d}"
        name, gender = self.names.person()
        self.spec.people.append(PersonSpec(code, name, gender))
        return code

    def person_for(self, key: str) -> str:
        if key in SAME_PERSON_AS:
            return self.person_by_post[SAME_PERSON_AS[key]]
        return self.person()

    def post(
        self,
        body: str,
        slot: str,
        role: str,
        title: str,
        start: datetime.date,
        *,
        org: str | None = None,
        portfolios: Sequence[str] = (),
    ) -> None:
        key = f"{body}:{slot}"
        org = org or body.rsplit("-", 1)[0]
        former = FORMERS.get(key)
        if former is not None:
            former_key = f"{key}:former"
            self.person_by_post[former_key] = self.person_for(former_key)
            self.spec.posts.append(
                PostSpec(
                    key=former_key,
                    person=self.person_by_post[former_key],
                    body=body,
                    org=org,
                    role=role,
                    title=title,
                    start=former.start,
                    end=former.end,
                    end_reason=former.reason,
                    portfolios=tuple(portfolios),
                )
            )
            start = former.end + datetime.timedelta(days=1)
        person = self.person_by_post[key] = self.person_for(key)
        self.spec.posts.append(
            PostSpec(key, person, body, org, role, title, start, portfolios=tuple(portfolios))
        )

    def jitter(self, day: datetime.date, days: int) -> datetime.date:
        return day + datetime.timedelta(days=self.rng.randint(0, days))

    # units
    def party_unit(
        self,
        code: str,
        full_name: str,
        words: Words | None,
        level: str,
        *,
        working: bool = False,
        township: str = "",
    ) -> None:
        """A unit's committee and discipline body with every post filled."""
        start = LEVEL_START[level]
        committee = self.body(
            f"{code}-PC",
            code,
            B.WORKING_COMMITTEE if working else B.PARTY_COMMITTEE,
            f"中共{full_name}{'工作委员会' if working else '委员会'}",
        )
        if township:  # 镇 / 乡 / 街道
            self._township_posts(code, full_name, committee, start, working, township)
            return
        assert words is not None
        self.body(f"{code}-DC", code, B.DISCIPLINE_COMMISSION, f"{full_name}纪委监委")
        self._territorial_posts(code, committee, words, start)

    def _township_posts(
        self,
        code: str,
        full_name: str,
        committee: str,
        start: datetime.date,
        working: bool,
        township: str,
    ) -> None:
        """镇 / 乡 / 街道: the discipline (work) committee and the posts of both bodies."""
        self.body(
            f"{code}-DC",
            code,
            B.DISCIPLINE_WORK_COMMITTEE if working else B.DISCIPLINE_COMMISSION,
            f"{full_name}{'纪工委' if working else '纪委'}",
        )
        party = "党工委" if working else "党委"
        head = "办事处主任" if working else f"{township}长"
        deputy_head = "办事处副主任" if working else f"副{township}长"
        prefix = "街道" if working else township
        self.post(committee, "secretary", R.SECRETARY, f"{prefix}{party}书记", start)
        self.post(committee, "deputy1", R.DEPUTY_SECRETARY, f"{prefix}{party}副书记、{head}", start)
        self.post(committee, "deputy2", R.DEPUTY_SECRETARY, f"{prefix}{party}副书记", start)
        members = (
            (f"{party}委员、组织委员", ("组织",)),
            (f"{party}委员、{deputy_head}", ("农业农村", "城乡建设")),
            (f"{party}委员、宣传委员", ("宣传",)),
        )
        for number, (title, portfolios) in enumerate(members, 1):
            self.post(
                committee,
                f"member{number}",
                R.TEAM_MEMBER,
                f"{prefix}{title}",
                self.jitter(start, 60),
                portfolios=portfolios,
            )
        self.post(committee, "clerk", R.CLERK, "党政综合办公室党风廉政建设联络员", start)
        discipline = f"{code}-DC"
        jw = "纪工委" if working else "纪委"
        self.post(discipline, "secretary", R.DISCIPLINE_SECRETARY, f"{prefix}{jw}书记", start)
        self.post(
            discipline,
            "officer1",
            R.DISCIPLINE_OFFICER,
            f"{prefix}{jw}副书记",
            self.jitter(start, 90),
        )

    def _territorial_posts(self, code: str, committee: str, w: Words, start: datetime.date) -> None:
        """County and above: committee posts, then the discipline commission's."""
        self.post(committee, "secretary", R.SECRETARY, f"{w.committee}书记", start)
        self.post(committee, "deputy1", R.DEPUTY_SECRETARY, f"{w.committee}副书记、{w.head}", start)
        self.post(committee, "deputy2", R.DEPUTY_SECRETARY, f"{w.committee}副书记", start)
        for number, (template, portfolios) in enumerate(MEMBER_POSTS, 1):
            title = w.committee + template.format(head=w.head, deputy_head=w.deputy_head)
            self.post(
                committee,
                f"member{number}",
                R.TEAM_MEMBER,
                title,
                self.jitter(start, 45),
                portfolios=portfolios,
            )
        self.post(
            committee,
            "clerk",
            R.CLERK,
            f"{w.office}副主任(党风廉政建设联络员)",
            self.jitter(start, 120),
        )
        discipline = f"{code}-DC"
        self.post(
            discipline,
            "secretary",
            R.DISCIPLINE_SECRETARY,
            f"{w.short}纪委书记、{w.short}监委主任",
            start,
        )
        self.post(
            discipline,
            "officer1",
            R.DISCIPLINE_OFFICER,
            f"{w.short}纪委副书记、{w.short}监委副主任",
            self.jitter(start, 90),
        )
        self.post(
            discipline,
            "officer2",
            R.DISCIPLINE_OFFICER,
            f"{w.short}纪委常委、第一监督检查室主任",
            self.jitter(start, 180),
        )

    def department(
        self, parent: str, prefix: str, suffix: str, name: str, head: str, portfolios
    ) -> str:
        code = self.org(f"{parent}-{suffix}", f"{prefix}{name}", K.DEPARTMENT, parent)
        group = self.body(f"{code}-PG", code, B.PARTY_LEADERSHIP_GROUP, f"中共{prefix}{name}党组")
        start = self.jitter(datetime.date(2020, 3, 1), 900)
        self.post(group, "secretary", R.SECRETARY, f"党组书记、{head}", start)
        for number, member_portfolios in enumerate(portfolios, 1):
            self.post(
                group,
                f"member{number}",
                R.TEAM_MEMBER,
                f"党组成员、副{head}",
                self.jitter(start, 300),
                portfolios=member_portfolios,
            )
        self.post(group, "clerk", R.CLERK, "机关党委专职副书记(联络员)", self.jitter(start, 200))
        return code

    def stationed_team(self, code: str, name: str, sent_by: str, stationed_in: tuple[str, ...]):
        self.body(
            code,
            stationed_in[0],
            B.STATIONED_DISCIPLINE_TEAM,
            name,
            sent_by=sent_by,
            stationed_in=stationed_in,
        )
        start = self.jitter(datetime.date(2019, 12, 1), 400)
        self.post(code, "leader", R.STATIONED_TEAM_LEADER, "组长", start, org=stationed_in[0])
        self.post(
            code,
            "officer1",
            R.DISCIPLINE_OFFICER,
            "副组长",
            self.jitter(start, 200),
            org=stationed_in[0],
        )


def demo_spec() -> DemoSpec:
    """The whole demo province as plain data. Pure: the same result on every call."""
    b = _SpecBuilder()
    province = b.org("JH", PROVINCE_NAME, K.PROVINCE, None)
    b.party_unit(province, PROVINCE_NAME, PROVINCE_WORDS, "province")
    for suffix, name, head, portfolios in PROVINCE_DEPARTMENTS:
        b.department(province, PROVINCE_NAME, suffix, name, head, portfolios)
    for code, short, stationed_in in PROVINCE_STATIONED:
        b.stationed_team(code, f"{PROVINCE_NAME}纪委监委驻{short}纪检监察组", "JH-DC", stationed_in)

    for city_suffix, city_name, counties in CITIES:
        city = b.org(f"JH-{city_suffix}", city_name, K.CITY, province)
        b.party_unit(city, city_name, CITY_WORDS, "city")
        departments = [
            b.department(city, city_name, suffix, name, head, portfolios)
            for suffix, name, head, portfolios in CITY_DEPARTMENTS
        ]
        b.stationed_team(
            f"{departments[0]}-ST1",
            f"{city_name}纪委监委派驻第一纪检监察组",
            f"{city}-DC",
            tuple(departments),
        )
        for county_suffix, county_name, is_district, townships in counties:
            county = b.org(f"{city}-{county_suffix}", county_name, K.COUNTY, city)
            full = f"{city_name}{county_name}" if is_district else county_name
            b.party_unit(county, full, DISTRICT_WORDS if is_district else COUNTY_WORDS, "county")
            departments = [
                b.department(county, full, suffix, name, head, portfolios)
                for suffix, name, head, portfolios in COUNTY_DEPARTMENTS
            ]
            b.stationed_team(
                f"{departments[0]}-ST1",
                f"{full}纪委监委派驻第一纪检监察组",
                f"{county}-DC",
                tuple(departments),
            )
            for number, township_name in enumerate(townships, 1):
                is_street = township_name.endswith("街道")
                kind = K.STREET if is_street else K.TOWNSHIP
                township = b.org(f"{county}-T{number:02d}", township_name, kind, county)
                b.party_unit(
                    township,
                    f"{full}{township_name}",
                    None,
                    "township",
                    working=is_street,
                    township=township_name[-1],
                )
    # County 1's organisation department (组织部, issue 16), added last so that every earlier
    # demo name stays as it was.
    b.post(
        "JH-C01-K01-PC",
        "zzb",
        R.ORG_DEPARTMENT,
        "东溪县委组织部干部监督科科长",
        LEVEL_START["county"],
    )
    return b.spec


# --- The demo province: writing it ----------------------------------------------------------


@dataclass
class DemoTree:
    """Handles to the seeded rows by stable code (see the module docstring)."""

    orgs: dict[str, Organization] = field(default_factory=dict)
    bodies: dict[str, Body] = field(default_factory=dict)
    people: dict[str, Person] = field(default_factory=dict)
    tenures: dict[str, Tenure] = field(default_factory=dict)  # by post key
    users: dict[str, AbstractUser] = field(default_factory=dict)  # by username

    def org(self, code: str) -> Organization:
        return self.orgs[code]

    def body(self, code: str) -> Body:
        return self.bodies[code]

    def tenure(self, key: str) -> Tenure:
        return self.tenures[key]

    @property
    def province(self) -> Organization:
        return self.orgs["JH"]

    @property
    def city1(self) -> Organization:
        return self.orgs["JH-C01"]

    @property
    def county1(self) -> Organization:
        return self.orgs["JH-C01-K01"]

    @property
    def county2(self) -> Organization:
        return self.orgs["JH-C01-K02"]


@dataclass
class DemoContext:
    password: str
    reset_passwords: bool = False
    log: Log = quiet
    tree: DemoTree = field(default_factory=DemoTree)
    created: Counter = field(default_factory=Counter)


def seed_org_tree(ctx: DemoContext) -> DemoTree:
    """Create whatever of `demo_spec()` is missing, through the services; return handles."""
    spec = demo_spec()
    tree, created = ctx.tree, ctx.created
    orgs = _ensure_orgs(spec, created)
    bodies = _ensure_bodies(spec, orgs, created)
    people = Person.objects.in_bulk([p.code for p in spec.people], field_name="code")
    for p in spec.people:
        if p.code not in people:
            people[p.code] = Person.objects.create(code=p.code, name=p.name, gender=p.gender)
            created["people"] += 1
    tenure_ids = _ensure_tenures(spec, orgs, bodies, people, created)

    # Fresh handles (supervising bodies were filled in after the organisations were created).
    tree.orgs.update(Organization.objects.in_bulk([o.code for o in spec.orgs], field_name="code"))
    tree.bodies.update(Body.objects.in_bulk([b.code for b in spec.bodies], field_name="code"))
    tree.people.update(Person.objects.in_bulk([p.code for p in spec.people], field_name="code"))
    by_id = Tenure.objects.select_related("person", "org", "body").in_bulk(tenure_ids.values())
    tree.tenures.update({key: by_id[pk] for key, pk in tenure_ids.items()})
    return tree


def _ensure_orgs(spec, created) -> dict[str, Organization]:
    orgs = Organization.objects.in_bulk([o.code for o in spec.orgs], field_name="code")
    for o in spec.orgs:
        if o.code not in orgs:
            orgs[o.code] = services.create_organization(
                code=o.code,
                name=o.name,
                kind=o.kind,
                parent=orgs[o.parent] if o.parent else None,
                actor=DEMO,
            )
            created["organisations"] += 1
    return orgs


def _ensure_bodies(spec, orgs: dict[str, Organization], created) -> dict[str, Body]:
    bodies = Body.objects.in_bulk([b.code for b in spec.bodies], field_name="code")
    for b in spec.bodies:
        if b.code not in bodies:
            bodies[b.code] = services.create_body(
                code=b.code,
                org=orgs[b.org],
                kind=b.kind,
                name=b.name,
                sent_by=bodies[b.sent_by] if b.sent_by else None,
                stationed_in=[orgs[code] for code in b.stationed_in],
                actor=DEMO,
            )
            created["bodies"] += 1
    return bodies


def _ensure_tenures(spec, orgs, bodies, people, created) -> dict[str, int]:
    """Appoint every post of the spec not held yet; the tenure id of each post key."""
    existing = {
        (t.person_id, t.body_id, t.role, t.start_date): t
        for t in Tenure.objects.filter(person__in=list(people.values()))
    }
    portfolios: dict[tuple[int, str], Portfolio] = {
        (p.org_id, p.name): p
        for p in Portfolio.objects.filter(org__in=[orgs[o.code] for o in spec.orgs])
    }

    def portfolio(org: Organization, name: str) -> Portfolio:
        if (org.pk, name) not in portfolios:
            portfolios[org.pk, name] = services.get_or_create_portfolio(org, name, actor=DEMO)
            created["portfolios"] += 1
        return portfolios[org.pk, name]

    tenure_ids: dict[str, int] = {}
    for post in spec.posts:
        person, body, org = people[post.person], bodies[post.body], orgs[post.org]
        tenure = existing.get((person.pk, body.pk, post.role, post.start))
        if tenure is None:
            tenure = services.appoint(
                person=person,
                body=body,
                org=org,
                role=post.role,
                title=post.title,
                start_date=post.start,
                end_date=post.end,
                end_reason=post.end_reason,
                portfolios=[portfolio(org, name) for name in post.portfolios],
                actor=DEMO,
            )
            created["tenures"] += 1
        tenure_ids[post.key] = tenure.pk
    return tenure_ids


def seed_accounts(ctx: DemoContext) -> dict[str, AbstractUser]:
    """The demo logins, each linked to the holder of its post; passwords set on creation only."""
    user_model = get_user_model()
    tree, created = ctx.tree, ctx.created
    existing = user_model.objects.in_bulk(list(ACCOUNTS), field_name="username")
    for username, post_key in ACCOUNTS.items():
        user = existing.get(username)
        if user is None:
            if post_key is None:
                user = user_model.objects.create_superuser(username, "", ctx.password)
            else:
                user = user_model.objects.create_user(username, password=ctx.password)
            created["accounts"] += 1
        elif ctx.reset_passwords:
            user.set_password(ctx.password)
            user.save(update_fields=["password"])
            created["passwords reset"] += 1
        if post_key is None and not (user.is_superuser and user.is_staff):
            user.is_superuser = user.is_staff = True
            user.save(update_fields=["is_superuser", "is_staff"])
        tree.users[username] = user
        if post_key is None:
            continue
        person = tree.tenures[post_key].person
        if person.user_id == user.pk:
            continue
        other = Person.objects.filter(user=user).first()
        if person.user_id is not None or other is not None:
            ctx.log(f"  注意: 账号 {username} 未关联 {person.name}({person.code}), 已有其他关联。")
            continue
        person.user = user
        person.save(update_fields=["user"])
    return tree.users


def step_org_tree(ctx: DemoContext) -> None:
    """Province, cities, counties, townships, departments, bodies, people and tenures."""
    seed_org_tree(ctx)


def step_accounts(ctx: DemoContext) -> None:
    """The login accounts (ACCOUNTS)."""
    seed_accounts(ctx)


# --- Scale trees: bulk path -----------------------------------------------------------------


@dataclass(frozen=True)
class ScaleShape:
    """Fan-out of a synthetic province. Every number must stay below 100 (two-digit codes)."""

    cities: int
    counties_per_city: int
    departments_per_county: int
    townships_per_county: int
    villages_per_township: int
    former_every: int = 10  # every n-th post also gets an ended predecessor tenure

    @property
    def org_count(self) -> int:
        counties = self.cities * self.counties_per_city
        townships = counties * self.townships_per_county
        return (
            1
            + self.cities
            + counties * (1 + self.departments_per_county)
            + townships * (1 + self.villages_per_township)
        )


SCALE_SHAPES: dict[str, ScaleShape] = {
    # ≈ 2,000 organisations, ≈ 10,000 people and tenures
    "city": ScaleShape(
        cities=2,
        counties_per_city=8,
        departments_per_county=4,
        townships_per_county=15,
        villages_per_township=7,
    ),
    # ≈ 20,000 organisations, ≈ 100,000 people and tenures
    "province": ScaleShape(
        cities=16,
        counties_per_city=10,
        departments_per_county=4,
        townships_per_county=15,
        villages_per_township=7,
    ),
}

BATCH_SIZE = 2000
SCALE_START = datetime.date(2021, 6, 1)

PLACE_FIRST = "青白清云龙凤金银石松柳桃梅兰竹荷枫杏梨桂新安平永长丰广宏华鹤双三东西南北中上下"
PLACE_SECOND = "山川河湖溪江岭峰岗坪桥林园塘湾洲源泉沟坝口庄集店营屯台"

# Posts per kind of unit: (body slot, role, title, portfolio names).
_Post = tuple[str, str, str, tuple[str, ...]]
_LEADERSHIP: tuple[_Post, ...] = (
    ("committee", R.SECRETARY, "书记", ()),
    ("committee", R.DEPUTY_SECRETARY, "副书记、行政首长", ()),
    ("committee", R.DEPUTY_SECRETARY, "专职副书记", ()),
    ("committee", R.TEAM_MEMBER, "常委、常务副职", ("财政", "发展改革")),
    ("committee", R.TEAM_MEMBER, "常委、组织部部长", ("组织",)),
    ("committee", R.TEAM_MEMBER, "常委、宣传部部长", ("宣传",)),
    ("committee", R.TEAM_MEMBER, "常委、副职", ("教育", "卫生健康")),
    ("committee", R.CLERK, "党风廉政建设联络员", ()),
    ("discipline", R.DISCIPLINE_SECRETARY, "纪委书记、监委主任", ()),
    ("discipline", R.DISCIPLINE_OFFICER, "纪委副书记", ()),
    ("discipline", R.DISCIPLINE_OFFICER, "监督检查室主任", ()),
)
SCALE_POSTS: dict[str, tuple[_Post, ...]] = {
    K.PROVINCE: _LEADERSHIP,
    K.CITY: _LEADERSHIP,
    K.COUNTY: _LEADERSHIP
    + (
        ("stationed", R.STATIONED_TEAM_LEADER, "派驻纪检监察组组长", ()),
        ("stationed", R.DISCIPLINE_OFFICER, "派驻纪检监察组副组长", ()),
        ("committee", R.ORG_DEPARTMENT, "组织部干部监督科科长", ()),  # issue 16
    ),
    K.DEPARTMENT: (
        ("committee", R.SECRETARY, "党组书记、局长", ()),
        ("committee", R.TEAM_MEMBER, "党组成员、副局长", ("业务一",)),
        ("committee", R.TEAM_MEMBER, "党组成员、副局长", ("业务二",)),
        ("committee", R.CLERK, "联络员", ()),
    ),
    K.TOWNSHIP: (
        ("committee", R.SECRETARY, "党委书记", ()),
        ("committee", R.DEPUTY_SECRETARY, "党委副书记、镇长", ()),
        ("committee", R.TEAM_MEMBER, "党委委员、组织委员", ("组织",)),
        ("committee", R.TEAM_MEMBER, "党委委员、副镇长", ("农业农村", "城乡建设")),
        ("committee", R.CLERK, "联络员", ()),
        ("discipline", R.DISCIPLINE_SECRETARY, "纪委书记", ()),
        ("discipline", R.DISCIPLINE_OFFICER, "纪委副书记", ()),
    ),
    K.VILLAGE: (
        ("committee", R.SECRETARY, "村党组织书记", ()),
        ("committee", R.DEPUTY_SECRETARY, "村党组织副书记", ()),
        ("committee", R.TEAM_MEMBER, "村党组织委员", ()),
        ("committee", R.TEAM_MEMBER, "村党组织委员", ()),
    ),
}
_SUFFIX = {K.CITY: "市", K.COUNTY: "县", K.TOWNSHIP: "镇", K.VILLAGE: "村"}
BODY_SUFFIX = {B.PARTY_LEADERSHIP_GROUP: "党组", B.BRANCH: "支部委员会"}


class ScaleOrg(NamedTuple):
    id: int
    code: str
    name: str
    kind: str
    path: str
    parent_id: int | None


class ScaleTenure(NamedTuple):
    id: int
    person_id: int
    org_id: int
    org_path: str
    body_id: int
    role: str
    start_date: datetime.date
    end_date: datetime.date | None


@dataclass
class ScaleTree:
    label: str
    shape: ScaleShape
    root: Organization | None = None
    orgs: list[ScaleOrg] = field(default_factory=list)
    # org id -> {"committee": body id, "discipline": …, "stationed": …}
    bodies: dict[int, dict[str, int]] = field(default_factory=dict)
    tenures: list[ScaleTenure] = field(default_factory=list)

    @property
    def root_code(self) -> str:
        return f"SCALE-{self.label}"


@dataclass
class ScaleContext:
    tree: ScaleTree
    log: Log = quiet
    rng: random.Random = field(default_factory=lambda: random.Random(20260302))
    batch_size: int = BATCH_SIZE
    created: Counter = field(default_factory=Counter)


def _batches(items: Sequence, size: int) -> Iterator[Sequence]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _place(rng: random.Random, kind: str) -> str:
    return rng.choice(PLACE_FIRST) + rng.choice(PLACE_SECOND) + _SUFFIX.get(kind, "")


def scale_org_tree(ctx: ScaleContext) -> None:
    """Organisations, level by level (paths computed here, one bulk insert per batch)."""
    tree, shape, rng = ctx.tree, ctx.tree.shape, ctx.rng
    root = services.create_organization(
        code=tree.root_code, name=f"规模测试省({tree.label})", kind=K.PROVINCE, actor=DEMO
    )
    tree.root = root
    ctx.created["organisations"] += 1
    tree.orgs.append(ScaleOrg(root.pk, root.code, root.name, root.kind, root.path, None))

    def level(parents: list[ScaleOrg], children: Callable[[ScaleOrg], Iterable[tuple]]):
        rows = []
        for parent in parents:
            for number, (suffix, kind, name) in enumerate(children(parent), 1):
                path = parent.path + path_segment(number)
                rows.append(
                    Organization(
                        code=f"{parent.code}{'-' if parent.parent_id is None else ''}{suffix}",
                        name=name,
                        kind=kind,
                        parent_id=parent.id,
                        path=path,
                        depth=len(path) // SEGMENT,
                    )
                )
        made = []
        for batch in _batches(rows, ctx.batch_size):
            for org in Organization.objects.bulk_create(batch):
                made.append(ScaleOrg(org.pk, org.code, org.name, org.kind, org.path, org.parent_id))
        tree.orgs.extend(made)
        ctx.created["organisations"] += len(made)
        return made

    def county_children(parent: ScaleOrg):
        for d in range(1, shape.departments_per_county + 1):
            yield f"D{d:02d}", K.DEPARTMENT, f"{parent.name}第{d}局"
        for t in range(1, shape.townships_per_county + 1):
            yield f"T{t:02d}", K.TOWNSHIP, _place(rng, K.TOWNSHIP)

    cities = level(
        [tree.orgs[0]],
        lambda p: ((f"C{c:02d}", K.CITY, _place(rng, K.CITY)) for c in range(1, shape.cities + 1)),
    )
    counties = level(
        cities,
        lambda p: (
            (f"K{k:02d}", K.COUNTY, _place(rng, K.COUNTY))
            for k in range(1, shape.counties_per_city + 1)
        ),
    )
    below = level(counties, county_children)
    townships = [o for o in below if o.kind == K.TOWNSHIP]
    level(
        townships,
        lambda p: (
            (f"V{v:02d}", K.VILLAGE, _place(rng, K.VILLAGE))
            for v in range(1, shape.villages_per_township + 1)
        ),
    )
    ctx.log(f"    {len(tree.orgs)} 个组织")


def scale_bodies(ctx: ScaleContext) -> None:
    """Committees and Party groups, discipline commissions, stationed teams, portfolios."""
    bodies, portfolios = _scale_unit_bodies(ctx)
    teams = _scale_stationed_teams(ctx)
    Portfolio.objects.bulk_create(portfolios, batch_size=ctx.batch_size)
    ctx.created["portfolios"] += len(portfolios)
    ctx.log(f"    {bodies + teams} 个机构, {len(portfolios)} 个分管领域")


def _scale_unit_bodies(ctx: ScaleContext) -> tuple[int, list[Portfolio]]:
    """Each unit's committee (and commission); the portfolios its posts hold, not yet saved."""
    tree = ctx.tree
    committee_kind = {K.DEPARTMENT: B.PARTY_LEADERSHIP_GROUP, K.VILLAGE: B.BRANCH}
    with_commission = {K.PROVINCE, K.CITY, K.COUNTY, K.TOWNSHIP}
    rows: list[tuple[int, str, Body]] = []
    portfolios: list[Portfolio] = []
    for org in tree.orgs:
        kind = committee_kind.get(org.kind, B.PARTY_COMMITTEE)
        rows.append(
            (
                org.id,
                "committee",
                Body(
                    code=f"{org.code}-PC",
                    org_id=org.id,
                    org_path=org.path,
                    kind=kind,
                    name=f"中共{org.name}{BODY_SUFFIX.get(kind, '委员会')}",
                ),
            )
        )
        if org.kind in with_commission:
            rows.append(
                (
                    org.id,
                    "discipline",
                    Body(
                        code=f"{org.code}-DC",
                        org_id=org.id,
                        org_path=org.path,
                        kind=B.DISCIPLINE_COMMISSION,
                        name=f"{org.name}纪委监委",
                    ),
                )
            )
        held = {name for *_, post_names in SCALE_POSTS[org.kind] for name in post_names}
        portfolios.extend(Portfolio(org_id=org.id, org_path=org.path, name=n) for n in held)
    for batch in _batches(rows, ctx.batch_size):
        made = Body.objects.bulk_create([body for _, _, body in batch])
        for (org_id, slot, _), body in zip(batch, made, strict=True):
            tree.bodies.setdefault(org_id, {})[slot] = body.pk
    ctx.created["bodies"] += len(rows)
    return len(rows), portfolios


def _scale_stationed_teams(ctx: ScaleContext) -> int:
    """One stationed team per county, sent by the county commission, in all its departments."""
    tree = ctx.tree
    departments: dict[int, list[ScaleOrg]] = {}
    for org in tree.orgs:
        if org.kind == K.DEPARTMENT:
            departments.setdefault(org.parent_id, []).append(org)
    teams: list[tuple[list[ScaleOrg], Body]] = []
    for org in tree.orgs:
        if org.kind == K.COUNTY and departments.get(org.id):
            lead = departments[org.id][0]
            teams.append(
                (
                    departments[org.id],
                    Body(
                        code=f"{org.code}-ST1",
                        org_id=lead.id,
                        org_path=lead.path,
                        kind=B.STATIONED_DISCIPLINE_TEAM,
                        name=f"{org.name}纪委监委派驻第一纪检监察组",
                        sent_by_id=tree.bodies[org.id]["discipline"],
                    ),
                )
            )
    through = Body.stationed_in.through
    links = []
    for batch in _batches(teams, ctx.batch_size):
        made = Body.objects.bulk_create([team for _, team in batch])
        for (stationed_in, _), team in zip(batch, made, strict=True):
            for dept in stationed_in:
                # The team's posts sit in its lead department (like the demo province).
                tree.bodies.setdefault(dept.parent_id, {})["stationed"] = team.pk
                links.append(through(body_id=team.pk, organization_id=dept.id))
    through.objects.bulk_create(links, batch_size=ctx.batch_size)
    ctx.created["bodies"] += len(teams)
    return len(teams)


def scale_people_and_tenures(ctx: ScaleContext) -> None:
    """People and tenures (one person per post; every n-th post has an ended predecessor)."""
    _load_people_and_tenures(ctx, _plan_tenures(ctx))
    ctx.log(f"    {ctx.created['people']} 人, {ctx.created['tenures']} 条任职")


def _plan_tenures(ctx: ScaleContext) -> list[tuple]:
    """Every tenure to create: (org, body id, role, title, portfolios, start, end, reason)."""
    tree, rng, shape = ctx.tree, ctx.rng, ctx.tree.shape
    departments_lead: dict[int, int] = {}  # county id -> lead department id of its team
    for org in tree.orgs:
        if org.kind == K.DEPARTMENT and org.parent_id not in departments_lead:
            departments_lead[org.parent_id] = org.id
    orgs_by_id = {org.id: org for org in tree.orgs}

    # Plan every tenure first: (org, body id, role, title, portfolios, start, end, reason).
    plans: list[tuple] = []
    counter = 0
    for org in tree.orgs:
        for slot, role, title, portfolio_names in SCALE_POSTS[org.kind]:
            if slot not in tree.bodies[org.id]:
                continue  # e.g. no stationed team in a county without departments
            body_id = tree.bodies[org.id][slot]
            post_org = org
            if slot == "stationed":
                post_org = orgs_by_id[departments_lead[org.id]]
            start = SCALE_START + datetime.timedelta(days=rng.randint(0, 900))
            counter += 1
            if shape.former_every and counter % shape.former_every == 0:
                former_start = start - datetime.timedelta(days=rng.randint(400, 2000))
                former_end = start - datetime.timedelta(days=1)
                reason = rng.choice(("调任", "退休", "交流任职", "免职"))
                plans.append(
                    (
                        post_org,
                        body_id,
                        role,
                        title,
                        portfolio_names,
                        former_start,
                        former_end,
                        reason,
                    )
                )
            plans.append((post_org, body_id, role, title, portfolio_names, start, None, ""))
    return plans


def _load_people_and_tenures(ctx: ScaleContext, plans: list[tuple]) -> None:
    """One person per planned tenure, the tenures and their portfolios, in batches."""
    tree = ctx.tree
    names = NameMaker(f"scale:{tree.label}", unique=False)
    portfolio_ids = {
        (org_id, name): pk
        for pk, org_id, name in Portfolio.objects.filter(
            org_path__startswith=tree.root.path
        ).values_list("pk", "org_id", "name")
    }
    through = Tenure.portfolios.through
    number = 0
    for batch in _batches(plans, ctx.batch_size):
        people = []
        for _ in batch:
            number += 1
            name, gender = names.person()
            people.append(Person(code=f"{tree.root_code}-P{number:07d}", name=name, gender=gender))
        people = Person.objects.bulk_create(people)
        tenures = [
            Tenure(
                person_id=person.pk,
                org_id=org.id,
                org_path=org.path,
                body_id=body_id,
                role=role,
                title=title,
                start_date=start,
                end_date=end,
                end_reason=reason,
            )
            for person, (org, body_id, role, title, _, start, end, reason) in zip(
                people, batch, strict=True
            )
        ]
        tenures = Tenure.objects.bulk_create(tenures)
        links = [
            through(tenure_id=tenure.pk, portfolio_id=portfolio_ids[tenure.org_id, name])
            for tenure, plan in zip(tenures, batch, strict=True)
            for name in plan[4]
        ]
        through.objects.bulk_create(links)
        tree.tenures.extend(
            ScaleTenure(
                t.pk, t.person_id, t.org_id, t.org_path, t.body_id, t.role, t.start_date, t.end_date
            )
            for t in tenures
        )
        ctx.created["people"] += len(people)
        ctx.created["tenures"] += len(tenures)


def scale_supervising_bodies(ctx: ScaleContext) -> None:
    """Each organisation's supervising discipline body (services.refresh_supervising_bodies)."""
    changed = services.refresh_supervising_bodies(ctx.tree.root)
    ctx.log(f"    {changed} 个组织已设置监督机构")
