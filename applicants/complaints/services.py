"""Complaints: filing by applicants and participants, and the PMO desk's work on them (assign,
reply, resolve, escalate). Every desk action is audited; the applicant is told of replies and
of the resolution by email (and SMS when the phone is verified).

What a complaint may be about comes partly from the layers above (the participant's purchases
and the platforms live in partners/): they register a provider of choices at start-up, like the
dashboard panels, so this layer never imports them."""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from applicants.errors import ApplicantError
from applicants.models import (
    Applicant,
    Complaint,
    ComplaintCategory,
    ComplaintMessage,
    ComplaintStatus,
    Payout,
)
from prakerja.accounts.models import User
from prakerja.accounts.roles import PMO_ADMIN
from prakerja.audit.services import audit_record
from prakerja.core.actor import Actor
from prakerja.core.registry import Registry
from prakerja.core.uploads import ImageRejected, image_clean
from prakerja.messaging.services import email_send_after_commit, sms_send_after_commit

MAX_BODY = 5000


@dataclass(frozen=True)
class PurchaseChoice:
    reference: str
    label: str
    platform_id: int


@dataclass(frozen=True)
class ComplaintSubjects:
    """What the applicant may link a complaint to, from a layer above."""

    purchases: list[PurchaseChoice] = field(default_factory=list)
    platforms: list[tuple[int, str]] = field(default_factory=list)


SubjectsProvider = Callable[[Applicant], ComplaintSubjects]
# What a higher layer lets applicants link a complaint to (partners: their purchases).
COMPLAINT_SUBJECTS: Registry[SubjectsProvider] = Registry("applicants.complaint_subjects")


def complaint_subjects(applicant: Applicant) -> ComplaintSubjects:
    purchases: list[PurchaseChoice] = []
    platforms: list[tuple[int, str]] = []
    for provider in COMPLAINT_SUBJECTS.items():
        found = provider(applicant)
        purchases += found.purchases
        platforms += found.platforms
    return ComplaintSubjects(purchases=purchases, platforms=platforms)


def complaint_due_at(*, category: str, filed_at: dt.datetime) -> dt.datetime:
    hours = settings.COMPLAINT_SLA_HOURS.get(category, max(settings.COMPLAINT_SLA_HOURS.values()))
    return filed_at + dt.timedelta(hours=hours)


def complaint_file(
    *,
    applicant: Applicant,
    category: str,
    subject: str,
    body: str,
    purchase_ref: str = "",
    platform_id: int | None = None,
    payout_id: int | None = None,
    attachment: UploadedFile | None = None,
) -> Complaint:
    if category not in ComplaintCategory.values:
        raise ApplicantError(_("Choose what the complaint is about."), field="category")
    subject, body = subject.strip(), body.strip()
    if not subject:
        raise ApplicantError(_("Write a short subject."), field="subject")
    if not body:
        raise ApplicantError(_("Tell us what happened."), field="body")
    if len(body) > MAX_BODY:
        raise ApplicantError(_("Keep it under %(n)s characters.") % {"n": MAX_BODY}, field="body")
    subjects = complaint_subjects(applicant)
    if purchase_ref:
        chosen = next((p for p in subjects.purchases if p.reference == purchase_ref), None)
        if chosen is None:
            raise ApplicantError(_("Choose one of your purchases."), field="purchase_ref")
        platform_id = chosen.platform_id
    elif platform_id is not None and platform_id not in {pid for pid, _name in subjects.platforms}:
        raise ApplicantError(_("Choose one of the listed platforms."), field="platform_id")
    payout = None
    if payout_id is not None:
        payout = Payout.objects.filter(pk=payout_id, instalment__card__applicant=applicant).first()
        if payout is None:
            raise ApplicantError(_("Choose one of your transfers."), field="payout_id")
    cleaned = None
    if attachment is not None:
        try:
            cleaned = image_clean(attachment)
        except ImageRejected as exc:
            raise ApplicantError(str(exc), field="attachment") from exc
    now = timezone.now()
    with transaction.atomic():
        complaint = Complaint(
            applicant=applicant,
            category=category,
            subject=subject[:200],
            body=body,
            purchase_ref=purchase_ref,
            platform_id=platform_id,
            payout=payout,
            created_at=now,
            due_at=complaint_due_at(category=category, filed_at=now),
        )
        if cleaned is not None:
            complaint.attachment.save(cleaned.name or "complaint.jpg", cleaned, save=False)
        complaint.save()
        audit_record(
            actor=Actor.for_user(applicant.user),
            action="complaint.filed",
            target=complaint,
            payload={"category": category, "platform_id": platform_id, "purchase_ref": purchase_ref},
        )
        email_send_after_commit(
            to=applicant.user.email,
            subject=f"Pengaduan #{complaint.pk} diterima",
            body=(
                f"Pengaduan Anda #{complaint.pk} ({complaint.subject}) sudah kami terima. "
                f"Kami akan menjawab paling lambat {_local(complaint.due_at)}. "
                f"Lihat statusnya di {settings.SITE_URL}/pengaduan/{complaint.pk}/"
            ),
            reference=f"complaint-filed:{complaint.pk}",
        )
    return complaint


def _local(moment: dt.datetime | None) -> str:
    return timezone.localtime(moment).strftime("%d-%m-%Y %H:%M WIB") if moment else ""


