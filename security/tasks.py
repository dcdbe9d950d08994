from celery import shared_task

from security.services import prune_audit


@shared_task(name="security.tasks.prune_audit_log")
def prune_audit_log() -> int:
    """Nightly: drop audit entries past AUDIT_RETENTION_DAYS (the pruning is itself audited)."""
    return prune_audit()
