"""Endpoints of the responsibilities app: the tree, people, posts, lists, items, duty logs."""

import datetime
import re

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone

from demo.cast import HANDOVER
from responsibilities.models import Attachment, DutyLog
from security.models import ApiToken

PROBLEM = "application/problem+json"
CJK = re.compile(r"[\u4e00-\u9fff]")


def _ids(response):
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def _talk(**extra):
    data = {
        "action_type": "talk",
        "occurred_on": timezone.localdate().isoformat(),
        "title": "与县教育局党组书记廉政谈话",
        "summary": "通报教育系统廉政风险点,提出整改要求。",
        "talk_type": "reminder",
        "talk_target": "县教育局党组书记",
    }
    data.update(extra)
    return data


# --- The tree, people and posts ------------------------------------------------------------


def test_it_lists_only_organisations_in_scope(cast, api_for):
    ids = _ids(api_for(cast.user("county1_secretary")).get("/api/v1/organizations/"))
    assert cast.county1.pk in ids and cast.township1.pk in ids
    assert cast.county2.pk not in ids and cast.city1.pk not in ids


def test_it_filters_organisations_under_a_unit_by_id_or_path(cast, api_for):
    client = api_for(cast.user("prov_secretary"))
    by_id = _ids(client.get("/api/v1/organizations/", {"under": cast.city1.pk}))
    by_path = _ids(client.get("/api/v1/organizations/", {"under": cast.city1.path}))
    assert by_id == by_path
    assert {cast.city1.pk, cast.county1.pk, cast.county2.pk, cast.township1.pk} <= by_id
    assert cast.city2.pk not in by_id and cast.province.pk not in by_id


def test_it_hides_sibling_units_with_404_problem_json(cast, api_for):
    client = api_for(cast.user("county1_secretary"))
    response = client.get(f"/api/v1/organizations/{cast.county2.pk}/")
    assert response.status_code == 404
    assert response["Content-Type"] == PROBLEM
    assert CJK.search(response.json()["detail"])
    # The same id exists and county 2 reads it: the 404 is scope, not absence.
    own = api_for(cast.user("county2_secretary")).get(f"/api/v1/organizations/{cast.county2.pk}/")
    assert own.status_code == 200 and own["ETag"] == f'"{cast.county2.version}"'


def test_it_lists_posts_held_on_a_date(cast, api_for):
    client = api_for(cast.user("county1_secretary"))
    former, current = cast.tenures["county1_former"], cast.tenures["county1_secretary"]
    before = _ids(
        client.get("/api/v1/tenures/", {"held_on": (HANDOVER - datetime.timedelta(days=1))})
    )
    today = _ids(client.get("/api/v1/tenures/", {"held_on": timezone.localdate()}))
    assert former.pk in before and current.pk not in before
    assert current.pk in today and former.pk not in today
    people = _ids(client.get("/api/v1/people/", {"held_on": timezone.localdate()}))
    assert current.person_id in people and former.person_id not in people


def test_it_answers_400_for_a_malformed_date(cast, api_for):
    response = api_for(cast.user("county1_secretary")).get("/api/v1/tenures/", {"held_on": "x"})
    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM
    assert "held_on" in response.json()["errors"]


# --- Lists and items -----------------------------------------------------------------------


def test_it_lists_items_with_their_progress(duty, make_log_api):
    make_log_api(duty, submit=True)  # one submitted talk counts towards the member's talk item
    client = duty.client
    rows = client.get("/api/v1/responsibility-items/", {"list": duty.member_list.pk}).json()
    talk = next(r for r in rows["results"] if r["id"] == duty.items["talk"].pk)
    assert talk["progress"]["count"] == 1 and talk["progress"]["required"] == 1
    assert talk["progress"]["state"] == "green"
    one = client.get(f"/api/v1/responsibility-items/{duty.items['talk'].pk}/").json()
    assert one["progress"] == talk["progress"]


