from django.db import models
from django.utils.translation import gettext_lazy as _


class OpenDataRelease(models.Model):
    """One published release of the open data, by the date of the snapshots it was made from
    (`batch.opendata_publish`). Written once and kept: a download names its release's date, so
    what a reader downloaded can be found again."""

    date = models.DateField(_("release date"), unique=True)
    published_at = models.DateTimeField(_("published at"))
    # When the dashboard computed each section the release used: {section key: ISO time}.
    computed_at = models.JSONField(_("figures computed at"), default=dict)
    # {data set key: {"title": {lang: text}, "description": {...}, "fields": [...], "chart": ..., "rows": [...]}}
    tables = models.JSONField(_("tables"), default=dict)
    # The headline figures, kept apart so the page's trend reads a few small values per release.
    totals = models.JSONField(_("headline figures"), default=dict)

    class Meta:
        verbose_name = _("open-data release")
        verbose_name_plural = _("open-data releases")
        ordering = ("-date",)

    def __str__(self) -> str:
        return self.date.isoformat()
