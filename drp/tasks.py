"""Celery tasks of the DRP app: thin, idempotent, each calling one service."""

from __future__ import annotations

from celery import shared_task

from drp import services


@shared_task(name="drp.deliver_callback", ignore_result=True)
def deliver_callback(callback_id: int) -> None:
    """Make the first attempt at a status callback (retries come from the sweep, not from countdowns)."""
    services.callback_deliver(callback_id=callback_id, worker="task")


@shared_task(name="drp.sweep_callbacks", ignore_result=True)
def sweep_callbacks() -> None:
    """Retry due status callbacks and forget expired replay records."""
    services.callbacks_sweep()
