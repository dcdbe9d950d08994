"""Every API endpoint hides county 1's objects from the sibling county (404).

The endpoints are discovered from the URL resolver (every viewset the API router mounts, with
each of its detail routes and their methods), so a new endpoint is covered automatically.
The ids are those county 1's tokens can read: from the endpoint's list (paged through with
county 1's tokens) or, for an endpoint without a list, its own scoped queryset. County 2's
token must get 404 on every one of them, on every detail route and method, and must not find
them in its lists; county 1's token must get each one (the test is not vacuous).
"""

import datetime
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver

TODAY = datetime.date.today()
READERS = ("county1_secretary", "county1_jw", "county1_member", "county1_former")
SIBLING = "county2_secretary"
API = "/api/v1/"


@dataclass
class Route:
    viewset: type
    template: str  # "/api/v1/findings/{pk}/evidence/"
    methods: dict  # HTTP method -> viewset action
    detail: bool


def _routes(resolver=None, prefix="/"):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern).lstrip("^").rstrip("$")
        if isinstance(entry, URLResolver):
            yield from _routes(entry, route)
        elif isinstance(entry, URLPattern):
            cls = getattr(entry.callback, "cls", None)
            actions = getattr(entry.callback, "actions", None)
            if cls is None or not actions:
                continue
            detail = "pk" in entry.pattern.regex.groupindex
            template = route.replace("(?P<pk>[^/.]+)", "{pk}").replace("<pk>", "{pk}")
            yield Route(cls, template, dict(actions), detail)


def api_routes():
    return [r for r in _routes() if r.template.startswith(API)]


def _world(request, cast):
    """County 1's objects of every kind the endpoints serve (through the apps' services)."""
    from assessments.services import snapshots
    from liangge_zeren.actors import JOBS
    from tests.responsibilities.dutyfix import make_log

    request.getfixturevalue("insp")
    request.getfixturevalue("acc_world")
    make_log(request.getfixturevalue("duty"), submit=True)
    snapshots.compute_quarter(TODAY.year, 1, actor=JOBS)


def _list_ids(client, url):
    ids, next_url = set(), url
    while next_url:
        response = client.get(next_url)
        assert response.status_code == 200, (url, response.status_code, response.content[:300])
        body = response.json()
        ids |= {row["id"] for row in body["results"]}
        next_url = body.get("next")
    return ids


def _queryset_ids(viewset, user):
    from rest_framework.test import APIRequestFactory

    from security.api import endpoint_queryset

    request = APIRequestFactory().get(API)
    request.user = user
    return set(endpoint_queryset(viewset, request).values_list("pk", flat=True))


def _call(client, method, url):
    return getattr(client, method)(url, {}, format="json") if method != "get" else client.get(url)


def _readable(viewset, lists, readers, cast):
    """id -> a county-1 reader who can read it (through the list, else the scoped queryset)."""
    readable: dict[int, str] = {}
    for name, client in readers.items():
        if lists:
            ids = _list_ids(client, lists[0].template)
        else:
            ids = _queryset_ids(viewset, cast.user(name))
        for pk in ids:
            readable.setdefault(pk, name)
    return readable


def _probe(routes, readable, readers, sibling):
    """(leaks, vacuous, requests) over every detail route, method and id."""
    leaks, vacuous, checked = [], [], 0
    for route in routes:
        for pk, reader in sorted(readable.items()):
            url = route.template.format(pk=pk)
            for method in route.methods:
                checked += 1
                status = _call(sibling, method, url).status_code
                if status != 404:
                    leaks.append(f"{SIBLING} got {status} on {method.upper()} {url}")
            if "get" in route.methods:
                status = readers[reader].get(url).status_code
                if status != 200:
                    vacuous.append(f"{reader} got {status} on GET {url}")
    return leaks, vacuous, checked


def test_it_the_sibling_county_gets_404_on_every_county1_object_of_every_endpoint(
    request, cast, api_for
):
    from liangge_zeren.api.viewsets import ScopedViewSet

    _world(request, cast)
    routes = api_routes()
    details = [r for r in routes if r.detail and issubclass(r.viewset, ScopedViewSet)]
    assert len({r.viewset for r in details}) >= 8, "the API's endpoints were not found"
    readers = {name: api_for(cast.user(name)) for name in READERS}
    sibling = api_for(cast.user(SIBLING))

    leaks, vacuous, checked = [], [], 0
    for viewset in sorted({r.viewset for r in details}, key=lambda v: v.__name__):
        lists = [r for r in routes if r.viewset is viewset and not r.detail and "get" in r.methods]
        readable = _readable(viewset, lists, readers, cast)
        if not readable:
            vacuous.append(f"{viewset.__name__}: county 1 reads no object")
            continue
        if lists:
            seen = _list_ids(sibling, lists[0].template)
            leaks += [f"{viewset.__name__} list shows {pk}" for pk in seen & set(readable)]
        found = _probe([r for r in details if r.viewset is viewset], readable, readers, sibling)
        leaks, vacuous, checked = leaks + found[0], vacuous + found[1], checked + found[2]
    assert leaks == [], "out-of-scope tokens must get 404:\n" + "\n".join(leaks)
    assert vacuous == [], "county 1 must read what it lists:\n" + "\n".join(vacuous)
    assert checked >= 20
