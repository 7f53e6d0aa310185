"""A replica pool on this computer: N atlas replicas behind nginx, all on 127.0.0.1 (``make pool``).

    .venv/bin/python deploy/pool.py --replicas 2 --port 8080 [--lesson build/lesson]

Each replica is the one start command (``python -m dashboard``) on its own port (8601, 8602, ... by
default); nginx (the Debian package) serves the static files and balances with cookie affinity
(deploy/nginx_conf.py). Ctrl-C stops everything. The deploy tests and ``bench/pool_load.py`` start pools
through ``Pool`` below. Loopback only: the pool refuses any other address.
"""
from __future__ import annotations

import argparse
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parent
sys.path.insert(0, str(REPO_ROOT / "bench"))
sys.path.insert(0, str(HERE))

from _common import APP, Server, descendant_cpu, free_port, start_server  # noqa: E402
from nginx_conf import FAIL_TIMEOUT_S, PoolLayout, render  # noqa: E402

LOOPBACK = "127.0.0.1"
NGINX_CANDIDATES = ("/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/bin/nginx")
INSTALL_HINT = "install it with `bash scripts/ensure_nginx.sh` (Debian package `nginx`)"


class NginxMissing(RuntimeError):
    pass


def find_nginx() -> str:
    """Path of the nginx binary (``ATLAS_NGINX`` overrides); NginxMissing says how to install it."""
    candidates = [os.environ["ATLAS_NGINX"]] if os.environ.get("ATLAS_NGINX") else []
    candidates += [shutil.which("nginx") or "", *NGINX_CANDIDATES]
    for candidate in candidates:
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    raise NginxMissing(f"nginx not found: {INSTALL_HINT}")


def descendants(pid: int) -> list[int]:
    """Every live process below ``pid`` (from /proc)."""
    return sorted(descendant_cpu(pid, ""))


def streamlit_static_dir() -> Path:
    import streamlit

    return Path(streamlit.__file__).resolve().parent / "static"


@dataclass
class Pool:
    """Replicas (``bench/_common.Server``) and the nginx in front of them."""

    run_dir: Path
    port: int
    replicas: list[Server] = field(default_factory=list)
    replica_ports: list[int] = field(default_factory=list)
    nginx: subprocess.Popen | None = None
    env: dict[str, str] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    @property
    def access_log(self) -> Path:
        return self.run_dir / "access.log"

    def replica_index(self, port: int) -> int:
        return self.replica_ports.index(port)

    # --- replicas ------------------------------------------------------------------------------

    def _start_replica(self, index: int) -> Server:
        env = {**self.env, "ATLAS_REPLICA_ID": f"r{index + 1}"}  # the balancer's cookie names it
        server = start_server(APP, self.run_dir / "replicas", env=env, port=self.replica_ports[index])
        if index < len(self.replicas):
            self.replicas[index] = server
        else:
            self.replicas.append(server)
        return server

    def kill(self, index: int) -> None:
        """SIGKILL one replica and its worker processes (a crashed container): no goodbye to its browsers."""
        process = self.replicas[index].process
        family = descendants(process.pid)
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)
        for pid in family:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def restart(self, index: int) -> Server:
        """Stop one replica (SIGTERM: it closes its websockets, browsers reconnect elsewhere), start it again."""
        self.replicas[index].stop()
        return self._start_replica(index)

    def rolling_restart(self, pause: float = FAIL_TIMEOUT_S + 1.0) -> None:
        """Restart every replica in turn, each healthy again before the next stops.

        ``pause``: after a replica is back, wait until nginx tries it again (it skips a replica that
        refused a connection for ``FAIL_TIMEOUT_S``); stopping the next one sooner leaves nginx with no
        replica it believes alive, and it answers 502.
        """
        for index in range(len(self.replicas)):
            self.restart(index)
            time.sleep(pause)

    # --- lifecycle -----------------------------------------------------------------------------

    def stop(self) -> None:
        if self.nginx is not None and self.nginx.poll() is None:
            self.nginx.send_signal(signal.SIGQUIT)  # graceful: finish requests, then exit
            try:
                self.nginx.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.nginx.kill()
                self.nginx.wait(timeout=5)
        for server in self.replicas:
            server.stop()


