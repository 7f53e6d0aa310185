"""The uploader states and enforces the same limit as the reader (MAX_UPLOAD_BYTES)."""
from __future__ import annotations

from app_helpers import run_app

from dashboard.upload import MAX_UPLOAD_BYTES


def test_the_uploader_refuses_in_the_browser_above_the_stated_limit() -> None:
    at = run_app()
    uploader = at.get("file_uploader")[0]
    mib = MAX_UPLOAD_BYTES // (1024 * 1024)
    assert uploader.proto.max_upload_size_mb == mib  # the browser refuses bigger files itself
    assert f"{mib} MB" in uploader.proto.help
