"""Applicants and what registration asks of them: regions, identity, one-time codes, the basic test."""

import uuid
from typing import Any

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils.translation import gettext_lazy as _


class Province(models.Model):
    """Loaded from the idn-area-data package by `manage.py load_regions`; never typed by hand."""

    code = models.CharField(_("code"), max_length=2, primary_key=True)
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        verbose_name = _("province")
        verbose_name_plural = _("provinces")
        ordering = ("name",)

    def __str__(self) -> str:
        return self.name


class Regency(models.Model):
    """Regency (kabupaten) or city (kota). `code` is the four-digit form used in NIKs: "3201"."""

    code = models.CharField(_("code"), max_length=4, primary_key=True)
    province = models.ForeignKey(
        Province, verbose_name=_("province"), on_delete=models.PROTECT, related_name="regencies"
    )
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        verbose_name = _("regency or city")
        verbose_name_plural = _("regencies and cities")
        ordering = ("province__name", "name")

    def __str__(self) -> str:
        return self.name


class Step(models.TextChoices):
    """How far the applicant is in the registration journey, in order."""

    VERIFY_EMAIL = "verify_email", _("Verify email")
    IDENTITY = "identity", _("Identity")
    CONTACT = "contact", _("Phone number")
    PERSONAL = "personal", _("Personal data")
    BASIC_TEST = "basic_test", _("Basic test")
    READY = "ready", _("Ready to join a wave")


STEP_ORDER: list[str] = [step.value for step in Step]


class ReviewStatus(models.TextChoices):
    NONE = "none", _("No review needed")
    PENDING = "pending", _("Waiting for a verifier")
    CLEARED = "cleared", _("Cleared")
    REJECTED = "rejected", _("Rejected")


class EducationLevel(models.TextChoices):
    NONE = "none", _("No formal schooling")
    SD = "sd", _("Primary school (SD)")
    SMP = "smp", _("Junior high school (SMP)")
    SMA = "sma", _("Senior high or vocational school (SMA/SMK)")
    DIPLOMA = "diploma", _("Diploma (D1-D4)")
    S1 = "s1", _("Bachelor's degree (S1)")
    S2 = "s2", _("Master's or doctorate (S2/S3)")


class MaritalStatus(models.TextChoices):
    SINGLE = "single", _("Not married")
    MARRIED = "married", _("Married")
    DIVORCED = "divorced", _("Divorced")
    WIDOWED = "widowed", _("Widowed")


class EmploymentStatus(models.TextChoices):
    UNEMPLOYED = "unemployed", _("Unemployed, looking for work")
    LAID_OFF = "laid_off", _("Laid off")
    FURLOUGHED = "furloughed", _("Furloughed")
    WORKING = "working", _("Working")
    MICRO_BUSINESS = "micro_business", _("Micro or small business owner")


class TrainingInterest(models.TextChoices):
    DIGITAL = "digital", _("Digital and IT")
    SALES = "sales", _("Sales and marketing")
    FOOD = "food", _("Food and beverage")
    HOSPITALITY = "hospitality", _("Hospitality and tourism")
    LANGUAGE = "language", _("Foreign languages")
    FINANCE = "finance", _("Finance and accounting")
    MANUFACTURING = "manufacturing", _("Manufacturing and technical")
    AGRICULTURE = "agriculture", _("Agriculture and fisheries")
    CREATIVE = "creative", _("Creative and design")
    ENTREPRENEURSHIP = "entrepreneurship", _("Entrepreneurship")


def ktp_upload_path(instance: Any, filename: str) -> str:
    # Random name: the stored path reveals nothing about its owner.
    return f"private/ktp/{uuid.uuid4().hex}.jpg"


