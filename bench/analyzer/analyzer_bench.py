#!/usr/bin/env python3
"""Analyzer speed against its floor: Clang parsing the same translation units.

For each program of the corpus (tests/corpus/run_corpus.sh builds it), runs side by side, in one
process run and with the same number of threads:
  floor     clang -fsyntax-only over every TU (the compile commands, -j JOBS in parallel)
  frontend  the per-TU pass (summarize_tool -p DIR -j JOBS): parse + summaries
  analyze   prism analyze -p DIR --format=json -j JOBS: parse + summaries + link + matrix
and prints frontend/floor and analyze/floor (best of REPEAT runs each, interleaved).
Target: <= 1.5x on 2 cores.

Usage: bench/analyzer/analyzer_bench.py [--corpus DIR] [--jobs N] [--repeat N]
"""
import argparse
import concurrent.futures
import glob
import json
import os
import resource
import shlex
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
RESOURCE_DIR = "/usr/lib/llvm-14/lib/clang/14.0.6"
MEMORY_LIMIT = 6 << 30  # bytes of address space per analyzer run
TIME_LIMIT = 600        # seconds per analyzer run


def load_commands(build_dir, only_under=None):
    with open(os.path.join(build_dir, "compile_commands.json")) as f:
        entries = json.load(f)
    commands = []
    for entry in entries:
        args = entry.get("arguments") or shlex.split(entry["command"])
        path = os.path.normpath(os.path.join(entry["directory"], entry["file"]))
        if only_under and not path.startswith(os.path.join(build_dir, only_under)):
            continue
        commands.append((entry["directory"], entry["file"], path, args))
    return commands


def corpus_targets(corpus, wanted, table):
    """(label, build_dir, only_under) for each (key, glob, label, under) of `table` whose key is
    wanted and whose build under `corpus` has a compile_commands.json; exits when none has."""
    targets = []
    for key, pattern, label, under in table:
        if key not in wanted:
            continue
        dirs = [d for d in sorted(glob.glob(os.path.join(corpus, pattern)))
                if os.path.isfile(os.path.join(d, "compile_commands.json"))]
        if dirs:
            targets.append((label, dirs[0], under))
    if not targets:
        sys.exit("no corpus: run tests/corpus/run_corpus.sh first")
    return targets


def syntax_only(args, file):
    """The compile command turned into clang -fsyntax-only (same flags the analyzer uses)."""
    out = ["clang", "-fsyntax-only", "-resource-dir=" + RESOURCE_DIR, "-Qunused-arguments",
           "-Wno-unknown-warning-option", "-w"]
    skip = False
    for arg in args[1:]:
        if skip:
            skip = False
            continue
        if arg in ("-o", "-MF", "-MT", "-MQ"):
            skip = True
            continue
        if arg in ("-c", "-MD", "-MMD", "-MP") or arg.startswith("-Werror"):
            continue
        out.append(arg)
    return out


def time_floor(commands, jobs):
    def run(command):
        directory, file, _, args = command
        return subprocess.run(syntax_only(args, file), cwd=directory, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL).returncode
    start = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
        list(pool.map(run, commands))
    return time.monotonic() - start


def limit_memory():
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def time_tool(argv):
    """Wall time of argv, or None when it fails (or exceeds the memory/time limits)."""
    start = time.monotonic()
    try:
        result = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                preexec_fn=limit_memory, timeout=TIME_LIMIT)
    except subprocess.TimeoutExpired:
        print(f"  {os.path.basename(argv[0])} timed out after {TIME_LIMIT} s", file=sys.stderr)
        return None
    elapsed = time.monotonic() - start
    if result.returncode not in (0, 1):
        print(f"  {os.path.basename(argv[0])} failed ({result.returncode}): "
              f"{result.stderr.decode(errors='replace')[-300:]}", file=sys.stderr)
        return None
    return elapsed


def build_opt(targets, output_base, jobs):
    """Builds `targets` optimized in their own output base (the benchmarks never time whatever
    `bazel-bin` last held, a fastbuild or a sanitizer build); returns that build's bin directory."""
    bazel = ["bazel", "--output_base=" + output_base]
    subprocess.run(bazel + ["build", "--disk_cache=/root/.cache/prism/bazel-disk",
                            "--symlink_prefix=/", "--jobs=%d" % jobs, "--config=opt"] + targets,
                   cwd=REPO, check=True, stderr=subprocess.DEVNULL)
    return subprocess.run(bazel + ["info", "--config=opt", "bazel-bin"], cwd=REPO, check=True,
                          capture_output=True, text=True).stdout.strip()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", default=os.path.join(REPO, "corpus"))
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--output-base", default="/root/.cache/bazel-frontend")
    parser.add_argument("--programs", default="libevent,memcached",
                        help="comma-separated subset of libevent,memcached,tmux")
    options = parser.parse_args()

    bin_dir = build_opt(["//cli:prism", "//services/analyzer/frontend:summarize_tool"],
                        options.output_base, options.jobs)
    prism = os.path.join(bin_dir, "cli/prism")
    summarize = os.path.join(bin_dir, "services/analyzer/frontend/summarize_tool")

    targets = corpus_targets(options.corpus, options.programs.split(","), (
        ("libevent", "libevent-*", "libevent samples", "sample"),
        ("memcached", "memcached-*", "memcached", None),
        ("tmux", "tmux-*", "tmux", None)))

    print(f"analyzer vs clang -fsyntax-only, -j{options.jobs}, best of {options.repeat} "
          f"({os.cpu_count()} cores, {time.strftime('%Y-%m-%d')})")
    print(f"{'program':<18} {'TUs':>4} {'floor s':>8} {'frontend s':>10} {'analyze s':>9} "
          f"{'frontend/floor':>14} {'analyze/floor':>13}")
    for label, build_dir, under in targets:
        commands = load_commands(build_dir, under)
        files = [path for _, _, path, _ in commands]
        floor, frontend, analyze = [], [], []
        for _ in range(options.repeat):
            floor.append(time_floor(commands, options.jobs))
            frontend.append(time_tool(
                [summarize, "-p", build_dir, "-j", str(options.jobs), "--quiet"] + files))
            analyze.append(time_tool(
                [prism, "analyze", "-p", build_dir, "--format=json", "-j", str(options.jobs)]
                + files))

        def best(times):
            times = [t for t in times if t is not None]
            return min(times) if times else None

        def show(value, width, ratio=False):
            if value is None:
                return f"{'failed':>{width}}"
            return f"{value / best(floor):>{width}.2f}" if ratio else f"{value:>{width}.2f}"

        print(f"{label:<18} {len(commands):>4} {show(best(floor), 8)} "
              f"{show(best(frontend), 10)} {show(best(analyze), 9)} "
              f"{show(best(frontend), 14, True)} {show(best(analyze), 13, True)}")


if __name__ == "__main__":
    main()
