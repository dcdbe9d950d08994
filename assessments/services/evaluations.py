"""Evaluation inputs of a unit's quarter: democratic evaluations (anonymous ballots, one vote
each) and the tallies, questionnaires, interviews and scores the superior enters."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments.authority import may_vote
from assessments.models import Ballot, EvaluationInput, EvaluationRound, VoterToken
from assessments.workflows import EVALUATION_ROUND_FLOW
from liangge_zeren.actors import Actor, actor_user, write_service
from liangge_zeren.concurrency import lock_current
from responsibilities.models import Organization


@write_service
def open_round(
    *, actor: Actor, org: Organization, year: int, quarter: int, title: str
) -> EvaluationRound:
    return EvaluationRound.objects.create(
        org=org,
        org_path=org.path,
        year=year,
        quarter=quarter,
        title=title,
        created_by=actor_user(actor),
    )


@write_service
def close_round(round_: EvaluationRound, *, actor: Actor) -> EvaluationRound:
    """End the voting; the ballots cast count from the next computation of the quarter."""
    lock_current(round_, "status")
    EVALUATION_ROUND_FLOW.move(round_, "close", actor)
    round_.save(update_fields=["status"])
    return round_


@write_service
def cast_ballot(round_: EvaluationRound, *, actor: Actor, grade: str) -> None:
    """One vote per voter: the token insert fails on a second vote and rolls the ballot back.

    The ballot carries no voter, no time, and a random key; the token only records that the
    voter voted (and the day).
    """
    lock_current(round_, "status")
    voter = actor_user(actor)
    if voter is None or not may_vote(voter, round_):
        raise PermissionDenied
    try:
        with transaction.atomic():
            VoterToken.objects.create(round=round_, voter=voter, voted_on=timezone.localdate())
    except IntegrityError as exc:
        raise ValidationError(_("您已参加过本次民主测评。")) from exc
    ballot = Ballot(round=round_, grade=grade)
    ballot.full_clean()
    ballot.save()


@write_service
def record_input(
    *,
    actor: Actor,
    org: Organization,
    year: int,
    quarter: int,
    kind: str,
    values: dict[str, Any],
    note: str = "",
) -> EvaluationInput:
    """An input for the quarter; a published result is not affected (it never changes)."""
    row = EvaluationInput(
        org=org,
        org_path=org.path,
        year=year,
        quarter=quarter,
        kind=kind,
        values=values,
        note=note,
        entered_by=actor_user(actor),
    )
    row.full_clean()
    row.save()
    return row
