"""A mixed classroom (issue 16): ``bench/load.py --hostile H`` (run by hand, not a test).

One server, the same machine, the same run: first N - H ordinary sessions alone (the clean run),
then the same N - H sessions (same seed: same arrivals and pauses) while H other sessions upload
hostile or heavy files throughout, one after another until the ordinary sessions are done. The
figure is the p95 of each ordinary step in the mixed run over its p95 in the clean run (target
<= 1.5x), and failed pages in both runs and in the uploaders' own runs (target 0).

An uploader speaks the browser's protocol: it asks the server for an upload URL
(``file_urls_request``), PUTs the file there with the XSRF cookie and header, then reruns the
page with the file uploader's new state, and waits until the run has finished (the file read and
measured, or refused). The files rotate: the review's GeoPackage whose layer is an endless view
(``gpkg_view_infinite``), a GeoPackage whose metadata under-reports 5,002 features, two crossed
combs whose dissolve takes GEOS far longer than the measuring limit, and a 199,000-corner circle
(read, measured and drawn). The combs and the circle are moved a little for every upload, so no
upload is a cache hit: each one is read and measured again.
"""
from __future__ import annotations

import asyncio
import itertools
import json
import os
import random
import sqlite3
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely
import shapely.affinity
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from _common import APP, REPO_ROOT, machine_info, md_table, median, rss_mb, start_server, write_results
from load import STEPS, RssSampler, Session, StepError, run_phase, step_stats

TARGET = 1.5  # p95 of the ordinary sessions, mixed run / clean run
XSRF_COOKIE = "_streamlit_xsrf"


# --- the files ----------------------------------------------------------------------------------
def _gpkg_bytes(build: Callable[[Path], None]) -> bytes:
    with tempfile.TemporaryDirectory(prefix="atlas-bench-") as tmp:
        path = Path(tmp) / "made.gpkg"
        build(path)
        return path.read_bytes()


def infinite_view() -> bytes:
    def build(path: Path) -> None:
        gpd.GeoDataFrame({"name": ["area"]}, geometry=[shapely.box(131, 43, 131.2, 43.2)], crs=4326).to_file(
            path, layer="area", driver="GPKG")
        with sqlite3.connect(path) as conn:
            conn.executescript(
                "CREATE VIEW loop AS WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n+1 FROM c) "
                "SELECT n AS fid, (SELECT geom FROM area LIMIT 1) AS geom, 'x' AS name FROM c;"
                "INSERT INTO gpkg_contents (table_name, data_type, identifier, srs_id) "
                "VALUES ('loop', 'features', 'loop', 4326);"
                "INSERT INTO gpkg_geometry_columns VALUES ('loop', 'geom', 'POLYGON', 4326, 0, 0);")
        conn.close()
    return _gpkg_bytes(build)


def lying_count() -> bytes:
    tiny = [shapely.Polygon([(131 + i * 1e-4, 43), (131 + i * 1e-4, 43.001), (131.0001 + i * 1e-4, 43)])
            for i in range(2501)]

    def build(path: Path) -> None:
        for layer in ("a", "b"):
            gpd.GeoDataFrame(geometry=tiny, crs=4326).to_file(path, layer=layer, driver="GPKG")
        with sqlite3.connect(path) as conn:
            conn.execute("UPDATE gpkg_ogr_contents SET feature_count = 1")
        conn.close()
    return _gpkg_bytes(build)


def _combs(teeth: int = 400) -> list[shapely.Geometry]:
    x0, y0, width, height = 131.0, 43.0, 0.5, 0.5
    step = width / teeth
    points = []
    for i in range(teeth):
        x = x0 + i * step
        points += [(x, y0), (x + step * 0.5, y0 + height), (x + step * 0.5 + 1e-9, y0 + height), (x + step, y0)]
    points += [(x0 + width, y0 - 0.01), (x0, y0 - 0.01)]
    comb = shapely.make_valid(shapely.Polygon(points))
    return [comb, shapely.affinity.rotate(comb, 90, origin=(x0 + width / 2, y0 + height / 2))]


def _circle(corners: int = 199_000) -> shapely.Geometry:
    angles = np.linspace(0, 2 * np.pi, corners, endpoint=False)
    return shapely.Polygon(np.column_stack([131.5 + 0.5 * np.cos(angles), 43.5 + 0.4 * np.sin(angles)]))


