import pytest


@pytest.fixture(autouse=True)
def _regions(regions: None) -> None:
    """Every applicant test may need provinces and regencies."""
