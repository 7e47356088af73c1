"""Data for the open-data tests: a programme with small groups, and every download of a release."""

import csv
import datetime as dt
import json
from typing import Any

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from applicants.models import Card, Complaint, ComplaintCategory, ComplaintStatus, Instalment
from prakerja.opendata.models import OpenDataRelease
from tests.applicants.incentive_setups import fund_incentives, participants, with_due_instalments


def small_programme() -> list[Card]:
    """23 participants over four provinces (5 or 6 each), 12 of them paid an incentive, and
    complaints of which some categories have a handful."""
    cards = participants(23)
    fund_incentives()
    with_due_instalments(cards[:12])
    Instalment.objects.filter(card__in=cards[:12]).update(status="paid", paid_at=timezone.now())
    now = timezone.now()
    for n, card in enumerate(cards):
        category = ComplaintCategory.INCENTIVE if n < 14 else ComplaintCategory.TRAINING
        Complaint.objects.create(
            applicant=card.applicant,
            category=category,
            subject="Insentif belum masuk",
            body="Sudah lewat jadwal.",
            status=ComplaintStatus.RESOLVED,
            due_at=now + dt.timedelta(hours=1 if n % 3 else -1),
            resolved_at=now,
        )
    return cards


def downloads(client: Client, release: OpenDataRelease) -> dict[str, bytes]:
    """Every file of a release, under its dated and its "latest" address."""
    bodies: dict[str, bytes] = {}
    names = ["datapackage.json"] + [f"{key}.{fmt}" for key in release.tables for fmt in ("csv", "json")]
    for name in ("latest", release.date.isoformat()):
        for filename in names:
            url = reverse("opendata:download", args=[name, filename])
            response = client.get(url)
            assert response.status_code == 200, url
            bodies[url] = response.content
    return bodies


def rows_of(url: str, body: bytes) -> list[dict[str, Any]]:
    """The data rows of one download (none for the data package)."""
    if url.endswith("datapackage.json"):
        return []
    if url.endswith(".csv"):
        lines = [line for line in body.decode().splitlines() if not line.startswith("#")]
        return list(csv.DictReader(lines))
    return list(json.loads(body)["data"])
