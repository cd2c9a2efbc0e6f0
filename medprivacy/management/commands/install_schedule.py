from django.core.management.base import BaseCommand

from medprivacy import scheduling


class Command(BaseCommand):
    help = "Install the project's periodic jobs into the beat schedule (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--reset", action="store_true",
                            help="Also reset existing jobs to their default interval and enable them.")

    def handle(self, *args, reset: bool = False, **options):
        created, kept = scheduling.install_periodic_jobs(reset=reset)
        self.stdout.write(f"Periodic jobs: {created} created, {kept} already present.")
