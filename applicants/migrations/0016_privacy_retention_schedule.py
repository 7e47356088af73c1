"""Schedule the retention job daily at 02:30 WIB (docs/privacy.md)."""

from django.apps.registry import Apps
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

NAME = "Privacy retention: KTP photos of non-participants (daily)"


def schedule(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    crontab_model = apps.get_model("django_celery_beat", "CrontabSchedule")
    task_model = apps.get_model("django_celery_beat", "PeriodicTask")
    at, _ = crontab_model.objects.get_or_create(
        minute="30", hour="2", day_of_week="*", day_of_month="*", month_of_year="*", timezone="Asia/Jakarta"
    )
    task_model.objects.get_or_create(
        name=NAME, defaults={"task": "batch.privacy_retention", "crontab": at, "queue": "batch"}
    )


def unschedule(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("applicants", "0015_applicant_anonymised_at"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(schedule, unschedule)]
