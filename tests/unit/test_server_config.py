"""The start command and the size limits in .streamlit/config.toml agree with what the code enforces."""
from __future__ import annotations

import tomllib
from pathlib import Path

from dashboard.__main__ import DEFAULT_ADDRESS, SERVER_SCRIPT, streamlit_args
from dashboard.core.paths import REPO_ROOT
from dashboard.upload import MAX_UPLOAD_BYTES

MIB = 1024 * 1024
CONFIG = tomllib.loads((REPO_ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))


def test_the_start_command_serves_the_guarded_app_on_this_computer_unless_told() -> None:
    assert streamlit_args([], environ={}) == ["run", str(SERVER_SCRIPT), "--server.address", DEFAULT_ADDRESS]
    assert DEFAULT_ADDRESS == "127.0.0.1"
    lan = streamlit_args(["--server.address", "0.0.0.0", "--server.port", "8600"], environ={})
    assert lan == ["run", str(SERVER_SCRIPT), "--server.address", "0.0.0.0", "--server.port", "8600"]
    assert streamlit_args(["--server.address=::1"], environ={})[2:] == ["--server.address=::1"]
    assert "--server.address" not in streamlit_args([], environ={"STREAMLIT_SERVER_ADDRESS": "0.0.0.0"})


def test_streamlit_finds_the_asgi_app_in_the_server_script() -> None:
    from streamlit.web.server.app_discovery import discover_asgi_app

    found = discover_asgi_app(Path(SERVER_SCRIPT))
    assert found.is_asgi_app and found.import_string == "server:app"


def test_the_upload_limits_fit_together() -> None:
    """The widget refuses above MAX_UPLOAD_BYTES in the browser; the endpoint's limit (file + multipart
    framing, in MiB) must take every such file; the help text names the same number."""
    assert MAX_UPLOAD_BYTES % MIB == 0, "the widget's limit is a whole number of MiB"
    endpoint = CONFIG["server"]["maxUploadSize"] * MIB
    assert MAX_UPLOAD_BYTES + 64 * 1024 <= endpoint <= MAX_UPLOAD_BYTES + 2 * MIB


def test_max_message_size_is_set_explicitly_and_small() -> None:
    assert 10 <= CONFIG["server"]["maxMessageSize"] <= 50  # MB; Streamlit's default is 200


def test_the_server_stops_its_worker_processes_when_it_shuts_down() -> None:
    """uvicorn re-raises SIGTERM after its shutdown, so exit handlers never join the app's workers: the
    server's lifespan stops them (before the fix every stopped server left a ~200 MB worker behind)."""
    import subprocess
    import sys

    code = ("import asyncio, multiprocessing, time\n"
            "from dashboard.server import stop_worker_processes\n"
            "if __name__ == '__main__':\n"
            "    worker = multiprocessing.get_context('spawn').Process(target=time.sleep, args=(120,))\n"
            "    worker.start()\n"
            "    async def serve():\n"
            "        async with stop_worker_processes(None):\n"
            "            pass\n"
            "    asyncio.run(serve())\n"
            "    print(worker.exitcode)\n")
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, timeout=120)
    assert result.stdout.strip().splitlines()[-1] == "-15", result.stderr[-800:]
