"""Personal data rights of applicants (issue 23): access (the download of everything the portal
holds about a person, prepared by a task, link by email valid for a day); correction (a request
with evidence a verifier approves or rejects; approval applies it to the identity fields, the
one way they change once a wave change froze them); deletion (an applicant never selected, with
no card, removes the account: personal fields blanked, files deleted) and restriction (a
participant, whose records back money movements and are kept for the retention period, asks
for restriction; it is recorded).

Audit payloads carry ids and counts only, never personal data."""

import datetime as dt
import io
import json
import zipfile
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, models, transaction
from django.forms.models import model_to_dict
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_variables

from applicants.data_rights.models import (
    IDENTIFIER_FIELDS,
    AccessRequest,
    AccessStatus,
    BreachNotification,
    CorrectableField,
    CorrectionRequest,
    CorrectionStatus,
    RestrictionRequest,
    RestrictionStatus,
)
from applicants.data_rights.selectors import account_deletable, breach_affected
from applicants.data_rights.summary_pdf import access_summary_pdf
from applicants.errors import ApplicantError
from applicants.models import Applicant, Complaint, Consent, ConsentChannel, OneTimeCode
from applicants.registration.nik import NikError, parse_nik
from applicants.registration.services.identity import kk_blind_index, kk_validate, nik_blind_index
from applicants.verification.face_index import face_index_remove
from prakerja.audit.services import audit_record
from prakerja.core.actor import Actor
from prakerja.core.crypto import decrypt_value, encrypt_value, mask_identifier
from prakerja.core.queueing import enqueue_after_commit
from prakerja.core.uploads import ImageRejected, image_clean
from prakerja.messaging.services import Email, email_send_after_commit, emails_send_bulk_after_commit

ACCESS_LINK_MAX_AGE = dt.timedelta(days=1)
_ACCESS_SALT = "data-rights:access"
# What is never put in the file: secrets of the account and the blind indexes (not data about
# the person, only a way to find them).
_LEFT_OUT = {"password", "nik_encrypted", "kk_encrypted", "nik_index", "kk_index", "code_hash"}


class DataRightsError(ApplicantError):
    pass


def access_token(*, access: AccessRequest) -> str:
    """The signed part of the download link: the request's id and its owner's user id."""
    return signing.dumps({"r": access.pk, "u": access.applicant.user_id}, salt=_ACCESS_SALT, compress=True)


def access_from_token(*, token: str, user_id: int | None) -> AccessRequest | None:
    """The ready request a link names, for its owner only (None for anyone else, a forged or
    expired link, or a file no longer there)."""
    try:
        data = signing.loads(token, salt=_ACCESS_SALT, max_age=ACCESS_LINK_MAX_AGE)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or user_id is None or data.get("u") != user_id:
        return None
    pk = data.get("r")
    if not isinstance(pk, int):
        return None
    return (
        AccessRequest.objects.select_related("applicant")
        .filter(pk=pk, applicant__user_id=user_id, status=AccessStatus.READY)
        .exclude(export="")
        .first()
    )


def access_request(*, applicant: Applicant) -> AccessRequest:
    """The applicant asks for their data. One request being prepared at a time."""
    actor = Actor.for_user(applicant.user)
    try:
        with transaction.atomic():
            access = AccessRequest.objects.create(applicant=applicant)
            audit_record(actor=actor, action="data_rights.access_requested", target=access)
            enqueue_after_commit("data_rights.access_prepare", access_id=access.pk)
    except IntegrityError as exc:
        raise DataRightsError(
            _("Your earlier request is still being prepared. We will email you the link."), code="access_pending"
        ) from exc
    return access


def _row(obj: models.Model) -> dict[str, Any]:
    data = model_to_dict(obj)
    for field in obj._meta.concrete_fields:
        if field.name in _LEFT_OUT:
            data.pop(field.name, None)
        elif isinstance(field, models.FileField):
            data[field.name] = bool(getattr(obj, field.name))  # whether a file is held, not the file
        elif field.name not in data and not isinstance(field, models.BinaryField):
            data[field.name] = getattr(obj, field.attname)
    return {"id": obj.pk, **{k: v for k, v in data.items() if not isinstance(v, bytes | memoryview)}}


