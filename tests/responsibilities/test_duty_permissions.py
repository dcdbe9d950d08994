"""Who sees and changes lists, items, logs, letters and reports; predicates agree with filters."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from demo.cast import USERNAMES
from responsibilities import evidence, letters
from responsibilities.models import (
    Attachment,
    DutyLog,
    DutyReport,
    ItemAssignment,
    ResponsibilityItem,
    ResponsibilityLetter,
    ResponsibilityList,
)
from responsibilities.rules import dutylog_change_q, dutylog_review_q, manages_own_unit_q
from responsibilities.scoping import scope_q
from tests.responsibilities.dutyfix import make_log

pytestmark = pytest.mark.django_db

VIEW_MODELS = [
    (ResponsibilityList, "responsibilities.view_responsibilitylist"),
    (ResponsibilityItem, "responsibilities.view_responsibilityitem"),
    (ItemAssignment, "responsibilities.view_itemassignment"),
    (DutyLog, "responsibilities.view_dutylog"),
    (Attachment, "responsibilities.view_attachment"),
    (ResponsibilityLetter, "responsibilities.view_responsibilityletter"),
    (DutyReport, "responsibilities.view_dutyreport"),
]


@pytest.fixture
def world(duty, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    own = make_log(duty, submit=False)
    evidence.add_attachment(
        own, SimpleUploadedFile("a.txt", b"x"), actor=duty.cast.user("county1_member")
    )
    submitted = make_log(duty)
    secretary_log = make_log(duty, tenure_key="county1_secretary", items=("c1_own",))
    letters.generate_letter(
        signee=duty.tenure("county1_member"),
        issuer=duty.tenure("county1_secretary"),
        year=duty.year,
    )
    letters.draft_report(
        org=duty.cast.county1, year=duty.year, actor=duty.cast.user("county1_secretary")
    )
    letters.draft_report(
        org=duty.cast.county2, year=duty.year, actor=duty.cast.user("county2_secretary")
    )
    return {"draft": own, "submitted": submitted, "secretary_log": secretary_log}


@pytest.mark.parametrize("username", USERNAMES)
def test_view_predicates_and_filters_agree_on_every_row(duty, world, username):
    user = duty.cast.user(username)
    for model, perm in VIEW_MODELS:
        rows = list(model._default_manager.all())
        assert rows, model  # out-of-scope rows exist, so "no leak" is not vacuous
        visible = set(
            model._default_manager.filter(scope_q(user, perm)).values_list("pk", flat=True)
        )
        for row in rows:
            assert user.has_perm(perm, row) == (row.pk in visible), (model, row.pk)


@pytest.mark.parametrize("username", USERNAMES)
def test_write_predicates_and_filters_agree_on_every_row(duty, world, username):
    user = duty.cast.user(username)
    checks = [
        (
            ResponsibilityList,
            "responsibilities.change_responsibilitylist",
            manages_own_unit_q(user),
        ),
        (DutyLog, "responsibilities.change_dutylog", dutylog_change_q(user)),
        (DutyLog, "responsibilities.review_dutylog", dutylog_review_q(user)),
    ]
    for model, perm, q in checks:
        allowed = set(model._default_manager.filter(q).values_list("pk", flat=True))
        for row in model._default_manager.all():
            assert user.has_perm(perm, row) == (row.pk in allowed), (perm, row.pk)


def titles(user):
    return set(
        ResponsibilityList.objects.filter(
            scope_q(user, "responsibilities.view_responsibilitylist")
        ).values_list("org__code", flat=True)
    )


def test_each_role_sees_the_lists_of_its_subtree(duty):
    c = duty.cast
    assert titles(c.user("prov_secretary")) == {"T-P", "T-K1", "T-K2"}
    assert titles(c.user("city1_secretary")) == {"T-K1", "T-K2"}
    assert titles(c.user("county1_member")) == {"T-K1"}
    assert titles(c.user("county1_jw")) == {"T-K1"}
    assert titles(c.user("county2_secretary")) == {"T-K2"}
    assert titles(c.user("stationed_leader")) == set()
    assert titles(c.user("county1_former")) == set()
    assert titles(c.user("outsider")) == set()


def test_only_the_units_own_secretary_edits_its_lists(duty):
    c = duty.cast
    perm = "responsibilities.change_responsibilitylist"
    assert c.user("county1_secretary").has_perm(perm, duty.county1_list)
    assert not c.user("city1_secretary").has_perm(perm, duty.county1_list)
    assert not c.user("county1_member").has_perm(perm, duty.county1_list)
    assert not c.user("county2_secretary").has_perm(perm, duty.county1_list)
    assert c.user("prov_secretary").has_perm(perm, duty.template)


def test_members_acknowledge_their_own_list(duty):
    perm = "responsibilities.acknowledge_responsibilitylist"
    assert duty.cast.user("county1_member").has_perm(perm, duty.member_list)
    assert not duty.cast.user("county1_member").has_perm(perm, duty.county1_list)


def test_only_the_actor_edits_a_draft_log_and_only_overseers_review(duty, world):
    c = duty.cast
    change, review = "responsibilities.change_dutylog", "responsibilities.review_dutylog"
    draft, submitted = world["draft"], world["submitted"]
    assert c.user("county1_member").has_perm(change, draft)
    assert not c.user("county1_member").has_perm(change, submitted)
    assert not c.user("county1_secretary").has_perm(change, draft)
    assert not c.user("city1_secretary").has_perm(change, draft)
    for username in ("county1_secretary", "county1_jw", "city1_secretary", "city1_jw", "prov_jw"):
        assert c.user(username).has_perm(review, submitted), username
    for username in ("county1_member", "county2_secretary", "stationed_leader", "outsider"):
        assert not c.user(username).has_perm(review, submitted), username
    assert not c.user("county1_secretary").has_perm(review, world["secretary_log"])
    assert c.user("county1_jw").has_perm(review, world["secretary_log"])
