"""Each staff group sees and changes only what its job needs.

The permissions each group holds are pinned here, written out in full: a change to
prakerja/accounts/roles.py must change this file too, so that a role quietly gaining a
permission fails a test. The admin is then checked over every model through real requests
against these lists (not against what the group happens to hold), and the rules in words
hold whatever the lists say."""

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group, Permission
from django.test import Client

from prakerja.accounts.roles import CREDENTIAL_MODELS, STAFF_GROUPS
from tests.factories import StaffUserFactory

pytestmark = pytest.mark.django_db

MODELS = sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label)

# group -> every permission it holds, as "app_label.codename".
PINNED: dict[str, set[str]] = {
    "pmo_admin": {
        "applicants.add_staffregion",
        "applicants.change_staffregion",
        "applicants.delete_staffregion",
        "applicants.view_assistedbatch",
        "applicants.view_assistedregistration",
        "applicants.view_staffregion",
        "accounts.add_user",
        "accounts.change_user",
        "accounts.view_user",
        "applicants.add_blockreason",
        "applicants.add_breachnotification",
        "applicants.add_privacynotice",
        "applicants.add_question",
        "applicants.add_registryimport",
        "applicants.add_scheme",
        "applicants.add_schemedeadline",
        "applicants.add_survey",
        "applicants.add_surveyquestion",
        "applicants.add_wave",
        "applicants.add_waveprovincequota",
        "applicants.change_blockreason",
        "applicants.change_breachnotification",
        "applicants.change_complaint",
        "applicants.change_question",
        "applicants.change_scheme",
        "applicants.change_schemedeadline",
        "applicants.change_survey",
        "applicants.change_surveyquestion",
        "applicants.change_wave",
        "applicants.change_waveprovincequota",
        "applicants.delete_question",
        "applicants.delete_survey",
        "applicants.delete_surveyquestion",
        "applicants.delete_waveprovincequota",
        "applicants.notify_breach",
        "applicants.run_duplicatescan",
        "applicants.run_selection",
        "applicants.run_verificationrollout",
        "applicants.view_appeal",
        "applicants.view_applicant",
        "applicants.view_blacklisting",
        "applicants.view_block",
        "applicants.view_blockreason",
        "applicants.view_breachnotification",
        "applicants.view_card",
        "applicants.view_clawback",
        "applicants.view_clawbackrepayment",
        "applicants.view_complaint",
        "applicants.view_complaintmessage",
        "applicants.view_consent",
        "applicants.view_decision",
        "applicants.view_disbursementrun",
        "applicants.view_duplicategroup",
        "applicants.view_duplicatescan",
        "applicants.view_instalment",
        "applicants.view_noticeacceptance",
        "applicants.view_payout",
        "applicants.view_privacynotice",
        "applicants.view_province",
        "applicants.view_question",
        "applicants.view_registryimport",
        "applicants.view_scheme",
        "applicants.view_schemedeadline",
        "applicants.view_survey",
        "applicants.view_surveyquestion",
        "applicants.view_surveyresponse",
        "applicants.view_testattempt",
        "applicants.view_wave",
        "applicants.view_verificationrollout",
        "applicants.view_wavemember",
        "applicants.view_waveprovincequota",
        "audit.view_auditevent",
        "auth.view_group",
        "courses.issue_institutionsigningkey",
        "courses.view_course",
        "courses.view_coursereview",
        "courses.view_institutionowner",
        "courses.view_traininginstitution",
        "django_celery_beat.add_crontabschedule",
        "django_celery_beat.add_intervalschedule",
        "django_celery_beat.change_crontabschedule",
        "django_celery_beat.change_intervalschedule",
        "django_celery_beat.change_periodictask",
        "django_celery_beat.view_crontabschedule",
        "django_celery_beat.view_intervalschedule",
        "django_celery_beat.view_periodictask",
        "ledger.view_entry",
        "ledger.view_ledgeraccount",
        "ledger.view_posting",
        "partners.add_partner",
        "partners.add_scorecard",
        "partners.add_scorecardrule",
        "partners.change_cardcodeguard",
        "partners.change_partner",
        "partners.change_scorecard",
        "partners.change_scorecardrule",
        "partners.delete_scorecardrule",
        "partners.view_agreement",
        "partners.view_apirequestlog",
        "partners.view_cardcodeguard",
        "partners.view_platformaccountbinding",
        "partners.view_evaluation",
        "partners.view_evaluationdecision",
        "partners.view_partner",
        "partners.view_platformapplication",
        "partners.view_platformowner",
        "partners.view_scorecard",
        "partners.view_scorecardrule",
        "partners.view_statuschange",
    },
    "verifier": {
        "accounts.view_user",
        "applicants.add_block",
        "applicants.add_clawback",
        "applicants.cancel_clawback",
        "applicants.change_applicant",
        "applicants.change_complaint",
        "applicants.change_correctionrequest",
        "applicants.change_restrictionrequest",
        "applicants.decide_duplicategroup",
        "applicants.release_hold",
        "applicants.change_identityverification",
        "applicants.view_identityverification",
        "courses.change_attendancefacecheck",
        "courses.view_attendancefacecheck",
        "applicants.reveal_nik",
        "applicants.review_payoutaccount",
        "applicants.run_duplicatescan",
        "applicants.decide_appeal",
        "applicants.view_appeal",
        "applicants.view_applicant",
        "applicants.view_blacklisting",
        "applicants.view_block",
        "applicants.view_blockreason",
        "applicants.view_card",
        "applicants.view_clawback",
        "applicants.view_clawbackrepayment",
        "applicants.view_complaint",
        "applicants.view_complaintmessage",
        "applicants.view_correctionrequest",
        "applicants.view_decision",
        "applicants.view_duplicategroup",
        "applicants.view_duplicatemember",
        "applicants.view_duplicatescan",
        "applicants.view_hold",
        "applicants.view_instalment",
        "applicants.view_payoutaccount",
        "applicants.view_province",
        "applicants.view_regency",
        "applicants.view_registryimport",
        "applicants.view_restrictionrequest",
        "applicants.view_testattempt",
        "applicants.view_wave",
        "partners.change_cardcodeguard",
        "partners.view_cardcodeguard",
        "partners.view_platformaccountbinding",
    },
    "curator": {
        "courses.add_category",
        "courses.add_course",
        "courses.add_coursesession",
        "courses.add_schedule",
        "courses.add_trainer",
        "courses.add_traininginstitution",
        "courses.change_category",
        "courses.change_course",
        "courses.change_coursesession",
        "courses.change_schedule",
        "courses.change_trainer",
        "courses.change_traininginstitution",
        "courses.delete_category",
        "courses.delete_coursesession",
        "courses.delete_schedule",
        "courses.delete_trainer",
        "courses.view_category",
        "courses.view_coursesession",
        "courses.view_course",
        "courses.view_institutionowner",
        "courses.view_integrationcall",
        "courses.view_schedule",
        "courses.view_trainer",
        "courses.view_traininginstitution",
        "partners.disclose_listing",
        "partners.view_listing",
        "partners.view_partner",
        "partners.view_platformowner",
    },
    "finance": {
        "applicants.add_disbursementrun",
        "applicants.add_payoutpolicychange",
        "applicants.add_reconciliation",
        "applicants.approve_disbursementrun",
        "applicants.approve_payoutpolicychange",
        "applicants.change_payout",
        "applicants.record_clawbackrepayment",
        "applicants.view_card",
        "applicants.view_clawback",
        "applicants.view_clawbackrepayment",
        "applicants.view_disbursementrun",
        "applicants.view_hold",
        "applicants.view_instalment",
        "applicants.view_payout",
        "applicants.view_payoutaccount",
        "applicants.view_payoutpolicy",
        "applicants.view_payoutpolicychange",
        "applicants.view_reconciliation",
        "applicants.view_wave",
        "ledger.view_entry",
        "ledger.view_ledgeraccount",
        "ledger.view_posting",
        "partners.view_purchase",
    },
    "partner_manager": {
        "applicants.view_complaint",
        "courses.add_institutionowner",
        "courses.change_institutionowner",
        "courses.delete_institutionowner",
        "courses.view_course",
        "courses.view_coursereview",
        "courses.view_institutionowner",
        "courses.view_traininginstitution",
        "partners.add_agreement",
        "partners.add_evaluationdecision",
        "partners.add_listing",
        "partners.add_partner",
        "partners.add_platformowner",
        "partners.add_webhookendpoint",
        "partners.change_agreement",
        "partners.change_evaluation",
        "partners.change_listing",
        "partners.change_partner",
        "partners.change_platformapplication",
        "partners.change_platformowner",
        "partners.change_webhookdelivery",
        "partners.change_webhookendpoint",
        "partners.delete_platformowner",
        "partners.issue_partnerapikey",
        "partners.publish_evaluation",
        "partners.view_agreement",
        "partners.view_apirequestlog",
        "partners.view_cardcodeguard",
        "partners.view_platformaccountbinding",
        "partners.view_evaluation",
        "partners.view_evaluationdecision",
        "partners.view_integrationcheck",
        "partners.view_listing",
        "partners.view_partner",
        "partners.view_platformapplication",
        "partners.view_platformowner",
        "partners.view_purchase",
        "partners.view_scorecard",
        "partners.view_scorecardrule",
        "partners.view_statuschange",
        "partners.view_webhookdelivery",
        "partners.view_webhookendpoint",
    },
    "regional_officer": {
        "applicants.add_assistedbatch",
        "applicants.add_assistedregistration",
        "applicants.assist_registration",
        "applicants.view_assistedbatch",
        "applicants.view_assistedregistration",
        "applicants.view_regency",
    },
    "auditor": {
        "applicants.view_assistedbatch",
        "applicants.view_assistedregistration",
        "applicants.view_staffregion",
        "accounts.view_user",
        "admin.view_logentry",
        "applicants.view_accessrequest",
        "applicants.view_appeal",
        "applicants.view_applicant",
        "applicants.view_blacklisting",
        "applicants.view_block",
        "applicants.view_blockreason",
        "applicants.view_breachnotification",
        "applicants.view_card",
        "applicants.view_clawback",
        "applicants.view_clawbackrepayment",
        "applicants.view_complaint",
        "applicants.view_complaintmessage",
        "applicants.view_consent",
        "applicants.view_correctionrequest",
        "applicants.view_decision",
        "applicants.view_disbursementrun",
        "applicants.view_duplicategroup",
        "applicants.view_duplicatemember",
        "applicants.view_duplicatescan",
        "applicants.view_entitlement",
        "applicants.view_hold",
        "applicants.view_instalment",
        "applicants.view_noticeacceptance",
        "applicants.view_payout",
        "applicants.view_payoutaccount",
        "applicants.view_payoutchunk",
        "applicants.view_payoutpolicy",
        "applicants.view_payoutpolicychange",
        "applicants.view_privacynotice",
        "applicants.view_province",
        "applicants.view_question",
        "applicants.view_reconciliation",
        "applicants.view_regency",
        "applicants.view_registryentry",
        "applicants.view_registryimport",
        "applicants.view_restrictionrequest",
        "applicants.view_scheme",
        "applicants.view_schemedeadline",
        "applicants.view_survey",
        "applicants.view_surveyquestion",
        "applicants.view_surveyresponse",
        "applicants.view_testattempt",
        "applicants.view_wave",
        "applicants.view_wavemember",
        "applicants.view_waveprovincequota",
        "audit.view_auditevent",
        "auth.view_group",
        "auth.view_permission",
        "axes.view_accessattempt",
        "axes.view_accessattemptexpiration",
        "axes.view_accessfailurelog",
        "axes.view_accesslog",
        "contenttypes.view_contenttype",
        "core.view_dashboardsnapshot",
        "core.view_workerheartbeat",
        "courses.view_attendance",
        "courses.view_attendancelink",
        "courses.view_category",
        "courses.view_course",
        "courses.view_coursereview",
        "courses.view_institutionowner",
        "courses.view_coursesession",
        "courses.view_integrationcall",
        "courses.view_practicefeedback",
        "courses.view_practicetask",
        "courses.view_redeemcode",
        "courses.view_schedule",
        "courses.view_trainer",
        "courses.view_traininginstitution",
        "django_celery_beat.view_clockedschedule",
        "django_celery_beat.view_crontabschedule",
        "django_celery_beat.view_intervalschedule",
        "django_celery_beat.view_periodictask",
        "django_celery_beat.view_periodictasks",
        "django_celery_beat.view_solarschedule",
        "ledger.view_entry",
        "ledger.view_ledgeraccount",
        "ledger.view_posting",
        "opendata.view_opendatarelease",
        "partners.view_agreement",
        "partners.view_apirequestlog",
        "partners.view_cardcodeguard",
        "partners.view_platformaccountbinding",
        "partners.view_evaluation",
        "partners.view_evaluationdecision",
        "partners.view_evaluationresult",
        "partners.view_idempotencyrecord",
        "partners.view_integrationcheck",
        "partners.view_listing",
        "partners.view_partner",
        "partners.view_platformapplication",
        "partners.view_platformowner",
        "partners.view_purchase",
        "partners.view_scorecard",
        "partners.view_scorecardrule",
        "partners.view_statuschange",
        "partners.view_webhookdelivery",
        "partners.view_webhookendpoint",
        "partners.view_webhookevent",
        "payments.view_sandboxaccount",
        "payments.view_sandboxcallback",
        "payments.view_sandboxtransfer",
        # issue 22
        "applicants.view_identityverification",
        "courses.view_attendancefacecheck",
        "identity.view_sandboxperson",
        # issue 22's rollout and key rotation
        "applicants.view_verificationrequest",
        "applicants.view_verificationrollout",
        "core.view_keyrotationcheckpoint",
    },
}

