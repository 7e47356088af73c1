from courses.models.catalogue import Category, Course, CourseStatus, LearningMethod, Schedule, Trainer
from courses.models.institutions import InstitutionSigningKey, InstitutionStatus, TrainingInstitution
from courses.models.redemption import (
    Attendance,
    AttendanceLink,
    IntegrationCall,
    PracticeFeedback,
    RedeemCode,
    RedeemCodeStatus,
)
from courses.models.reviews import CourseReview

__all__ = [
    "Attendance",
    "AttendanceLink",
    "Category",
    "Course",
    "CourseReview",
    "CourseStatus",
    "InstitutionSigningKey",
    "InstitutionStatus",
    "IntegrationCall",
    "LearningMethod",
    "PracticeFeedback",
    "RedeemCode",
    "RedeemCodeStatus",
    "Schedule",
    "Trainer",
    "TrainingInstitution",
]
