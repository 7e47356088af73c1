"""The rollout of identity verification to the applicants who registered before the selfie
journey existed: past the identity step, never verified, they would be refused at their next
selection (`identity_unverified`) without ever being told.

A pass (`VerificationRollout`) walks the applicants in id order, `IDENTITY_ROLLOUT_BATCH`
at a time (keyset: `id > last_applicant_id`, never OFFSET). Each batch is one transaction and
three statements, whatever its size: the batch's upper id; one statement that picks the people
due and records their notice (`VerificationRequest`, upserted, RETURNING who was told); one
INSERT of the outbox rows from arrays (`notices_send_bulk_after_commit`); then the pass's cursor
and counts. Killed at any point, the pass goes on from its last committed batch, and nobody is
told twice: the notice row and the cursor commit together, the upsert tells only those whose
last notice is older than `IDENTITY_ROLLOUT_REMIND_AFTER_DAYS` (and fewer than
`IDENTITY_ROLLOUT_MAX_NOTICES`), and the outbox references (`identity-request:<id>:<n>`) are
unique. Two workers on the same pass take turns batch by batch (the pass's row is locked).

Left out: applicants already verified, waiting for a verifier (a selfie in review), anonymised,
restricted (no new wave for them), blacklisted by the programme (a revoked card: no wave ever
again), or whose account is closed. Participants holding a card are asked too: every training
session starts with a face check against the verified selfie.
"""

import datetime as dt
import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Max
from django.urls import reverse
from django.utils import timezone, translation

from applicants.errors import ApplicantError
from applicants.models import Applicant, RolloutStatus, Step, VerificationRollout
from applicants.verification import notices
from prakerja.audit.services import audit_record
from prakerja.core.actor import Actor
from prakerja.core.queueing import enqueue_after_commit
from prakerja.messaging.models import Channel
from prakerja.messaging.services import notices_send_bulk_after_commit

logger = logging.getLogger(__name__)

# Past the identity step: the selfie journey opens from the phone step on.
PAST_IDENTITY = [Step.CONTACT, Step.PERSONAL, Step.BASIC_TEST, Step.READY]


class RolloutError(ApplicantError):
    pass


# Built from this module's constants only; every value travels as a parameter.
_TELL_DUE = """
WITH due AS (
    SELECT a.id AS applicant_id, u.email,
           CASE WHEN a.phone_verified_at IS NOT NULL THEN a.phone ELSE '' END AS phone
    FROM applicants_applicant AS a
    JOIN accounts_user AS u ON u.id = a.user_id
    LEFT JOIN applicants_verificationrequest AS r ON r.applicant_id = a.id
    WHERE a.id > %(after)s AND a.id <= %(upto)s
      AND a.step = ANY(%(steps)s)
      AND a.identity_verified_at IS NULL
      AND a.anonymised_at IS NULL
      AND a.processing_restricted_at IS NULL
      AND u.is_active
      AND (r.applicant_id IS NULL OR (r.last_notified_at <= %(remind_before)s AND r.notices < %(max_notices)s))
      AND NOT EXISTS (
          SELECT 1 FROM applicants_identityverification AS v
          WHERE v.applicant_id = a.id AND v.status = 'review'
      )
      AND NOT EXISTS (SELECT 1 FROM applicants_blacklisting AS b WHERE b.nik_index = a.nik_index)
), told AS (
    INSERT INTO applicants_verificationrequest AS r (
        applicant_id, first_notified_at, last_notified_at, notices, rollout_id
    )
    SELECT applicant_id, %(now)s, %(now)s, 1, %(rollout)s FROM due ORDER BY applicant_id
    ON CONFLICT (applicant_id) DO UPDATE
        SET last_notified_at = EXCLUDED.last_notified_at, notices = r.notices + 1, rollout_id = EXCLUDED.rollout_id
        -- checked again on the row as it is now: another pass may have told them meanwhile
        WHERE r.last_notified_at <= %(remind_before)s AND r.notices < %(max_notices)s
    RETURNING r.applicant_id, r.notices
)
SELECT t.applicant_id, t.notices, d.email, d.phone
FROM told AS t JOIN due AS d ON d.applicant_id = t.applicant_id
ORDER BY t.applicant_id
"""

_BATCH_END = """
SELECT max(id) FROM (
    SELECT id FROM applicants_applicant WHERE id > %(after)s AND id <= %(until)s ORDER BY id LIMIT %(batch)s
) AS s
"""


@dataclass(frozen=True)
class Words:
    """The notice, rendered once per pass (the same words for everybody)."""

    subject: str
    email: str
    sms: str


def _words() -> Words:
    link = settings.SITE_URL.rstrip("/") + reverse("applicants:selfie")
    # Indonesian first, then the English version, as every notice of the programme.
    with translation.override("id"):
        subject = str(notices.ROLLOUT_EMAIL_SUBJECT)
        body_id = str(notices.ROLLOUT_EMAIL_BODY) % {"link": link}
        sms = str(notices.ROLLOUT_SMS) % {"link": link}
    with translation.override("en"):
        body_en = str(notices.ROLLOUT_EMAIL_BODY) % {"link": link}
    return Words(subject=subject, email=f"{body_id}\n\n---\n\n{body_en}", sms=sms)


