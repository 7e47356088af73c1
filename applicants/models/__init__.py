from applicants.models.applicant import (
    Applicant,
    EducationLevel,
    EmploymentStatus,
    MaritalStatus,
    ReviewStatus,
    Step,
    TrainingInterest,
)
from applicants.models.basic_test import Question, QuestionCategory, TestAttempt
from applicants.models.otp import OneTimeCode, OtpPurpose
from applicants.models.regions import Province, Regency
from applicants.models.scheme import Scheme

__all__ = [
    "Applicant",
    "EducationLevel",
    "EmploymentStatus",
    "MaritalStatus",
    "OneTimeCode",
    "OtpPurpose",
    "Province",
    "Question",
    "QuestionCategory",
    "Regency",
    "ReviewStatus",
    "Scheme",
    "Step",
    "TestAttempt",
    "TrainingInterest",
]
