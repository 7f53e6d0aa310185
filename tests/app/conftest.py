"""Fixtures for AppTest tests."""
from __future__ import annotations

import pytest


@pytest.fixture
def broken_data(data_copy, monkeypatch):
    """Point the app at a data copy (tests break files in it)."""
    monkeypatch.setenv("ATLAS_DATA_DIR", str(data_copy))
    return data_copy
