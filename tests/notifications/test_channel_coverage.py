"""Every message leaving the system is about something its recipient may open (issue 14).

In the spirit of the sibling-county URL replay (tests/security/test_sibling_404.py): every
job of the `run_job` registry runs over the demo province — with an undisclosed covert visit
past its feedback, an upward-channel finding and the demo's discipline cases — at several
future dates, and every message it leaves (inbox row, and the external copies through the
outbox gate) is checked against the page its recipient would open. A job or a notification
kind without a fixture here fails the test, so a new reminder cannot skip the question.
"""

from __future__ import annotations

import datetime
from operator import attrgetter

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse

from inspections.models import Finding, InspectionRound, RectificationReport
from inspections.services import findings, rounds, tasks
from liangge_zeren.actors import DEMO, acting
from notifications import gate, jobs, outbox
from notifications.models import Delivery, Notification
from responsibilities.models import Tenure

# The modules of group demo_world run one after the other on one worker (make test: --dist
# loadgroup) and share one demo seed (tests/conftest.py: demo_world).
pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("demo_world")]

TODAY = datetime.date.today()
FEEDBACK = datetime.date(2026, 11, 1)  # reports due 2027-01-01: overdue on 2027-02-10
ISSUE_DATE = datetime.date(2027, 2, 10)
COVERT_TITLE = "暗访二号-西岭县"
UPWARD_TITLE = "反映西岭县党委书记的问题线索"

# Dates every job runs on: near thresholds, the issue's date, and far ahead (escalations).
DATES = [
    TODAY,
    TODAY + datetime.timedelta(days=8),
    TODAY + datetime.timedelta(days=45),
    ISSUE_DATE,
    TODAY + datetime.timedelta(days=200),
    TODAY + datetime.timedelta(days=420),
]

# The page each kind of message is about, as the tests see it (independent of the gate's
# declarations): model label -> (permissions any of which opens it, object they apply to).
PAGES = {
    "inspections.rectificationtask": (("inspections.view_rectificationtask",), None),
    "inspections.rectificationreport": (("inspections.view_inspectionround",), "round"),
    "accountability.accountabilitycase": (("accountability.view_accountabilitycase",), None),
    "accountability.accountabilitymeasure": (("accountability.view_accountabilitycase",), "case"),
    "accountability.appeal": (("accountability.view_accountabilitycase",), "case"),
    "accountability.integrityreply": (("accountability.change_integrityreply",), None),
    "accountability.integrityrequest": (("accountability.view_integrityrequest",), None),
    "accountability.accountabilitytarget": (("accountability.view_accountabilitycase",), "case"),
    "responsibilities.responsibilityitem": (("responsibilities.view_responsibilityitem",), None),
    "responsibilities.responsibilityletter": (
        ("responsibilities.view_responsibilityletter",),
        None,
    ),
    "responsibilities.organization": (("responsibilities.view_organization",), None),
    # Returned and accepted duty logs are announced to their person (issue 17.3).
    "responsibilities.dutylog": (("responsibilities.view_dutylog",), None),
    # A questionnaire's new comments, for the unit's discipline side (issue 18).
    "assessments.questionnaire": (("assessments.supervise_questionnaire",), None),
    # A 知责 test sheet, announced to the person who is to take it (issue 18).
    "assessments.knowledgeassignment": (("assessments.view_knowledgeassignment",), None),
}
# A person held to account sees their own decision only: title and link, no body.
OWN_DECISION = "accountability.view_own_decision"

