#!/usr/bin/env bash
# REST throughput of streamdagd against nginx serving the same bytes.
#
# Both servers run on loopback in this run, each with one worker (streamdagd
# is one main loop), and wrk drives each with the same connections and time.
# Prints requests/s and latency per case, and streamdagd/nginx ratios.
#
#   bench/rest.sh [BUILD_DIR] [SECONDS] [CONNECTIONS]
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh

BUILD=${1:-build}
SECS=${2:-5}
CONNS=${3:-16}

bench_need_wrk_nginx
test -x "$BUILD/src/streamdagd" || { meson setup "$BUILD" >/dev/null && meson compile -C "$BUILD" >/dev/null; }

bench_tmp
bench_start_daemon --plugin-dir "$BUILD/plugins/nodes"

bench_register_pipeline data/pipelines/passthrough_v1.json
mkdir -p "$tmp/www/pipelines"
curl -fsS -o "$tmp/www/pipelines/passthrough_v1" "$SD/pipelines/passthrough_v1"
curl -fsS -o "$tmp/www/healthz" "$SD/healthz"

bench_start_nginx "$tmp/www"

cat >"$tmp/post.lua" <<'LUA'
local f = io.open(os.getenv("SDAG_BENCH_BODY"), "r")
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "application/json"
LUA

run() { C=$CONNS ALLOW_404='' bench_wrk "$@"; }

printf '%-44s %12s %10s %10s\n' case req/s p50 p99
report() { printf '%-44s %12s %10s %10s\n' "$1" $2; }

a=$(run "$SD/pipelines/passthrough_v1"); report "streamdagd GET /pipelines/{id}" "$a"
b=$(run "$NGX/pipelines/passthrough_v1"); report "nginx same bytes" "$b"
c=$(run "$SD/healthz"); report "streamdagd GET /healthz" "$c"
d=$(run "$NGX/healthz"); report "nginx same bytes" "$d"
e=$(SDAG_BENCH_BODY=data/pipelines/passthrough_v1.json run -s "$tmp/post.lua" "$SD/pipelines?dry_run=true")
report "streamdagd POST /pipelines?dry_run=true" "$e"

ratio() { bench_ratio "$@"; }
echo
echo "ratio GET /pipelines/{id} streamdagd/nginx: $(ratio "$a" "$b")"
echo "ratio GET /healthz        streamdagd/nginx: $(ratio "$c" "$d")"
echo "ratio POST validate / GET record (streamdagd): $(ratio "$e" "$a")"
