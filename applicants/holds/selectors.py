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


def applicant_is_held(applicant_id: int) -> bool:
    return Hold.objects.open().filter(applicant_id=applicant_id).exists()
