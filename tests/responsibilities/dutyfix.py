"""Fixtures for lists, logs and letters, built on the fixed cast through the services."""

import datetime
from dataclasses import dataclass

import pytest
from django.utils import timezone

from liangge_zeren.actors import COMMAND
from responsibilities import duty_logs, lists, services
from responsibilities.models import (
    ActionType,
    ItemAssignment,
    Person,
    ResponsibilityItem,
    ResponsibilityList,
    Tenure,
)

RL = ResponsibilityList
Freq = ResponsibilityItem.Frequency
Cat = ResponsibilityItem.Category

TEMPLATE_TEXTS = [
    "每年至少召开两次党委常委会会议专题研究党风廉政建设工作,分析形势,部署任务。",
    "党委书记每季度至少听取一次班子成员履行一岗双责情况汇报,及时指出问题。",
    "每年组织开展一次党风廉政建设责任制落实情况专项检查,并通报检查结果。",
]


@dataclass
class Duty:
    cast: object
    year: int
    template: ResponsibilityList
    county1_list: ResponsibilityList
    county2_list: ResponsibilityList
    member_list: ResponsibilityList
    items: dict
    tenures: dict

    def tenure(self, key) -> Tenure:
        return self.cast.tenures[key]


def build_duty(cast) -> Duty:
    year = timezone.localdate().year
    t = cast.tenures
    prov, sec1, sec2 = (
        cast.user(k) for k in ("prov_secretary", "county1_secretary", "county2_secretary")
    )
    member_user = cast.user("county1_member")
    template = lists.create_list(
        org=cast.province,
        year=year,
        subject_type=RL.SubjectType.COMMITTEE_COLLECTIVE,
        title="测试省党委主体责任清单模板",
        is_template=True,
        actor=prov,
    )
    for text in TEMPLATE_TEXTS:
        lists.add_item(template, actor=prov, content=text, category=Cat.POLITICAL)
    adopted = lists.issue_template(
        template, [cast.county1, cast.county2], actor=prov, by=t["prov_secretary"]
    )
    county1_list, county2_list = adopted
    lists.acknowledge_list(county1_list, actor=sec1)
    c1 = list(county1_list.items.order_by("number"))
    # County 1 localises two clauses and adds its own item; the third stays verbatim.
    lists.update_item(
        c1[0],
        actor=sec1,
        content="县委常委会每半年专题研究一次农村集体“三资”监管中的廉政风险,形成会议纪要。",
    )
    lists.update_item(
        c1[1],
        actor=sec1,
        content="县委书记每季度约谈乡镇党委书记,听取履行主体责任情况并现场点评。",
        frequency=Freq.QUARTERLY,
    )
    own = lists.add_item(
        county1_list,
        actor=sec1,
        content="每年对县管国有企业开展一次“一把手”权力运行专项督查。",
        category=Cat.SUPERVISION,
        is_mandatory=False,
        reason="本县自选动作",
    )
    lists.put_in_force(county1_list, actor=sec1)
    lists.acknowledge_list(county2_list, actor=sec2)
    lists.put_in_force(county2_list, actor=sec2)

    secretary, member = t["county1_secretary"], t["county1_member"]
    lists.set_item_owners(c1[0], actor=sec1, leads=[secretary], co_owners=[member])
    # Overlap: two leads on the same clause; gap: c1[2] has no lead.
    lists.set_item_owners(c1[1], actor=sec1, leads=[secretary, member], co_owners=[])
    lists.set_item_owners(own, actor=sec1, leads=[secretary], co_owners=[])

    member_list = lists.create_list(
        org=cast.county1,
        year=year,
        subject_type=RL.SubjectType.TEAM_MEMBER,
        subject_tenure=member,
        title="陈晓梅一岗双责清单",
        actor=sec1,
    )
    education = member.portfolios.get(name="教育")
    talk = lists.add_item(
        member_list,
        actor=sec1,
        content="每季度至少与分管教育系统主要负责人开展一次廉政谈话。",
        category=Cat.CONDUCT,
        required_action_type=ActionType.TALK,
        frequency=Freq.QUARTERLY,
        min_count=1,
        portfolio=education,
    )
    visit = lists.add_item(
        member_list,
        actor=sec1,
        content="每年到分管领域开展不少于两次党风廉政建设督导检查。",
        category=Cat.SUPERVISION,
        required_action_type=ActionType.SUPERVISION_VISIT,
        frequency=Freq.ANNUAL,
        min_count=2,
        portfolio=education,
    )
    lists.issue_list(member_list, actor=sec1, by=secretary)
    lists.acknowledge_list(member_list, actor=member_user)
    lists.put_in_force(member_list, actor=sec1)
    for item in (talk, visit, *c1, own):
        item.refresh_from_db()
    return Duty(
        cast=cast,
        year=year,
        template=template,
        county1_list=county1_list,
        county2_list=county2_list,
        member_list=member_list,
        items={
            "c1_localised": c1[0],
            "c1_overlap": c1[1],
            "c1_gap": c1[2],
            "c1_own": own,
            "talk": talk,
            "visit": visit,
        },
        tenures=t,
    )


@pytest.fixture
def duty(cast):
    return build_duty(cast)


def make_log(duty, tenure_key="county1_member", items=("talk", "visit"), submit=True, **extra):
    fields = {
        "action_type": ActionType.TALK,
        "occurred_on": timezone.localdate(),
        "title": "与县教育局党组书记廉政谈话",
        "summary": "通报教育系统廉政风险点,提出整改要求。",
        "talk_type": "reminder",
        "talk_target": "县教育局党组书记",
    }
    fields.update(extra)
    return duty_logs.create_log(
        actor=duty.cast.user(tenure_key),
        tenure=duty.tenure(tenure_key),
        items=[duty.items[k] for k in items],
        submit=submit,
        **fields,
    )


def end_and_replace(cast, key, name, day=None):
    """End a tenure and appoint a successor in the same body and role (for letters)."""
    day = day or timezone.localdate()
    old = cast.tenures[key]
    services.end_tenure(old, day - datetime.timedelta(days=1), "调任", actor=COMMAND)
    person = Person.objects.create(code=f"T-{key}-next", name=name)
    return services.appoint(
        person=person,
        body=old.body,
        role=old.role,
        start_date=day,
        portfolios=list(old.portfolios.all()),
        actor=COMMAND,
    )


__all__ = ["ItemAssignment", "build_duty", "duty", "end_and_replace", "make_log"]
