from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from reporting.evidence import evidence_pack_build
from reporting.selectors import evidence_case_by_reference


class Command(BaseCommand):
    help = "Write the evidence pack (zip) of one case: summary, timeline, messages, deadlines, audit segment."

    def add_arguments(self, parser):
        parser.add_argument("reference", help="The case reference, e.g. DSR-2026-000123.")
        parser.add_argument("--out", required=True, help="Path of the zip to write.")

    def handle(self, *args, reference: str, out: str, **options):
        dsr = evidence_case_by_reference(reference=reference)
        if dsr is None:
            raise CommandError(f"No case {reference!r}")
        data = evidence_pack_build(dsr=dsr)
        Path(out).write_bytes(data)
        self.stdout.write(f"Wrote {out} ({len(data)} bytes) for {dsr.reference}")
