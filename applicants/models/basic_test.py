from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils.translation import gettext_lazy as _

from applicants.models.applicant import Applicant

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
