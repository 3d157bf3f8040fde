#!/usr/bin/python3
"""Static checks of deploy/: systemd units, Containerfiles and Kubernetes manifests, against each
other and against the real binaries (their --help lists the flags they accept; ldd lists the
shared libraries their images must install). Prints one "FAIL: ..." line per problem and exits 1
when there is any. deploy_test.sh runs it, after systemd-analyze and systemd-sysusers.

usage: check_deploy.py --deploy=DIR --source-root=DIR --sysusers-root=DIR
                       --binary=LABEL=PATH... --deps=LABEL=PATH...
  --binary  a binary the deploy files run, with its Bazel label (the test's data: Bazel has
            checked that the label exists)
  --deps    genquery output for LABEL: the labels of its dependencies and BUILD/.bzl files
"""

import glob
import json
import os
import posixpath
import re
import shlex
import subprocess
import sys

import yaml

failures = []
checks = 0


def check(condition, message):
    global checks
    checks += 1
    if not condition:
        failures.append(message)
    return bool(condition)


def fail(message):
    check(False, message)


# ----------------------------------------------------------------------------- arguments

def parse_args(argv):
    options = {"binary": {}, "deps": {}}
    for arg in argv:
        name, _, value = arg.partition("=")
        name = name.lstrip("-")
        if name in ("binary", "deps"):
            label, _, path = value.rpartition("=")
            options[name][label] = path
        else:
            options[name.replace("-", "_")] = value
    for required in ("deploy", "source_root", "sysusers_root"):
        if required not in options:
            sys.exit(f"check_deploy.py: --{required.replace('_', '-')} is required")
    return options


# ----------------------------------------------------------------------------- binaries

class Binary:
    def __init__(self, label, path):
        self.label = label
        self.path = path
        self.name = label.rsplit(":", 1)[1]
        run = subprocess.run([path, "--help"], capture_output=True, text=True, timeout=30)
        self.help = run.stdout + run.stderr
        self.flags = set(re.findall(r"(--[a-z0-9][a-z0-9-]*)", self.help))
        check(self.flags, f"{label}: --help lists no flags")


def flag_name(token):
    return token.split("=", 1)[0]


def check_flags(where, binary, argv):
    """Every --flag in argv is one the binary documents in its --help."""
    for token in argv:
        if token.startswith("--"):
            check(flag_name(token) in binary.flags,
                  f"{where}: {flag_name(token)} is not a flag of {binary.name} "
                  f"(its --help lists {', '.join(sorted(binary.flags))})")


def get_flag(argv, name, default=None):
    """The value of --name=VALUE or --name VALUE in argv (the last one wins)."""
    value = default
    for i, token in enumerate(argv):
        if token.startswith(name + "="):
            value = token[len(name) + 1:]
        elif token == name and i + 1 < len(argv):
            value = argv[i + 1]
    return value


def host_port(value):
    host, _, port = value.rpartition(":")
    return host, int(port) if port.isdigit() else None


# ----------------------------------------------------------------------------- Debian packages

class Dpkg:
    """This machine's dpkg database: which package owns a file, what a package depends on."""

    def __init__(self):
        self.owner = {}
        for listing in glob.glob("/var/lib/dpkg/info/*.list"):
            package = os.path.basename(listing)[:-len(".list")].split(":")[0]
            with open(listing, errors="replace") as f:
                for line in f:
                    path = line.rstrip("\n")
                    for variant in self.variants(path):
                        self.owner.setdefault(variant, package)
        self.depends = {}
        self.provides = {}
        query = subprocess.run(
            ["dpkg-query", "-W", "-f",
             "${db:Status-Abbrev}\t${Package}\t${Depends}, ${Pre-Depends}\t${Provides}\n"],
            capture_output=True, text=True, check=True).stdout
        for line in query.splitlines():
            status, package, depends, provides = (line.split("\t") + ["", ""])[:4]
            if not status.startswith("ii"):
                continue
            groups = []
            for group in depends.split(","):
                names = [re.sub(r"[\s(].*", "", alt.strip()).split(":")[0]
                         for alt in group.split("|")]
                names = [n for n in names if n]
                if names:
                    groups.append(names)
            self.depends[package] = groups
            for provided in provides.split(","):
                provided = re.sub(r"[\s(].*", "", provided.strip())
                if provided:
                    self.provides.setdefault(provided, []).append(package)

    @staticmethod
    def variants(path):
        # Debian 12 merges /lib into /usr/lib: a file is listed under one, found under either.
        yield path
        if path.startswith("/usr/lib/"):
            yield path[len("/usr"):]
        elif path.startswith("/lib/"):
            yield "/usr" + path

    def package_of(self, path):
        # The file itself first: a symlink may belong to a -dev package.
        for candidate in (os.path.realpath(path), path):
            for variant in self.variants(candidate):
                if variant in self.owner:
                    return self.owner[variant]
        return None

    def installed(self, package):
        return package in self.depends or package in self.provides

    def closure(self, packages):
        """packages and everything they depend on (the first installed alternative of each)."""
        seen = set()
        todo = list(packages)
        while todo:
            package = todo.pop()
            if package in seen:
                continue
            seen.add(package)
            todo.extend(self.provides.get(package, []))
            for group in self.depends.get(package, []):
                chosen = next((n for n in group if self.installed(n)), None)
                if chosen:
                    todo.append(chosen)
        return seen


def shared_library_packages(dpkg, binary):
    """{library path: Debian package} for every shared library ldd resolves for the binary."""
    out = subprocess.run(["ldd", binary.path], capture_output=True, text=True).stdout
    libraries = {}
    for line in out.splitlines():
        match = re.search(r"=>\s*(/\S+)", line)
        if match:
            libraries[match.group(1)] = dpkg.package_of(match.group(1))
        elif "not found" in line:
            fail(f"{binary.label}: ldd: {line.strip()}")
    check(libraries, f"{binary.label}: ldd found no shared libraries")
    return libraries


# Files the analyzer reads at run time besides its libraries: the system header directories an
# uploaded TU is parsed against (services/analyzer/service/paths.cc), one file from each.
RUNTIME_FILES = {
    "prism-analyzer": [
        "/usr/include/stdio.h",
        "/usr/include/event2/event.h",
        "/usr/lib/gcc/*/*/include/stddef.h",
        "/usr/include/c++/*/vector",
        "/usr/lib/llvm-14/lib/clang/*/include/stddef.h",
    ],
}


# ----------------------------------------------------------------------------- systemd

def parse_unit(path):
    """[(section, key, value, line)] of a unit file or drop-in (continuation lines joined)."""
    entries = []
    section = None
    pending = ""
    with open(path) as f:
        for number, raw in enumerate(f, 1):
            line = raw.rstrip("\n")
            if pending:
                line = pending + " " + line.strip()
                pending = ""
            stripped = line.strip()
            if not stripped or stripped[0] in "#;":
                continue
            if stripped.endswith("\\"):
                pending = stripped[:-1].rstrip()
                continue
            if stripped.startswith("[") and stripped.endswith("]"):
                section = stripped[1:-1]
                continue
            key, sep, value = stripped.partition("=")
            if not check(sep, f"{path}:{number}: not KEY=VALUE: {stripped}"):
                continue
            entries.append((section, key.strip(), value.strip(), number))
    return entries


