"""Scheduled jobs of the security app (the notifications job registry discovers this module)."""

from __future__ import annotations

import datetime

from notifications.jobs import job


@job(
    "security.chains",
    description="校验审计链与签字链并导出链头 / verify the evidence chains, export their heads",
    reminder=False,
    kinds=("security.chain_broken",),
)
def chains_job(day: datetime.date) -> dict:
    from security.chains import check_chains

    return check_chains(day)
