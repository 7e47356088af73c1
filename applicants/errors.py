"""Domain errors the applicant pages turn into messages next to the right field."""

import datetime as dt


class ApplicantError(Exception):
    field: str | None = None

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if field is not None:
            self.field = field


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
