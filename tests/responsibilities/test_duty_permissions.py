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
from responsibilities.rules import dutylog_review_q
from responsibilities.scoping import registered_perms, scope_q
from tests.responsibilities.dutyfix import make_log

pytestmark = pytest.mark.django_db

# Models of the duty records; each must hold rows so that agreement is not vacuous.
DUTY_MODELS = (
    ResponsibilityList,
    ResponsibilityItem,
    ItemAssignment,
    DutyLog,
    Attachment,
    ResponsibilityLetter,
    DutyReport,
)


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
        actor=duty.cast.user("county1_secretary"),
    )
    letters.draft_report(
        org=duty.cast.county1, year=duty.year, actor=duty.cast.user("county1_secretary")
    )
    letters.draft_report(
        org=duty.cast.county2, year=duty.year, actor=duty.cast.user("county2_secretary")
    )
    return {"draft": own, "submitted": submitted, "secretary_log": secretary_log}


@pytest.mark.parametrize("username", USERNAMES)
def test_it_every_registered_permission_agrees_with_its_filter_on_every_row(duty, world, username):
    """Predicate and queryset filter of every registered permission (the registry, not a
    hand-kept list), on every row of the duty world."""
    for model in DUTY_MODELS:
        assert model._default_manager.exists(), model  # out-of-scope rows exist
    user = duty.cast.user(username)
    checked = set()
    for name, perm in registered_perms().items():
        rows = perm.model_class()._default_manager.all()
        allowed = set(rows.filter(scope_q(user, name)).values_list("pk", flat=True))
        for row in rows:
            assert user.has_perm(name, row) == (row.pk in allowed), (name, row.pk)
            checked.add(name)
    assert {"responsibilities.change_dutylog", "responsibilities.review_dutylog"} <= checked


def test_it_the_review_queue_is_the_review_permission(duty, world):
    submitted = world["submitted"]
    reviewer, author = duty.cast.user("county1_secretary"), duty.cast.user("county1_member")
    assert DutyLog.objects.filter(dutylog_review_q(reviewer), pk=submitted.pk).exists()
    assert not DutyLog.objects.filter(dutylog_review_q(author), pk=submitted.pk).exists()
    assert not DutyLog.objects.filter(dutylog_review_q(reviewer), pk=world["draft"].pk).exists()


def titles(user):
    return set(
        ResponsibilityList.objects.filter(
            scope_q(user, "responsibilities.view_responsibilitylist")
        ).values_list("org__code", flat=True)
    )


def test_it_each_role_sees_the_lists_of_its_subtree(duty):
    c = duty.cast
    assert titles(c.user("prov_secretary")) == {"T-P", "T-K1", "T-K2"}
    assert titles(c.user("city1_secretary")) == {"T-K1", "T-K2"}
    assert titles(c.user("county1_member")) == {"T-K1"}
    assert titles(c.user("county1_jw")) == {"T-K1"}
    assert titles(c.user("county2_secretary")) == {"T-K2"}
    assert titles(c.user("stationed_leader")) == set()
    assert titles(c.user("county1_former")) == set()
    assert titles(c.user("outsider")) == set()


def test_it_only_the_units_own_secretary_edits_its_lists(duty):
    c = duty.cast
    perm = "responsibilities.change_responsibilitylist"
    assert c.user("county1_secretary").has_perm(perm, duty.county1_list)
    assert not c.user("city1_secretary").has_perm(perm, duty.county1_list)
    assert not c.user("county1_member").has_perm(perm, duty.county1_list)
    assert not c.user("county2_secretary").has_perm(perm, duty.county1_list)
    assert c.user("prov_secretary").has_perm(perm, duty.template)


def test_it_members_acknowledge_their_own_list(duty):
    perm = "responsibilities.acknowledge_responsibilitylist"
    assert duty.cast.user("county1_member").has_perm(perm, duty.member_list)
    assert not duty.cast.user("county1_member").has_perm(perm, duty.county1_list)


def test_it_only_the_actor_edits_a_draft_log_and_only_overseers_review(duty, world):
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
