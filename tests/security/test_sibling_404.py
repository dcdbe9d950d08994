"""Every URL that takes an object id hides county 1's objects from the sibling county (404).

The URL patterns are discovered from the resolver (all apps, through every include), so a new
view is covered automatically — or, if nobody has told this test how to make a county-1 object
for it, `test_every_object_url_is_in_the_registry` fails and says what to add.
"""

import datetime
from functools import cached_property

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.responsibilities.dutyfix import make_log

TODAY = datetime.date.today()
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

# URL names with arguments that are not object ids, each with the reason.
NOT_OBJECT_URLS = {
    "password_reset_confirm": "uidb64/token from a reset e-mail, not an object id",
    "security:admin_reset": "one-time token from an administrator's reset e-mail",
    "duty_list_import_template": "the template's file type (docx or xlsx), not an object id",
    # The public questionnaire pages (no login): a printed code, the open link's key and the
    # evaluator's invitation secret are what grants them, not an object id (issue 18).
    "assessments:public_code": "a printed one-time answer code (public by design)",
    "assessments:public_open": "the open link's key (public by design)",
    "assessments:public_captcha": "the open link's key (public by design)",
    "assessments:invitation": "an invitation secret sent to one evaluator",
}
# Namespaces left out, each with the reason.
EXCLUDED_NAMESPACES = {
    "admin": "the admin site needs is_staff; scoped admins are tested in their apps",
}


def _walk(resolver, namespace=None, converters=()):
    for entry in resolver.url_patterns:
        found = dict(getattr(entry.pattern, "converters", {}) or {})
        names = set(converters) | set(found) | set(entry.pattern.regex.groupindex)
        if isinstance(entry, URLResolver):
            ns = namespace
            if entry.namespace:
                ns = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
            yield from _walk(entry, ns, tuple(names))
        elif isinstance(entry, URLPattern) and entry.name:
            full = f"{namespace}:{entry.name}" if namespace else entry.name
            yield full, tuple(sorted(names))


def object_url_names() -> dict[str, tuple[str, ...]]:
    urls = {}
    for name, kwargs in _walk(get_resolver()):
        if not kwargs or name in NOT_OBJECT_URLS:
            continue
        if name.split(":")[0] in EXCLUDED_NAMESPACES:
            continue
        urls[name] = kwargs
    return urls


