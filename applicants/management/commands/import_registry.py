from pathlib import Path
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand, CommandError, CommandParser

from applicants.models import RegistryKind
from applicants.waves.services.registries import registry_import_create, registry_import_run
from prakerja.accounts.models import User
from prakerja.core.actor import Actor


class Command(BaseCommand):
    help = "Import an agency's CSV list of NIKs now (the admin upload does the same in the background)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path)
        parser.add_argument("--kind", required=True, choices=RegistryKind.values)
        parser.add_argument("--source", required=True)
        parser.add_argument("--by", required=True, help="email of the staff user importing")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(email=options["by"], is_staff=True).first()
        if user is None:
            raise CommandError("--by must be a staff user's email.")
        path: Path = options["path"]
        upload = SimpleUploadedFile(path.name, path.read_bytes(), content_type="text/csv")
        created = registry_import_create(
            kind=options["kind"], source=options["source"], upload=upload, actor=Actor.for_user(user), enqueue=False
        )
        done = registry_import_run(import_id=created.pk)
        self.stdout.write(f"{done}: {done.rows_accepted} accepted, {done.rows_rejected} rejected.")