def test_it_hides_county1_lists_from_county2(duty, api_for):
    client = api_for(duty.cast.user("county2_secretary"))
    ids = _ids(client.get("/api/v1/responsibility-lists/"))
    assert duty.county2_list.pk in ids and duty.county1_list.pk not in ids
    assert client.get(f"/api/v1/responsibility-lists/{duty.county1_list.pk}/").status_code == 404


# --- Duty logs -----------------------------------------------------------------------------


def test_it_records_a_draft_with_evidence_then_submits_it(duty, api_for):
    client = api_for(duty.cast.user("county1_member"))
    data = _talk(
        items=[duty.items["talk"].pk], file=SimpleUploadedFile("纪要.txt", "谈话纪要".encode())
    )
    response = client.post("/api/v1/duty-logs/", data, format="multipart")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "draft" and body["items"] == [duty.items["talk"].pk]
    assert [a["original_name"] for a in body["attachments"]] == ["纪要.txt"]
    assert response["ETag"] == f'"{body["version"]}"'
    log = DutyLog.objects.get(pk=body["id"])
    assert log.tenure == duty.tenure("county1_member")
    more = client.post(
        f"/api/v1/duty-logs/{log.pk}/attachments/",
        {"file": SimpleUploadedFile("照片说明.txt", "现场照片说明".encode())},
        format="multipart",
    )
    assert more.status_code == 201, more.content
    assert Attachment.objects.filter(log=log, is_removed=False).count() == 2
    submitted = client.post(f"/api/v1/duty-logs/{log.pk}/submit/")
    assert submitted.status_code == 200 and submitted.json()["status"] == "submitted"


def test_it_refuses_a_second_submit_with_409_and_the_rules_message(duty, make_log_api):
    log = make_log_api(duty, submit=True)
    response = duty.client.post(f"/api/v1/duty-logs/{log.pk}/submit/")
    assert response.status_code == 409
    assert response["Content-Type"] == PROBLEM
    assert response.json()["detail"] == "该纪实已经提交。"


def test_it_answers_403_to_a_reader_who_may_not_submit(duty, make_log_api, api_for):
    log = make_log_api(duty)
    secretary = api_for(duty.cast.user("county1_secretary"))
    assert secretary.get(f"/api/v1/duty-logs/{log.pk}/").status_code == 200
    response = secretary.post(f"/api/v1/duty-logs/{log.pk}/submit/")
    assert response.status_code == 403
    assert response["Content-Type"] == PROBLEM and CJK.search(response.json()["detail"])
    assert (
        api_for(duty.cast.user("county2_secretary"))
        .post(f"/api/v1/duty-logs/{log.pk}/submit/")
        .status_code
        == 404
    )
    log.refresh_from_db()
    assert log.status == DutyLog.Status.DRAFT


def test_it_refuses_a_stale_if_match_with_412(duty, make_log_api):
    log = make_log_api(duty)
    client = duty.client
    etag = client.get(f"/api/v1/duty-logs/{log.pk}/")["ETag"]
    first = client.patch(
        f"/api/v1/duty-logs/{log.pk}/", {"place": "县教育局"}, format="json", HTTP_IF_MATCH=etag
    )
    assert first.status_code == 200, first.content
    assert first["ETag"] != etag and first.json()["place"] == "县教育局"
    stale = client.patch(
        f"/api/v1/duty-logs/{log.pk}/", {"place": "县委"}, format="json", HTTP_IF_MATCH=etag
    )
    assert stale.status_code == 412
    assert stale["Content-Type"] == PROBLEM and CJK.search(stale.json()["detail"])
    log.refresh_from_db()
    assert log.place == "县教育局"


def test_it_gives_chinese_field_errors_from_the_service(duty, api_for):
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    client = api_for(duty.cast.user("county1_member"))
    response = client.post("/api/v1/duty-logs/", _talk(occurred_on=tomorrow), format="json")
    assert response.status_code == 400
    assert response.json()["errors"]["occurred_on"] == ["履责日期不能晚于今天。"]
    assert not DutyLog.objects.exists()


