from courses.models.catalogue import Category, Course, CourseStatus, LearningMethod, Schedule, Trainer
from courses.models.institutions import InstitutionSigningKey, InstitutionStatus, TrainingInstitution
from courses.models.redemption import RedeemCode, RedeemCodeStatus

__all__ = [
    "Category",
    "Course",
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
