"""Domain errors the applicant pages turn into messages next to the right field (every one a
`prakerja.core.errors.DomainError`: message, code, field)."""

import datetime as dt

from prakerja.core.errors import DomainError


class ApplicantError(DomainError):
    """A rule of the applicants' domains refused what someone asked."""


class DuplicateNik(ApplicantError):
    field = "nik"


class StepNotReached(ApplicantError):
    pass


class OtpError(ApplicantError):
    field = "code"


class OtpLocked(OtpError):
    def __init__(self, message: str, *, until: dt.datetime) -> None:
        super().__init__(message)
        self.until = until


class OtpCooldown(OtpError):
    def __init__(self, message: str, *, seconds: int) -> None:
        super().__init__(message)
        self.seconds = seconds
