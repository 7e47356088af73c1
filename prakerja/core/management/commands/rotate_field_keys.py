import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from prakerja.core.key_rotation import field_keys_rotate


class Command(BaseCommand):
    help = (
        "Re-encrypt every encrypted column and file (NIK, KK, secrets, selfies, face descriptors, "
        "face-check frames) under the first key of FIELD_ENCRYPTION_KEYS, in batches; a run killed "
        "part-way goes on from its last batch. Rotation: put the new key first, run this, then "
        "remove the old key."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=None, help="rows per transaction (KEY_ROTATION_BATCH)")
        parser.add_argument(
            "--restart", action="store_true", help="ignore the checkpoints of an earlier run to the same key"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        result = field_keys_rotate(batch_size=options["batch_size"], restart=options["restart"])
        self.stdout.write(json.dumps({"rotated": result.rotated, "missing": result.missing, "skipped": result.skipped}))
