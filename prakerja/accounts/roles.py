"""PMO staff roles: which permissions each staff group holds.

Each later app adds its models here, so a role's reach is readable in one place. The
`auditor` group is given every `view_*` permission in the project except those of the
credential models, and nothing else.

Credential models (CREDENTIAL_MODELS) hold or reveal what lets someone act as someone else:
keys, secrets, second-factor devices, sessions, one-time codes. No group holds their model
permissions (add, change, delete, view); issuing and revoking keys is a named permission of its
own (`issue_partnerapikey`, `issue_institutionsigningkey`) that the admin checks instead.
"""

from typing import Any

from django.apps import AppConfig, apps
from django.contrib.auth.management import create_permissions
from django.contrib.auth.models import Group, Permission
from django.db.models import Q

PMO_ADMIN = "pmo_admin"
VERIFIER = "verifier"
CURATOR = "curator"
FINANCE = "finance"
PARTNER_MANAGER = "partner_manager"
AUDITOR = "auditor"
# Staff of regional labour offices and ministries' regional units: assisted registration in
# their own province only (applicants.assisted).
REGIONAL_OFFICER = "regional_officer"

STAFF_GROUPS: tuple[str, ...] = (PMO_ADMIN, VERIFIER, CURATOR, FINANCE, PARTNER_MANAGER, AUDITOR, REGIONAL_OFFICER)

CREDENTIAL_MODELS: tuple[str, ...] = (
    "otp_totp.totpdevice",
    "sessions.session",
    "partners.partnerapikey",
    "rest_framework_api_key.apikey",
    "courses.institutionsigningkey",
    "applicants.onetimecode",
    # the sandbox adapters' outbox holds the codes and reset links they "sent"
    "messaging.sandboxmessage",
    # messages waiting to be sent hold the same codes until they are (issue 17's outbox)
    "messaging.outboxmessage",
    # single-use liveness challenges: the steps a replay would need to know (issue 22)
    "identity.livenesschallenge",
    # face checks waiting for a worker: the burst and the attendance link's token, encrypted
    "identity.facejob",
    # the face search index's codes (derived from faces, searched by value): no staff screen
    "applicants.faceindexentry",
)
MODEL_ACTIONS = ("add", "change", "delete", "view")

VIEW = ("view",)
ALL = ("add", "change", "delete", "view")
EDIT = ("add", "change", "view")

