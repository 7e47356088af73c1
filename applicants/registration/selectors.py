"""Reads for the applicant pages: the registration steps, who may see a KTP photo, where the
applicant stands in the programme."""

from dataclasses import dataclass

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse
from django.utils.translation import gettext as _

from applicants.models import (
    UNFINISHED_WAVE_STATUSES,
    Applicant,
    Blacklisting,
    Card,
    Decision,
    Reason,
    RegistryKind,
    ReviewStatus,
    Step,
    Wave,
    WaveMember,
    WaveStatus,
)
from applicants.registration.models import STEP_ORDER
from applicants.waves.selectors import open_waves, registry_contains
from prakerja.accounts.models import User
from prakerja.accounts.two_factor import staff_second_factor_passed
from prakerja.core.uploads import private_file_token
from prakerja.ledger.models import LedgerAccount

STEP_URLS = {
    Step.IDENTITY: "applicants:identity",
    Step.CONTACT: "applicants:contact",
    Step.PERSONAL: "applicants:personal",
    Step.BASIC_TEST: "applicants:basic-test",
}


@dataclass(frozen=True)
class StepView:
    key: str
    label: str
    state: str  # "done", "current" or "todo"
    url: str | None


def dashboard_steps(applicant: Applicant) -> list[StepView]:
    """The registration steps with the applicant's progress, for the progress indicator."""
    current = STEP_ORDER.index(applicant.step)
    views = []
    for index, step in enumerate(Step):
        if step == Step.READY:
            continue
        state = "done" if index < current else "current" if index == current else "todo"
        url_name = STEP_URLS.get(step)
        url = reverse(url_name) if url_name and index <= current else None
        views.append(StepView(key=step.value, label=str(step.label), state=state, url=url))
    return views


def _staff_may(user: AbstractBaseUser | AnonymousUser, permission: str) -> bool:
    # Staff pages outside the admin ask for the second factor as the admin does.
    if not isinstance(user, User):
        return False
    return user.is_staff and user.is_active and user.has_perm(permission) and staff_second_factor_passed(user=user)


def ktp_photo_visible_to(*, applicant: Applicant, user: AbstractBaseUser | AnonymousUser) -> bool:
    """An ID card photo is seen by its owner and by staff allowed to view applicants, nobody else."""
    if applicant.user_id == user.pk:
        return True
    return _staff_may(user, "applicants.view_applicant")


def ktp_photo_url(*, applicant: Applicant) -> str:
    """Where the ID card photo is served: a signed, expiring link, not the applicant's id."""
    return reverse("applicants:ktp-photo", args=[private_file_token(kind="ktp", pk=applicant.pk)])


@dataclass(frozen=True)
class ProgrammeStatus:
    """Where an applicant stands after registration, for the dashboard.

    state: "ready" (may join, no open wave), "can_join", "blocked", "waiting", "processing",
    "selected", "not_selected", "ineligible", "revoked" or "closed"."""

    state: str
    wave: Wave | None = None
    decision: Decision | None = None
    card: Card | None = None
    balance: int | None = None
    reasons: tuple[str, ...] = ()
    open_waves: tuple[Wave, ...] = ()
    blocked_reason: str | None = None


def programme_status(applicant: Applicant) -> ProgrammeStatus:
    card = Card.objects.filter(applicant=applicant).select_related("wave", "scheme").first()
    if card is not None:
        balance = LedgerAccount.objects.filter(pk=card.account_id).values_list("balance", flat=True).first()
        state = {"active": "selected", "revoked": "revoked", "closed": "closed"}[card.status]
        return ProgrammeStatus(state=state, wave=card.wave, card=card, balance=balance)
    member = (
        WaveMember.objects.filter(applicant=applicant)
        .select_related("wave", "decision")
        .order_by("-wave__number")
        .first()
    )
    if member is not None and member.wave.status != WaveStatus.ANNOUNCED:
        state = "waiting" if member.wave.status in (WaveStatus.DRAFT, WaveStatus.OPEN) else "processing"
        return ProgrammeStatus(state=state, wave=member.wave)
    blocked = applicant_blocked_reason(applicant) if applicant.has_reached(Step.READY) else None
    waves = tuple(open_waves()) if blocked is None else ()
    decision = getattr(member, "decision", None) if member is not None else None
    if decision is not None:
        texts = tuple(str(Reason(r).label) for r in decision.reasons if r in Reason.values and r != Reason.PRIORITY)
        return ProgrammeStatus(
            state=decision.outcome,
            wave=member.wave if member else None,
            decision=decision,
            reasons=texts,
            open_waves=waves,
            blocked_reason=blocked,
        )
    if blocked is not None:
        return ProgrammeStatus(state="blocked", blocked_reason=blocked)
    return ProgrammeStatus(state="can_join" if waves else "ready", open_waves=waves)


def applicant_blocked_reason(applicant: Applicant) -> str | None:
    """Why this applicant may not join any wave now, in words for them; None if they may."""
    if not applicant.has_reached(Step.READY):
        return _("Finish every registration step first.")
    if applicant.review_status in (ReviewStatus.PENDING, ReviewStatus.REJECTED):
        return _("Your identity data is waiting for a verifier. You can join a wave once it is cleared.")
    index = applicant.nik_index or ""
    if Blacklisting.objects.filter(nik_index=index).exists() or registry_contains(
        nik_index=index, kinds=[RegistryKind.BLACKLIST]
    ):
        return _("You may no longer take part in the programme.")
    if Card.objects.filter(applicant=applicant).exists() or registry_contains(
        nik_index=index, kinds=[RegistryKind.PRIOR_RECIPIENT]
    ):
        return _("You already received a Kartu Prakerja; it is given once per lifetime.")
    if WaveMember.objects.filter(applicant=applicant, wave__status__in=UNFINISHED_WAVE_STATUSES).exists():
        return _("You have already joined a wave. Wait for its result.")
    return None
