import uuid

import django.db.models.deletion
from django.apps.registry import Apps
from django.conf import settings
from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

SWEEP = "Face checks left behind"


def schedule(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    """The face checks' sweep, every minute: a job whose worker died or whose message was lost
    is queued again; one that waited too long ends as unavailable."""
    interval_model = apps.get_model("django_celery_beat", "IntervalSchedule")
    task_model = apps.get_model("django_celery_beat", "PeriodicTask")
    minute, _ = interval_model.objects.get_or_create(every=60, period="seconds")
    task_model.objects.get_or_create(
        name=SWEEP, defaults={"task": "batch.identity_sweep", "interval": minute, "queue": "batch"}
    )


def unschedule(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=SWEEP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("identity", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        migrations.CreateModel(
            name="FaceJob",
            fields=[
                ("id", models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                (
                    "kind",
                    models.CharField(
                        choices=[("selfie", "Selfie verification"), ("session", "Session face check")],
                        max_length=8,
                        verbose_name="kind",
                    ),
                ),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("pending", "Waiting for a worker"),
                            ("checking", "Being checked"),
                            ("done", "Checked"),
                            ("failed", "Not checked"),
                        ],
                        default="pending",
                        max_length=8,
                        verbose_name="status",
                    ),
                ),
                ("reference", models.CharField(max_length=32, unique=True, verbose_name="reference")),
                ("params", models.JSONField(blank=True, default=dict, verbose_name="parameters")),
                ("payload_encrypted", models.BinaryField(editable=False, null=True)),
                ("language", models.CharField(blank=True, max_length=8, verbose_name="language")),
                ("result", models.JSONField(blank=True, default=dict, verbose_name="result")),
                ("attempts", models.PositiveSmallIntegerField(default=0, verbose_name="attempts")),
                ("claimed_by", models.CharField(blank=True, max_length=64, verbose_name="claimed by")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created at")),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="updated at")),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "face check job",
                "verbose_name_plural": "face check jobs",
                "indexes": [
                    models.Index(
                        condition=models.Q(("status__in", ["pending", "checking"])),
                        fields=["updated_at"],
                        name="facejob_unfinished",
                    ),
                    models.Index(fields=["user", "kind", "created_at"], name="facejob_user"),
                ],
            },
        ),
        migrations.RunPython(schedule, unschedule),
    ]