class World:
    """County 1's objects, each built on first use (through the apps' own services/fixtures)."""

    def __init__(self, request, cast):
        self.request = request
        self.cast = cast

    @cached_property
    def duty(self):
        return self.request.getfixturevalue("duty")

    @cached_property
    def acc(self):
        return self.request.getfixturevalue("acc_world")

    @cached_property
    def insp(self):
        return self.request.getfixturevalue("insp")

    @cached_property
    def integrity(self):
        """County 1's 组织部 asks about township 1's secretary; the reply is returned."""
        from accountability.services import integrity
        from responsibilities.models import Tenure
        from tests.accountability.fixtures import appoint_extra, county1_head

        cast = self.cast
        zzb = appoint_extra(
            cast,
            "county1_zzb",
            "组织部干部",
            cast.bodies["T-K1:committee"],
            Tenure.Role.ORG_DEPARTMENT,
            username="county1_zzb",
        )
        head = county1_head(cast)
        request = integrity.submit_request(
            actor=zzb.user, purpose="promotion", names="冯建军\t一号镇"
        )
        reply = request.replies.get()
        jw = cast.user("county1_jw")
        integrity.prepare_draft(reply, actor=jw)
        integrity.sign_reply(reply, actor=head.user)
        integrity.return_reply(reply, actor=jw)
        reply.refresh_from_db()
        return reply

    @cached_property
    def log(self):
        return make_log(self.duty, submit=False)

    @cached_property
    def duty_attachment(self):
        from responsibilities import evidence

        upload = SimpleUploadedFile("记录.pdf", PDF, content_type="application/pdf")
        return evidence.add_attachment(self.log, upload, actor=self.cast.user("county1_member"))

    @cached_property
    def letter(self):
        from responsibilities import letters

        return letters.generate_letter(
            signee=self.duty.tenure("county1_member"),
            issuer=self.duty.tenure("county1_secretary"),
            year=self.duty.year,
            actor=self.duty.cast.user("county1_secretary"),
        )

    @cached_property
    def report(self):
        from responsibilities import letters

        self.log  # noqa: B018  (a report needs a log to count)
        return letters.draft_report(
            org=self.cast.county1,
            year=self.duty.year,
            tenure=self.duty.tenure("county1_member"),
            actor=self.cast.user("county1_member"),
        )

    @cached_property
    def feedback(self):
        from inspections.models import Feedback
        from inspections.services import rounds

        round_ = self.insp.xunshi  # the province's 巡视 of county 1
        return rounds.record_feedback(
            round_,
            actor=self.cast.user("prov_jw"),
            target=round_.round_targets.get(),
            audience=Feedback.Audience.LEADERSHIP_TEAM,
            date=TODAY,
            content="反馈意见",
        )

    @cached_property
    def review(self):
        from inspections.services import rounds

        round_ = self.insp.resup  # city 1's re-supervision of county 1, feedback given
        return rounds.record_face_to_face_review(
            round_,
            actor=self.cast.user("city1_jw"),
            target=round_.round_targets.get(),
            date=TODAY,
            attendees="县纪委监委班子",
            points="讲评要点",
        )

    @cached_property
    def notification(self):
        from notifications.services import notify

        return notify(self.cast.user("county1_secretary"), "一号县的提醒", link="/")

    @cached_property
    def snapshot(self):
        from assessments.models import AssessmentSnapshot
        from assessments.services import snapshots
        from liangge_zeren.actors import JOBS

        snapshots.compute_quarter(TODAY.year, 1, actor=JOBS)
        return AssessmentSnapshot.objects.get(org=self.cast.county1, year=TODAY.year, quarter=1)

    @cached_property
    def person_snapshot(self):
        from assessments.models import PersonAssessmentSnapshot
        from assessments.services import people
        from liangge_zeren.actors import JOBS

        people.compute_people(self.cast.county1, TODAY.year, 1, actor=JOBS)
        return PersonAssessmentSnapshot.objects.get(
            tenure=self.cast.tenures["county1_member"], year=TODAY.year, period=1
        )

    @cached_property
    def evaluation_round(self):
        from assessments.services import evaluations
        from liangge_zeren.actors import JOBS

        return evaluations.open_round(
            org=self.cast.county1, year=TODAY.year, quarter=1, title="民主测评", actor=JOBS
        )

    @cached_property
    def roll_entry(self):
        from assessments.services import evaluations
        from liangge_zeren.actors import JOBS

        return evaluations.add_representative(
            self.evaluation_round, name="特邀代表", note="群众代表", actor=JOBS
        )

    @cached_property
    def questionnaire(self):
        from assessments.services import questionnaires

        return questionnaires.open_questionnaire(
            org=self.cast.county1,
            year=TODAY.year,
            quarter=1,
            title="群众满意度调查",
            closes_on=TODAY + datetime.timedelta(days=30),
            actor=self.cast.user("city1_secretary"),
        )

    @cached_property
    def questionnaire_comment(self):
        from assessments.models import QuestionnaireComment
        from assessments.questionnaires import likert_keys
        from assessments.services import questionnaires

        q = self.questionnaire
        questionnaires.submit_response(
            q,
            actor=questionnaires.PUBLIC,
            answers={key: 4 for key in likert_keys(q.questions)},
            comment="意见",
        )
        return QuestionnaireComment.objects.get(questionnaire=q)

    @cached_property
    def knowledge_test(self):
        """County 1's 知责 test for its secretary and team members (issue 18)."""
        from assessments.models import KnowledgeQuestion
        from assessments.services import knowledge
        from liangge_zeren.actors import DEMO

        for i in range(2):
            knowledge.save_question(
                actor=DEMO,
                org=self.cast.province,
                kind=KnowledgeQuestion.Kind.JUDGE,
                stem=f"判断题{i}",
                options=[],
                answer="对",
                source_article="《中国共产党问责条例》第六条",
                source_kind=KnowledgeQuestion.SourceKind.REGULATION,
                tags=[],
            )
        return knowledge.assign_test(
            actor=self.cast.user("county1_secretary"),
            org=self.cast.county1,
            title="知责测试",
            year=TODAY.year,
            quarter=1,
            roles=["secretary", "team_member"],
            question_count=2,
            opens_on=TODAY,
            closes_on=TODAY,
        )

    @cached_property
    def knowledge_sheet(self):
        return self.knowledge_test.assignments.order_by("pk").first()

    @cached_property
    def study_material(self):
        from liangge_zeren.actors import DEMO
        from responsibilities import study

        return study.add_material(
            self.duty.items["c1_own"], actor=DEMO, title="学习材料", text="内容"
        )

    @cached_property
    def clerk(self):
        """An account without a post, given a business grant by the security administrator."""
        from django.contrib.auth import get_user_model

        return get_user_model().objects.create_user("clerk-404", password="Clerk-pass-2026")

    @cached_property
    def admin_request(self):
        """A pending four-eyes request about an administrator account."""
        from django.contrib.auth import get_user_model

        from security.models import AdminAccountRequest, AdminRole, AdminRoleAssignment

        users = get_user_model().objects
        asker = users.create_user("secadmin-404", password="Sec-pass-2026x")
        target = users.create_user("auditadmin-404", password="Audit-pass-2026x")
        AdminRoleAssignment.objects.create(user=asker, role=AdminRole.SECURITY)
        AdminRoleAssignment.objects.create(user=target, role=AdminRole.AUDIT)
        return AdminAccountRequest.objects.create(
            target=target, kind="deactivate", reason="调岗", requested_by=asker
        )

    @cached_property
    def api_token(self):
        from security.tokens import issue_personal

        return issue_personal(self.cast.user("county1_member"))[0]

    @cached_property
    def scope_grant(self):
        from security.models import ScopeGrant

        return ScopeGrant.objects.create(
            user=self.clerk, capability="view", org=self.cast.county1, reason="台账整理"
        )

    @cached_property
    def insp_attachment(self):
        from inspections.uploads import save_attachments

        upload = SimpleUploadedFile("证据.pdf", PDF, content_type="application/pdf")
        return save_attachments(
            [upload], user=self.cast.user("county1_jw"), finding=self.insp.daily
        )[0]


