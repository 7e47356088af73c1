"""Errors of disbursement that finance sees next to the run or payout they acted on."""

from applicants.errors import ApplicantError


class DisbursementError(ApplicantError):
    pass
