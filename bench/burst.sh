#!/usr/bin/env bash
# A burst of job submissions while clients read the job list: does the daemon keep
# answering, in order, without a 5xx?
#
#   bench/burst.sh [BUILD_DIR] [JOBS] [SECONDS] [CONNECTIONS]
#
# 1. streamdagd with motion_tracking_v1 and a 30-frame 320x240 H.264 clip;
# 2. wrk (one thread, CONNECTIONS) against GET /jobs?limit=50 and GET /jobs/{id} of the
#    idle daemon, and against nginx serving the same answers' bytes (the reference);
# 3. JOBS submissions of POST /jobs (default 1000) from 4 client threads, while two wrk
#    (one thread, CONNECTIONS each) read GET /jobs?limit=50 and GET /jobs/{id} for SECONDS;
# 4. waits until every job has ended, and checks that all completed and started in the
#    order they were acknowledged (FIFO);
# 5. prints the submissions' rate, p50 and p99, the 5xx count, the list's req/s and p99
#    during the burst against idle and against nginx, and the time to drain the queue.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh

BUILD=${1:-build}
JOBS=${2:-1000}
SECS=${3:-10}
CONNS=${4:-8}

bench_need_wrk_nginx
bench_need_files "$BUILD/src/streamdagd"
bench_tmp
mkdir -p "$tmp/media"
gst-launch-1.0 -q videotestsrc num-buffers=30 pattern=ball \
	! video/x-raw,width=320,height=240,framerate=30/1 \
	! x264enc speed-preset=ultrafast ! mp4mux ! filesink location="$tmp/media/clip.mp4"

bench_start_daemon --plugin-dir "$BUILD/plugins/nodes" --media-root "$tmp/media"
bench_register_pipeline data/pipelines/motion_tracking_v1.json
# one job first, so that the list has something in it and the first run's set-up is paid
first=$(bench_py "$SD" "$tmp/media/clip.mp4" <<'PY'
print(run_job(sys.argv[1], "motion_tracking_v1", sys.argv[2], 1, 0.05)[1])
PY
)

mkdir -p "$tmp/www"
curl -fsS -o "$tmp/www/list.json" "$SD/jobs?limit=50"
curl -fsS -o "$tmp/www/job.json" "$SD/jobs/$first"
bench_start_nginx "$tmp/www"

# "req/s p50 p99 non2xx" of wrk against a URL for SECS
list_wrk() {
	local out
	out=$(wrk -t1 -c"$CONNS" -d"${SECS}s" --latency "$1")
	awk '/^Requests\/sec/ {rps = $2} $1 == "50%" {p50 = $2} $1 == "99%" {p99 = $2}
	     /Non-2xx/ {bad = $NF} END {print rps, p50, p99, bad + 0}' <<<"$out"
}

bench_load
echo "bench: $(nproc) cores, $JOBS jobs of motion_tracking_v1 over 30 frames 320x240," \
	"wrk -t1 -c$CONNS -d${SECS}s on GET /jobs?limit=50 and on GET /jobs/{id}"
idle=$(list_wrk "$SD/jobs?limit=50")
idle_one=$(list_wrk "$SD/jobs/$first")
ngx=$(list_wrk "$NGX/list.json")
ngx_one=$(list_wrk "$NGX/job.json")

# the burst: submissions from 4 threads, in the background; the ids acknowledged
bench_py "$SD" "$tmp/media/clip.mp4" "$JOBS" "$tmp/acked" <<'PY' >"$tmp/submit.out" &
import http.client, threading, urllib.parse
base, clip, n, acked = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
u = urllib.parse.urlsplit(base)
body = json.dumps({"pipeline_id": "motion_tracking_v1",
                   "video_url": pathlib.Path(clip).as_uri()}).encode()
lock = threading.Lock()
order, times, bad = [], [], [0]
left = [n]
def worker():
    c = http.client.HTTPConnection(u.hostname, u.port)
    while True:
        with lock:
            if left[0] == 0:
                return
            left[0] -= 1
        t = time.perf_counter()
        c.request("POST", "/jobs", body, {"Content-Type": "application/json"})
        r = c.getresponse()
        data = r.read()
        with lock:
            times.append((time.perf_counter() - t) * 1000)
            if r.status != 202:
                bad[0] += 1
            else:
                order.append(json.loads(data)["job_id"])
