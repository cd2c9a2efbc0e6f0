"""Celery tasks of the requests app: thin, idempotent, each calling one service."""

from __future__ import annotations

from celery import shared_task

from requests_app.services import referrals, reminders


# Scheduled sweeps (issue 8): thin, each one recorded as a JobRun by its service.
@shared_task(name="requests_app.reminders_sweep", ignore_result=True)
def reminders_sweep() -> None:
    """Claim today's staff reminders and escalations and send the due ones."""
    reminders.reminders_sweep()


@shared_task(name="requests_app.verification_sweep", ignore_result=True)
def verification_sweep() -> None:
    """Remind requesters to verify; close requests whose verification expired."""
    reminders.verification_sweep()



@shared_task(name="requests_app.referrals_chase_sweep", ignore_result=True)
def referrals_chase_sweep() -> None:
    """Remind clinics that have not answered a forwarded patient request."""
    referrals.referrals_chase_sweep()
