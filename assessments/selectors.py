"""Reads of assessments for pages, jobs and the roll-up: which units are assessed, the
snapshot list and a snapshot's page, democratic evaluations (roll, turnout, results)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import Count, Exists, F, IntegerField, OuterRef, QuerySet, Subquery, Window
from django.db.models.functions import Coalesce, Rank
from django.utils.translation import gettext as _

from assessments.models import (
    AssessmentSnapshot,
    Ballot,
    BallotMark,
    EvaluationInput,
    EvaluationRound,
    Grade,
    Indicator,
    ManualAdjustment,
    RollEntry,
    VoterToken,
    VotingCode,
)
from liangge_zeren.lookups import ids_in
from responsibilities.models import Body, Organization, Person, Tenure

BALLOTS_PREVIEW = 20
PERIODS_SHOWN = 12


def assessed_orgs() -> QuerySet[Organization]:
    """Active units with a Party committee or group of their own."""
    return Organization.objects.filter(
        is_active=True, bodies__kind__in=list(Body.COMMITTEE_KINDS), bodies__is_active=True
    ).distinct()


def visible_snapshots(user: Any) -> QuerySet[AssessmentSnapshot]:
    return AssessmentSnapshot.objects.visible_to(user)


def latest_period(snapshots: QuerySet[AssessmentSnapshot]) -> tuple[int, int] | None:
    return snapshots.order_by("-year", "-quarter").values_list("year", "quarter").first()


def recent_periods(snapshots: QuerySet[AssessmentSnapshot]) -> list[tuple[int, int]]:
    return list(
        snapshots.order_by("-year", "-quarter")
        .values_list("year", "quarter")
        .distinct()[:PERIODS_SHOWN]
    )


def quarter_snapshots(
    snapshots: QuerySet[AssessmentSnapshot],
    year: int,
    quarter: int,
    *,
    light: str = "",
    ranked: bool = False,
) -> QuerySet[AssessmentSnapshot]:
    """A quarter's snapshots in tree order, or ranked by total (R31: only where allowed)."""
    qs = snapshots.filter(year=year, quarter=quarter).select_related("org")
    if light in ("red", "yellow", "green"):
        qs = qs.filter(traffic_light=light)
    if ranked:
        return qs.annotate(rank=Window(Rank(), order_by=F("total").desc())).order_by(
            "-total", "org_path"
        )
    return qs.order_by("org_path")


def ballots_open_for(user: Any) -> list[EvaluationRound]:
    """Democratic evaluations the user may still vote in (one query): open rounds with the
    user on the roll, without a printed code, not yet voted (authority.vote_refusal, as a
    query)."""
    if user.is_superuser:
        return []
    on_roll = RollEntry.objects.filter(round=OuterRef("pk"), person__user=user, code_issued=False)
    return list(
        EvaluationRound.objects.filter(status=EvaluationRound.Status.OPEN)
        .filter(Exists(on_roll))
        .exclude(Exists(VoterToken.objects.filter(round=OuterRef("pk"), voter=user)))
        .order_by("org_path")[:BALLOTS_PREVIEW]
    )


# --- Democratic evaluations: who is evaluated, the roll, turnout, results -----------------

EVALUATED_ROLES = (
    Tenure.Role.SECRETARY,
    Tenure.Role.DEPUTY_SECRETARY,
    Tenure.Role.TEAM_MEMBER,
    Tenure.Role.DISCIPLINE_SECRETARY,
)


def evaluated_people(round_: EvaluationRound, *, excluding_user: Any = None) -> list[Person]:
    """The team members the round evaluates (current posts in the unit: secretary, deputies,
    members, the discipline secretary), in that order; without the voter's own line."""
    tenures = (
        Tenure.objects.current()
        .filter(org_id=round_.org_id, role__in=EVALUATED_ROLES)
        .select_related("person")
        .order_by("start_date", "pk")
    )
    people: dict[int, tuple[int, Person]] = {}
    for tenure in tenures:
        rank = EVALUATED_ROLES.index(tenure.role)
        if tenure.person_id not in people or rank < people[tenure.person_id][0]:
            people[tenure.person_id] = (rank, tenure.person)
    own = getattr(excluding_user, "pk", None)
    return [
        person
        for _rank, person in sorted(people.values(), key=lambda rp: (rp[0], rp[1].name))
        if own is None or person.user_id != own
    ]


