"""The selfie's panel on the applicant dashboard (before and after the wave step)."""

from applicants.dashboard import Panel
from applicants.models import Applicant, Step
from applicants.verification.selectors import verification_state


def identity_panel(applicant: Applicant) -> Panel | None:
    """Past the identity step and not yet verified: the selfie's state and a link to it."""
    if applicant.identity_verified_at is not None or not applicant.has_reached(Step.CONTACT):
        return None
    return Panel(
        template="applicants/verification/_panel.html", context={"state": verification_state(applicant)}, order=20
    )
