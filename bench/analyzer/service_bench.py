#!/usr/bin/env python3
"""prism-analyzer's incremental analysis, measured in one run per program of the corpus.

For each program (tests/corpus/run_corpus.sh builds them), on a private copy of its tree and a
fresh prism-analyzer with a local directory cache, times `prism submit`:
  cold      first submit: uploads everything, analyses every TU, links
  warm      the same build again: nothing uploaded, nothing analysed
  one-hdr   after appending a comment to one project header (the one read by the fewest TUs):
            its TUs are analysed again; their summaries do not change, so the link is cached
  one-file  after appending a function to one TU (the first): that TU is analysed again and,
            its summary having changed, the link step runs again — solving only the call-graph
            components the change reaches, the others taken from the program's last link
and the floor, clang -fsyntax-only over the same TUs with the same threads. Prints warm/cold,
one-hdr/cold, one-file/cold and cold/floor, plus the analyzer's peak memory above its idle size during the cold
build (memory per concurrent build). Targets: warm <= 0.05, one-hdr and one-file <= 0.15, cold <= 1.5.

Usage: bench/analyzer/service_bench.py [--corpus DIR] [--jobs N]
           [--programs libevent,libevent-library,memcached,tmux]
           [--prism PATH] [--analyzer PATH] [--output-base DIR]
(without --prism and --analyzer it builds both with --config=opt in their own output base, so the
figures are never those of whatever bazel-bin last held).
"""
import argparse
import collections
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))

# The floor and the corpus layout are analyzer_bench.py's: one definition of both.
_spec = importlib.util.spec_from_file_location("analyzer_bench",
                                               os.path.join(HERE, "analyzer_bench.py"))
analyzer_bench = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(analyzer_bench)


def copy_build(build_dir, destination):
    """A copy of build_dir whose compile_commands.json names the copy."""
    shutil.copytree(build_dir, destination, symlinks=True)
    path = os.path.join(destination, "compile_commands.json")
    with open(path) as f:
        text = f.read()
    with open(path, "w") as f:
        f.write(text.replace(build_dir, destination))
    return destination


def memory_kib(pid, field):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def submit(prism, server, program, build_dir, files):
    start = time.monotonic()
    result = subprocess.run([prism, "submit", "--server", server, "--program", program,
                             "--timeout", "600", "-p", build_dir] + files,
                            capture_output=True, text=True)
    elapsed = time.monotonic() - start
    if result.returncode != 0:
        sys.exit(f"prism submit failed: {result.stderr[-500:]}")
    done = [l for l in result.stderr.splitlines() if "done:" in l]
    return elapsed, (done[-1] if done else "")


def headers_by_readers(commands, build_dir):
    """Project headers the submitted TUs read and how many TUs read each (clang -M)."""
    readers = collections.Counter()
    for directory, file, _, args in commands:
        command = analyzer_bench.syntax_only(args, file)
        command = [c for c in command if c != "-fsyntax-only"] + ["-M"]
        result = subprocess.run(command, cwd=directory, capture_output=True, text=True)
        for token in result.stdout.replace("\\\n", " ").split()[2:]:
            path = os.path.normpath(os.path.join(directory, token))
            if path.startswith(build_dir) and path.endswith(".h"):
                readers[path] += 1
    return readers


def bench(label, build_dir, under, options, workdir):
    copy = copy_build(build_dir, os.path.join(workdir, label.replace(" ", "-")))
    commands = analyzer_bench.load_commands(copy, under)
    files = [path for _, _, path, _ in commands]
    state = os.path.join(workdir, "state-" + label.replace(" ", "-"))
    server = subprocess.Popen([options.analyzer, "--listen=127.0.0.1:0",
                               f"--jobs={options.jobs}", f"--cache-dir={state}"],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        address = server.stdout.readline().split()[-1]
        idle = memory_kib(server.pid, "VmRSS")
        cold, cold_line = submit(options.prism, address, label, copy, files)
        peak = memory_kib(server.pid, "VmHWM")
        warm, warm_line = submit(options.prism, address, label, copy, files)
        readers = headers_by_readers(commands, copy)
        header, count = min(readers.items(), key=lambda item: (item[1], item[0]))
        with open(header, "a") as f:
            f.write("/* changed by service_bench */\n")
        changed, changed_line = submit(options.prism, address, label, copy, files)
        edited = files[0]
        with open(edited, "a") as f:
            f.write("\nint service_bench_probe_count;\n"
                    "void service_bench_probe(void) { service_bench_probe_count++; }\n")
        edit, edit_line = submit(options.prism, address, label, copy, files)
    finally:
        server.terminate()
        server.wait()
    floor = analyzer_bench.time_floor(commands, options.jobs)
    print(f"{label:<18} {len(commands):>4} {floor:>8.2f} {cold:>7.2f} {warm:>7.2f} "
          f"{changed:>8.2f} {edit:>8.2f} {warm / cold:>9.3f} {changed / cold:>10.3f} "
          f"{edit / cold:>11.3f} {cold / floor:>10.2f} {(peak - idle) / 1024:>9.0f}")
    print(f"{'':<18} cold: {cold_line.split('done: ')[-1]}")
    print(f"{'':<18} warm: {warm_line.split('done: ')[-1]}")
    print(f"{'':<18} one-hdr ({os.path.relpath(header, copy)}, read by {count} TU(s)): "
          f"{changed_line.split('done: ')[-1]}")
    print(f"{'':<18} one-file ({os.path.relpath(edited, copy)}): {edit_line.split('done: ')[-1]}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", default=os.path.join(REPO, "corpus"))
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--programs", default="libevent,memcached,tmux")
    parser.add_argument("--output-base", default="/root/.cache/bazel-frontend")
    parser.add_argument("--prism", help="a prism binary (default: build //cli:prism --config=opt)")
    parser.add_argument("--analyzer", help="a prism-analyzer binary (default: build it "
                        "--config=opt)")
    options = parser.parse_args()
    if not options.prism or not options.analyzer:
        bin_dir = analyzer_bench.build_opt(
            ["//cli:prism", "//services/analyzer/service:prism-analyzer"], options.output_base,
            options.jobs)
        options.prism = options.prism or os.path.join(bin_dir, "cli/prism")
        options.analyzer = options.analyzer or os.path.join(
            bin_dir, "services/analyzer/service/prism-analyzer")
    for binary in (options.prism, options.analyzer):
        if not os.access(binary, os.X_OK):
            sys.exit(f"no binary at {binary} (bazel build //cli:prism //services/analyzer:prism-analyzer)")
    targets = analyzer_bench.corpus_targets(options.corpus, options.programs.split(","), (
        ("libevent", "libevent-*", "libevent samples", "sample"),
        ("libevent-library", "libevent-*", "libevent library", None),
        ("memcached", "memcached-*", "memcached", None),
        ("tmux", "tmux-*", "tmux", None)))
    print(f"prism-analyzer: cold / warm / one-header submits, -j{options.jobs} "
          f"({os.cpu_count()} cores, {time.strftime('%Y-%m-%d')})")
    print(f"{'program':<18} {'TUs':>4} {'floor s':>8} {'cold s':>7} {'warm s':>7} "
          f"{'1-hdr s':>8} {'1-file s':>8} {'warm/cold':>9} {'1-hdr/cold':>10} "
          f"{'1-file/cold':>11} {'cold/floor':>10} "
          f"{'MiB/build':>9}")
    with tempfile.TemporaryDirectory() as workdir:
        for label, build_dir, under in targets:
            bench(label, build_dir, under, options, workdir)


if __name__ == "__main__":
    main()
