"""The read replica router (liangge_zeren/dbrouter.py): which reads may go to the replica.

The routing tests ask the router itself, or record its answers during real requests while
every query still runs on the test database: they hold on SQLite too. The last test needs the
real streaming replica that .ci/run starts (skipped elsewhere, failing there if it cannot run).
"""

import os
import runpy
import time
import uuid

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.utils import ProgrammingError, load_backend
from django.urls import reverse
from django.utils import timezone

import liangge_zeren.settings as settings_module
from liangge_zeren.dbrouter import (
    REPLICA,
    ReplicaRouter,
    ReplicaRoutingMiddleware,
    replica_reads,
    unit_of_work,
)
from responsibilities.models import DutyLog, Organization

ROUTER = ReplicaRouter()


class RecordingRouter(ReplicaRouter):
    """The real decisions, recorded; every query still runs on the test database."""

    reads: list[tuple[str, str]] = []

    def db_for_read(self, model, **hints):
        RecordingRouter.reads.append((model._meta.label, super().db_for_read(model, **hints)))
        return DEFAULT_DB_ALIAS


@pytest.fixture
def recorded(settings):
    settings.DATABASE_ROUTERS = ["tests.api.test_replica.RecordingRouter"]
    middleware = "liangge_zeren.dbrouter.ReplicaRoutingMiddleware"
    if middleware not in settings.MIDDLEWARE:
        settings.MIDDLEWARE = [middleware, *settings.MIDDLEWARE]
    RecordingRouter.reads = []
    return RecordingRouter.reads


def test_it_reads_from_the_primary_outside_replica_reads():
    assert ROUTER.db_for_read(Organization) == DEFAULT_DB_ALIAS
    with unit_of_work():
        assert ROUTER.db_for_read(Organization) == DEFAULT_DB_ALIAS


def test_it_reads_from_the_replica_inside_replica_reads(db):
    with replica_reads():
        assert ROUTER.db_for_read(Organization) == REPLICA
        with replica_reads():  # nested: still the replica
            assert ROUTER.db_for_read(Organization) == REPLICA
    assert ROUTER.db_for_read(Organization) == DEFAULT_DB_ALIAS


def test_it_writes_to_the_primary_and_reads_after_a_write_there_too(db):
    with replica_reads():
        assert ROUTER.db_for_write(DutyLog) == DEFAULT_DB_ALIAS
        # Any model: a read after the block's write may join the written table.
        assert ROUTER.db_for_read(DutyLog) == DEFAULT_DB_ALIAS
        assert ROUTER.db_for_read(Organization) == DEFAULT_DB_ALIAS
    # The next block of another request starts afresh.
    with replica_reads():
        assert ROUTER.db_for_read(Organization) == REPLICA


def test_it_reads_back_from_the_primary_what_the_request_wrote_before_the_block(db):
    with unit_of_work():
        ROUTER.db_for_write(DutyLog)  # e.g. a middleware, or the token check
        with replica_reads():
            assert ROUTER.db_for_read(DutyLog) == DEFAULT_DB_ALIAS
            assert ROUTER.db_for_read(Organization) == REPLICA


def test_it_reads_from_the_primary_inside_an_atomic_block(db):
    with replica_reads():
        with transaction.atomic():
            assert ROUTER.db_for_read(Organization) == DEFAULT_DB_ALIAS
        assert ROUTER.db_for_read(Organization) == REPLICA


def test_it_migrates_and_relates_on_both_aliases_but_migrates_only_the_primary():
    assert ROUTER.allow_migrate(DEFAULT_DB_ALIAS, "responsibilities")
    assert not ROUTER.allow_migrate(REPLICA, "responsibilities")
    assert ROUTER.allow_relation(Organization(), DutyLog())


def test_it_keeps_the_request_record_per_request(db):
    seen = []

    def view(request):
        ROUTER.db_for_write(Organization)
        with replica_reads():
            seen.append(ROUTER.db_for_read(Organization))
        return None

    middleware = ReplicaRoutingMiddleware(view)
    middleware(None)
    with replica_reads():  # a later request: the earlier write no longer holds reads back
        seen.append(ROUTER.db_for_read(Organization))
    assert seen == [DEFAULT_DB_ALIAS, REPLICA]


