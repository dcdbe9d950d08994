"""回避: recording a conflict declaration on an accountability or a disciplinary case.

The case's handlers may declare anyone; a person who sees the case may declare themself.
What a declaration excludes is enforced by the other services (accountability/recusal.py).
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from accountability.models import AccountabilityCase, ConflictDeclaration, DisciplinaryCase
from accountability.recusal import AnyCase, actor_people
from accountability.workflows import CHANGE_CASE, CHANGE_DISCIPLINARY
from liangge_zeren.actors import Actor, actor_user, is_system, write_service
from liangge_zeren.workflow import refuse
from responsibilities.models import Person

DECLARE = "accountability.declare_conflict"
DECLARE_DISCIPLINARY = "accountability.declare_disciplinary_conflict"


def may_declare_for_others(actor: Any, case: AnyCase) -> bool:
    if is_system(actor):
        return True
    change = CHANGE_DISCIPLINARY if isinstance(case, DisciplinaryCase) else CHANGE_CASE
    return bool(actor.has_perm(change, case))


def may_declare_self(actor: Any, case: AnyCase) -> bool:
    perm = DECLARE_DISCIPLINARY if isinstance(case, DisciplinaryCase) else DECLARE
    return bool(actor.has_perm(perm, case))


def _check_inputs(reason: str, detail: str) -> None:
    if reason not in ConflictDeclaration.Reason.values:
        refuse(_("请选择回避事由。"))
    if reason == ConflictDeclaration.Reason.OTHER and len(detail) < 5:
        refuse(_("回避事由为“其他”的,须写明具体情况(不少于5个字)。"))


@write_service
def declare_conflict(
    case: AnyCase, *, actor: Actor, person: Person, reason: str, detail: str = ""
) -> ConflictDeclaration:
    """Record that `person` must stand aside from `case` (with the reason)."""
    detail = (detail or "").strip()
    _check_inputs(reason, detail)
    if not may_declare_for_others(actor, case) and not (
        may_declare_self(actor, case) and person in actor_people(actor)
    ):
        refuse(_("只有本案承办人员或回避人员本人可以申报回避。"))
    declaration = ConflictDeclaration(
        org=case.org,
        org_path=case.org_path,
        person=person,
        reason=reason,
        detail=detail,
        declared_by=actor_user(actor),
    )
    if isinstance(case, AccountabilityCase):
        declaration.case = case
        existing = ConflictDeclaration.objects.filter(person=person, case=case)
    else:
        declaration.disciplinary_case = case
        existing = ConflictDeclaration.objects.filter(person=person, disciplinary_case=case)
    if existing.exists():
        refuse(_("%(name)s已申报回避。") % {"name": person.name})
    declaration.save()
    return declaration