# group -> {"app_label.model": actions}; an action "=codename" is a custom permission.
ROLE_PERMISSIONS: dict[str, dict[str, tuple[str, ...]]] = {
    PMO_ADMIN: {
        "accounts.user": EDIT,
        "auth.group": VIEW,
        "audit.auditevent": VIEW,
        "ledger.ledgeraccount": VIEW,
        "ledger.posting": VIEW,
        "ledger.entry": VIEW,
        "partners.partner": EDIT,
        "partners.agreement": VIEW,
        "partners.statuschange": VIEW,
        "partners.platformapplication": VIEW,
        "applicants.applicant": VIEW,
        "applicants.question": ALL,
        "applicants.scheme": EDIT,
        # The last days of each programme year (buy, complete, review, use the balance).
        "applicants.schemedeadline": EDIT,
        "courses.course": VIEW,
        "courses.traininginstitution": VIEW,
        "courses.institutionowner": VIEW,
        "partners.platformowner": VIEW,
        # Integration keys are issued and revoked by the PMO, not by the curators who register institutions.
        "courses.institutionsigningkey": ("=issue_institutionsigningkey",),
        "applicants.testattempt": VIEW,
        "applicants.wave": ("add", "change", "view", "=run_selection"),
        "applicants.waveprovincequota": ALL,
        "applicants.wavemember": VIEW,
        "applicants.decision": VIEW,
        "applicants.card": VIEW,
        "applicants.blacklisting": VIEW,
        "applicants.registryimport": ("add", "view"),
        "applicants.province": VIEW,
        # Only the project's own schedules, and only their times (prakerja.core.beat).
        "django_celery_beat.periodictask": ("view", "change"),
        "django_celery_beat.crontabschedule": EDIT,
        "django_celery_beat.intervalschedule": EDIT,
        "applicants.survey": ALL,
        "applicants.surveyquestion": ALL,
        "applicants.surveyresponse": VIEW,
        "applicants.instalment": VIEW,
        "applicants.disbursementrun": VIEW,
        "applicants.payout": VIEW,
        # The complaint desk: answer, resolve; escalations come to the PMO administrators.
        "applicants.complaint": ("view", "change"),
        "applicants.complaintmessage": VIEW,
        "applicants.clawback": VIEW,
        "applicants.clawbackrepayment": VIEW,
        # Block reasons are data: the PMO words them (Indonesian and English).
        "applicants.blockreason": EDIT,
        "applicants.block": VIEW,
        "applicants.appeal": VIEW,
        "applicants.privacynotice": ("add", "view"),
        "applicants.noticeacceptance": VIEW,
        "applicants.consent": VIEW,
        # A data set that leaked: the PMO lists the people affected and notifies them (issue 23).
        "applicants.breachnotification": ("add", "change", "view", "=notify_breach"),
        # The regional officers' areas (assisted registration), and what they registered.
        "applicants.staffregion": ALL,
        "applicants.assistedregistration": VIEW,
        "applicants.assistedbatch": VIEW,
        # The duplicate queue is the verifiers'; the PMO follows it and may start a pass.
        "applicants.duplicategroup": VIEW,
        "applicants.duplicatescan": ("view", "=run_duplicatescan"),
        # The rollout asking applicants registered before the selfie journey to verify (issue 22).
        "applicants.verificationrollout": ("view", "=run_verificationrollout"),
        # The PMO sets the evaluation's rules; partner managers apply them.
        "partners.scorecard": EDIT,
        "partners.scorecardrule": ALL,
        "partners.evaluation": VIEW,
        "partners.evaluationdecision": VIEW,
        "partners.apirequestlog": VIEW,
        "courses.coursereview": VIEW,
        # Cards whose purchase confirmations were locked after wrong codes; lifting a lock is audited.
        "partners.cardcodeguard": ("view", "change"),
        # Which card each platform account uses (one platform account per card, issue 20).
        "partners.platformaccountbinding": VIEW,
    },
    VERIFIER: {
        "accounts.user": VIEW,
        "applicants.applicant": ("view", "change", "=reveal_nik"),
        "applicants.testattempt": VIEW,
        "applicants.province": VIEW,
        "applicants.regency": VIEW,
        "applicants.wave": VIEW,
        "applicants.decision": VIEW,
        "applicants.card": VIEW,
        "applicants.blacklisting": VIEW,
        "applicants.registryimport": VIEW,
        "applicants.payoutaccount": ("view", "=review_payoutaccount"),
        "applicants.instalment": VIEW,
        # Verifiers staff the complaint desk.
        "applicants.complaint": ("view", "change"),
        "applicants.complaintmessage": VIEW,
        # ... and open clawback cases against participants found ineligible after payment.
        "applicants.clawback": ("add", "view", "=cancel_clawback"),
        # ... and decide the applicants' data correction requests (issue 23).
        "applicants.correctionrequest": ("view", "change"),
        "applicants.restrictionrequest": ("view", "change"),
        # ... and the identity verifications that differ from the civil registry, and the
        # training sessions' failed face checks (issue 22).
        "applicants.identityverification": ("view", "change"),
        "courses.attendancefacecheck": ("view", "change"),
        "applicants.clawbackrepayment": VIEW,
        "partners.cardcodeguard": ("view", "change"),
        # ... and review the holds on participants' money (registry hits, duplicates, cases).
        "applicants.hold": ("view", "=release_hold"),
        # ... and the queue of suspected duplicates: clear or confirm a group, start a pass.
        "applicants.duplicategroup": ("view", "=decide_duplicategroup"),
        "applicants.duplicatemember": VIEW,
        "applicants.duplicatescan": ("view", "=run_duplicatescan"),
        # ... and block participants for a listed reason, and decide their appeals.
        "applicants.blockreason": VIEW,
        "applicants.block": ("add", "view"),
        "applicants.appeal": ("view", "=decide_appeal"),
        "partners.platformaccountbinding": VIEW,
    },
    CURATOR: {
        "partners.partner": VIEW,
        # Curators approve a listing of an affiliated institution with its disclosure; they read
        # the owners behind the affiliation but do not record them.
        "partners.listing": ("view", "=disclose_listing"),
        "partners.platformowner": VIEW,
        "courses.institutionowner": VIEW,
        "courses.course": EDIT,
        "courses.schedule": ALL,
        "courses.coursesession": ALL,
        "courses.category": ALL,
        "courses.trainer": ALL,
        "courses.traininginstitution": EDIT,
        "courses.integrationcall": VIEW,
    },
    FINANCE: {
        "partners.purchase": VIEW,
        "applicants.wave": VIEW,
        "applicants.card": VIEW,
        "ledger.ledgeraccount": VIEW,
        "ledger.posting": VIEW,
        "ledger.entry": VIEW,
        "applicants.payoutaccount": VIEW,
        "applicants.instalment": VIEW,
        "applicants.disbursementrun": ("add", "view", "=approve_disbursementrun"),
        "applicants.payout": ("view", "change"),
        # A new threshold is proposed by one finance user and put in force by another.
        "applicants.payoutpolicy": VIEW,
        "applicants.payoutpolicychange": ("add", "view", "=approve_payoutpolicychange"),
        "applicants.reconciliation": ("add", "view"),
        "applicants.clawback": ("view", "=record_clawbackrepayment"),
        "applicants.clawbackrepayment": VIEW,
        "applicants.hold": VIEW,
    },
    PARTNER_MANAGER: {
        "partners.partner": EDIT,
        "partners.agreement": EDIT,
        "partners.statuschange": VIEW,
        "partners.platformapplication": ("view", "change"),
        "partners.listing": EDIT,
        "partners.partnerapikey": ("=issue_partnerapikey",),
        # Owners of platforms and institutions: recorded by those who onboard the partners
        # (the institution's page opens for them with only its owners editable).
        "partners.platformowner": ALL,
        "courses.institutionowner": ALL,
        "courses.traininginstitution": VIEW,
        "partners.purchase": VIEW,
        "partners.webhookendpoint": EDIT,
        "partners.webhookdelivery": ("view", "change"),
        "courses.course": VIEW,
        "partners.scorecard": VIEW,
        "partners.scorecardrule": VIEW,
        "partners.evaluation": ("view", "change", "=publish_evaluation"),
        "partners.evaluationdecision": ("add", "view"),
        "partners.integrationcheck": VIEW,
        "partners.apirequestlog": VIEW,
        "courses.coursereview": VIEW,
        "applicants.complaint": VIEW,
        "partners.cardcodeguard": VIEW,
        "partners.platformaccountbinding": VIEW,
    },
    REGIONAL_OFFICER: {
        "applicants.assistedregistration": ("add", "view", "=assist_registration"),
        "applicants.assistedbatch": ("add", "view"),
        "applicants.regency": VIEW,
    },
    AUDITOR: {},
}


