import csv
import datetime as dt
import json

from django.core.management.base import BaseCommand, CommandError

from regimes.rules import REGIMES
from reporting import metrics
from reporting.selectors import metrics_for_period


class Command(BaseCommand):
    help = "Print the CCPA §7102 request metrics for a calendar year or a date range (JSON or CSV)."

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, help="Calendar year, e.g. 2026.")
        parser.add_argument("--start", type=dt.date.fromisoformat, help="First day (YYYY-MM-DD), with --end.")
        parser.add_argument("--end", type=dt.date.fromisoformat, help="Last day (YYYY-MM-DD), with --start.")
        parser.add_argument("--regime", choices=REGIMES, help="Count one regime only (default: all).")
        parser.add_argument("--format", choices=("json", "csv", "text"), default="json")

    def handle(self, *args, year=None, start=None, end=None, regime=None, format="json", **options):
        if year is not None and (start or end):
            raise CommandError("Give --year or --start/--end, not both")
        if year is not None:
            start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
        if start is None or end is None:
            raise CommandError("Give --year, or both --start and --end")
        if end < start:
            raise CommandError("--end is before --start")
        figures = metrics_for_period(start=start, end=end, regime=regime)
        if format == "json":
            self.stdout.write(json.dumps(figures.as_dict(), indent=2))
        elif format == "csv":
            csv.writer(self.stdout, lineterminator="\n").writerows(metrics.csv_rows(figures))
        else:
            from django.conf import settings

            self.stdout.write(metrics.policy_text(figures, company=settings.COMPANY_NAME))
