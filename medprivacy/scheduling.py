"""Write PERIODIC_JOBS into django-celery-beat's tables, where the admin can see and edit them."""

from __future__ import annotations

from django.db import transaction
from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask

from medprivacy.schedule import PERIODIC_JOBS, PeriodicJob


def _schedule_kwargs(job: PeriodicJob) -> dict:
    if job.every_seconds is not None:
        interval, _ = IntervalSchedule.objects.get_or_create(every=job.every_seconds,
                                                             period=IntervalSchedule.SECONDS)
        return {"interval": interval, "crontab": None}
    minute, hour, dom, moy, dow = (job.crontab or "").split()
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute=minute, hour=hour, day_of_month=dom, month_of_year=moy, day_of_week=dow, timezone="UTC",
    )
    return {"crontab": crontab, "interval": None}


@transaction.atomic
def install_periodic_jobs(*, reset: bool = False) -> tuple[int, int]:
    """Create missing jobs; leave existing ones as officers configured them unless reset (the task name
    always follows the code)."""
    created = kept = 0
    for job in PERIODIC_JOBS:
        defaults = {"task": job.task, "description": job.description, **_schedule_kwargs(job)}
        existing = PeriodicTask.objects.filter(name=job.name).first()
        if existing is None:
            PeriodicTask.objects.create(name=job.name, enabled=True, **defaults)
            created += 1
        elif reset:
            for field, value in defaults.items():
                setattr(existing, field, value)
            existing.enabled = True
            existing.save()
            kept += 1
        else:
            if existing.task != job.task:  # the code renamed the task (e.g. it moved app): follow it
                existing.task = job.task
                existing.save(update_fields=["task"])
            kept += 1
    return created, kept