def _geojson(geoms: list[shapely.Geometry], rng: random.Random) -> bytes:
    dx, dy = rng.uniform(-0.2, 0.2), rng.uniform(-0.2, 0.2)  # a new shape each time: never a cache hit
    moved = [shapely.affinity.translate(g, dx, dy) for g in geoms]
    return json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": f"area {i}"}, "geometry": json.loads(shapely.to_geojson(g))}
        for i, g in enumerate(moved)]}).encode()


_TURNS: dict[str, itertools.count] = {}
VARIANTS = 8  # moved copies of each heavy file, made before the run: the load generator's own loop stays free


def hostile_files(seed: int) -> list[tuple[str, list[bytes]]]:
    """(file name, versions to upload in turn); built before any session starts."""
    rng = random.Random(seed)
    combs, circle = _combs(), _circle()
    return [
        ("gpkg_view_infinite.gpkg", [infinite_view()]),
        ("combs_400.geojson", [_geojson(combs, rng) for _ in range(VARIANTS)]),
        ("gpkg_2x2501_lying.gpkg", [lying_count()]),
        ("v199k.geojson", [_geojson([circle], rng) for _ in range(VARIANTS)]),
    ]


# --- an uploading session -------------------------------------------------------------------------
async def http_request(port: int, method: str, path: str, timeout: float, headers: dict[str, str] | None = None,
                       body: bytes = b"") -> tuple[int, dict[str, str]]:
    """A minimal HTTP/1.1 request on 127.0.0.1 (Connection: close): (status, lower-cased headers)."""
    reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), timeout)
    try:
        head = {"Host": f"127.0.0.1:{port}", "Accept": "*/*", "Connection": "close", **(headers or {})}
        if body or method in ("PUT", "POST"):
            head["Content-Length"] = str(len(body))
        writer.write(f"{method} {path} HTTP/1.1\r\n".encode() + "".join(f"{k}: {v}\r\n" for k, v in head.items()
                                                                         ).encode() + b"\r\n" + body)
        await writer.drain()
        data = await asyncio.wait_for(reader.read(), timeout)
    finally:
        writer.close()
    lines = data.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1]) if lines and lines[0].startswith("HTTP/") else 0
    found: dict[str, str] = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        found.setdefault(name.strip().lower(), value.strip())
    return status, found