def test_it_sends_the_cockpit_reads_to_the_replica(cast, client, recorded):
    client.force_login(cast.user("prov_secretary"))
    for name in ("dashboards:cockpit", "dashboards:cockpit_xlsx"):
        recorded.clear()
        response = client.get(reverse(name, args=[cast.province.pk]))
        assert response.status_code == 200
        replica = {label for label, alias in recorded if alias == REPLICA}
        # The units and their figures come from the replica…
        assert "responsibilities.Organization" in replica, (name, recorded)
        # …the session and the user were read by the middleware, before the view, from the
        # primary.
        primary = {label for label, alias in recorded if alias == DEFAULT_DB_ALIAS}
        assert "sessions.Session" in primary


def test_it_sends_an_api_list_to_the_replica_and_a_detail_to_the_primary(cast, api_for, recorded):
    client = api_for(cast.user("prov_secretary"))
    assert client.get("/api/v1/organizations/").status_code == 200
    listed = {alias for label, alias in recorded if label == "responsibilities.Organization"}
    assert listed == {REPLICA, DEFAULT_DB_ALIAS} or listed == {REPLICA}, recorded
    recorded.clear()
    assert client.get(f"/api/v1/organizations/{cast.province.pk}/").status_code == 200
    assert {alias for _label, alias in recorded} == {DEFAULT_DB_ALIAS}


