"""Registering a person on their behalf (applicants.assisted.models explains who and why).

The person's own identity and phone decide, as in the web journey: the same identity checks
(NIK, KK, one account per NIK), the code is sent by SMS to the person's own phone and read out
by them to the officer, and the password is set by the person from a link to their own email.
The officer never holds a credential of the person's. Each step is audited on the person."""

import csv
import datetime as dt
import io
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_variables

from applicants.assisted.models import (
    AssistedBatch,
    AssistedRegistration,
    AssistedStatus,
    BatchStatus,
    StaffRegion,
)
from applicants.errors import ApplicantError
from applicants.models import Applicant, ConsentChannel, Regency, Step
from applicants.privacy.services import notice_accept_current
from applicants.registration.services.contact import applicant_phone_submit, applicant_phone_verify
from applicants.registration.services.identity import applicant_identity_submit
from applicants.registration.services.registration import email_verification_send
from prakerja.accounts.models import User
from prakerja.audit.services import audit_record
from prakerja.core.actor import Actor
from prakerja.core.errors import DomainError
from prakerja.core.queueing import enqueue_after_commit
from prakerja.messaging.services import email_send_after_commit

# The CSV's columns (Indonesian headers, as the offices' spreadsheets have them).
CSV_COLUMNS = ("email", "nik", "kk", "nama", "tanggal_lahir", "hp", "kode_kabupaten", "formulir_persetujuan")
MAX_BATCH_ROWS = 2000


class AssistedError(ApplicantError):
    pass


@dataclass(frozen=True)
class Person:
    email: str
    nik: str
    kk_number: str
    full_name: str
    birth_date: dt.date
    phone: str
    regency_code: str
    consent_reference: str


def officer_region(actor: Actor) -> StaffRegion:
    """The officer's province, or a refusal: only regional officers with an area assist."""
    user = actor.person
    if not user.has_perm("applicants.assist_registration"):
        raise AssistedError(_("Only regional officers register people on their behalf."), status=403)
    region = StaffRegion.objects.filter(user=user).first()
    if region is None:
        raise AssistedError(_("Your account has no area yet. Ask a PMO administrator to set it."), status=403)
    return region


@sensitive_variables("person")
def assisted_register(*, person: Person, actor: Actor, batch: AssistedBatch | None = None) -> AssistedRegistration:
    """Create the person's account with their identity and phone; the code goes to their phone."""
    region = officer_region(actor)
    if not person.consent_reference.strip():
        raise AssistedError(
            _("Record the person's consent (the number of the signed form)."), field="consent_reference"
        )
    regency = Regency.objects.filter(code=person.regency_code.strip()).first()
    if regency is None:
        raise AssistedError(_("Choose the regency or city where the person lives."), field="regency_code")
    if regency.province_id != region.province_id:
        raise AssistedError(_("The person lives outside your province."), field="regency_code", status=403)
    email = User.objects.normalize_email(person.email.strip()).lower()
    try:
        validate_email(email)
    except ValidationError as exc:
        raise AssistedError(_("Enter the person's own email address."), field="email") from exc
    if User.objects.filter(email__iexact=email).exists():
        raise AssistedError(
            _("This email address is already registered. The person can reset the password."), field="email"
        )
    now = timezone.now()
    with transaction.atomic():
        user = User.objects.create_user(email, None, full_name=" ".join(person.full_name.split()))
        # The officer saw the person and their cards: the journey starts at identity. The email
        # address is confirmed by the person later, from the link sent to it.
        applicant = Applicant.objects.create(user=user, step=Step.IDENTITY, province=regency.province, regency=regency)
        notice_accept_current(applicant=applicant, channel=ConsentChannel.ASSISTED)
        applicant = applicant_identity_submit(
            applicant=applicant,
            nik=person.nik,
            kk_number=person.kk_number,
            full_name=person.full_name,
            birth_date=person.birth_date,
            today=timezone.localdate(),
        )
        applicant = applicant_phone_submit(applicant=applicant, phone=person.phone)
        registration = AssistedRegistration.objects.create(
            applicant=applicant,
            officer=actor.person,
            office=region.office,
            province=region.province,
            batch=batch,
            consent_reference=person.consent_reference.strip()[:64],
            consent_recorded_at=now,
        )
        audit_record(
            actor=actor,
            action="assisted.registered",
            target=applicant,
            payload={"office": region.office, "batch": batch.pk if batch else None},
        )
        email_verification_send(applicant=applicant)
    return registration


def _in_region(registration: AssistedRegistration, actor: Actor) -> None:
    region = officer_region(actor)
    if registration.province_id != region.province_id:
        raise AssistedError(_("This person was registered in another province."), status=403)