def min_turnout(round_: EvaluationRound) -> Decimal:
    if round_.min_turnout is not None:
        return Decimal(round_.min_turnout)
    return Decimal(str(settings.EVALUATION_MIN_TURNOUT))


def min_group() -> int:
    return int(settings.EVALUATION_MIN_GROUP)


@dataclass
class Turnout:
    roll: int
    account_votes: int
    codes_issued: int
    codes_used: int

    @property
    def voted(self) -> int:
        return self.account_votes + self.codes_used

    @property
    def ratio(self) -> Decimal | None:
        return Decimal(self.voted) / self.roll if self.roll else None

    @property
    def percent(self) -> str:
        ratio = self.ratio
        return "—" if ratio is None else f"{ratio * 100:.0f}%"


def turnout(round_: EvaluationRound) -> Turnout:
    """Counts only (one query): never who voted what."""
    row = (
        EvaluationRound.objects.filter(pk=round_.pk)
        .annotate(
            roll_n=_count_of(RollEntry.objects),
            votes_n=_count_of(VoterToken.objects),
            issued_n=_count_of(VotingCode.objects),
            used_n=_count_of(VotingCode.objects.filter(used=True)),
        )
        .values_list("roll_n", "votes_n", "issued_n", "used_n")
        .get()
    )
    return Turnout(*row)


def _count_of(rows: Any) -> Any:
    """The number of `rows` of the outer round, as a subquery (0 when none)."""
    return Coalesce(
        Subquery(
            rows.filter(round=OuterRef("pk"))
            .order_by()
            .values("round")
            .annotate(n=Count("pk"))
            .values("n")[:1],
            output_field=IntegerField(),
        ),
        0,
    )


def roll(round_: EvaluationRound) -> QuerySet[RollEntry]:
    return RollEntry.objects.filter(round=round_).select_related("person").order_by("name", "pk")


def roll_candidates(round_: EvaluationRound) -> QuerySet[Person]:
    """People holding a current post in the unit or below it, not yet on the roll (the path
    index, one query)."""
    on_roll = RollEntry.objects.filter(round=round_, person=OuterRef("pk"))
    return (
        Person.objects.filter(
            is_active=True,
            pk__in=Tenure.objects.current()
            .filter(org__path__startswith=round_.org_path)
            .values("person_id"),
        )
        .exclude(Exists(on_roll))
        .order_by("name", "code")
    )


def valid_rounds(rounds: QuerySet[EvaluationRound]) -> dict[int, int]:
    """{round id: ballots} of the closed rounds among `rounds` whose turnout reached the
    minimum (one query). Only these rounds' ballots count anywhere."""
    rows = (
        rounds.filter(status=EvaluationRound.Status.CLOSED)
        .annotate(roll_n=_count_of(RollEntry.objects), ballots_n=_count_of(Ballot.objects))
        .values_list("pk", "min_turnout", "roll_n", "ballots_n")
    )
    default = Decimal(str(settings.EVALUATION_MIN_TURNOUT))
    valid = {}
    for pk, minimum, roll_n, ballots_n in rows:
        threshold = Decimal(minimum) if minimum is not None else default
        if roll_n and Decimal(ballots_n) / roll_n >= threshold:
            valid[pk] = ballots_n
    return valid


def counted_team_ballots(org_ids: list[int], year: int, quarter: int) -> QuerySet[Ballot]:
    """The ballots that count for the units' quarter: of valid rounds with at least
    EVALUATION_MIN_GROUP ballots (the team grade's group)."""
    valid = valid_rounds(
        EvaluationRound.objects.filter(ids_in("org_id", org_ids), year=year, quarter=quarter)
    )
    return Ballot.objects.filter(round_id__in=[pk for pk, n in valid.items() if n >= min_group()])


