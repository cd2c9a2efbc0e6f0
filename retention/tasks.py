"""Celery tasks of the Retention app: thin, idempotent, each calls one service."""

from __future__ import annotations

from celery import shared_task

from retention import services
from retention.models import PurgeRun


@shared_task(name="retention.purge_scheduled", ignore_result=True)
def purge_scheduled() -> int:
    """The daily purge: resume an unfinished live run, or plan one and run it if approved."""
    return services.purge_scheduled().pk


@shared_task(name="retention.purge_run_execute", ignore_result=True)
def purge_run_execute(run_id: int) -> None:
    """Run or resume one approved live run (a finished run is left as it is)."""
    run = PurgeRun.objects.filter(pk=run_id).first()
    if run is None:
        return
    services.purge_run_execute(run=run)
