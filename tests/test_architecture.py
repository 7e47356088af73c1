"""The layout's rules, checked on every run."""

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from importlinter.cli import lint_imports

ROOT = Path(__file__).resolve().parent.parent


def test_dependencies_point_one_way(monkeypatch):
    # partners -> courses -> applicants -> prakerja, as docs/architecture.md states
    monkeypatch.chdir(ROOT)
    assert lint_imports(config_filename=str(ROOT / "pyproject.toml"), no_cache=True) == 0


@pytest.mark.django_db
def test_models_and_migrations_agree():
    call_command("makemigrations", check=True, dry_run=True, stdout=StringIO())


def test_top_level_layout_is_as_designed():
    required = {"manage.py", "prakerja", "applicants", "partners", "courses", "templates", "tests", "pyproject.toml"}
    assert required <= {p.name for p in ROOT.iterdir()}
