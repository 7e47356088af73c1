from django.db import models
from django.utils.translation import gettext_lazy as _


class WorkerHeartbeat(models.Model):
    """Last time each Celery worker ran the heartbeat task: proof that work flows end to end
    (broker -> worker -> database), kept by beat every minute."""

    hostname = models.CharField(_("worker"), max_length=200, unique=True)
    seen_at = models.DateTimeField(_("last seen"))
    beats = models.BigIntegerField(_("beats"), default=0)

    class Meta:
        verbose_name = _("worker heartbeat")
        verbose_name_plural = _("worker heartbeats")

    def __str__(self) -> str:
        return f"{self.hostname} @ {self.seen_at:%Y-%m-%d %H:%M:%S}"


class DashboardSnapshot(models.Model):
    """The programme dashboard's figures for one section, computed by a job
    (`batch.dashboard_refresh`): the admin home reads these rows, never the big tables."""

    key = models.CharField(_("section"), max_length=40, unique=True)
    data = models.JSONField(_("figures"), default=dict)
    computed_at = models.DateTimeField(_("computed at"))
    duration_ms = models.PositiveIntegerField(_("computation time (ms)"), default=0)

    class Meta:
        verbose_name = _("dashboard figures")
        verbose_name_plural = _("dashboard figures")

    def __str__(self) -> str:
        return f"{self.key} @ {self.computed_at:%Y-%m-%d %H:%M}"


class KeyRotationCheckpoint(models.Model):
    """How far `rotate_field_keys` has come in one kind of encrypted data (a model's columns or
    files) towards one primary key: a run killed part-way goes on from here. No secret: the key
    is named by a fingerprint only (prakerja.core.crypto.primary_key_fingerprint)."""

    key_fingerprint = models.CharField(_("primary key fingerprint"), max_length=16)
    target = models.CharField(_("encrypted data"), max_length=100)
    # The last primary key done, as text (the partner API keys' ids are strings); "" = none yet.
    last_pk = models.CharField(_("done up to id"), max_length=150, blank=True, default="")
    rows = models.BigIntegerField(_("rows re-encrypted"), default=0)
    missing = models.BigIntegerField(_("files missing from storage"), default=0)
    started_at = models.DateTimeField(_("started at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("key rotation checkpoint")
        verbose_name_plural = _("key rotation checkpoints")
        constraints = [
            models.UniqueConstraint(fields=["key_fingerprint", "target"], name="keyrotation_checkpoint_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.target} -> {self.key_fingerprint}: {self.last_pk}"