def test_it_keeps_a_write_request_on_the_primary(duty, api_for, recorded):
    client = api_for(duty.cast.user("county1_member"))
    response = client.post(
        "/api/v1/duty-logs/",
        {
            "action_type": "talk",
            "occurred_on": timezone.localdate().isoformat(),
            "title": "与县教育局党组书记廉政谈话",
            "summary": "通报教育系统廉政风险点,提出整改要求。",
            "talk_type": "reminder",
            "talk_target": "县教育局党组书记",
            "items": [duty.items["talk"].pk],
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    assert "responsibilities.DutyLog" in {label for label, _alias in recorded}
    assert {alias for _label, alias in recorded} == {DEFAULT_DB_ALIAS}


def _settings_with(monkeypatch, **env):
    for name in ("DATABASE_URL", "DATABASE_REPLICA_URL"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(settings_module.__file__)


def test_it_has_no_replica_alias_without_database_replica_url(monkeypatch):
    plain = _settings_with(monkeypatch, DATABASE_URL="postgres://u@db:5432/lz")
    assert list(plain["DATABASES"]) == ["default"]
    assert plain["DATABASES"]["default"]["ENGINE"] == "django.db.backends.postgresql"
    assert "DATABASE_ROUTERS" not in plain
    assert not any("dbrouter" in m for m in plain["MIDDLEWARE"])

    both = _settings_with(
        monkeypatch,
        DATABASE_URL="postgres://u@db:5432/lz",
        DATABASE_REPLICA_URL="postgres://u@db-replica:5432/lz",
    )
    assert both["DATABASES"]["default"]["HOST"] == "db"
    replica = both["DATABASES"]["replica"]
    assert (replica["HOST"], replica["CONN_HEALTH_CHECKS"]) == ("db-replica", True)
    assert replica["CONN_MAX_AGE"] == both["DATABASES"]["default"]["CONN_MAX_AGE"]
    assert replica["TEST"] == {"MIRROR": "default"}
    assert both["DATABASE_ROUTERS"] == ["liangge_zeren.dbrouter.ReplicaRouter"]
    assert both["MIDDLEWARE"][0] == "liangge_zeren.dbrouter.ReplicaRoutingMiddleware"


def test_it_turns_postgresql_jit_off_on_every_alias_unless_asked(monkeypatch):
    both = _settings_with(
        monkeypatch,
        DATABASE_URL="postgres://u@db:5432/lz",
        DATABASE_REPLICA_URL="postgres://u@db-replica:5432/lz",
    )
    for alias in ("default", "replica"):
        assert both["DATABASES"][alias]["OPTIONS"]["options"] == "-c jit=off"
    monkeypatch.setenv("DATABASE_JIT", "1")
    jit = _settings_with(monkeypatch, DATABASE_URL="postgres://u@db:5432/lz")
    assert "options" not in jit["DATABASES"]["default"].get("OPTIONS", {})
    sqlite = _settings_with(monkeypatch)
    assert "options" not in sqlite["DATABASES"]["default"]["OPTIONS"]


# --- The real replica (.ci/run) ------------------------------------------------------------


def _wrapper(alias, name):
    """A fresh connection with the settings of `alias` (as configured, not as the test mirror)
    to the database `name`."""
    settings_dict = {**connections.settings[alias], "NAME": name}
    return load_backend(settings_dict["ENGINE"]).DatabaseWrapper(settings_dict, alias)


def _scalar(connection, sql):
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchone()[0]


@pytest.mark.replica
def test_it_reads_through_the_router_a_row_the_primary_streamed_to_the_standby(
    django_db_blocker, settings
):
    """What this proves: with DATABASE_REPLICA_URL pointing at a separate PostgreSQL server that
    is a hot standby of the primary (pg_is_in_recovery, listed in the primary's
    pg_stat_replication), a row committed on the primary is read back by an ORM query that the
    router, inside replica_reads(), sent to the `replica` alias — that is, from the standby.
    It uses a scratch database (REPLICA_PROBE_DB, created on the primary by .ci/run) because the
    test database's rows live in uncommitted test transactions no standby can see."""
    probe = os.environ.get("REPLICA_PROBE_DB", "")
    if not probe or "replica" not in settings.DATABASES:
        if os.environ.get("REQUIRE_REPLICA"):
            pytest.fail("REQUIRE_REPLICA: DATABASE_REPLICA_URL and REPLICA_PROBE_DB must be set")
        pytest.skip("needs a real streaming replica (.ci/run sets DATABASE_REPLICA_URL)")
    primary = _wrapper(DEFAULT_DB_ALIAS, probe)
    standby = _wrapper(REPLICA, probe)
    mirror = connections[REPLICA]
    token = uuid.uuid4().hex
    with django_db_blocker.unblock():
        try:
            assert _scalar(standby, "SELECT pg_is_in_recovery()") is True
            assert _scalar(primary, "SELECT pg_is_in_recovery()") is False
            assert _scalar(primary, "SELECT inet_server_port()") != _scalar(
                standby, "SELECT inet_server_port()"
            )
            assert _scalar(primary, "SELECT count(*) FROM pg_stat_replication") >= 1
            with primary.schema_editor() as editor:
                editor.execute(f"DROP TABLE IF EXISTS {ContentType._meta.db_table}")
                editor.create_model(ContentType)
            with primary.cursor() as cursor:  # autocommit: committed at once
                cursor.execute(
                    f"INSERT INTO {ContentType._meta.db_table} (app_label, model) VALUES (%s, %s)",
                    ["replica_probe", token],
                )
            # The `replica` alias, for this test, is the standby itself rather than the
            # test mirror.
            connections[REPLICA] = standby
            found, started = False, time.monotonic()
            with replica_reads():
                assert ReplicaRouter().db_for_read(ContentType) == REPLICA
                while not found and time.monotonic() - started < 30:
                    try:
                        found = ContentType.objects.filter(model=token).exists()
                    except ProgrammingError:
                        # The table's CREATE has not been replayed yet: the standby lags the
                        # primary by a moment, which is what this loop waits out.
                        found = False
                    if not found:
                        time.sleep(0.05)
            print(f"row visible on the standby after {time.monotonic() - started:.3f}s")
            assert found, "the row never reached the standby"
        finally:
            connections[REPLICA] = mirror
            with primary.schema_editor() as editor:
                editor.execute(f"DROP TABLE IF EXISTS {ContentType._meta.db_table}")
            primary.close()
            standby.close()
