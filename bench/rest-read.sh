#!/usr/bin/env bash
# Read paths of the REST API under load, against nginx serving the same bytes.
#
#   bench/rest-read.sh [BUILD_DIR] [SECONDS] [CONNECTIONS] [JOBS]
#
# 1. fills a data directory with JOBS finished jobs (default 100000) through the job
#    manager's own code (build/bench/sdag-bench-populate, see bench/README.md);
# 2. starts streamdagd over it, runs one real job to completion, and puts its
#    GET /jobs/{id} answer, byte for byte, under nginx (one worker);
# 3. wrk (one thread) against GET /jobs/{id} of the completed job on both servers, and
#    against GET /jobs?limit=50 (first page, a page deep in the list, and filtered);
# 4. walks 200 pages of the list no request has read before (the cache is cold for them);
# 5. prints requests/s, p50, p99, the streamdagd/nginx ratio (target >= 0.5) and whether
#    the p99 of GET /jobs?limit=50 is under 20 ms.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh

BUILD=${1:-build}
SECS=${2:-5}
CONNS=${3:-16}
JOBS=${4:-100000}

bench_need_wrk_nginx
test -x "$BUILD/src/streamdagd" || { meson setup "$BUILD" >/dev/null; }
meson compile -C "$BUILD" >/dev/null

bench_tmp
shm=$(mktemp -d -p /dev/shm sdag-bench.XXXXXX)
BENCH_RM+=("$shm")

mkdir -p "$tmp/media"
gst-launch-1.0 -q videotestsrc num-buffers=10 ! video/x-raw,width=160,height=120,framerate=30/1 \
	! x264enc speed-preset=ultrafast ! mp4mux ! filesink location="$tmp/media/clip.mp4"

# synced writes on tmpfs cost nothing: the store is filled there, then copied to disk
"$BUILD/bench/sdag-bench-populate" "$shm/data" "$BUILD/plugins/nodes" \
	data/pipelines/passthrough_v1.json "$tmp/media/clip.mp4" "$JOBS"
cp -a "$shm/data" "$tmp/data"
rm -rf "$shm"

bench_start_daemon --plugin-dir "$BUILD/plugins/nodes" --media-root "$tmp/media"

job=$(curl -fsS -H 'Content-Type: application/json' "$SD/jobs" \
	-d "{\"pipeline_id\":\"passthrough_v1\",\"video_url\":\"file://$tmp/media/clip.mp4\"}" |
	python3 -c 'import json,sys; print(json.load(sys.stdin)["job_id"])')
for _ in $(seq 1 500); do
	curl -fsS "$SD/jobs/$job" | grep -q '"status":"completed"' && break
	sleep 0.02
done
mkdir -p "$tmp/www/jobs"
curl -fsS -o "$tmp/www/jobs/$job" "$SD/jobs/$job"
grep -q '"status":"completed"' "$tmp/www/jobs/$job" || { echo "bench: the job did not complete" >&2; exit 1; }

bench_start_nginx "$tmp/www"
cmp <(curl -fsS "$NGX/jobs/$job") <(curl -fsS "$SD/jobs/$job")

# prints "req/s p50 p99"; C connections (default CONNECTIONS)
run() { bench_wrk "$@"; }

middle=$(printf '%016x' $((JOBS / 2)))
bench_load
echo "bench: $JOBS jobs stored ($(du -sh "$tmp/data/db" | cut -f1) on disk), $(nproc) cores, wrk -t1 -c$CONNS -d${SECS}s"
printf '%-52s %12s %10s %10s\n' case req/s p50 p99
report() { printf '%-52s %12s %10s %10s\n' "$1" $2; }

a=$(run "$SD/jobs/$job"); report "streamdagd GET /jobs/{id} (completed)" "$a"
b=$(run "$NGX/jobs/$job"); report "nginx same bytes" "$b"
z=$(ALLOW_404=1 run "$SD/jobs/00000000-0000-0000-0000-000000000000")
report "streamdagd GET /jobs/{unknown} (404, store miss)" "$z"
c=$(run "$SD/jobs?limit=50"); report "streamdagd GET /jobs?limit=50" "$c"
d=$(run "$SD/jobs?limit=50&cursor=$middle"); report "streamdagd GET /jobs?limit=50, page at $((JOBS / 2))" "$d"
e=$(run "$SD/jobs?limit=50&pipeline_id=passthrough_v1&status=cancelled&order=asc")
report "streamdagd GET /jobs?limit=50&pipeline_id&status&asc" "$e"
# one client: the latency of the query itself, without queueing behind other connections
f=$(C=1 run "$SD/jobs?limit=50"); report "streamdagd GET /jobs?limit=50, 1 connection" "$f"
g=$(C=1 run "$SD/jobs?limit=50&cursor=$middle"); report "  page at $((JOBS / 2)), 1 connection" "$g"
h=$(C=1 run "$SD/jobs?limit=50&pipeline_id=passthrough_v1&status=cancelled&order=asc")
report "  pipeline_id&status&asc, 1 connection" "$h"
# the list's first read of each page: 200 pages walked by next_cursor from a quarter into
# the list, none read before (the cache of terminal jobs' list items is cold for them)
cold=$(python3 - "$SD" "$(printf '%016x' $((JOBS / 4)))" <<'PY'
import http.client, json, sys, time, urllib.parse
u = urllib.parse.urlsplit(sys.argv[1]); cursor = sys.argv[2]
c = http.client.HTTPConnection(u.hostname, u.port)
times = []
for _ in range(200):
    t = time.perf_counter()
    c.request("GET", f"/jobs?limit=50&cursor={cursor}")
    r = c.getresponse(); body = r.read()
    times.append((time.perf_counter() - t) * 1000)
    assert r.status == 200
    cursor = json.loads(body)["next_cursor"]
times.sort()
print(f"{len(times) / (sum(times) / 1000):.2f} {times[len(times) // 2]:.2f}ms {times[int(len(times) * 0.99)]:.2f}ms")
PY
)
report "  first read of 200 pages, 1 connection" "$cold"

ratio() { bench_ratio "$@"; }
ms() { python3 -c "
v='$1'.split()[2]
for u, f in (('us', 1e-3), ('ms', 1.0), ('s', 1e3)):
    if v.endswith(u):
        print(f'{float(v[:-len(u)]) * f:.2f}'); break"; }
echo
echo "ratio GET /jobs/{id} streamdagd/nginx: $(ratio "$a" "$b") (target >= 0.50)"
echo "ratio GET /jobs/{unknown} streamdagd/nginx: $(ratio "$z" "$b") (a store miss and an error body)"
for x in "$c" "$d" "$e" "$f" "$g" "$h" "$cold"; do
	p99=$(ms "$x")
	verdict=$(python3 -c "print('under' if $p99 < 20 else 'OVER')")
	echo "GET /jobs?limit=50 p99 ${p99} ms: $verdict 20 ms"
done
