"""Verifier actions on an applicant's data, each audited."""

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from applicants.errors import ApplicantError
from applicants.models import Applicant, ReviewStatus
from prakerja.audit.services import audit_record
from prakerja.core.actor import Actor
from prakerja.core.crypto import decrypt_value


@transaction.atomic
def applicant_review(
    *, applicant: Applicant, actor: Actor, decision: ReviewStatus, reason: str, request: HttpRequest | None = None
) -> Applicant:
    if decision not in (ReviewStatus.CLEARED, ReviewStatus.REJECTED):
        raise ApplicantError(_("A review either clears or rejects."))
    if not reason.strip():
        raise ApplicantError(_("A reason is required."), field="reason")
    locked = Applicant.objects.select_for_update().get(pk=applicant.pk)
    previous = locked.review_status
    locked.review_status = decision
    locked.review_reason = reason.strip()
    locked.reviewed_by = actor.person
    locked.reviewed_at = timezone.now()
    locked.save(update_fields=["review_status", "review_reason", "reviewed_by", "reviewed_at", "updated_at"])
    audit_record(
        actor=actor,
        action=f"applicant.review_{decision}",
        target=locked,
        payload={"from": previous, "reason": locked.review_reason},
        request=request,
    )
    return locked


def applicant_identifiers_reveal(
    *, applicant: Applicant, actor: Actor, request: HttpRequest | None = None
) -> dict[str, str]:
    """The full NIK and KK for a verifier; every reveal is audited."""
    if not actor.person.has_perm("applicants.reveal_nik"):
        raise ApplicantError(_("You may not reveal identity numbers."))
    revealed = {
        "nik": decrypt_value(applicant.nik_encrypted) if applicant.nik_encrypted else "",
        "kk_number": decrypt_value(applicant.kk_encrypted) if applicant.kk_encrypted else "",
    }
    audit_record(actor=actor, action="applicant.reveal_identifiers", target=applicant, request=request)
    return revealed
