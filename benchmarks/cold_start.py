"""Whole-process cold start of `python -m bot ask` on the bundled articles, for an English and a
Chinese question: the first (index-building) run, then the median wall time, CPU time
(user + sys) and peak RSS of runs with a warm index cache. Prints a markdown table.

    python benchmarks/cold_start.py [--runs 7]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
QUESTIONS = {
    "English": "How quickly did the app pass a million installs?",
    "Chinese": "Sora 2最初的版权政策把保护权益的责任推给了谁?",
}
# Each question runs with the embedding model (SEMANTIC=on, the default) and without it.
MODES = ("on", "off")
TARGETS = {("English", "on"): 0.6, ("Chinese", "on"): 1.2, ("English", "off"): 0.4, ("Chinese", "off"): 1.2}
TARGET_RSS_MB = {"on": 200, "off": 150}
TIME = os.access("/usr/bin/time", os.X_OK)


def run_once(question: str, cache: Path, semantic: str) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds (user + sys) and peak RSS (MB) of one `python -m bot ask` process."""
    env = {**os.environ, "XDG_CACHE_HOME": str(cache), "SEMANTIC": semantic}
    for name in ("CORPUS_DIR", "INDEX_CACHE_DIR"):
        env.pop(name, None)
    command = [sys.executable, "-m", "bot", "ask", question]
    with tempfile.NamedTemporaryFile(mode="r", suffix=".rss") as rss_file:
        if TIME:
            command = ["/usr/bin/time", "-f", "%M", "-o", rss_file.name, *command]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        result = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True)
        wall = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        # CPU time moves less than wall time on a shared machine (it leaves out waiting for a core).
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        if result.returncode != 0 or "Traceback" in result.stderr:
            raise SystemExit(f"`{' '.join(command)}` failed:\n{result.stderr}")
        if TIME:
            peak_kb = int(rss_file.read().strip().splitlines()[-1])
        else:
            # RUSAGE_CHILDREN keeps the largest child so far: exact for a run that raised it.
            peak_kb = max(after.ru_maxrss, before.ru_maxrss)
    return wall, cpu, peak_kb / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()

    rows = []
    with tempfile.TemporaryDirectory() as home:
        for language, question in QUESTIONS.items():
            for mode in MODES:
                cache = Path(home) / f"{language}-{mode}"  # a fresh cache each: the first run builds it
                first_wall, first_cpu, first_rss = run_once(question, cache, mode)
                # Alternate nothing else in between: each mode's warm runs follow its first run.
                runs = [run_once(question, cache, mode) for _ in range(args.runs)]
                walls = [wall for wall, _, _ in runs]
                cpus = [cpu for _, cpu, _ in runs]
                rss = max(peak for _, _, peak in runs)
                rows.append((language, mode, first_wall, first_cpu, first_rss, statistics.median(walls), min(walls),
                             max(walls), statistics.median(cpus), min(cpus), max(cpus), rss))

    print(f"`python -m bot ask` on the bundled articles, {args.runs} warm runs each "
          f"(peak RSS from {'/usr/bin/time -f %M' if TIME else 'getrusage(RUSAGE_CHILDREN)'})\n")
    print("| question | SEMANTIC | first run, builds cache (s) | first run CPU (s) | first run RSS (MB) | warm median (s) "
          "| warm min–max (s) | warm CPU median (s) | warm CPU min–max (s) | warm peak RSS (MB) | target | met |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|")
    for language, mode, first_wall, first_cpu, first_rss, median, low, high, cpu, cpu_low, cpu_high, rss in rows:
        target, target_rss = TARGETS[(language, mode)], TARGET_RSS_MB[mode]
        met = median <= target and rss <= target_rss
        print(f"| {language} | {mode} | {first_wall:.2f} | {first_cpu:.2f} | {first_rss:.0f} "
              f"| {median:.3f} | {low:.3f}–{high:.3f} | {cpu:.3f} | {cpu_low:.3f}–{cpu_high:.3f} | {rss:.0f} "
              f"| ≤ {target} s, ≤ {target_rss} MB | {'yes' if met else 'NO'} |")


if __name__ == "__main__":
    main()
