"""Classroom load generator (run by hand: ``.venv/bin/python bench/load.py``). Not a test.

Starts ONE atlas server (``python -m dashboard``) on 127.0.0.1 and drives it with N concurrent
sessions (default 40), after a single-session reference measured in the same run. With
``--url http://127.0.0.1:PORT`` it drives a server or the deploy/ balancer that is already running
instead (sessions keep cookies, so the balancer's affinity holds; no memory/CPU figures, adds the
throughput); ``bench/pool_load.py`` uses it for 2 replicas against 1. Each session:

1. initial load -- GET / (index.html), /_stcore/health and /_stcore/host-config, open the
   websocket and run the Explore page: its map-first run, then (the "map drawn" report the browser
   would send, sent at once) the run that draws the rest of the page,
2. era change 1 and 3. era change 2 -- pick the era one step left on the era control (the widget states
   the browser would send: every widget of the last run, the era element's state). The control is
   in a fragment, so like the browser this asks for a fragment rerun (``fragment_id``),
4. population page -- the sidebar link (a rerun with the Population page's script hash).

Sessions are Streamlit's own websocket protocol, not browsers: each step sends the BackMsg
``rerun_script`` (a ClientState with the widget states, page hash, query string and cached message
hashes, exactly as Streamlit's frontend sends them -- captured from Chromium while writing this)
over ws://127.0.0.1:PORT/_stcore/stream and times it until the ForwardMsg ``script_finished``.
Why not 40 headless Chromium pages: on this 2-core machine one page load of the atlas costs the
browser ~3-4 s of CPU (bench/run.py measures it: "browser CPU per page load"), 2-3x the server's
share, so 40 browsers would saturate both cores by themselves and the numbers would describe
Chromium's scheduling, not the server. A classroom stresses the server: one Python process whose
script runs share one GIL. Browser-side cost is what bench/run.py measures, one page at a time.

Each step checks the run really worked: script_finished "successfully", no exception element,
the ``atlas-ready`` sentinel received (not for a fragment run: it is outside), and the step's main
element (Explore: the st_folium component; era change: the era control, alone in its fragment;
Population: the Vega-Lite chart). Anything else, a closed socket or a step timeout
is an error. Sessions arrive over ``--ramp`` seconds and pause ``--think`` seconds between steps
(students read before they click); ``--ramp 0 --think 0 0`` is a worst-case burst.

Memory: the server's VmRSS (/proc/<pid>/status), sampled every 0.25 s: the baseline just before
the N sessions start (server warm, reference sessions done), the peak, with all N sessions done
but still connected (tabs left open), and after they disconnected. Per session:
(RSS with N sessions connected - baseline) / N.

Bounded: per-step timeout (--step-timeout), a global deadline (--max-seconds) after which
unfinished sessions are cancelled and counted as errors, and a fixed number of sessions.
Results: bench/results/<timestamp>-load.json (gitignored) and Markdown tables on stdout.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ClientState_pb2 import ClientState
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (  # noqa: E402
    APP, REPO_ROOT, cpu_seconds, machine_info, md_table, median, percentile, rss_mb, start_server, write_results,
)

if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))
from dashboard.ui.era_control import DRAWN as DRAWN_EVENT, NAME as ERA_ELEMENT  # noqa: E402

LOOPBACK_HOSTS = {"127.0.0.1", "::1", "localhost"}
STEPS = ("initial load", "era change 1", "era change 2", "population page")
SENTINEL = "atlas-ready"
LATENCY_TARGET = 3.0  # p95 with N sessions <= 3x the single-session median
MEMORY_TARGET_MB = 10.0
FINISHED_OK = {ForwardMsg.FINISHED_SUCCESSFULLY, ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY}


class StepError(Exception):
    pass


@dataclass
class Widget:
    state: WidgetState
    script_hash: str  # the script (main app or page) that created it
    options: list[str] = field(default_factory=list)  # select_slider options (labels)


@dataclass
class RunResult:
    elements: set[str]
    sentinel: bool
    exception: str | None
    bytes: int
    messages: int


async def http_get(host: str, port: int, path: str, timeout: float, cookies: dict[str, str] | None = None) -> int:
    """A minimal HTTP/1.1 GET on loopback (Connection: close); returns the status, reads the body.

    ``cookies``: sent with the request and updated from its ``Set-Cookie`` headers, as a browser keeps
    them (a balancer's affinity cookie must travel with every later request and the websocket).
    """
    if host not in LOOPBACK_HOSTS:
        raise ValueError(f"loopback only, not {host!r}")
    reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout)
    jar = cookies if cookies is not None else {}
    cookie_line = f"Cookie: {'; '.join(f'{k}={v}' for k, v in jar.items())}\r\n" if jar else ""
    try:
        writer.write(f"GET {path} HTTP/1.1\r\nHost: {host_header(host, port)}\r\nAccept: */*\r\n"
                     f"Accept-Encoding: gzip\r\n{cookie_line}Connection: close\r\n\r\n".encode())
        await writer.drain()
        data = await asyncio.wait_for(reader.read(), timeout)
    finally:
        writer.close()
    head = data.split(b"\r\n\r\n", 1)[0].decode("latin-1")
    for line in head.split("\r\n")[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "set-cookie":
            pair = value.strip().split(";", 1)[0]
            key, _, cookie = pair.partition("=")
            jar[key.strip()] = cookie.strip()
    return int(data.split(b" ", 2)[1]) if data.startswith(b"HTTP/") else 0


def host_header(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


class Session:
    """One browser tab, speaking Streamlit's websocket protocol."""

    def __init__(self, index: int, port: int, step_timeout: float, host: str = "127.0.0.1") -> None:
        self.index = index
        self.host = host
        self.port = port
        self.step_timeout = step_timeout
        self.cookies: dict[str, str] = {}  # kept like a browser's (a balancer's affinity cookie)
        self.session_id = ""  # the server's id for this session (uploads name it)
        self.ws = None
        self.widgets: dict[str, Widget] = {}
        self.fragments: dict[str, str] = {}  # widget id -> id of the fragment that drew it
        self.pages: dict[str, str] = {}  # url_pathname -> page_script_hash
        self.page_hash = ""
        self.main_hash = ""
        self.query_string = ""
        self.cached: list[set[str]] = []  # hashes of cacheable messages, one set per recent run
        self.cached_kinds: dict[str, str] = {}  # hash -> element kind of a cacheable delta
        self.max_cache_age = 2
        self.times: dict[str, float] = {}
        self.errors: list[str] = []
        self.bytes = 0
        self.report_drawn_id = ""  # an era-sync element that asks to be told when the map is drawn

    # --- protocol ------------------------------------------------------------------------------

    def _client_state(self, widgets: list[Widget], page_hash: str, query: str, fragment_id: str = "") -> BackMsg:
        msg = BackMsg()
        state: ClientState = msg.rerun_script
        state.SetInParent()
        if query:
            state.query_string = query
        if fragment_id:
            state.fragment_id = fragment_id  # a widget inside a fragment reruns only that fragment
        for widget in widgets:
            state.widget_states.widgets.add().CopyFrom(widget.state)
        if page_hash:
            state.page_script_hash = page_hash
        state.cached_message_hashes.extend(sorted(set().union(*self.cached)) if self.cached else [])
        info = state.context_info
        info.timezone, info.timezone_offset, info.locale = "UTC", 0, "en-US"
        info.url, info.is_embedded, info.color_scheme = f"http://{host_header(self.host, self.port)}/", False, "light"
        return msg

    def _widget_from(self, element, script_hash: str) -> Widget | None:
        """The state the browser would send for a widget element (None: it sends nothing for it).

        Like the frontend: a value the server set (``set_value``) wins; otherwise the client's own
        last value for that widget id stays; a new widget starts at its default.
        """
        kind = element.WhichOneof("type")
        proto = getattr(element, kind, None) if kind else None
        widget_id = getattr(proto, "id", "") if proto is not None else ""
        if not widget_id:
            return None
        known = self.widgets.get(widget_id)
        server_set = bool(getattr(proto, "set_value", False))
        state = WidgetState(id=widget_id)
        options: list[str] = []
        if kind == "selectbox":
            state.string_value = proto.raw_value if proto.HasField("raw_value") else proto.options[proto.default]
        elif kind == "checkbox":
            state.bool_value = proto.value if proto.set_value else proto.default
        elif kind == "multiselect":
            state.string_array_value.data.extend(proto.raw_values)
        elif kind == "slider" and proto.type == proto.SELECT_SLIDER:
            options = list(proto.options)
            state.string_array_value.data.extend(list(proto.raw_value) or [options[int(proto.default[0])]])
        elif kind == "file_uploader":
            state.file_uploader_state_value.SetInParent()
        elif kind == "bidi_component" and proto.component_name == ERA_ELEMENT and '"tracks": [{' in proto.json:
            data = json.loads(proto.json)  # the era element: its state is the era of each track
            options = [era["id"] for era in data["eras"]]
            state.json_value = json.dumps({track["name"]: track["value"] for track in data["tracks"]})
        else:
            return None  # buttons, dataframes without selection, ...: the browser sends nothing either
        if known is not None and not server_set:
            state = known.state
        return Widget(state, script_hash, options)

    async def _run(self, msg: BackMsg, expect: str, fragment: bool = False, finished: bool = True) -> RunResult:
        """Send one BackMsg and read ForwardMsgs until the script (or fragment) run finished.

        A fragment run sends only the fragment's elements: the sentinel (outside it) is not expected,
        and the other widgets keep their states, as in the browser. ``finished=False``: a run that
        is not the page's last (Explore's map-first run), so no sentinel either.
        """
        await self.ws.send(msg.SerializeToString())
        seen_elements: set[str] = set()
        sentinel, exception = False, None
        run_hashes: set[str] = set()
        widgets: dict[str, Widget] = {}
        size = count = 0
        while True:
            data = await self.ws.recv()
            size += len(data)
            count += 1
            fwd = ForwardMsg()
            fwd.ParseFromString(data)
            if fwd.metadata.cacheable and fwd.hash:
                run_hashes.add(fwd.hash)
            kind = fwd.WhichOneof("type")
            if kind == "ref_hash":
                # A message we said we had cached (e.g. the map of an era seen one run ago): the
                # browser reuses its copy.
                if fwd.ref_hash not in self.cached_kinds:
                    raise StepError(f"ref_hash {fwd.ref_hash} for a message this client never received")
                run_hashes.add(fwd.ref_hash)
                seen_elements.add(self.cached_kinds[fwd.ref_hash])
                continue
            if kind == "new_session":
                self.session_id = fwd.new_session.initialize.session_id
                self.max_cache_age = fwd.new_session.config.max_cached_message_age or 2
                self.main_hash = self.main_hash or fwd.new_session.main_script_hash
            elif kind == "navigation":
                self.pages = {p.url_pathname or "": p.page_script_hash for p in fwd.navigation.app_pages}
                self.page_hash = fwd.navigation.page_script_hash
            elif kind == "page_info_changed":
                self.query_string = fwd.page_info_changed.query_string
            elif kind == "page_not_found":
                raise StepError(f"page not found: {fwd.page_not_found.page_name!r}")
            elif kind == "delta" and fwd.delta.WhichOneof("type") == "new_element":
                element = fwd.delta.new_element
                element_kind = element.WhichOneof("type") or ""
                seen_elements.add(element_kind)
                if fwd.metadata.cacheable and fwd.hash:
                    self.cached_kinds[fwd.hash] = element_kind
                if element_kind == "markdown" and SENTINEL in element.markdown.body \
                        and "<style>" not in element.markdown.body:
                    sentinel = True
                elif element_kind == "bidi_component" and element.bidi_component.component_name == ERA_ELEMENT \
                        and json.loads(element.bidi_component.json or "{}").get("report_drawn"):
                    self.report_drawn_id = element.bidi_component.id
                elif element_kind == "exception":
                    exception = f"{element.exception.type}: {element.exception.message}"[:300]
                widget = self._widget_from(element, fwd.metadata.active_script_hash)
                if widget is not None:
                    widgets[widget.state.id] = widget
                    if fwd.delta.fragment_id:
                        self.fragments[widget.state.id] = fwd.delta.fragment_id
            elif kind == "script_finished":
                status = fwd.script_finished
                if status == ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                    continue  # e.g. st.switch_page: the rerun follows on the same socket
                if status not in FINISHED_OK:
                    raise StepError(f"script_finished status {status}")
                break
        self.bytes += size
        self.cached = (self.cached + [run_hashes])[-self.max_cache_age:]
        self.widgets = {**self.widgets, **widgets} if fragment else widgets
        if exception:
            raise StepError(f"exception element: {exception}")
        if not sentinel and not fragment and finished:
            raise StepError("no atlas-ready sentinel in the run")
        if expect not in seen_elements:
            raise StepError(f"no {expect} element in the run (got {sorted(seen_elements)})")
        return RunResult(seen_elements, sentinel, exception, size, count)

    # --- the scenario ---------------------------------------------------------------------------

    async def initial_load(self) -> None:
        for path in ("/", "/_stcore/health", "/_stcore/host-config"):
            status = await http_get(self.host, self.port, path, self.step_timeout, self.cookies)
            if status != 200:
                raise StepError(f"GET {path}: HTTP {status}")
        cookie = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())} if self.cookies else None
        self.ws = await websockets.connect(f"ws://{host_header(self.host, self.port)}/_stcore/stream",
                                           subprotocols=["streamlit"], additional_headers=cookie,
                                           max_size=None, open_timeout=self.step_timeout, ping_interval=None)
        first = await self._run(self._client_state([], "", ""), expect="component_instance", finished=False)
        if self.report_drawn_id:
            # Explore sent its map alone and asks to hear when it is drawn (dashboard/ui/state.py,
            # map_first_pass). A browser reports after drawing it; this client reports at once, so
            # the server does the same two runs. The page is loaded when the second has finished.
            msg = self._client_state(list(self.widgets.values()), self.page_hash, self.query_string)
            trigger = msg.rerun_script.widget_states.widgets.add()
            trigger.id = f"$$STREAMLIT_INTERNAL_KEY_{self.report_drawn_id}__events"
            trigger.json_trigger_value = json.dumps([{"event": DRAWN_EVENT, "value": True}])
            self.report_drawn_id = ""
            await self._run(msg, expect="multiselect")
        elif not first.sentinel:
            raise StepError("no atlas-ready sentinel in the run")

    async def era_change(self) -> None:
        era = next((w for w in self.widgets.values() if w.state.id.endswith("-explore_era")), None)
        if era is None or not era.options:
            raise StepError("no era control in the last run")
        current = era.options.index(json.loads(era.state.json_value)["era"])
        target = current - 1 if current > 0 else current + 1
        era.state.json_value = json.dumps({"era": era.options[target]})
        fragment_id = self.fragments.get(era.state.id, "")
        msg = self._client_state(list(self.widgets.values()), self.page_hash, self.query_string, fragment_id)
        # the era control is alone in its fragment: the browser shows the era itself (map, legend, figures,
        # address, share link), so the run sends back only the control
        await self._run(msg, expect="bidi_component", fragment=bool(fragment_id))

    async def population(self) -> None:
        page = self.pages.get("population")
        if not page:
            raise StepError(f"no population page in the navigation ({sorted(self.pages)})")
        # A page change keeps only the main script's widgets (the sidebar), as the frontend does.
        keep = [w for w in self.widgets.values() if w.script_hash != self.page_hash]
        await self._run(self._client_state(keep, page, ""), expect="vega_lite_chart")

    async def scenario(self, think: tuple[float, float], rng: random.Random) -> None:
        actions = (self.initial_load, self.era_change, self.era_change, self.population)
        for i, (name, action) in enumerate(zip(STEPS, actions)):
            if i and think[1] > 0:
                await asyncio.sleep(rng.uniform(*think))
            start = time.perf_counter()
            try:
                await asyncio.wait_for(action(), self.step_timeout)
            except asyncio.TimeoutError:
                self.errors.append(f"{name}: timeout after {self.step_timeout:.0f} s")
                return
            except (StepError, OSError, websockets.ConnectionClosed, websockets.InvalidHandshake) as exc:
                self.errors.append(f"{name}: {type(exc).__name__}: {exc}")
                return
            self.times[name] = time.perf_counter() - start

    async def close(self) -> None:
        if self.ws is not None:
            try:
                await asyncio.wait_for(self.ws.close(), 10)
            except (asyncio.TimeoutError, OSError, websockets.ConnectionClosed):
                pass


