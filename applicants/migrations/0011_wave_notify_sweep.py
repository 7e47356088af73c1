"""Schedule the announcement sweeper (every 15 minutes): waves whose members are not all told
(a lost wave_notify chain) are announced again; batches skip those already told."""

from django.apps.registry import Apps
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

SWEEP = "Finish lost wave announcements"


def schedule(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    interval_model = apps.get_model("django_celery_beat", "IntervalSchedule")
    task_model = apps.get_model("django_celery_beat", "PeriodicTask")
    every, _ = interval_model.objects.get_or_create(every=900, period="seconds")
    task_model.objects.get_or_create(
        name=SWEEP, defaults={"task": "batch.wave_notify_sweep", "interval": every, "queue": "batch"}
    )


def unschedule(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=SWEEP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("applicants", "0010_clawbacks"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(schedule, unschedule)]
