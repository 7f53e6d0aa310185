"""Shared helpers for the hand-run benchmarks (bench/run.py, bench/load.py). Not tests.

Streamlit servers are started here for the benchmarks and the e2e tests (tests/e2e/conftest.py): from
the repo root, on 127.0.0.1 and a free port, headless, static serving on, file watcher off. All
traffic stays on 127.0.0.1. Process figures (RSS, CPU time) come from /proc (Linux only).
"""
from __future__ import annotations

import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlsplit

REPO_ROOT = Path(__file__).resolve().parents[1]
RESULTS_DIR = REPO_ROOT / "bench" / "results"  # gitignored
APP = REPO_ROOT / "dashboard" / "app.py"
BASELINE_APP = REPO_ROOT / "bench" / "baseline_app.py"
SERVER_START_TIMEOUT = 90.0
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    script: Path
    process: subprocess.Popen
    port: int
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        return self.process.pid

    def rss_mb(self) -> float:
        return rss_mb(self.pid)

    def cpu_seconds(self) -> float:
        return cpu_seconds(self.pid)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)


def is_local(url: str) -> bool:
    """True for URLs that stay on this machine (and for data:, blob:, about: and error pages)."""
    parts = urlsplit(url)
    if parts.scheme in {"data", "blob", "about", "chrome-error"}:
        return True
    return (parts.hostname or "") in LOCAL_HOSTS


def server_command(script: Path) -> list[str]:
    """The command that serves ``script``: the atlas through its own start command (``python -m dashboard``,
    the request guard in front), any other script (bare baselines, test apps) with ``streamlit run``."""
    if script.resolve() == APP:
        return [sys.executable, "-m", "dashboard"]
    return [sys.executable, "-m", "streamlit", "run", str(script)]


def start_server(script: Path, logdir: Path, timeout: float = SERVER_START_TIMEOUT,
                 address: str | None = "127.0.0.1", env: dict[str, str] | None = None,
                 port: int | None = None) -> Server:
    """``server_command(script)`` from the repo root (its .streamlit/config.toml applies), on
    127.0.0.1 and a free port, headless, static serving on, file watcher off; waits until healthy.

    The e2e tests (tests/e2e/conftest.py) and the benchmarks both start their servers here.
    ``address=None`` leaves the address to the start command's default; ``env`` adds environment variables;
    ``port`` (default: a free one) is for a replica restarted on its old port.
    """
    port = port or free_port()
    logdir.mkdir(parents=True, exist_ok=True)
    log = logdir / f"{script.stem}-{port}.log"
    cmd = [
        *server_command(script),
        "--server.headless", "true",
        *(["--server.address", address] if address else []),
        "--server.port", str(port),
        "--server.enableStaticServing", "true",
        "--server.fileWatcherType", "none",
        "--browser.gatherUsageStats", "false",
    ]  # fmt: skip
    env = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}
    with log.open("wb") as out:
        process = subprocess.Popen(cmd, cwd=REPO_ROOT, stdout=out, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL, env=env)
    server = Server(script, process, port, log)
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"streamlit run {script} exited with {process.returncode}:\n"
                               + log.read_text(errors="replace"))
        try:
            with urllib.request.urlopen(server.url + "/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return server
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
            pass
        if time.monotonic() > deadline:
            server.stop()
            raise RuntimeError(f"streamlit run {script} not healthy after {timeout:.0f} s:\n"
                               + log.read_text(errors="replace"))
        time.sleep(0.1)


# --- /proc ------------------------------------------------------------------------------------


def rss_mb(pid: int) -> float:
    """Resident set size (VmRSS) of one process, in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for pid {pid}")


def cpu_seconds(pid: int) -> float:
    """utime + stime of one process (all its threads), in seconds."""
    raw = Path(f"/proc/{pid}/stat").read_text()
    fields = raw[raw.rindex(")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def _process_table() -> dict[int, tuple[int, str]]:
    table: dict[int, tuple[int, str]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            raw = (entry / "stat").read_text()
        except OSError:
            continue
        comm = raw[raw.index("(") + 1: raw.rindex(")")]
        ppid = int(raw[raw.rindex(")") + 2:].split()[1])
        table[int(entry.name)] = (ppid, comm)
    return table


def descendant_cpu(root: int, comm_prefix: str) -> dict[int, float]:
    """CPU seconds of each live descendant of ``root`` whose name starts with ``comm_prefix``."""
    table = _process_table()
    children: dict[int, list[int]] = {}
    for pid, (ppid, _) in table.items():
        children.setdefault(ppid, []).append(pid)
    out: dict[int, float] = {}
    stack = list(children.get(root, []))
    while stack:
        pid = stack.pop()
        stack.extend(children.get(pid, []))
        if table[pid][1].startswith(comm_prefix):
            try:
                out[pid] = cpu_seconds(pid)
            except OSError:
                pass
    return out


def cpu_delta(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU spent between two descendant_cpu() snapshots by the processes alive at the second one."""
    return sum(value - before.get(pid, 0.0) for pid, value in after.items())


# --- statistics and output -----------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100); NaN for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * q // 100))  # ceil(n*q/100), at least 1
    return ordered[int(rank) - 1]


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def machine_info() -> dict[str, object]:
    from importlib.metadata import version

    load = os.getloadavg()

    return {
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "streamlit": version("streamlit"),
        "streamlit_folium": version("streamlit-folium"),
        "folium": version("folium"),
        "loadavg_at_start": [round(x, 2) for x in load],
    }


def timestamp() -> str:
    return datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def write_results(data: dict, suffix: str = "") -> Path:
    """bench/results/<UTC timestamp><suffix>.json (the folder is gitignored)."""
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"{timestamp()}{suffix}.json"
    path.write_text(json.dumps(data, indent=2, default=str) + "\n")
    return path


def md_table(headers: list[str], rows: list[list[object]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)
