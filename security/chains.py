"""Both evidence chains at once: their heads, their export, the nightly check.

`chain_heads()` is what an operator keeps outside the system (`manage.py export_chain_heads`,
and the nightly job into CHAIN_HEADS_DIR): the audit chain's last entry (id and MAC) and each
organisation's last letter signature. A later database restored from an old copy, or a chain
cut short and re-signed with the key, no longer reaches a head kept elsewhere.

`check_chains()` (the nightly job "security.chains"): verifies both chains, exports the heads,
and tells the security administrators in their inbox when anything is broken.
"""

from __future__ import annotations

import datetime
import json
import logging
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from security.keys import chain_keys
from security.models import AdminRole, AuditEntry

log = logging.getLogger("security.chains")


def chain_heads() -> dict[str, Any]:
    from responsibilities.models import Signature

    last = AuditEntry.objects.order_by("-id").only("id", "hash", "key_id", "at").first()
    last_ids = Signature.objects.values("org_id").annotate(last=Max("pk")).values("last")
    letters = {
        str(org_id): {"signature": pk, "chain": chain, "key_id": kid}
        for org_id, pk, chain, kid in Signature.objects.filter(pk__in=last_ids)
        .order_by("org_id")
        .values_list("org_id", "pk", "chain_sha256", "key_id")
    }
    return {
        "generated_at": timezone.now().isoformat(),
        "algorithm": chain_keys().algorithm,
        "audit": {
            "last_id": last.id if last else 0,
            "last_hash": last.hash if last else "",
            "key_id": last.key_id if last else "",
            "at": last.at.isoformat() if last else "",
        },
        "letters": letters,
    }


def export_chain_heads(out_dir: Path | str, day: datetime.date | None = None) -> Path:
    """Write the heads to `<out_dir>/chain-heads-<date>.json` (a later run the same day adds
    its time), never overwriting an earlier file."""
    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    stamp = (day or timezone.localdate()).isoformat()
    path = folder / f"chain-heads-{stamp}.json"
    if path.exists():
        path = folder / f"chain-heads-{stamp}-{timezone.localtime():%H%M%S%f}.json"
    heads = chain_heads()
    path.write_text(json.dumps(heads, ensure_ascii=False, indent=2, sort_keys=True))
    path.chmod(0o640)
    return path


def verify_all() -> tuple[dict[str, int], list[str]]:
    """Both chains: ({"audit": n, "signatures": m} checked, problems as text)."""
    from responsibilities.letters import verify_chains
    from security.services import verify_chain

    audited, audit_problems = verify_chain()
    signed, breaks = verify_chains()
    problems = [_("审计日志 %(problem)s") % {"problem": p} for p in audit_problems]
    problems += [
        _("签字链 单位=%(org)s 签字=%(sig)s 责任书=%(letter)s: %(problem)s")
        % {"org": b.org_id, "sig": b.signature_id, "letter": b.letter_id, "problem": b.problem}
        for b in breaks
    ]
    return {"audit": audited, "signatures": signed}, problems


def security_administrators() -> list[Any]:
    users = get_user_model().objects.filter(is_active=True, admin_role__role=AdminRole.SECURITY)
    return list(users.order_by("pk"))


def check_chains(day: datetime.date | None = None) -> dict[str, Any]:
    """The nightly check: verify, export the heads (CHAIN_HEADS_DIR), alert when broken."""
    checked, problems = verify_all()
    result: dict[str, Any] = {**checked, "problems": len(problems)}
    folder = getattr(settings, "CHAIN_HEADS_DIR", "")
    if folder:
        result["heads_file"] = str(export_chain_heads(folder, day))
    if problems:
        log.error("evidence chains broken: %s", problems[:20])
        result["alerted"] = _alert(problems)
    return result


def _alert(problems: list[str]) -> int:
    from notifications.models import Level
    from notifications.services import notify

    body = "\n".join(problems[:50])
    if len(problems) > 50:
        body += "\n" + _("…(共 %(n)s 处)") % {"n": len(problems)}
    recipients = security_administrators()
    for user in recipients:
        notify(
            user,
            _("证据链校验失败:发现 %(n)s 处断裂") % {"n": len(problems)},
            body=body + "\n" + _("请运行 manage.py verify_audit / verify_signatures 查看详情。"),
            kind="security.chain_broken",
            level=Level.RED,
        )
    return len(recipients)