def assisted_code_confirm(*, registration: AssistedRegistration, code: str, actor: Actor) -> AssistedRegistration:
    """The person reads the code from their own phone; the officer enters it. Then the person
    gets a link by email to set their own password."""
    _in_region(registration, actor)
    if registration.status != AssistedStatus.AWAITING_CODE:
        raise AssistedError(_("This registration is already complete."), code="already_completed")
    applicant = applicant_phone_verify(applicant=registration.applicant, code=code)
    with transaction.atomic():
        AssistedRegistration.objects.filter(pk=registration.pk).update(
            status=AssistedStatus.COMPLETED, completed_at=timezone.now()
        )
        audit_record(actor=actor, action="assisted.phone_confirmed", target=applicant, payload={})
        user = applicant.user
        link = settings.SITE_URL.rstrip("/") + reverse(
            "applicants:password-reset-confirm",
            args=[urlsafe_base64_encode(force_bytes(user.pk)), default_token_generator.make_token(user)],
        )
        email_send_after_commit(
            to=user.email,
            subject=_("Set the password of your Kartu Prakerja account"),
            body=_(
                "An officer of %(office)s registered you for Kartu Prakerja with your consent. "
                "Set your own password with this link: %(link)s\n\n"
                "Never tell your password or the codes sent to your phone to anyone, officers included. "
                "If you did not ask for this, contact the Kartu Prakerja help desk."
            )
            % {"office": registration.office, "link": link},
            reference=f"assisted-password:{registration.pk}",
        )
    registration.refresh_from_db()
    return registration


def assisted_code_resend(*, registration: AssistedRegistration, actor: Actor) -> None:
    _in_region(registration, actor)
    applicant_phone_submit(applicant=registration.applicant, phone=registration.applicant.phone)
    audit_record(actor=actor, action="assisted.code_resent", target=registration.applicant, payload={})


def assisted_batch_upload(*, file: UploadedFile, actor: Actor) -> AssistedBatch:
    """Keep the file (private), count its rows, and queue the task that registers them."""
    region = officer_region(actor)
    raw = file.read()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise AssistedError(_("Save the file as CSV (UTF-8)."), field="file") from exc
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in CSV_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise AssistedError(_("The file lacks the columns: %(cols)s.") % {"cols": ", ".join(missing)}, field="file")
    rows = sum(1 for _row in reader)
    if not 0 < rows <= MAX_BATCH_ROWS:
        raise AssistedError(_("A file holds 1 to %(max)s people.") % {"max": MAX_BATCH_ROWS}, field="file")
    with transaction.atomic():
        batch = AssistedBatch(officer=actor.person, province=region.province, rows=rows)
        batch.file.save("group.csv", io.BytesIO(raw), save=False)
        batch.save()
        audit_record(actor=actor, action="assisted.batch_uploaded", target=batch, payload={"rows": rows})
        enqueue_after_commit("assisted.batch_register", batch_id=batch.pk)
    return batch


def _row_person(row: dict[str, str]) -> Person:
    try:
        birth = dt.datetime.strptime(row["tanggal_lahir"].strip(), "%d-%m-%Y").date()
    except ValueError as exc:
        raise AssistedError(_("Write the birth date as day-month-year, e.g. 17-05-1995.")) from exc
    return Person(
        email=row["email"],
        nik=row["nik"],
        kk_number=row["kk"],
        full_name=row["nama"],
        birth_date=birth,
        phone=row["hp"],
        regency_code=row["kode_kabupaten"],
        consent_reference=row["formulir_persetujuan"],
    )


def assisted_batch_run(*, batch_id: int) -> AssistedBatch:
    """Register the file's people, one transaction per row with the batch's progress in it, so a
    task redelivered after a crash resumes after the last row done. Refusals are kept by row
    number and message only."""
    batch = AssistedBatch.objects.select_related("officer").get(pk=batch_id)
    if batch.status == BatchStatus.DONE:
        return batch
    AssistedBatch.objects.filter(pk=batch.pk).update(status=BatchStatus.RUNNING)
    actor = Actor.for_user(batch.officer)
    batch_file_name = batch.file.name
    with batch.file.open("rb") as handle:
        rows = list(csv.DictReader(io.StringIO(handle.read().decode("utf-8-sig"))))
    for number, row in enumerate(rows, start=1):
        if number <= batch.processed:
            continue
        problem = None
        with transaction.atomic():
            try:
                with transaction.atomic():
                    assisted_register(person=_row_person(row), actor=actor, batch=batch)
            except DomainError as error:
                problem = {"row": number, "problem": error.message}
            locked = AssistedBatch.objects.select_for_update().get(pk=batch.pk)
            locked.processed = number
            if problem:
                locked.problems = [*locked.problems, problem]
            else:
                locked.registered += 1
            locked.save(update_fields=["processed", "problems", "registered"])
    with transaction.atomic():
        AssistedBatch.objects.filter(pk=batch.pk).update(status=BatchStatus.DONE, finished_at=timezone.now(), file="")
        batch.refresh_from_db()
        # The file held the group's identities; once registered, the accounts hold them.
        stored = batch_file_name
        transaction.on_commit(lambda: default_storage.delete(stored))
        audit_record(
            actor=actor,
            action="assisted.batch_done",
            target=batch,
            payload={"rows": batch.rows, "registered": batch.registered, "refused": len(batch.problems)},
        )
    return batch
