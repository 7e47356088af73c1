from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from prakerja.core.crypto import reencrypt_value

# (app_label.Model, encrypted fields): every column encrypted with FIELD_ENCRYPTION_KEYS.
ENCRYPTED_FIELDS: list[tuple[str, tuple[str, ...]]] = [
    ("applicants.Applicant", ("nik_encrypted", "kk_encrypted")),
]


class Command(BaseCommand):
    help = (
        "Re-encrypt every encrypted identifier under the first key of FIELD_ENCRYPTION_KEYS. "
        "Rotation: put the new key first, run this, then remove the old key."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=2000)

    def handle(self, *args: Any, **options: Any) -> None:
        batch_size = options["batch_size"]
        for label, fields in ENCRYPTED_FIELDS:
            model = apps.get_model(label)
            last_pk = 0
            done = 0
            while True:
                with transaction.atomic():
                    rows = list(
                        model.objects.select_for_update()
                        .filter(pk__gt=last_pk)
                        .order_by("pk")
                        .only("pk", *fields)[:batch_size]
                    )
                    if not rows:
                        break
                    for row in rows:
                        for field in fields:
                            value = getattr(row, field)
                            if value:
                                setattr(row, field, reencrypt_value(value))
                    model.objects.bulk_update(rows, fields)
                last_pk = rows[-1].pk
                done += len(rows)
            self.stdout.write(f"{label}: {done} rows re-encrypted")
