"""The Celery application: worker and beat processes load Django settings from the environment."""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "medprivacy.settings")

app = Celery("medprivacy")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.task(name="medprivacy.ping")
def ping() -> str:
    """Answer a health probe; proves a worker consumes from the broker."""
    return "pong"
