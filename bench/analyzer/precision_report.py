#!/usr/bin/env python3
"""Analyzer precision on real programs, one program at a time, with its cost against the floor.

For each program (libevent's sample servers one by one, memcached, tmux from the corpus that
tests/corpus/run_corpus.sh builds, and the flagship examples/httpd with and without its override)
runs `prism analyze --format=json` and prints:
  handlers       event handlers found
  free global    share of handler pairs (i <= j, self pairs included) with bit 0 clear
  fully free     share of pairs with no bit set (may run together on any contexts)
  analyze/floor  prism analyze's wall time against clang -fsyntax-only over the same TUs
                 (best of REPEAT each, interleaved, -j JOBS both)
  plan           the top of the removal plan: resource group, pairs it alone holds back,
                 pairs free of global conflicts once it and every group above it are made safe

A library a program links (libevent for its samples) is not analysed with it: its API is what the
library models describe, as for any server built against the system's libevent.

Usage: bench/analyzer/precision_report.py [--corpus DIR] [--jobs N] [--repeat N] [--top N]
       [--programs samples,memcached,tmux,httpd] [--json FILE]
"""
import argparse
import glob
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import analyzer_bench  # noqa: E402  (the floor and the timed runs are shared with it)

REPO = analyzer_bench.REPO
HTTPD_FLAGS = ["-std=gnu11"]


def pair_shares(report):
    """(handlers, pairs, free of global, fully free) over the pairs i <= j of the matrix."""
    matrix = report.get("matrix", [])
    n = len(report.get("handlers", []))
    pairs = free_global = fully_free = 0
    for i in range(n):
        for j in range(i, n):
            cell = matrix[i][j]
            pairs += 1
            free_global += (cell & 1) == 0
            fully_free += cell == 0
    return n, pairs, free_global, fully_free


def plan_top(report, top):
    steps = []
    for step in report.get("removal_plan", [])[:top]:
        steps.append(f"{step['group']} (alone {step['pairs']}, then {step['cumulative_pairs']} free)")
    return "; ".join(steps) if steps else "-"


class Program:
    """One analysed program: how to run prism analyze on it and clang -fsyntax-only on its TUs."""

    def __init__(self, label, analyze_args, floor_commands, tus):
        self.label = label
        self.analyze_args = analyze_args
        self.floor_commands = floor_commands
        self.tus = tus


def corpus_programs(corpus, wanted):
    programs = []
    def build_dir(pattern):
        dirs = [d for d in sorted(glob.glob(os.path.join(corpus, pattern)))
                if os.path.isfile(os.path.join(d, "compile_commands.json"))]
        return dirs[0] if dirs else None

    libevent = build_dir("libevent-*")
    if "samples" in wanted and libevent:
        for command in analyzer_bench.load_commands(libevent, "sample"):
            path = command[2]
            label = "libevent " + os.path.relpath(path, libevent)
            programs.append(Program(label, ["-p", libevent, path], [command], 1))
    for key in ("memcached", "tmux"):
        directory = build_dir(key + "-*")
        if key in wanted and directory:
            commands = analyzer_bench.load_commands(directory)
            programs.append(Program(key, ["-p", directory], commands, len(commands)))
    if "httpd" in wanted:
        source = os.path.join(REPO, "examples/httpd/httpd.c")
        floor = [(REPO, source, source, ["cc"] + HTTPD_FLAGS + ["-c", source])]
        for label, extra in (("httpd (flagship)", []),
                             ("httpd + override", ["--overrides", os.path.join(
                                 REPO, "examples/httpd/overrides.txt")])):
            programs.append(Program(label, extra + [source, "--"] + HTTPD_FLAGS, floor, 1))
    return programs


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", default=os.path.join(REPO, "corpus"))
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--top", type=int, default=3)
    parser.add_argument("--output-base", default="/root/.cache/bazel-frontend")
    parser.add_argument("--programs", default="samples,memcached,tmux,httpd")
    parser.add_argument("--prism", help="a prism binary (default: build //cli:prism --config=opt)")
    parser.add_argument("--json", help="also write the figures to this file")
    options = parser.parse_args()

    prism = options.prism
    if not prism:
        bin_dir = analyzer_bench.build_opt(["//cli:prism"], options.output_base, options.jobs)
        prism = os.path.join(bin_dir, "cli/prism")

    programs = corpus_programs(options.corpus, set(options.programs.split(",")))
    if not programs:
        sys.exit("no program to analyse: run tests/corpus/run_corpus.sh first (or pick httpd)")

    print(f"prism analyze precision and cost, -j{options.jobs}, best of {options.repeat} "
          f"({os.cpu_count()} cores)")
    header = (f"| program | TUs | handlers | free of global | fully free | analyze s | floor s "
              f"| analyze/floor | top of the removal plan |")
    print(header)
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
    figures = []
    with tempfile.TemporaryDirectory() as scratch:
        for program in programs:
            out = os.path.join(scratch, "report.json")
            argv = [prism, "analyze", "--format=json", "-j", str(options.jobs), "-o", out]
            argv += program.analyze_args
            floors, analyses = [], []
            for _ in range(options.repeat):
                floors.append(analyzer_bench.time_floor(program.floor_commands, options.jobs))
                analyses.append(analyzer_bench.time_tool(argv))
            analyses = [t for t in analyses if t is not None]
            if not analyses:
                print(f"| {program.label} | {program.tus} | analysis failed | | | | | | |")
                continue
            with open(out) as f:
                report = json.load(f)
            n, pairs, free_global, fully_free = pair_shares(report)
            analyze, floor = min(analyses), min(floors)
            row = {"program": program.label, "tus": program.tus, "handlers": n, "pairs": pairs,
                   "free_of_global": free_global, "fully_free": fully_free,
                   "analyze_s": round(analyze, 2), "floor_s": round(floor, 2),
                   "plan": plan_top(report, options.top)}
            figures.append(row)
            def share(count):
                return f"{count}/{pairs} ({100 * count / pairs:.0f} %)" if pairs else "-"
            print(f"| {program.label} | {program.tus} | {n} | {share(free_global)} | "
                  f"{share(fully_free)} | {analyze:.2f} | {floor:.2f} | {analyze / floor:.2f} | "
                  f"{row['plan']} |", flush=True)
    if options.json:
        with open(options.json, "w") as f:
            json.dump(figures, f, indent=1)


if __name__ == "__main__":
    main()
