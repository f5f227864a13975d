#!/usr/bin/env bash
# Live capacity: how many 720p 15 fps RTSP streams run on this box without dropped frames,
# as streamdag live jobs of the passthrough_v1 pipeline against the plain decoding pipeline,
# in the same run.
#
# sdag-bench-rtsp serves MAX streams of one pre-encoded 720p15 H.264 clip (made once, kept
# in bench/.cache/), so that the server spends no CPU on encoding. For N = 1, 2, … up to
# MAX, each stage stopping at the first N that fails:
#   (a) the reference: N rtspsrc ! decodebin ! appsink pipelines (sdag-bench-rtsp play)
#       for 13 s; N passes when every stream decodes at >= 14 fps over its last 10 s;
#   (b) N live jobs on one daemon; 3 s after all are online, N passes when over the next
#       10 s no job drops a frame and every job decodes at >= 14 fps.
# Prints the largest passing N of each and the ratio (b)/(a).
#
#   bench/live-capacity.sh [BUILD_DIR] [MAX]
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh

BUILD=${1:-build}
MAX=${2:-12}
CACHE=bench/.cache
CLIP=$CACHE/720p15-h264-60s.mp4
bench_need_files "$BUILD/src/streamdagd" "$BUILD/bench/sdag-bench-rtsp"
bench_make_clip "$CLIP" once \
	videotestsrc num-buffers=900 pattern=smpte horizontal-speed=4 \
	! video/x-raw,format=I420,width=1280,height=720,framerate=15/1 \
	! x264enc speed-preset=veryfast key-int-max=30 ! mp4mux

bench_tmp

bench_start_rtsp --mounts "$MAX" --clip "$(realpath "$CLIP")"
urls() { for i in $(seq 0 $(($1 - 1))); do echo "rtsp://127.0.0.1:$port/s$i"; done; }

echo "bench: 1280x720 15 fps H.264 over RTSP/TCP, up to $MAX streams; $(nproc) cores"
ref=0
for n in $(seq 1 "$MAX"); do
	# shellcheck disable=SC2046
	min=$("$BUILD/bench/sdag-bench-rtsp" play --seconds 13 $(urls "$n") | awk '{print $3}' | sort -g | head -1)
	echo "  (a) plain decoding, $n streams: slowest $min fps"
	if awk "BEGIN {exit !($min >= 14)}"; then ref=$n; else break; fi
done

bench_start_daemon --plugin-dir "$BUILD/plugins/nodes"
bench_register_pipeline data/pipelines/passthrough_v1.json
live=0
for n in $(seq 1 "$MAX"); do
	# shellcheck disable=SC2046
	result=$(bench_py "$SD" $(urls "$n") <<'PY'
base, urls = sys.argv[1], sys.argv[2:]
def call(method, path, body=None):
    return http(base, method, path, body)
ids = [call("POST", "/jobs", {"pipeline_id": "passthrough_v1", "video_url": u,
                              "options": {"transport": "tcp"}})["job_id"] for u in urls]
deadline = time.monotonic() + 30
while any(call("GET", f"/jobs/{i}").get("source_state") != "online" for i in ids):
    if time.monotonic() > deadline:
        sys.exit("not all online within 30 s")
    time.sleep(0.2)
time.sleep(3)
a = [call("GET", f"/jobs/{i}") for i in ids]
time.sleep(10)
b = [call("GET", f"/jobs/{i}") for i in ids]
for i in ids:
    call("POST", f"/jobs/{i}/cancel")
dropped = sum(y["dropped_frames"] - x["dropped_frames"] for x, y in zip(a, b))
fps = min((y["frames_decoded"] - x["frames_decoded"]) / 10 for x, y in zip(a, b))
print(f"{dropped} {fps:.2f}")
PY
)
	read -r dropped fps <<<"$result"
	echo "  (b) streamdag live jobs, $n streams: dropped $dropped, slowest $fps fps"
	if [ "$dropped" = 0 ] && awk "BEGIN {exit !($fps >= 14)}"; then live=$n; else break; fi
done

echo "plain decoding sustains $ref streams; streamdag live jobs (passthrough_v1) sustain $live"
python3 -c "import sys; a, b = int(sys.argv[1]), int(sys.argv[2]); print(f'ratio: {b / a:.2f}' if a else 'ratio: n/a')" "$ref" "$live"
if [ "$ref" = "$MAX" ] || [ "$live" = "$MAX" ]; then
	echo "(a stage reached MAX=$MAX: raise it to find the real limit)"
fi
