from courses.models.catalogue import Category, Course, CourseStatus, LearningMethod, Schedule, Trainer
from courses.models.institutions import InstitutionSigningKey, InstitutionStatus, TrainingInstitution
from courses.models.redemption import Attendance, IntegrationCall, RedeemCode, RedeemCodeStatus
from courses.models.reviews import CourseReview

__all__ = [
    "Attendance",
    "Category",
    "Course",
    "CourseReview",
    "CourseStatus",
    "InstitutionSigningKey",
    "InstitutionStatus",
    "IntegrationCall",
    "LearningMethod",
    "RedeemCode",
    "RedeemCodeStatus",
    "Schedule",
    "Trainer",
    "TrainingInstitution",
]
