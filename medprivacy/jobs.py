"""Record every run of every scheduled job, including the runs that fail.

Use it around the body of a periodic task, outside any transaction, so the row survives a rollback:

    with job_run("reminders") as run:
        run.handled(len(sent))
        run.error(exc)          # a per-item failure that did not stop the job
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.utils import timezone

from medprivacy import clock
from medprivacy.models import JobRun

logger = logging.getLogger(__name__)

SUMMARY_MAX = 500


class RunRecorder:
    """Count what one job run handled and which errors it met (class names, never messages)."""

    def __init__(self, run: JobRun) -> None:
        self.run = run
        self.items = 0
        self.errors: Counter[str] = Counter()

    def handled(self, n: int = 1) -> None:
        """Add `n` items handled."""
        self.items += n

    def error(self, exc: BaseException | str, n: int = 1) -> None:
        """Record `n` errors of the class of `exc` (or the given class name)."""
        name = exc if isinstance(exc, str) else type(exc).__name__
        self.errors[name] += n

    def errors_from(self, counts: Counter[str]) -> None:
        """Add a counter of error class names gathered by a service."""
        self.errors.update(counts)

    @property
    def errors_count(self) -> int:
        return sum(self.errors.values())

    def summary(self) -> str:
        text = ", ".join(f"{name}×{count}" for name, count in sorted(self.errors.items()))
        return text[:SUMMARY_MAX]


def job_run_start(*, name: str) -> JobRun:
    """Create the row of a run that starts now."""
    return JobRun.objects.create(name=name, started_at=timezone.now(), status=JobRun.Status.RUNNING)


def job_run_finish(*, recorder: RunRecorder, failed: bool) -> None:
    """Store the outcome of a run: failed (raised), partial (item errors) or succeeded."""
    if failed:
        status = JobRun.Status.FAILED
    elif recorder.errors_count:
        status = JobRun.Status.PARTIAL
    else:
        status = JobRun.Status.SUCCEEDED
    JobRun.objects.filter(pk=recorder.run.pk).update(
        finished_at=timezone.now(), status=status, items_handled=recorder.items,
        errors_count=recorder.errors_count, error_summary=recorder.summary(),
    )


def job_runs_close_abandoned(*, now: dt.datetime | None = None, timeout: dt.timedelta | None = None) -> int:
    """Close the runs still "running" after `timeout` (a worker killed mid-run never finished them).

    Each row is closed by compare-and-set on its status, so a run that finishes meanwhile keeps its own
    outcome. Return how many were closed.
    """
    now = now or clock.now()
    timeout = timeout or dt.timedelta(seconds=settings.MEDPRIVACY_JOB_RUN_TIMEOUT_SECONDS)
    closed = JobRun.objects.filter(status=JobRun.Status.RUNNING, started_at__lt=now - timeout).update(
        status=JobRun.Status.ABANDONED, finished_at=now, error_summary="Abandoned: still running after "
                                                                     f"{int(timeout.total_seconds())} s")
    if closed:
        logger.warning("job runs closed as abandoned: %s", closed)
    return closed


@contextmanager
def job_run(name: str) -> Iterator[RunRecorder]:
    """Record one run of job `name`: a row at start, its counts and status at the end, even on failure."""
    recorder = RunRecorder(job_run_start(name=name))
    try:
        yield recorder
    except BaseException as exc:
        recorder.error(exc)
        try:
            job_run_finish(recorder=recorder, failed=True)
        except Exception as finish_exc:  # the database may be what failed; keep the original error
            logger.error("job %s run %s: could not record the failure (%s)", name, recorder.run.pk,
                         type(finish_exc).__name__)
        logger.warning("job %s run %s failed: %s", name, recorder.run.pk, type(exc).__name__)
        raise
    job_run_finish(recorder=recorder, failed=False)
    logger.info("job %s run %s: %s items, %s errors", name, recorder.run.pk, recorder.items,
                recorder.errors_count)
