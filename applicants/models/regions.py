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
