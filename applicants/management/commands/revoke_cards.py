from typing import Any

from django.core.management.base import BaseCommand

from applicants.waves.services.cards import cards_revoke_due


class Command(BaseCommand):
    help = "Revoke the cards whose first-purchase deadline passed without a purchase (the daily job)."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"{cards_revoke_due()} cards revoked.")
