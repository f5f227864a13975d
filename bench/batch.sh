#!/usr/bin/env bash
# Batch throughput: a batch of short clips through POST /jobs/batch against the same clips
# decoded by gst-launch-1.0 with the same parallelism (xargs -P), in the same run, on the
# same machine.
#
#   (a) ls CLIPS | xargs -P N gst-launch-1.0 filesrc ! decodebin ! fakesink sync=false:
#       the wall time until the last process has exited;
#   (b) streamdagd with [jobs] max_concurrent_jobs giving N slots: one POST /jobs/batch of
#       a passthrough_v1 job (stride 1) per clip, timed from before the POST until every
#       job is completed (GET /healthz every 50 ms until nothing is queued or running,
#       then every job checked completed with all its frames).
#
# Two settings of N: the default, auto (one job per online CPU), and an oversubscribed one,
# 4 jobs per CPU. Prints the time, frames/s and CPU seconds of each and the ratio (a)/(b)
# for each N; the target is 0.95 for auto. The clips (CLIPS clips of 300 frames, 720p30
# 8-bit 4:2:0 H.264 in MP4, each scrolling at its own speed) are made once and kept in
# bench/.cache/.
#
#   bench/batch.sh [BUILD_DIR] [REPS] [CLIPS]
set -euo pipefail
cd "$(dirname "$0")/.."

. bench/lib.sh

BUILD=${1:-build}
REPS=${2:-1}
CLIPS=${3:-100}
FRAMES=300
TARGET=0.95
CPUS=$(nproc)
OVER=$((CPUS * 4))
DIR=bench/.cache/batch-720p30-h264-$FRAMES

bench_need_tools gst-launch-1.0 python3 curl xargs
bench_need_files "$BUILD/src/streamdagd"

mkdir -p "$DIR"
if [ "$(find "$DIR" -name 'clip-*.mp4' | wc -l)" -lt "$CLIPS" ]; then
	echo "bench: making $CLIPS clips of $FRAMES frames in $DIR (once; a few minutes on 2 cores)"
	# superfast rather than job-throughput.sh's veryfast: 100 clips are made in minutes, and
	# the stream is the same kind (8-bit 4:2:0 High profile, CABAC, B-frames)
	seq -f '%03g' 1 "$CLIPS" | xargs -P "$CPUS" -I{} sh -c '
		f='"$DIR"'/clip-{}.mp4
		[ -s "$f" ] && exit 0
		gst-launch-1.0 -q videotestsrc num-buffers='"$FRAMES"' pattern=smpte \
			horizontal-speed=$((1{} % 13 + 1)) \
			! video/x-raw,format=I420,width=1280,height=720,framerate=30/1 \
			! x264enc speed-preset=superfast ! mp4mux ! filesink location="$f.part" &&
			mv "$f.part" "$f"'
fi
DIR_ABS=$(realpath "$DIR")
find "$DIR_ABS" -name 'clip-*.mp4' | sort | head -n "$CLIPS" >"$DIR_ABS.list"
BENCH_RM+=("$DIR_ABS.list")

bench_tmp
echo "bench: $CLIPS clips of $FRAMES frames 1280x720 H.264 in $DIR; $REPS runs of each; $CPUS cores"
bench_load

# (a): the wall time of xargs -P N over bare decodes
time_reference() {
	bench_py "$1" "$DIR_ABS.list" <<'PY'
with open(sys.argv[2]) as clips:
    wall, cpu = timed_run(["xargs", "-P", sys.argv[1], "-I{}", "gst-launch-1.0", "-q", "filesrc",
                           "location={}", "!", "decodebin", "!", "fakesink", "sync=false"],
                          stdin=clips)
print(f"{wall:.4f} {cpu:.4f}")
PY
}

