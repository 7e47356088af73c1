"""Schedule the balance sweep of scheme years whose last day of use is over, daily at 01:15 WIB."""

from django.apps.registry import Apps
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

NAME = "Balances of scheme years past their last day of use to the treasury (daily)"


def schedule(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    crontab_model = apps.get_model("django_celery_beat", "CrontabSchedule")
    task_model = apps.get_model("django_celery_beat", "PeriodicTask")
    at, _ = crontab_model.objects.get_or_create(
        minute="15", hour="1", day_of_week="*", day_of_month="*", month_of_year="*", timezone="Asia/Jakarta"
    )
    task_model.objects.get_or_create(
        name=NAME, defaults={"task": "batch.balances_sweep_due", "crontab": at, "queue": "batch"}
    )


def unschedule(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("applicants", "0018_schemedeadline"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(schedule, unschedule)]