class Unit:
    def __init__(self, path, dropins=()):
        self.path = path
        self.name = os.path.basename(path)
        self.entries = parse_unit(path)
        for dropin in dropins:
            self.entries += parse_unit(dropin)
        self.dropins = list(dropins)

    def values(self, key, section=None):
        out = []
        for sec, k, v, _ in self.entries:
            if k == key and (section is None or sec == section):
                if v == "":
                    out = []  # an empty assignment resets the list
                else:
                    out.append(v)
        return out

    def value(self, key, section=None):
        values = self.values(key, section)
        return values[-1] if values else None

    def words(self, key, section=None):
        return [w for v in self.values(key, section) for w in v.split()]

    def environment(self):
        env = {}
        for value in self.values("Environment", "Service"):
            for assignment in shlex.split(value):
                name, _, val = assignment.partition("=")
                env[name] = val
        return env

    def exec_start(self):
        """ExecStart's argv with the unit's own Environment= defaults substituted, as systemd
        does: ${VAR} inside a word, $VAR alone splits into words."""
        value = self.value("ExecStart", "Service")
        if not check(value, f"{self.name}: no ExecStart="):
            return []
        env = self.environment()
        argv = []
        for word in shlex.split(value):
            for var in re.findall(r"\$\{(\w+)\}|\$(\w+)", word):
                var = var[0] or var[1]
                check(var in env, f"{self.name}: ExecStart uses ${var}, which no Environment= sets")
            if re.fullmatch(r"\$(\w+)", word):
                argv.extend(shlex.split(env.get(word[1:], "")))
            else:
                argv.append(re.sub(r"\$\{(\w+)\}", lambda m: env.get(m.group(1), ""), word))
        return [re.sub(r"^[-@:+!]+", "", argv[0])] + argv[1:] if argv else argv


SANDBOX = {
    "ProtectSystem": {"strict"},
    "ProtectHome": {"yes", "read-only", "tmpfs"},
    "PrivateTmp": {"yes"},
    "NoNewPrivileges": {"yes"},
    "PrivateDevices": {"yes"},
    "Restart": {"on-failure"},
}


def check_systemd(deploy, binaries, sysusers_root):
    directory = os.path.join(deploy, "systemd")
    unit_paths = sorted(glob.glob(os.path.join(directory, "*.service")))
    check(len(unit_paths) >= 2, f"{directory}: expected the units of both services")
    dropins = sorted(glob.glob(os.path.join(directory, "examples", "*.conf")))
    units = {}
    server_dropins = []
    for dropin in dropins:
        prefix = os.path.basename(dropin).split("-", 1)[0]
        if os.path.join(directory, f"prism-{prefix}.service") not in unit_paths:
            server_dropins.append(dropin)
    for path in unit_paths:
        name = os.path.basename(path)
        mine = [d for d in dropins
                if f"prism-{os.path.basename(d).split('-', 1)[0]}.service" == name]
        # Each unit alone (its defaults), and with all of its example drop-ins.
        for variant in ([], mine) if mine else ([],):
            unit = Unit(path, variant)
            where = name + (" + " + ", ".join(os.path.basename(d) for d in variant)
                            if variant else "")
            check_unit(unit, where, binaries)
            units.setdefault(name, unit)
            if variant:
                units[name + "+dropins"] = unit

    # Users and groups: a static User=/Group= must come from the sysusers file.
    passwd = read_colon_file(os.path.join(sysusers_root, "etc/passwd"))
    group = read_colon_file(os.path.join(sysusers_root, "etc/group"))
    for name, unit in units.items():
        if unit.value("DynamicUser") == "yes":
            continue
        user, grp = unit.value("User"), unit.value("Group")
        if not check(user and grp, f"{name}: neither DynamicUser=yes nor User= and Group="):
            continue
        check(user in passwd, f"{name}: User={user} is not created by deploy/systemd/*.sysusers")
        check(grp in group, f"{name}: Group={grp} is not created by deploy/systemd/*.sysusers")
        if user in passwd and grp in group:
            check(passwd[user][3] == group[grp][2],
                  f"{name}: {user}'s primary group (sysusers) is not {grp}")

    agent = units.get("prism-agent.service")
    if check(agent, "deploy/systemd: no prism-agent.service"):
        check_agent_unit(agent)
        check(server_dropins, "deploy/systemd/examples: no drop-in for a server that uses the agent")
        for dropin in server_dropins:
            server = Unit(dropin)
            where = os.path.basename(dropin)
            argv = agent.exec_start()
            socket = get_flag(argv, "--socket", "/run/prism/agent.sock")
            check(server.environment().get("PRISM_AGENT_SOCKET") == socket,
                  f"{where}: PRISM_AGENT_SOCKET is not the agent's --socket {socket}")
            check(get_flag(argv, "--socket-group") in server.words("SupplementaryGroups"),
                  f"{where}: SupplementaryGroups= lacks the agent's --socket-group "
                  f"{get_flag(argv, '--socket-group')}")
            check("prism-agent.service" in server.words("After"),
                  f"{where}: not After=prism-agent.service")
    analyzer = units.get("prism-analyzer.service")
    check(analyzer, "deploy/systemd: no prism-analyzer.service")


def read_colon_file(path):
    entries = {}
    if check(os.path.exists(path), f"{path}: missing (systemd-sysusers did not run?)"):
        with open(path) as f:
            for line in f:
                fields = line.rstrip("\n").split(":")
                entries[fields[0]] = fields
    return entries


def check_unit(unit, where, binaries):
    for key, allowed in SANDBOX.items():
        value = unit.value(key, "Service")
        check(value in allowed, f"{where}: {key}={value or ''} (want {' or '.join(sorted(allowed))})")
    check(unit.value("DynamicUser") == "yes" or (unit.value("User") and unit.value("Group")),
          f"{where}: neither DynamicUser=yes nor a dedicated User= and Group=")
    check(unit.values("CacheDirectory") or unit.values("StateDirectory"),
          f"{where}: no CacheDirectory= or StateDirectory= for its cache")
    argv = unit.exec_start()
    if not argv:
        return
    check(argv[0].startswith("/usr/local/bin/"),
          f"{where}: ExecStart runs {argv[0]}, not a binary installed in /usr/local/bin")
    binary = binaries.get(os.path.basename(argv[0]))
    if not check(binary, f"{where}: ExecStart runs {argv[0]}, which is none of the project's "
                 f"binaries ({', '.join(sorted(binaries))})"):
        return
    check_flags(where, binary, argv[1:])
    cache_dir = get_flag(argv, "--cache-dir")
    cache_dirs = ["/var/cache/" + d for d in unit.words("CacheDirectory")] + \
                 ["/var/lib/" + d for d in unit.words("StateDirectory")]
    if cache_dir is not None:
        check(cache_dir in cache_dirs,
              f"{where}: --cache-dir={cache_dir} is not its CacheDirectory/StateDirectory "
              f"({', '.join(cache_dirs)}): ProtectSystem=strict makes anything else read-only")
    if get_flag(argv, "--cache") == "redis":
        redis_host, _ = host_port(get_flag(argv, "--redis", "127.0.0.1:6379"))
        if redis_host in ("127.0.0.1", "localhost", "::1"):
            check("redis-server.service" in unit.words("After"),
                  f"{where}: Redis on this host but not After=redis-server.service")