class Applicant(models.Model):
    """A person registering for (and later taking part in) the programme.

    NIK and KK are stored only encrypted, with a keyed blind index for lookups and a masked
    copy for lists (see prakerja/core/crypto.py)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="applicant")
    step = models.CharField(_("step"), max_length=16, choices=Step.choices, default=Step.VERIFY_EMAIL, db_index=True)
    email_verified_at = models.DateTimeField(_("email verified at"), null=True, blank=True)

    nik_encrypted = models.BinaryField(_("NIK (encrypted)"), null=True, editable=False)
    # NULL until the identity step, so the unique index admits every applicant without one yet.
    nik_index = models.CharField(  # noqa: DJ001
        _("NIK blind index"), max_length=64, null=True, unique=True, editable=False
    )
    nik_masked = models.CharField(_("NIK"), max_length=16, blank=True, editable=False)
    kk_encrypted = models.BinaryField(_("family card number (encrypted)"), null=True, editable=False)
    kk_index = models.CharField(  # noqa: DJ001
        _("KK blind index"), max_length=64, null=True, db_index=True, editable=False
    )
    kk_masked = models.CharField(_("family card number"), max_length=16, blank=True, editable=False)
    full_name = models.CharField(_("full name (as on the ID card)"), max_length=150, blank=True)
    birth_date = models.DateField(_("birth date (declared)"), null=True, blank=True)
    nik_birth_date = models.DateField(_("birth date (from the NIK)"), null=True, blank=True)
    gender = models.CharField(_("gender"), max_length=1, choices=[("M", _("Male")), ("F", _("Female"))], blank=True)
    nik_region_known = models.BooleanField(_("NIK region code known"), default=True)
    identity_completed_at = models.DateTimeField(_("identity completed at"), null=True, blank=True)
    # Asked with the selfie (the civil registry matches it); set by applicants.verification.
    # db_default: rows written by raw SQL (bulk loads, benchmarks) need no value.
    birth_place = models.CharField(_("birth place"), max_length=100, blank=True, default="", db_default="")
    # When the civil registry confirmed the data and the face (or a verifier approved a
    # mismatch): selection counts only verified identities.
    identity_verified_at = models.DateTimeField(_("identity verified at"), null=True, blank=True)

    flag_birth_date_mismatch = models.BooleanField(_("birth date differs from the NIK"), default=False)
    review_status = models.CharField(
        _("review"), max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.NONE, db_index=True
    )
    review_reason = models.TextField(_("review reason"), blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)

    phone = models.CharField(_("mobile number"), max_length=16, blank=True)
    phone_verified_at = models.DateTimeField(_("phone verified at"), null=True, blank=True)

    address = models.TextField(_("address"), blank=True)
    province = models.ForeignKey(
        Province, verbose_name=_("province of domicile"), on_delete=models.PROTECT, null=True, blank=True
    )
    regency = models.ForeignKey(
        Regency, verbose_name=_("regency or city of domicile"), on_delete=models.PROTECT, null=True, blank=True
    )
    education = models.CharField(_("education"), max_length=10, choices=EducationLevel.choices, blank=True)
    marital_status = models.CharField(_("marital status"), max_length=10, choices=MaritalStatus.choices, blank=True)
    dependants = models.PositiveSmallIntegerField(_("dependants"), null=True, blank=True)
    employment_status = models.CharField(
        _("employment status"), max_length=16, choices=EmploymentStatus.choices, blank=True
    )
    training_interests = ArrayField(
        models.CharField(max_length=20, choices=TrainingInterest.choices),
        verbose_name=_("training interests"),
        default=list,
        blank=True,
    )
    ktp_photo = models.FileField(_("ID card (KTP) photo"), upload_to=ktp_upload_path, blank=True)
    # Perceptual hash (64-bit pHash) of the KTP photo, for the duplicate pass (applicants.duplicates):
    # personal data derived from the photo, set and cleared with it.
    ktp_phash = models.BigIntegerField(_("KTP photo perceptual hash"), null=True, blank=True, editable=False)
    honesty_declared_at = models.DateTimeField(_("honesty declaration accepted at"), null=True, blank=True)
    personal_completed_at = models.DateTimeField(_("personal data completed at"), null=True, blank=True)

    basic_test_completed_at = models.DateTimeField(_("basic test completed at"), null=True, blank=True)
    basic_test_score = models.PositiveSmallIntegerField(_("basic test score"), null=True, blank=True)

    # Set by the retention job (applicants.privacy.retention): KTP photo removed, identity anonymised.
    anonymised_at = models.DateTimeField(_("anonymised at"), null=True, blank=True, editable=False)
    # Set when a verifier grants the person's request to restrict processing (UU PDP): their data
    # serve only the programme's duties from then on (applicants.data_rights: restriction_decide).
    processing_restricted_at = models.DateTimeField(
        _("processing restricted since"), null=True, blank=True, editable=False
    )
    created_at = models.DateTimeField(_("registered at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("applicant")
        verbose_name_plural = _("applicants")
        permissions = [("reveal_nik", _("Can reveal a full NIK and KK number"))]
        indexes = [models.Index(fields=["province", "step"], name="applicant_province_step_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(dependants__isnull=True) | models.Q(dependants__lte=30),
                name="applicant_dependants_plausible",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name or self.user.email

    def audit_repr(self) -> str:
        """The audit trail's name for an applicant: an id, never the name."""
        return f"applicant #{self.pk}"

    def step_index(self) -> int:
        return STEP_ORDER.index(self.step)

    def has_reached(self, step: Step) -> bool:
        return self.step_index() >= STEP_ORDER.index(step)


