#!/usr/bin/env bash
# Detector speed: a streamdag job of a detector pipeline (by default
# data/pipelines/people_v1.json, hog_people) over Debian's vtest.avi (768x576,
# 10 fps, 795 frames, pedestrians) against a bare GStreamer decode of the same
# file, in the same run, on the same machine. bench/hog-people.sh and
# bench/haar-faces.sh call it with their pipelines.
#
#   (a) gst-launch-1.0 filesrc ! decodebin ! fakesink sync=false: the wall
#       time of the whole process, the median of REPS runs;
#   (b) a job of PIPELINE (a pipeline file) at STRIDE, end to
#       end: from sending POST /jobs to reading status "completed" (GET
#       /jobs/{id} every 50 ms), the median of REPS jobs; and what it found:
#       detections per processed frame (mean, max) from its results.
#
# Prints frames/s of each (for (b), processed frames/s), and the ratio (b)/(a).
#
#   bench/detector-speed.sh [BUILD_DIR] [REPS] [STRIDE] [PIPELINE]
set -euo pipefail
cd "$(dirname "$0")/.."

. bench/lib.sh

BUILD=${1:-build}
REPS=${2:-3}
STRIDE=${3:-1}
PIPELINE=${4:-data/pipelines/people_v1.json}
VTEST=media/vtest.avi

bench_need_tools gst-launch-1.0 python3 curl
bench_need_files "$BUILD/src/streamdagd" "$PIPELINE"
PIPELINE_ID=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["pipeline_id"])' "$PIPELINE")
NODE_TYPES=$(python3 -c 'import json,sys; print(",".join(n["type"] for n in json.load(open(sys.argv[1]))["nodes"]))' "$PIPELINE")
test -s "$VTEST" || {
	echo "bench: no $VTEST: run scripts/fetch-media.sh (make deps)" >&2
	exit 1
}
VTEST_ABS=$(realpath "$VTEST")

bench_tmp

echo "bench: $VTEST: 795 frames 768x576 MS-MPEG4; $PIPELINE_ID ($NODE_TYPES) at stride $STRIDE; $REPS runs of each; $(nproc) cores"

bench_start_daemon --plugin-dir "$BUILD/plugins/nodes" --media-root "$(dirname "$VTEST_ABS")"
bench_register_pipeline "$PIPELINE"

: >"$tmp/a"
: >"$tmp/b"
for _ in $(seq "$REPS"); do
	bench_time_decode "$VTEST_ABS" >>"$tmp/a"
	bench_py "$SD" "$VTEST_ABS" "$STRIDE" "$PIPELINE_ID" >>"$tmp/b" <<'PY'
base = sys.argv[1]
secs, job_id, job = run_job(base, sys.argv[4], sys.argv[2], int(sys.argv[3]), 0.05)
per_frame = [len(f["detections"]) for page in frame_pages(base, job_id, 1000) for f in page]
print(f"{secs:.4f} {job['frames_processed']} {job['frames_decoded']} {sum(per_frame)} {max(per_frame)}")
PY
done
a_secs=$(median <"$tmp/a")
b_secs=$(cut -d' ' -f1 "$tmp/b" | median)

python3 - "$a_secs" "$b_secs" "$tmp/a" "$tmp/b" "$PIPELINE_ID ($NODE_TYPES)" <<'PY'
import sys
what = sys.argv[5]
a, b = float(sys.argv[1]), float(sys.argv[2])
runs_a = [float(l.split()[0]) for l in open(sys.argv[3])]
runs_b = [l.split() for l in open(sys.argv[4])]
processed, decoded, dets, most = (int(x) for x in runs_b[0][1:5])
fmt = lambda xs: " ".join(f"{x:.2f}" for x in xs)
print(f"{'case':<46} {'median s':>9} {'frames/s':>9}   runs (s)")
print(f"{'(a) gst-launch decodebin ! fakesink':<46} {a:9.2f} {decoded / a:9.1f}   {fmt(runs_a)}")
print(f"{'(b) streamdag job, ' + what:<46} {b:9.2f} {processed / b:9.1f}   "
      f"{fmt(float(r[0]) for r in runs_b)}")
print(f"    (b) processed {processed} of {decoded} frames; detections: {dets} in all, "
      f"{dets / processed:.2f} per frame on average, at most {most} in a frame")
print()
print(f"ratio {what} job/decode (b)/(a), in processed frames/s: {(processed / b) / (decoded / a):.3f}")
PY
