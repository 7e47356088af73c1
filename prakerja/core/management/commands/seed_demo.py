import importlib
import importlib.util
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from prakerja.core.dashboard import dashboard_refresh
from prakerja.core.seeding import SeedContext
from prakerja.opendata.services import release_publish


class Command(BaseCommand):
    help = "Create or refresh demo data (idempotent) and print the demo logins."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--force", action="store_true", help="Run even with DEBUG off (never in production).")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not options["force"]:
            raise CommandError("seed_demo creates accounts with known passwords; it runs only with DEBUG on.")
        context = SeedContext(demo_password=settings.DEMO_PASSWORD)
        with transaction.atomic():
            for app_config in apps.get_app_configs():
                module_name = f"{app_config.name}.seed"
                if importlib.util.find_spec(module_name) is None:
                    continue
                importlib.import_module(module_name).seed(context)
        # The admin home shows figures computed by a job; compute them once for the demo.
        dashboard_refresh()
        # And the public open-data page publishes its first release from them.
        release_publish()
        path = context.write()
        self.stdout.write(self.style.SUCCESS("Demo data ready. Logins:"))
        for login in context.logins:
            self.stdout.write(f"  {login['role']:<26} {login['email']:<36} {login['password']}  {login['url']}")
        for note in context.extra.get("notes", []):
            self.stdout.write(f"  {note}")
        self.stdout.write(f"Written to {path}")
