#!/usr/bin/env bash
# Validates deploy/ (deploy/README.md): the systemd units with systemd-analyze (verify, and an
# offline security score) and their users with systemd-sysusers; then check_deploy.py: the units'
# sandboxing and wiring, the Containerfiles against the build (targets, configs, COPY sources,
# every package a build reads) and the shared libraries of the real binaries, the Kubernetes
# manifests' wiring (Services, ports, probes, the agent's socket, its group, the addresses the
# services dial) and a minimal schema. Then every kind of check is shown to fail: each mutation
# below breaks one thing in a copy of deploy/ and the checks must name it.
#
# Arguments (BUILD.bazel): --binary=LABEL=PATH and --deps=LABEL=PATH, passed to check_deploy.py.
set -Eeuo pipefail
trap 'echo "FAIL: line $LINENO: $BASH_COMMAND exited $?"' ERR
work=$(mktemp -d "${TEST_TMPDIR:-/tmp}/deploy.XXXXXX")
trap 'rm -rf "$work"' EXIT
fail() {
  echo "FAIL: $*"
  exit 1
}

python=/usr/bin/python3 # Debian's, with python3-yaml (tools/setup.sh); not a pyenv one on PATH
"$python" -c 'import yaml' 2>/dev/null || fail "python3-yaml is not installed (tools/setup.sh)"
command -v systemd-analyze >/dev/null || fail "systemd-analyze is not installed"
command -v systemd-sysusers >/dev/null || fail "systemd-sysusers is not installed"

# The source tree, for .bazelrc, WORKSPACE and the Containerfiles' COPY sources: where the
# runfiles' deploy files point.
source_root=$(dirname "$(dirname "$(readlink -f deploy/README.md)")")
[[ -f $source_root/.bazelrc && -f $source_root/WORKSPACE ]] ||
  fail "cannot find the source tree (from deploy/README.md: $source_root)"

