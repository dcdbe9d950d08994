"""签字背书 (R27): a waiver (不予/免予问责) and a 一案双查 conclusion are signed by the
secretary of the concluding commission (纪委书记; for a stationed team its 组长), or by the
officer acting as head — a discipline post in that commission whose title says 主持工作.

The services record the signer's tenure from the acting user; nobody else may sign.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _

from liangge_zeren.actors import actor_user
from liangge_zeren.workflow import refuse
from responsibilities.models import Body, Tenure

HEAD_ROLES = (Tenure.Role.DISCIPLINE_SECRETARY, Tenure.Role.STATIONED_TEAM_LEADER)
ACTING_MARK = "主持工作"  # in a post's title: the officer acting as head


# The posts that may sign for a commission (as a filter on its tenures).
SIGNING_POSTS = Q(role__in=HEAD_ROLES) | Q(
    role__in=Tenure.DISCIPLINE_ROLES, title__contains=ACTING_MARK
)


def signing_tenure(actor: Any, body: Body, day: datetime.date) -> Tenure | None:
    """The actor's post that may sign for `body` on `day` (None: they may not sign)."""
    user = actor_user(actor)
    if user is None:
        return None
    return (
        Tenure.objects.held_on(day)
        .filter(SIGNING_POSTS, body=body, person__user=user)
        .select_related("person")
        .order_by("role", "pk")
        .first()
    )


def signer_for(actor: Any, body: Body, day: datetime.date) -> Tenure:
    """The actor's tenure that signs for `body`, or a refusal naming the rule."""
    tenure = signing_tenure(actor, body, day)
    if tenure is None:
        refuse(
            _("签字背书:须由%(body)s的纪委书记(派驻组组长)或主持工作的负责人本人签字确认(R27)。")
            % {"body": body.name}
        )
    return tenure
