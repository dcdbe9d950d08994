"""gunicorn configuration of the web process (issue 19), every value overridable by env.

Sizing for the reference machine (2 cores, PostgreSQL on the same box): the cockpit's work
is half Python, half waiting on the database, so a few processes each with several threads
keep both cores busy without the memory of one process per request:

- GUNICORN_WORKERS (default 2 × cores, at most 4): processes — Python's lock allows one
  running thread per process, so at least one per core;
- GUNICORN_THREADS (default 4): threads per process (gthread worker), to overlap database
  waits; with DATABASE_CONN_MAX_AGE each thread keeps its own connection, so PostgreSQL
  needs `max_connections` ≥ workers × threads × web replicas + Celery + headroom
  (2 × 4 = 8 per replica by default);
- GUNICORN_TIMEOUT (60 s), GUNICORN_MAX_REQUESTS (2000, with jitter): a worker is recycled
  after that many requests, bounding any slow memory growth.

Measured (issue 19), `make loadtest LOADTEST_ARGS="--seconds 60 --workers W --threads T"`
(this file, 50 users, role mix, then the bare login page for 15 s; province database).

Once every cockpit figure read count tables (2026-12-05, a quiet 2-core machine about half
as fast as the one of the earlier rounds: the same code's bare login page, 277 req/s here
and 503 there):

    W × T    mix req/s   p50 ms   p95 ms   bare login req/s
    4 × 4      10.7       4,256    9,670        277
    2 × 8      10.4       4,592   10,135        202
    3 × 4      10.9       4,089    8,617        282
    2 × 4      10.9       4,434    9,871        228
    4 × 2      11.2       3,983   10,464        274
    6 × 2      10.5       4,101   10,173        271

The mix is now bound by the pages' Python on both cores, so no setting moves it by more
than the runs' noise (±5 %). The bare page tells them apart: two processes reach only
200-230 req/s, three or more about 275. So the defaults stay 4 × 4 (2 × cores processes,
4 threads to overlap database waits), which is never worse than the others.

Before that (the warnings and the task and finding figures still scanned the subtree, load
average 6-16 from other work), the mix waited on PostgreSQL: 4 × 4 gave 3.4 req/s, 2 × 8
3.3, 3 × 4 2.7, 5 × 2 3.1, and 2 × 8 half the bare rate of 4 × 4.

Used by the image (`gunicorn -c gunicorn.conf.py liangge_zeren.wsgi:application`) and by
`make loadtest` (scripts/loadtest.py --start-gunicorn).
"""

import multiprocessing
import os


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


bind = f"0.0.0.0:{_int('PORT', 8000)}"
workers = _int("GUNICORN_WORKERS", min(2 * multiprocessing.cpu_count(), 4))
threads = _int("GUNICORN_THREADS", 4)
worker_class = "gthread" if threads > 1 else "sync"
timeout = _int("GUNICORN_TIMEOUT", 60)
graceful_timeout = 30
keepalive = 5
max_requests = _int("GUNICORN_MAX_REQUESTS", 2000)
max_requests_jitter = max_requests // 10
accesslog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "*")
