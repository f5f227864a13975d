#!/usr/bin/env bash
# Live latency: how long from a frame's send to its result being available in the daemon,
# against the plain decoding pipeline measured on the same stream in the same run.
#
# sdag-bench-rtsp serves one generated 640x480 15 fps H.264 stream over RTSP; each frame
# gets its sequence number painted in as it enters the encoder, and its wall time logged
# (the send time). Two consumers read the same stream at the same time, both over TCP with
# a 200 ms jitter buffer (the daemon's default):
#   (a) the reference, rtspsrc ! decodebin ! appsink (sdag-bench-rtsp play), which logs
#       each decoded frame's number and arrival time;
#   (b) a streamdag live job whose pipeline is the bench node "stamp": it reads the number
#       and gives the wall time at which the DAG ran on the frame, in the frame's result.
# Latency = that time minus the send time, per frame, after the first 3 s. Prints the
# median and p99 of each and the ratios (b)/(a).
#
#   bench/live-latency.sh [BUILD_DIR] [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh

BUILD=${1:-build}
SECS=${2:-20}
bench_need_files "$BUILD/src/streamdagd" "$BUILD/bench/sdag-bench-rtsp" "$BUILD/bench/sdag-node-stamp.so"

bench_tmp

bench_start_rtsp --mounts 1 --width 640 --height 480 --fps 15 --stamp-log "$tmp/send.log"
URL="rtsp://127.0.0.1:$port/s0"

mkdir "$tmp/nodes"
ln -s "$(realpath "$BUILD/bench/sdag-node-stamp.so")" "$tmp/nodes/"
bench_start_daemon --plugin-dir "$tmp/nodes"
curl -fsS -o /dev/null -H 'Content-Type: application/json' "$SD/pipelines" -d \
	'{"pipeline_id":"stamp","nodes":[{"id":"st","type":"stamp"}],"edges":[{"from":"source.frame","to":"st.frame"}],"outputs":["st.counts"]}'
JOB=$(curl -fsS -H 'Content-Type: application/json' "$SD/jobs" -d \
	"{\"pipeline_id\":\"stamp\",\"video_url\":\"$URL\",\"options\":{\"transport\":\"tcp\",\"latency_ms\":200}}" |
	python3 -c 'import json,sys; print(json.load(sys.stdin)["job_id"])')

echo "bench: $URL 640x480 15 fps H.264, ${SECS} s, both consumers at once; $(nproc) cores"
"$BUILD/bench/sdag-bench-rtsp" play --seconds "$SECS" --latency 200 --stamp-log "$tmp/ref.log" \
	"$URL" >/dev/null
curl -fsS -o /dev/null -X POST "$SD/jobs/$JOB/cancel"

python3 - "$SD" "$JOB" "$tmp/send.log" "$tmp/ref.log" <<'PY'
import json, statistics, sys, urllib.request
base, job, send_log, ref_log = sys.argv[1:]
send = {}
for line in open(send_log):
    s, t = line.split()
    send[int(s)] = int(t)  # a later frame with the same number (after 65536) wins

def lat(pairs):
    pairs = [(s, t) for s, t in pairs if s in send]
    t0 = min(t for _, t in pairs)
    return sorted((t - send[s]) / 1000.0 for s, t in pairs if t - t0 > 3e6 and t >= send[s])

ref = [tuple(map(int, l.split())) for l in open(ref_log)]
rows, frm = [], 0
while frm is not None:
    with urllib.request.urlopen(f"{base}/jobs/{job}/frames?from={frm}&limit=1000") as r:
        page = json.load(r)
    for f in page["frames"]:
        c = {x["name"]: x["value"] for x in f["counts"]}
        rows.append((c["seq"], c["t_us"]))
    frm = page["next_from"]
with urllib.request.urlopen(f"{base}/jobs/{job}") as r:
    j = json.load(r)
a, b = lat(ref), lat(rows)
def p(v, q): return v[min(len(v) - 1, int(q * len(v)))]
print(f"(a) rtspsrc ! decodebin ! appsink: {len(a)} frames, median {statistics.median(a):.1f} ms, p99 {p(a, .99):.1f} ms")
print(f"(b) streamdag live job:            {len(b)} frames, median {statistics.median(b):.1f} ms, p99 {p(b, .99):.1f} ms"
      f" (dropped {j['dropped_frames']}, reconnects {j['reconnects']})")
print(f"ratio (b)/(a): median {statistics.median(b) / statistics.median(a):.2f}, p99 {p(b, .99) / p(a, .99):.2f};"
      f" added: median {statistics.median(b) - statistics.median(a):+.1f} ms")
PY
