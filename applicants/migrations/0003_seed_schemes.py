"""The two real schemes (domain.md): 2020-2022 "semi-bansos" and 2023-2024 "normal"."""

import datetime as dt

from django.apps.registry import Apps
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

SCHEMES = [
    {
        "name": "Semi-bansos 2020-2022",
        "effective_from": dt.date(2020, 4, 1),
        "training_balance": 1_000_000,
        "incentive_amount": 600_000,
        "incentive_count": 4,
        "survey_amount": 50_000,
        "survey_count": 3,
        "first_purchase_days": 30,
        "min_age": 18,
        "max_age": None,
        "exclude_social_aid": True,
        "max_recipients_per_family_card": 2,
        "min_course_hours": 0,
    },
    {
        "name": "Normal 2023-2024",
        "effective_from": dt.date(2023, 1, 1),
        "training_balance": 3_500_000,
        "incentive_amount": 600_000,
        "incentive_count": 1,
        "survey_amount": 50_000,
        "survey_count": 2,
        "first_purchase_days": 15,
        "min_age": 18,
        "max_age": 64,
        "exclude_social_aid": False,
        "max_recipients_per_family_card": 2,
        "min_course_hours": 15,
    },
]


def seed(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    scheme = apps.get_model("applicants", "Scheme")
    for values in SCHEMES:
        scheme.objects.update_or_create(name=values["name"], defaults=values)


def unseed(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    apps.get_model("applicants", "Scheme").objects.filter(name__in=[s["name"] for s in SCHEMES]).delete()


class Migration(migrations.Migration):
    dependencies = [("applicants", "0002_schemes")]

    operations = [migrations.RunPython(seed, unseed)]