class Uploader(Session):
    """A browser tab that uploads one hostile or heavy file after another."""

    def __init__(self, index: int, port: int, step_timeout: float) -> None:
        super().__init__(index, port, step_timeout)
        self.xsrf = ""
        self.uploads: list[tuple[str, float, str]] = []  # (file, seconds, "ok" or the error)

    async def _xsrf_cookie(self) -> None:
        status, headers = await http_request(self.port, "GET", "/_stcore/health", self.step_timeout)
        cookie = headers.get("set-cookie", "")
        if status != 200 or not cookie.startswith(XSRF_COOKIE + "="):
            raise StepError(f"no XSRF cookie from /_stcore/health (HTTP {status})")
        self.xsrf = cookie.split(";", 1)[0].split("=", 1)[1].strip('"')

    async def _upload_url(self, name: str) -> ForwardMsg:
        msg = BackMsg()
        request = msg.file_urls_request
        request.request_id = uuid.uuid4().hex
        request.file_names.append(name)
        await self.ws.send(msg.SerializeToString())
        while True:
            fwd = ForwardMsg()
            fwd.ParseFromString(await self.ws.recv())
            if fwd.WhichOneof("type") == "file_urls_response" and fwd.file_urls_response.response_id == request.request_id:
                if fwd.file_urls_response.error_msg or not fwd.file_urls_response.file_urls:
                    raise StepError(f"no upload URL: {fwd.file_urls_response.error_msg}")
                return fwd.file_urls_response.file_urls[0]

    async def upload(self, name: str, data: bytes) -> None:
        urls = await self._upload_url(name)
        boundary = uuid.uuid4().hex
        body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n"
                f"Content-Type: application/octet-stream\r\n\r\n").encode() + data + f"\r\n--{boundary}--\r\n".encode()
        status, _ = await http_request(self.port, "PUT", urls.upload_url, self.step_timeout, {
            "Content-Type": f"multipart/form-data; boundary={boundary}", "X-Xsrftoken": self.xsrf,
            "Cookie": f"{XSRF_COOKIE}={self.xsrf}"}, body)
        if status not in (200, 204):
            raise StepError(f"PUT {urls.upload_url}: HTTP {status}")
        uploader = next((w for w in self.widgets.values() if w.state.id.endswith("-user_file")), None)
        if uploader is None:
            raise StepError("no file uploader in the last run")
        state = uploader.state.file_uploader_state_value
        del state.uploaded_file_info[:]
        info = state.uploaded_file_info.add()
        info.file_id, info.name, info.size = urls.file_id, name, len(data)
        info.file_urls.CopyFrom(urls)
        msg = self._client_state(list(self.widgets.values()), self.page_hash, self.query_string)
        await self._run(msg, expect="file_uploader")  # the whole page ran: sentinel, no exception element

    async def keep_uploading(self, files: list[tuple[str, list[bytes]]], rng: random.Random,
                             done: asyncio.Event) -> None:
        try:
            await asyncio.wait_for(self._xsrf_cookie(), self.step_timeout)
            await asyncio.wait_for(self.initial_load(), self.step_timeout)
        except (StepError, OSError, asyncio.TimeoutError) as exc:
            self.errors.append(f"uploader start: {type(exc).__name__}: {exc}")
            return
        turn = self.index
        while not done.is_set():
            name, versions = files[turn % len(files)]
            data = versions[next(_TURNS.setdefault(name, itertools.count())) % len(versions)]  # shared by uploaders
            turn += 1
            start = time.perf_counter()
            try:
                await asyncio.wait_for(self.upload(name, data), self.step_timeout)
                outcome = "ok"
            except asyncio.TimeoutError:
                outcome = f"timeout after {self.step_timeout:.0f} s"
            except (StepError, OSError) as exc:
                outcome = f"{type(exc).__name__}: {exc}"
            self.uploads.append((name, time.perf_counter() - start, outcome))
            if outcome != "ok":
                self.errors.append(f"upload {name}: {outcome}")
                return
            await asyncio.sleep(rng.uniform(0.5, 1.5))


