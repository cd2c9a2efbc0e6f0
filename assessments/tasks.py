"""Celery tasks of the risk-assessment register: thin, each calling one service."""

from __future__ import annotations

from celery import shared_task

from assessments import reminders


@shared_task(name="assessments.reminders_sweep", ignore_result=True)
def reminders_sweep() -> None:
    """Claim the due review reminders of risk assessments and e-mail them (recorded as a job run)."""
    reminders.assessment_reminders_sweep()
