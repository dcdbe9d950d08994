from celery import shared_task

from security.services import prune_audit


@shared_task(name="security.tasks.prune_audit_log")
def prune_audit_log() -> int:
    """Nightly: drop audit entries past AUDIT_RETENTION_DAYS (the pruning is itself audited)."""
    return prune_audit()


@shared_task(name="security.tasks.check_chains")
def check_chains(day: str | None = None) -> dict:
    """Nightly: verify the audit and signature chains, export their heads, alert on a break."""
    from notifications.jobs import run_on

    return run_on("security.chains", day)