def verification_rollout_start(*, actor: Actor, trigger: str = "staff", queue: bool = True) -> VerificationRollout:
    """Start a pass (one at a time), audited; queued for the workers after commit unless the
    caller runs it itself (the management command)."""
    until = Applicant.objects.aggregate(top=Max("pk"))["top"] or 0
    try:
        with transaction.atomic():
            rollout = VerificationRollout.objects.create(
                trigger=trigger[:40], requested_by=actor.user, until_applicant_id=until
            )
            audit_record(
                actor=actor, action="identity.rollout_started", target=rollout, payload={"until_applicant_id": until}
            )
            if queue:
                enqueue_after_commit("batch.identity_rollout", rollout_id=rollout.pk)
    except IntegrityError as exc:  # verificationrollout_one_running
        raise RolloutError(notices.ROLLOUT_BUSY, code="rollout_running") from exc
    return rollout


def verification_rollout_resume(*, rollout_id: int, actor: Actor) -> VerificationRollout:
    """Queue a pass again that stopped part-way (a worker killed, a deploy): it goes on from
    its last batch. Audited."""
    with transaction.atomic():
        rollout = VerificationRollout.objects.select_for_update().get(pk=rollout_id)
        if rollout.status != RolloutStatus.RUNNING:
            raise RolloutError(notices.ROLLOUT_NOT_RUNNING, code="rollout_done")
        audit_record(
            actor=actor,
            action="identity.rollout_resumed",
            target=rollout,
            payload={"from_applicant_id": rollout.last_applicant_id},
        )
        enqueue_after_commit("batch.identity_rollout", rollout_id=rollout.pk)
    return rollout


def _channels() -> set[str]:
    return {c.strip() for c in settings.IDENTITY_ROLLOUT_CHANNELS if c.strip()} & {Channel.EMAIL, Channel.SMS}


def verification_rollout_batch(
    *, rollout_id: int, words: Words, now: dt.datetime | None = None, batch_size: int | None = None
) -> bool:
    """One batch of the pass, in one transaction; False once the pass is done (or ended)."""
    batch = batch_size or settings.IDENTITY_ROLLOUT_BATCH
    channels = _channels()
    with transaction.atomic():
        rollout = VerificationRollout.objects.select_for_update().get(pk=rollout_id)
        if rollout.status != RolloutStatus.RUNNING:
            return False
        moment = now or timezone.now()
        with connection.cursor() as cursor:
            after = rollout.last_applicant_id
            cursor.execute(_BATCH_END, {"after": after, "until": rollout.until_applicant_id, "batch": batch})
            upto = cursor.fetchone()[0]
            if upto is None:
                rollout.status, rollout.finished_at = RolloutStatus.DONE, moment
                rollout.save(update_fields=["status", "finished_at"])
                audit_record(
                    actor=Actor.system("batch.identity_rollout"),
                    action="identity.rollout_finished",
                    target=rollout,
                    payload={"requested": rollout.requested, "reminded": rollout.reminded, "batches": rollout.batches},
                )
                return False
            cursor.execute(
                _TELL_DUE,
                {
                    "after": after,
                    "upto": upto,
                    "steps": [str(s) for s in PAST_IDENTITY],
                    "remind_before": moment - dt.timedelta(days=settings.IDENTITY_ROLLOUT_REMIND_AFTER_DAYS),
                    "max_notices": settings.IDENTITY_ROLLOUT_MAX_NOTICES,
                    "now": moment,
                    "rollout": rollout.pk,
                },
            )
            told = cursor.fetchall()
        emails = sms = 0
        if Channel.EMAIL in channels:
            emails = notices_send_bulk_after_commit(
                channel=Channel.EMAIL,
                recipients=[(email, f"identity-request:{pk}:{n}") for pk, n, email, _phone in told if email],
                subject=words.subject,
                body=words.email,
            )
        if Channel.SMS in channels:
            sms = notices_send_bulk_after_commit(
                channel=Channel.SMS,
                recipients=[(phone, f"identity-request-sms:{pk}:{n}") for pk, n, _email, phone in told if phone],
                body=words.sms,
            )
        first = sum(1 for _pk, n, _email, _phone in told if n == 1)
        VerificationRollout.objects.filter(pk=rollout.pk).update(
            last_applicant_id=upto,
            batches=F("batches") + 1,
            requested=F("requested") + first,
            reminded=F("reminded") + (len(told) - first),
            emails=F("emails") + emails,
            sms=F("sms") + sms,
        )
    return True


def verification_rollout_run(
    *, rollout_id: int, now: dt.datetime | None = None, batch_size: int | None = None
) -> VerificationRollout:
    """Run the pass to its end, batch after batch (each committed on its own)."""
    words = _words()
    while verification_rollout_batch(rollout_id=rollout_id, words=words, now=now, batch_size=batch_size):
        pass
    rollout = VerificationRollout.objects.get(pk=rollout_id)
    logger.info(
        "identity rollout %s: %s requested, %s reminded in %s batches",
        rollout.pk,
        rollout.requested,
        rollout.reminded,
        rollout.batches,
    )
    return rollout
