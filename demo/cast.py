"""The fixed test cast (design.md §4), built through the services like real data.

One province, two cities, two counties under the first city, a township under county 1,
and a provincial department with a stationed discipline team. Every test module uses it.
"""

import datetime
import functools
from dataclasses import dataclass

from django.contrib.auth import get_user_model

from liangge_zeren.actors import DEMO
from responsibilities import services
from responsibilities.models import Body, Organization, Person, Tenure

START = datetime.date(2021, 6, 1)
HANDOVER = datetime.date(2024, 3, 1)  # county 1 changed secretary on this date

USERNAMES = (
    "prov_secretary",
    "prov_jw",
    "city1_secretary",
    "city1_jw",
    "county1_secretary",
    "county1_member",
    "county1_jw",
    "county2_secretary",
    "stationed_leader",
    "county1_former",
    "outsider",
)


@dataclass
class Cast:
    province: Organization
    city1: Organization
    city2: Organization
    county1: Organization
    county2: Organization
    township1: Organization
    department: Organization
    bodies: dict
    tenures: dict
    users: dict
    people: dict

    def user(self, name: str):
        return self.users[name]


def _user(username: str, password: str):
    user_model = get_user_model()
    user = user_model.objects.filter(username=username).first()
    if user is None:
        user = user_model.objects.create_user(username=username, password=password)
    return user


def build_cast(password: str = "cast-password-2026") -> Cast:
    units = _cast_orgs()
    bodies = _cast_bodies(units)
    people, tenures, users = _cast_posts(bodies, password)
    users["outsider"] = _user("outsider", password)
    for unit in units.values():
        unit.refresh_from_db()  # supervising_body was set after creation
    return Cast(**units, bodies=bodies, tenures=tenures, users=users, people=people)


def _cast_orgs() -> dict[str, Organization]:
    """The seven units, keyed by their Cast field name."""
    org = functools.partial(services.create_organization, actor=DEMO)
    K = Organization.Kind
    province = org(code="T-P", name="测试省", kind=K.PROVINCE)
    city1 = org(code="T-C1", name="一号市", kind=K.CITY, parent=province)
    city2 = org(code="T-C2", name="二号市", kind=K.CITY, parent=province)
    county1 = org(code="T-K1", name="一号县", kind=K.COUNTY, parent=city1)
    county2 = org(code="T-K2", name="二号县", kind=K.COUNTY, parent=city1)
    township1 = org(code="T-X1", name="一号镇", kind=K.TOWNSHIP, parent=county1)
    department = org(code="T-D1", name="测试省教育厅", kind=K.DEPARTMENT, parent=province)
    return {
        "province": province,
        "city1": city1,
        "city2": city2,
        "county1": county1,
        "county2": county2,
        "township1": township1,
        "department": department,
    }


def _cast_bodies(units: dict[str, Organization]) -> dict[str, Body]:
    """Committee and discipline commission of each territorial unit; the department's party
    leadership group and its stationed discipline team."""
    bodies = {}
    for field_name, label in (
        ("province", "省"),
        ("city1", "一号市"),
        ("city2", "二号市"),
        ("county1", "一号县"),
        ("county2", "二号县"),
        ("township1", "一号镇"),
    ):
        unit = units[field_name]
        bodies[f"{unit.code}:committee"] = services.create_body(
            code=f"{unit.code}-PC",
            org=unit,
            kind=Body.Kind.PARTY_COMMITTEE,
            name=f"中共{label}委员会",
            actor=DEMO,
        )
        bodies[f"{unit.code}:discipline"] = services.create_body(
            code=f"{unit.code}-DC",
            org=unit,
            kind=Body.Kind.DISCIPLINE_COMMISSION,
            name=f"{label}纪委监委",
            actor=DEMO,
        )
    department = units["department"]
    bodies["T-D1:committee"] = services.create_body(
        code="T-D1-PG",
        org=department,
        kind=Body.Kind.PARTY_LEADERSHIP_GROUP,
        name="中共测试省教育厅党组",
        actor=DEMO,
    )
    bodies["T-D1:stationed"] = services.create_body(
        code="T-D1-ST",
        org=department,
        kind=Body.Kind.STATIONED_DISCIPLINE_TEAM,
        name="省纪委监委驻省教育厅纪检监察组",
        sent_by=bodies["T-P:discipline"],
        stationed_in=[department],
        actor=DEMO,
    )
    return bodies


_R = Tenure.Role
# (key, name, body, role, extra): extra may set start, end, username and portfolios.
_POSTS: tuple[tuple[str, str, str, str, dict], ...] = (
    ("prov_secretary", "王建国", "T-P:committee", _R.SECRETARY, {"username": "prov_secretary"}),
    ("prov_jw", "李正清", "T-P:discipline", _R.DISCIPLINE_SECRETARY, {"username": "prov_jw"}),
    (
        "city1_secretary",
        "张志远",
        "T-C1:committee",
        _R.SECRETARY,
        {"username": "city1_secretary"},
    ),
    ("city1_jw", "赵明德", "T-C1:discipline", _R.DISCIPLINE_SECRETARY, {"username": "city1_jw"}),
    (
        "county1_former",
        "孙立民",
        "T-K1:committee",
        _R.SECRETARY,
        {"end": HANDOVER - datetime.timedelta(days=1), "username": "county1_former"},
    ),
    (
        "county1_secretary",
        "刘海涛",
        "T-K1:committee",
        _R.SECRETARY,
        {"start": HANDOVER, "username": "county1_secretary"},
    ),
    (
        "county1_member",
        "陈晓梅",
        "T-K1:committee",
        _R.TEAM_MEMBER,
        {"username": "county1_member", "portfolios": ["教育", "卫生健康"]},
    ),
    ("county1_jw", "周文斌", "T-K1:discipline", _R.DISCIPLINE_OFFICER, {"username": "county1_jw"}),
    (
        "county2_secretary",
        "吴国华",
        "T-K2:committee",
        _R.SECRETARY,
        {"username": "county2_secretary"},
    ),
    (
        "stationed_leader",
        "郑秀兰",
        "T-D1:stationed",
        _R.STATIONED_TEAM_LEADER,
        {"username": "stationed_leader"},
    ),
    ("department_secretary", "黄德胜", "T-D1:committee", _R.SECRETARY, {}),
    ("township1_secretary", "冯建军", "T-X1:committee", _R.SECRETARY, {}),
)


def _cast_posts(bodies: dict[str, Body], password: str) -> tuple[dict, dict, dict]:
    """The cast's people, their tenures and their logins, in _POSTS order."""
    people: dict[str, Person] = {}
    tenures: dict[str, Tenure] = {}
    users: dict = {}
    for key, name, body_key, role, extra in _POSTS:
        person = Person.objects.create(code=f"T-{key}", name=name)
        username = extra.get("username")
        if username:
            users[username] = _user(username, password)
            person.user = users[username]
            person.save()
        body = bodies[body_key]
        tenures[key] = services.appoint(
            person=person,
            body=body,
            role=role,
            start_date=extra.get("start", START),
            end_date=extra.get("end"),
            portfolios=[
                services.get_or_create_portfolio(body.org, p, actor=DEMO)
                for p in extra.get("portfolios", ())
            ],
            actor=DEMO,
        )
        people[key] = person
    return people, tenures, users
