"""Identity: NIK, family card number, name and birth date."""

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_variables

from applicants.errors import ApplicantError, DuplicateNik, StepNotReached
from applicants.models import Applicant, Regency, ReviewStatus, Step
from applicants.registration.nik import NikError, normalise_nik, parse_nik
from prakerja.audit.services import audit_record
from prakerja.core.actor import Actor
from prakerja.core.crypto import blind_index, encrypt_value, mask_identifier

NIK_PURPOSE = "nik"
KK_PURPOSE = "kk"


def nik_blind_index(nik: str) -> str:
    return blind_index(normalise_nik(nik), purpose=NIK_PURPOSE)


def kk_blind_index(kk: str) -> str:
    return blind_index(normalise_nik(kk), purpose=KK_PURPOSE)


@sensitive_variables("kk_number", "kk")
def kk_validate(kk_number: str) -> str:
    """The family card number's digits, or a refusal on `kk_number`."""
    kk = normalise_nik(kk_number)
    if len(kk) != 16 or not kk.isdigit():
        raise ApplicantError(_("A family card (KK) number has exactly 16 digits."), field="kk_number")
    if kk[:2] == "00" or kk.endswith("0000"):
        raise ApplicantError(_("This family card (KK) number is not valid."), field="kk_number")
    return kk


@sensitive_variables("nik", "kk_number", "info", "kk")
def applicant_identity_submit(
    *, applicant: Applicant, nik: str, kk_number: str, full_name: str, birth_date: dt.date, today: dt.date
) -> Applicant:
    """Validate and store the identity. Returns the applicant; `nik_region_known` False and
    `flag_birth_date_mismatch` True are warnings the page shows, not refusals."""
    if not applicant.has_reached(Step.IDENTITY):
        raise StepNotReached(_("Please verify your email address first."))
    if applicant.wave_memberships.exists():
        # Selection decided on these data; changing them afterwards would undo its checks.
        raise ApplicantError(
            _("Your identity can no longer be changed after joining a wave. Contact the help desk if it is wrong.")
        )
    try:
        info = parse_nik(nik, today=today)
    except NikError as exc:
        raise ApplicantError(exc.message, field="nik") from exc
    kk = kk_validate(kk_number)
    name = " ".join(full_name.split())
    if len(name) < 2:
        raise ApplicantError(_("Enter your full name as written on your ID card."), field="full_name")

    index = nik_blind_index(info.nik)
    mismatch = birth_date != info.birth_date
    try:
        with transaction.atomic():
            locked = Applicant.objects.select_for_update().get(pk=applicant.pk)
            locked.nik_encrypted = encrypt_value(info.nik)
            locked.nik_index = index
            locked.nik_masked = mask_identifier(info.nik)
            locked.kk_encrypted = encrypt_value(kk)
            locked.kk_index = kk_blind_index(kk)
            locked.kk_masked = mask_identifier(kk)
            locked.full_name = name
            locked.birth_date = birth_date
            locked.nik_birth_date = info.birth_date
            locked.gender = info.gender.value
            locked.nik_region_known = Regency.objects.filter(code=info.regency_code).exists()
            locked.flag_birth_date_mismatch = mismatch
            if mismatch and locked.review_status in (ReviewStatus.NONE, ReviewStatus.CLEARED):
                locked.review_status = ReviewStatus.PENDING
            elif not mismatch and locked.review_status == ReviewStatus.PENDING:
                locked.review_status = ReviewStatus.NONE
            locked.identity_completed_at = locked.identity_completed_at or timezone.now()
            if locked.step == Step.IDENTITY:
                locked.step = Step.CONTACT
            locked.save()
    except IntegrityError as exc:
        if "nik_index" not in str(exc):
            raise
        # Recorded for verifiers, but the person is told nothing about the other account.
        audit_record(
            actor=Actor.for_user(applicant.user),
            action="applicant.nik_duplicate_attempt",
            target=applicant,
            payload={"nik_masked": mask_identifier(info.nik)},
        )
        raise DuplicateNik(
            _(
                "This NIK cannot be registered with this account. If it is yours and you did not "
                "register before, contact the Kartu Prakerja help desk."
            )
        ) from exc
    applicant.refresh_from_db()
    return applicant
