#!/usr/bin/env python3
"""Runs Calypso and DuckDB alternately on the same dumps; see vs-duckdb.sh.

Usage: vs_duckdb.py CALYPSO DUCKDB_PYTHON DUMP.jsonl DUMP.parquet RUNS

A dump given as `-` is skipped.

Each run is measured by /usr/bin/time: wall seconds, CPU seconds (user and
system) and peak resident memory. The table gives each tool's median over the
runs and Calypso's figure divided by DuckDB's.
"""
import os
import statistics
import subprocess
import sys
import tempfile

calypso, duckdb_python, jsonl, parquet, runs = sys.argv[1:6]
runs = int(runs)
here = os.path.dirname(os.path.abspath(__file__))
NOW, NOW_TICKS = "2026-12-03T12:00:00Z", 17_962_992_000_000_000
work = tempfile.mkdtemp(prefix="calypso-vs-duckdb-")


def measure(argv, stdout_path):
    times = os.path.join(work, "time.txt")
    with open(stdout_path, "w") as out:
        subprocess.run(["/usr/bin/time", "-f", "%e %U %S %M", "-o", times, *argv],
                       stdout=out, stderr=subprocess.DEVNULL, check=True)
    wall, user, system, rss_kb = open(times).read().split()[-4:]
    return float(wall), float(user) + float(system), int(rss_kb) / 1024


def calypso_run(path, out):
    return measure([calypso, "run", os.path.join(here, "..", "queries", "mfa-fatigue.kql"),
                    "--table", f"AADSignInLogs={path}", "--now", NOW, "-f", "jsonl"], out)


def duckdb_run(path, out):
    return measure([duckdb_python, os.path.join(here, "duckdb_mfa.py"), path, str(NOW_TICKS), out], out + ".log")


print(f"{os.cpu_count()} cores; {runs} runs each, alternating")
print("| format | tool | wall (s) | CPU (s) | peak RSS (MB) |")
print("| --- | --- | ---: | ---: | ---: |")
ratios = []
for name, path in [("JSON lines", jsonl), ("Parquet", parquet)]:
    if path == "-":
        continue
    figures = {"Calypso": [], "DuckDB": []}
    for run in range(runs):
        c_out, d_out = os.path.join(work, f"c{run}.jsonl"), os.path.join(work, f"d{run}.jsonl")
        figures["Calypso"].append(calypso_run(path, c_out))
        figures["DuckDB"].append(duckdb_run(path, d_out))
        subprocess.run([sys.executable, os.path.join(here, "compare.py"), c_out, d_out], check=True,
                       stdout=subprocess.DEVNULL if run else None)
    medians = {tool: [statistics.median(f[i] for f in runs_) for i in range(3)] for tool, runs_ in figures.items()}
    for tool, (wall, cpu, rss) in medians.items():
        print(f"| {name} | {tool} | {wall:.2f} | {cpu:.2f} | {rss:.0f} |")
    c, d = medians["Calypso"], medians["DuckDB"]
    ratios.append((name, c[0] / d[0], c[1] / d[1], c[2] / d[2]))
print()
print("| format | wall, Calypso ÷ DuckDB | CPU | peak RSS |")
print("| --- | ---: | ---: | ---: |")
for name, wall, cpu, rss in ratios:
    print(f"| {name} | {wall:.2f}× | {cpu:.2f}× | {rss:.2f}× |")
