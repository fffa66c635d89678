"""Shared fixtures for the framework registry tests (no Flask app needed)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
FRAMEWORKS_DIR = REPO_ROOT / "frameworks"
FIXTURES_DIR = Path(__file__).resolve().parent / "fixtures"
S5_DIR = FIXTURES_DIR / "s5"


@pytest.fixture
def library_copy(tmp_path: Path) -> Path:
    """A throwaway copy of the shipped frameworks directory (with its lock)."""
    target = tmp_path / "frameworks"
    shutil.copytree(FRAMEWORKS_DIR, target)
    return target


@pytest.fixture
def s5_copy(tmp_path: Path) -> Path:
    """A throwaway copy of the scenario S5 library (demo-framework 1 and 2, with lock)."""
    target = tmp_path / "s5"
    shutil.copytree(S5_DIR, target)
    return target


@pytest.fixture
def frameworks_dir() -> Path:
    """The shipped frameworks directory, found from this file (not from the working dir)."""
    return FRAMEWORKS_DIR


@pytest.fixture
def s5_dir() -> Path:
    return S5_DIR
