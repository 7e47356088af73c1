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
from applicants.models.registry import ImportStatus, RegistryEntry, RegistryImport, RegistryKind
from applicants.models.scheme import Scheme
from applicants.models.wave import (
    INELIGIBILITY_REASONS,
    UNFINISHED_WAVE_STATUSES,
    Blacklisting,
    Card,
    CardStatus,
    Decision,
    Outcome,
    Reason,
    Wave,
    WaveMember,
    WaveProvinceQuota,
    WaveStatus,
)

__all__ = [
    "INELIGIBILITY_REASONS",
    "UNFINISHED_WAVE_STATUSES",
    "Applicant",
    "Blacklisting",
    "Card",
    "CardStatus",
    "Decision",
    "EducationLevel",
    "EmploymentStatus",
    "ImportStatus",
    "MaritalStatus",
    "OneTimeCode",
    "OtpPurpose",
    "Outcome",
    "Province",
    "Question",
    "QuestionCategory",
    "Reason",
    "Regency",
    "RegistryEntry",
    "RegistryImport",
    "RegistryKind",
    "ReviewStatus",
    "Scheme",
    "Step",
    "TestAttempt",
    "TrainingInterest",
    "Wave",
    "WaveMember",
    "WaveProvinceQuota",
    "WaveStatus",
]
