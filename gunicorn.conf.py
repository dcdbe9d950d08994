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
(this file, 50 users, role mix, then the bare login page for 15 s; province database; the
2-core machine shared with other work, load average 6-16 during the runs, so the numbers
move by tens of percent between runs of the same setting):

    W × T    mix req/s   p50 ms   p95 ms   bare login req/s
    4 × 4       3.4      11,581   27,633        423
    2 × 8       3.3      10,436   29,161        196
    3 × 4       2.7      13,406   34,089        362
    5 × 2       3.1       7,735   41,263        270

With the four warning rules switched off in the bench database (to see what they cost):
4 × 4 7.2 req/s (p95 14,029 ms, bare 209), 2 × 8 9.0 req/s (p95 11,820 ms, bare 134).

The mix does not tell the settings apart: it waits on PostgreSQL (the cockpit's warnings
scan the subtree's duty logs — 5 s of one root request — and the task and finding figures
still read ~100,000 rows at the root), which no process count fixes. The bare page, pure
Python, does: two processes cannot use both cores beside PostgreSQL's own work (2 × 8 gave
half of 4 × 4), and 5 × 2 pays for more processes than cores. So the defaults stay 4 × 4
(2 × cores processes, 4 threads), to be measured again once every figure reads count tables.
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
