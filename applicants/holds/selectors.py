"""Reading holds: who is held (one SQL fragment every payout path uses) and what a participant is told."""

from applicants.holds.models import Hold

# Appended to a WHERE whose applicant id is `{applicant}`: true when the applicant has no open hold.
NOT_HELD_SQL = (
    "NOT EXISTS (SELECT 1 FROM applicants_hold AS h WHERE h.applicant_id = {applicant} AND h.released_at IS NULL)"
)


def not_held_sql(applicant_column: str) -> str:
    return NOT_HELD_SQL.format(applicant=applicant_column)


def applicant_open_holds(applicant_id: int) -> list[Hold]:
    return list(Hold.objects.open().filter(applicant_id=applicant_id).order_by("placed_at"))


def applicant_held_by_case(applicant_id: int) -> bool:
    """A clawback case, a block or a confirmed duplicate account holds them: the card is
    suspended, no new instalment or survey incentive."""
    return Hold.objects.open().of_cases().filter(applicant_id=applicant_id).exists()


# Appended to a WHERE whose applicant id is `{applicant}`: true when no clawback case or block holds them.
NOT_HELD_BY_CASE_SQL = (
    "NOT EXISTS (SELECT 1 FROM applicants_hold AS hc WHERE hc.applicant_id = {applicant} "
    "AND hc.released_at IS NULL AND (hc.kind IN ('clawback', 'block') "
    "OR (hc.kind = 'duplicate' AND hc.source LIKE '%%:confirmed')))"
)


def not_held_by_case_sql(applicant_column: str) -> str:
    return NOT_HELD_BY_CASE_SQL.format(applicant=applicant_column)


def applicant_is_held(applicant_id: int) -> bool:
    return Hold.objects.open().filter(applicant_id=applicant_id).exists()
