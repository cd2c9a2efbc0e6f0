"""Celery tasks of fulfilment: thin, idempotent, each calling one service."""

from __future__ import annotations

from celery import shared_task

from fulfilment import packages, services


@shared_task(name="fulfilment.dispatch_task", ignore_result=True)
def dispatch_fulfilment_task(task_id: int) -> None:
    """Send one fulfilment task to its system now (retries come from the sweep, not from countdowns)."""
    services.fulfilment_task_dispatch(task_id=task_id)


@shared_task(name="fulfilment.sweep_retries", ignore_result=True)
def sweep_fulfilment_retries() -> None:
    """Run every connector attempt whose next_attempt_at has come."""
    services.fulfilment_retry_sweep()


@shared_task(name="fulfilment.sweep_expired_packages", ignore_result=True)
def sweep_expired_packages() -> None:
    """Delete the files of access packages past their expiry."""
    packages.access_package_expire_sweep()
