from courses.models.catalogue import (
    Category,
    Course,
    CourseSession,
    CourseStatus,
    LearningMethod,
    Schedule,
    Trainer,
)
from courses.models.face_check import (
    AttendanceFaceCheck,
    FaceCheckOutcome,
    FaceCheckReview,
    FaceCheckReviewReason,
)
from courses.models.institutions import InstitutionSigningKey, InstitutionStatus, TrainingInstitution
from courses.models.ownership import InstitutionOwner, OwnerKind, OwnerStake
from courses.models.redemption import (
    Attendance,
    AttendanceLink,
    IntegrationCall,
    PracticeFeedback,
    PracticeTask,
    PracticeTaskStatus,
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
    "CourseSession",
    "CourseStatus",
    "FaceCheckOutcome",
    "FaceCheckReview",
    "FaceCheckReviewReason",
    "InstitutionOwner",
    "InstitutionSigningKey",
    "InstitutionStatus",
    "IntegrationCall",
    "LearningMethod",
    "OwnerKind",
    "OwnerStake",
    "PracticeFeedback",
    "PracticeTask",
    "PracticeTaskStatus",
    "RedeemCode",
    "RedeemCodeStatus",
    "Schedule",
    "Trainer",
    "TrainingInstitution",
]
