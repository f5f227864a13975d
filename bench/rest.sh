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

BUILD=${1:-build}
SECS=${2:-5}
CONNS=${3:-16}

for tool in wrk nginx; do
	command -v $tool >/dev/null || PKGS="${PKGS:-} $tool"
done
if [ -n "${PKGS:-}" ]; then
	PKGS=${PKGS/nginx/nginx-light}
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $PKGS >/dev/null
fi
test -x "$BUILD/src/streamdagd" || { meson setup "$BUILD" >/dev/null && meson compile -C "$BUILD" >/dev/null; }

tmp=$(mktemp -d)
chmod 755 "$tmp" # nginx workers drop to an unprivileged user
cleanup() {
	[ -n "${sd_pid:-}" ] && kill "$sd_pid" 2>/dev/null && wait "$sd_pid" 2>/dev/null
	[ -f "$tmp/nginx.pid" ] && kill "$(cat "$tmp/nginx.pid")" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

mkfifo "$tmp/out"
"$BUILD/src/streamdagd" --listen 127.0.0.1:0 --data-dir "$tmp/data" \
	--plugin-dir "$BUILD/plugins/nodes" >"$tmp/out" 2>"$tmp/sd.log" &
sd_pid=$!
read -r line <"$tmp/out"
SD=${line#*listening on }
SD=${SD%/}

curl -fsS -o /dev/null -H 'Content-Type: application/json' \
	--data-binary @data/pipelines/passthrough_v1.json "$SD/pipelines"
mkdir -p "$tmp/www/pipelines"
curl -fsS -o "$tmp/www/pipelines/passthrough_v1" "$SD/pipelines/passthrough_v1"
curl -fsS -o "$tmp/www/healthz" "$SD/healthz"

NGX_PORT=$(free_port)
cat >"$tmp/nginx.conf" <<CONF
worker_processes 1;
daemon on;
pid $tmp/nginx.pid;
error_log $tmp/nginx-error.log;
events { worker_connections 1024; }
http {
	access_log off;
	client_body_temp_path $tmp/body;
	proxy_temp_path $tmp/proxy;
	fastcgi_temp_path $tmp/fastcgi;
	uwsgi_temp_path $tmp/uwsgi;
	scgi_temp_path $tmp/scgi;
	default_type application/json;
	server {
		listen 127.0.0.1:$NGX_PORT;
		root $tmp/www;
	}
}
CONF
nginx -c "$tmp/nginx.conf"
NGX="http://127.0.0.1:$NGX_PORT"
sleep 0.3

cat >"$tmp/post.lua" <<'LUA'
local f = io.open(os.getenv("SDAG_BENCH_BODY"), "r")
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "application/json"
LUA

# prints "req/s p50 p99"
run() {
	local out
	out=$(wrk -t1 -c"$CONNS" -d"${SECS}s" --latency "$@")
	local rps p50 p99
	rps=$(awk '/^Requests\/sec/ {print $2}' <<<"$out")
	p50=$(awk '$1=="50%" {print $2}' <<<"$out")
	p99=$(awk '$1=="99%" {print $2}' <<<"$out")
	if grep -q "Non-2xx" <<<"$out"; then
		echo "bench: non-2xx answers from $*" >&2
		exit 1
	fi
	echo "$rps $p50 $p99"
}

printf '%-44s %12s %10s %10s\n' case req/s p50 p99
report() { printf '%-44s %12s %10s %10s\n' "$1" $2; }

a=$(run "$SD/pipelines/passthrough_v1"); report "streamdagd GET /pipelines/{id}" "$a"
b=$(run "$NGX/pipelines/passthrough_v1"); report "nginx same bytes" "$b"
c=$(run "$SD/healthz"); report "streamdagd GET /healthz" "$c"
d=$(run "$NGX/healthz"); report "nginx same bytes" "$d"
e=$(SDAG_BENCH_BODY=data/pipelines/passthrough_v1.json run -s "$tmp/post.lua" "$SD/pipelines?dry_run=true")
report "streamdagd POST /pipelines?dry_run=true" "$e"

ratio() { python3 -c "print(f'{float(\"$1\".split()[0]) / float(\"$2\".split()[0]):.2f}')"; }
echo
echo "ratio GET /pipelines/{id} streamdagd/nginx: $(ratio "$a" "$b")"
echo "ratio GET /healthz        streamdagd/nginx: $(ratio "$c" "$d")"
echo "ratio POST validate / GET record (streamdagd): $(ratio "$e" "$a")"