def check_agent_unit(agent):
    argv = agent.exec_start()
    socket = get_flag(argv, "--socket", "/run/prism/agent.sock")
    runtime_dirs = ["/run/" + d for d in agent.words("RuntimeDirectory")]
    check(posixpath.dirname(socket) in runtime_dirs,
          f"prism-agent.service: --socket={socket} is not in its RuntimeDirectory "
          f"({', '.join(runtime_dirs) or 'none'})")
    check(agent.value("RuntimeDirectoryMode") == "0750",
          "prism-agent.service: RuntimeDirectoryMode= is not 0750 (owner and group only)")
    check(get_flag(argv, "--socket-group") == agent.value("Group"),
          f"prism-agent.service: --socket-group={get_flag(argv, '--socket-group')} is not its "
          f"Group={agent.value('Group')}")
    check_socket_mode("prism-agent.service", get_flag(argv, "--socket-mode", "0660"))


def check_socket_mode(where, mode):
    try:
        bits = int(mode, 8)
    except (TypeError, ValueError):
        fail(f"{where}: --socket-mode={mode} is not octal")
        return
    check(bits & 0o060 == 0o060, f"{where}: --socket-mode={mode}: the group cannot connect")
    check(bits & 0o007 == 0, f"{where}: --socket-mode={mode}: others can connect")


# ----------------------------------------------------------------------------- Containerfiles

class Stage:
    def __init__(self, base, name):
        self.base = base
        self.name = name
        self.instructions = []  # (INSTRUCTION, arguments, line)


def parse_containerfile(path):
    header = []
    stages = []
    pending, start = "", 0
    with open(path) as f:
        lines = f.read().splitlines()
    for number, raw in enumerate(lines, 1):
        stripped = raw.strip()
        if not pending and stripped.startswith("#"):
            if not stages:
                header.append(stripped.lstrip("# "))
            continue
        if not stripped and not pending:
            continue
        if not pending:
            start = number
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        text = pending + stripped
        pending = ""
        instruction, _, arguments = text.partition(" ")
        instruction = instruction.upper()
        arguments = arguments.strip()
        if instruction == "FROM":
            words = arguments.split()
            name = words[2] if len(words) >= 3 and words[1].upper() == "AS" else None
            stages.append(Stage(words[0], name))
        elif check(stages, f"{path}:{start}: {instruction} before FROM"):
            stages[-1].instructions.append((instruction, arguments, start))
    return header, stages


def exec_form(arguments):
    try:
        value = json.loads(arguments)
    except ValueError:
        return None
    return value if isinstance(value, list) and all(isinstance(v, str) for v in value) else None


def copy_sources(arguments):
    words = shlex.split(arguments)
    options = [w for w in words if w.startswith("--")]
    paths = [w for w in words if not w.startswith("--")]
    source_stage = next((o.split("=", 1)[1] for o in options if o.startswith("--from=")), None)
    return source_stage, paths[:-1], paths[-1] if paths else None


class Image:
    """What the deploy files need to know of one Containerfile's final image."""

    def __init__(self, path):
        self.path = path
        self.tag = None
        self.entrypoint = []
        self.cmd = []
        self.files = set()  # paths COPY puts into the final image
        self.groups = {}  # group name -> gid, from groupadd in the final stage
        self.packages = []
        self.binary_labels = []


def check_containerfiles(deploy, source_root, binaries_by_label, deps, dpkg):
    directory = os.path.join(deploy, "containers")
    configs = set(re.findall(r"^build:(\S+)", read(os.path.join(source_root, ".bazelrc")), re.M))
    workspace = read(os.path.join(source_root, "WORKSPACE"))
    workspace_paths = [p for p in re.findall(r'path\s*=\s*"([^"]+)"', workspace)
                       if not p.startswith("/")]
    workspace_paths += [m.lstrip("/").split(":")[0]
                        for m in re.findall(r'load\("(//[^"]*)"', workspace)]
    images = {}
    paths = sorted(glob.glob(os.path.join(directory, "*.Containerfile")))
    check(len(paths) >= 2, f"{directory}: expected a Containerfile for each service")
    for path in paths:
        where = "deploy/containers/" + os.path.basename(path)
        header, stages = parse_containerfile(path)
        image = Image(where)
        build_line = next((h for h in header if re.search(r"\b(docker|podman) build\b", h)), "")
        match = re.search(r"(?:docker|podman) build -f (\S+) -t (\S+) \.$", build_line)
        if check(match, f"{where}: its header comment does not say "
                 f"'docker build -f {where} -t TAG .' (the build context is the repository root)"):
            check(match.group(1) == where, f"{where}: its header builds {match.group(1)}")
            image.tag = match.group(2)
        if not check(len(stages) >= 2, f"{where}: not multi-stage"):
            continue
        builders = {s.name: s for s in stages[:-1] if s.name}
        for stage in stages[:-1]:
            check(stage.base == "debian:12", f"{where}: build stage FROM {stage.base}, not debian:12")
            check_build_stage(where, stage, source_root, configs, binaries_by_label, deps,
                              workspace_paths, image)
        final = stages[-1]
        check(final.base == "debian:12-slim", f"{where}: final stage FROM {final.base}, "
              "not debian:12-slim")
        check_final_stage(where, final, builders, source_root, image)
        images[image.tag] = image
        for label in image.binary_labels:
            check_runtime_packages(where, image, binaries_by_label[label], dpkg)
    return images


def check_build_stage(where, stage, source_root, configs, binaries_by_label, deps,
                      workspace_paths, image):
    workdir = "/"
    copied = []  # repository paths the stage has
    setup_seen = False
    built = []
    for instruction, arguments, line in stage.instructions:
        if instruction == "WORKDIR":
            workdir = arguments
        elif instruction == "COPY":
            source_stage, sources, destination = copy_sources(arguments)
            if source_stage:
                continue
            check(destination and (posixpath.normpath(posixpath.join(workdir, destination))
                                   .startswith(posixpath.normpath(workdir))),
                  f"{where}:{line}: COPY into {destination}, outside WORKDIR {workdir}")
            for source in sources:
                if not check(os.path.exists(os.path.join(source_root, source)),
                             f"{where}:{line}: COPY source {source} does not exist in the "
                             "repository"):
                    continue
                # The build expects the repository's layout under WORKDIR.
                if os.path.isdir(os.path.join(source_root, source)) or not destination.endswith("/"):
                    placed = destination
                else:
                    placed = posixpath.join(destination, posixpath.basename(source))
                check(posixpath.normpath(placed) == posixpath.normpath(source),
                      f"{where}:{line}: COPY puts {source} at {placed}, not at its repository path")
                copied.append(posixpath.normpath(source))
        elif instruction == "RUN":
            if "tools/setup.sh" in arguments:
                setup_seen = True
                check(covered("tools/setup.sh", copied),
                      f"{where}:{line}: runs tools/setup.sh before copying it")
            for command in re.findall(r"bazel build ([^&;|]*)", arguments):
                words = command.split()
                for word in words:
                    if word.startswith("--config="):
                        check(word.split("=", 1)[1] in configs,
                              f"{where}:{line}: {word}: .bazelrc defines no such config "
                              f"({', '.join(sorted(configs))})")
                for label in [w for w in words if w.startswith("//")]:
                    if check(label in binaries_by_label,
                             f"{where}:{line}: {label} is not a target the deploy test knows "
                             f"(tests/deploy/BUILD.bazel: {', '.join(sorted(binaries_by_label))})"):
                        built.append(label)
                check("--config=opt" in words, f"{where}:{line}: bazel build without --config=opt")
    check(setup_seen, f"{where}: build stage does not run tools/setup.sh")
    check(built, f"{where}: build stage runs no 'bazel build //...'")
    for needed in ["WORKSPACE", ".bazelrc"] + workspace_paths:
        check(covered(needed, copied), f"{where}: build stage does not copy {needed} "
              "(WORKSPACE and the repositories it names)")
    for label in built:
        for package in deps.get(label, {}).get("packages", []):
            check(covered(package, copied),
                  f"{where}: {label} depends on //{package}, which the build stage does not copy")
    image.binary_labels += built


