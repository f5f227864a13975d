#!/usr/bin/env bash
# Job throughput: a streamdag job against a bare GStreamer decode of the same
# file, in the same run, on the same machine.
#
#   (a) gst-launch-1.0 filesrc ! decodebin ! fakesink sync=false: the wall
#       time of the whole process, the median of REPS runs;
#   (b) a job of the passthrough_v1 pipeline at stride 1 over the same file,
#       end to end: from sending POST /jobs to reading status "completed"
#       (GET /jobs/{id} every 20 ms), the median of REPS jobs.
#
# Prints frames/s of each and the ratio (b)/(a); the target is 0.90.
# The clip (720p30 8-bit 4:2:0 H.264 in MP4, FRAMES frames) is made once and kept in
# bench/.cache/.
#
#   bench/job-throughput.sh [BUILD_DIR] [REPS]
set -euo pipefail
cd "$(dirname "$0")/.."

. bench/lib.sh

BUILD=${1:-build}
REPS=${2:-7}
FRAMES=1200
TARGET=0.90
CACHE=bench/.cache
CLIP=$CACHE/720p30-h264-i420-$FRAMES.mp4

bench_need_tools gst-launch-1.0 python3 curl
bench_need_files "$BUILD/src/streamdagd"

# a scrolling pattern, so that every frame carries new content to decode;
# I420 in, so that x264enc makes 8-bit 4:2:0 (High profile) as cameras do,
# not the 10-bit 4:4:4 it picks when left to negotiate
bench_make_clip "$CLIP" "once; about half a minute on 2 cores" \
	videotestsrc num-buffers=$FRAMES pattern=smpte horizontal-speed=4 \
	! video/x-raw,format=I420,width=1280,height=720,framerate=30/1 \
	! x264enc speed-preset=veryfast ! mp4mux
CLIP_ABS=$(realpath "$CLIP")

bench_tmp

echo "bench: $CLIP: $FRAMES frames 1280x720 H.264; $REPS runs of each; $(nproc) cores"

# the daemon for (b), with its own data and the cache as its media root
bench_start_daemon --plugin-dir "$BUILD/plugins/nodes" --media-root "$(dirname "$CLIP_ABS")"
bench_register_pipeline data/pipelines/passthrough_v1.json

# (a) and (b) take turns, so that a drift of the machine's speed hits both
: >"$tmp/a"
: >"$tmp/b"
for _ in $(seq "$REPS"); do
	# (a) the reference: decode alone
	bench_time_decode "$CLIP_ABS" >>"$tmp/a"
	# (b) the same file as a streamdag job
	bench_py "$SD" "$CLIP_ABS" >>"$tmp/b" <<'PY'
secs, job_id, job = run_job(sys.argv[1], "passthrough_v1", sys.argv[2], 1, 0.02)
print(f"{secs:.4f} {job['frames_processed']} {job['fps']}")
PY
done
a_secs=$(median <"$tmp/a")
b_secs=$(cut -d' ' -f1 "$tmp/b" | median)
b_frames=$(cut -d' ' -f2 "$tmp/b" | sort -u | tr '\n' ' ')
b_fps_daemon=$(cut -d' ' -f3 "$tmp/b" | median)
if [ "$b_frames" != "$FRAMES " ]; then
	echo "bench: the jobs processed ${b_frames}frames, not $FRAMES" >&2
	exit 1
fi

python3 - "$FRAMES" "$a_secs" "$b_secs" "$b_fps_daemon" "$TARGET" "$tmp/a" "$tmp/b" <<'PY'
import sys
frames, a, b, daemon_fps, target = int(sys.argv[1]), *map(float, sys.argv[2:6])
runs_a = [float(l.split()[0]) for l in open(sys.argv[6])]
runs_b = [float(l.split()[0]) for l in open(sys.argv[7])]
fmt = lambda xs: " ".join(f"{x:.2f}" for x in xs)
print(f"{'case':<46} {'median s':>9} {'frames/s':>9}   runs (s)")
print(f"{'(a) gst-launch decodebin ! fakesink':<46} {a:9.2f} {frames / a:9.1f}   {fmt(runs_a)}")
print(f"{'(b) streamdag job, passthrough_v1, stride 1':<46} {b:9.2f} {frames / b:9.1f}   {fmt(runs_b)}")
print(f"    (the daemon's own fps for (b), running time only: {daemon_fps:.1f})")
ratio = a / b
print()
print(f"ratio job/decode (b)/(a): {ratio:.3f} (target {target:.2f}: {'met' if ratio >= target else 'not met'})")
PY
