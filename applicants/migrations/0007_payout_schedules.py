"""Schedule the payout jobs in django-celery-beat (PMO staff can see and change them), seed the
payout policy and the 2020 surveys' questions (editable in the admin)."""

from django.apps.registry import Apps
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

SCHEDULES = {
    "Disburse due incentives (daily)": ("payouts.disburse", "crontab", ("0", "6"), "payouts"),
    "Settle unknown payouts and re-queue lost chunks": ("payouts.sweep", "interval", 60, "payouts"),
    "Sandbox payment provider: send callbacks": ("payouts.sandbox_callbacks", "interval", 30, "payouts"),
    "Reconcile yesterday's payouts": ("payouts.reconcile_daily", "crontab", ("30", "1"), "payouts"),
    "Return unpaid incentives after the deadline": ("batch.incentives_return_unpaid", "crontab", ("15", "0"), "batch"),
}

SURVEYS = [
    (
        1,
        "Setelah pelatihan pertama",
        [
            ("Apakah pelatihan membantu Anda mencari kerja atau berusaha?", "Sangat membantu\nCukup\nTidak membantu"),
            ("Apa status pekerjaan Anda sekarang?", "Bekerja\nBerwirausaha\nMencari kerja\nLainnya"),
            ("Ceritakan keterampilan baru yang Anda dapat.", ""),
        ],
    ),
    (
        2,
        "Tiga bulan kemudian",
        [
            ("Apa status pekerjaan Anda sekarang?", "Bekerja\nBerwirausaha\nMencari kerja\nLainnya"),
            ("Untuk apa insentif Anda gunakan?", "Kebutuhan sehari-hari\nModal usaha\nPelatihan lain\nLainnya"),
        ],
    ),
    (
        3,
        "Evaluasi program",
        [("Seberapa puas Anda dengan program Kartu Prakerja?", "Sangat puas\nPuas\nKurang puas\nTidak puas")],
    ),
]


def seed(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    interval_model = apps.get_model("django_celery_beat", "IntervalSchedule")
    crontab_model = apps.get_model("django_celery_beat", "CrontabSchedule")
    task_model = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, (task, kind, when, queue) in SCHEDULES.items():
        defaults = {"task": task, "queue": queue}
        if kind == "interval":
            defaults["interval"], _ = interval_model.objects.get_or_create(every=when, period="seconds")
            defaults["expire_seconds"] = when - 5
        else:
            minute, hour = when
            defaults["crontab"], _ = crontab_model.objects.get_or_create(
                minute=minute, hour=hour, day_of_week="*", day_of_month="*", month_of_year="*", timezone="Asia/Jakarta"
            )
        task_model.objects.get_or_create(name=name, defaults=defaults)
    apps.get_model("applicants", "PayoutPolicy").objects.get_or_create(pk=1, defaults={"approval_threshold": 10**10})
    survey_model = apps.get_model("applicants", "Survey")
    question_model = apps.get_model("applicants", "SurveyQuestion")
    for number, title, questions in SURVEYS:
        survey, created = survey_model.objects.get_or_create(number=number, defaults={"title": title})
        if created:
            for order, (text, choices) in enumerate(questions):
                question_model.objects.create(survey=survey, order=order, text=text, choices=choices)


def unseed(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name__in=list(SCHEDULES)).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("applicants", "0006_incentives_payouts"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(seed, unseed)]