def _permission_filter(model_actions: dict[str, tuple[str, ...]]) -> Q:
    query = Q(pk__in=[])
    for dotted, actions in model_actions.items():
        app_label, model = dotted.split(".")
        # "=codename" names a custom permission of the model as it is.
        codenames = [action[1:] if action.startswith("=") else f"{action}_{model}" for action in actions]
        query |= Q(content_type__app_label=app_label, content_type__model=model, codename__in=codenames)
    return query


def credential_permissions() -> Q:
    """The model permissions (add, change, delete, view) of CREDENTIAL_MODELS."""
    return _permission_filter(dict.fromkeys(CREDENTIAL_MODELS, MODEL_ACTIONS))


def roles_sync() -> None:
    """Give each staff group exactly the permissions ROLE_PERMISSIONS names (idempotent)."""
    for name in STAFF_GROUPS:
        group, _created = Group.objects.get_or_create(name=name)
        if name == AUDITOR:
            permissions = Permission.objects.filter(codename__startswith="view_").exclude(credential_permissions())
        else:
            permissions = Permission.objects.filter(_permission_filter(ROLE_PERMISSIONS[name]))
        group.permissions.set(permissions)


def roles_sync_after_migrate(sender: AppConfig, **kwargs: Any) -> None:
    """post_migrate is sent once per app; act once, after the last app, when every app's
    permissions can be made to exist."""
    if kwargs.get("using", "default") != "default" or sender is not list(apps.get_app_configs())[-1]:
        return
    if not Group.objects.filter(name__in=STAFF_GROUPS).exists():
        return  # the data migration creating the groups has not run
    for app_config in apps.get_app_configs():
        create_permissions(app_config, verbosity=0)
    roles_sync()
