"""Project-wide periodic tasks (thin: each calls one function of the domain layer)."""

from __future__ import annotations

from celery import shared_task

from medprivacy import health


@shared_task(name="medprivacy.beat_tick", ignore_result=True)
def beat_tick() -> None:
    """Record that beat scheduled and a worker ran a task just now (read by /healthz)."""
    health.record_beat_tick()