def covered(path, copied):
    path = posixpath.normpath(path)
    return any(path == c or path.startswith(c + "/") or c == "." for c in copied)


def check_final_stage(where, final, builders, source_root, image):
    user = None
    exposed = set()
    for instruction, arguments, line in final.instructions:
        if instruction == "USER":
            user = arguments
        elif instruction == "EXPOSE":
            exposed |= {int(p.split("/")[0]) for p in arguments.split()}
        elif instruction == "COPY":
            source_stage, sources, destination = copy_sources(arguments)
            for source in sources:
                if source_stage:
                    builder = builders.get(source_stage)
                    if check(builder, f"{where}:{line}: COPY --from={source_stage}: no such stage"):
                        produced = " ".join(a for i, a, _ in builder.instructions if i == "RUN")
                        check(source in produced, f"{where}:{line}: COPY --from={source_stage} "
                              f"{source}: the build stage does not produce it")
                else:
                    check(os.path.exists(os.path.join(source_root, source)),
                          f"{where}:{line}: COPY source {source} does not exist in the repository")
                target = destination
                if destination.endswith("/") and len(sources) == 1 and not source.endswith("/"):
                    target = destination + posixpath.basename(source)
                image.files.add(posixpath.normpath(target))
        elif instruction == "RUN":
            for command in re.findall(r"apt-get install ([^&;|]*)", arguments):
                image.packages += [w for w in command.split() if not w.startswith("-")]
            for gid, name in re.findall(r"groupadd [^&;|]*?--gid (\d+) ([\w-]+)", arguments):
                image.groups[name] = int(gid)
        elif instruction == "ENTRYPOINT":
            image.entrypoint = exec_form(arguments)
            check(image.entrypoint, f"{where}:{line}: ENTRYPOINT is not in exec form")
        elif instruction == "CMD":
            image.cmd = exec_form(arguments)
            check(image.cmd is not None, f"{where}:{line}: CMD is not in exec form")
    # Numeric, so that Kubernetes' runAsNonRoot can verify it without the image's /etc/passwd.
    if check(user, f"{where}: final stage has no USER (it would run as root)"):
        uid = user.split(":")[0]
        check(uid.isdigit() and int(uid) != 0,
              f"{where}: final stage USER {user}: want a numeric, non-root uid")
    if check(image.entrypoint, f"{where}: final stage has no ENTRYPOINT"):
        check(posixpath.normpath(image.entrypoint[0]) in image.files,
              f"{where}: ENTRYPOINT runs {image.entrypoint[0]}, which no COPY puts in the image")
        argv = image.entrypoint + (image.cmd or [])
        binary = BINARIES.get(posixpath.basename(image.entrypoint[0]))
        if check(binary, f"{where}: ENTRYPOINT runs {image.entrypoint[0]}, none of the "
                 f"project's binaries ({', '.join(sorted(BINARIES))})"):
            check_flags(f"{where}: ENTRYPOINT", binary, argv[1:])
        port = listen_port(argv)
        if port:
            check(port in exposed, f"{where}: listens on port {port} but does not EXPOSE it")
        for port in exposed:
            check(listen_port(argv) == port, f"{where}: EXPOSE {port}, but does not listen on it")
    check(image.packages, f"{where}: final stage installs no runtime packages")


def listen_port(argv):
    listen = get_flag(argv, "--listen")
    if listen:
        return host_port(listen)[1]
    port = get_flag(argv, "--port")
    return int(port) if port and port.isdigit() else None


def check_runtime_packages(where, image, binary, dpkg):
    for package in image.packages:
        check(dpkg.installed(package),
              f"{where}: apt-get install {package}: no such package on this Debian "
              "(tools/setup.sh installs every runtime library's package)")
    have = dpkg.closure(image.packages)
    for library, package in sorted(shared_library_packages(dpkg, binary).items()):
        if check(package, f"{binary.label}: links {library}, which no Debian package provides"):
            check(package in have, f"{where}: {binary.name} links {library} "
                  f"(package {package}), which the final stage does not install")
    for pattern in RUNTIME_FILES.get(binary.name, []):
        found = sorted(glob.glob(pattern))
        if check(found, f"{binary.name} reads {pattern} at run time: not on this machine"):
            package = dpkg.package_of(found[0])
            check(package in have, f"{where}: {binary.name} reads {pattern} at run time "
                  f"(package {package}), which the final stage does not install")


def read(path):
    with open(path) as f:
        return f.read()


# ----------------------------------------------------------------------------- Kubernetes

NAMESPACED = {"Deployment", "DaemonSet", "StatefulSet", "Service", "Pod", "PodDisruptionBudget",
              "ConfigMap", "Secret", "NetworkPolicy"}
WORKLOADS = {"Deployment", "DaemonSet", "StatefulSet"}

