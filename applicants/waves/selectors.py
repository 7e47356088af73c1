"""Reads about waves and where an applicant stands in them: the open waves, whether a NIK is on a
registry, why someone may not join, the dashboard's programme status, a wave's figures per province."""

import datetime as dt
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext as _

from applicants.models import (
    UNFINISHED_WAVE_STATUSES,
    Applicant,
    Blacklisting,
    Block,
    BlockStatus,
    Card,
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
from prakerja.ledger.models import LedgerAccount


def open_waves(now: dt.datetime | None = None) -> list[Wave]:
    now = now or timezone.now()
    return list(
        Wave.objects.filter(status=WaveStatus.OPEN, opens_at__lte=now, closes_at__gt=now)
        .select_related("scheme")
        .order_by("closes_at")
    )


def registry_contains(*, nik_index: str, kinds: list[str]) -> bool:
    """Whether a NIK is on a list in use of one of these kinds."""
    return RegistryImport.objects.filter(is_current=True, kind__in=kinds, entries__nik_index=nik_index).exists()


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


@dataclass(frozen=True)
class ProgrammeStatus:
    """Where an applicant stands after registration, for the dashboard.

    state: "ready" (may join, no open wave), "can_join", "blocked", "waiting", "processing",
    "selected", "not_selected", "ineligible", "pending" (a review before the result), "revoked" or
    "closed"."""

    state: str
    wave: Wave | None = None
    decision: Decision | None = None
    card: Card | None = None
    balance: int | None = None
    reasons: tuple[str, ...] = ()
    open_waves: tuple[Wave, ...] = ()
    blocked_reason: str | None = None

    @property
    def refused_unverified(self) -> bool:
        """The wave's result was refused because the identity was not verified with a selfie."""
        return self.decision is not None and Reason.IDENTITY_UNVERIFIED in self.decision.reasons


def programme_status(applicant: Applicant) -> ProgrammeStatus:
    card = Card.objects.filter(applicant=applicant).select_related("wave", "scheme").first()
    if card is not None:
        balance = LedgerAccount.objects.filter(pk=card.account_id).values_list("balance", flat=True).first()
        state = {"active": "selected", "revoked": "revoked", "closed": "closed", "suspended": "suspended"}[card.status]
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
        if decision.outcome == "pending":  # under review: no other wave until it is settled
            waves = ()
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
    block = Block.objects.filter(applicant=applicant, status=BlockStatus.ACTIVE).select_related("reason").first()
    if block is not None:
        return block.reason.explanation  # until an appeal is upheld (shown with the appeal on the dashboard)
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
