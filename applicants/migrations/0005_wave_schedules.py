"""Schedule the wave clock (every minute) and the card revocation (daily, 00:05 Jakarta) in
django-celery-beat, where PMO staff can see and change them."""

from django.apps.registry import Apps
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

ADVANCE = "Open and close waves on time"
REVOKE = "Revoke cards past the first-purchase deadline"


def schedule(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    interval_model = apps.get_model("django_celery_beat", "IntervalSchedule")
    crontab_model = apps.get_model("django_celery_beat", "CrontabSchedule")
    task_model = apps.get_model("django_celery_beat", "PeriodicTask")
    every_minute, _ = interval_model.objects.get_or_create(every=60, period="seconds")
    task_model.objects.get_or_create(
        name=ADVANCE,
        defaults={"task": "waves.advance", "interval": every_minute, "queue": "default", "expire_seconds": 55},
    )
    daily, _ = crontab_model.objects.get_or_create(
        minute="5", hour="0", day_of_week="*", day_of_month="*", month_of_year="*", timezone="Asia/Jakarta"
    )
    task_model.objects.get_or_create(
        name=REVOKE, defaults={"task": "batch.cards_revoke_due", "crontab": daily, "queue": "batch"}
    )


def unschedule(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name__in=[ADVANCE, REVOKE]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("applicants", "0004_waves_registries_cards"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(schedule, unschedule)]
