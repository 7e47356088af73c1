"""Six-digit SMS codes: for the phone number here, and later for purchases and payout accounts.

Only an HMAC of the code is stored. Three wrong entries lock that purpose for the user for an
hour; a new code can be asked for after a cooldown. Wrong entries are counted per person and
purpose across codes (since the last success or lock, within FAILURE_WINDOW): asking for a new
code after two wrong guesses does not start the count again.
"""

import datetime as dt
import hashlib
import hmac
import secrets

from django.conf import settings
from django.db import transaction
from django.db.models import Max, Sum
from django.utils import timezone
from django.utils.formats import time_format
from django.utils.translation import gettext as _

from applicants.errors import OtpCooldown, OtpError, OtpLocked
from applicants.models import OneTimeCode, OtpPurpose
from prakerja.accounts.models import User
from prakerja.messaging.services import sms_send_after_commit

CODE_TTL = dt.timedelta(minutes=15)
RESEND_COOLDOWN = dt.timedelta(seconds=60)
MAX_ATTEMPTS = 3
LOCK_DURATION = dt.timedelta(hours=1)
# Wrong entries older than this (and before the last success or lock) no longer count.
FAILURE_WINDOW = dt.timedelta(hours=24)


def _hash(code: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), code.encode(), hashlib.sha256).hexdigest()


def _active_lock(*, user: User, purpose: str, now: dt.datetime) -> dt.datetime | None:
    locked = (
        OneTimeCode.objects.filter(user=user, purpose=purpose, locked_until__gt=now)
        .order_by("-locked_until")
        .values_list("locked_until", flat=True)
        .first()
    )
    return locked


def _recent_failures(*, user: User, purpose: str, now: dt.datetime) -> int:
    """Wrong entries for this person and purpose, whatever the code, since the last success or
    lock ended (and within FAILURE_WINDOW)."""
    codes = OneTimeCode.objects.filter(user=user, purpose=purpose)
    marks = codes.aggregate(used=Max("used_at"), locked=Max("locked_until"))
    since = max(filter(None, [now - FAILURE_WINDOW, marks["used"], marks["locked"]]))
    return codes.filter(created_at__gte=since).aggregate(n=Sum("attempts"))["n"] or 0


def _locked_message(until: dt.datetime) -> str:
    local = timezone.localtime(until)
    return _("Too many wrong codes. Try again after %(time)s WIB.") % {"time": time_format(local, "H:i")}


# SMS texts are in Indonesian whatever the page language: the phone, not the browser, reads them.
_NEVER_SHARE = "JANGAN berikan kode ini kepada siapa pun."
SMS_TEXTS = {
    OtpPurpose.PHONE_VERIFY: "Kode verifikasi Kartu Prakerja Anda: %(code)s. Berlaku 15 menit. " + _NEVER_SHARE,
    OtpPurpose.PURCHASE_CONFIRM: "Kode konfirmasi pembelian pelatihan Kartu Prakerja: %(code)s. " + _NEVER_SHARE,
    OtpPurpose.PAYOUT_ACCOUNT: "Kode untuk menautkan rekening/e-wallet Kartu Prakerja: %(code)s. " + _NEVER_SHARE,
}


def detached_code(purpose: OtpPurpose) -> tuple[str, str, str]:
    """A new code kept by its caller rather than in OneTimeCode (a purchase keeps its own):
    returns (code, its hash, the SMS text to send)."""
    code = f"{secrets.randbelow(10**6):06d}"
    return code, _hash(code), SMS_TEXTS[purpose] % {"code": code}


def detached_code_matches(code_hash: str, code: str) -> bool:
    return hmac.compare_digest(code_hash, _hash(code.strip()))


@transaction.atomic
def otp_send(*, user: User, purpose: OtpPurpose, target: str, subject_ref: str = "") -> OneTimeCode:
    now = timezone.now()
    if until := _active_lock(user=user, purpose=purpose, now=now):
        raise OtpLocked(_locked_message(until), until=until)
    last = OneTimeCode.objects.filter(user=user, purpose=purpose).order_by("-created_at").first()
    if last is not None and now - last.created_at < RESEND_COOLDOWN:
        seconds = int((RESEND_COOLDOWN - (now - last.created_at)).total_seconds()) + 1
        raise OtpCooldown(
            _("Please wait %(seconds)s seconds before asking for a new code.") % {"seconds": seconds}, seconds=seconds
        )
    code = f"{secrets.randbelow(10**6):06d}"
    otp = OneTimeCode.objects.create(
        user=user,
        purpose=purpose,
        target=target,
        subject_ref=subject_ref,
        code_hash=_hash(code),
        expires_at=now + CODE_TTL,
    )
    sms_send_after_commit(to=target, text=SMS_TEXTS[OtpPurpose(purpose)] % {"code": code}, reference=f"otp:{otp.pk}")
    return otp


def otp_verify(*, user: User, purpose: OtpPurpose, code: str, subject_ref: str = "") -> OneTimeCode:
    """Accept the latest code for this purpose, or count a wrong attempt (kept even though the
    caller sees an error) and lock after the third for this person and purpose, across codes."""
    now = timezone.now()
    failure: OtpError | None = None
    with transaction.atomic():
        if until := _active_lock(user=user, purpose=purpose, now=now):
            raise OtpLocked(_locked_message(until), until=until)
        otp = (
            OneTimeCode.objects.select_for_update()
            .filter(user=user, purpose=purpose, subject_ref=subject_ref, used_at__isnull=True)
            .order_by("-created_at")
            .first()
        )
        if otp is None:
            raise OtpError(_("There is no code waiting. Ask for a new code."))
        if otp.expires_at <= now:
            raise OtpError(_("This code has expired. Ask for a new code."))
        if hmac.compare_digest(otp.code_hash, _hash(code.strip())):
            otp.used_at = now
            otp.save(update_fields=["used_at"])
            return otp
        otp.attempts += 1
        otp.save(update_fields=["attempts"])
        failures = _recent_failures(user=user, purpose=purpose, now=now)
        if failures >= MAX_ATTEMPTS:
            otp.locked_until = now + LOCK_DURATION
            otp.save(update_fields=["locked_until"])
            failure = OtpLocked(_locked_message(otp.locked_until), until=otp.locked_until)
        else:
            left = MAX_ATTEMPTS - failures
            failure = OtpError(_("Wrong code. %(left)s attempt(s) left.") % {"left": left})
    raise failure
