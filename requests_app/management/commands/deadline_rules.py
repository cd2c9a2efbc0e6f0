"""Print the deadline rules review page for counsel (the source of docs/deadlines.md)."""

from typing import Any

from django.core.management.base import BaseCommand

from regimes.deadlines import render_markdown


class Command(BaseCommand):
    help = "Print the deadline rules table as Markdown for counsel review (same text as docs/deadlines.md)."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(render_markdown(), ending="")