# check_systemd DEPLOY OUT: systemd's own tools on the units of DEPLOY/systemd; users and groups
# are created under OUT/root. Prints FAIL lines; returns non-zero on any.
check_systemd() {
  local deploy=$1 out=$2 status=0
  local units=$out/units
  mkdir -p "$units" "$out/root/etc/sysusers.d"
  # systemd-analyze verify fails a unit whose ExecStart binary is not installed, and the
  # binaries are not installed on this machine: check copies that run /bin/true instead (the
  # binary's path and flags are check_deploy.py's to check).
  local unit name prefix dropin
  for unit in "$deploy"/systemd/*.service; do
    sed -E 's#^(Exec[A-Za-z]*=[-@:+!]*)/usr/local/bin/[^ ]+#\1/bin/true#' "$unit" \
      >"$units/$(basename "$unit")"
  done
  # The example drop-ins, each beside the unit it is for; a server's, beside a stand-in server.
  for dropin in "$deploy"/systemd/examples/*.conf; do
    prefix=$(basename "$dropin")
    prefix=${prefix%%-*}
    name=prism-$prefix.service
    if [[ ! -f $units/$name ]]; then
      name=example-server.service
      printf '[Service]\nExecStart=/bin/true\n' >"$units/$name"
    fi
    mkdir -p "$units/$name.d"
    cp "$dropin" "$units/$name.d/"
  done
  # verify exits 0 on mere warnings (an unknown directive, a bad value): any line it prints
  # about these units or drop-ins is a failure.
  local verify_status=0
  (cd "$units" && systemd-analyze verify --man=no ./*.service) >"$out/verify.log" 2>&1 ||
    verify_status=$?
  if ((verify_status != 0)) || grep -E '\.service|\.conf|/units/' "$out/verify.log" >/dev/null; then
    echo "FAIL: systemd-analyze verify (exit $verify_status):"
    sed 's/^/  /' "$out/verify.log"
    status=1
  fi
  # The sandbox, scored by systemd itself: exposure at most 2.5 of 10 ("OK").
  for unit in "$units"/prism-*.service; do
    if ! systemd-analyze security --offline=true --threshold=25 "$unit" >"$out/security.log" 2>&1
    then
      echo "FAIL: $(basename "$unit"): systemd-analyze security: $(grep -o 'Overall exposure.*' \
        "$out/security.log" || tail -1 "$out/security.log") (want at most 2.5)"
      status=1
    fi
  done
  local sysusers found=0
  for sysusers in "$deploy"/systemd/*.sysusers; do
    [[ -f $sysusers ]] || continue
    cp "$sysusers" "$out/root/etc/sysusers.d/$(basename "$sysusers" .sysusers).conf"
    found=1
  done
  ((found)) || {
    echo "FAIL: deploy/systemd has no *.sysusers file"
    status=1
  }
  if ! systemd-sysusers --root="$out/root" >"$out/sysusers.log" 2>&1; then
    echo "FAIL: systemd-sysusers: $(cat "$out/sysusers.log")"
    status=1
  fi
  return $status
}

# check_all DEPLOY: every check on the deploy directory DEPLOY.
check_all() {
  local deploy=$1 out
  shift
  out=$(mktemp -d "$work/run.XXXXXX")
  local status=0
  check_systemd "$deploy" "$out" || status=1
  "$python" tests/deploy/check_deploy.py --deploy="$deploy" --source-root="$source_root" \
    --sysusers-root="$out/root" "$@" || status=1
  return $status
}

binary_args=("$@")
check_all deploy "${binary_args[@]}" || fail "deploy/ does not pass its checks (above)"

# Mutations: FILE (under deploy/), a sed expression that breaks it, and what the failure says.
mutations=0
mutate() {
  local file=$1 expression=$2 expect=$3
  local copy=$work/mutant
  rm -rf "$copy"
  cp -rL deploy "$copy"
  sed -i -e "$expression" "$copy/$file"
  cmp -s "deploy/$file" "$copy/$file" && fail "mutation '$expression' does not change $file"
  if check_all "$copy" "${binary_args[@]}" >"$work/mutant.log" 2>&1; then
    fail "$file broken by '$expression' still passes"
  fi
  if ! grep -qF -- "$expect" "$work/mutant.log"; then
    cat "$work/mutant.log"
    fail "$file broken by '$expression': no failure says '$expect'"
  fi
  mutations=$((mutations + 1))
}

# systemd
mutate systemd/prism-agent.service 's/^ProtectHome=yes/ProtecHome=yes/' 'systemd-analyze verify'
mutate systemd/prism-agent.service 's/^RestartSec=1s/RestartSec=soon/' 'systemd-analyze verify'
mutate systemd/prism-analyzer.service '/^ProtectSystem=/d' 'ProtectSystem='
mutate systemd/prism-analyzer.service '/^Restrict\|^Protect\|^System\|^Private\|^Capab/d' \
  'systemd-analyze security'
mutate systemd/prism-analyzer.service 's/--cache-dir=/--cache-directory=/' \
  '--cache-directory is not a flag of prism-analyzer'
mutate systemd/prism-analyzer.service 's#--cache-dir=/var/cache/prism-analyzer#--cache-dir=/srv/x#' \
  'is not its CacheDirectory'
mutate systemd/prism-analyzer.service 's/PRISM_ANALYZER_LISTEN}/PRISM_ANALYZER_LISTENS}/' \
  'which no Environment= sets'
mutate systemd/prism-analyzer.service 's#/usr/local/bin/prism-analyzer#/opt/prism-analyzer#' \
  'not a binary installed in /usr/local/bin'
mutate systemd/prism-analyzer.service '/^After=redis-server.service/d' 'After=redis-server.service'
mutate systemd/prism-agent.service 's/--socket-group=prism/--socket-group=www-data/' \
  'is not its Group=prism'
mutate systemd/prism-agent.service 's/--socket-mode=0660/--socket-mode=0666/' 'others can connect'
mutate systemd/prism-agent.service 's#--socket=/run/prism/#--socket=/run/other/#' \
  'is not in its RuntimeDirectory'
mutate systemd/prism-agent.service 's/^RuntimeDirectoryMode=0750/RuntimeDirectoryMode=0755/' \
  'RuntimeDirectoryMode= is not 0750'
mutate systemd/prism-agent.service 's/^User=prism-agent/User=prism-agentd/' \
  'User=prism-agentd is not created'
mutate systemd/prism.sysusers 's/^u prism-agent -:prism/u prism-agent -/' \
  "prism-agent's primary group (sysusers) is not prism"
mutate systemd/examples/server-prism-agent.conf 's/^SupplementaryGroups=prism/SupplementaryGroups=www-data/' \
  "lacks the agent's --socket-group"
mutate systemd/examples/server-prism-agent.conf 's#agent.sock#agent.socket#' \
  "PRISM_AGENT_SOCKET is not the agent's --socket"
mutate systemd/examples/analyzer-token.conf 's/--token-file=/--token=/' \
  '--token is not a flag of prism-analyzer'
# Containerfiles
mutate containers/analyzer.Containerfile 's#//services/analyzer/service:prism-analyzer#//services/analyzer/service:analyzer#' \
  'is not a target the deploy test knows'
mutate containers/agent.Containerfile 's/--config=opt/--config=fast/' '.bazelrc defines no such config'
mutate containers/analyzer.Containerfile 's#^COPY proto/ proto/#COPY protos/ protos/#' \
  'COPY source protos/ does not exist'
mutate containers/agent.Containerfile '\#^COPY proto/ proto/#d' \
  'depends on //proto, which the build stage does not copy'
mutate containers/agent.Containerfile 's#^COPY services/ services/#COPY services/ src/services/#' \
  'not at its repository path'
mutate containers/httpd-example.Containerfile 's#^COPY third_party/ third_party/#COPY tools/ tools/#' \
  'does not copy third_party'
mutate containers/analyzer.Containerfile 's/^USER 10002:10002/USER root/' 'want a numeric, non-root uid'
mutate containers/agent.Containerfile '/^USER /d' 'has no USER'
mutate containers/analyzer.Containerfile 's/ libhiredis0.14//' '(package libhiredis0.14), which the final stage'
mutate containers/agent.Containerfile 's/libgrpc++1.51 //' '(package libgrpc++1.51), which the final stage'
mutate containers/analyzer.Containerfile 's/ libclang-common-14-dev//' 'reads /usr/lib/llvm-14/lib/clang'
mutate containers/httpd-example.Containerfile 's/libevent-core-2.1-7/libevent-core-2.1-8/' \
  'apt-get install libevent-core-2.1-8: no such package'
mutate containers/analyzer.Containerfile 's/^EXPOSE 8980/EXPOSE 8000/' 'does not EXPOSE it'
mutate containers/agent.Containerfile 's/"--socket-mode=0660"/"--socket-mod=0660"/' \
  'ENTRYPOINT: --socket-mod is not a flag of prism-agent'
mutate containers/analyzer.Containerfile 's#^ENTRYPOINT \["/usr/local/bin/prism-analyzer"#ENTRYPOINT ["/usr/local/bin/analyzer"#' \
  'which no COPY puts in the image'
mutate containers/analyzer.Containerfile 's/^FROM debian:12-slim/FROM debian:11-slim/' \
  'not debian:12-slim'
mutate containers/agent.Containerfile 's#-t prism-agent:dev \.#-t prism-agent:dev deploy#' \
  'the build context is the repository root'
mutate containers/httpd-example.Containerfile 's#--from=build /out/httpd_prism#--from=build /out/httpd-prism#' \
  'the build stage does not produce it'
# Kubernetes: wiring
mutate kubernetes/analyzer.yaml '/^kind: Service/,$ s#app.kubernetes.io/name: prism-analyzer$#app.kubernetes.io/name: prism-analyser#' \
  'selects no workload'
mutate kubernetes/redis.yaml 's/targetPort: redis/targetPort: redis-port/' \
  "targetPort 'redis-port' is no containerPort"
mutate kubernetes/analyzer.yaml '0,/grpc:$/ s/grpc:$/tcpSocket:/' 'readinessProbe is not a gRPC probe'
mutate kubernetes/analyzer.yaml 's/containerPort: 8980/containerPort: 8981/' \
  'listens on 8980, not a containerPort'
mutate kubernetes/analyzer.yaml 's/--listen=0.0.0.0:8980/--listen=127.0.0.1:8980/' \
  'not loopback'
mutate kubernetes/analyzer.yaml 's/--redis=redis.prism.svc/--redis=redis-cache.prism.svc/' \
  '--redis=redis-cache.prism.svc:6379: no Service of that name'
mutate kubernetes/analyzer.yaml 's/- --cache=redis/- --cache=local/' 'do not share their cache'
mutate kubernetes/agent.yaml 's/--analyzer=prism-analyzer.prism.svc:8980/--analyzer=prism-analyzer.prism.svc:9090/' \
  'has no such port'
mutate kubernetes/agent.yaml 's/--analyzer=prism-analyzer.prism/--analyzer=prism-analyzer.default/' \
  'no Service of that name'
mutate kubernetes/example-httpd.yaml 's#value: /run/prism/agent.sock#value: /run/prism/agent.socket#' \
  "not the agent's --socket"
mutate kubernetes/example-httpd.yaml 's#path: /run/prism$#path: /run/prism-other#' \
  'no server pod mounts'
mutate kubernetes/agent.yaml 's#path: /run/prism$#path: /run/prism-agent#' \
  'no server pod mounts'
mutate kubernetes/example-httpd.yaml 's/supplementalGroups: \[10000\]/supplementalGroups: [10001]/' \
  "does not carry the socket's group 10000"
mutate kubernetes/agent.yaml 's/runAsGroup: 10000/runAsGroup: 10001/' "is not the socket's group"
mutate kubernetes/agent.yaml 's/--socket-mode=0660/--socket-mode=0600/' 'the group cannot connect'
mutate kubernetes/agent.yaml 's/--socket-group=prism/--socket-group=prism-servers/' \
  'no such group in the image'
mutate kubernetes/agent.yaml 's/- chown 10001:10000 \/run\/prism/- chown 10001:10001 \/run\/prism/' \
  "want the agent's 10001:10000"
mutate kubernetes/agent.yaml 's#--status --socket=/run/prism/agent.sock#--status --socket=/run/agent.sock#g' \
  "not the agent's /run/prism/agent.sock"
mutate kubernetes/agent.yaml 's#--status --socket#--state --socket#g' '--state is not a flag of prism-agent'
mutate kubernetes/agent.yaml 's/^        - name: cache$/        - name: agent-cache/' \
  "no volume named 'cache'"
mutate kubernetes/agent.yaml 's/--cache-dir=\/var\/cache\/prism-agent/--cache-dir=\/tmp\/prism-agent/' \
  'is not on a hostPath volume'
mutate kubernetes/example-httpd.yaml 's#/srv/httpd/docroot"#/srv/www"#' 'puts nothing there'
mutate kubernetes/example-httpd.yaml 's/readOnlyRootFilesystem: true/readOnlyRootFilesystem: true\n        allowPrivilegeEscalation: true/' \
  'allowPrivilegeEscalation is not false'
# Kubernetes: schema
mutate kubernetes/redis.yaml '0,/^apiVersion: apps\/v1$/ {/^apiVersion: apps\/v1$/d}' 'no apiVersion'
mutate kubernetes/analyzer.yaml 's/image: prism-analyzer:dev/image: ""/' 'no image'
mutate kubernetes/redis.yaml 's/image: redis:7/image: redis/' 'has no explicit tag'
mutate kubernetes/example-httpd.yaml 's/readinessProbe:/readinesProbe:/' "unknown field 'readinesProbe'"
mutate kubernetes/example-httpd.yaml 's/containerPort: 8080/containerPort: "8080"/' 'is not a port number'
mutate kubernetes/example-httpd.yaml 's/"--port", "8080"/"--port", 8080/' 'not a list of strings'
mutate kubernetes/analyzer.yaml 's/^kind: PodDisruptionBudget/kind: PodDisruptionBudgets/' \
  'is not a kind the deploy checks know'
mutate kubernetes/analyzer.yaml 's/^  namespace: prism$/  namespace: prism-system/' \
  'namespace prism-system is not defined here'
mutate kubernetes/kustomization.yaml '/- agent.yaml/d' 'does not list agent.yaml'
mutate kubernetes/kustomization.yaml 's/- agent.yaml/- agents.yaml/' 'lists agents.yaml, which does not exist'
mutate kubernetes/redis.yaml 's/^      labels:$/      labelz:/' 'does not match the pod template'
mutate kubernetes/example-httpd.yaml 's/^  containers:$/  container:/' "unknown field 'container'"
mutate kubernetes/analyzer.yaml 's/^            - name: grpc$/            - name: grpc-port-too-long/' \
  'is not a port name'
mutate kubernetes/namespace.yaml 's/^  name: prism$/  name: Prism/' 'is not a DNS label'
# README
# shellcheck disable=SC2016 # backquotes are the README's, not an expansion
mutate README.md '/^| `kubernetes\/redis.yaml`/d' 'deploy/README.md does not describe kubernetes/redis.yaml'

echo "deploy: every check passed; $mutations broken copies of deploy/ each failed as expected"
