"""Print the annual risk-assessment submission to the CPPA (due 1 April), generated from the register."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from assessments import rules, selectors
from medprivacy import clock


class Command(BaseCommand):
    help = "Print the summary of risk assessments due to the CPPA on 1 April of --year (first: 2028)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--year", type=int, help="The year of the 1 April due date (default: the next one).")
        parser.add_argument("--format", choices=("text", "json"), default="text")
        parser.add_argument("--executive-name", help="The attesting executive (default: the setting).")
        parser.add_argument("--executive-title", help="Their title (default: the setting).")

    def handle(self, *args, year=None, format="text", executive_name=None, executive_title=None, **options):
        year = year or rules.next_submission_year(clock.office_today())
        try:
            summary = selectors.submission_summary(year=year, executive_name=executive_name,
                                                   executive_title=executive_title)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(summary.as_json() if format == "json" else summary.as_text(), ending="")
