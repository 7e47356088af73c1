"""The applicants layer's sections of the programme dashboard (admin home): the funnel overall,
per province and per wave, waves and quota use, disbursement runs and failure reasons.

Computed by the dashboard refresh job with a few set-based statements (one pass over the
applicants for the whole funnel); the page only reads the stored figures."""

from typing import Any

from django.utils.translation import gettext_lazy as _

from applicants.disbursement.programme_figures import disbursement_compute, disbursement_present
from applicants.models import Province, WaveStatus
from prakerja.core.dashboard import Section, choice_label, query_rows, register_section

FUNNEL_STAGES: list[tuple[str, Any]] = [
    ("registered", _("Registered")),
    ("email_verified", _("Email verified")),
    ("identity", _("Identity")),
    ("test", _("Basic test")),
    ("joined", _("Joined a wave")),
    ("selected", _("Selected")),
    ("purchased", _("Bought a course")),
    ("completed", _("Completed")),
    ("reviewed", _("Reviewed")),
    ("paid", _("Incentive paid")),
]


WAVE_STAGES = FUNNEL_STAGES[4:]


# Each applicant's furthest stage (1-10, FUNNEL_STAGES order); a stage counts everybody who
# reached it or any later one, so the funnel never widens even where an earlier time is missing.
FUNNEL_SQL = """
SELECT province_id, count(*),
       count(*) FILTER (WHERE level >= 2), count(*) FILTER (WHERE level >= 3), count(*) FILTER (WHERE level >= 4),
       count(*) FILTER (WHERE level >= 5), count(*) FILTER (WHERE level >= 6), count(*) FILTER (WHERE level >= 7),
       count(*) FILTER (WHERE level >= 8), count(*) FILTER (WHERE level >= 9), count(*) FILTER (WHERE level >= 10)
FROM (
    SELECT ap.province_id,
           CASE WHEN p.card_id IS NOT NULL THEN 10
                WHEN e.reviewed_at IS NOT NULL THEN 9
                WHEN e.completed_at IS NOT NULL THEN 8
                WHEN c.first_purchase_at IS NOT NULL THEN 7
                WHEN c.id IS NOT NULL THEN 6
                WHEN j.applicant_id IS NOT NULL THEN 5
                WHEN ap.basic_test_completed_at IS NOT NULL THEN 4
                WHEN ap.identity_completed_at IS NOT NULL THEN 3
                WHEN ap.email_verified_at IS NOT NULL THEN 2
                ELSE 1 END AS level
    FROM applicants_applicant AS ap
    LEFT JOIN (SELECT DISTINCT applicant_id FROM applicants_wavemember) AS j ON j.applicant_id = ap.id
    LEFT JOIN applicants_card AS c ON c.applicant_id = ap.id
    LEFT JOIN applicants_entitlement AS e ON e.card_id = c.id
    LEFT JOIN (SELECT DISTINCT card_id FROM applicants_instalment WHERE status = 'paid') AS p ON p.card_id = c.id
) AS reached
GROUP BY province_id
"""


WAVES_SQL = """
SELECT w.number, w.status, w.national_quota,
       count(m.id), count(c.id), count(c.first_purchase_at), count(e.completed_at), count(e.reviewed_at),
       count(p.card_id)
FROM applicants_wave AS w
LEFT JOIN applicants_wavemember AS m ON m.wave_id = w.id
LEFT JOIN applicants_card AS c ON c.applicant_id = m.applicant_id AND c.wave_id = w.id
LEFT JOIN applicants_entitlement AS e ON e.card_id = c.id
LEFT JOIN (SELECT DISTINCT card_id FROM applicants_instalment WHERE status = 'paid') AS p ON p.card_id = c.id
GROUP BY w.id
ORDER BY w.number DESC
"""


def funnel_compute() -> dict[str, Any]:
    """Counts per stage (each list in FUNNEL_STAGES order): whole programme, per province
    (applicants without a province yet under ""), per wave from joining on."""
    names = dict(Province.objects.values_list("code", "name"))
    total = [0] * len(FUNNEL_STAGES)
    provinces = []
    for province_id, *counts in query_rows(FUNNEL_SQL):
        total = [a + b for a, b in zip(total, counts, strict=True)]
        provinces.append({"province": names.get(province_id, "") if province_id else "", "counts": counts})
    provinces.sort(key=lambda row: (row["province"] == "", row["province"]))
    waves = [
        {
            "number": number,
            "status": status,
            "quota": quota,
            "quota_use": round(100 * counts[1] / quota, 1) if quota else None,
            "counts": counts,
        }
        for number, status, quota, *counts in query_rows(WAVES_SQL)
    ]
    return {
        "stages": [key for key, _label in FUNNEL_STAGES],
        "total": total,
        "provinces": provinces,
        "waves": waves,
    }


def funnel_present(data: dict[str, Any]) -> dict[str, Any]:
    labels = dict(FUNNEL_STAGES)
    stages = [str(labels.get(key, key)) for key in data.get("stages", [])]
    waves = [{**wave, "status": choice_label(WaveStatus, wave["status"])} for wave in data.get("waves", [])]
    return {**data, "stages": stages, "wave_stages": stages[4:], "waves": waves}


def register_sections() -> None:
    register_section(
        Section(
            key="funnel",
            title=_("Applicants: funnel, provinces and waves"),
            template="admin/dashboard/funnel.html",
            compute=funnel_compute,
            present=funnel_present,
            order=10,
        )
    )
    register_section(
        Section(
            key="disbursement",
            title=_("Incentive disbursement"),
            template="admin/dashboard/disbursement.html",
            compute=disbursement_compute,
            present=disbursement_present,
            permission="applicants.view_disbursementrun",
            order=30,
        )
    )
