"""Celery tasks of the requests app: thin, idempotent, each calling one service."""

from __future__ import annotations

from celery import shared_task

from requests_app.services import reminders


# Scheduled sweeps (issue 8): thin, each one recorded as a JobRun by its service.
@shared_task(name="requests_app.reminders_sweep", ignore_result=True)
def reminders_sweep() -> None:
    """Claim today's staff reminders and escalations and send the due ones."""
    reminders.reminders_sweep()


@shared_task(name="requests_app.verification_sweep", ignore_result=True)
def verification_sweep() -> None:
    """Remind requesters to verify; close requests whose verification expired."""
    reminders.verification_sweep()

