import pytest

from tests.factories import SchemeFactory


@pytest.fixture(autouse=True)
def _scheme_in_force(db: None, regions: None) -> None:
    """The normal scheme (15 hours minimum) is in force for every course test."""
    SchemeFactory.create()