# A minimal schema of the kinds used here: required fields, and the keys each object may have
# (a misspelt key, which Kubernetes would reject or silently drop, fails).
KINDS = {
    ("v1", "Namespace"): {"required": []},
    ("apps/v1", "Deployment"): {"required": ["spec.selector.matchLabels", "spec.template"]},
    ("apps/v1", "DaemonSet"): {"required": ["spec.selector.matchLabels", "spec.template"]},
    ("v1", "Service"): {"required": ["spec.selector", "spec.ports"]},
    ("v1", "Pod"): {"required": ["spec.containers"]},
    ("policy/v1", "PodDisruptionBudget"): {"required": ["spec.selector"]},
}
KEYS = {
    "object": {"apiVersion", "kind", "metadata", "spec"},
    "metadata": {"name", "namespace", "labels", "annotations"},
    "Deployment.spec": {"replicas", "selector", "template", "strategy", "minReadySeconds",
                        "revisionHistoryLimit", "progressDeadlineSeconds", "paused"},
    "DaemonSet.spec": {"selector", "template", "updateStrategy", "minReadySeconds",
                       "revisionHistoryLimit"},
    "Service.spec": {"type", "selector", "ports", "clusterIP", "sessionAffinity",
                     "internalTrafficPolicy"},
    "Service.port": {"name", "port", "targetPort", "protocol", "appProtocol"},
    "PodDisruptionBudget.spec": {"selector", "minAvailable", "maxUnavailable"},
    "template": {"metadata", "spec"},
    "pod": {"containers", "initContainers", "volumes", "securityContext", "serviceAccountName",
            "terminationGracePeriodSeconds", "nodeSelector", "tolerations", "affinity",
            "priorityClassName", "restartPolicy", "hostNetwork", "dnsPolicy",
            "automountServiceAccountToken", "topologySpreadConstraints"},
    "container": {"name", "image", "imagePullPolicy", "command", "args", "env", "ports",
                  "readinessProbe", "livenessProbe", "startupProbe", "resources",
                  "securityContext", "volumeMounts", "workingDir", "lifecycle"},
    "containerPort": {"name", "containerPort", "protocol", "hostPort"},
    "probe": {"exec", "grpc", "httpGet", "tcpSocket", "initialDelaySeconds", "periodSeconds",
              "timeoutSeconds", "failureThreshold", "successThreshold",
              "terminationGracePeriodSeconds"},
    "resources": {"requests", "limits"},
    "podSecurityContext": {"runAsUser", "runAsGroup", "runAsNonRoot", "fsGroup",
                           "supplementalGroups", "seccompProfile", "fsGroupChangePolicy"},
    "securityContext": {"runAsUser", "runAsGroup", "runAsNonRoot", "allowPrivilegeEscalation",
                        "readOnlyRootFilesystem", "capabilities", "privileged",
                        "seccompProfile"},
    "volumeMount": {"name", "mountPath", "readOnly", "subPath"},
    "volume": {"name", "hostPath", "emptyDir", "configMap", "secret",
               "persistentVolumeClaim"},
    "env": {"name", "value", "valueFrom"},
}
PROBE_HANDLERS = ("exec", "grpc", "httpGet", "tcpSocket")
DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")


def keys_ok(where, obj, allowed):
    if not check(isinstance(obj, dict), f"{where}: not a mapping"):
        return False
    for key in obj:
        check(key in KEYS[allowed], f"{where}: unknown field '{key}'")
    return True


def lookup(obj, dotted):
    for part in dotted.split("."):
        if not isinstance(obj, dict) or part not in obj:
            return None
        obj = obj[part]
    return obj


def is_port(value):
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 65535


def check_schema(where, doc):
    if not check(isinstance(doc, dict), f"{where}: not a mapping"):
        return False
    api, kind = doc.get("apiVersion"), doc.get("kind")
    ok = check(isinstance(api, str) and api, f"{where}: no apiVersion")
    ok &= check(isinstance(kind, str) and kind, f"{where}: no kind")
    if not ok:
        return False
    where = f"{where} ({kind})"
    keys_ok(where, doc, "object")
    schema = KINDS.get((api, kind))
    if not check(schema, f"{where}: {api} {kind} is not a kind the deploy checks know "
                 "(tests/deploy/check_deploy.py: KINDS)"):
        return False
    metadata = doc.get("metadata")
    if keys_ok(f"{where}.metadata", metadata, "metadata"):
        name = metadata.get("name")
        check(isinstance(name, str) and DNS_LABEL.match(name or ""),
              f"{where}: metadata.name {name!r} is not a DNS label")
        if kind in NAMESPACED:
            check(isinstance(metadata.get("namespace"), str),
                  f"{where}: no metadata.namespace")
        for key, value in (metadata.get("labels") or {}).items():
            check(isinstance(value, str), f"{where}: label {key} is not a string")
    for field in schema["required"]:
        check(lookup(doc, field) is not None, f"{where}: no {field}")
    spec = doc.get("spec")
    if kind in ("Deployment", "DaemonSet", "Service", "PodDisruptionBudget"):
        keys_ok(f"{where}.spec", spec, f"{kind}.spec")
    if kind in WORKLOADS and isinstance(spec, dict):
        if kind == "Deployment":
            check(isinstance(spec.get("replicas", 1), int), f"{where}: replicas is not a number")
        template = spec.get("template")
        if keys_ok(f"{where}.spec.template", template, "template"):
            selector = lookup(spec, "selector.matchLabels") or {}
            labels = lookup(template, "metadata.labels") or {}
            check(selector and all(labels.get(k) == v for k, v in selector.items()),
                  f"{where}: spec.selector.matchLabels {selector} does not match the pod "
                  f"template's labels {labels}")
            check_pod_schema(f"{where}.spec.template.spec", template.get("spec"))
    if kind == "Pod":
        check_pod_schema(f"{where}.spec", spec)
    if kind == "Service" and isinstance(spec, dict):
        for i, port in enumerate(spec.get("ports") or []):
            if keys_ok(f"{where}.spec.ports[{i}]", port, "Service.port"):
                check(is_port(port.get("port")), f"{where}: ports[{i}].port is not a port")
                target = port.get("targetPort", port.get("port"))
                check(is_port(target) or (isinstance(target, str) and DNS_LABEL.match(target)),
                      f"{where}: ports[{i}].targetPort {target!r} is neither a port nor a name")
    return True


def check_pod_schema(where, pod):
    if not keys_ok(where, pod, "pod"):
        return
    volumes = {}
    for i, volume in enumerate(pod.get("volumes") or []):
        if keys_ok(f"{where}.volumes[{i}]", volume, "volume"):
            sources = [k for k in volume if k != "name"]
            check(len(sources) == 1, f"{where}.volumes[{i}]: want exactly one source, not {sources}")
            volumes[volume.get("name")] = volume
            hostpath = volume.get("hostPath")
            if hostpath is not None:
                check(isinstance(hostpath, dict) and str(hostpath.get("path", "")).startswith("/"),
                      f"{where}.volumes[{i}].hostPath: no absolute path")
    if pod.get("securityContext") is not None:
        keys_ok(f"{where}.securityContext", pod["securityContext"], "podSecurityContext")
    check(pod.get("containers"), f"{where}: no containers")
    for group in ("initContainers", "containers"):
        for i, container in enumerate(pod.get(group) or []):
            check_container_schema(f"{where}.{group}[{i}]", container, volumes)


