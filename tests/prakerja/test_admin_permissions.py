"""Each staff group sees and changes only what its job needs, checked over every model in the
admin through real requests: the list page and the add page answer exactly as the group's
permissions say, the auditor reads everything and adds nothing, and a few rules in words."""

import pytest
from django.contrib import admin
from django.test import Client

from prakerja.accounts.roles import STAFF_GROUPS
from tests.factories import StaffUserFactory

pytestmark = pytest.mark.django_db

MODELS = sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label)


def _client(group: str) -> tuple[Client, object]:
    user = StaffUserFactory.create(group=group)
    client = Client()
    client.force_login(user)
    return client, user


@pytest.mark.parametrize("group", STAFF_GROUPS)
def test_every_admin_page_answers_as_the_groups_permissions_say(staff_groups, group):
    client, user = _client(group)
    for model, model_admin in MODELS:
        opts = model._meta
        base = f"/admin/{opts.app_label}/{opts.model_name}/"
        may_view = user.has_perm(f"{opts.app_label}.view_{opts.model_name}") or user.has_perm(  # type: ignore[attr-defined]
            f"{opts.app_label}.change_{opts.model_name}"
        )
        listing = client.get(base)
        assert listing.status_code == (200 if may_view else 403), (group, base, listing.status_code)
        adding = client.get(base + "add/")
        request = listing.wsgi_request
        may_add = model_admin.has_add_permission(request)
        assert adding.status_code in ((200,) if may_add else (403, 302)), (group, base, adding.status_code)


def test_the_auditor_reads_everything_and_adds_nothing(staff_groups):
    client, _user = _client("auditor")
    for model, _model_admin in MODELS:
        opts = model._meta
        assert client.get(f"/admin/{opts.app_label}/{opts.model_name}/").status_code == 200, opts.label
        assert client.get(f"/admin/{opts.app_label}/{opts.model_name}/add/").status_code in (403, 302), opts.label


def test_the_rules_in_words(staff_groups):
    finance, _ = _client("finance")
    curator, _ = _client("curator")
    verifier, _ = _client("verifier")
    # finance cannot curate courses, curators cannot approve payouts or see evaluations,
    # verifiers cannot touch platforms
    assert finance.get("/admin/courses/course/add/").status_code == 403
    assert curator.get("/admin/applicants/disbursementrun/").status_code == 403
    assert curator.get("/admin/partners/evaluation/").status_code == 403
    assert verifier.get("/admin/partners/partner/").status_code == 403
    # and nobody edits the ledger or the audit trail, not even the PMO admin
    pmo, _ = _client("pmo_admin")
    assert pmo.get("/admin/ledger/posting/add/").status_code == 403
    assert pmo.get("/admin/audit/auditevent/add/").status_code == 403
