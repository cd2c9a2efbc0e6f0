"""Celery tasks of the requests app: thin, idempotent, each calling one service."""

from __future__ import annotations

from celery import shared_task

from requests_app.services import messaging


@shared_task(name="requests_app.deliver_message", bind=True, max_retries=8, ignore_result=True)
def deliver_message(self, message_id: int) -> None:
    """Send one stored message; retry failed sends with backoff (30 s, doubling, at most 10 min).

    Longer waits would outlive the Redis visibility timeout and be redelivered.
    """
    try:
        messaging.message_deliver(message_id=message_id)
    except messaging.MessageSendFailed as exc:
        raise self.retry(exc=exc, countdown=min(30 * 2 ** self.request.retries, 600)) from exc


# Scheduled sweeps (issue 8): thin, each one recorded as a JobRun by its service.
@shared_task(name="requests_app.reminders_sweep", ignore_result=True)
def reminders_sweep() -> None:
    """Claim today's staff reminders and escalations and send the due ones."""
    from requests_app.services import reminders

    reminders.reminders_sweep()


@shared_task(name="requests_app.verification_sweep", ignore_result=True)
def verification_sweep() -> None:
    """Remind requesters to verify; close requests whose verification expired."""
    from requests_app.services import reminders

    reminders.verification_sweep()


@shared_task(name="requests_app.messages_retry_sweep", ignore_result=True)
def messages_retry_sweep() -> None:
    """Queue messages to requesters that are stuck or failed for delivery again."""
    from requests_app.services import reminders

    reminders.messages_retry_sweep()


# --- Fulfilment ---


@shared_task(name="requests_app.dispatch_fulfilment_task", ignore_result=True)
def dispatch_fulfilment_task(task_id: int) -> None:
    """Send one fulfilment task to its system now (retries come from the sweep, not from countdowns)."""
    from requests_app.services import fulfilment

    fulfilment.fulfilment_task_dispatch(task_id=task_id)


@shared_task(name="requests_app.sweep_fulfilment_retries", ignore_result=True)
def sweep_fulfilment_retries() -> None:
    """Run every connector attempt whose next_attempt_at has come."""
    from requests_app.services import fulfilment

    fulfilment.fulfilment_retry_sweep()


@shared_task(name="requests_app.sweep_expired_packages", ignore_result=True)
def sweep_expired_packages() -> None:
    """Delete the files of access packages past their expiry."""
    from requests_app import packages

    packages.access_package_expire_sweep()


@shared_task(name="requests_app.referrals_chase_sweep", ignore_result=True)
def referrals_chase_sweep() -> None:
    """Remind clinics that have not answered a forwarded patient request."""
    from requests_app.services import referrals

    referrals.referrals_chase_sweep()