class RssSampler:
    def __init__(self, pid: int, interval: float = 0.25) -> None:
        self.pid, self.interval = pid, interval
        self.samples: list[tuple[float, float]] = []
        self._task: asyncio.Task | None = None
        self._t0 = time.monotonic()

    async def _loop(self) -> None:
        while True:
            self.samples.append((round(time.monotonic() - self._t0, 2), round(rss_mb(self.pid), 1)))
            await asyncio.sleep(self.interval)

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop())

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass

    def peak_since(self, t: float) -> float:
        return max((v for s, v in self.samples if s >= t), default=float("nan"))

    def now(self) -> float:
        return time.monotonic() - self._t0


async def run_phase(port: int, n: int, ramp: float, think: tuple[float, float], step_timeout: float,
                    deadline: float, seed: int, hold: float = 0.0, on_done=None, host: str = "127.0.0.1"
                    ) -> list[Session]:
    """N sessions, arriving over ``ramp`` s; each keeps its socket open until all are done."""
    rng = random.Random(seed)
    sessions = [Session(i, port, step_timeout, host) for i in range(n)]
    limit = asyncio.Semaphore(n)  # concurrency limit = N

    async def one(session: Session, delay: float, session_rng: random.Random) -> None:
        await asyncio.sleep(delay)
        async with limit:
            await session.scenario(think, session_rng)

    tasks = [asyncio.create_task(one(s, ramp * i / max(1, n - 1) if n > 1 else 0.0, random.Random(rng.random())))
             for i, s in enumerate(sessions)]
    done, pending = await asyncio.wait(tasks, timeout=max(1.0, deadline - time.monotonic()))
    for task in pending:
        task.cancel()
    for session, task in zip(sessions, tasks):
        if task in pending:
            session.errors.append("cancelled: global deadline (--max-seconds) reached")
    if on_done is not None:
        await on_done()
    if hold:
        await asyncio.sleep(hold)
    await asyncio.gather(*(s.close() for s in sessions))
    return sessions