def start_pool(replicas: int = 2, port: int | None = None, lesson: Path | None = None,
               replica_ports: list[int] | None = None, run_dir: Path | None = None,
               timeout: float = 120.0) -> Pool:
    """Start ``replicas`` atlas replicas and nginx on 127.0.0.1; return when nginx answers through them."""
    if not 1 <= replicas <= 16:
        raise ValueError("between 1 and 16 replicas")
    nginx_bin = find_nginx()
    run = run_dir or Path(tempfile.mkdtemp(prefix="atlas-pool-"))
    run.mkdir(parents=True, exist_ok=True)
    run.chmod(0o755)  # nginx workers (nobody, when started as root) create their temp folders here
    ports = replica_ports or [free_port() for _ in range(replicas)]
    # One cookie secret for every replica: a browser that moves to another replica keeps valid cookies.
    env = {"STREAMLIT_SERVER_COOKIE_SECRET": secrets.token_hex(32)}
    pool = Pool(run_dir=run, port=port or free_port(), replica_ports=ports, env=env)
    try:
        for index in range(replicas):
            pool._start_replica(index)
        layout = PoolLayout(replicas=tuple(f"{LOOPBACK}:{p}" for p in ports), listen=f"{LOOPBACK}:{pool.port}",
                            vendor_root=REPO_ROOT / "dashboard" / "static", streamlit_static=streamlit_static_dir(),
                            lesson_root=(lesson or REPO_ROOT / "build" / "lesson").resolve(), run_dir=run)
        conf = run / "nginx.conf"
        conf.write_text(render(layout), encoding="utf-8")
        check = subprocess.run([nginx_bin, "-t", "-q", "-p", str(run), "-c", str(conf), "-e", str(run / "error.log")],
                               capture_output=True, text=True, timeout=30)
        if check.returncode != 0:
            raise RuntimeError(f"nginx -t refused {conf}:\n{check.stderr}")
        with (run / "nginx.out").open("wb") as out:
            pool.nginx = subprocess.Popen([nginx_bin, "-p", str(run), "-c", str(conf), "-e", str(run / "error.log"),
                                           "-g", "daemon off;"], stdout=out, stderr=subprocess.STDOUT,
                                          stdin=subprocess.DEVNULL)
        _wait_healthy(pool, timeout)
    except BaseException:
        pool.stop()
        raise
    return pool


def _wait_healthy(pool: Pool, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if pool.nginx is not None and pool.nginx.poll() is not None:
            raise RuntimeError("nginx exited:\n" + (pool.run_dir / "error.log").read_text(errors="replace")[-2000:])
        try:
            with urllib.request.urlopen(pool.url + "/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"the pool at {pool.url} was not healthy after {timeout:.0f} s")
        time.sleep(0.1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--replicas", type=int, default=2, help="app replicas (default 2)")
    parser.add_argument("--port", type=int, default=8080, help="the balancer's port on 127.0.0.1 (default 8080)")
    parser.add_argument("--first-replica-port", type=int, default=8601,
                        help="replica ports count up from here (default 8601)")
    parser.add_argument("--lesson", type=Path, default=None,
                        help="static lesson folder served at /lesson/ (default build/lesson)")
    args = parser.parse_args(argv)
    ports = [args.first_replica_port + i for i in range(args.replicas)]
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # stop the pool as Ctrl-C does
    try:
        pool = start_pool(args.replicas, args.port, args.lesson, replica_ports=ports,
                          run_dir=Path(tempfile.mkdtemp(prefix="atlas-pool-")))
    except NginxMissing as missing:
        print(f"pool: {missing}", file=sys.stderr)
        return 1
    print(f"The atlas: {pool.url}  (replicas on {', '.join(f'{LOOPBACK}:{p}' for p in ports)}; "
          f"static lesson at {pool.url}/lesson/)\nLogs: {pool.run_dir}. Ctrl-C stops the pool.", flush=True)
    try:
        while all(server.process.poll() is None for server in pool.replicas) and pool.nginx.poll() is None:
            time.sleep(1)
        print("pool: a process exited; stopping the pool", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        pool.stop()


if __name__ == "__main__":
    sys.exit(main())
