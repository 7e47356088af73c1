"""Provinces and regencies/cities from the idn-area-data package (MIT code, ODbL data)."""

import csv
from pathlib import Path

from django.db import transaction

from applicants.models import Province, Regency

EXPECTED_PROVINCES = 38


def regions_load(*, directory: Path) -> tuple[int, int]:
    """Insert or update every province and regency in the package's CSV files."""
    with (directory / "provinces.csv").open(newline="", encoding="utf-8") as handle:
        provinces = [Province(code=row["code"], name=row["name"]) for row in csv.DictReader(handle)]
    with (directory / "regencies.csv").open(newline="", encoding="utf-8") as handle:
        regencies = [
            Regency(code=row["code"].replace(".", ""), province_id=row["province_code"], name=row["name"])
            for row in csv.DictReader(handle)
        ]
    if len(provinces) != EXPECTED_PROVINCES:
        raise ValueError(f"expected {EXPECTED_PROVINCES} provinces, the data has {len(provinces)}")
    with transaction.atomic():
        Province.objects.bulk_create(provinces, update_conflicts=True, unique_fields=["code"], update_fields=["name"])
        Regency.objects.bulk_create(
            regencies, update_conflicts=True, unique_fields=["code"], update_fields=["name", "province"]
        )
    return len(provinces), len(regencies)
