"""Nobody can link a democratic-evaluation vote to its voter (issue 18.5).

Every place a vote leaves a trace is tried: the ballot, mark and code tables (keys, fields,
orderings, timestamps), the voter tokens and the roll, history tables, the audit chain, the
logs and the notifications. Each test asserts that the link is impossible, not just absent."""

import datetime
import json
import logging
import uuid

import pytest
from django.apps import apps
from django.db import models
from simple_history.models import registered_models

from assessments.models import Ballot, BallotMark, RollEntry, VoterToken, VotingCode
from assessments.services import evaluations
from notifications.models import Notification
from security.models import AuditEntry
from tests.assessments.conftest import issue_codes_to_representatives, marks_for, open_evaluation

pytestmark = pytest.mark.django_db

ANONYMOUS = (Ballot, BallotMark, VotingCode)
GRADES = ("excellent", "competent", "basic", "incompetent")


def _history_rows() -> int:
    history = [m for m in apps.get_models() if m.__name__.startswith("Historical")]
    return sum(m._default_manager.count() for m in history)


@pytest.fixture
def voted(cast):
    """A round with 2 account votes and 6 code votes, each ballot a distinct grade pattern
    (team grade, mark grade), in a known order."""
    round_ = open_evaluation(cast, representatives=6)
    codes = issue_codes_to_representatives(cast, round_)
    patterns = [(t, m) for t in GRADES for m in GRADES][:8]
    order = []
    history_before, notes_before = _history_rows(), Notification.objects.count()
    audit_before = AuditEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0
    for name, (team, mark) in zip(("county1_member", "county1_jw"), patterns[:2], strict=True):
        user = cast.user(name)
        marks = {pk: mark for pk in marks_for(round_, mark, user)}
        evaluations.cast_ballot(round_, actor=user, grade=team, marks=marks)
        order.append((team, mark))
    for code, (team, mark) in zip(codes, patterns[2:], strict=True):
        evaluations.cast_code_ballot(
            code=code, grade=team, marks=marks_for(round_, mark), actor=evaluations.CODE_VOTER
        )
        order.append((team, mark))
    return {
        "round": round_,
        "codes": codes,
        "order": order,
        "history_before": history_before,
        "notes_before": notes_before,
        "audit_before": audit_before,
    }


def _pattern(ballot: Ballot) -> tuple[str, str]:
    marks = {m.grade for m in ballot.marks.all()}
    assert len(marks) == 1
    return ballot.grade, marks.pop()


def test_it_the_anonymous_tables_have_no_voter_no_time_and_random_keys(voted):
    for model in ANONYMOUS:
        fields = model._meta.concrete_fields
        assert isinstance(model._meta.pk, models.UUIDField), model
        assert not any(isinstance(f, models.DateField) for f in fields), model  # DateTime too
        related = {f.related_model for f in fields if f.is_relation}
        assert not related & {apps.get_model("auth", "User"), RollEntry, VoterToken}, model
        assert all(row.pk.version == 4 for row in model.objects.all()), model
    # A mark names the *evaluated* person, never the voter; a code names nobody.
    assert {f.name for f in BallotMark._meta.concrete_fields} == {
        "id",
        "ballot",
        "subject",
        "grade",
    }
    assert {f.name for f in VotingCode._meta.concrete_fields} == {
        "id",
        "round",
        "code_hash",
        "used",
    }
    # Who voted holds a day at most, and points at no ballot, mark or code.
    token_fields = VoterToken._meta.concrete_fields
    assert [type(f) for f in token_fields if isinstance(f, models.DateField)] == [models.DateField]
    assert not {f.related_model for f in token_fields if f.is_relation} & set(ANONYMOUS)
    roll_fields = RollEntry._meta.concrete_fields
    assert not {f.related_model for f in roll_fields if f.is_relation} & set(ANONYMOUS)


def test_it_no_stored_order_repeats_the_order_of_voting(voted):
    """Tokens (and the roll's code_issued) can be ordered; ballots, marks and codes cannot:
    their default order is by a random key, so listing them says nothing about who came when."""
    listed = [_pattern(b) for b in Ballot.objects.prefetch_related("marks")]
    assert sorted(listed) == sorted(voted["order"])
    assert listed != voted["order"]  # 8 ballots: one chance in 40 320 to coincide by chance
    assert Ballot._meta.ordering == ["id"] and BallotMark._meta.ordering == ["id"]
    assert VotingCode._meta.ordering == ["id"]


