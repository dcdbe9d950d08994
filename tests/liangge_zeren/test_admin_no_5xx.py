"""Bad input never a 500, in the admin too (issue 14).

The three server errors the form fuzz found in the admin, then the fuzz itself: every
registered ModelAdmin, as the break-glass superuser and as each administrative role that can
reach it, its changelist/add/change pages opened and bad input posted to every add and change
form. No 5xx; a refused save comes back as the form with an error.
"""

import pytest
from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.urls import NoReverseMatch, reverse

from accountability.models import AccountabilityGround
from assessments.models import AssessmentSnapshot, ManualAdjustment
from assessments.services import snapshots
from demo.admin_roles import DEMO_ADMINS
from liangge_zeren.actors import JOBS
from liangge_zeren.adminkit import RefusalsAsFormErrors
from security.models import AdminRoleAssignment

pytestmark = pytest.mark.django_db
YEAR, QUARTER = 2026, 1


@pytest.fixture
def root(db):
    return get_user_model().objects.create_superuser("root", "root@demo.invalid", "Kx7!mQ2#wLp9")


@pytest.fixture
def published(cast):
    snapshots.compute_quarter(YEAR, QUARTER, actor=JOBS)
    snap = AssessmentSnapshot.objects.get(org=cast.county1, year=YEAR, quarter=QUARTER)
    return snapshots.publish_snapshot(snap, actor=cast.user("city1_secretary"))


def test_it_a_published_snapshot_is_not_changed_through_the_admin(client_for, root, published):
    c = client_for(root)
    url = reverse("admin:assessments_assessmentsnapshot_change", args=[published.pk])
    assert c.get(url).status_code == 200
    response = c.post(url, {"_save": "1"})
    assert response.status_code in (200, 403)  # shown read-only: nothing to save here
    published.refresh_from_db()
    assert published.status == AssessmentSnapshot.Status.PUBLISHED


def test_it_snapshots_are_not_added_by_hand(client_for, root, cast):
    c = client_for(root)
    url = reverse("admin:assessments_assessmentsnapshot_add")
    assert c.get(url).status_code == 403
    assert c.post(url, {"_save": "1"}).status_code == 403
    assert not AssessmentSnapshot.objects.exists()


def test_it_manual_adjustments_are_made_on_the_snapshot_page_not_in_the_admin(
    client_for, root, cast
):
    c = client_for(root)
    url = reverse("admin:assessments_manualadjustment_add")
    assert c.post(url, {"_save": "1"}).status_code == 403
    assert c.get(url).status_code == 403
    assert not ManualAdjustment.objects.exists()


# --- The fuzz: every registered ModelAdmin, every account that reaches it -----------------

LONG = "长" * 10_000
ODD = "😀\u202eإختبار\x00<script>alert(1)</script><b>x</b>' OR 1=1 --"
FOREIGN_ID = str(2**31 - 7)
KINDS = ("empty", "long", "odd", "markup", "wrong_type", "foreign_id")


def _bad_value(kind: str, field) -> object:
    value = {
        "empty": "",
        "long": LONG,
        "odd": ODD,
        "markup": '"><img src=x onerror=alert(1)>{{ 7|add:7 }}{% now "Y" %}',
        "wrong_type": "not-a-number-🙂",
        "foreign_id": FOREIGN_ID,
    }[kind]
    multiple = isinstance(field.widget, forms.SelectMultiple) or isinstance(
        field, forms.MultipleChoiceField
    )
    return [value] if multiple else value


def _valid_data(form) -> dict[str, object]:
    """The form's own initial values, as a browser would post them back."""
    data: dict[str, object] = {}
    for name in form.fields:
        value = form[name].value()
        if isinstance(value, (list, tuple)):
            data[name] = [str(v) for v in value]
        elif isinstance(value, bool):
            if value:
                data[name] = "on"
        elif value is not None:
            data[name] = str(value)
    return data


def _payloads(form):
    """Whole-form payloads of each kind, then each field bad on its own in valid data."""
    valid = _valid_data(form)
    for kind in KINDS:
        yield {name: _bad_value(kind, f) for name, f in form.fields.items()}
    for name, field in form.fields.items():
        if isinstance(field, forms.ModelChoiceField):
            kinds = ("foreign_id", "wrong_type")
        elif isinstance(field, forms.CharField):
            kinds = ("long", "odd")
        else:
            kinds = ("long", "wrong_type")
        for kind in kinds:
            yield {**valid, name: _bad_value(kind, field)}


def _form(response):
    context = getattr(response, "context", None)
    admin_form = context.get("adminform") if context else None
    return admin_form.form if admin_form is not None else None


def _shows_an_error(response) -> bool:
    context = response.context
    if context.get("errors"):
        return True
    formsets = context.get("inline_admin_formsets") or []
    return any(fs.formset.total_error_count() for fs in formsets)


def _management_data(response) -> dict[str, str]:
    """Inline formsets' management forms, so a POST reaches the model's own validation."""
    data: dict[str, str] = {}
    for inline in response.context.get("inline_admin_formsets") or []:
        management = inline.formset.management_form
        for name in management.fields:
            data[management.add_prefix(name)] = str(management[name].value() or 0)
    return data