def check_container_schema(where, container, volumes):
    if not keys_ok(where, container, "container"):
        return
    check(isinstance(container.get("name"), str) and DNS_LABEL.match(container.get("name", "")),
          f"{where}: name is not a DNS label")
    check(isinstance(container.get("image"), str) and container.get("image"),
          f"{where}: no image")
    for field in ("command", "args"):
        value = container.get(field, [])
        check(isinstance(value, list) and all(isinstance(v, str) for v in value),
              f"{where}.{field}: not a list of strings (quote numbers and yes/no)")
    for i, port in enumerate(container.get("ports") or []):
        if keys_ok(f"{where}.ports[{i}]", port, "containerPort"):
            check(is_port(port.get("containerPort")), f"{where}.ports[{i}]: containerPort "
                  f"{port.get('containerPort')!r} is not a port number")
            if "name" in port:
                check(isinstance(port["name"], str) and len(port["name"]) <= 15
                      and DNS_LABEL.match(port["name"]),
                      f"{where}.ports[{i}]: name {port['name']!r} is not a port name")
    for i, env in enumerate(container.get("env") or []):
        if keys_ok(f"{where}.env[{i}]", env, "env"):
            check(isinstance(env.get("name"), str), f"{where}.env[{i}]: no name")
            check(isinstance(env.get("value", ""), str), f"{where}.env[{i}]: value not a string")
    for probe in ("readinessProbe", "livenessProbe", "startupProbe"):
        if probe in container and keys_ok(f"{where}.{probe}", container[probe], "probe"):
            handlers = [h for h in PROBE_HANDLERS if h in container[probe]]
            check(len(handlers) == 1, f"{where}.{probe}: want one handler, not {handlers}")
            for field, value in container[probe].items():
                if field not in PROBE_HANDLERS:
                    check(isinstance(value, int), f"{where}.{probe}.{field}: not a number")
    if "resources" in container:
        keys_ok(f"{where}.resources", container["resources"], "resources")
    if "securityContext" in container:
        keys_ok(f"{where}.securityContext", container["securityContext"], "securityContext")
    for i, mount in enumerate(container.get("volumeMounts") or []):
        if keys_ok(f"{where}.volumeMounts[{i}]", mount, "volumeMount"):
            check(mount.get("name") in volumes,
                  f"{where}.volumeMounts[{i}]: no volume named {mount.get('name')!r}")
            check(str(mount.get("mountPath", "")).startswith("/"),
                  f"{where}.volumeMounts[{i}]: mountPath is not absolute")


class Container:
    """A container with its pod, effective argv and the binary it runs."""

    def __init__(self, workload, pod, spec, images, binaries, init):
        self.workload = workload
        self.pod = pod
        self.spec = spec
        self.init = init
        self.where = f"{workload['kind']}/{workload['metadata']['name']} container {spec['name']}"
        self.image = images.get(spec.get("image"))
        command = spec.get("command")
        args = spec.get("args")
        if command is None and self.image:
            command = self.image.entrypoint
            args = args if args is not None else self.image.cmd
        self.argv = [str(a) for a in list(command or []) + list(args or [])]
        self.binary = binaries.get(posixpath.basename(self.argv[0])) if self.argv else None
        self.volumes = {v["name"]: v for v in pod.get("volumes") or []}

    def mount_of(self, path):
        """(volumeMount, volume, path inside the volume) of the mount holding path."""
        best = None
        for mount in self.spec.get("volumeMounts") or []:
            root = mount["mountPath"].rstrip("/")
            if path == root or path.startswith(root + "/"):
                if best is None or len(root) > len(best[0]["mountPath"].rstrip("/")):
                    best = (mount, self.volumes.get(mount["name"]), path[len(root):].lstrip("/"))
        return best

    def host_path(self, path):
        """The node's path for a path inside a hostPath mount, else None."""
        found = self.mount_of(path)
        if not found or not found[1] or "hostPath" not in found[1]:
            return None
        return posixpath.normpath(posixpath.join(found[1]["hostPath"]["path"], found[2]))

    def groups(self):
        context = self.pod.get("securityContext") or {}
        own = self.spec.get("securityContext") or {}
        groups = set(context.get("supplementalGroups") or [])
        for source in (context, own):
            for key in ("runAsGroup", "fsGroup"):
                if key in source:
                    groups.add(source[key])
        return groups

    def run_as(self, key):
        own = self.spec.get("securityContext") or {}
        return own.get(key, (self.pod.get("securityContext") or {}).get(key))


def load_manifests(directory):
    docs = []
    for path in sorted(glob.glob(os.path.join(directory, "*.yaml"))):
        name = os.path.basename(path)
        try:
            with open(path) as f:
                loaded = list(yaml.safe_load_all(f))
        except yaml.YAMLError as error:
            fail(f"deploy/kubernetes/{name}: not YAML: {error}")
            continue
        for i, doc in enumerate(loaded):
            if doc is not None:
                docs.append((f"deploy/kubernetes/{name}[{i}]", name, doc))
    return docs


def check_kubernetes(deploy, images, binaries):
    directory = os.path.join(deploy, "kubernetes")
    docs = load_manifests(directory)
    files = {name for _, name, _ in docs}
    kustomization = [d for w, n, d in docs if n == "kustomization.yaml"]
    if check(kustomization, "deploy/kubernetes: no kustomization.yaml"):
        k = kustomization[0]
        check(k.get("kind") == "Kustomization" and
              k.get("apiVersion", "").startswith("kustomize.config.k8s.io/"),
              "deploy/kubernetes/kustomization.yaml: not a Kustomization")
        listed = set(k.get("resources") or [])
        for name in sorted(files - {"kustomization.yaml"} - listed):
            fail(f"deploy/kubernetes/kustomization.yaml: does not list {name}")
        for name in sorted(listed - files):
            fail(f"deploy/kubernetes/kustomization.yaml: lists {name}, which does not exist")
    objects = []
    for where, name, doc in docs:
        if name == "kustomization.yaml":
            continue
        if check_schema(where, doc):
            doc["_where"] = where
            objects.append(doc)

    namespaces = {o["metadata"]["name"] for o in objects if o["kind"] == "Namespace"}
    for o in objects:
        if o["kind"] in NAMESPACED:
            check(o["metadata"].get("namespace") in namespaces,
                  f"{o['_where']}: namespace {o['metadata'].get('namespace')} is not defined here")

    # Pods: workload templates and bare Pods.
    pods = []
    for o in objects:
        if o["kind"] in WORKLOADS:
            template = o["spec"].get("template") or {}
            pods.append((o, (template.get("metadata") or {}).get("labels") or {},
                         template.get("spec") or {}))
        elif o["kind"] == "Pod":
            pods.append((o, o["metadata"].get("labels") or {}, o["spec"] or {}))
    containers = []
    for workload, _, pod in pods:
        for group in ("initContainers", "containers"):
            for spec in pod.get(group) or []:
                if isinstance(spec, dict) and "name" in spec:
                    containers.append(Container(workload, pod, spec, images, binaries,
                                                group == "initContainers"))

    services = [o for o in objects if o["kind"] == "Service"]
    for service in services:
        check_service(service, pods, containers)
    for o in objects:
        if o["kind"] == "PodDisruptionBudget":
            selector = o["spec"]["selector"].get("matchLabels") or {}
            check(any(selects(selector, labels, o, w) for w, labels, _ in pods),
                  f"{o['_where']}: selector {selector} matches no workload's pods")

    for container in containers:
        check_container(container, images, services)

    analyzers = [c for c in containers if c.binary and c.binary.name == "prism-analyzer"]
    agents = [c for c in containers if c.binary and c.binary.name == "prism-agent" and not c.init]
    check(analyzers, "deploy/kubernetes: no container runs prism-analyzer")
    check(agents, "deploy/kubernetes: no container runs prism-agent")
    for analyzer in analyzers:
        check_analyzer(analyzer, services)
    for agent in agents:
        check_agent(agent, containers, images, services)


