"""Blocking a person, their appeal, and the verifier's decision. Every step is audited.

- `block_place` (staff with `applicants.add_block`): a BLOCK hold (source `block:<id>`) keeps
  every payout run away; an active card is suspended (no spending, no new instalment or survey
  incentive); a person without a card may not join a wave (`applicant_blocked_reason`).
- `appeal_submit` (the person, from the dashboard): once per block (a unique row), with a
  statement and photos of the KTP, the KK and a selfie, re-encoded by `image_clean`.
- `appeal_decide` (verifiers, `applicants.decide_appeal`), with a reason; due within
  `APPEAL_DECIDE_DAYS`. Upheld: the block is lifted and its hold released; a suspended card is
  usable again (if no clawback case holds it); a revoked card is reinstated with the balance its
  revocation returned to the treasury (`appeal-reinstate:<id>`), if its programme year runs.
"""

import datetime as dt

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from applicants.errors import ApplicantError
from applicants.holds.models import HoldKind
from applicants.holds.services import holds_place, holds_release_for_source
from applicants.incentives.services.entitlements import entitlement_schedule_if_ready, instalments_make_due
from applicants.models import (
    Appeal,
    AppealStatus,
    Applicant,
    Block,
    BlockReason,
    BlockStatus,
    Card,
    CardStatus,
)
from applicants.waves.services.cards import (
    CardError,
    card_reinstate_revoked,
    card_suspend,
    card_unsuspend_if_free,
    programme_year_open,
)
from prakerja.audit.services import audit_record
from prakerja.core.actor import Actor
from prakerja.core.uploads import ImageRejected, image_clean
from prakerja.messaging.services import email_send_after_commit


class AppealError(ApplicantError):
    pass


def _require(actor: Actor, permission: str, message: str) -> None:
    if actor.user is None or not actor.user.has_perm(permission):
        raise AppealError(message, status=403)


def block_place(*, applicant: Applicant, reason: BlockReason, note: str, actor: Actor) -> Block:
    """Staff block a participant or an applicant, for a reason from the list and a note for staff."""
    _require(actor, "applicants.add_block", _("Only a verifier can block a participant."))
    note = note.strip()
    if not note:
        raise AppealError(_("Write down what was found (for staff; the person sees the reason)."), field="note")
    if not reason.is_active:
        raise AppealError(_("This reason may no longer be chosen."), field="reason")
    with transaction.atomic():
        card = Card.objects.select_for_update().filter(applicant=applicant).first()
        block = Block(
            applicant=applicant,
            card=card,
            reason=reason,
            note=note,
            card_status_before=card.status if card else "",
            placed_by=actor.person,
        )
        try:
            with transaction.atomic():
                block.save()
        except IntegrityError as exc:
            raise AppealError(_("This person is already blocked.")) from exc
        holds_place(
            kind=HoldKind.BLOCK,
            source=block.hold_source,
            reason=reason.label_id,
            actor=actor,
            applicant_ids=[applicant.pk],
        )
        suspended = card_suspend(card=card, actor=actor, why=block.hold_source) if card else False
        audit_record(
            actor=actor,
            action="block.placed",
            target=block,
            payload={"reason": reason.code, "card": card.pk if card else None, "card_suspended": suspended},
        )
        email_send_after_commit(
            to=applicant.user.email,
            subject="Kepesertaan Kartu Prakerja Anda diblokir",
            body=(
                f"Alasan: {reason.label_id}.\n\n{reason.explanation_id}\n\n"
                "Jika menurut Anda ini keliru, Anda dapat mengajukan banding satu kali dari dasbor Anda, "
                "dengan foto KTP, foto KK, swafoto, dan penjelasan Anda."
            ),
            reference=f"block-placed:{block.pk}",
        )
    return block


def _evidence(upload: UploadedFile | None, field: str, missing: str) -> tuple[str, object]:
    if upload is None:
        raise AppealError(missing, field=field)
    try:
        return field, image_clean(upload)
    except ImageRejected as exc:
        raise AppealError(str(exc), field=field) from exc