# --- the benchmark --------------------------------------------------------------------------------
def _tree_rss_mb(root: int) -> float:
    """RSS of ``root``'s descendants (the fork server and the workers), in MB."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                pass
    found, frontier = set(), {root}
    while frontier:
        frontier = {pid for pid, parent in parents.items() if parent in frontier} - found
        found |= frontier
    total = 0.0
    for pid in found:
        try:
            total += rss_mb(pid)
        except (RuntimeError, OSError):  # a worker that was just killed (a task over its limit)
            pass
    return total


async def main_async(args) -> int:
    began = time.monotonic()
    deadline = began + args.max_seconds
    info = machine_info()
    ordinary = args.sessions - args.hostile
    print("building the hostile files ...", flush=True)
    files = hostile_files(args.seed)
    server = start_server(APP, Path(tempfile.mkdtemp(prefix="atlas-load-")))
    sampler = RssSampler(server.pid)
    try:
        sampler.start()
        warm = await run_phase(server.port, 1, 0, (0, 0), args.step_timeout, deadline, args.seed)
        if warm[0].errors:
            print("warm-up failed:", warm[0].errors)
            return 1
        await asyncio.sleep(2)
        print(f"clean run: {ordinary} sessions (ramp {args.ramp:g} s, think {args.think[0]:g}-{args.think[1]:g} s) ...",
              flush=True)
        clean = await run_phase(server.port, ordinary, args.ramp, tuple(args.think), args.step_timeout, deadline,
                                args.seed + 100)
        await asyncio.sleep(2)
        rss_before = rss_mb(server.pid)
        print(f"mixed run: the same {ordinary} sessions while {args.hostile} upload hostile files ...", flush=True)
        done = asyncio.Event()
        rng = random.Random(args.seed + 7)
        uploaders = [Uploader(10_000 + i, server.port, args.step_timeout) for i in range(args.hostile)]
        tasks = [asyncio.create_task(u.keep_uploading(files, random.Random(rng.random()), done)) for u in uploaders]
        while sum(len(u.uploads) for u in uploaders) < args.hostile and time.monotonic() < deadline \
                and not all(t.done() for t in tasks):
            await asyncio.sleep(0.5)  # every uploader has finished one upload: the workers are busy
        t_mixed = sampler.now()
        workers_peak = [0.0]

        async def watch_workers() -> None:
            while not done.is_set():
                workers_peak[0] = max(workers_peak[0], _tree_rss_mb(server.pid))
                await asyncio.sleep(2)

        watcher = asyncio.create_task(watch_workers())
        mixed = await run_phase(server.port, ordinary, args.ramp, tuple(args.think), args.step_timeout, deadline,
                                args.seed + 100)
        done.set()
        await asyncio.wait(tasks, timeout=args.step_timeout)
        await watcher
        rss_peak = sampler.peak_since(t_mixed)
        await asyncio.gather(*(u.close() for u in uploaders))
    finally:
        await sampler.stop()
        server.stop()

    c_stats, m_stats = step_stats(clean), step_stats(mixed)
    ratios = {name: m_stats[name]["p95"] / c_stats[name]["p95"] for name in STEPS}
    errors = {"clean": [f"session {s.index}: {e}" for s in clean for e in s.errors],
              "mixed": [f"session {s.index}: {e}" for s in mixed for e in s.errors],
              "uploaders": [f"uploader {u.index}: {e}" for u in uploaders for e in u.errors]}
    uploads = [{"file": f, "seconds": round(s, 2), "outcome": o} for u in uploaders for f, s, o in u.uploads]
    by_file: dict[str, list[float]] = {}
    for item in uploads:
        by_file.setdefault(item["file"], []).append(item["seconds"] * 1000)
    result = {
        "benchmark": "bench/load.py --hostile", "command": " ".join([".venv/bin/python", "bench/load.py", *sys.argv[1:]]),
        "machine": info, "loadavg_at_end": [round(x, 2) for x in os.getloadavg()],
        "duration_s": round(time.monotonic() - began, 1),
        "config": {"sessions": args.sessions, "hostile": args.hostile, "ramp_s": args.ramp, "think_s": args.think,
                   "step_timeout_s": args.step_timeout, "seed": args.seed},
        "clean": c_stats, "mixed": m_stats, "p95_mixed_over_clean": ratios, "errors": errors, "uploads": uploads,
        "memory_mb": {"server_before_mixed": rss_before, "server_peak_mixed": rss_peak,
                      "workers_peak_mixed": workers_peak[0]},
        "targets": {"p95_mixed_over_clean": TARGET, "failed_pages": 0},
    }
    path = write_results(result, "-load-hostile")

    def ok(flag: bool) -> str:
        return "yes" if flag else "**no**"

    rows = [[name, f"{c_stats[name]['p50']:,.0f}", f"{c_stats[name]['p95']:,.0f}", f"{m_stats[name]['p50']:,.0f}",
             f"{m_stats[name]['p95']:,.0f}", f"{ratios[name]:.2f}x", ok(ratios[name] <= TARGET)] for name in STEPS]
    print()
    print(md_table(["interaction (ms)", "clean p50", "clean p95", "mixed p50", "mixed p95", "p95 mixed / clean",
                    f"<= {TARGET:g}x"], rows))
    print()
    failed = sum(len(v) for v in errors.values())
    print(md_table(["measure", "value", "target", "met"], [
        ["failed pages / steps (clean, mixed, uploaders)",
         f"{len(errors['clean'])}, {len(errors['mixed'])}, {len(errors['uploaders'])}", "0", ok(not failed)],
        ["uploads during the mixed run (all files)", f"{len(uploads)}", "", ""],
        *[[f"upload + page run, {name} (median / max ms, n)",
           f"{median(v):,.0f} / {max(v):,.0f}, {len(v)}", "", ""] for name, v in sorted(by_file.items())],
        ["server RSS before / peak in the mixed run; workers' peak (MB)",
         f"{rss_before:.0f} / {rss_peak:.0f}; {workers_peak[0]:.0f}", "", ""],
    ]))
    for line in [*errors["clean"], *errors["mixed"], *errors["uploaders"]][:10]:
        print("error:", line)
    print(f"\nload average {info['loadavg_at_start']} -> {result['loadavg_at_end']}; {result['duration_s']} s")
    print(f"results: {path.relative_to(REPO_ROOT)}")
    return 0
