"""Schedule the webhook sweeper (every 10 minutes) and the idempotency-key pruning (hourly)."""

from django.apps.registry import Apps
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

SWEEP = "Re-queue due webhook deliveries"
PRUNE = "Forget idempotency keys older than a day"


def schedule(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    interval_model = apps.get_model("django_celery_beat", "IntervalSchedule")
    task_model = apps.get_model("django_celery_beat", "PeriodicTask")
    ten_minutes, _ = interval_model.objects.get_or_create(every=600, period="seconds")
    hourly, _ = interval_model.objects.get_or_create(every=3600, period="seconds")
    task_model.objects.get_or_create(
        name=SWEEP, defaults={"task": "webhooks.sweep", "interval": ten_minutes, "queue": "webhooks"}
    )
    task_model.objects.get_or_create(
        name=PRUNE, defaults={"task": "partners.idempotency_prune", "interval": hourly, "queue": "default"}
    )


def unschedule(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name__in=[SWEEP, PRUNE]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("partners", "0005_webhooks"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(schedule, unschedule)]