def test_it_refuses_recording_without_a_post(cast, api_for):
    response = api_for(cast.user("outsider")).post("/api/v1/duty-logs/", _talk(), format="json")
    assert response.status_code == 403


# --- Service accounts ----------------------------------------------------------------------


def test_it_binds_a_service_account_to_its_subtree(duty, make_log_api, service_token, bearer):
    log = make_log_api(duty, submit=True)
    _token, secret = service_token(org=duty.cast.county1)
    client = bearer(secret)
    ids = _ids(client.get("/api/v1/organizations/"))
    assert duty.cast.county1.pk in ids and duty.cast.township1.pk in ids
    assert duty.cast.county2.pk not in ids and duty.cast.city1.pk not in ids
    assert client.get(f"/api/v1/duty-logs/{log.pk}/").status_code == 200
    assert client.get(f"/api/v1/responsibility-lists/{duty.county2_list.pk}/").status_code == 404


def test_it_refuses_writes_a_service_account_was_not_given(
    duty, make_log_api, service_token, bearer
):
    log = make_log_api(duty)
    _token, secret = service_token(org=duty.cast.county1, capabilities=[])
    response = bearer(secret).post(f"/api/v1/duty-logs/{log.pk}/submit/")
    assert response.status_code == 403
    assert "只读令牌" in response.json()["detail"]
    # With the capability the scoping kit still decides: the account is not the log's author.
    _token, secret = service_token(org=duty.cast.county1, capabilities=["responsibilities.dutylog"])
    assert bearer(secret).post(f"/api/v1/duty-logs/{log.pk}/submit/").status_code == 403
    log.refresh_from_db()
    assert log.status == DutyLog.Status.DRAFT


def test_it_prints_a_personal_token_with_the_command(cast, bearer, capsys):
    call_command("api_token", "county1_secretary", "--expires", "30d")
    secret = capsys.readouterr().out.strip()
    token = ApiToken.objects.get(user=cast.user("county1_secretary"))
    assert token.kind == ApiToken.Kind.PERSONAL
    remaining = token.expires_at - timezone.now()
    assert datetime.timedelta(days=29) < remaining <= datetime.timedelta(days=30)
    assert bearer(secret).get("/api/v1/organizations/").status_code == 200


# --- Query counts --------------------------------------------------------------------------

# token lookup, last-used, grants (tenures + grants), scoped rows, prefetches; people and
# posts also append their read to the audit chain (lock the head, insert, move the head).
LIST_ENDPOINTS = {
    "/api/v1/organizations/": 9,
    "/api/v1/bodies/": 9,
    "/api/v1/people/": 12,
    "/api/v1/tenures/": 12,
    "/api/v1/responsibility-lists/": 9,
    "/api/v1/responsibility-items/": 9,
    "/api/v1/duty-logs/": 9,
}


def test_it_bounds_the_queries_of_every_list_endpoint(
    duty, make_log_api, django_assert_max_num_queries
):
    for _ in range(3):
        make_log_api(duty, submit=True)
    client = duty.client
    client.get("/api/v1/organizations/")  # the token's audit window is claimed once
    for url, bound in LIST_ENDPOINTS.items():
        with django_assert_max_num_queries(bound):
            response = client.get(url)
        assert response.status_code == 200, (url, response.content)
        assert response.json()["results"], url


def test_it_audits_reads_of_people_and_posts_as_the_pages_do(cast, api_for):
    from security.models import AuditEntry

    client = api_for(cast.user("county1_secretary"))
    person = cast.people["county1_member"]
    assert client.get(f"/api/v1/people/{person.pk}/").status_code == 200
    assert client.get("/api/v1/tenures/", {"held_on": timezone.localdate()}).status_code == 200
    reads = AuditEntry.objects.filter(action="view", actor_username="county1_secretary")
    assert reads.filter(object_type="responsibilities.person", object_id=str(person.pk)).exists()
    assert reads.get(object_type="tenure_list").details["query"].startswith("held_on=")
