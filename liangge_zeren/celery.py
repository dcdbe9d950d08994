import os

from celery import Celery
from django.db import OperationalError

from liangge_zeren import request_cache

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liangge_zeren.settings")

app = Celery("liangge_zeren")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
request_cache.connect_celery()  # each task gets its own request-scoped cache

# Delivery semantics shared by every task: acknowledged after it ran (a killed worker's task
# is delivered again; reminder keys make the re-run harmless), retried on a lost database.
TASK_OPTIONS = dict(
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=5,
)