# Admin screens that let a named permission stand in for the model's own (credential models).
SCREEN_PERMISSION = {"partners.partnerapikey": "partners.issue_partnerapikey"}


def _client(group: str) -> tuple[Client, object]:
    user = StaffUserFactory.create(group=group)
    client = Client()
    client.force_login(user)
    return client, user


def _holders(*permissions: str) -> set[str]:
    """The staff groups that hold any of these permissions ("app_label.codename")."""
    return {group for group, held in PINNED.items() if held & set(permissions)}


@pytest.mark.parametrize("group", STAFF_GROUPS)
def test_each_group_holds_exactly_the_permissions_written_here(staff_groups, group):
    held = {
        f"{app}.{codename}"
        for app, codename in Group.objects.get(name=group).permissions.values_list(
            "content_type__app_label", "codename"
        )
    }
    assert held == PINNED[group], {"gained": held - PINNED[group], "lost": PINNED[group] - held}


@pytest.mark.parametrize("group", STAFF_GROUPS)
def test_every_admin_page_answers_as_the_pinned_permissions_say(staff_groups, group):
    client, _user = _client(group)
    for model, _model_admin in MODELS:
        opts = model._meta
        base = f"/admin/{opts.app_label}/{opts.model_name}/"
        screen = SCREEN_PERMISSION.get(opts.label_lower)
        view, change = f"{opts.app_label}.view_{opts.model_name}", f"{opts.app_label}.change_{opts.model_name}"
        may_view = screen in PINNED[group] if screen else bool({view, change} & PINNED[group])
        may_add = (screen in PINNED[group]) if screen else f"{opts.app_label}.add_{opts.model_name}" in PINNED[group]
        listing = client.get(base)
        assert listing.status_code == (200 if may_view else 403), (group, base, listing.status_code)
        adding = client.get(base + "add/")
        # (a screen may still refuse adding, e.g. a one-row model that has its row)
        assert adding.status_code in ((200, 403) if may_add else (403, 302)), (group, base, adding.status_code)


