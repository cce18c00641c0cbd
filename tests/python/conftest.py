"""Shared fixtures: where the repository's data files are, also when the tests run against an
installed wheel from a copy of this directory (scripts/test-wheel.sh sets INNODEX_REPO)."""

import os
import pathlib

import pytest
from hypothesis import settings

# Property and fuzz tests draw the same examples on every run (CI must be reproducible), with
# no per-example deadline (a loaded CI machine is slow, and speed is not what they test).
settings.register_profile("innodex", derandomize=True, deadline=None, database=None)
settings.load_profile("innodex")

REPO = pathlib.Path(os.environ.get("INNODEX_REPO", pathlib.Path(__file__).resolve().parents[2]))


@pytest.fixture(scope="session")
def repo() -> pathlib.Path:
    """The repository root (data/, plans/, scenarios/ live there)."""
    return REPO
