from courses.models.catalogue import Category, Course, CourseStatus, LearningMethod, Schedule, Trainer
from courses.models.institutions import InstitutionSigningKey, InstitutionStatus, TrainingInstitution

__all__ = [
    "Category",
    "Course",
    "CourseStatus",
    "InstitutionSigningKey",
    "InstitutionStatus",
    "LearningMethod",
    "Schedule",
    "Trainer",
    "TrainingInstitution",
]
