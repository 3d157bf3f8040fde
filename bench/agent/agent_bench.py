#!/usr/bin/env python3
"""What a server's startup pays for asking prism-agent, measured side by side in one run.

Starts the flagship server (examples/httpd, built on the runtime with the agent client) until it
reports its port, ROUNDS times in each of these ways, interleaved so that the machine's noise
falls on all of them alike:
  file        PRISM_CONSTRAINTS=FILE (no agent involved): the baseline
  agent-hit   the agent answers from its cache
  agent-miss  the agent's cache is empty: it fetches from prism-analyzer, then answers
  no-agent    no socket: the runtime starts serial at once
and prints each one's median startup and its ratio to `file`. Then the agent's request rate:
THREADS clients asking for a cached set for a few seconds (bench/agent/agent_rate).

Usage: bench/agent/agent_bench.py [--rounds N] [--threads N]
(binaries from bazel-bin: build //examples/httpd:httpd_prism //cli:prism
 //services/analyzer/service:prism-analyzer //services/scheduler-agent:prism-agent
 //bench/agent:agent_rate, with --config=opt for figures worth recording).
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.join(REPO, "bazel-bin")
HTTPD = os.path.join(BIN, "examples/httpd/httpd_prism")
PRISM = os.path.join(BIN, "cli/prism")
ANALYZER = os.path.join(BIN, "services/analyzer/service/prism-analyzer")
AGENT = os.path.join(BIN, "services/scheduler-agent/prism-agent")
RATE = os.path.join(BIN, "bench/agent/agent_rate")


def first_line_after(process, prefix):
    """Reads stdout until a line starting with `prefix`; returns its rest."""
    for line in process.stdout:
        if line.startswith(prefix):
            return line[len(prefix):].strip()
    sys.exit(f"agent_bench: {process.args[0]} ended before printing '{prefix}'")


def start(argv, **kwargs):
    return subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            **kwargs)


def stop(process):
    process.terminate()
    process.communicate(timeout=10)


class Agent:
    def __init__(self, work, socket_path, analyzer, cache_dir):
        self.process = start([AGENT, f"--socket={socket_path}", f"--cache-dir={cache_dir}",
                              f"--analyzer={analyzer}"])
        first_line_after(self.process, "listening on ")

    def close(self):
        stop(self.process)


def server_startup(env, expect_mode):
    """Seconds from exec to the server's port line; checks the runtime's mode."""
    began = time.perf_counter()
    server = start([HTTPD, "--port", "0", "--docroot",
                    os.path.join(REPO, "examples/httpd/docroot"), "--log", os.devnull],
                   env=env)
    first_line_after(server, "port=")
    elapsed = time.perf_counter() - began
    server.terminate()
    _, err = server.communicate(timeout=10)
    if f"prism runtime mode: {expect_mode}" not in err:
        sys.exit(f"agent_bench: expected mode {expect_mode}, server said:\n{err}")
    return elapsed


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()
    for binary in (HTTPD, PRISM, ANALYZER, AGENT, RATE):
        if not os.access(binary, os.X_OK):
            sys.exit(f"agent_bench: {binary} is not built (see --help)")

    work = tempfile.mkdtemp(prefix="agent_bench.")
    socket_dir = tempfile.mkdtemp(prefix="prism-agent.", dir="/tmp")
    socket_path = os.path.join(socket_dir, "agent.sock")
    processes = []
    try:
        analyzer = start([ANALYZER, "--listen=127.0.0.1:0", f"--cache-dir={work}/analyzer"])
        processes.append(analyzer)
        address = first_line_after(analyzer, "listening on ")
        httpd_c = os.path.join(REPO, "examples/httpd/httpd.c")
        env = dict(os.environ, XDG_CACHE_HOME=f"{work}/client-cache")
        subprocess.run([PRISM, "submit", "--server", address, "--program", "httpd_prism",
                        "--binary", HTTPD, httpd_c, "--", "-std=gnu11"],
                       check=True, env=env, capture_output=True)
        constraints = f"{work}/httpd.constraints"
        subprocess.run([PRISM, "constraints", "--server", address, "--program", "httpd_prism",
                        "--binary", HTTPD, "--out", constraints], check=True, env=env,
                       capture_output=True)

        base_env = {k: v for k, v in os.environ.items()
                    if not k.startswith("PRISM_")}
        base_env["PRISM_WORKERS"] = "2"
        file_env = dict(base_env, PRISM_CONSTRAINTS=constraints)
        agent_env = dict(base_env, PRISM_AGENT_SOCKET=socket_path,
                         PRISM_AGENT_TIMEOUT_MS="2000")
        absent_env = dict(base_env, PRISM_AGENT_SOCKET=f"{socket_dir}/absent.sock")

        times = {name: [] for name in ("file", "agent-hit", "agent-miss", "no-agent")}
        warm = Agent(work, socket_path, address, f"{work}/agent-cache")
        server_startup(agent_env, "exact")  # fills the warm agent's cache
        for round_number in range(args.rounds):
            times["file"].append(server_startup(file_env, "exact"))
            times["agent-hit"].append(server_startup(agent_env, "exact"))
            times["no-agent"].append(server_startup(absent_env, "serial"))
            warm.close()
            cold_cache = f"{work}/cold-cache-{round_number}"
            cold = Agent(work, socket_path, address, cold_cache)
            times["agent-miss"].append(server_startup(agent_env, "exact"))
            cold.close()
            warm = Agent(work, socket_path, address, f"{work}/agent-cache")

        baseline = statistics.median(times["file"])
        print(f"server startup to its port line, median of {args.rounds} "
              f"(ratio to starting with a constraints file):")
        for name, samples in times.items():
            median = statistics.median(samples)
            print(f"  {name:<11} {median * 1000:8.2f} ms   {median / baseline:5.2f}x")

        rate = subprocess.run([RATE, socket_path, "httpd_prism",
                               subprocess.run(["readelf", "-n", HTTPD], capture_output=True,
                                              text=True, check=True).stdout
                               .split("Build ID: ")[1].split()[0],
                               str(args.threads), "3"],
                              capture_output=True, text=True)
        print(f"agent request rate, {args.threads} clients, cached set: {rate.stdout.strip()}")
        warm.close()
    finally:
        for process in processes:
            if process.poll() is None:
                stop(process)
        shutil.rmtree(work, ignore_errors=True)
        shutil.rmtree(socket_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