def _fuzz_form(c, url: str, stats: dict) -> None:
    page = c.get(url)
    assert page.status_code < 500, url
    form = _form(page)
    if page.status_code != 200 or form is None or not form.fields:
        return
    extra = _management_data(page)
    for payload in _payloads(form):
        response = c.post(url, {**extra, **payload, "_save": "1"})
        stats["submissions"] += 1
        assert response.status_code < 500, (url, payload.keys())
        if response.status_code == 200:
            assert _shows_an_error(response), (url, "refused without saying why")


def _admin_url(model, view: str, *args) -> str | None:
    name = f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}"
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def _some_object(model, account):
    rows = model._default_manager.order_by("-pk")
    if model is get_user_model():
        rows = rows.exclude(pk=account.pk)  # deleting oneself would end the walk
    return rows.first()


def _fuzz_as(c, account, stats: dict) -> None:
    for model in list(admin.site._registry):
        changelist = _admin_url(model, "changelist")
        response = c.get(changelist)
        assert response.status_code < 500, changelist
        if response.status_code != 200:
            continue
        stats["models"].add(model._meta.label)
        add = _admin_url(model, "add")
        if add:
            _fuzz_form(c, add, stats)
        obj = _some_object(model, account)
        if obj is not None:
            _fuzz_form(c, _admin_url(model, "change", obj.pk), stats)
            assert c.get(_admin_url(model, "history", obj.pk)).status_code < 500
            delete = _admin_url(model, "delete", obj.pk)
            assert c.get(delete).status_code < 500
            assert c.post(delete, {"post": "yes"}).status_code < 500
            stats["submissions"] += 1


@pytest.fixture
def admin_data(published, cast):
    """Rows for every admin to open: the cast, a published and a draft snapshot, an adjustment."""
    draft = AssessmentSnapshot.objects.get(org=cast.county2, year=YEAR, quarter=QUARTER)
    snapshots.adjust(
        org=draft.org,
        year=YEAR,
        quarter=QUARTER,
        points=1,
        reason="理由",
        actor=cast.user("city1_secretary"),
    )
    return cast


@pytest.mark.parametrize("who", ["superuser", *DEMO_ADMINS])
def test_it_no_admin_page_or_bad_submission_is_a_server_error(client_for, admin_data, root, who):
    if who == "superuser":
        account = root
    else:
        account = get_user_model().objects.create_user(who, f"{who}@demo.invalid", "Kx7!mQ2#wLp9")
        AdminRoleAssignment.objects.create(user=account, role=DEMO_ADMINS[who])
    stats: dict = {"submissions": 0, "models": set()}
    _fuzz_as(client_for(account), account, stats)
    models = len(stats["models"])
    print(f"\nadmin fuzz as {who}: {stats['submissions']} submissions, {models} models")
    assert stats["models"], who  # every administrative role reaches some admin page
    if who in ("superuser", "sysadmin"):
        assert stats["submissions"] > 100


def test_it_every_registered_admin_turns_refusals_into_form_errors():
    assert not [
        model._meta.label
        for model, model_admin in admin.site._registry.items()
        if not isinstance(model_admin, RefusalsAsFormErrors)
    ]


@pytest.mark.parametrize(
    "refusal",
    [ValidationError("模型拒绝保存。"), IntegrityError("NOT NULL constraint failed")],
    ids=["validation", "integrity"],
)
def test_it_a_save_refused_by_the_model_comes_back_as_a_form_error(
    client_for, root, monkeypatch, refusal
):
    ground = AccountabilityGround.objects.order_by("number").first()
    assert ground is not None  # seeded by the migrations
    url = reverse("admin:accountability_accountabilityground_change", args=[ground.pk])

    def refuse(self, *args, **kwargs):
        raise refusal

    monkeypatch.setattr(AccountabilityGround, "save", refuse)
    c = client_for(root)
    data = {"number": ground.number, "name": "改名", "description": "", "is_active": "on"}
    response = c.post(url, {**data, "_save": "1"})
    assert response.status_code == 200
    errors = [str(e) for e in response.context["adminform"].form.non_field_errors()]
    expected = "模型拒绝保存。" if isinstance(refusal, ValidationError) else "保存未成功"
    assert any(expected in e for e in errors)
    monkeypatch.undo()
    ground.refresh_from_db()
    assert ground.name != "改名"


def test_it_a_clean_error_for_a_field_the_form_does_not_show_is_a_form_error(
    client_for, root, monkeypatch
):
    ground = AccountabilityGround.objects.order_by("number").first()
    url = reverse("admin:accountability_accountabilityground_change", args=[ground.pk])

    def clean(self):
        raise ValidationError({"no_such_field_on_the_form": "隐藏字段的错误。"})

    monkeypatch.setattr(AccountabilityGround, "clean", clean)
    data = {"number": ground.number, "name": "改名", "description": "", "is_active": "on"}
    response = client_for(root).post(url, {**data, "_save": "1"})
    assert response.status_code == 200
    errors = [str(e) for e in response.context["adminform"].form.non_field_errors()]
    assert any("隐藏字段的错误。" in e for e in errors)
