"""Nothing the pages load comes from outside this server (closed networks, no CDN).

Every kind of page a member of the cast (and a superuser, and an anonymous visitor) can reach
is rendered: the resolver's argument-free URLs, the ``<int:pk>`` pages of objects in the
user's scope, and whatever local links those pages offer — up to ``MAX_PAGES_PER_VIEW``
different URLs of one view, since pages of one view share their templates and assets (the
sibling test opens every object URL for the 404 rule). No ``src``/``href``/``url(``
may point at another origin, and every ``/static/`` asset must be one we ship.
"""

import re
from collections import deque
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import django_htmx
import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.staticfiles import finders
from django.test import Client
from django.urls import NoReverseMatch, Resolver404, URLResolver, get_resolver, resolve, reverse

from responsibilities.models import Organization, Person, Tenure
from responsibilities.scoping import scope_q

BASE_DIR = Path(settings.BASE_DIR)
STATIC_DIR = BASE_DIR / "static"
VENDOR_DIR = STATIC_DIR / "vendor"
STATIC_URL = settings.STATIC_URL  # "/static/"
CAST_USERS = (
    "prov_secretary",
    "prov_jw",
    "city1_secretary",
    "city1_jw",
    "county1_secretary",
    "county1_member",
    "county1_jw",
    "county2_secretary",
    "stationed_leader",
    "county1_former",
    "outsider",
)
MAX_PAGES_PER_USER = 500
MAX_PAGES_PER_VIEW = 3

# WhiteNoise warns that STATIC_ROOT is empty; pages are checked against the finders instead.
pytestmark = pytest.mark.filterwarnings("ignore:No directory at:UserWarning")

# <int:pk> pages and the permission that puts an object in the user's scope for them.
PK_PAGES = {
    "org_detail": (Organization, "responsibilities.view_organization"),
    "org_edit": (Organization, "responsibilities.change_organization"),
    "person_detail": (Person, "responsibilities.view_person"),
    "tenure_detail": (Tenure, "responsibilities.view_tenure"),
}

URL_ATTRS = {
    "src",
    "href",
    "action",
    "formaction",
    "poster",
    "data",
    "srcset",
    "background",
    "manifest",
    "xlink:href",
}
EXTERNAL = re.compile(r"^\s*(?:[a-z][a-z0-9+.-]*:)?//", re.IGNORECASE)
CSS_URL = re.compile(r"""url\(\s*(['"]?)(.*?)\1\s*\)|@import\s+(['"])(.*?)\3""", re.IGNORECASE)
# Literal absolute URLs allowed in our own templates and static files: XML namespaces only.
ALLOWED_LITERALS = re.compile(r"""xmlns(?::\w+)?=(?:['"]|%22|%27)?http://www\.w3\.org/""")
LITERAL_URL = re.compile(r"https?://", re.IGNORECASE)


