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
    "Blacklisting",
    "Card",
    "CardStatus",
    "Decision",
    "Outcome",
    "Reason",
    "Wave",
    "WaveMember",
    "WaveProvinceQuota",
    "WaveStatus",
    "ImportStatus",
    "RegistryEntry",
    "RegistryImport",
    "RegistryKind",
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
