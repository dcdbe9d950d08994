"""The audit log is append-only and hash-chained; verify_audit finds any break."""

import datetime

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.db.utils import DatabaseError

from security.models import GENESIS_HASH, AppendOnlyError, AuditChainHead, AuditEntry
from security.services import audit, prune_audit, verify_chain


@pytest.fixture
def entries(db, make_user):
    user = make_user("alice")
    return [audit(user, "view", object_type="x.y", object_id=str(i), n=i) for i in range(6)]


def test_it_each_entry_carries_the_previous_entrys_hash(entries):
    rows = list(AuditEntry.objects.order_by("id"))
    assert rows[0].prev_hash == GENESIS_HASH or rows[0].id > 1
    for older, newer in zip(rows, rows[1:], strict=False):
        assert newer.id == older.id + 1
        assert newer.prev_hash == older.hash
        assert len(newer.hash) == 64
    head = AuditChainHead.objects.get()
    assert (head.last_id, head.last_hash) == (rows[-1].id, rows[-1].hash)


def test_it_verify_reports_an_intact_chain(entries, capsys):
    call_command("verify_audit")
    assert "intact" in capsys.readouterr().out


def test_it_the_application_offers_no_update_or_delete(entries):
    entry = AuditEntry.objects.first()
    entry.outcome = "failure"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.update(outcome="failure")
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.filter(pk=entry.pk).delete()


def test_it_the_database_refuses_updates_too(entries):
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE security_auditentry SET outcome = 'failure'")


def _tamper(sql, params=()):
    """What someone with raw database access could do: drop the guard, change a row."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("DROP TRIGGER security_auditentry_no_update")
        else:
            cursor.execute("DROP TRIGGER security_auditentry_no_update ON security_auditentry")
        cursor.execute(sql, params)


def test_it_verify_detects_an_altered_row(entries):
    target = entries[2].id
    _tamper("UPDATE security_auditentry SET actor_username = 'mallory' WHERE id = %s", [target])
    _checked, problems = verify_chain()
    assert [p.entry_id for p in problems] == [target]
    assert "altered" in problems[0].message
    with pytest.raises(CommandError, match="broken"):
        call_command("verify_audit")


def test_it_verify_detects_an_altered_row_whose_hash_was_recomputed(entries):
    target = AuditEntry.objects.get(pk=entries[2].id)
    target.details = {"n": 999}
    forged = target.compute_hash()
    _tamper(
        "UPDATE security_auditentry SET details = %s, hash = %s WHERE id = %s",
        ['{"n": 999}', forged, target.id],
    )
    _checked, problems = verify_chain()
    # The next entry's link no longer matches.
    assert entries[3].id in [p.entry_id for p in problems]


def test_it_verify_detects_a_deleted_row_in_the_middle(entries):
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM security_auditentry WHERE id = %s", [entries[3].id])
    _checked, problems = verify_chain()
    assert problems and problems[0].entry_id == entries[4].id
    assert "missing" in problems[0].message


def test_it_verify_detects_removed_latest_entries(entries):
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM security_auditentry WHERE id = %s", [entries[-1].id])
    _checked, problems = verify_chain()
    assert any("head records" in p.message for p in problems)


def test_it_pruning_keeps_the_chain_verifiable_and_is_audited(entries):
    later = datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=181)
    kept = audit(None, "view", object_type="x.y", object_id="late")
    deleted = prune_audit(None, days=180, now=later + datetime.timedelta(seconds=0))
    # Everything up to now is older than 180 days at `later`: all but the prune entry go.
    assert deleted >= len(entries) + 1
    remaining = list(AuditEntry.objects.order_by("id"))
    assert [e.action for e in remaining] == ["audit_prune"]
    prune = remaining[0]
    assert prune.details["through_id"] == kept.id
    assert prune.details["anchor_hash"] == kept.hash
    checked, problems = verify_chain()
    assert (checked, problems) == (1, [])


def test_it_pruning_keeps_recent_entries(entries):
    assert prune_audit(None, days=180) == 0
    assert AuditEntry.objects.count() == len(entries) + 1 + 1  # + user creation + prune
    assert verify_chain()[1] == []


def test_it_retention_is_at_least_180_days(entries):
    with pytest.raises(ValueError):
        prune_audit(None, days=30)
    with pytest.raises(CommandError):
        call_command("prune_audit", "--days", "30")


def test_it_each_entry_records_who_when_ip_object_and_outcome(rf, make_user):
    from responsibilities.models import Organization

    user = make_user("bob")
    org = Organization(pk=7, name="某县", path="0001.0002.")
    request = rf.get("/x", REMOTE_ADDR="192.0.2.9")
    request.user = user
    request.request_id = "req-1"
    entry = audit(request, "download", org, outcome="denied", file="a.pdf")
    assert entry.actor_username == "bob"
    assert entry.ip == "192.0.2.9"
    assert entry.request_id == "req-1"
    assert (entry.object_type, entry.object_id, entry.object_repr) == (
        "responsibilities.organization",
        "7",
        "某县",
    )
    assert entry.org_path == "0001.0002."
    assert entry.outcome == "denied"
    assert entry.details == {"file": "a.pdf"}
    assert entry.at is not None


def test_it_rejects_unknown_actions(db):
    with pytest.raises(ValueError):
        audit(None, "made_up")
