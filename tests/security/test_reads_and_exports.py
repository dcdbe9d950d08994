"""Reads of officials' personal data are audited; exports are rate limited and audited."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from security.models import AuditEntry

pytestmark = pytest.mark.django_db


def test_it_every_read_of_a_person_or_tenure_page_is_audited(client_for, cast):
    person = cast.people["county1_member"]
    tenure = cast.tenures["county1_member"]
    c = client_for(cast.user("county1_secretary"))
    assert c.get(reverse("person_detail", args=[person.pk])).status_code == 200
    assert c.get(reverse("tenure_detail", args=[tenure.pk])).status_code == 200
    assert c.get(reverse("person_list"), {"q": person.name}).status_code == 200

    reads = AuditEntry.objects.filter(action="view", actor_username="county1_secretary")
    person_read = reads.get(object_type="responsibilities.person")
    assert person_read.object_id == str(person.pk) and person_read.object_repr == str(person)
    tenure_read = reads.get(object_type="responsibilities.tenure")
    assert tenure_read.object_id == str(tenure.pk) and tenure_read.org_path == tenure.org.path
    search = reads.get(object_type="person_list")
    assert search.details["query"].startswith("q=")  # what was searched for

    # A refused read is not a read of the record (the 404 leaves no "view" entry).
    c = client_for(cast.user("county2_secretary"))
    assert c.get(reverse("person_detail", args=[person.pk])).status_code == 404
    assert not AuditEntry.objects.filter(
        action="view", actor_username="county2_secretary", object_type="responsibilities.person"
    ).exists()


def _routes(resolver=None, namespace="", prefix=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _routes(entry, ns, route)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}", route


def test_it_every_export_view_is_rate_limited(settings):
    """Discovered from the URL routes: every .xlsx/.docx or export URL is in the list."""
    own_limit = {"security:audit_export"}  # 5 a minute, in the view
    exports = {
        name
        for name, route in _routes()
        if not name.startswith("admin:")
        and any(mark in route for mark in (".xlsx", ".docx", "docx/", "export", "template"))
    }
    listed = set(settings.RATE_LIMITED_EXPORT_VIEWS)
    assert exports - own_limit <= listed, f"add to RATE_LIMITED_EXPORT_VIEWS: {exports - listed}"
    known = {name for name, _route in _routes()}
    assert listed <= known, f"stale entries: {listed - known}"


def test_it_exports_beyond_the_limit_are_refused_and_audited(client_for, cast, settings):
    settings.EXPORT_RATE_LIMIT_PER_MINUTE = 2
    c = client_for(cast.user("county1_jw"))
    url = reverse("inspections:ledger_export")
    statuses = [c.get(url).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    exported = AuditEntry.objects.filter(action="export", actor_username="county1_jw")
    assert exported.filter(outcome="success").count() == 2
    denied = exported.get(outcome="denied")
    assert denied.details["reason"] == "rate_limited"
    assert denied.details["view"] == "inspections:ledger_export"
    # Other pages are not affected.
    assert c.get(reverse("inspections:round_list")).status_code == 200
