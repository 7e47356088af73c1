from courses.models.catalogue import Category, Course, CourseStatus, LearningMethod, Schedule, Trainer
from courses.models.face_check import (
    AttendanceFaceCheck,
    FaceCheckOutcome,
    FaceCheckReview,
    FaceCheckReviewReason,
)
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
    "AttendanceFaceCheck",
    "AttendanceLink",
    "Category",
    "Course",
    "CourseReview",
    "CourseStatus",
    "FaceCheckOutcome",
    "FaceCheckReview",
    "FaceCheckReviewReason",
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
