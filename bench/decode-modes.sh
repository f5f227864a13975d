#!/usr/bin/env bash
# Decode modes: what the job option `decode` saves, against a bare GStreamer decode of the
# same file, in the same run, on the same machine.
#
#   (a) gst-launch-1.0 filesrc ! decodebin ! fakesink sync=false: every frame decoded; CPU
#       seconds (user + system) of the process and its wall time;
#   (b) a passthrough_v1 job at stride 30 with "decode": "all";
#   (c) the same with "decode": "reference" (the B frames stride 30 passes over skipped);
#   (d) a job with "decode": "keyframes" (stride 1: every key frame, 1 in 30 frames).
#
# For (b)-(d): CPU seconds the daemon used from POST /jobs to the job's end (utime + stime
# of /proc/PID/stat), wall time, CPU seconds per analysed frame; the median of REPS runs,
# taking turns. Prints the ratios of (b) to each: the target is (b)/(d) >= 10 and (c) below
# (b). The clip (1200 frames, 1280x720 H.264, a key frame every 30 frames, 2 B frames
# between references) is made once and kept in bench/.cache/.
#
#   bench/decode-modes.sh [BUILD_DIR] [REPS]
set -euo pipefail
cd "$(dirname "$0")/.."

. bench/lib.sh

BUILD=${1:-build}
REPS=${2:-3}
FRAMES=1200
CACHE=bench/.cache
CLIP=$CACHE/720p30-h264-gop30-bframes-$FRAMES.mp4

bench_need_tools gst-launch-1.0 python3 curl
bench_need_files "$BUILD/src/streamdagd"

# no scene cuts: the key frames are exactly every 30th frame
bench_make_clip "$CLIP" "once; about a minute on 2 cores" \
	videotestsrc num-buffers=$FRAMES pattern=smpte horizontal-speed=4 \
	! video/x-raw,format=I420,width=1280,height=720,framerate=30/1 \
	! x264enc speed-preset=veryfast key-int-max=30 bframes=2 b-adapt=false \
	option-string=scenecut=0 ! mp4mux
CLIP_ABS=$(realpath "$CLIP")

bench_tmp

echo "bench: $CLIP: $FRAMES frames 1280x720 H.264, GOP 30, 2 B frames; $REPS runs of each; $(nproc) cores"
bench_load

bench_start_daemon --plugin-dir "$BUILD/plugins/nodes" --media-root "$(dirname "$CLIP_ABS")"
bench_register_pipeline data/pipelines/passthrough_v1.json

bench_py "$SD" "$CLIP_ABS" "$sd_pid" "$REPS" "$FRAMES" <<'PY'
import statistics

base, clip, pid, reps, frames = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])

def reference():
    wall, cpu = timed_run(["gst-launch-1.0", "-q", "filesrc", f"location={clip}", "!",
                           "decodebin", "!", "fakesink", "sync=false"], stdout=None)
    return cpu, wall, frames, frames, 0

def job(decode, stride):
    body = {"pipeline_id": "passthrough_v1", "video_url": pathlib.Path(clip).as_uri(),
            "options": {"stride": stride, "decode": decode}}
    c0 = cpu_seconds(pid)
    t0 = time.monotonic()
    job_id = http(base, "POST", "/jobs", body)["job_id"]
    j = wait_job(base, job_id, 0.02)
    wall = time.monotonic() - t0
    cpu = cpu_seconds(pid) - c0
    if j["status"] != "completed":
        sys.exit(f"bench: job {job_id} {j['status']}: {j.get('error')}")
    return cpu, wall, j["frames_processed"], j["frames_decoded"], j["frames_skipped"]

cases = [("(a) gst-launch decodebin ! fakesink", reference),
         ("(b) job, stride 30, decode all", lambda: job("all", 30)),
         ("(c) job, stride 30, decode reference", lambda: job("reference", 30)),
         ("(d) job, stride 1, decode keyframes", lambda: job("keyframes", 1))]
runs = {name: [] for name, _ in cases}
for _ in range(reps):
    for name, fn in cases:
        runs[name].append(fn())

med = {}
print(f"{'case':<38} {'CPU s':>7} {'wall s':>7} {'analysed':>8} {'decoded':>8} {'skipped':>8} {'CPU ms/analysed':>15}   CPU s of each run")
for name, _ in cases:
    rs = runs[name]
    cpu = statistics.median(r[0] for r in rs)
    wall = statistics.median(r[1] for r in rs)
    an, dec, sk = rs[-1][2], rs[-1][3], rs[-1][4]
    med[name[:3]] = cpu
    print(f"{name:<38} {cpu:7.2f} {wall:7.2f} {an:8d} {dec:8d} {sk:8d} {1000 * cpu / an:15.2f}   "
          + " ".join(f"{r[0]:.2f}" for r in rs))
print()
print(f"CPU per file, all / keyframes:  {med['(b)'] / med['(d)']:.1f}x (target >= 10)")
print(f"CPU per file, all / reference:  {med['(b)'] / med['(c)']:.2f}x (target > 1)")
print(f"CPU per file, gst-launch / all: {med['(a)'] / med['(b)']:.2f}x")
PY