def access_data(*, applicant: Applicant) -> dict[str, Any]:
    """Everything the portal holds about the applicant: the account, the applicant's own row
    (NIK and KK in full, decrypted) and every row of every table that points at it."""
    user = applicant.user
    profile = _row(applicant)
    profile["nik"] = decrypt_value(applicant.nik_encrypted) if applicant.nik_encrypted else ""
    profile["kk_number"] = decrypt_value(applicant.kk_encrypted) if applicant.kk_encrypted else ""
    related: dict[str, list[dict[str, Any]]] = {}
    for relation in Applicant._meta.related_objects:
        model = relation.related_model
        if model is AccessRequest or not isinstance(model, type):
            continue
        rows = model._default_manager.filter(**{relation.field.name: applicant}).order_by("pk")
        related[model._meta.label_lower] = [_row(row) for row in rows[:10_000]]
    return {
        "generated_at": timezone.now(),
        "account": {"email": user.email, "full_name": user.full_name, "date_joined": user.date_joined},
        "applicant": profile,
        "related": related,
    }


def access_prepare(*, access_id: int) -> AccessRequest | None:
    """Prepare the file (a zip: data.json and a short summary as HTML and PDF) and email the link. Safe to
    run twice: a request already prepared is left as it is."""
    with transaction.atomic():
        access = (
            AccessRequest.objects.select_for_update(of=("self",))
            .select_related("applicant__user", "applicant__province")
            .filter(pk=access_id)
            .first()
        )
        if access is None or access.status != AccessStatus.PENDING:
            return access
        data = access_data(applicant=access.applicant)
        payload = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
        summary = render_to_string(
            "applicants/data_rights/access_summary.html",
            {"data": data, "counts": {k: len(v) for k, v in data["related"].items()}},
        )
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("data.json", payload)
            archive.writestr("ringkasan.html", summary)
            archive.writestr("ringkasan.pdf", access_summary_pdf(data=data))
        access.export.save("export.zip", ContentFile(buffer.getvalue()), save=False)
        access.status = AccessStatus.READY
        access.ready_at = timezone.now()
        access.save(update_fields=["export", "status", "ready_at"])
        audit_record(
            actor=Actor.system("data_rights.access_prepare"),
            action="data_rights.access_prepared",
            target=access,
            payload={"tables": len(data["related"]), "rows": sum(len(v) for v in data["related"].values())},
        )
        link = settings.SITE_URL + reverse("applicants:data-access-download", args=[access_token(access=access)])
        email_send_after_commit(
            to=access.applicant.user.email,
            subject=_("Your Kartu Prakerja data is ready"),
            body=_(
                "The file with everything the Kartu Prakerja portal holds about you is ready. "
                "Sign in and open this link within one day: %(link)s\n\n"
                "If you did not ask for it, change your password and contact us."
            )
            % {"link": link},
            reference=f"data-access:{access.pk}",
        )
    return access


def access_downloaded(*, access: AccessRequest, request: Any = None) -> None:
    """Record a download (audited, no personal data)."""
    with transaction.atomic():
        AccessRequest.objects.filter(pk=access.pk).update(downloaded_at=timezone.now())
        audit_record(
            actor=Actor.for_user(access.applicant.user),
            action="data_rights.access_downloaded",
            target=access,
            request=request,
        )


@sensitive_variables("value")
def _correct_value(field: str, value: str) -> Any:
    """The value as the applicant's row stores it (a NikInfo for a NIK, the digits for a KK
    number), or a refusal on the form's `value`."""
    value = " ".join(value.split())
    if field == CorrectableField.FULL_NAME:
        if len(value) < 2:
            raise DataRightsError(_("Enter your full name as written on your ID card."), field="value")
        return value
    if field == CorrectableField.BIRTH_DATE:
        for pattern in ("%d-%m-%Y", "%Y-%m-%d", "%d/%m/%Y"):
            try:
                return dt.datetime.strptime(value, pattern).date()
            except ValueError:
                continue
        raise DataRightsError(_("Write the date as day-month-year, e.g. 17-05-1995."), field="value")
    if field == CorrectableField.GENDER:
        gender = {"m": "M", "l": "M", "laki-laki": "M", "male": "M", "f": "F", "p": "F", "perempuan": "F"}
        if value.lower() not in gender:
            raise DataRightsError(_("Write Laki-laki or Perempuan."), field="value")
        return gender[value.lower()]
    if field == CorrectableField.NIK:
        try:
            return parse_nik(value, today=timezone.localdate())
        except NikError as exc:
            raise DataRightsError(exc.message, field="value") from exc
    if field == CorrectableField.KK:
        try:
            return kk_validate(value)
        except ApplicantError as exc:
            raise DataRightsError(exc.message, field="value") from exc
    raise DataRightsError(_("Choose a field to correct."), field="field")


