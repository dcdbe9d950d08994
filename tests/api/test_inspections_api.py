"""Inspections over the API: reads as the pages allow, evidence and verification through the
task services (403 read-only, 409 refused with the rule's message, 400 for a refused file)."""

from django.core.files.uploadedfile import SimpleUploadedFile

from inspections.models import Attachment, RectificationTask, RectificationUpdate

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PROBLEM = "application/problem+json"


def _ids(response):
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def test_it_lists_findings_as_the_pages_do(cast, insp, api_for):
    secretary = _ids(api_for(cast.user("county1_secretary")).get("/api/v1/findings/"))
    officer = _ids(api_for(cast.user("county1_jw")).get("/api/v1/findings/"))
    assert insp.daily.pk in secretary
    # The upward channel is the discipline line's only; the sibling county's is nobody's here.
    assert insp.upward.pk not in secretary and insp.upward.pk in officer
    assert insp.sibling.pk not in secretary | officer


def test_it_hides_an_undisclosed_covert_visit_from_the_committee(cast, insp, api_for):
    client = api_for(cast.user("county1_secretary"))
    assert insp.covert.pk not in _ids(client.get("/api/v1/inspection-rounds/"))
    response = client.get(f"/api/v1/inspection-rounds/{insp.covert.pk}/")
    assert response.status_code == 404 and response["Content-Type"] == PROBLEM


def test_it_submits_evidence_through_the_upload_policy(cast, insp, api_for):
    task = insp.daily_task
    upload = SimpleUploadedFile("整改材料.pdf", PDF, content_type="application/pdf")
    response = api_for(cast.user("county1_secretary")).post(
        f"/api/v1/rectification-tasks/{task.pk}/evidence/",
        {"text": "已召开专题民主生活会", "files": [upload]},
        format="multipart",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["is_closure_request"] is False
    assert [a["original_name"] for a in body["attachments"]] == ["整改材料.pdf"]
    stored = Attachment.objects.get(update_id=body["id"])
    assert stored.sha256 and stored.content_type == "application/pdf"
    task.refresh_from_db()
    assert task.status == RectificationTask.Status.IN_PROGRESS


def test_it_refuses_a_disguised_file_with_400_and_stores_nothing(cast, insp, api_for):
    task = insp.daily_task
    upload = SimpleUploadedFile("材料.pdf", b"<html><script>x</script></html>", "application/pdf")
    response = api_for(cast.user("county1_secretary")).post(
        f"/api/v1/rectification-tasks/{task.pk}/evidence/",
        {"text": "进展", "files": [upload]},
        format="multipart",
    )
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == PROBLEM
    assert "files" in response.json()["errors"]
    assert not RectificationUpdate.objects.filter(task=task).exists()


def test_it_answers_403_to_the_inspecting_side_submitting_evidence(cast, insp, api_for):
    response = api_for(cast.user("county1_jw")).post(
        f"/api/v1/rectification-tasks/{insp.daily_task.pk}/evidence/",
        {"text": "进展"},
        format="multipart",
    )
    assert response.status_code == 403 and response["Content-Type"] == PROBLEM


def test_it_answers_403_to_the_target_verifying_its_own_task(cast, insp, api_for):
    response = api_for(cast.user("county1_secretary")).post(
        f"/api/v1/rectification-tasks/{insp.daily_task.pk}/verify/",
        {"decision": "accept"},
        format="json",
    )
    assert response.status_code == 403


def test_it_refuses_to_close_an_unsubmitted_task_with_409_and_the_rule(cast, insp, api_for):
    response = api_for(cast.user("county1_jw")).post(
        f"/api/v1/rectification-tasks/{insp.daily_task.pk}/verify/",
        {"decision": "accept", "note": "同意"},
        format="json",
    )
    assert response.status_code == 409, response.content
    assert response["Content-Type"] == PROBLEM
    assert "验收销号" in response.json()["detail"]


def test_it_walks_closure_request_return_and_acceptance(cast, insp, api_for):
    task = insp.daily_task
    url = f"/api/v1/rectification-tasks/{task.pk}/"
    target = api_for(cast.user("county1_secretary"))
    officer = api_for(cast.user("county1_jw"))
    progress = target.post(url + "evidence/", {"text": "正在整改"}, format="multipart")
    assert progress.status_code == 201
    submitted = target.post(
        url + "evidence/", {"text": "整改已完成", "closure": "true"}, format="multipart"
    )
    assert submitted.status_code == 201 and submitted.json()["is_closure_request"] is True
    # Returning needs a reason (the service's rule), then the target asks again.
    refused = officer.post(url + "verify/", {"decision": "return"}, format="json")
    assert refused.status_code == 409 and refused.json()["detail"] == "退回必须说明理由。"
    returned = officer.post(url + "verify/", {"decision": "return", "note": "材料不全"})
    assert returned.status_code == 200 and returned.json()["status"] == "returned"
    assert returned.json()["returned_reason"] == "材料不全"
    target.post(url + "evidence/", {"text": "补充材料", "closure": "true"}, format="multipart")
    accepted = officer.post(url + "verify/", {"decision": "accept", "note": "同意销号"})
    assert accepted.status_code == 200 and accepted.json()["status"] == "closed"


def test_it_refuses_bad_input_with_400(cast, insp, api_for):
    response = api_for(cast.user("county1_jw")).post(
        f"/api/v1/rectification-tasks/{insp.daily_task.pk}/verify/",
        {"decision": "maybe"},
        format="json",
    )
    assert response.status_code == 400 and "decision" in response.json()["errors"]


def test_it_bounds_the_queries_of_each_list(cast, insp, api_for, django_assert_max_num_queries):
    client = api_for(cast.user("prov_jw"))
    for url in ("/api/v1/inspection-rounds/", "/api/v1/findings/", "/api/v1/rectification-tasks/"):
        client.get(url)  # token audit, grants: once per window/request
        with django_assert_max_num_queries(8):
            response = client.get(url)
        assert response.status_code == 200 and response.json()["results"], url
