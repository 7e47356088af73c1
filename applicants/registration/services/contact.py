"""The applicant's mobile number, verified by an SMS code."""

import phonenumbers
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from applicants.errors import ApplicantError, StepNotReached
from applicants.models import Applicant, OtpPurpose, Step
from applicants.registration.services.otp import otp_send, otp_verify


def phone_normalise(raw: str) -> str:
    """Indonesian mobile number in E.164 (+628...). Accepts 08..., 628..., +62 8..."""
    try:
        number = phonenumbers.parse(raw, "ID")
    except phonenumbers.NumberParseException as exc:
        raise ApplicantError(_("Enter a mobile number such as 0812 3456 7890."), field="phone") from exc
    mobile_types = (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)
    if (
        number.country_code != 62
        or not phonenumbers.is_valid_number(number)
        or phonenumbers.number_type(number) not in mobile_types
    ):
        raise ApplicantError(_("Enter an Indonesian mobile number such as 0812 3456 7890."), field="phone")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


@transaction.atomic
def applicant_phone_submit(*, applicant: Applicant, phone: str) -> Applicant:
    if not applicant.has_reached(Step.CONTACT):
        raise StepNotReached(_("Please complete your identity first."))
    e164 = phone_normalise(phone)
    if e164 != applicant.phone:
        applicant.phone = e164
        applicant.phone_verified_at = None
        applicant.save(update_fields=["phone", "phone_verified_at", "updated_at"])
    otp_send(user=applicant.user, purpose=OtpPurpose.PHONE_VERIFY, target=e164, subject_ref=e164)
    return applicant


def applicant_phone_verify(*, applicant: Applicant, code: str) -> Applicant:
    if not applicant.phone:
        raise StepNotReached(_("Enter your mobile number first."))
    otp_verify(user=applicant.user, purpose=OtpPurpose.PHONE_VERIFY, code=code, subject_ref=applicant.phone)
    with transaction.atomic():
        locked = Applicant.objects.select_for_update().get(pk=applicant.pk)
        locked.phone_verified_at = timezone.now()
        if locked.step == Step.CONTACT:
            locked.step = Step.PERSONAL
        locked.save(update_fields=["phone_verified_at", "step", "updated_at"])
    applicant.refresh_from_db()
    return applicant