@sensitive_variables("value", "parsed")
def correction_request(
    *, applicant: Applicant, field: str, value: str, explanation: str, evidence: UploadedFile
) -> CorrectionRequest:
    """The applicant asks for an identity field to be corrected, with a photo as evidence (checked
    and re-encoded like the KTP photo). It waits in the verifiers' queue. A new NIK or KK number
    is kept encrypted, shown masked."""
    parsed = _correct_value(field, value)
    if not explanation.strip():
        raise DataRightsError(_("Explain what is wrong and why."), field="explanation")
    try:
        cleaned = image_clean(evidence)
    except ImageRejected as exc:
        raise DataRightsError(str(exc), field="evidence") from exc
    if field in IDENTIFIER_FIELDS:
        digits = parsed.nik if field == CorrectableField.NIK else parsed
        shown, secret = mask_identifier(digits), encrypt_value(digits)
    else:
        shown, secret = " ".join(value.split()), None
    try:
        with transaction.atomic():
            correction = CorrectionRequest(
                applicant=applicant,
                field=field,
                value=shown,
                value_encrypted=secret,
                explanation=explanation.strip(),
            )
            correction.evidence.save("evidence.jpg", cleaned, save=False)
            correction.save()
            audit_record(
                actor=Actor.for_user(applicant.user),
                action="data_rights.correction_requested",
                target=correction,
                payload={"field": field},
            )
    except IntegrityError as exc:
        raise DataRightsError(
            _("You already asked to correct this field; a verifier will look at it soon."), field="field"
        ) from exc
    return correction


def correction_number_reveal(*, correction: CorrectionRequest, actor: Actor, request: Any = None) -> str:
    """The requested NIK or KK number in full, for a verifier comparing it with the evidence
    photo (permission `reveal_nik`); every reveal is audited with the field's name only."""
    if not actor.person.has_perm("applicants.reveal_nik"):
        raise DataRightsError(_("You may not reveal identity numbers."), status=403)
    if correction.field not in IDENTIFIER_FIELDS or correction.value_encrypted is None:
        raise DataRightsError(_("This request holds no number to reveal."), code="no_value")
    audit_record(
        actor=actor,
        action="data_rights.correction_number_revealed",
        target=correction,
        payload={"field": correction.field},
        request=request,
    )
    return decrypt_value(correction.value_encrypted)


def _identifier_apply(applicant: Applicant, field: str, digits: str) -> list[str]:
    """Put a corrected NIK or KK number on the applicant (encrypted, indexed, masked); the fields
    changed. A NIK that another account holds is refused (the unique blind index says so)."""
    if field == CorrectableField.KK:
        applicant.kk_encrypted = encrypt_value(digits)
        applicant.kk_index = kk_blind_index(digits)
        applicant.kk_masked = mask_identifier(digits)
        return ["kk_encrypted", "kk_index", "kk_masked"]
    info = parse_nik(digits, today=timezone.localdate())
    index = nik_blind_index(info.nik)
    if Applicant.objects.filter(nik_index=index).exclude(pk=applicant.pk).exists():
        raise DataRightsError(
            _("Another account holds this NIK: the correction cannot be applied. Refer it to the help desk."),
            code="nik_taken",
        )
    applicant.nik_encrypted = encrypt_value(info.nik)
    applicant.nik_index = index
    applicant.nik_masked = mask_identifier(info.nik)
    applicant.nik_birth_date = info.birth_date
    applicant.gender = info.gender.value
    applicant.flag_birth_date_mismatch = applicant.birth_date not in (None, info.birth_date)
    return ["nik_encrypted", "nik_index", "nik_masked", "nik_birth_date", "gender", "flag_birth_date_mismatch"]


