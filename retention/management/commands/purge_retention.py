"""Plan a purge run from the command line: a dry run by default, `--live` to purge."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from retention import selectors, services
from retention.models import PurgeRun


class Command(BaseCommand):
    help = "Report what the retention schedule makes due (dry run), or purge it with --live."

    def add_arguments(self, parser):
        parser.add_argument("--live", action="store_true", help="Delete/anonymize/flag (subject to approval).")
        parser.add_argument("--batch-size", type=int, default=None)

    def handle(self, *args, live: bool = False, batch_size: int | None = None, **options):
        if batch_size is not None and batch_size < 1:
            raise CommandError("--batch-size must be at least 1")
        mode = PurgeRun.Mode.LIVE if live else PurgeRun.Mode.DRY_RUN
        run = services.purge_run_plan(mode=mode, trigger=PurgeRun.Trigger.COMMAND, batch_size=batch_size)
        if run.status == PurgeRun.Status.APPROVED:
            run = services.purge_run_execute(run=run)
        for item in selectors.run_items(run=run):
            self.stdout.write(f"{item.category_code} / {item.target}: due {item.due}, deleted {item.deleted}, "
                              f"anonymized {item.anonymized}, flagged {item.flagged}, held {item.skipped_for_hold}, "
                              f"failed {item.failed}")
        self.stdout.write(f"{run}: {run.get_status_display().lower()}")
