"""Schedule the open-data release every morning (06:00 Asia/Jakarta) in django-celery-beat, after
a night of dashboard refreshes; editable in the admin."""

from django.apps.registry import Apps
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

TASK_NAME = "Publish the open-data release"


def schedule(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    crontab_model = apps.get_model("django_celery_beat", "CrontabSchedule")
    task_model = apps.get_model("django_celery_beat", "PeriodicTask")
    morning, _ = crontab_model.objects.get_or_create(
        minute="0", hour="6", day_of_week="*", day_of_month="*", month_of_year="*", timezone="Asia/Jakarta"
    )
    task_model.objects.get_or_create(
        name=TASK_NAME,
        defaults={"task": "batch.opendata_publish", "crontab": morning, "queue": "batch", "expire_seconds": 3600},
    )


def unschedule(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=TASK_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("opendata", "0001_release"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(schedule, unschedule)]
