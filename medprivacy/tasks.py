"""Project-wide periodic tasks (thin: each calls one function of the domain layer)."""

from __future__ import annotations

from celery import shared_task

from medprivacy import health, jobs


@shared_task(name="medprivacy.beat_tick", ignore_result=True)
def beat_tick() -> None:
    """Record that beat scheduled and a worker ran a task just now (read by /healthz)."""
    health.record_beat_tick()


@shared_task(name="medprivacy.close_abandoned_job_runs", ignore_result=True)
def close_abandoned_job_runs() -> None:
    """Close job runs a killed worker left "running" past the timeout."""
    with jobs.job_run("close_abandoned_job_runs") as run:
        run.handled(jobs.job_runs_close_abandoned())