# Every job of the registry, and the kinds of message each fixture exercises. A job that
# sends no message (roll-ups, the outbox sweep, digests) is listed with no kinds.
FIXTURES: dict[str, tuple[str, ...]] = {
    "notifications.digest": (),
    "notifications.pending": (),
    "responsibilities.items": ("duty_item_overdue", "duty_item_due_soon"),
    "responsibilities.letters": ("letter_unsigned",),
    "responsibilities.annual_reports": ("annual_report",),
    "responsibilities.escalate_items": ("duty_item_escalation",),
    "inspections.tasks": ("rectification_task",),
    "inspections.reports": ("rectification_report",),
    "inspections.escalate_tasks": ("rectification_task_escalation",),
    "inspections.handed_over": ("rectification_handed_over",),
    "accountability.steps": ("accountability_step",),
    "accountability.formalities": ("accountability_formalities",),
    "accountability.appeals": ("accountability_appeal_decision", "accountability_appeal_window"),
    "accountability.influence_periods": ("accountability_influence_expired",),
    "accountability.integrity_replies": ("accountability_integrity_reply",),
    "assessments.rollup": (),
    "security.chains": ("security.chain_broken",),
}
# Kinds the demo cannot produce on the dates above (why): declared all the same; the gate
# is asked for them like for every other (tests/notifications/test_reminders.py sends them).
NOT_PRODUCED_ON_DEMO = {
    "accountability_appeal_decision": "no appeal lodged in the demo",
    "accountability_appeal_window": "no demo account is a person held to account",
    "accountability_influence_expired": "influence periods end years ahead",
    "annual_report": "only in January's window of the year after a collective list",
    "accountability_formalities": "demo measures have their formalities done",
    "accountability_step": "demo cases are within their step deadlines' lead",
    "letter_unsigned": "no demo account issues or signs a pending letter",
    "duty_item_due_soon": "demo items with a due date are already overdue",
    "rectification_handed_over": "the demo holds no 换届 taking effect on a later date",
    "security.chain_broken": "the demo's chains are intact (tests/security/test_keyed_chains.py)",
}


def _secrets(tree) -> dict:
    """An undisclosed covert visit of 西岭县 past its feedback, and an upward-channel finding
    about 西岭县 — both with rectification tasks owned by county 2's secretary."""
    city_jw = tree.users["city1_jw"]
    county2 = tree.org("JH-C01-K02")
    secretary = Tenure.objects.current().get(person__user=tree.users["county2_secretary"])
    covert = rounds.create_round(
        actor=city_jw,
        kind=InspectionRound.Kind.COVERT_VISIT,
        title=COVERT_TITLE,
        issuing_body=tree.body("JH-C01-DC"),
        year=FEEDBACK.year,
        targets=[county2],
    )
    rounds.start_on_site(covert, actor=city_jw, day=FEEDBACK - datetime.timedelta(days=20))
    covert_finding = _finding(city_jw, county2, "暗访发现违规吃喝", round=covert)
    _task(city_jw, covert_finding, secretary)
    rounds.start_reporting(covert, actor=city_jw, day=FEEDBACK - datetime.timedelta(days=5))
    rounds.give_feedback(covert, actor=city_jw, feedback_date=FEEDBACK)
    upward = _finding(
        city_jw,
        county2,
        UPWARD_TITLE,
        inspecting_body=tree.body("JH-C01-DC"),
        upward_channel=True,
    )
    _task(city_jw, upward, secretary)
    return {"covert": covert, "upward": upward, "secretary": secretary}


def _finding(user, org, title, **kw) -> Finding:
    return findings.record_finding(
        actor=user,
        org=org,
        source=Finding.Source.THIS_LEVEL,
        sub_source="level_discipline",
        category=Finding.Category.CONDUCT,
        title=title,
        description=f"{title}的详细描述",
        **kw,
    )


def _task(user, finding, owner) -> None:
    tasks.create_task(
        actor=user,
        finding=finding,
        measure=f"整改:{finding.title}",
        owner_tenure=owner,
        org=finding.org,
        start_date=TODAY - datetime.timedelta(days=30),
        due_date=TODAY + datetime.timedelta(days=5),
    )


@pytest.fixture(scope="module")
def world(demo_world, django_db_blocker):
    """The shared demo province with the secrets above (a savepoint rolled back after the
    module, so the modules after it see the province as seeded)."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            with acting(DEMO):
                secret = _secrets(demo_world.tree)
            yield {"tree": demo_world.tree, **secret}
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def _page_allows(note: Notification) -> tuple[bool, bool]:
    """(may open the page, may see only their own decision) for the message's recipient."""
    label = note.content_type.model_class()._meta.label_lower
    perms, via = PAGES[label]
    page = attrgetter(via)(note.target) if via else note.target
    user = note.recipient
    full = any(user.has_perm(p, page) for p in perms)
    own = label.startswith("accountability.") and user.has_perm(OWN_DECISION, page)
    return full, own


