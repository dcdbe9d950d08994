"""Keyed evidence chains (issue 14): a database-only rewrite with recomputed plain hashes is
detected in both chains; a rewrite made with the key is accepted (the key is the trust root)."""

from __future__ import annotations

import base64
import datetime
import hashlib
import json

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from notifications.models import Notification
from responsibilities import letters
from responsibilities.models import ResponsibilityLetter, Signature
from security import keys
from security.models import GENESIS_HASH, AuditChainHead, AuditEntry
from security.services import audit, verify_chain

pytestmark = pytest.mark.django_db
PASSWORD = "cast-password-2026"
KEY_A = base64.b64encode(b"a" * 32).decode()
KEY_B = base64.b64encode(b"b" * 32).decode()


@pytest.fixture(autouse=True)
def _keys(settings):
    """A configured key (not the development one) unless a test changes it."""
    settings.CHAIN_KEYS = f"k1:{KEY_A}"
    keys.reset_cache()
    yield
    keys.reset_cache()


def use_keys(settings, text: str) -> None:
    settings.CHAIN_KEYS = text
    keys.reset_cache()


# --- Rewriting rows as someone with database access only ------------------------------------

_TRIGGER = "security_auditentry_no_update"


def rewrite_audit(changes: dict[int, dict], *, plain: bool) -> None:
    """Change entries, then recompute every hash from the first changed one on, as an
    attacker in a database shell would: plain SHA-256 (`plain`), or with the key."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"DROP TRIGGER IF EXISTS {_TRIGGER} ON security_auditentry")
        else:
            cursor.execute(f"DROP TRIGGER IF EXISTS {_TRIGGER}")
    start = min(changes)
    entries = list(AuditEntry.objects.filter(id__gte=start - 1).order_by("id"))
    previous = entries[0].hash if entries[0].id < start else GENESIS_HASH
    for entry in entries:
        if entry.id < start:
            continue
        for field, value in changes.get(entry.id, {}).items():
            setattr(entry, field, value)
        if plain:
            entry.key_id = ""
        entry.prev_hash = previous
        entry.hash = entry.compute_hash()
        previous = entry.hash
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE security_auditentry SET details = %s, key_id = %s, prev_hash = %s, "
                "hash = %s, object_repr = %s WHERE id = %s",
                [
                    json.dumps(entry.details, ensure_ascii=False),
                    entry.key_id,
                    entry.prev_hash,
                    entry.hash,
                    entry.object_repr,
                    entry.id,
                ],
            )
    AuditChainHead.objects.filter(id=1).update(last_id=entries[-1].id, last_hash=previous)


def plain_chain_hash(sig: Signature, prev: str) -> str:
    stamp = sig.signed_at.astimezone(datetime.UTC).isoformat(timespec="microseconds")
    raw = f"{prev}|{sig.letter_id}|{sig.role}|{sig.signer_tenure_id}|{stamp}|{sig.content_sha256}"
    return hashlib.sha256(raw.encode()).hexdigest()


def rewrite_letter(letter: ResponsibilityLetter, new_text: str, *, plain: bool) -> None:
    """The shell attack of the issue: change the letter's text, recompute its content hash
    and every chained hash of its organisation's signatures."""
    content = letter.content
    content["items"][0]["content"] = new_text
    sha = letters.content_hash(content)
    ResponsibilityLetter.objects.filter(pk=letter.pk).update(content=content, content_sha256=sha)
    prev = ""
    for sig in Signature.objects.filter(org_id=letter.org_id).order_by("pk"):
        if sig.letter_id == letter.pk:
            sig.content_sha256 = sha
        kid = "" if plain else sig.key_id
        chain = (
            plain_chain_hash(sig, prev)
            if plain
            else letters.chain_hash(
                prev,
                sig.letter_id,
                sig.role,
                sig.signer_tenure_id,
                sig.signed_at,
                sig.content_sha256,
                kid,
            )
        )
        Signature.objects.filter(pk=sig.pk).update(
            content_sha256=sig.content_sha256, prev_sha256=prev, chain_sha256=chain, key_id=kid
        )
        prev = chain


@pytest.fixture
def signed_letter(duty):
    letter = letters.generate_letter(
        signee=duty.tenure("county1_member"),
        issuer=duty.tenure("county1_secretary"),
        year=duty.year,
        actor=duty.cast.user("county1_secretary"),
    )
    for who in ("county1_secretary", "county1_member"):
        user = duty.cast.user(who)
        letter.refresh_from_db()
        letters.sign_letter(letter, user=user, password=PASSWORD, actor=user)
    letter.refresh_from_db()
    return letter


# --- Letter signatures --------------------------------------------------------------------


