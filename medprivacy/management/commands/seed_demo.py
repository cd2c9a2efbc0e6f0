from django.core.management.base import BaseCommand

from medprivacy import demo


class Command(BaseCommand):
    help = "Create the demo accounts and data once; print the logins every time."

    def handle(self, *args, **options):
        accounts = demo.seed_demo()
        self.stdout.write(self.style.SUCCESS("Demo logins (local only; kept in var/demo-logins.txt):"))
        for account in accounts:
            self.stdout.write(f"  {account.role:<22} user: {account.username:<12} password: {account.password}")