t0 = time.monotonic()
threads = [threading.Thread(target=worker) for _ in range(4)]
for t in threads: t.start()
for t in threads: t.join()
secs = time.monotonic() - t0
times.sort()
pathlib.Path(acked).write_text("\n".join(order) + "\n")
print(f"{n / secs:.0f} {times[len(times) // 2]:.2f}ms {times[int(len(times) * 0.99)]:.2f}ms {bad[0]} {secs:.2f}")
PY
sub_pid=$!
t0=$(date +%s.%N)
list_wrk "$SD/jobs/$first" >"$tmp/busy_one" &
one_pid=$!
busy=$(list_wrk "$SD/jobs?limit=50")
wait $one_pid
busy_one=$(cat "$tmp/busy_one")
wait $sub_pid
read -r sub_rate sub_p50 sub_p99 sub_bad sub_secs <"$tmp/submit.out"

# drain: every job ends; all completed, and started in their queue order (the list's
# ascending order is the order the daemon acknowledged them in)
drain=$(bench_py "$SD" "$tmp/acked" "$t0" <<'PY'
base, acked, t0 = sys.argv[1], sys.argv[2], float(sys.argv[3])
ids = set(pathlib.Path(acked).read_text().split())
for i in ids:
    wait_job(base, i, 0.2)
jobs, cursor = [], ""
while cursor is not None:
    page = http(base, "GET", f"/jobs?limit=200&order=asc{'&cursor=' + cursor if cursor else ''}")
    jobs += [j for j in page["jobs"] if j["job_id"] in ids]
    cursor = page["next_cursor"]
done = sum(j["status"] == "completed" for j in jobs)
starts = [j["started_at"] for j in jobs]
fifo = len(jobs) == len(ids) and all(a <= b for a, b in zip(starts, starts[1:]))
print(f"{time.time() - t0:.1f} {done} {'yes' if fifo else 'NO'}")
PY
)
read -r drain_secs completed fifo <<<"$drain"

printf '%-44s %10s %10s %10s %8s\n' case req/s p50 p99 non-2xx
printf '%-44s %10s %10s %10s %8s\n' "nginx, the list's bytes" $ngx
printf '%-44s %10s %10s %10s %8s\n' "GET /jobs?limit=50, idle" $idle
printf '%-44s %10s %10s %10s %8s\n' "GET /jobs?limit=50, during the burst" $busy
printf '%-44s %10s %10s %10s %8s\n' "nginx, a job's bytes" $ngx_one
printf '%-44s %10s %10s %10s %8s\n' "GET /jobs/{id}, idle" $idle_one
printf '%-44s %10s %10s %10s %8s\n' "GET /jobs/{id}, during the burst" $busy_one
printf '%-44s %10s %10s %10s %8s\n' "POST /jobs, 4 clients" "$sub_rate" "$sub_p50" "$sub_p99" "$sub_bad"
echo
ms() { python3 -c "
v='$1'
for u, f in (('us', 1e-3), ('ms', 1.0), ('s', 1e3)):
    if v.endswith(u):
        print(f'{float(v[:-len(u)]) * f:.2f}'); break"; }
echo "submitted $JOBS jobs in $sub_secs s; $completed completed, FIFO kept: $fifo;" \
	"all ended ${drain_secs} s after the burst began"
echo "ratio list req/s burst/idle: $(bench_ratio "$busy" "$idle"); idle/nginx: $(bench_ratio "$idle" "$ngx")"
echo "list p99 during the burst: $(ms "$(cut -d' ' -f3 <<<"$busy")") ms" \
	"(idle $(ms "$(cut -d' ' -f3 <<<"$idle")") ms, nginx $(ms "$(cut -d' ' -f3 <<<"$ngx")") ms)"
echo "job p99 during the burst: $(ms "$(cut -d' ' -f3 <<<"$busy_one")") ms" \
	"(idle $(ms "$(cut -d' ' -f3 <<<"$idle_one")") ms, nginx $(ms "$(cut -d' ' -f3 <<<"$ngx_one")") ms)"
total_bad=$((sub_bad + $(cut -d' ' -f4 <<<"$busy") + $(cut -d' ' -f4 <<<"$busy_one")))
echo "5xx or refused answers: $total_bad (target 0)"
test "$total_bad" -eq 0 && test "$completed" -eq "$JOBS" && test "$fifo" = yes
