#!/usr/bin/env bash
# prism-analyzer with TLS (a CA, a server certificate for 127.0.0.1, a client certificate made
# by openssl here): a plaintext client cannot reach it; a client trusting the CA can; with
# --tls-client-ca, only a client presenting a certificate that CA signed.
set -euo pipefail
work=$(mktemp -d)
source tests/service/lib.sh
trap 'stop_all; rm -rf "$work"' EXIT
command -v openssl >/dev/null || fail "openssl is not installed"

pki=$work/pki
mkdir -p "$pki"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=test-ca \
  -keyout "$pki/ca.key" -out "$pki/ca.pem" 2>/dev/null
issue() {  # issue NAME SUBJECT_ALT_NAME
  openssl req -newkey rsa:2048 -nodes -subj "/CN=$1" -keyout "$pki/$1.key" \
    -out "$pki/$1.csr" 2>/dev/null
  printf 'subjectAltName=%s\n' "$2" >"$pki/$1.ext"
  openssl x509 -req -in "$pki/$1.csr" -CA "$pki/ca.pem" -CAkey "$pki/ca.key" \
    -CAcreateserial -days 2 -extfile "$pki/$1.ext" -out "$pki/$1.pem" 2>/dev/null
}
issue server IP:127.0.0.1
issue client DNS:client

printf '#include <event2/event.h>\nint n;\nstatic void on_t(evutil_socket_t f, short w, void *a) { n++; }\nvoid reg(struct event_base *b) { event_new(b, -1, 0, on_t, 0); }\n' \
  >"$work/s.c"

start_analyzer tls --tls-cert="$pki/server.pem" --tls-key="$pki/server.key" --cache-dir="$work/tls"
set +e
err=$("$prism" submit --server "$tls_addr" --timeout 3 --program s "$work/s.c" -- -std=gnu11 2>&1)
status=$?
set -e
[[ $status -eq 2 ]] && grep -q 'cannot reach the analyzer' <<<"$err" ||
  fail "a plaintext client reached a TLS server: $status $err"
"$prism" submit --server "$tls_addr" --tls-ca "$pki/ca.pem" --program s "$work/s.c" -- -std=gnu11 \
  >"$work/id" 2>"$work/submit.log" || fail "TLS submit: $(cat "$work/submit.log")"
"$prism" conflicts --server "$tls_addr" --tls-ca "$pki/ca.pem" --analysis "$(cat "$work/id")" |
  grep -q on_t || fail "TLS query"

start_analyzer mutual --tls-cert="$pki/server.pem" --tls-key="$pki/server.key" \
  --tls-client-ca="$pki/ca.pem" --cache-dir="$work/mutual"
set +e
err=$("$prism" conflicts --server "$mutual_addr" --tls-ca "$pki/ca.pem" --timeout 3 --program s 2>&1)
status=$?
set -e
[[ $status -eq 2 ]] || fail "a client without a certificate was served: $err"
"$prism" submit --server "$mutual_addr" --tls-ca "$pki/ca.pem" --tls-cert "$pki/client.pem" \
  --tls-key "$pki/client.key" --program s "$work/s.c" -- -std=gnu11 >/dev/null 2>"$work/m.log" ||
  fail "client certificate refused: $(cat "$work/m.log")"
echo PASS
