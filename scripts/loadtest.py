#!/usr/bin/env python3
"""Load test of the cockpit and the role pages: N concurrent users on loopback, bounded.

    .venv/bin/python scripts/loadtest.py --start-gunicorn          # DATABASE_URL → PostgreSQL
    .venv/bin/python scripts/loadtest.py --base-url http://127.0.0.1:8000

Plain threads and the standard library only. Each role logs in once (login is rate-limited
by the security app) and its session is shared by that role's threads; each thread then
requests the role's pages in a loop until the duration or the request cap is reached.
Reports p50/p95 per page and overall, and the errors; then, against the same server, the
same number of users requests the bare login page for a short window (`--bare-seconds`), the
ceiling a trivial page reaches, and then the signed-in shell page (no figures) with the roles'
sessions, the ceiling of any signed-in page. The last line is one JSON object (issue 19):
{"rps", "p50_ms", "p95_ms", "errors", "bare_rps", "ratio" (rps ÷ bare_rps), "shell_rps",
"users", "seconds"}. With --start-gunicorn the server runs gunicorn.conf.py (--workers/--threads
override its sizing).
Only loopback targets are accepted.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import ipaddress
import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# (username, pages) — demo roles and the scale tree's two logins (seed_demo --scale province).
ROLES = [
    ("scale_province_secretary", ["/dashboards/", "/dashboards/panels/secretary/"]),
    ("scale_province_county", ["/dashboards/", "/dashboards/panels/secretary/"]),
    ("prov_secretary", ["/dashboards/", "/inspections/ledger/"]),
    ("prov_jw", ["/dashboards/", "/dashboards/panels/discipline/"]),
    ("city1_secretary", ["/dashboards/", "/dashboards/panels/secretary/"]),
    ("county1_secretary", ["/dashboards/", "/dashboards/panels/secretary/", "/"]),
    ("county1_jw", ["/dashboards/panels/discipline/", "/dashboards/"]),
]


def loopback_only(url: str) -> None:
    host = urllib.parse.urlsplit(url).hostname or ""
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(host, None)}
    except socket.gaierror:
        sys.exit(f"cannot resolve {host}")
    if not addresses or not all(ipaddress.ip_address(a).is_loopback for a in addresses):
        sys.exit(f"refusing non-loopback target {url}: this script only loads 127.0.0.0/8 or ::1")


class Session:
    """A logged-in cookie jar for one role (thread-safe enough for GETs)."""

    def __init__(self, base: str, username: str, password: str):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        page = self.opener.open(f"{base}{LOGIN}", timeout=30).read().decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        if not token:
            raise RuntimeError("no CSRF token on the login page")
        data = urllib.parse.urlencode(
            {"username": username, "password": password, "csrfmiddlewaretoken": token.group(1)}
        ).encode()
        request = urllib.request.Request(
            f"{base}{LOGIN}", data=data, headers={"Referer": f"{base}{LOGIN}"}
        )
        response = self.opener.open(request, timeout=30)
        if "/accounts/login/" in response.geturl():
            raise RuntimeError(f"login failed for {username}")

    def get(self, path: str) -> int:
        try:
            response = self.opener.open(f"{self.base}{path}", timeout=60)
            response.read()
            return response.status
        except urllib.error.HTTPError as error:
            return error.code


LOGIN = "/accounts/login/"
# The cheapest signed-in page (one sentence in the base template), as manage.py bench's floor.
SHELL = "/accounts/password_change/done/"


def run_users(users: int, worker) -> float:
    """Run `worker(n)` for n in range(users), one thread each, to the end; seconds taken."""
    threads = [threading.Thread(target=worker, args=(n,)) for n in range(users)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started


def closed_loop_rate(users: int, seconds: float, fetch) -> tuple[float, int]:
    """Requests per second when `users` closed-loop threads call `fetch(n)` (which returns
    the HTTP status) for `seconds`: the same client code and number of users as the mix.
    Returns (req/s, errors)."""
    done = [0, 0]  # requests, errors
    lock = threading.Lock()
    stop_at = time.perf_counter() + seconds

    def worker(n: int) -> None:
        while time.perf_counter() < stop_at:
            try:
                failed = fetch(n) >= 400
            except (urllib.error.URLError, ConnectionError, OSError):
                failed = True
            with lock:
                done[0] += 1
                done[1] += failed

    elapsed = run_users(users, worker)
    return (done[0] / elapsed if elapsed else 0.0), done[1]


def bare_rate(base: str, users: int, seconds: float) -> tuple[float, int]:
    """The bare login page (no session, a template and a CSRF token): the server's ceiling
    for a trivial page."""
    openers = [urllib.request.build_opener() for _ in range(users)]

    def fetch(n: int) -> int:
        try:
            response = openers[n].open(f"{base}{LOGIN}", timeout=60)
            response.read()
            return response.status
        except urllib.error.HTTPError as error:
            return error.code

    return closed_loop_rate(users, seconds, fetch)


def shell_rate(sessions: list[Session], users: int, seconds: float) -> tuple[float, int]:
    """The signed-in shell page (the mix's sessions: middleware, session, grants, navigation,
    no figures): the ceiling for any page a signed-in user opens, before its own work."""
    return closed_loop_rate(users, seconds, lambda n: sessions[n % len(sessions)].get(SHELL))


def wait_for(base: str, seconds: float = 60) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            urllib.request.urlopen(f"{base}/healthz", timeout=2).read()
            return
        except (urllib.error.URLError, ConnectionError, OSError):
            time.sleep(0.5)
    sys.exit(f"server at {base} did not answer /healthz within {seconds} s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", default="http://127.0.0.1:8011")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument(
        "--seconds", "--duration", dest="seconds", type=float, default=120.0, help="max 600"
    )
    parser.add_argument(
        "--bare-seconds",
        type=float,
        default=15.0,
        help="window of the bare login page measured after the mix (same users, same server)",
    )
    parser.add_argument("--max-requests", type=int, default=50_000)
    parser.add_argument("--password", default=os.environ.get("DEMO_PASSWORD", ""))
    parser.add_argument(
        "--start-gunicorn", action="store_true", help="start gunicorn -c gunicorn.conf.py"
    )
    parser.add_argument("--workers", type=int, help="GUNICORN_WORKERS (default: the config's)")
    parser.add_argument("--threads", type=int, help="GUNICORN_THREADS (default: the config's)")
    args = parser.parse_args()
    base = args.base_url.rstrip("/")
    loopback_only(base)
    duration = min(args.seconds, 600.0)
    password = args.password
    if not password:
        sys.path.insert(0, str(ROOT))
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liangge_zeren.settings")
        import django

        django.setup()
        from django.conf import settings

        password = settings.DEMO_PASSWORD

    server = None
    if args.start_gunicorn:
        port = urllib.parse.urlsplit(base).port or 80
        # Production static storage (hashed names) needs the manifest, as a deployment would.
        # With DEBUG=0, as the server below runs: DEBUG=1 in the caller's environment would
        # collect without the manifest, and every page would fail on its static URLs.
        subprocess.run(
            [str(ROOT / ".venv/bin/python"), "manage.py", "collectstatic", "--noinput", "-v0"],
            cwd=ROOT,
            check=True,
            env={**os.environ, "DEBUG": "0"},
        )
        # The production configuration (gunicorn.conf.py), on loopback; --workers/--threads
        # override its sizing through its environment variables.
        sizing = {"GUNICORN_WORKERS": args.workers, "GUNICORN_THREADS": args.threads}
        server = subprocess.Popen(
            [
                str(ROOT / ".venv/bin/gunicorn"),
                "-c",
                str(ROOT / "gunicorn.conf.py"),
                "liangge_zeren.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--timeout",
                "120",
            ],
            cwd=ROOT,
            env={
                **os.environ,
                "DEBUG": "0",
                **{k: str(v) for k, v in sizing.items() if v is not None},
            },
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    try:
        wait_for(base)
        sessions = {}
        for username, _pages in ROLES:
            try:
                sessions[username] = Session(base, username, password)
            except (RuntimeError, urllib.error.URLError) as error:
                print(f"skip role {username}: {error}")
        if not sessions:
            print("no role could log in")
            return 1
        roles = [(u, pages) for u, pages in ROLES if u in sessions]

        timings: dict[str, list[float]] = defaultdict(list)
        errors: dict[str, int] = defaultdict(int)
        lock = threading.Lock()
        count = [0]
        stop_at = time.perf_counter() + duration

        def worker(n: int) -> None:
            username, pages = roles[n % len(roles)]
            session = sessions[username]
            i = n
            while time.perf_counter() < stop_at:
                with lock:
                    if count[0] >= args.max_requests:
                        return
                    count[0] += 1
                path = pages[i % len(pages)]
                i += 1
                started = time.perf_counter()
                status = session.get(path)
                elapsed = time.perf_counter() - started
                with lock:
                    timings[path].append(elapsed)
                    if status >= 400:
                        errors[f"{path} HTTP {status}"] += 1

        load_before = os.getloadavg()
        elapsed = run_users(args.users, worker)
        load_after = os.getloadavg()
        bare_seconds = min(args.bare_seconds, 600.0)
        bare_rps, bare_errors = bare_rate(base, args.users, bare_seconds)
        role_sessions = [sessions[u] for u, _pages in roles]
        shell_rps, shell_errors = shell_rate(role_sessions, args.users, bare_seconds)

        def pct(values: list[float], q: float) -> float:
            ordered = sorted(values)
            return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))] * 1000

        print(f"{args.users} users, {duration:.0f} s, roles: {', '.join(u for u, _ in roles)}")
        print(f"{'page':<34} {'requests':>9} {'p50 ms':>9} {'p95 ms':>9}")
        every = []
        for path, values in sorted(timings.items()):
            every.extend(values)
            print(f"{path:<34} {len(values):>9} {pct(values, 0.5):>9.0f} {pct(values, 0.95):>9.0f}")
        rps = len(every) / elapsed if elapsed else 0.0
        if every:
            print(
                f"{'all':<34} {len(every):>9} {statistics.median(every) * 1000:>9.0f} "
                f"{pct(every, 0.95):>9.0f}   ({rps:.1f} req/s)"
            )
        print(f"errors: {sum(errors.values())} {dict(errors) if errors else ''}")
        print(
            f"bare login page ({LOGIN}), {args.users} users, {args.bare_seconds:.0f} s: "
            f"{bare_rps:.1f} req/s, errors {bare_errors}"
        )
        print(
            f"signed-in shell page ({SHELL}, the roles' sessions), {args.users} users, "
            f"{args.bare_seconds:.0f} s: {shell_rps:.1f} req/s, errors {shell_errors}"
        )
        print(f"load average before {load_before[0]:.2f}, after {load_after[0]:.2f} (2 cores)")
        summary = {
            "rps": round(rps, 1),
            "p50_ms": round(statistics.median(every) * 1000) if every else None,
            "p95_ms": round(pct(every, 0.95)) if every else None,
            "errors": sum(errors.values()),
            "bare_rps": round(bare_rps, 1),
            "ratio": round(rps / bare_rps, 3) if bare_rps else None,
            "shell_rps": round(shell_rps, 1),
            "users": args.users,
            "seconds": round(elapsed, 1),
        }
        print(json.dumps(summary))
        return 0 if not errors else 2
    finally:
        if server is not None:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()


if __name__ == "__main__":
    sys.exit(main())