@sensitive_variables("value", "digits")
def correction_decide(*, correction_id: int, approve: bool, reason: str, actor: Actor) -> CorrectionRequest:
    """A verifier approves (the correction is applied to the applicant's identity) or rejects,
    always with a reason the applicant sees. Audited with the field's name only."""
    if not reason.strip():
        raise DataRightsError(_("Give a reason."), field="reason")
    with transaction.atomic():
        correction = CorrectionRequest.objects.select_for_update().get(pk=correction_id)
        if correction.status != CorrectionStatus.PENDING:
            raise DataRightsError(_("This request was already decided."), code="already_decided")
        if approve:
            applicant = Applicant.objects.select_for_update().get(pk=correction.applicant_id)
            if correction.field in IDENTIFIER_FIELDS:
                if correction.value_encrypted is None:
                    raise DataRightsError(_("The requested number is no longer held."), code="no_value")
                digits = decrypt_value(correction.value_encrypted)
                fields = _identifier_apply(applicant, correction.field, digits)
            else:
                value = _correct_value(correction.field, correction.value)
                setattr(applicant, correction.field, value)
                fields = [correction.field]
                if correction.field == CorrectableField.BIRTH_DATE:
                    applicant.flag_birth_date_mismatch = applicant.nik_birth_date not in (None, value)
                    fields.append("flag_birth_date_mismatch")
            applicant.save(update_fields=[*fields, "updated_at"])
        correction.status = CorrectionStatus.APPROVED if approve else CorrectionStatus.REJECTED
        correction.decided_at = timezone.now()
        correction.decided_by = actor.person
        correction.decision_reason = reason.strip()
        correction.value_encrypted = None  # decided: only the masked number stays
        correction.save(update_fields=["status", "decided_at", "decided_by", "decision_reason", "value_encrypted"])
        audit_record(
            actor=actor,
            action="data_rights.correction_approved" if approve else "data_rights.correction_rejected",
            target=correction,
            payload={"field": correction.field},
        )
    return correction


def account_delete(*, applicant: Applicant, password: str) -> None:
    """The applicant deletes their account, confirmed with the password: the sign-in is closed,
    every personal field blanked (NIK and KK with their indexes, name, birth date, contact,
    address, KTP photo), files deleted (KTP photo, complaint photos, correction evidence, data
    exports), one-time codes removed. What stays is a row with no one in it (ids that waves'
    counts and complaints' figures point at). Audited with the applicant's id only."""
    user = applicant.user
    if not user.check_password(password):
        raise DataRightsError(_("The password is not right."), field="password")
    files: list[Any] = []
    with transaction.atomic():
        locked = Applicant.objects.select_for_update().get(pk=applicant.pk)
        if not account_deletable(applicant=locked):
            raise DataRightsError(
                _("You hold a Kartu Prakerja: the records of your card are kept for the retention period."),
                code="participant",
            )
        if locked.ktp_photo:
            files.append(locked.ktp_photo)
        for complaint in Complaint.objects.filter(applicant=locked).exclude(attachment=""):
            files.append(complaint.attachment)
        Complaint.objects.filter(applicant=locked).update(subject="—", body="", attachment="")
        for correction in CorrectionRequest.objects.filter(applicant=locked):
            files.append(correction.evidence)
        CorrectionRequest.objects.filter(applicant=locked).delete()
        for access in AccessRequest.objects.filter(applicant=locked).exclude(export=""):
            files.append(access.export)
        AccessRequest.objects.filter(applicant=locked).delete()
        OneTimeCode.objects.filter(user=user).delete()
        face_index_remove(applicant_ids=[locked.pk])  # derived biometric data: no longer searchable
        for name in ("nik_encrypted", "nik_index", "kk_encrypted", "kk_index", "birth_date", "nik_birth_date"):
            setattr(locked, name, None)
        for name in ("nik_masked", "kk_masked", "full_name", "gender", "phone", "address", "education"):
            setattr(locked, name, "")
        for name in ("marital_status", "employment_status", "review_reason"):
            setattr(locked, name, "")
        locked.regency = None
        locked.dependants = None
        locked.training_interests = []
        locked.phone_verified_at = None
        locked.ktp_photo = ""
        locked.ktp_phash = None
        locked.save()
        user.email = f"dihapus-{user.pk}@invalid.prakerja"
        user.full_name = ""
        user.is_active = False
        user.set_unusable_password()
        user.save()
        audit_record(
            actor=Actor.for_user(user),  # the address is already the anonymous one
            action="data_rights.account_deleted",
            target=None,
            payload={"applicant_id": locked.pk, "files_deleted": len(files)},
        )
        transaction.on_commit(lambda: [file.delete(save=False) for file in files])


