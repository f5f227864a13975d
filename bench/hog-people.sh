#!/usr/bin/env bash
# hog_people speed: a streamdag job of data/pipelines/people_v1.json over
# Debian's vtest.avi (768x576, 10 fps, 795 frames, pedestrians) against a bare
# GStreamer decode of the same file, in the same run, on the same machine.
#
#   (a) gst-launch-1.0 filesrc ! decodebin ! fakesink sync=false: the wall
#       time of the whole process, the median of REPS runs;
#   (b) a job of people_v1 (hog_people, default params) at STRIDE, end to
#       end: from sending POST /jobs to reading status "completed" (GET
#       /jobs/{id} every 50 ms), the median of REPS jobs; and what it found:
#       detections per processed frame (mean, max) from its results.
#
# Prints frames/s of each (for (b), processed frames/s), and the ratio (b)/(a).
#
#   bench/hog-people.sh [BUILD_DIR] [REPS] [STRIDE]
set -euo pipefail
cd "$(dirname "$0")/.."

BUILD=${1:-build}
REPS=${2:-3}
STRIDE=${3:-1}
VTEST=media/vtest.avi

for tool in gst-launch-1.0 python3 curl; do
	command -v $tool >/dev/null || {
		echo "bench: $tool is missing: run make deps" >&2
		exit 1
	}
done
test -x "$BUILD/src/streamdagd" || {
	echo "bench: no $BUILD/src/streamdagd: run make build" >&2
	exit 1
}
test -s "$VTEST" || {
	echo "bench: no $VTEST: run scripts/fetch-media.sh (make deps)" >&2
	exit 1
}
VTEST_ABS=$(realpath "$VTEST")

tmp=$(mktemp -d)
cleanup() {
	if [ -n "${sd_pid:-}" ]; then
		kill "$sd_pid" 2>/dev/null || true
		wait "$sd_pid" 2>/dev/null || true
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT

median() { sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }

echo "bench: $VTEST: 795 frames 768x576 MS-MPEG4; people_v1 at stride $STRIDE; $REPS runs of each; $(nproc) cores"

mkfifo "$tmp/out"
"$BUILD/src/streamdagd" --listen 127.0.0.1:0 --data-dir "$tmp/data" \
	--plugin-dir "$BUILD/plugins/nodes" --media-root "$(dirname "$VTEST_ABS")" \
	>"$tmp/out" 2>"$tmp/sd.log" &
sd_pid=$!
read -r line <"$tmp/out"
SD=${line#*listening on }
SD=${SD%/}
curl -fsS -o /dev/null -H 'Content-Type: application/json' \
	--data-binary @data/pipelines/people_v1.json "$SD/pipelines"

: >"$tmp/a"
: >"$tmp/b"
for _ in $(seq "$REPS"); do
	python3 - "$VTEST_ABS" >>"$tmp/a" <<'PY'
import subprocess, sys, time
t0 = time.monotonic()
subprocess.run(["gst-launch-1.0", "-q", "filesrc", "location=" + sys.argv[1], "!", "decodebin",
                "!", "fakesink", "sync=false"], check=True, stdout=subprocess.DEVNULL)
print(f"{time.monotonic() - t0:.4f}")
PY
	python3 - "$SD" "$VTEST_ABS" "$STRIDE" >>"$tmp/b" <<'PY'
import json, pathlib, sys, time, urllib.request
base, clip, stride = sys.argv[1], sys.argv[2], int(sys.argv[3])
def get(path):
    with urllib.request.urlopen(base + path) as r:
        return json.load(r)
body = json.dumps({"pipeline_id": "people_v1", "video_url": pathlib.Path(clip).as_uri(),
                   "options": {"stride": stride}}).encode()
req = urllib.request.Request(base + "/jobs", data=body, method="POST",
                             headers={"Content-Type": "application/json"})
t0 = time.monotonic()
with urllib.request.urlopen(req) as r:
    job_id = json.load(r)["job_id"]
while True:
    job = get(f"/jobs/{job_id}")
    if job["status"] in ("completed", "failed", "cancelled"):
        break
    time.sleep(0.05)
secs = time.monotonic() - t0
if job["status"] != "completed":
    sys.exit(f"bench: job {job_id} {job['status']}: {job.get('error')}")
per_frame = []
cursor = 0
while cursor is not None:
    page = get(f"/jobs/{job_id}/frames?from={cursor}&limit=1000")
    per_frame += [len(f["detections"]) for f in page["frames"]]
    cursor = page["next_from"]
print(f"{secs:.4f} {job['frames_processed']} {job['frames_decoded']} {sum(per_frame)} {max(per_frame)}")
PY
done
a_secs=$(median <"$tmp/a")
b_secs=$(cut -d' ' -f1 "$tmp/b" | median)

python3 - "$a_secs" "$b_secs" "$tmp/a" "$tmp/b" <<'PY'
import sys
a, b = float(sys.argv[1]), float(sys.argv[2])
runs_a = [float(l) for l in open(sys.argv[3])]
runs_b = [l.split() for l in open(sys.argv[4])]
processed, decoded, dets, most = (int(x) for x in runs_b[0][1:5])
fmt = lambda xs: " ".join(f"{x:.2f}" for x in xs)
print(f"{'case':<46} {'median s':>9} {'frames/s':>9}   runs (s)")
print(f"{'(a) gst-launch decodebin ! fakesink':<46} {a:9.2f} {decoded / a:9.1f}   {fmt(runs_a)}")
print(f"{'(b) streamdag job, people_v1 (hog_people)':<46} {b:9.2f} {processed / b:9.1f}   "
      f"{fmt(float(r[0]) for r in runs_b)}")
print(f"    (b) processed {processed} of {decoded} frames; detections: {dets} in all, "
      f"{dets / processed:.2f} per frame on average, at most {most} in a frame")
print()
print(f"ratio hog_people job/decode (b)/(a), in processed frames/s: {(processed / b) / (decoded / a):.3f}")
PY
