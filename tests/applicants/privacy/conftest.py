import datetime as dt

import pytest

from applicants.models import PrivacyNotice


@pytest.fixture(autouse=True)
def first_notice(db: None) -> PrivacyNotice:
    """Version 1 as migration 0014 seeds it (transactional tests elsewhere flush what migrations made)."""
    notice, _ = PrivacyNotice.objects.get_or_create(
        version=1,
        defaults={
            "title": "Pemberitahuan Privasi Kartu Prakerja",
            "summary": "Ringkasan",
            "text": "Isi",
            "published_at": dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
        },
    )
    return notice