# (b): a fresh daemon with @1 as max_concurrent_jobs ("auto": the shipped default, unset)
time_daemon() {
	local setting=$1 conf="$tmp/streamdag-$1.conf"
	if [ "$setting" = auto ]; then
		: >"$conf"
	else
		printf '[jobs]\nmax_concurrent_jobs=%s\n' "$setting" >"$conf"
	fi
	rm -rf "$tmp/data" "$tmp/out"
	bench_start_daemon --config "$conf" --plugin-dir "$BUILD/plugins/nodes" --media-root "$DIR_ABS"
	bench_register_pipeline data/pipelines/passthrough_v1.json
	bench_py "$SD" "$DIR_ABS.list" "$FRAMES" "$sd_pid" <<'PY'
base, clips, frames = sys.argv[1], open(sys.argv[2]).read().split(), int(sys.argv[3])
cpu0 = cpu_seconds(sys.argv[4])
slots = http(base, "GET", "/healthz")["jobs"]["max_concurrent"]
body = {"jobs": [{"pipeline_id": "passthrough_v1", "video_url": pathlib.Path(c).as_uri(),
                  "options": {"stride": 1}} for c in clips]}
t0 = time.monotonic()
answer = http(base, "POST", "/jobs/batch", body)
post_s = time.monotonic() - t0
while True:
    jobs = http(base, "GET", "/healthz")["jobs"]
    if jobs["queued"] == 0 and jobs["running"] == 0:
        break
    time.sleep(0.05)
secs = time.monotonic() - t0
cpu = cpu_seconds(sys.argv[4]) - cpu0
for j in answer["jobs"]:
    job = http(base, "GET", "/jobs/" + j["job_id"])
    if job["status"] != "completed" or job["frames_processed"] != frames:
        sys.exit(f"bench: job {j['job_id']} {job['status']}, {job['frames_processed']} frames")
print(f"{secs:.4f} {cpu:.4f} {slots} {post_s * 1000:.1f}")
PY
	kill "$sd_pid"
	wait "$sd_pid" 2>/dev/null || true
	sd_pid=
}

: >"$tmp/res"
for _ in $(seq "$REPS"); do
	for case in auto over; do
		if [ $case = auto ]; then n=$CPUS; setting=auto; else n=$OVER; setting=$OVER; fi
		echo "a $case $(time_reference "$n") $n" >>"$tmp/res"
		echo "b $case $(time_daemon "$setting")" >>"$tmp/res"
	done
done

python3 - "$tmp/res" "$CLIPS" "$FRAMES" "$CPUS" "$OVER" "$TARGET" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
clips, frames, cpus, over, target = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), float(sys.argv[6])
total = clips * frames
def runs(kind, case):
    return [float(r[2]) for r in rows if r[0] == kind and r[1] == case]
def med(kind, case):
    return statistics.median(runs(kind, case))
def cpu(kind, case):
    return statistics.median(float(r[3]) for r in rows if r[0] == kind and r[1] == case)
slots = {c: [r[4] for r in rows if r[0] == "b" and r[1] == c][0] for c in ("auto", "over")}
posts = {c: statistics.median(float(r[5]) for r in rows if r[0] == "b" and r[1] == c) for c in ("auto", "over")}
fmt = lambda xs: " ".join(f"{x:.2f}" for x in xs)
print(f"{'case':<58} {'median s':>9} {'frames/s':>9} {'CPU s':>7}   runs (s)")
for case, n, label in (("auto", cpus, f"auto ({slots['auto']} slots)"), ("over", over, f"max_concurrent_jobs={over}")):
    a, b = med("a", case), med("b", case)
    print(f"{f'(a) gst-launch decodebin ! fakesink, xargs -P {n}':<58} {a:9.2f} {total / a:9.1f} {cpu('a', case):7.2f}   {fmt(runs('a', case))}")
    print(f"{f'(b) streamdag POST /jobs/batch, {label}':<58} {b:9.2f} {total / b:9.1f} {cpu('b', case):7.2f}   {fmt(runs('b', case))}")
    print(f"    (the POST of {clips} jobs answered in {posts[case]:.1f} ms)")
print()
for case, n in (("auto", cpus), ("over", over)):
    r = med("a", case) / med("b", case)
    verdict = f" (target {target:.2f}: {'met' if r >= target else 'not met'})" if case == "auto" else ""
    print(f"ratio batch/decode (a)/(b) at {n} in parallel ({case}): {r:.3f}{verdict}")
print("(CPU s: user+system of the gst-launch processes for (a), of the daemon for (b))")
print(f"oversubscribed against auto, streamdag (b auto)/(b over): {med('b', 'auto') / med('b', 'over'):.3f}")
PY