class OtpPurpose(models.TextChoices):
    PHONE_VERIFY = "phone_verify", _("Verify phone number")
    PURCHASE_CONFIRM = "purchase_confirm", _("Confirm a purchase")
    PAYOUT_ACCOUNT = "payout_account", _("Link a payout account")


class OneTimeCode(models.Model):
    """A 6-digit code sent by SMS. Only its hash is stored. Three wrong entries lock the
    purpose for an hour for that user."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    purpose = models.CharField(_("purpose"), max_length=20, choices=OtpPurpose.choices)
    target = models.CharField(_("sent to"), max_length=16)
    subject_ref = models.CharField(_("about"), max_length=64, blank=True)
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)
    locked_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("one-time code")
        verbose_name_plural = _("one-time codes")
        indexes = [models.Index(fields=["user", "purpose", "-created_at"], name="otp_user_purpose_idx")]

    def __str__(self) -> str:
        return f"{self.purpose} for {self.user_id}"


TEST_DURATION_MINUTES = 15


class QuestionCategory(models.TextChoices):
    ABILITY = "ability", _("Basic ability")
    MOTIVATION = "motivation", _("Motivation")


class Question(models.Model):
    """One multiple-choice question of the basic ability and motivation test (edited by PMO)."""

    category = models.CharField(_("category"), max_length=12, choices=QuestionCategory.choices)
    text = models.TextField(_("question"))
    choices = ArrayField(models.CharField(max_length=300), verbose_name=_("choices"), size=6)
    correct_choice = models.PositiveSmallIntegerField(_("correct choice (0 = first)"))
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("test question")
        verbose_name_plural = _("test questions")
        constraints = [
            models.CheckConstraint(condition=models.Q(correct_choice__lt=6), name="question_correct_choice_in_range"),
        ]

    def __str__(self) -> str:
        return self.text[:80]


class TestAttempt(models.Model):
    """One timed sitting. The deadline is set by the server when the attempt starts; answers
    submitted after it are not counted."""

    __test__ = False  # a model, not a pytest test class

    applicant = models.ForeignKey(Applicant, on_delete=models.CASCADE, related_name="test_attempts")
    question_ids = ArrayField(models.BigIntegerField())
    started_at = models.DateTimeField(auto_now_add=True)
    deadline_at = models.DateTimeField()
    submitted_at = models.DateTimeField(null=True, blank=True)
    answers = models.JSONField(default=dict, blank=True)
    score = models.PositiveSmallIntegerField(null=True, blank=True)
    max_score = models.PositiveSmallIntegerField(default=0)
    expired = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("test attempt")
        verbose_name_plural = _("test attempts")
        constraints = [
            models.UniqueConstraint(
                fields=["applicant"],
                condition=models.Q(submitted_at__isnull=True),
                name="one_open_attempt_per_applicant",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.applicant_id} @ {self.started_at:%Y-%m-%d %H:%M}"
