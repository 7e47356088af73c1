"""Settling the decisions the selection left pending (a suspected duplicate under review).

The selection gives a member outcome `pending` (reason `duplicate_review`) when a review is
their only obstacle; they take no place in the lottery. When the review ends, each such
decision is settled once, in the order verifiers decide: blacklisted (a confirmed extra
account) -> ineligible; the family card's limit reached -> ineligible; a place left in the
province and the nation -> selected, with a card issued now (its first-purchase deadline
counted from today); otherwise not selected. The member is then told the result."""

import logging

from django.conf import settings
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone

from applicants.models import Blacklisting, Card, Decision, Outcome, Reason, Wave, WaveProvinceQuota
from applicants.waves.services.cards import cards_issue_chunk_retrying
from prakerja.audit.services import audit_record
from prakerja.core.actor import Actor
from prakerja.core.queueing import enqueue_after_commit
from prakerja.ledger.models import AccountKind
from prakerja.ledger.services import account_get_or_create

logger = logging.getLogger(__name__)


def _settle_one(decision: Decision, wave: Wave) -> tuple[str, list[str], int | None, int | None]:
    member = decision.member
    applicant = member.applicant
    if applicant.nik_index and Blacklisting.objects.filter(nik_index=applicant.nik_index).exists():
        return Outcome.INELIGIBLE, [Reason.BLACKLISTED], None, None
    if applicant.kk_index:
        family = Card.objects.filter(applicant__kk_index=applicant.kk_index).count()
        if family >= wave.scheme.max_recipients_per_family_card:
            return Outcome.INELIGIBLE, [Reason.FAMILY_CARD_LIMIT], None, None
    selected = Decision.objects.filter(wave=wave, outcome=Outcome.SELECTED)
    national = selected.aggregate(n=Max("national_rank"))["n"] or 0
    in_province = selected.filter(member__province_id=member.province_id)
    province = in_province.aggregate(n=Max("province_rank"))["n"] or 0
    quota = WaveProvinceQuota.objects.filter(wave=wave, province_id=member.province_id).first()
    if quota is not None and in_province.count() >= quota.quota:
        return Outcome.NOT_SELECTED, [Reason.PROVINCE_QUOTA], None, None
    if selected.count() >= wave.national_quota:
        return Outcome.NOT_SELECTED, [Reason.NATIONAL_QUOTA], province + 1, None
    return Outcome.SELECTED, [], province + 1, national + 1


def decisions_pending_settle(*, applicant_ids: list[int], actor: Actor) -> dict[str, int]:
    """Settle the pending decisions of these applicants (the caller ended their review).
    Returns the count per outcome; a decision already settled is left alone."""
    counts: dict[str, int] = {}
    waves_touched: set[int] = set()
    with transaction.atomic():
        pending = list(
            Decision.objects.filter(outcome=Outcome.PENDING, member__applicant_id__in=applicant_ids)
            .values_list("wave_id", flat=True)
            .distinct()
        )
        for wave in Wave.objects.select_for_update().select_related("scheme").filter(pk__in=pending).order_by("pk"):
            decisions = (
                Decision.objects.select_for_update(of=("self",))
                .select_related("member__applicant")
                .filter(Q(wave=wave) & Q(outcome=Outcome.PENDING) & Q(member__applicant_id__in=applicant_ids))
                .order_by("member_id")
            )
            for decision in decisions:
                outcome, reasons, province_rank, national_rank = _settle_one(decision, wave)
                decision.outcome, decision.reasons = outcome, reasons
                decision.province_rank, decision.national_rank = province_rank, national_rank
                decision.notified_at = None
                decision.save(update_fields=["outcome", "reasons", "province_rank", "national_rank", "notified_at"])
                counts[outcome] = counts.get(outcome, 0) + 1
                audit_record(
                    actor=actor,
                    action="wave.decision_settled",
                    target=decision,
                    payload={"wave": wave.number, "outcome": outcome, "reasons": reasons},
                )
                waves_touched.add(wave.pk)
        if counts.get(Outcome.SELECTED):
            fund = account_get_or_create(kind=AccountKind.FUND_TRAINING)
            for wave in Wave.objects.select_related("scheme").filter(pk__in=waves_touched):
                while cards_issue_chunk_retrying(
                    wave, chunk_size=settings.SELECTION_CARD_CHUNK, fund_id=fund.pk, issued_at=timezone.now()
                ):
                    pass
        for wave_id in sorted(waves_touched):
            enqueue_after_commit("batch.wave_notify", wave_id=wave_id)
    return counts
