"""Responsibility roles as the regulations define them (R9, R19a) — the one table.

Which roles a target may bear depends on the channel and on the kind of target:

- 问责 (问责条例 2019 art.6): a Party organisation's leadership team bears 全面领导责任;
  leaders bear 主要领导责任 or 重要领导责任. 问责 has no "direct" role (the direct wrongdoer is a
  disciplinary matter) and no person bears 全面领导责任.
- 纪律处分 (纪律处分条例 2023 art.39): 直接责任者, 主要领导责任者, 重要领导责任者; no 全面领导责任.

The forms offer `role_choices(channel, target_type)`; the services call `check_role(...)`,
which refuses any other role with the rule's name. `ResponsibilityKind.SUPERVISORY` is not a
role of either channel (监督责任 is *what* failed, not a tier): it stays a choice of the column
only so that rows stored before these rules still display.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accountability.models import AccountabilityTarget, Channel, ResponsibilityKind
from liangge_zeren.workflow import refuse

RK = ResponsibilityKind
ORG = AccountabilityTarget.TargetType.ORG
PERSON = AccountabilityTarget.TargetType.PERSON

# (channel, target type) → the roles in the order the forms offer them, and the rule that says so.
VALID_ROLES: dict[tuple[str, str], tuple[tuple[str, ...], Any]] = {
    (Channel.PARTY_ACCOUNTABILITY, ORG): (
        (RK.OVERALL,),
        gettext_lazy("问责条例第六条:党组织领导班子承担全面领导责任"),
    ),
    (Channel.PARTY_ACCOUNTABILITY, PERSON): (
        (RK.PRIMARY, RK.IMPORTANT),
        gettext_lazy(
            "问责条例第六条:领导干部承担主要领导责任或重要领导责任"
            "(全面领导责任由领导班子集体承担;问责不认定直接责任,直接责任者依纪律处分条例处理)"
        ),
    ),
    (Channel.PARTY_DISCIPLINE, PERSON): (
        (RK.DIRECT, RK.PRIMARY, RK.IMPORTANT),
        gettext_lazy(
            "纪律处分条例第三十九条:责任者分为直接责任者、主要领导责任者和重要领导责任者"
            "(没有全面领导责任)"
        ),
    ),
}

# The disciplinary wording of the same roles (…者).
DISCIPLINARY_LABELS = {
    RK.DIRECT: gettext_lazy("直接责任者"),
    RK.PRIMARY: gettext_lazy("主要领导责任者"),
    RK.IMPORTANT: gettext_lazy("重要领导责任者"),
}


def valid_roles(channel: str, target_type: str) -> tuple[str, ...]:
    entry = VALID_ROLES.get((channel, target_type))
    return entry[0] if entry else ()


def role_label(channel: str, kind: str) -> str:
    if channel == Channel.PARTY_DISCIPLINE and kind in DISCIPLINARY_LABELS:
        return str(DISCIPLINARY_LABELS[RK(kind)])
    return str(RK(kind).label)


def role_choices(channel: str, target_type: str) -> list[tuple[str, str]]:
    """What a form offers: the valid roles only, in the regulation's wording."""
    return [(kind, role_label(channel, kind)) for kind in valid_roles(channel, target_type)]


def check_role(channel: str, target_type: str, kind: str) -> None:
    """Refuse a role the channel does not know for this kind of target, naming the rule."""
    entry = VALID_ROLES.get((channel, target_type))
    if entry is None:
        refuse(_("该渠道不对此类对象认定责任类型。"))
    roles, rule = entry
    if kind not in roles:
        label = role_label(channel, kind) if kind in RK.values else (kind or "—")
        refuse(_("%(rule)s;不能认定为「%(label)s」。") % {"rule": rule, "label": label})
