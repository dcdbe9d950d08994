"""Evaluation inputs of a unit's quarter: democratic evaluations (a roll chosen by the
organiser, anonymous ballots with a grade for the team and one per team member, one vote each
— by account or by a one-time code) and the tallies, questionnaires, interviews and scores the
superior enters.

Anonymity: a ballot and its marks carry no voter, no time and random keys; a voter token says
*that* an account holder voted (and the day); a voting code is stored as a keyed hash with no
roll entry and no time, and its use is marked in the ballot's transaction. The audit chain
records a vote as an anonymous `vote_cast` on the round (security/business_audit.py).
"""

from __future__ import annotations

import random
import secrets
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments import selectors
from assessments.authority import roll_refusal, vote_refusal
from assessments.models import (
    Ballot,
    BallotMark,
    EvaluationInput,
    EvaluationRound,
    Grade,
    RollEntry,
    VoterToken,
    VotingCode,
)
from assessments.workflows import EVALUATION_ROUND_FLOW
from liangge_zeren.actors import Actor, actor_user, system_actor, write_service
from liangge_zeren.concurrency import lock_current
from responsibilities.models import Organization, Person
from security.business_audit import note_bulk
from security.tokens import keyed_code_hash, new_short_code

# The actor of a vote cast with a one-time code (no account, no person).
CODE_VOTER = system_actor("vote_code", "投票码投票")
CODE_LENGTH = 8
CODE_HASH_PURPOSE = "assessments.voting-code"
MAX_CODES_PER_BATCH = 500


def code_hash(code: str) -> str:
    return keyed_code_hash(CODE_HASH_PURPOSE, code)


@write_service
def open_round(
    *,
    actor: Actor,
    org: Organization,
    year: int,
    quarter: int,
    title: str,
    min_turnout: Decimal | None = None,
) -> EvaluationRound:
    """A new evaluation of the unit's team; its roll is chosen next (add_to_roll)."""
    round_ = EvaluationRound(
        org=org,
        org_path=org.path,
        year=year,
        quarter=quarter,
        title=title,
        min_turnout=min_turnout,
        created_by=actor_user(actor),
    )
    if min_turnout is not None and not (0 < min_turnout <= 1):
        raise ValidationError(_("最低参评率应在 1% 到 100% 之间。"))
    round_.save()
    return round_


@write_service
def close_round(round_: EvaluationRound, *, actor: Actor) -> EvaluationRound:
    """End the voting; the ballots cast count from the next computation of the quarter."""
    lock_current(round_, "status")
    EVALUATION_ROUND_FLOW.move(round_, "close", actor)
    round_.save(update_fields=["status"])
    return round_


def _require_open(round_: EvaluationRound, action: str = "vote") -> None:
    refusal = EVALUATION_ROUND_FLOW.refusal(round_, action)
    if refusal is not None:
        raise ValidationError(refusal)


@write_service
def add_to_roll(round_: EvaluationRound, *, actor: Actor, people: Iterable[Person]) -> int:
    """Put people of the unit on the roll (all or none: a superior or an outsider is refused
    with the reason); those already on it are left as they are. Returns how many were added."""
    lock_current(round_, "status")
    _require_open(round_)
    people = list(people)
    refusals = [r for r in (roll_refusal(p, round_) for p in people) if r]
    if refusals:
        raise ValidationError(refusals)
    have = set(
        RollEntry.objects.filter(round=round_, person__in=people).values_list(
            "person_id", flat=True
        )
    )
    added = 0
    for person in people:
        if person.pk in have:
            continue
        RollEntry.objects.create(round=round_, person=person, name=person.name)
        have.add(person.pk)
        added += 1
    return added


@write_service
def add_representative(
    round_: EvaluationRound, *, actor: Actor, name: str, note: str = ""
) -> RollEntry:
    """An invited representative (特邀代表): a name and a note, no account; votes with a code."""
    lock_current(round_, "status")
    _require_open(round_)
    name, note = (name or "").strip(), (note or "").strip()
    if not name:
        raise ValidationError(_("请填写特邀代表的姓名。"))
    entry = RollEntry(round=round_, name=name, note=note)
    entry.full_clean()
    entry.save()
    return entry


@write_service
def remove_from_roll(entry: RollEntry, *, actor: Actor) -> None:
    """Take someone off the roll before they vote (not once a code was printed for them)."""
    round_ = entry.round
    lock_current(round_, "status")
    _require_open(round_)
    if entry.code_issued:
        raise ValidationError(_("已为%(name)s打印投票码, 不能再移出名单。") % {"name": entry})
    if (
        entry.person_id
        and VoterToken.objects.filter(round=round_, voter__person=entry.person_id).exists()
    ):
        raise ValidationError(_("%(name)s已投票, 不能再移出名单。") % {"name": entry})
    entry.delete()