def test_it_a_used_code_cannot_be_traced_to_its_roll_entry(cast, voted):
    round_ = voted["round"]
    codes = VotingCode.objects.filter(round=round_)
    assert codes.count() == 6 and all(c.used for c in codes)
    # Neither the codes nor the hashes are stored with the roll or in its history.
    stored = json.dumps(
        list(RollEntry.history.filter(round_id=round_.pk).values()), default=str
    ) + json.dumps(list(RollEntry.objects.filter(round=round_).values()), default=str)
    for code in voted["codes"]:
        assert code not in stored and evaluations.code_hash(code) not in stored
    assert RollEntry.objects.filter(round=round_, code_issued=True).count() == 6


def test_it_voting_writes_no_history_and_no_notification(voted):
    assert _history_rows() == voted["history_before"]
    assert Notification.objects.count() == voted["notes_before"]
    for model in ANONYMOUS + (VoterToken,):
        assert model._meta.db_table not in registered_models
        assert not hasattr(model, "history")


def test_it_the_audit_chain_says_only_that_a_vote_was_cast(cast, voted):
    entries = list(AuditEntry.objects.filter(id__gt=voted["audit_before"]).order_by("id"))
    assert [e.action for e in entries] == ["vote_cast"] * 8
    # An account vote and a code vote look the same: no actor, address, request or service.
    assert {(e.actor_id, e.actor_username, e.actor_name, e.ip, e.request_id) for e in entries} == {
        (None, "", "匿名", "", "")
    }
    assert {json.dumps(e.details) for e in entries} == {"{}"}
    assert {(e.object_type, e.object_id) for e in entries} == {
        ("assessments.evaluationround", str(voted["round"].pk))
    }
    text = json.dumps(
        list(AuditEntry.objects.values("object_type", "object_id", "object_repr", "details")),
        ensure_ascii=False,
        default=str,
    )
    for ballot in Ballot.objects.all():
        assert str(ballot.pk) not in text
    for mark in BallotMark.objects.all():
        assert str(mark.pk) not in text
    for code in VotingCode.objects.all():
        assert str(code.pk) not in text and code.code_hash not in text
    for table in ("assessments.ballot", "assessments.ballotmark", "assessments.votertoken"):
        assert table not in text
    for grade in GRADES:
        assert f'"{grade}"' not in json.dumps([e.details for e in entries])


def test_it_the_only_time_of_a_vote_is_the_token_day(cast, voted):
    """The vote_cast audit entries have times, but no voter; the tokens have voters, but only
    a day; the ballots have neither."""
    days = list(VoterToken.objects.values_list("voted_on", flat=True))
    assert len(days) == 2 and all(type(d) is datetime.date for d in days)
    assert not any(isinstance(f, models.DateField) for m in ANONYMOUS for f in m._meta.fields)


def test_it_logs_carry_no_code_grade_or_ballot(client, cast, caplog):
    round_ = open_evaluation(cast, representatives=1)
    [code] = issue_codes_to_representatives(cast, round_)
    grades = {"code": code, "grade": "basic"}
    grades |= {f"mark_{pk}": "incompetent" for pk in marks_for(round_, "x")}
    with caplog.at_level(logging.DEBUG):
        client.post("/vote/", {"code": code})
        client.post("/vote/", grades)
    assert Ballot.objects.count() == 1
    ballot = Ballot.objects.get()
    logged = "\n".join(
        f"{r.getMessage()} {json.dumps(r.__dict__, default=str)}"
        for r in caplog.records
        if r.name != "django.db.backends"  # the SQL log is debug-only, off in production
    )
    assert code not in logged and str(ballot.pk) not in logged
    assert "incompetent" not in logged and "basic" not in logged


def test_it_keys_are_not_sequential(voted):
    keys = list(Ballot.objects.values_list("pk", flat=True))
    assert all(isinstance(k, uuid.UUID) and k.version == 4 for k in keys)
