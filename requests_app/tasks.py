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
