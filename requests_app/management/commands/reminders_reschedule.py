"""Recompute when the reminder sweep next looks at each open case (run after changing MEDPRIVACY_REMINDERS)."""

from typing import Any

from django.core.management.base import BaseCommand

from requests_app.services.reminders import reminders_reschedule_open


class Command(BaseCommand):
    help = ("Recompute when the reminder sweep next looks at every open case from the current reminder settings "
            "(needed after changing MEDPRIVACY_REMINDERS offsets).")

    def handle(self, *args: Any, **options: Any) -> None:
        changed = reminders_reschedule_open()
        self.stdout.write(f"{changed} open case(s) rescheduled")