def test_it_new_signatures_are_keyed_with_the_current_key(signed_letter):
    sigs = list(signed_letter.signatures.order_by("pk"))
    assert [s.key_id for s in sigs] == ["k1", "k1"]
    assert sigs[1].chain_sha256 != plain_chain_hash(sigs[1], sigs[1].prev_sha256)
    assert letters.verify_chains() == (2, [])


def test_it_a_rewritten_letter_with_recomputed_plain_hashes_is_detected(signed_letter, capsys):
    """The issue's example: rewriting a letter's content and recomputing the hashes in a
    shell gave "OK: 13 signatures, no breaks"."""
    rewrite_letter(signed_letter, "篡改后的条目", plain=True)
    checked, breaks = letters.verify_chains()
    assert checked == 2 and breaks
    assert "unkeyed signature but the chains were never re-keyed (forged)" in {
        b.problem for b in breaks
    }
    with pytest.raises(CommandError):
        call_command("verify_signatures")
    out = capsys.readouterr().out
    assert "OK:" not in out and "FIRST BROKEN LINK" in out


def test_it_a_rewrite_keeping_the_key_id_but_without_the_key_is_detected(signed_letter):
    """Keeping `key_id` and storing a plain hash (no key at hand) breaks the MAC."""
    rewrite_letter(signed_letter, "篡改后的条目", plain=True)
    Signature.objects.update(key_id="k1")
    problems = {b.problem for b in letters.verify_chains()[1]}
    assert "signature row was altered (chain hash mismatch)" in problems


def test_it_a_rewrite_made_with_the_key_is_accepted(signed_letter):
    """The key is the trust root: whoever holds it can re-sign (security/README.md)."""
    rewrite_letter(signed_letter, "持有密钥者的改写", plain=False)
    assert letters.verify_chains() == (2, [])


def test_it_rotated_keys_still_verify_and_an_unknown_key_is_reported(settings, signed_letter):
    use_keys(settings, f"k2:{KEY_B},k1:{KEY_A}")
    assert letters.verify_chains() == (2, [])
    use_keys(settings, f"k2:{KEY_B}")
    problems = {b.problem for b in letters.verify_chains()[1]}
    assert "signed with unknown key 'k1'" in problems


def test_it_unkeyed_signatures_from_before_the_upgrade_verify_up_to_the_recorded_head(
    duty, signed_letter
):
    # Pretend both signatures were made before the chains were keyed: plain hashes, no
    # marker yet (a fresh chain head), then the first audited write after the upgrade.
    rewrite_letter(signed_letter, signed_letter.content["items"][0]["content"], plain=True)
    AuditEntry.objects.all()._prune_through(10**9)
    AuditChainHead.objects.filter(id=1).update(last_id=0, last_hash=GENESIS_HASH, keyed_from=0)
    audit(None, "view", signed_letter)
    marker = AuditEntry.objects.get(action="chain_rekey")
    last = Signature.objects.order_by("-pk").first()
    assert marker.details["letter_heads"] == {str(last.org_id): [last.pk, last.chain_sha256]}
    assert letters.verify_chains() == (2, [])
    # Changing the old text and recomputing the old plain chain no longer reaches the head.
    rewrite_letter(signed_letter, "篡改旧责任书", plain=True)
    problems = {b.problem for b in letters.verify_chains()[1]}
    assert "unkeyed chain differs from the head recorded when it was keyed" in problems


# --- Audit chain ----------------------------------------------------------------------------


def test_it_audit_entries_carry_the_key_id_and_verify():
    for n in range(3):
        audit(None, "export", None, rows=n)
    assert set(AuditEntry.objects.values_list("key_id", flat=True)) == {"k1"}
    assert verify_chain() == (3, [])


def test_it_a_database_only_audit_rewrite_with_plain_hashes_is_detected(capsys):
    for n in range(4):
        audit(None, "export", None, rows=n)
    rewrite_audit({2: {"details": {"rows": 99}}}, plain=True)
    checked, problems = verify_chain()
    assert checked == 4
    assert [p.entry_id for p in problems][:1] == [2]
    assert "unkeyed entry after the chain was keyed (forged)" in str(problems[0])
    with pytest.raises(CommandError):
        call_command("verify_audit")
    assert "FIRST BROKEN LINK #2" in capsys.readouterr().err


def test_it_a_fully_unkeyed_rewrite_is_detected():
    for n in range(3):
        audit(None, "export", None, rows=n)
    rewrite_audit({1: {"details": {"rows": 7}}}, plain=True)
    problems = [str(p) for p in verify_chain()[1]]
    assert problems == ["the chain holds no keyed entry (never re-keyed, or rewritten)"]