def _locked(complaint: Complaint) -> Complaint:
    return Complaint.objects.select_for_update().select_related("applicant__user").get(pk=complaint.pk)


def _notify_reply(complaint: Complaint, message: ComplaintMessage, *, resolved: bool) -> None:
    applicant = complaint.applicant
    link = f"{settings.SITE_URL}/pengaduan/{complaint.pk}/"
    what = "sudah diselesaikan" if resolved else "mendapat jawaban"
    text = f"Pengaduan Kartu Prakerja #{complaint.pk} {what}. Baca di {link}"
    email_send_after_commit(
        to=applicant.user.email,
        subject=f"Pengaduan #{complaint.pk} {what}",
        body=f"{text}\n\n{message.body}",
        reference=f"complaint-reply:{message.pk}",
    )
    if applicant.phone and applicant.phone_verified_at:
        sms_send_after_commit(to=applicant.phone, text=text, reference=f"complaint-reply-sms:{message.pk}")


def complaint_assign(*, complaint: Complaint, assignee: User, actor: Actor) -> Complaint:
    if not assignee.is_staff or not assignee.has_perm("applicants.change_complaint"):
        raise ApplicantError(_("This person cannot work on complaints."))
    with transaction.atomic():
        locked = _locked(complaint)
        if locked.status == ComplaintStatus.RESOLVED:
            raise ApplicantError(_("This complaint is resolved."))
        before = locked.assigned_to_id
        locked.assigned_to = assignee
        if locked.status == ComplaintStatus.OPEN:
            locked.status = ComplaintStatus.IN_PROGRESS
        locked.save(update_fields=["assigned_to", "status", "updated_at"])
        audit_record(
            actor=actor,
            action="complaint.assigned",
            target=locked,
            payload={"from": before, "to": assignee.pk},
        )
    return locked


def complaint_reply(*, complaint: Complaint, actor: Actor, body: str, resolve: bool = False) -> ComplaintMessage:
    """The desk answers the applicant (and may resolve with the same words)."""
    body = body.strip()
    if not body:
        raise ApplicantError(_("Write the answer."), field="body")
    with transaction.atomic():
        locked = _locked(complaint)
        if locked.status == ComplaintStatus.RESOLVED:
            raise ApplicantError(_("This complaint is resolved."))
        message = ComplaintMessage.objects.create(complaint=locked, author=actor.person, from_staff=True, body=body)
        now = timezone.now()
        locked.first_reply_at = locked.first_reply_at or now
        if locked.assigned_to_id is None:
            locked.assigned_to = actor.person
        if resolve:
            locked.status = ComplaintStatus.RESOLVED
            locked.resolved_at = now
        elif locked.status == ComplaintStatus.OPEN:
            locked.status = ComplaintStatus.IN_PROGRESS
        locked.save(update_fields=["first_reply_at", "assigned_to", "status", "resolved_at", "updated_at"])
        audit_record(
            actor=actor,
            action="complaint.resolved" if resolve else "complaint.replied",
            target=locked,
            payload={"message": message.pk},
        )
        _notify_reply(locked, message, resolved=resolve)
    return message


def complaint_escalate(*, complaint: Complaint, actor: Actor, reason: str) -> Complaint:
    """Hand a complaint up to the PMO administrators (an internal note with the reason; they are
    told by email)."""
    reason = reason.strip()
    if not reason:
        raise ApplicantError(_("Say why it is escalated."), field="reason")
    with transaction.atomic():
        locked = _locked(complaint)
        if locked.status in (ComplaintStatus.RESOLVED, ComplaintStatus.ESCALATED):
            raise ApplicantError(_("This complaint cannot be escalated now."))
        note = ComplaintMessage.objects.create(
            complaint=locked, author=actor.person, from_staff=True, internal=True, body=reason
        )
        locked.status = ComplaintStatus.ESCALATED
        locked.escalated_at = timezone.now()
        locked.save(update_fields=["status", "escalated_at", "updated_at"])
        audit_record(actor=actor, action="complaint.escalated", target=locked, payload={"reason": reason})
        by = actor.person.email
        admins = User.objects.filter(groups__in=Group.objects.filter(name=PMO_ADMIN), is_active=True).values_list(
            "email", flat=True
        )
        for email in admins:
            email_send_after_commit(
                to=email,
                subject=f"Pengaduan #{locked.pk} dieskalasi",
                body=f"{by}: {reason}\n{settings.SITE_URL}/admin/applicants/complaint/{locked.pk}/change/",
                reference=f"complaint-escalated:{note.pk}:{email}",
            )
    return locked


def complaint_applicant_message(*, complaint: Complaint, applicant: Applicant, body: str) -> ComplaintMessage:
    """The applicant adds to an unresolved complaint of their own."""
    body = body.strip()
    if not body:
        raise ApplicantError(_("Write your message."), field="body")
    if len(body) > MAX_BODY:
        raise ApplicantError(_("Keep it under %(n)s characters.") % {"n": MAX_BODY}, field="body")
    with transaction.atomic():
        locked = _locked(complaint)
        if locked.applicant_id != applicant.pk:
            raise ApplicantError(_("This complaint is not yours."))
        if locked.status == ComplaintStatus.RESOLVED:
            raise ApplicantError(_("This complaint is resolved. File a new one if the problem is back."))
        message = ComplaintMessage.objects.create(complaint=locked, author=applicant.user, body=body)
        locked.save(update_fields=["updated_at"])
    return message
