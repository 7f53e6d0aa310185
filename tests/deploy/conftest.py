"""Deploy tests: the server's own defences and the replica pool behind nginx (deploy/). Loopback only.

Browser fixtures are the e2e suite's (system Chromium through Playwright, never ``playwright install``).
"""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parents[1]
for folder in (REPO_ROOT / "bench", REPO_ROOT / "deploy", REPO_ROOT / "tests" / "e2e", HERE):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

_spec = importlib.util.spec_from_file_location("e2e_fixtures", REPO_ROOT / "tests" / "e2e" / "conftest.py")
_e2e = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_e2e)
browser_type_launch_args = _e2e.browser_type_launch_args
browser_context_args = _e2e.browser_context_args
offline_page = _e2e.offline_page


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.deploy)