class AssetParser(HTMLParser):
    """Collects every URL-bearing attribute and every CSS url()/@import in a page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.urls: list[tuple[str, str]] = []  # (where, url)
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if value is None:
                continue
            if name in URL_ATTRS:
                candidates = (
                    [part.strip().split(" ")[0] for part in value.split(",")]
                    if name == "srcset"
                    else [value]
                )
                self.urls += [(f"<{tag} {name}>", url) for url in candidates]
            elif name == "style":
                self.urls += [(f"<{tag} style>", url) for url in css_urls(value)]
        self._in_style = tag == "style"

    def handle_endtag(self, tag):
        if tag == "style":
            self._in_style = False

    def handle_data(self, data):
        if self._in_style:
            self.urls += [("<style>", url) for url in css_urls(data)]


def css_urls(text: str) -> list[str]:
    return [m.group(2) if m.group(2) is not None else m.group(4) for m in CSS_URL.finditer(text)]


def page_urls(html: str) -> list[tuple[str, str]]:
    parser = AssetParser()
    parser.feed(html)
    parser.close()
    return parser.urls


def find_static(url: str) -> str | None:
    path = unquote(urlsplit(url).path)
    return finders.find(path.removeprefix(STATIC_URL))


def no_arg_url_names() -> list[str]:
    """Every named URL pattern that reverses without arguments (namespaced names included)."""

    def walk(patterns, namespace=()):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                extra = (pattern.namespace,) if pattern.namespace else ()
                yield from walk(pattern.url_patterns, namespace + extra)
            elif pattern.name:
                yield ":".join((*namespace, pattern.name))

    names = []
    for name in dict.fromkeys(walk(get_resolver().url_patterns)):
        try:
            reverse(name)
        except NoReverseMatch:
            continue
        names.append(name)
    return names


def url_name(url: str) -> str | None:
    try:
        match = resolve(urlsplit(url).path)
    except Resolver404:
        return None
    return match.view_name


def is_local_page(url: str) -> bool:
    parts = urlsplit(url)
    return (
        not parts.scheme
        and not parts.netloc
        and parts.path.startswith("/")
        and not parts.path.startswith(STATIC_URL)
        and url_name(url) is not None
    )


def seeds_for(user) -> list[str]:
    urls = []
    for name in no_arg_url_names():
        url = reverse(name)
        # The admin's own pages are seeded for staff only (others get redirected to its login).
        if url.startswith(reverse("admin:index")) and not (user and user.is_staff):
            continue
        urls.append(url)
    urls.append(reverse("admin:index"))
    if user is not None:
        for name, (model, perm) in PK_PAGES.items():
            for pk in model.objects.filter(scope_q(user, perm)).values_list("pk", flat=True):
                urls.append(reverse(name, args=[pk]))
    return list(dict.fromkeys(urls))


def crawl(client: Client, seeds: list[str]) -> tuple[dict[str, str], dict[str, int]]:
    """GET every seed and every local <a href> on the pages found → (pages, statuses)."""
    admin_prefix = reverse("admin:index")
    pages: dict[str, str] = {}
    statuses: dict[str, int] = {}
    per_view: dict[str | None, int] = {}
    queue = deque(seeds)
    while queue:
        url = queue.popleft().split("#", 1)[0]
        if not url or url in statuses:
            continue
        view = url_name(url)
        if per_view.get(view, 0) >= MAX_PAGES_PER_VIEW and not url.startswith(admin_prefix):
            continue
        per_view[view] = per_view.get(view, 0) + 1
        assert len(statuses) < MAX_PAGES_PER_USER, "crawl did not converge"
        response = client.get(url)
        statuses[url] = response.status_code
        assert response.status_code < 500, url
        if response.status_code in (301, 302, 303, 307, 308):
            target = response["Location"]
            if is_local_page(target):
                queue.append(target)
            continue
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        html = response.content.decode()
        pages[url] = html
        for where, link in page_urls(html):
            # Follow links only (forms are POST); the admin is seeded, not crawled.
            if (
                where == "<a href>"
                and is_local_page(link)
                and not urlsplit(link).path.startswith(admin_prefix)
            ):
                queue.append(link)
    return pages, statuses


def assert_only_local_assets(pages: dict[str, str]) -> int:
    external, missing, checked = [], [], 0
    for url, html in pages.items():
        for where, link in page_urls(html):
            checked += 1
            if EXTERNAL.match(link):
                external.append((url, where, link))
            elif urlsplit(link).path.startswith(STATIC_URL) and not find_static(link):
                missing.append((url, where, link))
    assert external == [], "pages reference other origins"
    assert missing == [], "pages reference /static/ files that are not vendored"
    return checked


def visited_names(pages: dict[str, str]) -> set[str]:
    return {url_name(url) for url in pages}


@pytest.fixture
def superuser(db):
    return get_user_model().objects.create_superuser("root", "root@localhost", "root-pw-2026")


@pytest.mark.parametrize("username", CAST_USERS)
def test_it_serves_only_local_assets_to_each_member_of_the_cast(cast, username):
    user = cast.user(username)
    client = Client()
    client.force_login(user)
    pages, _statuses = crawl(client, seeds_for(user))

    assert assert_only_local_assets(pages) > 0
    # Not vacuous: the pages this user may see were rendered.
    expected = {"home", "person_list", "password_change"}
    for name, (model, perm) in PK_PAGES.items():
        if model.objects.filter(scope_q(user, perm)).exists():
            expected.add(name)
    assert expected <= visited_names(pages)
    if username in ("county1_secretary", "city1_secretary"):
        assert {"org_detail", "org_edit", "person_detail", "tenure_detail"} <= expected


def test_it_serves_only_local_assets_to_a_superuser(cast, superuser):
    client = Client()
    client.force_login(superuser)
    pages, statuses = crawl(client, seeds_for(superuser))

    assert assert_only_local_assets(pages) > 0
    assert statuses[reverse("admin:index")] == 200
    admin_pages = [url for url in pages if url.startswith(reverse("admin:index"))]
    assert len(admin_pages) > 3
    org_pages = {reverse("org_detail", args=[org.pk]) for org in Organization.objects.all()}
    assert len(org_pages & set(pages)) == min(len(org_pages), MAX_PAGES_PER_VIEW)


def test_it_serves_only_local_assets_to_anonymous_visitors(cast):
    pages, statuses = crawl(Client(), seeds_for(None))

    assert assert_only_local_assets(pages) > 0
    assert "login" in visited_names(pages)
    assert statuses[reverse("home")] == 302  # and the login page it leads to was checked


def test_it_htmx_comes_from_django_htmx(cast):
    client = Client()
    client.force_login(cast.user("county1_secretary"))
    html = client.get(reverse("home")).content.decode()
    scripts = [url for where, url in page_urls(html) if where == "<script src>" and "htmx" in url]
    assert scripts, "the base template loads htmx"
    package_dir = Path(django_htmx.__file__).resolve().parent
    for url in scripts:
        found = find_static(url)
        assert found and Path(found).resolve().is_relative_to(package_dir), url
    # …and is not vendored a second time.
    assert not list(STATIC_DIR.rglob("htmx*.js"))


def test_it_vendored_packages_carry_their_licences():
    versions = (VENDOR_DIR / "VERSIONS.txt").read_text()
    for package, licence_marker in (("bootstrap", "MIT License"), ("echarts", "Apache License")):
        licence = VENDOR_DIR / package / "LICENSE"
        assert licence.is_file(), licence
        assert licence_marker in licence.read_text(), licence
        assert re.search(rf"^{package}\s", versions, re.MULTILINE), package
    # Every vendored package (directory) has a licence and a line in VERSIONS.txt.
    for package_dir in (p for p in VENDOR_DIR.iterdir() if p.is_dir()):
        assert (package_dir / "LICENSE").is_file(), package_dir
        assert re.search(rf"^{package_dir.name}\s", versions, re.MULTILINE), package_dir.name


def test_it_stylesheets_and_source_maps_resolve():
    """CSS url()/@import stay local; source maps exist (manifest storage needs them)."""
    problems = []
    for path in sorted(STATIC_DIR.rglob("*")):
        if path.suffix not in (".css", ".js") or not path.is_file():
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        if path.suffix == ".css":
            for url in css_urls(text):
                if url.startswith(("data:", "#")):
                    continue
                if EXTERNAL.match(url) or not (path.parent / urlsplit(url).path).is_file():
                    problems.append((path.relative_to(BASE_DIR), url))
        for source_map in re.findall(r"[#@] sourceMappingURL=(\S+?)(?:\s|\*/|$)", text):
            if not source_map.startswith("data:") and not (path.parent / source_map).is_file():
                problems.append((path.relative_to(BASE_DIR), source_map))
    assert problems == []


def strip_comments(text: str) -> str:
    text = re.sub(r"\{#.*?#\}", "", text, flags=re.DOTALL)
    text = re.sub(r"\{%\s*comment\s*%\}.*?\{%\s*endcomment\s*%\}", "", text, flags=re.DOTALL)
    return re.sub(r"/\*.*?\*/", "", text, flags=re.DOTALL)


def own_front_end_files() -> list[Path]:
    template_dirs = [BASE_DIR / "templates", *sorted(BASE_DIR.glob("*/templates"))]
    files = [p for d in template_dirs for p in d.rglob("*") if p.is_file()]
    files += [
        p
        for p in STATIC_DIR.rglob("*")
        if p.is_file() and not p.resolve().is_relative_to(VENDOR_DIR.resolve())
    ]
    return sorted(files)


def test_it_own_templates_and_static_files_have_no_absolute_urls():
    files = own_front_end_files()
    assert BASE_DIR / "templates" / "base.html" in files
    assert STATIC_DIR / "css" / "app.css" in files
    found = []
    for path in files:
        text = strip_comments(path.read_text(encoding="utf-8", errors="replace"))
        text = ALLOWED_LITERALS.sub("", text)
        for match in LITERAL_URL.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            found.append(f"{path.relative_to(BASE_DIR)}:{line}")
    assert found == []
