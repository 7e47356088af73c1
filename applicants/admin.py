"""Django's admin autodiscovery imports `applicants.admin`; each domain registers its own screens."""

from applicants.appeals import admin as appeals_admin
from applicants.assisted import admin as assisted_admin
from applicants.clawbacks import admin as clawbacks_admin
from applicants.complaints import admin as complaints_admin
from applicants.data_rights import admin as data_rights_admin
from applicants.disbursement import admin as disbursement_admin
from applicants.duplicates import admin as duplicates_admin
from applicants.holds import admin as holds_admin
from applicants.incentives import admin as incentives_admin
from applicants.privacy import admin as privacy_admin
from applicants.registration import admin as registration_admin
from applicants.verification import admin as verification_admin
from applicants.waves import admin as waves_admin
from applicants.waves import admin_cards, admin_registries

__all__ = [
    "admin_cards",
    "admin_registries",
    "appeals_admin",
    "assisted_admin",
    "clawbacks_admin",
    "complaints_admin",
    "data_rights_admin",
    "disbursement_admin",
    "duplicates_admin",
    "holds_admin",
    "incentives_admin",
    "privacy_admin",
    "registration_admin",
    "verification_admin",
    "waves_admin",
]
