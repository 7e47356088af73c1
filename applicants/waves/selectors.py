"""Reads about waves: the open ones, whether a NIK is on a registry, a wave's figures per province."""

import datetime as dt
from dataclasses import dataclass, field

from django.utils import timezone

from applicants.models import (
    RegistryImport,
    Wave,
    WaveStatus,
)


def open_waves(now: dt.datetime | None = None) -> list[Wave]:
    now = now or timezone.now()
    return list(
        Wave.objects.filter(status=WaveStatus.OPEN, opens_at__lte=now, closes_at__gt=now)
        .select_related("scheme")
        .order_by("closes_at")
    )


def registry_contains(*, nik_index: str, kinds: list[str]) -> bool:
    """Whether a NIK is on a list in use of one of these kinds."""
    return RegistryImport.objects.filter(is_current=True, kind__in=kinds, entries__nik_index=nik_index).exists()


@dataclass
class ProvinceStats:
    code: str
    name: str
    quota: int | None
    joined: int = 0
    eligible: int = 0
    selected: int = 0
    reasons: dict[str, int] = field(default_factory=dict)


def wave_province_stats(wave: Wave) -> list[ProvinceStats]:
    """Per province: members, eligible, selected, quota, and how many carry each reason."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT p.code, p.name, q.quota, count(m.id),
                   count(m.id) FILTER (WHERE d.outcome IS NOT NULL AND d.outcome <> 'ineligible'),
                   count(m.id) FILTER (WHERE d.outcome = 'selected')
            FROM applicants_province AS p
            LEFT JOIN applicants_wavemember AS m ON m.province_id = p.code AND m.wave_id = %s
            LEFT JOIN applicants_decision AS d ON d.member_id = m.id
            LEFT JOIN applicants_waveprovincequota AS q ON q.province_id = p.code AND q.wave_id = %s
            GROUP BY p.code, p.name, q.quota
            HAVING count(m.id) > 0 OR q.quota IS NOT NULL
            ORDER BY p.code
            """,
            [wave.pk, wave.pk],
        )
        stats = {row[0]: ProvinceStats(*row) for row in cursor.fetchall()}
        cursor.execute(
            """
            SELECT p.code, r.reason, count(*)
            FROM applicants_decision AS d
            JOIN applicants_wavemember AS m ON m.id = d.member_id
            JOIN applicants_province AS p ON p.code = m.province_id
            CROSS JOIN LATERAL unnest(d.reasons) AS r(reason)
            WHERE d.wave_id = %s
            GROUP BY p.code, r.reason
            """,
            [wave.pk],
        )
        for code, reason, count in cursor.fetchall():
            if code in stats:
                stats[code].reasons[reason] = count
    return list(stats.values())
