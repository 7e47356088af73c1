"""The disbursement section of the programme dashboard: recent runs and failure reasons
(applicants.programme_figures registers it)."""

import datetime as dt
from typing import Any

from django.utils import timezone

from applicants.disbursement.lifecycle import IN_FLIGHT, states
from applicants.disbursement.models import PayoutStatus, RunStatus
from prakerja.core.dashboard import choice_label, query_rows

RUNS_SQL = """
SELECT r.id, r.day, r.status, r.payout_count, r.total_amount,
       count(p.id) FILTER (WHERE p.status = %(paid)s),
       count(p.id) FILTER (WHERE p.status = %(failed)s),
       count(p.id) FILTER (WHERE p.status = ANY(%(in_flight)s)),
       coalesce(sum(p.amount) FILTER (WHERE p.status = %(paid)s), 0)
FROM (SELECT * FROM applicants_disbursementrun ORDER BY id DESC LIMIT %(recent)s) AS r
LEFT JOIN applicants_payout AS p ON p.run_id = r.id
GROUP BY r.id, r.day, r.status, r.payout_count, r.total_amount
ORDER BY r.id DESC
"""


FAILURES_SQL = """
SELECT coalesce(nullif(failure_reason, ''), response_code), count(*)
FROM applicants_payout
WHERE status = ANY(%(lost)s) AND updated_at >= %(since)s
GROUP BY 1 ORDER BY 2 DESC LIMIT 10
"""


RECENT_RUNS = 10


FAILURE_WINDOW_DAYS = 30


def disbursement_compute() -> dict[str, Any]:
    since = timezone.now() - dt.timedelta(days=FAILURE_WINDOW_DAYS)
    recent = query_rows(
        RUNS_SQL,
        {
            "paid": str(PayoutStatus.SUCCEEDED),
            "failed": str(PayoutStatus.FAILED),
            "in_flight": states(IN_FLIGHT),
            "recent": RECENT_RUNS,
        },
    )
    runs = [
        {
            "id": run_id,
            "day": day.isoformat(),
            "status": status,
            "payouts": count,
            "total": total,
            "paid": paid,
            "failed": failed,
            "open": still_open,
            "paid_amount": int(paid_amount),
        }
        for run_id, day, status, count, total, paid, failed, still_open, paid_amount in recent
    ]
    failures = [
        {"reason": reason, "count": n}
        for reason, n in query_rows(
            FAILURES_SQL, {"lost": states((PayoutStatus.FAILED, PayoutStatus.REVERSED)), "since": since}
        )
    ]
    return {"runs": runs, "failures": failures, "failure_window_days": FAILURE_WINDOW_DAYS}


def disbursement_present(data: dict[str, Any]) -> dict[str, Any]:
    runs = [{**run, "status": choice_label(RunStatus, run["status"])} for run in data.get("runs", [])]
    failures = [{**f, "reason": f["reason"] or str(PayoutStatus.FAILED.label)} for f in data.get("failures", [])]
    return {**data, "runs": runs, "failures": failures}