def _person_counts(
    round_ids: list[int], person_ids: list[int] | None = None
) -> dict[tuple[int, int], dict[str, int]]:
    """{(round id, person id): {grade: n}} for groups of at least EVALUATION_MIN_GROUP."""
    marks = BallotMark.objects.filter(ballot__round_id__in=round_ids)
    if person_ids is not None:
        marks = marks.filter(subject_id__in=person_ids)
    groups: dict[tuple[int, int], dict[str, int]] = defaultdict(dict)
    for row in (
        marks.values("ballot__round_id", "subject_id", "grade").annotate(n=Count("pk")).order_by()
    ):
        groups[row["ballot__round_id"], row["subject_id"]][row["grade"]] = row["n"]
    return {key: counts for key, counts in groups.items() if sum(counts.values()) >= min_group()}


def person_evaluation_results(
    person_ids: Iterable[int], year: int, quarter: int | None
) -> dict[int, dict[str, int]]:
    """{person id: {grade: n}}: the people's marks in the closed, valid rounds of the quarter
    (quarter None: of the year; groups under EVALUATION_MIN_GROUP ballots left out, per
    round). Two queries."""
    person_ids = list(person_ids)
    rounds = EvaluationRound.objects.filter(year=year)
    if quarter is not None:
        rounds = rounds.filter(quarter=quarter)
    valid = valid_rounds(rounds)
    results: dict[int, dict[str, int]] = {}
    for (_round, person), counts in _person_counts(list(valid), person_ids).items():
        total = results.setdefault(person, {})
        for grade, n in counts.items():
            total[grade] = total.get(grade, 0) + n
    return {pk: dict(sorted(c.items())) for pk, c in results.items()}


@dataclass
class GroupResult:
    label: str
    counts: dict[str, int] | None = None  # None: suppressed (see reason)
    reason: str = ""

    @property
    def rows(self) -> list[tuple[str, int]]:
        counts = self.counts or {}
        return [(str(label), counts.get(value, 0)) for value, label in Grade.choices]


@dataclass
class RoundResult:
    shown: bool
    reason: str = ""
    groups: list[GroupResult] = field(default_factory=list)


def round_result(round_: EvaluationRound) -> RoundResult:
    """What the round's result page may show: nothing before it closes or below the minimum
    turnout; per group (the team, each person) the counts, or "—" under EVALUATION_MIN_GROUP."""
    if round_.status != EvaluationRound.Status.CLOSED:
        return RoundResult(False, _("测评结束后才显示结果。"))
    valid = valid_rounds(EvaluationRound.objects.filter(pk=round_.pk))
    if round_.pk not in valid:
        return RoundResult(
            False,
            _("参评率未达到 %(min)s%%, 本次测评结果无效。")
            % {"min": f"{min_turnout(round_) * 100:.0f}"},
        )
    small = _("不足 %(n)d 票, 为保护匿名不显示。") % {"n": min_group()}
    team_counts = dict(
        Ballot.objects.filter(round=round_).values_list("grade").annotate(n=Count("pk")).order_by()
    )
    groups = [
        GroupResult(_("领导班子"), team_counts, "")
        if valid[round_.pk] >= min_group()
        else GroupResult(_("领导班子"), None, small)
    ]
    people = _person_counts([round_.pk])
    subjects = Person.objects.filter(
        pk__in=BallotMark.objects.filter(ballot__round=round_).values("subject_id")
    ).order_by("name")
    for person in subjects:
        counts = people.get((round_.pk, person.pk))
        groups.append(GroupResult(person.name, counts, "" if counts else small))
    return RoundResult(True, "", groups)


@dataclass
class SnapshotPage:
    indicators: dict[str, Indicator]
    adjustments: QuerySet[ManualAdjustment]
    inputs: QuerySet[EvaluationInput]
    rounds: QuerySet[EvaluationRound]


def snapshot_page(snap: AssessmentSnapshot) -> SnapshotPage:
    """The indicators, adjustments, inputs and evaluations of the unit's quarter."""
    quarter = {"org_id": snap.org_id, "year": snap.year, "quarter": snap.quarter}
    return SnapshotPage(
        indicators={
            i.code: i for i in Indicator.objects.filter(indicator_set_id=snap.indicator_set_id)
        },
        adjustments=ManualAdjustment.objects.filter(**quarter).select_related("entered_by"),
        inputs=EvaluationInput.objects.filter(**quarter).select_related("entered_by"),
        rounds=EvaluationRound.objects.filter(**quarter).annotate(turnout=Count("ballots")),
    )


