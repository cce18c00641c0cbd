"""Shared fixtures: where the repository's data files are, also when the tests run against an
installed wheel from a copy of this directory (scripts/test-wheel.sh sets INNODEX_REPO)."""

import os
import pathlib

import pytest

REPO = pathlib.Path(os.environ.get("INNODEX_REPO", pathlib.Path(__file__).resolve().parents[2]))


@pytest.fixture(scope="session")
def repo() -> pathlib.Path:
    """The repository root (data/, plans/, scenarios/ live there)."""
    return REPO