def _pk(obj):
    return {"pk": obj.pk}


# POST data for views that refuse a bare POST before looking the object up (a refusal that
# does not depend on the object leaks nothing, but would hide what this test checks).
POST_DATA = {
    "duty_list_transition": {"action": "refresh_copy"},
    "inspections:round_transition": {"action": "start_on_site"},
}


# url name -> function(World) -> URL kwargs naming a county-1 object.
REGISTRY = {
    # responsibilities: org tree, people, tenures
    "org_detail": lambda w: _pk(w.cast.county1),
    "org_edit": lambda w: _pk(w.cast.county1),
    "person_detail": lambda w: _pk(w.cast.people["county1_member"]),
    "tenure_detail": lambda w: _pk(w.cast.tenures["county1_member"]),
    "tenure_end": lambda w: _pk(w.cast.tenures["county1_member"]),
    # responsibilities: appointments and 换届
    "appointment_org": lambda w: _pk(w.cast.county1),
    "appointment_remove": lambda w: _pk(w.cast.tenures["county1_member"]),
    "appointment_transfer": lambda w: _pk(w.cast.tenures["county1_member"]),
    "appointment_reshuffle": lambda w: _pk(w.cast.bodies[f"{w.cast.county1.code}:committee"]),
    # responsibilities: lists, items, logs, letters, reports
    "duty_list_detail": lambda w: _pk(w.duty.county1_list),
    "duty_list_transition": lambda w: _pk(w.duty.county1_list),
    "duty_list_import": lambda w: _pk(w.duty.county1_list),
    "duty_template_issue": lambda w: _pk(w.duty.county1_list),
    "duty_template_push": lambda w: _pk(w.duty.county1_list),
    "duty_item_create": lambda w: _pk(w.duty.county1_list),
    "duty_item_detail": lambda w: _pk(w.duty.items["c1_own"]),
    "duty_item_edit": lambda w: _pk(w.duty.items["c1_own"]),
    "duty_item_owners": lambda w: _pk(w.duty.items["c1_own"]),
    "duty_item_withdraw": lambda w: _pk(w.duty.items["c1_own"]),
    "duty_item_material_add": lambda w: _pk(w.duty.items["c1_own"]),
    "duty_item_material_remove": lambda w: {
        "pk": w.duty.items["c1_own"].pk,
        "material_pk": w.study_material.pk,
    },
    "duty_gap_matrix": lambda w: _pk(w.cast.county1),
    "duty_unit_items": lambda w: _pk(w.cast.county1),
    "duty_method_mix": lambda w: _pk(w.cast.county1),
    "duty_log_detail": lambda w: _pk(w.log),
    "duty_log_edit": lambda w: _pk(w.log),
    "duty_log_submit": lambda w: _pk(w.log),
    "duty_log_review": lambda w: _pk(w.log),
    "duty_log_amend": lambda w: _pk(w.log),
    "duty_attachment_upload": lambda w: _pk(w.log),
    "duty_attachment": lambda w: _pk(w.duty_attachment),
    "duty_attachment_remove": lambda w: _pk(w.duty_attachment),
    "duty_letter_detail": lambda w: _pk(w.letter),
    "duty_letter_sign": lambda w: _pk(w.letter),
    "duty_letter_revise": lambda w: _pk(w.letter),
    "duty_letter_docx": lambda w: _pk(w.letter),
    "duty_report_detail": lambda w: _pk(w.report),
    "duty_report_submit": lambda w: _pk(w.report),
    "duty_report_acknowledge": lambda w: _pk(w.report),
    "duty_report_docx": lambda w: _pk(w.report),
    # inspections
    "inspections:round_detail": lambda w: _pk(w.insp.xuncha),
    "inspections:round_transition": lambda w: _pk(w.insp.xuncha),
    "inspections:round_edit": lambda w: _pk(w.insp.xuncha),
    "inspections:feedback_add": lambda w: _pk(w.insp.resup),
    "inspections:feedback_docx": lambda w: _pk(w.feedback),
    "inspections:review_add": lambda w: _pk(w.insp.resup),
    "inspections:review_acknowledge": lambda w: {"pk": w.insp.resup.pk, "review_pk": w.review.pk},
    "inspections:report_submit": lambda w: {
        "pk": w.insp.resup.pk,
        "report_pk": w.insp.resup.reports.order_by("pk").first().pk,
    },
    "inspections:report_docx": lambda w: {
        "pk": w.insp.resup.pk,
        "target_pk": w.insp.resup.round_targets.get().pk,
    },
    "inspections:finding_detail": lambda w: _pk(w.insp.daily),
    "inspections:finding_edit": lambda w: _pk(w.insp.daily),
    "inspections:finding_add_evidence": lambda w: _pk(w.insp.daily),
    "inspections:finding_add_responsibility": lambda w: _pk(w.insp.daily),
    "inspections:finding_add_task": lambda w: _pk(w.insp.daily),
    "inspections:finding_transfer": lambda w: _pk(w.insp.daily),
    "inspections:finding_mark_concealed": lambda w: _pk(w.insp.daily),
    "inspections:task_detail": lambda w: _pk(w.insp.daily_task),
    "inspections:task_action": lambda w: {"pk": w.insp.daily_task.pk, "action": "start"},
    "inspections:attachment_download": lambda w: _pk(w.insp_attachment),
    # accountability
    "accountability:case_from_finding": lambda w: _pk(w.insp.daily),
    "accountability:case_detail": lambda w: _pk(w.acc.case),
    "accountability:case_decision_docx": lambda w: _pk(w.acc.case),
    "accountability:case_transition": lambda w: {"pk": w.acc.case.pk, "action": "start_execution"},
    "accountability:case_targets": lambda w: _pk(w.acc.case),
    "accountability:case_org_target": lambda w: _pk(w.acc.case),
    "accountability:case_measure_add": lambda w: _pk(w.acc.case),
    "accountability:measure_formalities": lambda w: {
        "pk": w.acc.case.pk,
        "measure_pk": w.acc.measure.pk,
    },
    "accountability:case_correct": lambda w: _pk(w.acc.case),
    "accountability:case_appeal": lambda w: _pk(w.acc.case),
    "accountability:case_conflict": lambda w: _pk(w.acc.case),
    "accountability:case_chain": lambda w: _pk(w.acc.case),
    "accountability:appeal_decide": lambda w: _pk(w.acc.appeal),
    "accountability:disciplinary_detail": lambda w: _pk(w.acc.dcase),
    "accountability:disciplinary_decide": lambda w: _pk(w.acc.dcase),
    "accountability:disciplinary_conflict": lambda w: _pk(w.acc.dcase),
    "accountability:disciplinary_share": lambda w: _pk(w.acc.dcase),
    "accountability:disciplinary_open_dual": lambda w: _pk(w.acc.dcase),
    "accountability:disciplinary_archive": lambda w: _pk(w.acc.dcase),
    "accountability:probe_conclude": lambda w: _pk(w.acc.probe),
    # accountability: 党风廉政意见回复 and the 廉政档案 (issue 16)
    "accountability:integrity_request": lambda w: _pk(w.integrity.request),
    "accountability:integrity_request_withdraw": lambda w: _pk(w.integrity.request),
    "accountability:integrity_reply": lambda w: _pk(w.integrity),
    "accountability:integrity_reply_action": lambda w: {"pk": w.integrity.pk, "action": "sign"},
    "accountability:integrity_reply_docx": lambda w: _pk(w.integrity),
    "accountability:integrity_record": lambda w: _pk(w.cast.people["township1_secretary"]),
    # notifications: a county-1 secretary's inbox message (issue 6)
    "notifications:detail": lambda w: _pk(w.notification),
    "notifications:open": lambda w: _pk(w.notification),
    "notifications:mark_read": lambda w: _pk(w.notification),
    "notifications:group": lambda w: _pk(w.notification),
    "notifications:mark_group_read": lambda w: _pk(w.notification),
    # assessments: county 1's quarterly snapshot and democratic evaluation (issue 6)
    "assessments:snapshot_detail": lambda w: _pk(w.snapshot),
    "assessments:snapshot_publish": lambda w: _pk(w.snapshot),
    "assessments:snapshot_recompute": lambda w: _pk(w.snapshot),
    "assessments:snapshot_adjust": lambda w: _pk(w.snapshot),
    "assessments:round_vote": lambda w: _pk(w.evaluation_round),
    "assessments:round_close": lambda w: _pk(w.evaluation_round),
    # assessments: the round's page, its voter roll and its codes (issue 18)
    "assessments:round_detail": lambda w: _pk(w.evaluation_round),
    "assessments:roll_add": lambda w: _pk(w.evaluation_round),
    "assessments:roll_representative": lambda w: _pk(w.evaluation_round),
    "assessments:issue_codes": lambda w: _pk(w.evaluation_round),
    "assessments:roll_remove": lambda w: {"pk": w.evaluation_round.pk, "entry_pk": w.roll_entry.pk},
    # dashboards: a warning's rows on county 1's cockpit (issue 18)
    "dashboards:warning_rows": lambda w: {"pk": w.cast.county1.pk, "code": "signed_then_idle"},
    "assessments:snapshot_input": lambda w: _pk(w.snapshot),
    "assessments:snapshot_open_round": lambda w: _pk(w.snapshot),
    # assessments: county 1's public questionnaire and a comment on it (issue 18)
    "assessments:questionnaire_detail": lambda w: _pk(w.questionnaire),
    "assessments:questionnaire_codes": lambda w: _pk(w.questionnaire),
    "assessments:questionnaire_invite": lambda w: _pk(w.questionnaire),
    "assessments:questionnaire_close": lambda w: _pk(w.questionnaire),
    "assessments:third_party": lambda w: _pk(w.questionnaire),
    "assessments:comment_handle": lambda w: _pk(w.questionnaire_comment),
    # assessments: county 1's team and a member's result (issue 18)
    "assessments:person_team": lambda w: {"org_pk": w.cast.county1.pk},
    "assessments:person_team_compute": lambda w: {"org_pk": w.cast.county1.pk},
    "assessments:person_team_docx": lambda w: {"org_pk": w.cast.county1.pk},
    "assessments:person_detail": lambda w: _pk(w.person_snapshot),
    "assessments:person_publish": lambda w: _pk(w.person_snapshot),
    "assessments:person_recompute": lambda w: _pk(w.person_snapshot),
    "assessments:person_interview": lambda w: _pk(w.person_snapshot),
    "assessments:person_review": lambda w: _pk(w.person_snapshot),
    "assessments:knowledge_test": lambda w: _pk(w.knowledge_test),
    "assessments:knowledge_sheet": lambda w: _pk(w.knowledge_sheet),
    # dashboards: county 1's cockpit, its export and quarterly report (issue 7)
    "dashboards:cockpit": lambda w: _pk(w.cast.county1),
    "dashboards:cockpit_xlsx": lambda w: _pk(w.cast.county1),
    "dashboards:cockpit_docx": lambda w: _pk(w.cast.county1),
    # security: the security administrator's role and permission pages (any account id;
    # everyone else gets 404 before the lookup)
    "security:access_detail": lambda w: _pk(w.clerk),
    "security:access_role_assign": lambda w: _pk(w.clerk),
    "security:access_role_revoke": lambda w: _pk(w.clerk),
    "security:access_grant": lambda w: _pk(w.clerk),
    "security:access_grant_revoke": lambda w: _pk(w.scope_grant),
    # security: the four-eyes requests about administrator accounts (administrators only)
    "security:admin_request_confirm": lambda w: _pk(w.admin_request),
    "security:admin_request_cancel": lambda w: _pk(w.admin_request),
    # security: API tokens (the security administrator's page; everyone else gets 404)
    "security:api_token_revoke": lambda w: _pk(w.api_token),
    # the REST API (/api/v1/, issue 15), through the browser session: county 1's objects
    "organization-detail": lambda w: _pk(w.cast.county1),
    "body-detail": lambda w: _pk(w.cast.bodies[f"{w.cast.county1.code}:committee"]),
    "person-detail": lambda w: _pk(w.cast.people["county1_member"]),
    "tenure-detail": lambda w: _pk(w.cast.tenures["county1_member"]),
    "responsibilitylist-detail": lambda w: _pk(w.duty.county1_list),
    "responsibilityitem-detail": lambda w: _pk(w.duty.items["talk"]),
    "dutylog-detail": lambda w: _pk(w.log),
    "dutylog-submit": lambda w: _pk(w.log),
    "dutylog-attachments": lambda w: _pk(w.log),
    "inspectionround-detail": lambda w: _pk(w.insp.xuncha),
    "finding-detail": lambda w: _pk(w.insp.daily),
    "rectificationtask-detail": lambda w: _pk(w.insp.daily_task),
    "rectificationtask-evidence": lambda w: _pk(w.insp.daily_task),
    "rectificationtask-verify": lambda w: _pk(w.insp.daily_task),
    "accountabilitycase-detail": lambda w: _pk(w.acc.case),
    "accountabilitydecision-detail": lambda w: _pk(w.acc.case),
    "accountabilitymeasure-detail": lambda w: _pk(w.acc.measure),
    "assessmentsnapshot-detail": lambda w: _pk(w.snapshot),
    "cockpit-detail": lambda w: _pk(w.cast.county1),
}