def indicator_codes(snap: AssessmentSnapshot) -> list[str]:
    return list(
        Indicator.objects.filter(indicator_set_id=snap.indicator_set_id).values_list(
            "code", flat=True
        )
    )


def quarter_snapshot(org_id: int, year: int, quarter: int) -> AssessmentSnapshot | None:
    return AssessmentSnapshot.objects.filter(org_id=org_id, year=year, quarter=quarter).first()


# --- Per-person assessment (issue 18) ---------------------------------------------------------

TEAM_ROLES = (
    Tenure.Role.SECRETARY,
    Tenure.Role.DEPUTY_SECRETARY,
    Tenure.Role.TEAM_MEMBER,
    Tenure.Role.DISCIPLINE_SECRETARY,
)
ROLE_ORDER: dict[str, int] = {str(role): index for index, role in enumerate(TEAM_ROLES)}


def team_posts(org: Organization) -> list[Tenure]:
    """The unit's team: current posts in its committee (secretary, deputies, members) and its
    discipline secretary, secretary first (one query)."""
    posts = (
        Tenure.objects.current()
        .filter(org=org, role__in=TEAM_ROLES, body__org=org, body__is_active=True)
        .select_related("person", "body")
        .prefetch_related("portfolios")
        .order_by("start_date", "pk")
    )
    return sorted(posts, key=lambda t: ROLE_ORDER[t.role])


def person_subject_type(tenure: Tenure) -> str:
    from assessments.models import SubjectType

    if tenure.role == Tenure.Role.SECRETARY:
        return SubjectType.FIRST_RESPONSIBLE_PERSON
    return SubjectType.TEAM_MEMBER


def team_results(user: Any, org: Organization, year: int, period: int) -> list[Any]:
    """The team's results of the period the user may see (one query), in team order."""
    from assessments.models import PersonAssessmentSnapshot

    rows = list(
        PersonAssessmentSnapshot.objects.visible_to(user)
        .filter(org=org, year=year, period=period)
        .select_related("person", "tenure")
    )
    return sorted(rows, key=lambda s: (ROLE_ORDER.get(s.tenure.role, 99), s.tenure.start_date))


def person_results(user: Any, person_id: int) -> QuerySet[Any]:
    """A person's results the user may see, newest first (for the person's page)."""
    from assessments.models import PersonAssessmentSnapshot

    return (
        PersonAssessmentSnapshot.objects.visible_to(user)
        .filter(person_id=person_id)
        .select_related("org", "tenure")
        .order_by("-year", "-period")
    )


def person_snapshot_page(snap: Any) -> dict[str, Any]:
    """The indicators, interviews and 述责述廉 review behind a person's result."""
    from assessments.models import PersonInterview, ReportReview
    from responsibilities.models import DutyReport

    quarter = {"tenure_id": snap.tenure_id, "year": snap.year}
    interviews = PersonInterview.objects.filter(**quarter).select_related("interviewer")
    if snap.period:
        interviews = interviews.filter(quarter=snap.period)
    return {
        "indicators": {
            i.code: i for i in Indicator.objects.filter(indicator_set_id=snap.indicator_set_id)
        },
        "interviews": list(interviews),
        "review": ReportReview.objects.filter(**quarter).select_related("reviewer").first(),
        "report": DutyReport.objects.filter(**quarter).order_by("-pk").first(),
    }


def score_rows(snap: Any, indicators: dict[str, Any]) -> list[dict[str, Any]]:
    """A result's indicator rows for a page (a unit's or a person's)."""
    rows = []
    for code, entry in snap.scores.items():
        if code.startswith("_"):
            continue
        ind = indicators.get(code)
        rows.append(
            {
                "code": code,
                "name": entry.get("name", ""),
                "dimension": ind.get_dimension_display() if ind else entry.get("dimension"),
                "rule": ind.get_rule_type_display() if ind else "",
                "max": entry.get("max"),
                "score": entry.get("score"),
                "detail": entry.get("detail", {}),
            }
        )
    return rows
