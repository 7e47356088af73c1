"""The sandbox registry's synthetic population, kept apart from our own data: what the civil
registry would hold for a NIK (its record and its photo); the liveness challenges issued to
people for their bursts; and the face checks waiting for the `identity` queue's workers."""

import uuid

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


class FaceJobKind(models.TextChoices):
    SELFIE = "selfie", _("Selfie verification")
    SESSION = "session", _("Session face check")


class FaceJobStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for a worker")
    CHECKING = "checking", _("Being checked")
    DONE = "done", _("Checked")
    FAILED = "failed", _("Not checked")


# A job in these statuses is finished: its frames are gone and a task run changes nothing.
FACE_JOB_FINISHED = (FaceJobStatus.DONE, FaceJobStatus.FAILED)


class FaceJob(models.Model):
    """One face check waiting for, or done by, the `identity` queue's workers (issue 22): the
    request stores the frames here (encrypted) and the worker runs the check, writes its result
    and removes the frames. The person's page polls the status; only its owner sees it."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(_("kind"), max_length=8, choices=FaceJobKind.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(_("status"), max_length=8, choices=FaceJobStatus.choices, default=FaceJobStatus.PENDING)
    # Our reference for the check: the IdentityVerification's (the registry's transaction id)
    # or the AttendanceFaceCheck's; a second run of the task finds the first run's result by it.
    reference = models.CharField(_("reference"), max_length=32, unique=True)
    # What the check needs besides the frames, nothing personal: the selfie's source, the
    # session's link id and whether the person holds its code.
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    # The frames and the personal or secret inputs (the birth place, the link's token),
    # encrypted; emptied when the job is finished.
    payload_encrypted = models.BinaryField(null=True, editable=False)
    language = models.CharField(_("language"), max_length=8, blank=True)
    # The outcome for the page: the row it wrote ({"verification": id} / {"check": id, ...}),
    # or why it was not checked ({"error": "unavailable"} or {"error": "refused", "message": ...}).
    result = models.JSONField(_("result"), default=dict, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    # The Celery task id of the run that claimed it: the same message delivered again (its
    # worker process died under it) takes the job over at once; another message waits.
    claimed_by = models.CharField(_("claimed by"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("face check job")
        verbose_name_plural = _("face check jobs")
        indexes = [
            # The sweep's unfinished jobs, oldest first.
            models.Index(
                fields=["updated_at"],
                name="facejob_unfinished",
                condition=models.Q(status__in=["pending", "checking"]),
            ),
            models.Index(fields=["user", "kind", "created_at"], name="facejob_user"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.pk}: {self.status}"

    @property
    def finished(self) -> bool:
        return self.status in FACE_JOB_FINISHED