def restriction_request(*, applicant: Applicant, reason: str) -> RestrictionRequest:
    """A participant asks for restriction of processing; recorded and audited (no reason text
    in the audit: it may hold personal data). One request waits at a time."""
    if applicant.processing_restricted_at is not None:
        raise DataRightsError(_("The use of your data is already restricted."), code="already_restricted")
    try:
        with transaction.atomic():
            restriction = RestrictionRequest.objects.create(applicant=applicant, reason=reason.strip()[:2000])
            audit_record(
                actor=Actor.for_user(applicant.user), action="data_rights.restriction_requested", target=restriction
            )
    except IntegrityError as exc:
        raise DataRightsError(
            _("You already asked for restriction; a verifier will answer soon."), code="restriction_pending"
        ) from exc
    return restriction


def restriction_decide(*, restriction_id: int, grant: bool, reason: str, actor: Actor) -> RestrictionRequest:
    """A verifier grants or refuses, with a reason the person is sent. Granting restricts the
    person's data to the programme's duties (see docs/privacy.md, "Restriction"): every separate
    consent is withdrawn and cannot be given again, research exports of applicants leave them out,
    and they cannot join a new wave; their card, purchases, incentives, complaints, clawbacks and
    their own data rights go on."""
    if not reason.strip():
        raise DataRightsError(_("Give a reason."), field="reason")
    with transaction.atomic():
        restriction = (
            RestrictionRequest.objects.select_for_update().select_related("applicant__user").get(pk=restriction_id)
        )
        if restriction.status != RestrictionStatus.PENDING:
            raise DataRightsError(_("This request was already decided."), code="already_decided")
        applicant = restriction.applicant
        withdrawn = 0
        if grant:
            now = timezone.now()
            Applicant.objects.filter(pk=applicant.pk).update(processing_restricted_at=now)
            withdrawn = Consent.objects.filter(applicant=applicant, granted=True).update(
                granted=False, changed_at=now, channel=ConsentChannel.STAFF
            )
        restriction.status = RestrictionStatus.GRANTED if grant else RestrictionStatus.REFUSED
        restriction.decided_at = timezone.now()
        restriction.decided_by = actor.person
        restriction.decision_reason = reason.strip()
        restriction.save(update_fields=["status", "decided_at", "decided_by", "decision_reason"])
        audit_record(
            actor=actor,
            action="data_rights.restriction_granted" if grant else "data_rights.restriction_refused",
            target=restriction,
            payload={"consents_withdrawn": withdrawn},
        )
        subject = _("Your request to restrict the use of your data")
        answer = (
            _("Your request is granted: from now on your data are used only for the duties of the programme.")
            if grant
            else _("Your request is refused.")
        )
        email_send_after_commit(
            to=applicant.user.email,
            subject=str(subject),
            body=f"{answer}\n\n{_('Reason')}: {restriction.decision_reason}",
            reference=f"restriction-decided:{restriction.pk}",
        )
    return restriction


def breach_notify(*, notification_id: int, actor: Actor) -> int:
    """Email every person the leaked data set affects, through messaging (one outbox row each,
    written in bulk and sent in batches by the workers). Once only. Audited with counts only."""
    with transaction.atomic():
        notification = BreachNotification.objects.select_for_update().get(pk=notification_id)
        if notification.notified_at is not None:
            raise DataRightsError(_("These people were already notified."), code="already_notified")
        people = list(breach_affected(notification=notification).values_list("pk", "user__email"))
        if not people:
            raise DataRightsError(_("Nobody matches: give a wave, a province or applicant ids."))
        emails_send_bulk_after_commit(
            Email(
                to=email,
                subject=notification.subject,
                body=notification.body,
                reference=f"breach:{notification.pk}:{pk}",
            )
            for pk, email in people
        )
        notification.notified_at = timezone.now()
        notification.notified_count = len(people)
        notification.save(update_fields=["notified_at", "notified_count"])
        audit_record(
            actor=actor, action="data_rights.breach_notified", target=notification, payload={"notified": len(people)}
        )
    return len(people)
