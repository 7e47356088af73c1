import importlib

import pytest
from django.apps import apps as django_apps
from django.contrib.auth.models import Group, Permission

from prakerja.accounts.roles import STAFF_GROUPS, credential_permissions, roles_sync

pytestmark = pytest.mark.django_db


def test_the_data_migration_creates_every_staff_group():
    # given no groups (transactional tests elsewhere flush what migrations wrote)
    Group.objects.all().delete()

    # when the data migrations' functions run
    migration = importlib.import_module("prakerja.accounts.migrations.0002_staff_groups")
    migration.create_groups(django_apps, None)
    later = importlib.import_module("prakerja.accounts.migrations.0003_regional_officer_group")
    later.create_group(django_apps, None)

    # then each PMO staff group exists
    assert set(Group.objects.filter(name__in=STAFF_GROUPS).values_list("name", flat=True)) == set(STAFF_GROUPS)


def test_auditor_may_view_everything_but_credentials_and_change_nothing(staff_groups):
    auditor = Group.objects.get(name="auditor")
    codenames = set(auditor.permissions.values_list("codename", flat=True))
    expected = Permission.objects.filter(codename__startswith="view_").exclude(credential_permissions())
    assert codenames == set(expected.values_list("codename", flat=True))
    assert "view_posting" in codenames
    assert "view_auditevent" in codenames
    assert not {"view_totpdevice", "view_session", "view_partnerapikey", "view_institutionsigningkey"} & codenames


def test_finance_reads_the_ledger_but_cannot_manage_partners(staff_groups):
    finance = set(Group.objects.get(name="finance").permissions.values_list("codename", flat=True))
    assert {"view_posting", "view_entry", "view_ledgeraccount"} <= finance
    assert "change_partner" not in finance


def test_nobody_may_change_or_delete_ledger_or_audit_rows(staff_groups):
    forbidden = Permission.objects.filter(
        content_type__app_label__in=["ledger", "audit"], codename__regex=r"^(add|change|delete)_"
    )
    assert not Group.objects.filter(permissions__in=forbidden).exists()


def test_roles_sync_is_idempotent(staff_groups):
    before = {g.name: set(g.permissions.values_list("pk", flat=True)) for g in Group.objects.all()}
    roles_sync()
    after = {g.name: set(g.permissions.values_list("pk", flat=True)) for g in Group.objects.all()}
    assert before == after