def test_it_an_audit_rewrite_made_with_the_key_is_accepted():
    for n in range(3):
        audit(None, "export", None, rows=n)
    rewrite_audit({2: {"details": {"rows": 42}}}, plain=False)
    assert verify_chain() == (3, [])


def test_it_legacy_unkeyed_entries_are_closed_by_a_keyed_marker():
    # Two entries written before the upgrade (plain SHA-256, no key id).
    prev = GENESIS_HASH
    for n in (1, 2):
        entry = AuditEntry(
            id=n, at=datetime.datetime(2026, 1, n, tzinfo=datetime.UTC), action="login"
        )
        entry.prev_hash, entry.details = prev, {}
        entry.hash = entry.compute_hash()
        entry.save()
        prev = entry.hash
    AuditChainHead.objects.update_or_create(id=1, defaults={"last_id": 2, "last_hash": prev})
    audit(None, "export", None, rows=1)
    marker, entry = AuditEntry.objects.filter(id__gt=2).order_by("id")
    assert (marker.action, marker.key_id, marker.details["legacy_through"]) == (
        "chain_rekey",
        "k1",
        2,
    )
    assert marker.details["legacy_head"] == prev
    assert verify_chain() == (4, [])
    # Rewriting a legacy entry and its successor's plain hash cannot reach the marker.
    rewrite_audit({1: {"details": {"forged": True}}}, plain=True)
    assert verify_chain()[1]


def test_it_the_development_key_is_used_without_configuration_and_warned(settings):
    use_keys(settings, "")
    assert keys.chain_keys().is_dev and keys.chain_keys().current == keys.DEV_KEY_ID
    assert [m.id for m in keys.check_chain_key()] == ["security.W901"]
    use_keys(settings, "bad-entry")
    assert [m.id for m in keys.check_chain_key()] == ["security.E901"]


def test_it_reads_keys_from_a_file(settings, tmp_path):
    key_file = tmp_path / "chain.keys"
    key_file.write_text(f"# rotated 2026-12\nk9:{KEY_B}\nk1:{KEY_A}\n")
    settings.CHAIN_KEYS = ""
    settings.CHAIN_KEY_FILE = str(key_file)
    keys.reset_cache()
    loaded = keys.chain_keys()
    assert (loaded.current, sorted(loaded.keys), loaded.is_dev) == ("k9", ["k1", "k9"], False)


def test_it_hmac_sm3_keys_the_chain_when_configured(settings):
    pytest.importorskip("gmssl")
    settings.CHAIN_ALGORITHM = "hmac-sm3"
    keys.reset_cache()
    audit(None, "export", None, rows=1)
    entry = AuditEntry.objects.get()
    assert entry.hash == keys.chain_keys().mac("k1", _body(entry))
    assert verify_chain() == (1, [])


def _body(entry: AuditEntry) -> str:
    payload = entry.chained_payload()
    payload.update(actor_post=entry.actor_post, key_id=entry.key_id)
    body = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return f"{entry.prev_hash}|{body}"


# --- Chain heads, the nightly check ---------------------------------------------------------


def test_it_exports_the_chain_heads_to_a_dated_file(signed_letter, tmp_path, capsys):
    audit(None, "export", None, rows=1)
    call_command("export_chain_heads", "--out", str(tmp_path))
    (path,) = tmp_path.glob("chain-heads-*.json")
    heads = json.loads(path.read_text())
    last = AuditEntry.objects.order_by("-id").first()
    assert heads["audit"]["last_id"] == last.id and heads["audit"]["last_hash"] == last.hash
    sig = Signature.objects.order_by("-pk").first()
    assert heads["letters"][str(sig.org_id)]["chain"] == sig.chain_sha256
    call_command("export_chain_heads", "--out", str(tmp_path))
    assert len(list(tmp_path.glob("chain-heads-*.json"))) == 2  # never overwritten


def test_it_the_nightly_job_alerts_the_security_administrator(
    settings, signed_letter, admins, tmp_path
):
    from notifications import jobs

    settings.CHAIN_HEADS_DIR = str(tmp_path)
    clean = jobs.run("security.chains")
    assert clean["problems"] == 0 and clean["signatures"] == 2
    assert not Notification.objects.filter(recipient=admins["security"]).exists()
    rewrite_letter(signed_letter, "篡改后的条目", plain=True)
    result = jobs.run("security.chains")
    assert result["problems"] > 0 and result["alerted"] == 1
    alert = Notification.objects.get(recipient=admins["security"])
    assert "证据链校验失败" in alert.title and "签字链" in alert.body
    assert len(list(tmp_path.glob("chain-heads-*.json"))) == 2
