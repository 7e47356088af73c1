"""Purchases: a course bought on a platform with a participant's card balance."""

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from applicants.models import Card
from courses.models import Course, RedeemCode, Schedule
from partners.models.platform import Listing, Partner


class PurchaseStatus(models.TextChoices):
    AWAITING_CONFIRMATION = "awaiting_confirmation", _("Waiting for the participant's confirmation")
    PAID = "paid", _("Paid")
    REDEEMED = "redeemed", _("Training started")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")
    EXPIRED = "expired", _("Not confirmed in time")
    FAILED = "failed", _("Confirmation failed")


class Purchase(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    partner = models.ForeignKey(Partner, verbose_name=_("platform"), on_delete=models.PROTECT, related_name="purchases")
    listing = models.ForeignKey(Listing, verbose_name=_("listing"), on_delete=models.PROTECT, related_name="purchases")
    course = models.ForeignKey(Course, verbose_name=_("course"), on_delete=models.PROTECT, related_name="purchases")
    schedule = models.ForeignKey(
        Schedule, verbose_name=_("schedule"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    card = models.ForeignKey(Card, verbose_name=_("card"), on_delete=models.PROTECT, related_name="purchases")
    # The buyer's account on the platform, as a keyed hash (partners.purchases.services.purchase_rules):
    # the card is bound to it when the purchase is paid. Empty for purchases made before the rule.
    platform_account_hash = models.CharField(max_length=64, blank=True, editable=False)
    invoice_code = models.CharField(_("invoice"), max_length=24)
    price = models.BigIntegerField(_("price (Rp)"))
    commission_rate_bp = models.PositiveSmallIntegerField(_("commission (basis points)"))
    commission_amount = models.BigIntegerField(_("commission (Rp)"))
    status = models.CharField(
        _("status"), max_length=24, choices=PurchaseStatus.choices, default=PurchaseStatus.AWAITING_CONFIRMATION
    )
    otp_hash = models.CharField(max_length=64, editable=False)
    otp_expires_at = models.DateTimeField(_("code valid until"))
    otp_attempts = models.PositiveSmallIntegerField(_("wrong codes"), default=0)
    voucher_code = models.CharField(_("voucher code"), max_length=16, blank=True)
    redeem_code = models.OneToOneField(
        RedeemCode,
        verbose_name=_("redeem code"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="purchase",
    )
    certificate_number = models.CharField(_("certificate number"), max_length=100, blank=True)
    certificate_url = models.URLField(_("certificate"), max_length=500, blank=True)
    # When the institution committed the redeem code (copied from it: the code lives below).
    started_at = models.DateTimeField(_("training started at"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    confirmed_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("purchase")
        verbose_name_plural = _("purchases")
        constraints = [
            models.UniqueConstraint(fields=["invoice_code"], name="purchase_invoice_unique"),
            models.UniqueConstraint(
                fields=["voucher_code"], condition=~models.Q(voucher_code=""), name="purchase_voucher_unique"
            ),
            models.CheckConstraint(condition=models.Q(price__gt=0), name="purchase_price_positive"),
            # One course at a time: a card holds at most one paid purchase that is neither completed
            # nor cancelled (partners.purchases.services.purchase_rules checks it first, with words).
            models.UniqueConstraint(
                fields=["card"], condition=models.Q(status="paid"), name="purchase_one_unfinished_per_card"
            ),
            models.CheckConstraint(condition=models.Q(commission_rate_bp__lte=1500), name="purchase_commission_capped"),
            # One certificate number once per course (the participant's proof of the training).
            models.UniqueConstraint(
                fields=["course", "certificate_number"],
                condition=~models.Q(certificate_number=""),
                name="purchase_certificate_unique_per_course",
            ),
            # A completed purchase has started, ended after its start, and has its certificate.
            # That every planned session and task was done is held by the trigger
            # purchase_training_done (migration 0016), which reads the courses' tables.
            models.CheckConstraint(
                condition=~models.Q(status="completed")
                | (
                    models.Q(started_at__isnull=False, completed_at__gte=models.F("started_at"))
                    & ~models.Q(certificate_number="")
                ),
                name="purchase_completed_after_start_with_certificate",
            ),
        ]
        indexes = [
            models.Index(fields=["partner", "updated_at"], name="purchase_partner_updated_idx"),
            models.Index(fields=["card", "status"], name="purchase_card_status_idx"),
            # Purchases of a period, for the platforms' evaluation.
            models.Index(fields=["created_at"], name="purchase_created_idx"),
        ]

    def __str__(self) -> str:
        return self.invoice_code


class PlatformAccountBinding(models.Model):
    """One platform account uses one card: on a card's first paid purchase on a platform, the
    card is bound to the buyer's account there (the platform's own id, kept only as a keyed
    hash); another account on that platform is refused, and so is this account with another card."""

    card = models.ForeignKey(Card, verbose_name=_("card"), on_delete=models.PROTECT, related_name="+")
    partner = models.ForeignKey(Partner, verbose_name=_("platform"), on_delete=models.PROTECT, related_name="+")
    account_hash = models.CharField(_("platform account (keyed hash)"), max_length=64, editable=False)
    purchase = models.ForeignKey(
        Purchase, verbose_name=_("bound by purchase"), on_delete=models.PROTECT, related_name="+"
    )
    bound_at = models.DateTimeField(_("bound at"))

    class Meta:
        verbose_name = _("platform account binding")
        verbose_name_plural = _("platform account bindings")
        constraints = [
            models.UniqueConstraint(fields=["card", "partner"], name="platform_account_one_per_card"),
            models.UniqueConstraint(fields=["partner", "account_hash"], name="platform_account_one_card"),
        ]

    def __str__(self) -> str:
        # Never the card number nor the account: this text lands in the audit trail.
        return f"card {self.card_id} @ platform {self.partner_id}"


class CardCodeGuard(models.Model):
    """Wrong purchase codes on one card, whichever platform and purchase they came through: a
    platform that creates purchase after purchase to guess the SMS code is stopped by the card,
    not by the purchase (partners.purchases.services.purchase_guard). Shown to the PMO, read-only."""

    card = models.OneToOneField(Card, verbose_name=_("card"), on_delete=models.CASCADE, related_name="+")
    failures = models.PositiveIntegerField(_("wrong codes since the last success"), default=0)
    failures_total = models.PositiveIntegerField(_("wrong codes in all"), default=0)
    last_failure_at = models.DateTimeField(_("last wrong code"), null=True, blank=True)
    last_failure_partner = models.ForeignKey(
        Partner, verbose_name=_("platform of the last wrong code"), on_delete=models.PROTECT, null=True, blank=True
    )
    locked_until = models.DateTimeField(_("confirmations locked until"), null=True, blank=True)
    lock_count = models.PositiveIntegerField(_("times locked"), default=0)

    class Meta:
        verbose_name = _("card code guard")
        verbose_name_plural = _("card code guards")
        indexes = [models.Index(fields=["locked_until"], name="cardcodeguard_locked_idx")]

    def __str__(self) -> str:
        # Never the card number itself: this text lands in the audit trail.
        return f"card {self.card_id}"
