"""Account creation and email verification."""

import datetime as dt

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from applicants.errors import ApplicantError
from applicants.models import Applicant, Step
from applicants.privacy.services import notice_accept_current
from prakerja.accounts.models import User
from prakerja.messaging.services import email_send_after_commit

_SALT = "applicants.email-verification"
RESEND_COOLDOWN = dt.timedelta(seconds=60)


def email_verification_token(*, user: User) -> str:
    # Bound to the address: a token for an old address stops working after a change.
    return signing.dumps({"u": user.pk, "e": user.email}, salt=_SALT, compress=True)


def applicant_register(*, email: str, password: str, full_name: str = "") -> Applicant:
    try:
        with transaction.atomic():
            user = User.objects.create_user(email, password, full_name=full_name)
            applicant = Applicant.objects.create(user=user)
            # The registration form's required tick: the notice in force accepted with the account.
            notice_accept_current(applicant=applicant)
            email_verification_send(applicant=applicant)
    except IntegrityError as exc:
        # Two sign-ups with one address at the same moment: the form's check passed for both.
        raise ApplicantError(
            _("This email address is already registered. Log in or reset your password."), field="email"
        ) from exc
    return applicant


def email_verification_send(*, applicant: Applicant) -> None:
    user = applicant.user
    token = email_verification_token(user=user)
    link = settings.SITE_URL.rstrip("/") + reverse("applicants:verify-email", args=[token])
    body = _(
        "Hello,\n\nPlease confirm your email address for your Kartu Prakerja account by opening this "
        "link:\n\n%(link)s\n\nThe link is valid for 3 days. If you did not register, ignore this email."
    ) % {"link": link}
    email_send_after_commit(
        to=user.email,
        subject=_("Confirm your email address for Kartu Prakerja"),
        body=body,
        reference=f"verify-email:{user.pk}:{timezone.now().timestamp():.0f}",
    )


def email_verification_resend(*, applicant: Applicant, last_sent_at: dt.datetime | None) -> None:
    if applicant.email_verified_at:
        raise ApplicantError(_("Your email address is already verified."))
    if last_sent_at and timezone.now() - last_sent_at < RESEND_COOLDOWN:
        raise ApplicantError(_("We just sent a link. Please wait a minute before asking again."))
    email_verification_send(applicant=applicant)


@transaction.atomic
def applicant_verify_email(*, token: str) -> Applicant:
    try:
        data = signing.loads(token, salt=_SALT, max_age=settings.EMAIL_VERIFICATION_MAX_AGE)
    except signing.SignatureExpired as exc:
        raise ApplicantError(_("This link has expired. Log in and ask for a new one.")) from exc
    except signing.BadSignature as exc:
        raise ApplicantError(_("This link is not valid.")) from exc
    applicant = Applicant.objects.select_for_update().select_related("user").filter(user_id=data["u"]).first()
    if applicant is None or applicant.user.email != data["e"]:
        raise ApplicantError(_("This link is not valid."))
    if applicant.email_verified_at is None:
        applicant.email_verified_at = timezone.now()
        if applicant.step == Step.VERIFY_EMAIL:
            applicant.step = Step.IDENTITY
        applicant.save(update_fields=["email_verified_at", "step", "updated_at"])
    return applicant
