"""Lists other agencies give the PMO, imported as CSV files of NIKs. Only a keyed hash of each
NIK is kept: the portal can tell whether an applicant is on a list, and nothing more."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class RegistryKind(models.TextChoices):
    CIVIL_SERVANT = "civil_servant", _("Civil servants, military (TNI) and police (Polri)")
    STATE_OFFICIAL = "state_official", _("State officials and members of parliament")
    VILLAGE_OFFICIAL = "village_official", _("Village heads and village officials")
    SOE_DIRECTOR = "soe_director", _("Directors and commissioners of state companies")
    STUDENT = "student", _("Students in formal education")
    SOCIAL_AID = "social_aid", _("Recipients of other social aid")
    BLACKLIST = "blacklist", _("Blacklist")
    PRIOR_RECIPIENT = "prior_recipient", _("Prior Kartu Prakerja recipients")
    PRIORITY = "priority", _("Priority list (e.g. laid-off workers nominated by a ministry)")


class ImportStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    RUNNING = "running", _("Importing")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class RegistryImport(models.Model):
    """One version of one list from one source (e.g. students from Dapodik). A finished import
    replaces the previous version of the same list; the older entries stay for the record."""

    kind = models.CharField(_("list"), max_length=20, choices=RegistryKind.choices)
    source = models.CharField(
        _("source"), max_length=100, help_text=_("The agency or database, e.g. BKN, Dapodik, PDDikti, EMIS, DTKS.")
    )
    version = models.PositiveIntegerField(_("version"), editable=False)
    # The uploaded file lives only until it is imported: it holds NIKs in the clear.
    file = models.FileField(_("CSV file"), upload_to="private/registries/", blank=True)
    original_name = models.CharField(_("file name"), max_length=200, blank=True)
    status = models.CharField(_("status"), max_length=8, choices=ImportStatus.choices, default=ImportStatus.PENDING)
    is_current = models.BooleanField(_("in use"), default=False, editable=False)
    rows_total = models.PositiveIntegerField(_("rows read"), default=0)
    rows_accepted = models.PositiveIntegerField(_("rows accepted"), default=0)
    rows_rejected = models.PositiveIntegerField(_("rows rejected"), default=0)
    # [{"line": 12, "reason": "..."}], the first few thousand; never the NIK itself.
    rejections = models.JSONField(_("rejected rows"), default=list, blank=True)
    error = models.TextField(_("error"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("imported by"), on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("registry import")
        verbose_name_plural = _("registry imports")
        ordering = ("-created_at",)
        constraints = [
            models.UniqueConstraint(fields=["kind", "source", "version"], name="registry_import_version_unique"),
            models.UniqueConstraint(
                fields=["kind", "source"], condition=models.Q(is_current=True), name="registry_import_one_current"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.source} v{self.version}"


class RegistryEntry(models.Model):
    """One NIK (as its blind index) on one imported list."""

    pk = models.CompositePrimaryKey("nik_index", "registry_import_id")
    registry_import = models.ForeignKey(
        RegistryImport, on_delete=models.PROTECT, related_name="entries", db_constraint=False, db_index=False
    )
    nik_index = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("registry entry")
        verbose_name_plural = _("registry entries")

    def __str__(self) -> str:
        return f"{self.registry_import_id}:{self.nik_index[:8]}"
