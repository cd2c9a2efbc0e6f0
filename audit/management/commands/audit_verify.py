from django.core.management.base import BaseCommand, CommandError

from audit.selectors import audit_verify_chain


class Command(BaseCommand):
    help = ("Verify the audit chain: exit 0 when intact, 1 naming the first entry altered, removed or "
            "reordered.")

    def add_arguments(self, parser):
        parser.add_argument("--checkpoint", action="append", default=[], metavar="SEQUENCE:HASH",
                            help="A head hash kept outside the system (e.g. from the checkpoint e-mail).")

    def handle(self, *args, checkpoint: list[str], **options):
        expect = {}
        for item in checkpoint:
            sequence, _, digest = item.partition(":")
            if not sequence.isdigit() or len(digest) != 64:
                raise CommandError(f"--checkpoint must be SEQUENCE:SHA256HEX; got {item!r}")
            expect[int(sequence)] = digest.lower()
        result = audit_verify_chain(expect=expect)
        if result.ok:
            self.stdout.write(result.describe())
            return
        self.stderr.write(result.describe())
        raise SystemExit(1)
