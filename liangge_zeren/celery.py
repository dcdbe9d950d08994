import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liangge_zeren.settings")

app = Celery("liangge_zeren")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