def test_the_auditor_reads_everything_but_credentials_and_adds_nothing(staff_groups):
    client, _user = _client("auditor")
    for model, _model_admin in MODELS:
        opts = model._meta
        listing = client.get(f"/admin/{opts.app_label}/{opts.model_name}/").status_code
        assert listing == (403 if opts.label_lower in CREDENTIAL_MODELS else 200), opts.label
        assert client.get(f"/admin/{opts.app_label}/{opts.model_name}/add/").status_code in (403, 302), opts.label


def test_the_rules_in_words(staff_groups):
    # only finance changes the payout policy, approves runs, records repayments and reconciles
    assert _holders(
        "applicants.add_payoutpolicy",
        "applicants.change_payoutpolicy",
        "applicants.add_payoutpolicychange",
        "applicants.approve_payoutpolicychange",
    ) == {"finance"}
    assert _holders("applicants.approve_disbursementrun", "applicants.add_disbursementrun") == {"finance"}
    assert _holders("applicants.record_clawbackrepayment", "applicants.add_clawbackrepayment") <= {"finance"}
    assert _holders("applicants.record_clawbackrepayment") == {"finance"}
    # verifiers block, decide appeals and cancel mistaken clawback cases; the PMO words the reasons
    assert _holders("applicants.decide_appeal", "applicants.add_block", "applicants.cancel_clawback") == {"verifier"}
    assert _holders("applicants.change_blockreason", "applicants.add_blockreason") == {"pmo_admin"}
    assert not _holders("applicants.delete_blockreason", "applicants.change_appeal", "applicants.change_block")
    assert _holders("applicants.add_reconciliation", "applicants.change_reconciliation") == {"finance"}
    # only verifiers decide suspected duplicates (the PMO may start a pass, not decide)
    assert _holders("applicants.decide_duplicategroup") == {"verifier"}
    assert _holders("applicants.run_duplicatescan") == {"verifier", "pmo_admin"}
    # only the PMO administrators start the identity verification rollout (email and SMS to millions)
    assert _holders("applicants.run_verificationrollout") == {"pmo_admin"}
    # only curators curate
    assert _holders("courses.add_course", "courses.change_course", "courses.delete_course") == {"curator"}
    # no group holds a credential model's permissions (superusers only); keys are issued by a
    # permission of their own, never by the curators
    credential = {
        f"{app}.{codename}"
        for app, codename in Permission.objects.filter(
            content_type__app_label__in=[m.split(".")[0] for m in CREDENTIAL_MODELS]
        )
        .filter(codename__regex=r"^(add|change|delete|view)_")
        .values_list("content_type__app_label", "codename")
        if f"{app}.{codename.split('_', 1)[1]}" in CREDENTIAL_MODELS
    }
    assert credential
    assert not _holders(*credential)
    assert "curator" not in _holders("courses.issue_institutionsigningkey")
    # owners of platforms and institutions are recorded only by the partner managers, who
    # onboard the partners; only curators approve an affiliated listing with its disclosure
    owners = ("add", "change", "delete")
    assert _holders(*(f"partners.{a}_platformowner" for a in owners)) == {"partner_manager"}
    assert _holders(*(f"courses.{a}_institutionowner" for a in owners)) == {"partner_manager"}
    assert _holders("partners.disclose_listing") == {"curator"}
    # nobody edits the ledger or the audit trail, not even the PMO admin
    ledger_or_audit = {p for held in PINNED.values() for p in held if p.split(".")[0] in ("ledger", "audit")}
    assert all(p.split(".")[1].startswith("view_") for p in ledger_or_audit)
    # nobody but superusers adds periodic jobs
    assert not _holders("django_celery_beat.add_periodictask", "django_celery_beat.delete_periodictask")


def test_the_rules_hold_in_the_admin(staff_groups):
    finance, _ = _client("finance")
    curator, _ = _client("curator")
    verifier, _ = _client("verifier")
    pmo, _ = _client("pmo_admin")
    # finance cannot curate courses, curators cannot approve payouts, see the payout policy or
    # evaluations, verifiers cannot touch platforms
    assert finance.get("/admin/courses/course/add/").status_code == 403
    assert curator.get("/admin/applicants/disbursementrun/").status_code == 403
    assert curator.get("/admin/applicants/payoutpolicy/").status_code == 403
    assert curator.get("/admin/partners/evaluation/").status_code == 403
    assert verifier.get("/admin/partners/partner/").status_code == 403
    # and nobody edits the ledger or the audit trail, not even the PMO admin
    assert pmo.get("/admin/ledger/posting/add/").status_code == 403
    assert pmo.get("/admin/audit/auditevent/add/").status_code == 403
