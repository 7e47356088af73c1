"""Reads for the applicant pages."""

import datetime as dt
from dataclasses import dataclass, field

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from applicants.models import (
    UNFINISHED_WAVE_STATUSES,
    Applicant,
    Blacklisting,
    Card,
    Complaint,
    Decision,
    Reason,
    RegistryImport,
    RegistryKind,
    ReviewStatus,
    Step,
    Wave,
    WaveMember,
    WaveStatus,
)
from applicants.models.applicant import STEP_ORDER
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


def complaint_attachment_url(*, complaint: Complaint) -> str:
    return reverse(
        "applicants:complaint-attachment", args=[private_file_token(kind="complaint-attachment", pk=complaint.pk)]
    )


def complaint_attachment_visible_to(*, complaint: Complaint, user: AbstractBaseUser | AnonymousUser) -> bool:
    """A complaint's photo is seen by the person who filed it and by staff allowed to view complaints."""
    if complaint.applicant.user_id == user.pk:
        return True
    return _staff_may(user, "applicants.view_complaint")


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


def open_waves(now: dt.datetime | None = None) -> list[Wave]:
    now = now or timezone.now()
    return list(
        Wave.objects.filter(status=WaveStatus.OPEN, opens_at__lte=now, closes_at__gt=now)
        .select_related("scheme")
        .order_by("closes_at")
    )


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


def registry_contains(*, nik_index: str, kinds: list[str]) -> bool:
    """Whether a NIK is on a list in use of one of these kinds."""
    return RegistryImport.objects.filter(is_current=True, kind__in=kinds, entries__nik_index=nik_index).exists()


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


@dataclass
class ProvinceStats:
    code: str
    name: str
    quota: int | None
    joined: int = 0
    eligible: int = 0
    selected: int = 0
    reasons: dict[str, int] = field(default_factory=dict)


def wave_province_stats(wave: Wave) -> list[ProvinceStats]:
    """Per province: members, eligible, selected, quota, and how many carry each reason."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT p.code, p.name, q.quota, count(m.id),
                   count(m.id) FILTER (WHERE d.outcome IS NOT NULL AND d.outcome <> 'ineligible'),
                   count(m.id) FILTER (WHERE d.outcome = 'selected')
            FROM applicants_province AS p
            LEFT JOIN applicants_wavemember AS m ON m.province_id = p.code AND m.wave_id = %s
            LEFT JOIN applicants_decision AS d ON d.member_id = m.id
            LEFT JOIN applicants_waveprovincequota AS q ON q.province_id = p.code AND q.wave_id = %s
            GROUP BY p.code, p.name, q.quota
            HAVING count(m.id) > 0 OR q.quota IS NOT NULL
            ORDER BY p.code
            """,
            [wave.pk, wave.pk],
        )
        stats = {row[0]: ProvinceStats(*row) for row in cursor.fetchall()}
        cursor.execute(
            """
            SELECT p.code, r.reason, count(*)
            FROM applicants_decision AS d
            JOIN applicants_wavemember AS m ON m.id = d.member_id
            JOIN applicants_province AS p ON p.code = m.province_id
            CROSS JOIN LATERAL unnest(d.reasons) AS r(reason)
            WHERE d.wave_id = %s
            GROUP BY p.code, r.reason
            """,
            [wave.pk],
        )
        for code, reason, count in cursor.fetchall():
            if code in stats:
                stats[code].reasons[reason] = count
    return list(stats.values())
