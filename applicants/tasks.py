"""Celery's autodiscovery imports `applicants.tasks`; the tasks live in their domains' tasks
modules (names unchanged: batch.*, waves.advance, payouts.*, identity.selfie_check), registered
by importing them here."""

from applicants.assisted import tasks as assisted_tasks
from applicants.clawbacks import tasks as clawbacks_tasks
from applicants.data_rights import tasks as data_rights_tasks
from applicants.disbursement import tasks as disbursement_tasks
from applicants.duplicates import tasks as duplicates_tasks
from applicants.incentives import tasks as incentives_tasks
from applicants.privacy import tasks as privacy_tasks
from applicants.verification import tasks as verification_tasks
from applicants.waves import tasks as waves_tasks

__all__ = [
    "assisted_tasks",
    "clawbacks_tasks",
    "data_rights_tasks",
    "disbursement_tasks",
    "duplicates_tasks",
    "incentives_tasks",
    "privacy_tasks",
    "verification_tasks",
    "waves_tasks",
]
