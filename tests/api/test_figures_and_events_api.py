"""Snapshots, the cockpit (a hidden figure is null with a reason, never 0) and the events feed
(only objects the caller may read, opaque bounded cursor)."""

import datetime

TODAY = datetime.date.today()


def _snapshot(cast):
    from assessments.models import AssessmentSnapshot
    from assessments.services import snapshots
    from liangge_zeren.actors import JOBS

    snapshots.compute_quarter(TODAY.year, 1, actor=JOBS)
    return AssessmentSnapshot.objects.get(org=cast.county1, year=TODAY.year, quarter=1)


def test_it_lists_snapshots_in_scope(cast, api_for, django_assert_max_num_queries):
    snap = _snapshot(cast)
    client = api_for(cast.user("county1_secretary"))
    client.get("/api/v1/assessment-snapshots/")
    with django_assert_max_num_queries(8):
        response = client.get("/api/v1/assessment-snapshots/")
    rows = response.json()["results"]
    assert snap.pk in {r["id"] for r in rows}
    assert all(r["org_name"] != cast.county2.name for r in rows)
    detail = client.get(f"/api/v1/assessment-snapshots/{snap.pk}/").json()
    assert detail["period"] == f"{TODAY.year}Q1" and "scores" in detail
    sibling = api_for(cast.user("county2_secretary"))
    assert sibling.get(f"/api/v1/assessment-snapshots/{snap.pk}/").status_code == 404


def _cells(body, key):
    table = next(t for t in body["tables"] if t["key"] == key)
    return [cell for row in table["rows"] for cell in row["cells"]]


def test_it_shows_a_figure_the_viewer_may_not_see_as_null_with_a_reason(cast, api_for):
    # The city secretary manages the city but has no discipline jurisdiction: 一案双查 figures
    # are the discipline line's, so they are hidden — null, never 0.
    response = api_for(cast.user("city1_secretary")).get(f"/api/v1/cockpit/{cast.city1.pk}/")
    assert response.status_code == 200, response.content
    cells = _cells(response.json(), "dual")
    assert cells and all(c["value"] is None for c in cells)
    assert {c["visibility"] for c in cells} == {"hidden"}
    assert {c["reason"] for c in cells} == {"无权查看"}
    # Figures the viewer may see are numbers.
    rect = _cells(response.json(), "rectification")
    assert rect and all(c["visibility"] == "full" and c["value"] == 0 for c in rect)


def test_it_answers_404_for_a_unit_out_of_scope(cast, api_for):
    client = api_for(cast.user("county2_secretary"))
    assert client.get(f"/api/v1/cockpit/{cast.county1.pk}/").status_code == 404
    assert client.get(f"/api/v1/cockpit/{cast.county2.pk}/?period=2026Q9").status_code == 200


def _events(client, **params):
    response = client.get("/api/v1/events/", params)
    assert response.status_code == 200, response.content
    return response.json()


def test_it_feeds_only_changes_of_objects_the_caller_may_read(cast, insp, api_for):
    secretary = _events(api_for(cast.user("county1_secretary")), limit=200)
    seen = {(e["type"], e["id"]) for e in secretary["events"]}
    assert ("inspections.finding", str(insp.daily.pk)) in seen
    assert ("inspections.finding", str(insp.upward.pk)) not in seen  # upward channel
    assert ("inspections.finding", str(insp.sibling.pk)) not in seen  # sibling county
    assert ("inspections.rectificationtask", str(insp.sibling_task.pk)) not in seen
    assert {e["action"] for e in secretary["events"]} <= {"create", "update", "delete"}
    officer = _events(api_for(cast.user("county1_jw")), limit=200)
    assert ("inspections.finding", str(insp.upward.pk)) in {
        (e["type"], e["id"]) for e in officer["events"]
    }


def test_it_pages_with_an_opaque_cursor_and_keeps_it_when_empty(cast, insp, api_for):
    client = api_for(cast.user("county1_jw"))
    first = _events(client, limit=2)
    assert len(first["events"]) == 2 and first["has_more"] is True
    second = _events(client, after=first["next"], limit=200)
    assert (
        not {e["id"] + e["type"] for e in first["events"]}
        & {e["id"] + e["type"] for e in second["events"]}
        or second["events"][0] != first["events"][0]
    )
    drained = _events(client, after=second["next"])
    assert drained["events"] == [] and drained["has_more"] is False and drained["next"]
    # A new change shows up after the kept cursor.
    from inspections.services import tasks

    tasks.start_task(insp.daily_task, actor=cast.user("county1_secretary"))
    fresh = _events(client, after=drained["next"])
    assert ("inspections.rectificationtask", str(insp.daily_task.pk), "update") in {
        (e["type"], e["id"], e["action"]) for e in fresh["events"]
    }


def test_it_refuses_a_forged_cursor_and_an_unbounded_page(cast, api_for):
    client = api_for(cast.user("county1_jw"))
    assert client.get("/api/v1/events/", {"after": "12"}).status_code == 400
    assert client.get("/api/v1/events/", {"limit": "100000"}).status_code == 400


def test_it_bounds_the_queries_of_the_feed(cast, insp, api_for, django_assert_max_num_queries):
    client = api_for(cast.user("county1_jw"))
    client.get("/api/v1/events/")
    with django_assert_max_num_queries(6):
        assert client.get("/api/v1/events/").status_code == 200
