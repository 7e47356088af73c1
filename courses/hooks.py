"""Events of the courses layer that higher layers react to (dependencies point partners ->
courses, so courses cannot call them): typed registries (`prakerja.core.registry`) the higher
layers register receivers into from their `AppConfig.ready`. Called inside the transaction that
made the change, so a receiver's writes (a webhook outbox row) commit or roll back with it."""

from collections.abc import Callable
from dataclasses import dataclass

from courses.models import Course, RedeemCode
from prakerja.core.actor import Actor
from prakerja.core.registry import Registry


@dataclass(frozen=True)
class CourseDecided:
    course: Course
    status: str  # "approved" | "rejected"
    reasons: str


# Curators approved or rejected a course.
COURSE_DECIDED: Registry[Callable[[CourseDecided], None]] = Registry("courses.course_decided")

# The institution committed the code (training started).
REDEEM_CODE_USED: Registry[Callable[[RedeemCode], None]] = Registry("courses.redeem_code_used")

# An institution's owners or its NIB changed (its id, who changed them): its affiliations with
# platforms may have.
INSTITUTION_OWNERSHIP_CHANGED: Registry[Callable[[int, Actor], None]] = Registry(
    "courses.institution_ownership_changed"
)


def course_decided_tell(event: CourseDecided) -> None:
    for receiver in COURSE_DECIDED.items():
        receiver(event)


def redeem_code_used_tell(redeem_code: RedeemCode) -> None:
    for receiver in REDEEM_CODE_USED.items():
        receiver(redeem_code)


def institution_ownership_changed_tell(institution_id: int, *, actor: Actor) -> None:
    for receiver in INSTITUTION_OWNERSHIP_CHANGED.items():
        receiver(institution_id, actor)
