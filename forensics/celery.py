"""Celery application.

With CELERY_BROKER_URL unset, settings make every task run eagerly in-process; the outbox rows and the
periodic sweep mean nothing depends on a worker that happens to be running.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "forensics.settings")

app = Celery("forensics")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
app.autodiscover_tasks(related_name="tasks_notifications")
