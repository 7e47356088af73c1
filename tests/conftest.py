from pathlib import Path

import pytest

from prakerja.accounts.roles import roles_sync

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"


@pytest.fixture
def staff_groups(db: None) -> None:
    """The PMO groups with their permissions (transactional tests flush what migrations made)."""
    roles_sync()


@pytest.fixture
def artifacts_dir() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
