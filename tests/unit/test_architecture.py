"""The core is pure: importing every dashboard.core module (and the upload reader) never loads Streamlit."""
from __future__ import annotations

import subprocess
import sys

from dashboard.core.paths import PACKAGE_DIR, REPO_ROOT

PURE = sorted(f"dashboard.core.{p.stem}" for p in (PACKAGE_DIR / "core").glob("*.py") if p.stem != "__init__")
PURE += sorted(f"dashboard.core.media.{p.stem}" for p in (PACKAGE_DIR / "core" / "media").glob("*.py")
               if p.stem not in ("__init__", "__main__"))
PURE += ["dashboard.upload", "dashboard.export"]


def test_core_modules_never_import_streamlit() -> None:
    code = ("import sys, importlib\n"
            f"for name in {PURE!r}: importlib.import_module(name)\n"
            "leaked = sorted(m for m in sys.modules if m == 'streamlit' or m.startswith('streamlit.'))\n"
            "print(leaked); sys.exit(1 if leaked else 0)\n")
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, f"streamlit imported by the core: {result.stdout} {result.stderr[-500:]}"
    assert len(PURE) >= 14


def test_no_legacy_pages_folder_beside_the_entry_script() -> None:
    """Streamlit registers a ``pages/`` folder next to the entry script as legacy pages as well: after a
    server restart an open tab's next click would show that raw file list (the security review's F5)."""
    assert not (PACKAGE_DIR / "pages").exists()
    assert sorted(p.stem for p in (PACKAGE_DIR / "views").glob("*.py") if p.stem != "__init__") == [
        "classroom", "compare", "explore", "population", "sources"]