def step_stats(sessions: list[Session]) -> dict[str, dict[str, float]]:
    out = {}
    for name in STEPS:
        values = [s.times[name] * 1000 for s in sessions if name in s.times]
        out[name] = {"p50": median(values), "p95": percentile(values, 95), "max": max(values, default=float("nan")),
                     "n": len(values)}
    return out


def loopback_target(url: str) -> tuple[str, int]:
    """(host, port) of a loopback http URL; anything else is refused (load tests stay on this machine)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.scheme != "http" or host not in LOOPBACK_HOSTS or parts.path not in {"", "/"}:
        raise ValueError(f"--url must be http://127.0.0.1:PORT (or localhost / [::1]), not {url!r}")
    return ("127.0.0.1" if host == "localhost" else host), parts.port or 80


async def measure_url(args: argparse.Namespace, url: str, label: str = "") -> dict:
    """The classroom scenario against a server or balancer already running at ``url`` (loopback only).

    Like the default mode, without the server's memory and CPU (another process owns it); adds the
    throughput of the N phase (interactions per second until every session finished) and, behind the
    deploy/ balancer, how many sessions each replica got (its ``atlas_replica`` cookie).
    """
    host, port = loopback_target(url)
    began = time.monotonic()
    deadline = began + args.max_seconds
    info = machine_info()
    print(f"{label or url}: warming up ...", flush=True)
    warm = await run_phase(port, 1, 0, (0, 0), args.step_timeout, deadline, args.seed, host=host)
    if warm[0].errors:
        raise RuntimeError(f"warm-up failed: {warm[0].errors}")
    single: list[Session] = []
    for i in range(args.single_repeats):
        single += await run_phase(port, 1, 0, tuple(args.think), args.step_timeout, deadline, args.seed + 1 + i,
                                  host=host)
    print(f"{label or url}: {args.sessions} concurrent sessions (ramp {args.ramp:g} s, "
          f"think {args.think[0]:g}-{args.think[1]:g} s) ...", flush=True)
    marks: dict[str, float] = {}

    async def when_done() -> None:
        marks["wall"] = time.monotonic() - t_phase

    t_phase = time.monotonic()
    many = await run_phase(port, args.sessions, args.ramp, tuple(args.think), args.step_timeout, deadline,
                           args.seed + 100, on_done=when_done, host=host)
    interactions = sum(len(s.times) for s in many)
    s_stats, n_stats = step_stats(single), step_stats(many)
    all_ms = [t * 1000 for s in many for t in s.times.values()]
    return {
        "benchmark": "bench/load.py --url", "url": url, "label": label, "machine": info,
        "loadavg_at_end": [round(x, 2) for x in os.getloadavg()], "duration_s": round(time.monotonic() - began, 1),
        "config": {"sessions": args.sessions, "ramp_s": args.ramp, "think_s": args.think,
                   "single_repeats": args.single_repeats, "step_timeout_s": args.step_timeout, "seed": args.seed},
        "single": s_stats, "concurrent": n_stats,
        "all_interactions_ms": {"p50": median(all_ms), "p95": percentile(all_ms, 95), "n": len(all_ms)},
        "errors": [f"session {s.index}: {e}" for s in many for e in s.errors],
        "single_errors": [f"reference {s.index}: {e}" for s in single for e in s.errors],
        "interactions": interactions, "phase_wall_s": marks.get("wall"),
        "throughput_per_s": interactions / marks["wall"] if marks.get("wall") else None,
        "sessions_per_replica": dict(sorted(Counter(s.cookies.get("atlas_replica", "-") for s in many).items())),
    }


def print_url_report(result: dict) -> None:
    rows = [[name, f"{result['single'][name]['p50']:,.0f}", f"{result['concurrent'][name]['p50']:,.0f}",
             f"{result['concurrent'][name]['p95']:,.0f}", f"{result['concurrent'][name]['max']:,.0f}"] for name in STEPS]
    n = result["config"]["sessions"]
    print()
    print(md_table(["interaction (ms)", "1 session p50", f"{n} sessions p50", f"{n} sessions p95", "max"], rows))
    print()
    print(f"throughput: {result['throughput_per_s']:.1f} interactions/s ({result['interactions']} in "
          f"{result['phase_wall_s']:.1f} s); errors: {len(result['errors'])}; "
          f"sessions per replica: {result['sessions_per_replica']}")
    for line in result["errors"][:10]:
        print("error:", line)


async def main_async(args: argparse.Namespace) -> int:
    if args.url:
        result = await measure_url(args, args.url)
        path = write_results(result, "-load-url")
        print_url_report(result)
        print(f"results: {path.relative_to(REPO_ROOT)}")
        return 1 if result["errors"] else 0
    began = time.monotonic()
    deadline = began + args.max_seconds
    info = machine_info()
    server = start_server(APP, Path(tempfile.mkdtemp(prefix="atlas-load-")))
    me = os.getpid()
    sampler = RssSampler(server.pid)
    result: dict = {}
    try:
        sampler.start()
        rss_start = rss_mb(server.pid)
        print(f"server pid {server.pid} on {server.url}, RSS {rss_start:.0f} MB; warming up ...", flush=True)
        warm = await run_phase(server.port, 1, 0, (0, 0), args.step_timeout, deadline, args.seed)
        if warm[0].errors:
            print("warm-up failed:", warm[0].errors)
            return 1
        print(f"single-session reference ({args.single_repeats} sessions, one after another) ...", flush=True)
        single: list[Session] = []
        for i in range(args.single_repeats):
            single += await run_phase(server.port, 1, 0, tuple(args.think), args.step_timeout, deadline,
                                      args.seed + 1 + i)
        await asyncio.sleep(2)
        rss_base = rss_mb(server.pid)
        t_base = sampler.now()
        cpu_server0, cpu_me0 = server.cpu_seconds(), cpu_seconds(me)
        print(f"{args.sessions} concurrent sessions (ramp {args.ramp:g} s, think {args.think[0]:g}-{args.think[1]:g} s),"
              f" RSS baseline {rss_base:.0f} MB ...", flush=True)
        marks: dict[str, float] = {}

        async def when_done() -> None:
            marks["cpu_server"] = server.cpu_seconds() - cpu_server0
            marks["cpu_me"] = cpu_seconds(me) - cpu_me0
            marks["wall"] = time.monotonic() - t_phase
            await asyncio.sleep(2)  # let the server settle (GC, queues) with all sessions connected
            marks["rss_connected"] = rss_mb(server.pid)

        t_phase = time.monotonic()
        many = await run_phase(server.port, args.sessions, args.ramp, tuple(args.think), args.step_timeout, deadline,
                               args.seed + 100, on_done=when_done)
        rss_peak = sampler.peak_since(t_base)
        await asyncio.sleep(3)
        rss_closed = rss_mb(server.pid)
    finally:
        await sampler.stop()
        server.stop()

    s_stats, n_stats = step_stats(single), step_stats(many)
    errors = [f"session {s.index}: {e}" for s in many for e in s.errors]
    single_errors = [f"reference {s.index}: {e}" for s in single for e in s.errors]
    interactions = sum(len(s.times) for s in many)
    per_session_mb = (marks["rss_connected"] - rss_base) / args.sessions
    ratios = {name: n_stats[name]["p95"] / s_stats[name]["p50"] for name in STEPS}
    result = {
        "benchmark": "bench/load.py", "command": " ".join([".venv/bin/python", "bench/load.py", *sys.argv[1:]]),
        "machine": info, "loadavg_at_end": [round(x, 2) for x in os.getloadavg()],
        "duration_s": round(time.monotonic() - began, 1),
        "config": {"sessions": args.sessions, "ramp_s": args.ramp, "think_s": args.think,
                   "single_repeats": args.single_repeats, "step_timeout_s": args.step_timeout, "seed": args.seed},
        "single": s_stats, "concurrent": n_stats, "p95_over_single_p50": ratios,
        "errors": errors, "single_errors": single_errors,
        "memory_mb": {"server_start": rss_start, "baseline": rss_base, "peak": rss_peak,
                      "n_connected": marks["rss_connected"], "after_close": rss_closed,
                      "per_session": per_session_mb},
        "cpu": {"server_s": marks["cpu_server"], "load_generator_s": marks["cpu_me"], "phase_wall_s": marks["wall"],
                "server_s_per_interaction": marks["cpu_server"] / interactions if interactions else None},
        "bytes_received_per_session": median([s.bytes for s in many if not s.errors]),
        "rss_samples": sampler.samples,
        "targets": {"p95_over_single": LATENCY_TARGET, "errors": 0, "memory_per_session_mb": MEMORY_TARGET_MB},
    }
    path = write_results(result, "-load")

    def ok(flag: bool) -> str:
        return "yes" if flag else "**no**"

    rows = []
    for name in STEPS:
        rows.append([name, f"{s_stats[name]['p50']:,.0f}", f"{s_stats[name]['p95']:,.0f}", f"{n_stats[name]['p50']:,.0f}",
                     f"{n_stats[name]['p95']:,.0f}", f"{n_stats[name]['max']:,.0f}", f"{ratios[name]:.1f}x",
                     ok(ratios[name] <= LATENCY_TARGET)])
    print()
    print(md_table(["interaction (ms)", "1 session p50", "1 session p95", f"{args.sessions} sessions p50",
                    f"{args.sessions} sessions p95", "max", "p95 / single p50", f"<= {LATENCY_TARGET:g}x"], rows))
    print()
    print(md_table(["measure", "value", "target", "met"], [
        ["errors (N sessions)", f"{len(errors)} (reference runs: {len(single_errors)})", "0", ok(not errors)],
        ["server RSS baseline / peak / N connected / after close (MB)",
         f"{rss_base:.0f} / {rss_peak:.0f} / {marks['rss_connected']:.0f} / {rss_closed:.0f}", "", ""],
        ["memory growth per session (MB)", f"{per_session_mb:.1f}", f"<= {MEMORY_TARGET_MB:g}",
         ok(per_session_mb <= MEMORY_TARGET_MB)],
        ["server CPU per interaction (s)", f"{result['cpu']['server_s_per_interaction']:.2f}", "", ""],
        ["server CPU / load generator CPU / wall, N phase (s)",
         f"{marks['cpu_server']:.1f} / {marks['cpu_me']:.1f} / {marks['wall']:.1f}", "", ""],
        ["websocket bytes received per session (median)", f"{result['bytes_received_per_session']:,.0f}", "", ""],
    ]))
    for line in errors[:10]:
        print("error:", line)
    print(f"\nload average {info['loadavg_at_start']} -> {result['loadavg_at_end']}; {result['duration_s']} s")
    print(f"results: {path.relative_to(REPO_ROOT)}")
    return 0


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", "--sessions", type=int, default=40, help="concurrent sessions (default 40)")
    parser.add_argument("--ramp", type=float, default=10.0, help="sessions arrive evenly over this many s (default 10)")
    parser.add_argument("--think", type=float, nargs=2, default=[2.0, 8.0], metavar=("MIN", "MAX"),
                        help="pause between a session's steps, uniform in [MIN, MAX] s (default 2 8)")
    parser.add_argument("--single-repeats", type=int, default=3, help="single-session reference runs (default 3)")
    parser.add_argument("--step-timeout", type=float, default=120.0, help="per-step timeout in s (default 120)")
    parser.add_argument("--max-seconds", type=float, default=540.0, help="global deadline in s (default 540)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--hostile", type=int, default=0, metavar="H",
                        help="a mixed classroom: H of the N sessions upload hostile or heavy files throughout; "
                             "the others' p95 is compared with a clean run of them (bench/hostile_uploads.py)")
    parser.add_argument("--url", default="", help="drive a server or balancer already running at this loopback URL "
                        "(http://127.0.0.1:PORT) instead of starting one; no memory/CPU figures")
    args = parser.parse_args(argv)
    if not 1 <= args.sessions <= 200:
        parser.error("--sessions must be between 1 and 200")
    if args.hostile and not 1 <= args.hostile < args.sessions:
        parser.error("--hostile must be between 1 and N - 1")
    if args.hostile and args.url:
        parser.error("--hostile starts its own server: leave out --url")
    if args.url:
        try:
            loopback_target(args.url)
        except ValueError as err:
            parser.error(str(err))
    return args


def main() -> int:
    args = parse_args()
    if args.hostile:
        from hostile_uploads import main_async as mixed_classroom

        return asyncio.run(mixed_classroom(args))
    return asyncio.run(main_async(args))


if __name__ == "__main__":
    sys.exit(main())
