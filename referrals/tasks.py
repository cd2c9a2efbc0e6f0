"""Celery tasks of the referrals app: thin, each calling one service."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="referrals.chase_sweep", ignore_result=True)
def chase_sweep() -> None:
    """Remind clinics that have not answered a forwarded patient request."""
    from referrals import services

    services.referrals_chase_sweep()
