"""Personal data, domicile, the ID card photo and the honesty declaration."""

from dataclasses import dataclass

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from applicants.duplicates.photos import photo_phash
from applicants.errors import ApplicantError, StepNotReached
from applicants.models import Applicant, Province, Regency, Step
from prakerja.core.uploads import ImageRejected, image_clean


@dataclass(frozen=True, kw_only=True)
class PersonalData:
    address: str
    province: Province
    regency: Regency
    education: str
    marital_status: str
    dependants: int
    employment_status: str
    training_interests: list[str]
    honesty_declared: bool


@transaction.atomic
def applicant_personal_submit(*, applicant: Applicant, data: PersonalData, ktp_photo: UploadedFile | None) -> Applicant:
    if not applicant.has_reached(Step.PERSONAL):
        raise StepNotReached(_("Please verify your mobile number first."))
    if data.regency.province_id != data.province.pk:
        raise ApplicantError(_("This regency or city is not in the chosen province."), field="regency")
    if not data.honesty_declared:
        raise ApplicantError(_("You must accept the honesty declaration."), field="honesty_declared")
    locked = Applicant.objects.select_for_update().get(pk=applicant.pk)
    if ktp_photo is not None:
        try:
            cleaned = image_clean(ktp_photo)
        except ImageRejected as exc:
            raise ApplicantError(str(exc), field="ktp_photo") from exc
        old_name = locked.ktp_photo.name if locked.ktp_photo else ""
        locked.ktp_phash = photo_phash(cleaned.read())  # for the duplicate pass
        cleaned.seek(0)
        locked.ktp_photo.save(cleaned.name or "ktp.jpg", cleaned, save=False)
        if old_name:
            transaction.on_commit(lambda: locked.ktp_photo.storage.delete(old_name))
    elif not locked.ktp_photo:
        raise ApplicantError(_("Upload a photo of your ID card (KTP)."), field="ktp_photo")
    locked.address = data.address.strip()
    locked.province = data.province
    locked.regency = data.regency
    locked.education = data.education
    locked.marital_status = data.marital_status
    locked.dependants = data.dependants
    locked.employment_status = data.employment_status
    locked.training_interests = sorted(set(data.training_interests))
    now = timezone.now()
    locked.honesty_declared_at = locked.honesty_declared_at or now
    locked.personal_completed_at = locked.personal_completed_at or now
    if locked.step == Step.PERSONAL:
        locked.step = Step.BASIC_TEST
    locked.save()
    return locked
