"""The verifiers' queue of suspected duplicates in Chromium: a verifier opens an open group from
the queue and confirms it, keeping one account (Indonesian throughout)."""

import pytest
from playwright.sync_api import Browser, expect

from applicants.duplicates.models import DuplicateGroup, GroupStatus
from applicants.duplicates.services.scan import duplicates_scan
from prakerja.core.actor import Actor
from tests.applicants.duplicates.setups import Someone, people
from tests.factories import DEFAULT_PASSWORD, StaffUserFactory

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def test_a_verifier_confirms_a_duplicate_from_the_queue(
    browser: Browser, portal_url, regions, staff_groups, artifacts_dir
):
    # given two accounts sharing a phone, found by a pass
    kept, _extra = people([Someone(phone="+6281255554444"), Someone(phone="+6281255554444")])
    duplicates_scan(actor=Actor.system("test"))
    verifier = StaffUserFactory.create(group="verifier")

    # when a verifier logs in and opens the queue
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="id-ID")
    page = context.new_page()
    page.goto(portal_url + "/admin/login/")
    page.locator("#id_username").fill(verifier.email)
    page.locator("#id_password").fill(DEFAULT_PASSWORD)
    page.locator("input[type=submit]").click()
    page.goto(portal_url + "/admin/applicants/duplicategroup/")
    expect(page.locator("#result_list")).to_contain_text("Nomor ponsel sama")
    page.screenshot(path=artifacts_dir / "duplicates-queue.png", full_page=True)

    # and the group, then confirms it keeping the first account
    page.locator("#result_list tbody a").first.click()
    expect(page.locator("body")).to_contain_text("Konfirmasi data ganda")
    page.screenshot(path=artifacts_dir / "duplicates-group.png", full_page=True)
    page.get_by_role("link", name="Konfirmasi data ganda").click()
    page.locator(f"input[name=keep][value='{kept.pk}']").check()
    page.locator("textarea[name=reason]").fill("Satu orang, dua akun")
    page.screenshot(path=artifacts_dir / "duplicates-confirm.png", full_page=True)
    page.locator("input[type=submit]").click()

    # then the group is confirmed
    expect(page.locator(".messagelist")).to_contain_text("akun lainnya diblokir")
    assert DuplicateGroup.objects.get().status == GroupStatus.CONFIRMED
    context.close()
