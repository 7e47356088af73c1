"""The sandbox registry's synthetic population, kept apart from our own data: what the civil
registry would hold for a NIK (its record and its photo)."""

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
