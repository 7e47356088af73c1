"""A visitor opens the programme's open-data page on a phone (360 px), in Indonesian and in
English: headline figures, a chart beside each table, downloads, no sideways scrolling."""

import pytest
from playwright.sync_api import Page, expect

from prakerja.core.dashboard import dashboard_refresh
from prakerja.opendata.services import release_publish
from tests.prakerja.opendata.helpers import small_programme

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def test_the_open_data_page_on_a_phone(page: Page, portal_url, regions, training_fund, artifacts_dir):
    # given a published release of a small programme
    small_programme()
    dashboard_refresh()
    release = release_publish()
    assert release is not None

    # when a visitor opens /data/ on a phone
    page.goto(portal_url + "/data/")

    # then the figures are there, each chart drawn beside its table, nothing wider than the phone
    expect(page.get_by_role("heading", level=1)).to_have_text("Angka program (data terbuka)")
    expect(page.get_by_role("heading", name="Program dalam angka")).to_be_visible()
    expect(page.get_by_role("heading", name="Pendaftar dan peserta per provinsi")).to_be_visible()
    page.wait_for_function("document.querySelectorAll('canvas[data-od-chart]').length > 0")
    canvases = page.locator("canvas[data-od-chart]")
    assert canvases.count() >= 5
    # Chart.js drew into every canvas (a drawn chart has a bitmap the size of its box)
    drawn = page.evaluate(
        "[...document.querySelectorAll('canvas[data-od-chart]')].every(c => Chart.getChart(c) && c.width > 0)"
    )
    assert drawn
    assert page.locator("table.od-table").count() >= 5
    expect(page.get_by_role("region", name="Tabel: Pendaftar dan peserta per provinsi")).to_contain_text("<10")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=artifacts_dir / "open-data-360.png", full_page=True)

    # and a download link gives the CSV with its licence line
    href = page.get_by_role("link", name="CSV").first.get_attribute("href")
    assert href is not None
    body = page.request.get(portal_url + href).text()
    assert body.startswith("# Kartu Prakerja open data")

    # when the visitor switches to English
    page.get_by_role("link", name="English").click()

    # then the same page in English
    expect(page.get_by_role("heading", level=1)).to_have_text("Programme figures (open data)")
    expect(page.get_by_role("heading", name="The programme in figures")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=artifacts_dir / "open-data-en-360.png", full_page=True)