def selects(selector, labels, a, b):
    return (bool(selector) and a["metadata"].get("namespace") == b["metadata"].get("namespace")
            and all(labels.get(k) == v for k, v in selector.items()))


def check_service(service, pods, containers):
    where = service["_where"]
    selector = service["spec"].get("selector") or {}
    chosen = [w for w, labels, _ in pods if selects(selector, labels, service, w)]
    if not check(chosen, f"{where}: selector {selector} selects no workload's pods"):
        return
    ports = [p for c in containers if c.workload in chosen and not c.init
             for p in c.spec.get("ports") or []]
    for port in service["spec"].get("ports") or []:
        target = port.get("targetPort", port.get("port"))
        check(any(target in (p.get("name"), p.get("containerPort")) for p in ports),
              f"{where}: targetPort {target!r} is no containerPort of the pods it selects "
              f"({', '.join(str(p.get('name') or p.get('containerPort')) for p in ports)})")


def service_for(address, namespace, services):
    """The Service (and port entry) a HOST:PORT in the cluster names, or None."""
    host, port = host_port(address)
    parts = host.split(".")
    name = parts[0]
    ns = parts[1] if len(parts) > 1 else namespace
    if len(parts) > 2 and ".".join(parts[2:]) not in ("svc", "svc.cluster.local"):
        return None, None
    for service in services:
        if service["metadata"]["name"] == name and service["metadata"].get("namespace") == ns:
            entry = next((p for p in service["spec"].get("ports") or [] if p.get("port") == port),
                         None)
            return service, entry
    return None, None


def check_address(where, flag, address, namespace, services):
    service, entry = service_for(address, namespace, services)
    if check(service, f"{where}: {flag}={address}: no Service of that name in the manifests "
             f"({', '.join(s['metadata']['name'] + '.' + s['metadata'].get('namespace', '') for s in services)})"):
        check(entry, f"{where}: {flag}={address}: Service {service['metadata']['name']} has no "
              "such port")


def probe_ports(probe):
    for handler in ("grpc", "tcpSocket", "httpGet"):
        if handler in probe:
            yield handler, probe[handler].get("port")


def exec_commands(argv):
    """The commands inside an exec argv: itself, or the statements of `sh -c SCRIPT`."""
    if len(argv) >= 3 and posixpath.basename(argv[0]) in ("sh", "bash") and argv[1] == "-c":
        lexer = shlex.shlex(argv[2], posix=True, punctuation_chars=";&|<>")
        lexer.whitespace_split = True
        command = []
        for token in lexer:
            if token and all(ch in ";&|<>" for ch in token):
                if command:
                    yield command
                command = []
                if token in (">", "<", ">>"):
                    next(lexer, None)  # the redirection's target
            else:
                command.append(token)
        if command:
            yield command
    else:
        yield argv


def check_container(container, images, services):
    where = container.where
    spec = container.spec
    image = spec.get("image", "")
    if container.image is None:
        name, _, tag = image.rpartition(":")
        check(name and tag and tag != "latest" and "/" not in tag,
              f"{where}: image {image} has no explicit tag (and is not built by "
              "deploy/containers/)")
    namespace = container.workload["metadata"].get("namespace")
    binary = container.binary
    if container.image and container.argv:
        program = posixpath.normpath(container.argv[0])
        check(program in container.image.files or program.startswith(("/bin/", "/usr/bin/")),
              f"{where}: runs {container.argv[0]}, which {container.image.path} does not install")
    if binary:
        check_flags(where, binary, container.argv[1:])
        # In the cluster, these name Services of the manifests.
        for flag in ("--redis", "--analyzer"):
            address = get_flag(container.argv, flag)
            if address:
                check_address(where, flag, address, namespace, services)
        # Paths the program reads from its image.
        for flag in ("--docroot",):
            path = get_flag(container.argv, flag)
            if path and container.image:
                check(posixpath.normpath(path) in container.image.files,
                      f"{where}: {flag} {path}: {container.image.path} puts nothing there")
    elif container.image and not (container.argv and
                                  container.argv[0].startswith(("/bin/", "/usr/bin/"))):
        fail(f"{where}: runs {container.argv[:1]}, none of the project's binaries")
    # Probes: ports are this container's, exec commands use real flags.
    ports = spec.get("ports") or []
    for kind in ("readinessProbe", "livenessProbe", "startupProbe"):
        probe = spec.get(kind)
        if not probe:
            continue
        for handler, port in probe_ports(probe):
            check(any(port in (p.get("name"), p.get("containerPort")) for p in ports),
                  f"{where}: {kind}.{handler} port {port!r} is no containerPort of it")
        if "exec" in probe and container.image:
            for command in exec_commands(probe["exec"].get("command") or []):
                program = binaries_of(command, container)
                if program:
                    check_flags(f"{where} {kind}", program, command[1:])
    # A read-only root file system: the directories it writes must be mounted writable.
    security = spec.get("securityContext") or {}
    if security.get("readOnlyRootFilesystem") and binary:
        for flag in ("--cache-dir",):
            path = get_flag(container.argv, flag)
            if path:
                found = container.mount_of(path)
                check(found and not found[0].get("readOnly"),
                      f"{where}: {flag}={path} is not on a writable volume "
                      "(readOnlyRootFilesystem)")
    if not container.init:
        check(container.run_as("runAsNonRoot") is True, f"{where}: runAsNonRoot is not true")
        check(security.get("allowPrivilegeEscalation") is False,
              f"{where}: allowPrivilegeEscalation is not false")


def binaries_of(command, container):
    if not command:
        return None
    name = posixpath.basename(command[0])
    if command[0].startswith("/"):
        check(posixpath.normpath(command[0]) in container.image.files
              or command[0].startswith(("/bin/", "/usr/bin/")),
              f"{container.where}: a probe runs {command[0]}, which {container.image.path} "
              "does not install")
    return BINARIES.get(name)


def check_analyzer(analyzer, services):
    where = analyzer.where
    argv = analyzer.argv
    listen = get_flag(argv, "--listen", "127.0.0.1:8980")
    host, port = host_port(listen)
    check(host in ("0.0.0.0", "[::]", "::"), f"{where}: --listen={listen}: the Service and the "
          "kubelet's probes reach the pod IP, not loopback")
    ports = [p.get("containerPort") for p in analyzer.spec.get("ports") or []]
    check(port in ports, f"{where}: listens on {port}, not a containerPort ({ports})")
    for kind in ("readinessProbe", "livenessProbe"):
        probe = analyzer.spec.get(kind) or {}
        if check("grpc" in probe, f"{where}: {kind} is not a gRPC probe (the analyzer serves "
                 "grpc.health.v1.Health)"):
            check(probe["grpc"].get("port") == port,
                  f"{where}: {kind}.grpc.port {probe['grpc'].get('port')} is not --listen's {port}")
    replicas = analyzer.workload["spec"].get("replicas", 1)
    if analyzer.workload["kind"] == "Deployment" and replicas > 1:
        check(get_flag(argv, "--cache") == "redis",
              f"{where}: {replicas} replicas without --cache=redis do not share their cache")
    if get_flag(argv, "--cache") == "redis":
        check(get_flag(argv, "--redis"), f"{where}: --cache=redis without --redis=HOST:PORT")
    check(analyzer.spec.get("resources", {}).get("requests"), f"{where}: no resource requests")