@write_service
def issue_codes(
    round_: EvaluationRound, *, actor: Actor, entries: Iterable[RollEntry]
) -> list[str]:
    """One one-time code per roll entry, returned once (for the print sheet) in random order.

    Only the codes' keyed hashes are stored, with no link to the entries: the entries only
    learn that a code was printed for them (so they cannot also vote by account, nor get a
    second code). An evaluated team member gets no code (their ballot leaves out their own
    line, which a code cannot know); they vote with their account."""
    lock_current(round_, "status")
    _require_open(round_)
    entries = list(
        # of=self: the person is an outer join (a representative has none), which PostgreSQL
        # cannot lock; the entries are what must not be issued twice.
        RollEntry.objects.select_for_update(of=("self",))
        .filter(round=round_, pk__in=[e.pk for e in entries])
        .select_related("person")
    )
    if not entries:
        raise ValidationError(_("请选择要发放投票码的参评人员。"))
    if len(entries) > MAX_CODES_PER_BATCH:
        raise ValidationError(_("每次最多发放 %(n)d 个投票码。") % {"n": MAX_CODES_PER_BATCH})
    subjects = {p.pk for p in selectors.evaluated_people(round_)}
    voted = set(VoterToken.objects.filter(round=round_).values_list("voter__person", flat=True))
    problems = []
    for entry in entries:
        if entry.code_issued:
            problems.append(_("%(name)s已领取过投票码。") % {"name": entry})
        elif entry.person_id in subjects:
            problems.append(
                _("%(name)s是被测评人, 请使用账号投票(其本人一栏不参加测评)。") % {"name": entry}
            )
        elif entry.person_id and entry.person_id in voted:
            problems.append(_("%(name)s已用账号投票。") % {"name": entry})
    if problems:
        raise ValidationError(problems)
    codes = _new_codes(len(entries))
    VotingCode.objects.bulk_create(
        [VotingCode(round=round_, code_hash=code_hash(code)) for code in codes]
    )
    note_bulk(
        VotingCode,
        None,
        {"issued": len(codes)},
        label=round_.title,
        org_path=round_.org_path,
        key=f"round:{round_.pk}",
    )
    for entry in entries:
        entry.code_issued = True
        entry.save(update_fields=["code_issued"])
    # The sheet's order says nothing about the order of the entries.
    random.SystemRandom().shuffle(codes)
    return codes


def _new_codes(n: int) -> list[str]:
    codes: set[str] = set()
    while len(codes) < n:
        code = new_short_code(CODE_LENGTH)
        if not VotingCode.objects.filter(code_hash=code_hash(code)).exists():
            codes.add(code)
    return list(codes)


def _record_ballot(
    round_: EvaluationRound, grade: str, marks: dict[int, str], subject_ids: set[int]
) -> None:
    """The anonymous ballot and its marks: one grade per evaluated person in `subject_ids`,
    exactly (a missing or extra line is refused, nothing silently dropped)."""
    if grade not in Grade.values:
        raise ValidationError(_("请选择对领导班子的总体评价。"))
    if set(marks) != subject_ids:
        raise ValidationError(_("请对每位被测评的班子成员作出评价。"))
    if any(g not in Grade.values for g in marks.values()):
        raise ValidationError(_("评价选项无效。"))
    ballot = Ballot(round=round_, grade=grade)
    ballot.full_clean()
    ballot.save()
    # Random keys and a shuffled order: the marks say nothing about when they were written.
    items = list(marks.items())
    secrets.SystemRandom().shuffle(items)
    for subject_id, mark in items:
        BallotMark(ballot=ballot, subject_id=subject_id, grade=mark).save()


@write_service
def cast_ballot(
    round_: EvaluationRound,
    *,
    actor: Actor,
    grade: str,
    marks: dict[int, str] | None = None,
) -> None:
    """A vote by account: one per voter on the roll (the token insert fails on a second vote
    and rolls the ballot back). `marks` grades each evaluated person but the voter.

    The ballot carries no voter, no time, and a random key; the token only records that the
    voter voted (and the day).
    """
    lock_current(round_, "status")
    voter = actor_user(actor)
    if voter is None:
        raise PermissionDenied
    refusal = vote_refusal(voter, round_)
    if refusal is not None:
        raise PermissionDenied(refusal)
    try:
        with transaction.atomic():
            VoterToken.objects.create(round=round_, voter=voter, voted_on=timezone.localdate())
    except IntegrityError as exc:
        raise ValidationError(_("您已参加过本次民主测评。")) from exc
    subject_ids = {p.pk for p in selectors.evaluated_people(round_, excluding_user=voter)}
    _record_ballot(round_, grade, marks or {}, subject_ids)


def code_round(code: str) -> EvaluationRound | None:
    """The round of an unused code (for the ballot form), or None."""
    found = (
        VotingCode.objects.filter(code_hash=code_hash(code), used=False)
        .select_related("round__org")
        .first()
    )
    return found.round if found else None


@write_service
def cast_code_ballot(*, actor: Actor, code: str, grade: str, marks: dict[int, str]) -> None:
    """A vote with a one-time code: the code is marked used in the ballot's transaction (a
    second use, even concurrent, finds it used and is refused)."""
    found = (
        VotingCode.objects.select_for_update()
        .filter(code_hash=code_hash(code), used=False)
        .select_related("round")
        .first()
    )
    if found is None:
        raise ValidationError(_("投票码无效或已使用。"))
    round_ = found.round
    lock_current(round_, "status")
    _require_open(round_)
    found.used = True
    found.save(update_fields=["used"])
    subject_ids = {p.pk for p in selectors.evaluated_people(round_)}
    _record_ballot(round_, grade, marks, subject_ids)


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