def test_it_every_object_url_is_in_the_registry():
    discovered = object_url_names()
    missing = sorted(set(discovered) - set(REGISTRY))
    hint = "\n".join(
        f'    "{name}": lambda w: {{{", ".join(f"{k!r}: ..." for k in discovered[name])}}},'
        for name in missing
    )
    assert not missing, (
        "These URL patterns take an object id but tests/security/test_sibling_404.py does not "
        "know how to make a county-1 object for them. Add each to REGISTRY (build the object "
        "through your app's services or test fixtures, as a cached property on World if it "
        "is shared), or to NOT_OBJECT_URLS with a reason if the argument is not an object "
        f"id:\n{hint}"
    )
    stale = sorted(set(REGISTRY) - set(discovered))
    assert not stale, f"REGISTRY names URL patterns that no longer exist: {stale}"


def _request(client, url, name):
    response = client.get(url)
    if response.status_code == 405:
        response = client.post(url, POST_DATA.get(name, {}))
    return response


def test_it_the_sibling_unit_and_the_outsider_get_404_on_every_object_url(
    request, cast, settings, tmp_path
):
    """One world for all URLs (fast); every failure is collected and reported together."""
    from django.contrib.auth import get_user_model

    settings.MEDIA_ROOT = tmp_path / "media"
    world = World(request, cast)
    live = object_url_names()
    urls = {
        name: reverse(name, kwargs=make(world)) for name, make in REGISTRY.items() if name in live
    }
    assert len(urls) >= 40

    clients = {}
    for username in ("county2_secretary", "outsider"):
        clients[username] = Client(raise_request_exception=False)
        clients[username].force_login(cast.user(username))
    root = get_user_model().objects.create_superuser("root-404", password="Root-pass-2026")
    control = Client(raise_request_exception=False)
    control.force_login(root)

    leaks, vacuous = [], []
    for name, url in sorted(urls.items()):
        for username, client in clients.items():
            status = _request(client, url, name).status_code
            if status != 404:
                leaks.append(f"{username} got {status} on {name} {url}")
    # Not vacuous: the objects exist — an unrestricted user does not get 404 (checked after
    # the sibling requests, since a control POST may change the object's state).
    for name, url in sorted(urls.items()):
        if _request(control, url, name).status_code == 404:
            vacuous.append(f"{name} {url}")
    assert leaks == [], "out-of-scope users must get 404:\n" + "\n".join(leaks)
    assert vacuous == [], "404 even for a superuser (bad registry entry?):\n" + "\n".join(vacuous)
