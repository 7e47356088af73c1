import json

import pytest
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command

from partners.models import Evaluation, Listing, Partner, PartnerStatus, PlatformOwner
from prakerja.accounts.models import User
from prakerja.ledger.models import Posting
from prakerja.ledger.selectors import ledger_check

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_settings(settings, tmp_path):
    # The schemes are seeded by a migration; a transactional test elsewhere in this process may
    # have flushed them (and the privacy notice), which the demo data build on.
    from importlib import import_module

    from django.apps import apps

    from applicants.models import PrivacyNotice, Scheme

    if not Scheme.objects.exists():
        import_module("applicants.migrations.0003_seed_schemes").seed(apps, None)
    if not PrivacyNotice.objects.exists():
        import_module("applicants.migrations.0014_seed_privacy_notice").seed(apps, None)
    settings.DEBUG = True
    settings.DEMO_CREDENTIALS_PATH = tmp_path / "demo-credentials.json"
    return settings


def test_seed_demo_creates_the_programme_and_prints_logins(demo_settings, capsys):
    # when the demo data is loaded twice
    call_command("seed_demo")
    call_command("seed_demo")

    # then it exists once: eight platforms, a user per staff group, the budget posted once
    assert set(Partner.objects.filter(status=PartnerStatus.ACTIVE).values_list("name", flat=True)) >= {
        "Tokopedia",
        "Bukalapak",
        "Skill Academy by Ruangguru",
        "MauBelajarApa",
        "Pintaria",
        "Sekolahmu",
        "Pijar Mahir",
        "Sisnaker",
    }
    for group in Group.objects.filter(name__in=["pmo_admin", "verifier", "curator", "finance", "auditor"]):
        assert group.user_set.count() == 1
    assert Posting.objects.filter(kind="budget.allocate").count() == 3
    assert ledger_check().ok
    # and this month's platform evaluation is there as one draft, every active platform ranked
    evaluation = Evaluation.objects.get()
    assert evaluation.results.count() >= 8
    # and an affiliated platform and institution: one listing disclosed and on sale, once
    disclosed = Listing.objects.filter(affiliated=True, disclosed_at__isnull=False)
    assert disclosed.count() == 1
    assert disclosed.get().is_active
    assert PlatformOwner.objects.filter(partner__slug="pintaria").count() == 1
    # and one participant is held before payout by a wage list imported after selection
    from applicants.holds.models import Hold, HoldKind

    assert Hold.objects.open().filter(kind=HoldKind.REGISTRY).count() == 1

    # and the logins work and are printed and written down
    credentials = json.loads(demo_settings.DEMO_CREDENTIALS_PATH.read_text())
    first = credentials["logins"][0]
    assert User.objects.get(email=first["email"]).check_password(first["password"])
    assert first["email"] in capsys.readouterr().out


def test_seed_demo_refuses_to_run_in_production(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError):
        call_command("seed_demo")
