"""The sandbox registry's synthetic population, kept apart from our own data: what the civil
registry would hold for a NIK (its record and its photo); and the liveness challenges issued
to people for their bursts."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class SandboxPerson(models.Model):
    nik_index = models.CharField(_("NIK (blind index)"), max_length=64, unique=True)
    full_name = models.CharField(_("full name"), max_length=150)
    birth_date = models.DateField(_("birth date"))
    birth_place = models.CharField(_("birth place"), max_length=100)
    # The registry's photo (JPEG, encrypted like every photo of a person) and its face
    # descriptor, computed once when first matched.
    photo_encrypted = models.BinaryField(_("photo (encrypted)"), null=True, editable=False)
    descriptor = models.BinaryField(null=True, editable=False)

    class Meta:
        verbose_name = _("sandbox registry person")
        verbose_name_plural = _("sandbox registry people")

    def __str__(self) -> str:
        return self.full_name


class LivenessChallenge(models.Model):
    """The steps one attempt's burst must follow (`prakerja.identity.challenges`): issued to a
    person for one purpose (the selfie, or the face check of one attendance link), shown on the
    page, used once, within LIVENESS_CHALLENGE_TTL_S. Only the token's SHA-256 is kept."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    purpose = models.CharField(_("purpose"), max_length=16)  # selfie, face_check
    subject = models.CharField(_("attempt"), max_length=40, blank=True)  # "link:<pk>" for a face check
    token_hash = models.CharField(max_length=64, unique=True)
    steps = models.JSONField(_("steps"))  # e.g. ["left", "blink", "right"]
    created_at = models.DateTimeField(_("issued at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"))
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("liveness challenge")
        verbose_name_plural = _("liveness challenges")
        indexes = [models.Index(fields=["user", "purpose", "created_at"], name="livenesschallenge_latest")]

    def __str__(self) -> str:
        return " ".join(self.steps)
