import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from applicants.models import RolloutStatus, VerificationRollout
from applicants.verification.rollout import verification_rollout_run, verification_rollout_start
from prakerja.core.actor import Actor


class Command(BaseCommand):
    help = (
        "Ask every applicant past the identity step whose identity is not verified to verify it "
        "with a selfie (email and SMS through the outbox), now, in this process; reminds those asked "
        "more than IDENTITY_ROLLOUT_REMIND_AFTER_DAYS ago. Goes on with a pass left running, if any."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--batch-size", type=int, default=None, help="applicants per batch (IDENTITY_ROLLOUT_BATCH)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        running = VerificationRollout.objects.filter(status=RolloutStatus.RUNNING).first()
        rollout = running or verification_rollout_start(
            actor=Actor.system("request_identity_verification"), trigger="command", queue=False
        )
        done = verification_rollout_run(rollout_id=rollout.pk, batch_size=options["batch_size"])
        self.stdout.write(
            json.dumps(
                {
                    "rollout": done.pk,
                    "resumed": running is not None,
                    "status": done.status,
                    "requested": done.requested,
                    "reminded": done.reminded,
                    "emails": done.emails,
                    "sms": done.sms,
                    "batches": done.batches,
                }
            )
        )
