"""Appointments, removals, transfers and 换届 in the browser (issue 16)."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from liangge_zeren.actors import COMMAND
from responsibilities import appointments, services
from responsibilities.models import (
    ItemAssignment,
    Person,
    ResponsibilityLetter,
    Tenure,
)
from responsibilities.rules import APPOINT
from security.models import AdminRole, AdminRoleAssignment
from tests.responsibilities.dutyfix import make_log

pytestmark = pytest.mark.django_db
R = Tenure.Role
TODAY = timezone.localdate()


def make_org_department(cast, org_key="county1", username="county1_orgdept"):
    from demo.cast import _user
    from tests.browser import cast_password

    user = _user(username, cast_password())
    person = Person.objects.create(code=f"T-{username}", name="组织部干部", user=user)
    org = getattr(cast, org_key)
    services.appoint(
        person=person,
        body=cast.bodies[f"{org.code}:committee"],
        role=R.ORG_DEPARTMENT,
        title="组织部部长",
        start_date=datetime.date(2022, 1, 1),
        actor=COMMAND,
    )
    return user


@pytest.fixture
def orgdept(cast):
    return make_org_department(cast)


@pytest.fixture
def sysadmin(db, django_user_model):
    user = django_user_model.objects.create_user(username="sysadmin_t", password="x")
    AdminRoleAssignment.objects.create(user=user, role=AdminRole.SYSTEM)
    return user


def appoint_data(cast, body_key="T-K1:committee", **extra):
    data = {
        "body": cast.bodies[body_key].pk,
        "role": R.TEAM_MEMBER,
        "person_code": "N-0001",
        "person_name": "新干部",
        "title": "县委常委",
        "portfolios": "教育",
        "start_date": TODAY.isoformat(),
        "end_date": "",
    }
    data.update(extra)
    return data


# --- Scoping ---------------------------------------------------------------------------------


class TestScope:
    def test_it_lets_the_org_department_appoint_in_its_own_county(self, cast, orgdept, client_for):
        client = client_for(orgdept)
        assert client.get(reverse("appointment_org", args=[cast.county1.pk])).status_code == 200
        # Its subtree too (a township of the county).
        assert client.get(reverse("appointment_org", args=[cast.township1.pk])).status_code == 200
        response = client.post(
            reverse("appointment_org", args=[cast.county1.pk]), appoint_data(cast)
        )
        assert response.status_code == 302
        tenure = Tenure.objects.get(person__code="N-0001")
        assert (tenure.org, tenure.role, tenure.start_date) == (cast.county1, R.TEAM_MEMBER, TODAY)
        assert list(tenure.portfolios.values_list("name", flat=True)) == ["教育"]
        assert tenure.history.first().history_user == orgdept

    def test_it_hides_sibling_units(self, cast, orgdept, client_for):
        client = client_for(orgdept)
        assert Tenure.objects.filter(org=cast.county2).exists()  # there is something to hide
        url = reverse("appointment_org", args=[cast.county2.pk])
        assert client.get(url).status_code == 404
        data = appoint_data(cast, "T-K2:committee")
        assert client.post(url, data).status_code == 404
        secretary2 = cast.tenures["county2_secretary"]
        for name in ("appointment_remove", "appointment_transfer"):
            assert client.get(reverse(name, args=[secretary2.pk])).status_code == 404
        body2 = cast.bodies["T-K2:committee"]
        assert client.get(reverse("appointment_reshuffle", args=[body2.pk])).status_code == 404
        assert not Tenure.objects.filter(person__code="N-0001").exists()
        # The superior city is not its tree either.
        assert client.get(reverse("appointment_org", args=[cast.city1.pk])).status_code == 404

    def test_it_lets_the_system_administrator_appoint_anywhere(self, cast, sysadmin, client_for):
        client = client_for(sysadmin)
        url = reverse("appointment_org", args=[cast.county2.pk])
        assert client.get(url).status_code == 200
        data = appoint_data(cast, "T-K2:committee", portfolios="")
        assert client.post(url, data).status_code == 302
        assert Tenure.objects.get(person__code="N-0001").org == cast.county2
        index = client.get(reverse("appointment_index"))
        assert index.status_code == 200 and cast.province.name in index.content.decode()

    def test_it_requires_scope(self, cast, client_for):
        for username in ("county1_member", "county1_secretary", "outsider"):
            client = client_for(cast.user(username))
            assert client.get(reverse("appointment_index")).status_code == 403
            url = reverse("appointment_org", args=[cast.county1.pk])
            assert client.get(url).status_code == 404
            assert client.post(url, appoint_data(cast)).status_code == 404
        assert not Tenure.objects.filter(person__code="N-0001").exists()

    def test_it_the_permission_and_its_filter_agree(self, cast, orgdept, sysadmin):
        from responsibilities.models import Organization

        for user in (orgdept, sysadmin, cast.user("county1_member")):
            allowed = set(
                Organization.objects.visible_to(user, APPOINT).values_list("pk", flat=True)
            )
            for org in Organization.objects.all():
                assert user.has_perm(APPOINT, org) == (org.pk in allowed), (user, org)
        assert set(Organization.objects.visible_to(orgdept, APPOINT)) == {
            cast.county1,
            cast.township1,
        }

    def test_it_the_nav_offers_appointments_only_to_appointers(self, cast, orgdept, client_for):
        link = reverse("appointment_index")
        assert link in client_for(orgdept).get(reverse("home")).content.decode()
        assert (
            link
            not in client_for(cast.user("county1_member")).get(reverse("home")).content.decode()
        )


# --- Validation ------------------------------------------------------------------------------


class TestValidation:
    def test_it_refuses_a_second_secretary(self, cast, orgdept, client_for):
        url = reverse("appointment_org", args=[cast.county1.pk])
        response = client_for(orgdept).post(url, appoint_data(cast, role=R.SECRETARY))
        assert response.status_code == 400
        assert "已由 刘海涛 担任" in response.content.decode()
        assert not Tenure.objects.filter(person__code="N-0001").exists()

    def test_it_refuses_a_person_already_holding_a_post_in_the_body(
        self, cast, orgdept, client_for
    ):
        member = cast.people["county1_member"]
        data = appoint_data(cast, person_code=member.code, person_name=member.name)
        response = client_for(orgdept).post(
            reverse("appointment_org", args=[cast.county1.pk]), data
        )
        assert response.status_code == 400
        assert "不能重叠任职" in response.content.decode()
        assert member.tenures.count() == 1

    def test_it_refuses_an_end_before_the_start(self, cast, orgdept, client_for):
        data = appoint_data(cast, end_date=(TODAY - datetime.timedelta(days=3)).isoformat())
        response = client_for(orgdept).post(
            reverse("appointment_org", args=[cast.county1.pk]), data
        )
        assert response.status_code == 400
        assert "任职结束日期不能早于开始日期" in response.content.decode()

    def test_it_refuses_a_code_whose_name_differs(self, cast, orgdept, client_for):
        member = cast.people["county1_member"]
        data = appoint_data(
            cast,
            "T-K1:discipline",
            role=R.DISCIPLINE_OFFICER,
            person_code=member.code,
            person_name="别人",
        )
        response = client_for(orgdept).post(
            reverse("appointment_org", args=[cast.county1.pk]), data
        )
        assert response.status_code == 400
        assert "姓名与所填姓名不一致" in response.content.decode()

    def test_it_a_removal_ends_the_tenure_and_supersedes_its_letters(
        self, duty, orgdept, client_for
    ):
        from responsibilities import letters

        member = duty.tenure("county1_member")
        letter = letters.generate_letter(
            signee=member,
            issuer=duty.tenure("county1_secretary"),
            year=duty.year,
            actor=duty.cast.user("county1_secretary"),
        )
        client = client_for(orgdept)
        url = reverse("appointment_remove", args=[member.pk])
        early = {"end_date": "2000-01-01", "end_reason": ""}
        response = client.post(url, early)
        assert response.status_code == 400
        assert "任职结束日期不能早于开始日期" in response.content.decode()
        assert (
            client.post(url, {"end_date": TODAY.isoformat(), "end_reason": "退休"}).status_code
            == 302
        )
        member.refresh_from_db()
        assert (member.end_date, member.end_reason) == (TODAY, "退休")
        letter.refresh_from_db()
        assert letter.status == ResponsibilityLetter.Status.SUPERSEDED
        with pytest.raises(ValidationError, match="已于"):
            appointments.record_removal(member, end_date=TODAY, reason="", actor=orgdept)

    def test_it_a_transfer_ends_one_post_and_starts_another_on_one_date(
        self, cast, orgdept, client_for
    ):
        member = cast.tenures["county1_member"]
        url = reverse("appointment_transfer", args=[member.pk])
        day = TODAY + datetime.timedelta(days=10)
        data = {
            "effective": day.isoformat(),
            "org_code": "T-X1",
            "body_code": "",
            "role": R.SECRETARY,
            "title": "镇党委书记",
            "portfolios": "",
            "reason": "",
        }
        client = client_for(orgdept)
        refused = client.post(url, data)  # the township already has its secretary
        assert refused.status_code == 400
        assert "已由 冯建军 担任" in refused.content.decode()
        outside = client.post(url, {**data, "org_code": "T-K2"})
        assert outside.status_code == 400
        assert "不在您的任免范围内" in outside.content.decode()
        member.refresh_from_db()
        assert member.end_date is None  # nothing changed by the refusals
        ok = client.post(url, {**data, "role": R.DEPUTY_SECRETARY, "title": "镇党委副书记"})
        assert ok.status_code == 302
        member.refresh_from_db()
        new = Tenure.objects.get(person=member.person, org=cast.township1)
        assert member.end_date == day - datetime.timedelta(days=1)
        assert (new.start_date, new.role, new.body) == (
            day,
            R.DEPUTY_SECRETARY,
            cast.bodies["T-X1:committee"],
        )


# --- 换届 ------------------------------------------------------------------------------------

NEW_TEAM = "N-1,新书记,书记(第一责任人),县委书记\nN-2,新常委,班子成员,县委常委,卫生健康"


@pytest.fixture
def reshuffle_case(duty):
    log = make_log(duty)  # the member's submitted log stays open
    return duty, log


class TestReshuffle:
    def test_it_the_preview_lists_every_effect_and_writes_nothing(self, reshuffle_case, orgdept):
        duty, log = reshuffle_case
        body = duty.cast.bodies["T-K1:committee"]
        before = Tenure.objects.count(), ItemAssignment.objects.count()
        plan = appointments.plan_reshuffle(body, TODAY, NEW_TEAM, viewer=orgdept)
        assert plan.ok, plan.errors
        ending = {t.person.name for t in plan.ending}
        assert ending == {"刘海涛", "陈晓梅"}  # the team, not the 组织部 post
        assert [m.code for m in plan.members] == ["N-1", "N-2"]
        texts = [e.text for e in plan.effects]
        handed = [t for t in texts if "由 刘海涛 移交 新书记" in t]
        assert len(handed) == 3  # the secretary's three items go to the new secretary
        # The member's portfolios (教育, 卫生健康) meet N-2's (卫生健康): handed over too.
        assert any("由 陈晓梅 移交 新常委" in t for t in texts)
        follow = [e.text for e in plan.follow_ups]
        assert any("陈晓梅一岗双责清单" in t for t in follow)
        assert any("履责纪实" in t and "陈晓梅" in t for t in follow)
        assert (Tenure.objects.count(), ItemAssignment.objects.count()) == before

    def test_it_the_preview_names_items_left_without_a_lead(self, reshuffle_case, orgdept):
        duty, _log = reshuffle_case
        body = duty.cast.bodies["T-K1:committee"]
        plan = appointments.plan_reshuffle(
            body, TODAY, "N-1,新书记,书记(第一责任人)", viewer=orgdept
        )
        assert any("陈晓梅" in e.text and "无人牵头" in e.text for e in plan.follow_ups)

    def test_it_the_preview_hides_business_records_from_the_system_administrator(
        self, reshuffle_case, sysadmin
    ):
        duty, _log = reshuffle_case
        body = duty.cast.bodies["T-K1:committee"]
        plan = appointments.plan_reshuffle(body, TODAY, NEW_TEAM, viewer=sysadmin)
        assert plan.effects  # counted…
        joined = " ".join(e.text for e in plan.effects)
        assert "陈晓梅一岗双责清单" not in joined and "无权查看" in joined  # …not shown
        assert all(not e.url for e in plan.effects)

    def test_it_the_preview_reports_bad_lines(self, duty, orgdept):
        body = duty.cast.bodies["T-K1:committee"]
        member = duty.cast.people["county1_member"]
        team = "\n".join(
            [
                "N-1,新书记,书记(第一责任人)",
                "N-9,另一书记,书记(第一责任人)",
                f"{member.code},别人,班子成员",
                "N-3,新人,组织部",
                "N-4",
                "N-5,新人,主任",
            ]
        )
        plan = appointments.plan_reshuffle(body, TODAY, team, viewer=orgdept)
        assert not plan.ok
        joined = "\n".join(plan.errors)
        assert "第 2 行:该职务只能一人担任" in joined
        assert "第 3 行:人员编码" in joined and "不一致" in joined
        assert "第 4 行:换届只办理班子成员的职务" in joined
        assert "第 5 行:至少填写" in joined
        assert "第 6 行:“主任”不是可选的角色" in joined

    def test_it_confirm_applies_it_atomically(self, reshuffle_case, orgdept, client_for):
        duty, _log = reshuffle_case
        body = duty.cast.bodies["T-K1:committee"]
        url = reverse("appointment_reshuffle", args=[body.pk])
        client = client_for(orgdept)
        form = {"effective": TODAY.isoformat(), "team": NEW_TEAM, "reason": "换届"}
        preview = client.post(url, {**form, "action": "preview"})
        assert preview.status_code == 200
        page = preview.content.decode()
        assert "换届预览" in page and "需跟进" in page
        plan = preview.context["plan"]
        assert Tenure.objects.filter(person__code="N-1").count() == 0  # preview wrote nothing

        stale = client.post(url, {**form, "action": "confirm", "fingerprint": "x" * 32})
        assert stale.status_code == 400
        assert "请重新预览" in stale.content.decode()
        assert not Tenure.objects.filter(person__code="N-1").exists()

        done = client.post(url, {**form, "action": "confirm", "fingerprint": plan.fingerprint})
        assert done.status_code == 200
        assert "换届已完成" in done.content.decode()
        assert "陈晓梅一岗双责清单" in done.content.decode()  # the follow-ups are listed
        secretary = duty.tenure("county1_secretary")
        secretary.refresh_from_db()
        assert secretary.end_date == TODAY - datetime.timedelta(days=1)
        new_secretary = Tenure.objects.get(person__code="N-1")
        assert (new_secretary.role, new_secretary.start_date) == (R.SECRETARY, TODAY)
        assert ItemAssignment.objects.filter(tenure=new_secretary).count() == 3
        assert not ItemAssignment.objects.filter(tenure=secretary).exists()
        orgdept_tenure = Tenure.objects.get(person__user=orgdept)
        assert orgdept_tenure.end_date is None  # not part of the team

    def test_it_a_failure_half_way_leaves_everything_as_it_was(
        self, reshuffle_case, orgdept, monkeypatch
    ):
        duty, _log = reshuffle_case
        body = duty.cast.bodies["T-K1:committee"]
        plan = appointments.plan_reshuffle(body, TODAY, NEW_TEAM, viewer=orgdept)
        real_appoint = services.appoint
        calls = []

        def failing_appoint(**kwargs):
            calls.append(kwargs["person"])
            if len(calls) == 2:
                raise ValidationError("模拟写入失败")
            return real_appoint(**kwargs)

        monkeypatch.setattr(services, "appoint", failing_appoint)
        with pytest.raises(ValidationError):
            appointments.apply_reshuffle(
                body,
                effective=TODAY,
                team_text=NEW_TEAM,
                reason="换届",
                fingerprint=plan.fingerprint,
                actor=orgdept,
            )
        assert len(calls) == 2
        assert (
            duty.tenure("county1_secretary")
            .__class__.objects.get(pk=duty.tenure("county1_secretary").pk)
            .end_date
            is None
        )
        assert not Person.objects.filter(code__in=["N-1", "N-2"]).exists()
        assert not Tenure.objects.filter(start_date=TODAY, body=body).exists()


def test_it_lists_a_unit_and_previews_a_reshuffle_in_bounded_queries(
    cast, orgdept, client_for, django_assert_max_num_queries
):
    body = cast.bodies["T-K1:committee"]
    for n in range(12):
        appointments.record_appointment(
            org=cast.county1,
            body=body,
            person_code=f"Q-{n}",
            person_name=f"干部{n}",
            role=R.TEAM_MEMBER,
            start_date=datetime.date(2025, 1, 1),
            portfolio_names=[f"领域{n}"],
            actor=COMMAND,
        )
    client = client_for(orgdept)
    client.get(reverse("home"))  # the session's first-request work is not the page's
    with django_assert_max_num_queries(30):
        page = client.get(reverse("appointment_org", args=[cast.county1.pk]))
    assert page.status_code == 200 and "干部11" in page.content.decode()
    with django_assert_max_num_queries(30):
        plan = appointments.plan_reshuffle(
            body, TODAY, "N-1,新书记,书记(第一责任人)", viewer=orgdept
        )
    assert len(plan.ending) == 14  # the secretary, the member and the twelve
