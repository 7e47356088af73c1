"""Blocks and appeals. Staff block a participant (card suspended) or an applicant (may not join a
wave) for a reason from a list kept as data; the person sees the reason in plain Indonesian and
may appeal once per block, with evidence; a verifier decides with a reason within
`APPEAL_DECIDE_DAYS`. An upheld appeal lifts the block: the card is usable again (a revoked
card's balance comes back from the treasury while its programme year runs) or the applicant
eligible again."""

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from applicants.registration.models import Applicant
from applicants.waves.models import Card


def appeal_evidence_path(instance: Any, filename: str) -> str:
    return f"private/appeals/{uuid.uuid4().hex}.jpg"


class BlockReason(models.Model):
    """Why someone is blocked. Seeded by migration (false data, bots, someone else trained, course
    not finished, registry hit, clawback); the PMO edits the words, never the code."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    label_id = models.CharField(_("label (Indonesian)"), max_length=120)
    label_en = models.CharField(_("label (English)"), max_length=120)
    # What the blocked person reads on the dashboard: plain Indonesian, no jargon.
    explanation_id = models.TextField(_("explanation for the participant (Indonesian)"))
    explanation_en = models.TextField(_("explanation for the participant (English)"), blank=True)
    is_active = models.BooleanField(_("may be chosen"), default=True)
    position = models.PositiveSmallIntegerField(_("position in lists"), default=0)

    class Meta:
        verbose_name = _("block reason")
        verbose_name_plural = _("block reasons")
        ordering = ("position", "code")

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return self.label_en if (get_language() or "id").startswith("en") and self.label_en else self.label_id

    @property
    def explanation(self) -> str:
        english = (get_language() or "id").startswith("en") and self.explanation_en
        return self.explanation_en if english else self.explanation_id


class BlockStatus(models.TextChoices):
    ACTIVE = "active", _("Blocked")
    LIFTED = "lifted", _("Lifted (appeal upheld)")


class Block(models.Model):
    applicant = models.ForeignKey(
        Applicant, verbose_name=_("blocked person"), on_delete=models.PROTECT, related_name="blocks"
    )
    card = models.ForeignKey(
        Card, verbose_name=_("card"), on_delete=models.PROTECT, null=True, blank=True, related_name="blocks"
    )
    reason = models.ForeignKey(BlockReason, verbose_name=_("reason"), on_delete=models.PROTECT, related_name="+")
    # For staff only (what was found, where); the person sees the reason's explanation.
    note = models.TextField(_("staff note"))
    # The card's status when blocked: an active card is suspended; a revoked one (a revocation
    # being reconsidered) stays revoked until an appeal is upheld.
    card_status_before = models.CharField(_("card status when blocked"), max_length=12, blank=True)
    status = models.CharField(_("status"), max_length=8, choices=BlockStatus.choices, default=BlockStatus.ACTIVE)
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("blocked by"), on_delete=models.PROTECT, related_name="+"
    )
    placed_at = models.DateTimeField(_("blocked at"), default=timezone.now)
    lifted_at = models.DateTimeField(_("lifted at"), null=True, blank=True)

    class Meta:
        verbose_name = _("block")
        verbose_name_plural = _("blocks")
        ordering = ("-placed_at",)
        constraints = [
            models.UniqueConstraint(fields=["applicant"], condition=Q(status="active"), name="block_one_active"),
        ]

    def __str__(self) -> str:
        return f"B{self.pk:07d}"

    @property
    def hold_source(self) -> str:
        return f"block:{self.pk}"


class AppealStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for a verifier")
    UPHELD = "upheld", _("Upheld: block lifted")
    REJECTED = "rejected", _("Rejected: block stays")


class AppealQuerySet(models.QuerySet["Appeal"]):
    def overdue(self, now: Any = None) -> "AppealQuerySet":
        return self.filter(status=AppealStatus.PENDING, decide_by__lt=now or timezone.now())


class Appeal(models.Model):
    # One appeal per block: the database refuses a second.
    block = models.OneToOneField(Block, verbose_name=_("block"), on_delete=models.PROTECT, related_name="appeal")
    applicant = models.ForeignKey(
        Applicant, verbose_name=_("appellant"), on_delete=models.PROTECT, related_name="appeals"
    )
    statement = models.TextField(_("the person's statement"))
    ktp_photo = models.FileField(_("ID card (KTP) photo"), upload_to=appeal_evidence_path)
    kk_photo = models.FileField(_("family card (KK) photo"), upload_to=appeal_evidence_path)
    selfie = models.FileField(_("selfie holding the KTP"), upload_to=appeal_evidence_path)
    status = models.CharField(_("status"), max_length=8, choices=AppealStatus.choices, default=AppealStatus.PENDING)
    submitted_at = models.DateTimeField(_("submitted at"), default=timezone.now)
    decide_by = models.DateTimeField(_("decide by"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_reason = models.TextField(_("why"), blank=True)
    # The balance a reinstated revoked card got back from the treasury (Rp).
    reinstated_amount = models.BigIntegerField(_("balance returned to the card (Rp)"), default=0)
    # Evidence photos are deleted by the retention job a while after the decision.
    evidence_deleted_at = models.DateTimeField(_("evidence deleted at"), null=True, blank=True)

    objects = AppealQuerySet.as_manager()

    class Meta:
        verbose_name = _("appeal")
        verbose_name_plural = _("appeals")
        ordering = ("decide_by", "id")
        permissions = [("decide_appeal", _("Can decide an appeal against a block"))]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="pending") | (Q(decided_at__isnull=False) & ~Q(decision_reason="")),
                name="appeal_decision_has_reason",
            ),
            models.CheckConstraint(condition=Q(reinstated_amount__gte=0), name="appeal_reinstated_not_negative"),
        ]
        indexes = [
            models.Index(fields=["decide_by"], condition=Q(status="pending"), name="appeal_pending_due_idx"),
        ]

    def __str__(self) -> str:
        return f"BD{self.pk:07d}"

    @property
    def is_overdue(self) -> bool:
        return self.status == AppealStatus.PENDING and self.decide_by < timezone.now()
