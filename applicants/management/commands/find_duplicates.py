import json
from typing import Any

from django.core.management.base import BaseCommand

from applicants.duplicates.services.scan import duplicates_scan
from prakerja.core.actor import Actor


class Command(BaseCommand):
    help = "Run the pass for suspected duplicates now (what selection and payout runs do first)."

    def handle(self, *args: Any, **options: Any) -> None:
        result = duplicates_scan(actor=Actor.system("find_duplicates"), trigger="command")
        self.stdout.write(json.dumps({"scan": result.scan_id, "figures": result.figures, "reopened": result.reopened}))
