"""Django's admin autodiscovery imports `applicants.admin`; each domain registers its own screens."""

from applicants.clawbacks import admin as clawbacks_admin
from applicants.complaints import admin as complaints_admin
from applicants.data_rights import admin as data_rights_admin
from applicants.disbursement import admin as disbursement_admin
from applicants.incentives import admin as incentives_admin
from applicants.privacy import admin as privacy_admin
from applicants.registration import admin as registration_admin
from applicants.verification import admin as verification_admin
from applicants.waves import admin as waves_admin
from applicants.waves import admin_cards, admin_registries

__all__ = [
    "admin_cards",
    "admin_registries",
    "clawbacks_admin",
    "complaints_admin",
    "data_rights_admin",
    "disbursement_admin",
    "incentives_admin",
    "privacy_admin",
    "registration_admin",
    "verification_admin",
    "waves_admin",
]