def test_it_keeps_an_undisclosed_covert_visit_out_of_the_targets_inbox(world, client):
    """Issue 14's example: `run_job inspections.reports --date 2027-02-10` told county 2's
    secretary "整改报告已逾期未报送: 暗访二号-西岭县" (twice) while the round was a 404."""
    secretary = world["tree"].users["county2_secretary"]
    client.force_login(secretary)
    round_url = reverse("inspections:round_detail", args=[world["covert"].pk])
    assert client.get(round_url).status_code == 404

    call_command("run_job", "inspections.reports", "--date", ISSUE_DATE.isoformat())

    titles = list(Notification.objects.filter(recipient=secretary).values_list("title", flat=True))
    assert not [t for t in titles if COVERT_TITLE in t]
    # The inspecting side is still reminded of nothing it cannot open, and once the visit is
    # disclosed the target gets its two reports as two distinguishable messages.
    with acting(DEMO):
        rounds.disclose_round(world["covert"], actor=world["tree"].users["city1_jw"])
    assert client.get(round_url).status_code == 200
    call_command("run_job", "inspections.reports", "--date", ISSUE_DATE.isoformat())
    about = list(
        Notification.objects.filter(recipient=secretary, title__contains=COVERT_TITLE)
        .order_by("title")
        .values_list("title", flat=True)
    )
    kinds = [str(k.label) for k in RectificationReport.Kind]
    assert len(about) == 2 and len(set(about)) == 2
    assert all(any(t.startswith(k) for k in kinds) for t in about)


def test_it_withholds_external_copies_the_recipient_may_not_open(world):
    """The outbox's hand-over asks the same gate: a report of the undisclosed visit is never
    handed to a channel for the target's secretary."""
    report = RectificationReport.objects.filter(round=world["covert"]).first()
    secretary = world["tree"].users["county2_secretary"]
    assert gate.access(secretary, report) is gate.Access.NONE
    assert gate.access(world["tree"].users["city1_jw"], report) is gate.Access.FULL
    subject = (ContentType.objects.get_for_model(report).pk, report.pk)

    class Channel:
        name = "probe"

        def send(self, message, address):  # pragma: no cover - must not be reached
            raise AssertionError("handed over")

    with pytest.raises(outbox.Withheld):
        outbox.hand_over(
            Channel(), secretary, "x", outbox.Message(title="t", url="/", ref="probe"), [subject]
        )


def test_it_has_a_fixture_for_every_job_and_every_kind():
    registry = jobs.discover()
    assert set(FIXTURES) == set(registry), "every run_job job needs a fixture here"
    for name, entry in registry.items():
        assert set(entry.kinds) == set(FIXTURES[name]), f"{name}: kinds and fixture differ"
    declared = {label for label in gate.subjects()}
    assert set(PAGES) <= declared, "every page a message may be about is declared to the gate"


def test_it_sends_every_message_only_to_who_may_open_its_object(world):
    registry = jobs.discover()
    for day in DATES:
        for name in FIXTURES:
            registry[name].func(day)
    produced = set(Delivery.objects.values_list("kind", flat=True))
    by_job = dict(Delivery.objects.values_list("kind", "job").distinct())
    for kind, job_name in by_job.items():
        assert kind in FIXTURES.get(job_name, ()), f"{job_name} sent undeclared kind {kind}"
    expected = {k for kinds in FIXTURES.values() for k in kinds} - set(NOT_PRODUCED_ON_DEMO)
    assert expected <= produced, f"kinds never exercised: {expected - produced}"

    notes = list(
        Notification.objects.filter(content_type__isnull=False).select_related(
            "recipient", "content_type"
        )
    )
    assert notes
    for note in notes:
        full, own = _page_allows(note)
        assert full or own, f"{note.recipient} got {note.kind} {note.title!r}"
        if not full:
            assert note.body == "", f"{note.recipient} outside the case got its body"
    secretary = world["tree"].users["county2_secretary"]
    mine = Notification.objects.filter(recipient=secretary)
    assert not mine.filter(title__contains=COVERT_TITLE).exists()
    assert not mine.filter(title__contains="暗访发现违规吃喝").exists()
    upward_task = world["upward"].tasks.get()
    assert not mine.filter(
        content_type=ContentType.objects.get_for_model(upward_task), object_id=upward_task.pk
    ).exists()
    # Not vacuous: the inspecting side was reminded of both secret tasks.
    assert Notification.objects.filter(object_id=upward_task.pk, kind__startswith="rect").exists()
