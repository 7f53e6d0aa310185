"""The replica pool against one replica, same run (``make bench-pool``). Not a test.

Starts the deploy/ pool (nginx + replicas on 127.0.0.1) with 1 replica, drives it with
``bench/load.py --url`` (the classroom scenario), stops it, then the same with 2 replicas, and reports
p50/p95 per interaction and the throughput ratio. Both runs go through nginx, so the ratio is the
replicas' doing. Run it when the machine is quiet (it prints the load average before and after): on
a 2-core machine nginx, the load generator and the replicas share the cores, so about 2x is the ceiling.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "deploy"))

from _common import REPO_ROOT, md_table, write_results  # noqa: E402
from load import STEPS, measure_url, parse_args  # noqa: E402
from pool import start_pool  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--replicas", type=int, nargs="+", default=[1, 2], help="pool sizes to compare (default 1 2)")
    own, rest = parser.parse_known_args()
    # defaults for a capacity run: many sessions arriving together, little reading time
    load_args = parse_args(["-n", "60", "--ramp", "5", "--think", "0.2", "1.0", *rest])
    print(f"load average at start: {[round(x, 2) for x in os.getloadavg()]}", flush=True)
    runs = {}
    for replicas in own.replicas:
        pool = start_pool(replicas)
        try:
            runs[replicas] = asyncio.run(measure_url(load_args, pool.url, label=f"{replicas} replica(s)"))
        finally:
            pool.stop()
    base = runs[own.replicas[0]]
    rows = []
    for replicas, result in runs.items():
        row = [f"{replicas}", f"{result['throughput_per_s']:.1f}", f"{result['throughput_per_s'] / base['throughput_per_s']:.2f}x"]
        row += [f"{result['concurrent'][name]['p50']:,.0f} / {result['concurrent'][name]['p95']:,.0f}" for name in STEPS]
        row += [f"{result['all_interactions_ms']['p50']:,.0f} / {result['all_interactions_ms']['p95']:,.0f}",
                str(len(result["errors"])), str(result["sessions_per_replica"])]
        rows.append(row)
    n = load_args.sessions
    print()
    print(md_table(["replicas", "throughput (interactions/s)", "ratio", *[f"{s} p50 / p95 (ms)" for s in STEPS],
                    "all p50 / p95 (ms)", f"errors ({n} sessions)", "sessions per replica"], rows))
    load = [round(x, 2) for x in os.getloadavg()]
    print(f"\nload average at end: {load}")
    path = write_results({"benchmark": "bench/pool_load.py", "command": " ".join(["bench/pool_load.py", *sys.argv[1:]]),
                          "runs": {str(k): v for k, v in runs.items()}, "loadavg_at_end": load}, "-pool")
    print(f"results: {path.relative_to(REPO_ROOT)}")
    return 1 if any(r["errors"] for r in runs.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
