"""Accountability over the API: read only, restricted exactly as the pages restrict it."""

from security.models import AuditEntry


def _ids(response):
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def test_it_shows_the_case_file_to_the_handling_line_only(cast, acc_world, api_for):
    case = acc_world.case
    officer = api_for(cast.user("county1_jw"))
    assert case.pk in _ids(officer.get("/api/v1/accountability-cases/"))
    detail = officer.get(f"/api/v1/accountability-cases/{case.pk}/")
    assert detail.status_code == 200 and detail.json()["facts"]
    # R26: the same-level committee secretary of the failed unit never sees the file.
    secretary = api_for(cast.user("county1_secretary"))
    assert case.pk not in _ids(secretary.get("/api/v1/accountability-cases/"))
    assert secretary.get(f"/api/v1/accountability-cases/{case.pk}/").status_code == 404


def test_it_audits_every_read_of_a_case_file(cast, acc_world, api_for):
    case = acc_world.case
    before = AuditEntry.objects.filter(action="view", object_id=str(case.pk)).count()
    api_for(cast.user("county1_jw")).get(f"/api/v1/accountability-cases/{case.pk}/")
    assert AuditEntry.objects.filter(action="view", object_id=str(case.pk)).count() == before + 1


def test_it_shows_a_target_only_their_own_decision(cast, acc_world, api_for):
    case = acc_world.case
    former = api_for(cast.user("county1_former"))
    assert former.get(f"/api/v1/accountability-cases/{case.pk}/").status_code == 404
    response = former.get(f"/api/v1/accountability-decisions/{case.pk}/")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["decision_no"] == case.decision_no
    assert {"facts", "report", "hearing_record", "title"}.isdisjoint(body)
    assert [t["name_snapshot"] for t in body["targets"]] == [case.targets.get().name_snapshot]
    # Their own measures, without the internal note.
    measures = former.get("/api/v1/accountability-measures/").json()["results"]
    assert [m["id"] for m in measures] == [acc_world.measure.pk]
    assert "note" not in measures[0]


def test_it_hides_decisions_and_measures_from_everyone_else(cast, acc_world, api_for):
    secretary = api_for(cast.user("county1_secretary"))
    case, measure = acc_world.case, acc_world.measure
    assert secretary.get(f"/api/v1/accountability-decisions/{case.pk}/").status_code == 404
    assert secretary.get(f"/api/v1/accountability-measures/{measure.pk}/").status_code == 404
    officer = api_for(cast.user("county1_jw"))
    assert measure.pk in _ids(officer.get("/api/v1/accountability-measures/"))


def test_it_is_read_only(cast, acc_world, api_for):
    officer = api_for(cast.user("county1_jw"))
    response = officer.post("/api/v1/accountability-cases/", {"title": "x"}, format="json")
    assert response.status_code == 405


def test_it_bounds_the_queries_of_each_list(
    cast, acc_world, api_for, django_assert_max_num_queries
):
    for username, url in (
        ("county1_jw", "/api/v1/accountability-cases/"),
        ("county1_jw", "/api/v1/accountability-measures/"),
        ("county1_former", "/api/v1/accountability-decisions/"),
    ):
        client = api_for(cast.user(username))
        client.get(url)
        with django_assert_max_num_queries(8):
            response = client.get(url)
        assert response.status_code == 200 and response.json()["results"], url