def check_agent(agent, containers, images, services):
    where = agent.where
    argv = agent.argv
    namespace = agent.workload["metadata"].get("namespace")
    check(agent.workload["kind"] == "DaemonSet", f"{where}: the agent is per node: a DaemonSet")
    analyzer = get_flag(argv, "--analyzer")
    if check(analyzer, f"{where}: no --analyzer=HOST:PORT"):
        check_address(where, "--analyzer", analyzer, namespace, services)
    socket = get_flag(argv, "--socket", "/run/prism/agent.sock")
    host_socket = agent.host_path(socket)
    if not check(host_socket, f"{where}: --socket={socket} is not on a hostPath volume, so no "
                 "other pod on the node can reach it"):
        return
    found = agent.mount_of(socket)
    check(not found[0].get("readOnly"), f"{where}: the socket's volume is mounted read-only")
    cache = get_flag(argv, "--cache-dir")
    if check(cache, f"{where}: no --cache-dir"):
        check(agent.host_path(cache), f"{where}: --cache-dir={cache} is not on a hostPath volume: "
              "a restarted agent would lose its cache")
    # The socket's group: the agent creates it (primary group), the servers carry it.
    check_socket_mode(where, get_flag(argv, "--socket-mode", "0660"))
    group = get_flag(argv, "--socket-group")
    gid = None
    if check(group, f"{where}: no --socket-group"):
        if group.isdigit():
            gid = int(group)
        elif agent.image:
            gid = agent.image.groups.get(group)
        check(gid is not None, f"{where}: --socket-group={group}: no such group in the image "
              f"({agent.image.path if agent.image else 'not built here'})")
    if gid is not None:
        check(agent.run_as("runAsGroup") == gid,
              f"{where}: runAsGroup {agent.run_as('runAsGroup')} is not the socket's group {gid}")
    # Probes of the agent: exec commands that name a socket name this one.
    for kind in ("readinessProbe", "livenessProbe"):
        probe = agent.spec.get(kind)
        if not check(probe, f"{where}: no {kind}"):
            continue
        for command in exec_commands((probe.get("exec") or {}).get("command") or []):
            if posixpath.basename(command[0]) == "prism-agent":
                check(get_flag(command, "--socket", "/run/prism/agent.sock") == socket,
                      f"{where}: {kind} asks --socket={get_flag(command, '--socket')}, "
                      f"not the agent's {socket}")
    # Init containers that prepare the socket's directory on the node.
    socket_dir = posixpath.dirname(host_socket)
    chowned = False
    for init in containers:
        if not init.init or init.workload is not agent.workload:
            continue
        for command in exec_commands(init.argv):
            if command and command[0] in ("chown", "chmod"):
                target = command[-1]
                if init.host_path(target) != socket_dir:
                    continue
                if command[0] == "chown":
                    chowned = True
                    owner = command[-2]
                    check(owner == f"{agent.run_as('runAsUser')}:{gid}",
                          f"{init.where}: chown {owner} {target}: want the agent's "
                          f"{agent.run_as('runAsUser')}:{gid}")
                else:
                    mode = int(command[-2], 8) if re.fullmatch(r"[0-7]+", command[-2]) else 0
                    check(mode & 0o050 == 0o050 and mode & 0o007 == 0,
                          f"{init.where}: chmod {command[-2]} {target}: want group r-x, others "
                          "nothing")
    if agent.run_as("runAsUser") not in (None, 0):
        check(chowned, f"{where}: runs as {agent.run_as('runAsUser')}, but no init container "
              f"hands it the node's {socket_dir} (the kubelet creates hostPath directories as "
              "root)")
    # Servers: pods mounting the socket's directory from the node.
    servers = [c for c in containers if c.workload is not agent.workload and not c.init
               and socket_path_in(c, host_socket)]
    check(servers, f"{where}: no server pod mounts the node's {socket_dir}")
    for server in servers:
        env = {e.get("name"): e.get("value") for e in server.spec.get("env") or []}
        seen = env.get("PRISM_AGENT_SOCKET")
        check(seen == socket, f"{server.where}: PRISM_AGENT_SOCKET={seen}, not the agent's "
              f"--socket={socket}")
        if seen:
            check(server.host_path(seen) == host_socket,
                  f"{server.where}: PRISM_AGENT_SOCKET={seen} is the node's "
                  f"{server.host_path(seen)}, not the agent's socket {host_socket}")
        if gid is not None:
            check(gid in server.groups(), f"{server.where}: does not carry the socket's group "
                  f"{gid} (supplementalGroups, runAsGroup or fsGroup)")


def socket_path_in(container, host_socket):
    """Where the node's host_socket appears inside container, if a hostPath mount holds it."""
    for mount in container.spec.get("volumeMounts") or []:
        volume = container.volumes.get(mount["name"]) or {}
        root = (volume.get("hostPath") or {}).get("path")
        if root and (host_socket == root or host_socket.startswith(root.rstrip("/") + "/")):
            return posixpath.join(mount["mountPath"], host_socket[len(root.rstrip("/")):]
                                  .lstrip("/"))
    return None


# ----------------------------------------------------------------------------- README

def check_readme(deploy):
    """deploy/README.md names every deployment file."""
    path = os.path.join(deploy, "README.md")
    if not check(os.path.exists(path), "deploy/README.md is missing"):
        return
    text = read(path)
    for root, _, names in os.walk(deploy):
        for name in names:
            relative = os.path.relpath(os.path.join(root, name), deploy)
            if relative not in ("README.md", "BUILD.bazel"):
                check(f"`{relative}`" in text, f"deploy/README.md does not describe {relative}")


# ----------------------------------------------------------------------------- main

BINARIES = {}


def read_deps(path):
    packages = set()
    with open(path) as f:
        for line in f:
            label = line.strip()
            if label.startswith("//"):
                packages.add(label[2:].split(":")[0])
    return {"packages": sorted(p for p in packages if p)}


def main(argv):
    options = parse_args(argv)
    binaries_by_label = {label: Binary(label, path) for label, path in options["binary"].items()}
    BINARIES.update({b.name: b for b in binaries_by_label.values()})
    deps = {label: read_deps(path) for label, path in options["deps"].items()}
    for label in binaries_by_label:
        check(label in deps, f"tests/deploy/BUILD.bazel: no --deps for {label}")
    dpkg = Dpkg()
    check_systemd(options["deploy"], BINARIES, options["sysusers_root"])
    images = check_containerfiles(options["deploy"], options["source_root"], binaries_by_label,
                                  deps, dpkg)
    check_kubernetes(options["deploy"], images, BINARIES)
    check_readme(options["deploy"])
    for message in failures:
        print(f"FAIL: {message}")
    if failures:
        print(f"deploy checks: {len(failures)} of {checks} failed")
        return 1
    print(f"deploy checks: all {checks} passed")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