def appeal_submit(
    *,
    applicant: Applicant,
    statement: str,
    ktp_photo: UploadedFile | None,
    kk_photo: UploadedFile | None,
    selfie: UploadedFile | None,
) -> Appeal:
    """The blocked person appeals their active block, once, with evidence."""
    statement = statement.strip()
    if len(statement) < 20:
        raise AppealError(_("Explain in a few sentences why the block is a mistake."), field="statement")
    photos = [
        _evidence(ktp_photo, "ktp_photo", _("Attach a photo of your ID card (KTP).")),
        _evidence(kk_photo, "kk_photo", _("Attach a photo of your family card (KK).")),
        _evidence(selfie, "selfie", _("Attach a selfie holding your ID card.")),
    ]
    now = timezone.now()
    with transaction.atomic():
        block = Block.objects.select_for_update().filter(applicant=applicant, status=BlockStatus.ACTIVE).first()
        if block is None:
            raise AppealError(_("You are not blocked."))
        if Appeal.objects.filter(block=block).exists():
            raise AppealError(_("You have already appealed this block. An appeal can be made once."))
        appeal = Appeal(
            block=block,
            applicant=applicant,
            statement=statement[:4000],
            submitted_at=now,
            decide_by=now + dt.timedelta(days=settings.APPEAL_DECIDE_DAYS),
        )
        for field, cleaned in photos:
            getattr(appeal, field).save(f"{field}.jpg", cleaned, save=False)
        try:
            with transaction.atomic():
                appeal.save()
        except IntegrityError as exc:  # a second submission at the same moment
            raise AppealError(_("You have already appealed this block. An appeal can be made once.")) from exc
        audit_record(
            actor=Actor.for_user(applicant.user),
            action="appeal.submitted",
            target=appeal,
            payload={"block": block.pk, "decide_by": appeal.decide_by.isoformat()},
        )
        email_send_after_commit(
            to=applicant.user.email,
            subject="Banding Anda kami terima",
            body=(
                f"Banding {appeal} diterima. Verifikator memutuskannya paling lambat "
                f"{timezone.localtime(appeal.decide_by):%d-%m-%Y}. Hasilnya tampil di dasbor Anda."
            ),
            reference=f"appeal-submitted:{appeal.pk}",
        )
    return appeal


def appeal_decide(*, appeal: Appeal, upheld: bool, reason: str, actor: Actor) -> Appeal:
    """A verifier decides, with a reason the person reads."""
    _require(actor, "applicants.decide_appeal", _("Only a verifier can decide an appeal."))
    reason = reason.strip()
    if not reason:
        raise AppealError(_("Say why (the person reads it)."), field="reason")
    with transaction.atomic():
        locked = Appeal.objects.select_for_update().select_related("applicant__user").get(pk=appeal.pk)
        if locked.status != AppealStatus.PENDING:
            raise AppealError(_("This appeal is already decided."))
        block = Block.objects.select_for_update().select_related("reason").get(pk=locked.block_id)
        now = timezone.now()
        locked.status = AppealStatus.UPHELD if upheld else AppealStatus.REJECTED
        locked.decided_by = actor.person
        locked.decided_at = now
        locked.decision_reason = reason
        payload: dict[str, object] = {"upheld": upheld, "overdue": now > locked.decide_by, "block": block.pk}
        if upheld:
            payload.update(_reinstate(block, locked, reason=reason, actor=actor))
        locked.save(update_fields=["status", "decided_by", "decided_at", "decision_reason", "reinstated_amount"])
        audit_record(actor=actor, action="appeal.decided", target=locked, payload=payload)
        outcome = (
            "diterima: blokir dicabut dan kepesertaan Anda dipulihkan" if upheld else "ditolak: blokir tetap berlaku"
        )
        email_send_after_commit(
            to=locked.applicant.user.email,
            subject=f"Keputusan banding {locked}",
            body=f"Banding Anda {outcome}.\n\nAlasan: {reason}",
            reference=f"appeal-decided:{locked.pk}",
        )
    return locked


def _reinstate(block: Block, appeal: Appeal, *, reason: str, actor: Actor) -> dict[str, object]:
    block.status = BlockStatus.LIFTED
    block.lifted_at = timezone.now()
    block.save(update_fields=["status", "lifted_at"])
    released = holds_release_for_source(kind=HoldKind.BLOCK, source=block.hold_source, reason=reason, actor=actor)
    result: dict[str, object] = {"holds_released": released}
    card = Card.objects.filter(applicant_id=block.applicant_id).first()
    if card is None:
        return result  # an applicant: may join a wave again (nothing else to undo)
    if card.status == CardStatus.SUSPENDED:
        result["card_unsuspended"] = card_unsuspend_if_free(card_id=card.pk, actor=actor, why=block.hold_source)
    elif card.status == CardStatus.REVOKED and programme_year_open(card):
        try:
            appeal.reinstated_amount = card_reinstate_revoked(
                card=card, key=f"appeal-reinstate:{appeal.pk}", actor=actor
            )
        except CardError as exc:  # pragma: no cover - checked just above, under the card's lock
            raise AppealError(exc.message) from exc
        result["card_reinstated"] = appeal.reinstated_amount
    else:
        result["card_left"] = card.status  # closed, or its programme year is over
    entitlement_schedule_if_ready(card_id=card.pk)
    instalments_make_due(card_id=card.pk)
    return result
