from collections.abc import Iterator

import pytest

from applicants import open_data as provider
from prakerja.core.dashboard import SECTIONS
from prakerja.opendata.datasets import DATASETS

APPLICANTS_DATASETS = ("headline", "provinces", "waves", "incentives", "complaints")


@pytest.fixture(autouse=True)
def applicants_open_data() -> Iterator[None]:
    """The applicants' data sets, as the line `register_open_data()` in ApplicantsConfig.ready
    will register them (until then only these tests do; left in place if that line is there)."""
    registered_before = SECTIONS.get(provider.SECTION) is not None
    provider.register_open_data()
    yield
    if not registered_before:
        SECTIONS.unregister(provider.SECTION)
        for key in APPLICANTS_DATASETS:
            DATASETS.unregister(key)
