"""Issuing and cancelling redeem codes (the purchase flow calls these)."""

import secrets

from django.db import IntegrityError, transaction
from django.utils import timezone

from courses.errors import CourseError
from courses.models import Course, RedeemCode, RedeemCodeStatus, Schedule
from courses.signals import redeem_code_used

# No 0/O, 1/I/L: codes are read aloud and typed from screens.
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 12  # 31^12 ≈ 7.9e17: not guessable


def _new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def redeem_code_issue(*, course: Course, schedule: Schedule | None = None) -> RedeemCode:
    for _attempt in range(5):
        try:
            with transaction.atomic():
                return RedeemCode.objects.create(
                    code=_new_code(),
                    institution_id=course.institution_id,
                    course=course,
                    schedule=schedule,
                    method=course.method,
                )
        except IntegrityError as exc:
            if "redeem_code_unique" not in str(exc):
                raise
    raise RuntimeError("could not draw a free redeem code")


class RedeemCodeUsed(CourseError):
    pass


def redeem_code_cancel(*, redeem_code: RedeemCode) -> RedeemCode:
    """Cancel an unused code (the purchase was cancelled). A used code cannot be cancelled."""
    with transaction.atomic():
        locked = RedeemCode.objects.select_for_update().get(pk=redeem_code.pk)
        if locked.status == RedeemCodeStatus.USED:
            raise RedeemCodeUsed("The redeem code has been used: the training has started.")
        if locked.status == RedeemCodeStatus.ISSUED:
            locked.status = RedeemCodeStatus.CANCELLED
            locked.cancelled_at = timezone.now()
            locked.save(update_fields=["status", "cancelled_at"])
        return locked


class RedeemCodeRefused(CourseError):
    """Why a code cannot be committed; `reason` is stable for the integration protocol."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


def redeem_code_commit(*, code: str, institution_id: int) -> RedeemCode:
    """The institution declares the code used: the participant started the training. Once only;
    the purchase above learns of it through the `redeem_code_used` signal, in this transaction."""
    with transaction.atomic():
        locked = RedeemCode.objects.select_for_update().filter(code=code.strip().upper()).first()
        if locked is None or locked.institution_id != institution_id:
            raise RedeemCodeRefused("not_found", "Redeem code not found.")
        if locked.status == RedeemCodeStatus.CANCELLED:
            raise RedeemCodeRefused("cancelled", "The redeem code was cancelled.")
        if locked.status == RedeemCodeStatus.USED:
            raise RedeemCodeRefused("already_used", "The redeem code has already been used.")
        locked.status = RedeemCodeStatus.USED
        locked.used_at = timezone.now()
        locked.save(update_fields=["status", "used_at"])
        redeem_code_used.send(sender=RedeemCode, redeem_code=locked)
        return locked
