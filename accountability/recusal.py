"""回避 (recusal) and "a body never decides on itself" (domain.md "Authority in practice").

Nobody may approve, sit on the investigation team of, hear or decide a case in which they
are a target (the subject of a disciplinary case), or where they declared — or were
declared to have — a conflict (`ConflictDeclaration`). A Party organisation held to account
in a case is never that case's deciding body.

Reads and refusals only: the services call `refuse_recused` / `refuse_recused_actor` /
`refuse_self_decision`, and the forms drop the same people with `without_recused`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from accountability.models import (
    AccountabilityCase,
    AccountabilityTarget,
    ConflictDeclaration,
    DisciplinaryCase,
)
from liangge_zeren.actors import actor_user
from liangge_zeren.workflow import refuse
from responsibilities.models import Body, Person

AnyCase = AccountabilityCase | DisciplinaryCase


def _declarations(case: AnyCase) -> QuerySet[ConflictDeclaration]:
    if isinstance(case, DisciplinaryCase):
        return ConflictDeclaration.objects.filter(disciplinary_case=case)
    return ConflictDeclaration.objects.filter(case=case)


def recusal_reasons(case: AnyCase) -> dict[int, str]:
    """Person id → why they must stand aside (two queries at most)."""
    reasons: dict[int, str] = {}
    for pk, label in _declarations(case).values_list("person_id", "reason"):
        reasons[pk] = _("已申报回避(%(reason)s)") % {
            "reason": ConflictDeclaration.Reason(label).label
        }
    if isinstance(case, DisciplinaryCase):
        reasons[case.subject_person_id] = _("本案被审查人")
    else:
        for pk in case.targets.exclude(person=None).values_list("person_id", flat=True):
            reasons[pk] = _("本案问责对象")
    return reasons


def recused_ids(case: AnyCase) -> set[int]:
    return set(recusal_reasons(case))


def without_recused(qs: QuerySet[Any], case: AnyCase, person_lookup: str = "pk") -> QuerySet[Any]:
    """The form's choices less everyone who must stand aside."""
    return qs.exclude(**{f"{person_lookup}__in": recused_ids(case)})


def refuse_recused(case: AnyCase, people: Iterable[Person], duty: str) -> None:
    """Refuse when any of `people` must stand aside from `duty` (e.g. "担任批准人")."""
    reasons = recusal_reasons(case)
    for person in people:
        if person.pk in reasons:
            refuse(
                _("回避:%(name)s系%(reason)s,不得%(duty)s。")
                % {"name": person.name, "reason": reasons[person.pk], "duty": duty}
            )


def actor_people(actor: Any) -> list[Person]:
    user = actor_user(actor)
    if user is None:
        return []
    return list(Person.objects.filter(user=user))


def refuse_recused_actor(case: AnyCase, actor: Any, duty: str) -> None:
    """The acting user may not handle a case they must stand aside from."""
    refuse_recused(case, actor_people(actor), duty)


def target_bodies(case: AccountabilityCase) -> set[int]:
    return set(
        case.targets.filter(target_type=AccountabilityTarget.TargetType.ORG)
        .exclude(target_body=None)
        .values_list("target_body_id", flat=True)
    )


def refuse_self_decision(case: AccountabilityCase, body: Body) -> None:
    """A body never decides on itself: not when it is a Party organisation held to account
    in the case."""
    if body.pk in target_bodies(case):
        refuse(
            _("回避:%(body)s是本案被问责的党组织,不得对自身作出问责决定。") % {"body": body.name}
        )
