from courses.models.catalogue import Category, Course, CourseStatus, LearningMethod, Schedule, Trainer
from courses.models.institutions import InstitutionSigningKey, InstitutionStatus, TrainingInstitution
from courses.models.redemption import RedeemCode, RedeemCodeStatus
from courses.models.reviews import CourseReview

__all__ = [
    "Category",
    "Course",
    "CourseReview",
    "CourseStatus",
    "InstitutionSigningKey",
    "InstitutionStatus",
    "LearningMethod",
    "RedeemCode",
    "RedeemCodeStatus",
    "Schedule",
    "Trainer",
    "TrainingInstitution",
]
