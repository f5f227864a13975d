#!/usr/bin/env bash
# Motion detection: a streamdag job of motion_tracking_v1 against GStreamer's
# OpenCV motioncells element, over the same generated 720p clip, in one run.
#
#   (a) gst-launch-1.0 -m filesrc ! decodebin ! videoconvert ! motioncells
#       display=false postallmotion=true ! fakesink sync=false: the wall time
#       of the whole process (motioncells reads RGB only, so the decoded I420
#       is converted, as any user of it must);
#   (b) a job of motion_tracking_v1 (motion -> filter -> tracker ->
#       line_counter, on the luma plane, no conversion) at stride 1, end to
#       end: from sending POST /jobs to reading status "completed";
#   (c) gst-launch-1.0 filesrc ! decodebin ! fakesink sync=false: the bare
#       decode of the same file, the floor under any analysis of it.
#
# Each the median of REPS runs, taken in turns. Prints frames/s and CPU seconds of each, the
# ratios (b)/(a) (target 2.0) and (c)/(b), the job's speed as a share of the
# bare decode (target 0.90), and the recall of both against the scene's
# ground truth (see bench/README.md for how each is counted).
#
#   bench/motion-vs-motioncells.sh [BUILD_DIR] [REPS]
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh

BUILD=${1:-build}
REPS=${2:-5}
FRAMES=600
SEED=1
TARGET=2.0
CACHE=bench/.cache
CLIP=$CACHE/scene-720p30-$FRAMES-seed$SEED.mp4
TRUTH=$CACHE/scene-720p30-$FRAMES-seed$SEED.truth.json
TOOL=$BUILD/tests/sdag-scene-tool

bench_need_tools gst-launch-1.0 gst-inspect-1.0 python3 curl
gst-inspect-1.0 motioncells >/dev/null 2>&1 || {
	echo "bench: no motioncells element (gstreamer1.0-opencv): run make deps" >&2
	exit 1
}
bench_need_files "$BUILD/src/streamdagd" "$TOOL"

mkdir -p "$CACHE"
if [ ! -s "$CLIP" ] || [ ! -s "$TRUTH" ]; then
	echo "bench: making $CLIP and its ground truth (once)"
	"$TOOL" make 1280 720 $FRAMES $SEED "$CLIP.part" "$TRUTH"
	mv "$CLIP.part" "$CLIP"
fi
CLIP_ABS=$(realpath "$CLIP")

bench_tmp

echo "bench: $CLIP: $FRAMES frames 1280x720 H.264, generated scene (seed $SEED); $REPS runs of each; $(nproc) cores"

bench_start_daemon --plugin-dir "$BUILD/plugins/nodes" --media-root "$(dirname "$CLIP_ABS")"
bench_register_pipeline data/pipelines/motion_tracking_v1.json

: >"$tmp/a"
: >"$tmp/b"
: >"$tmp/c"
for _ in $(seq "$REPS"); do
	# (a) the reference; its bus messages kept for the recall
	bench_py "$CLIP_ABS" "$tmp/messages" >>"$tmp/a" <<'PY'
with open(sys.argv[2], "w") as out:
    wall, cpu = timed_run(["gst-launch-1.0", "-m", "filesrc", "location=" + sys.argv[1], "!",
                           "decodebin", "!", "videoconvert", "!", "motioncells", "display=false",
                           "postallmotion=true", "!", "fakesink", "sync=false"], stdout=out)
print(f"{wall:.4f} {cpu:.4f}")
PY
	# (b) the same file as a streamdag job; its frame rows kept for the recall
	bench_py "$SD" "$CLIP_ABS" "$tmp/rows.json" "$sd_pid" >>"$tmp/b" <<'PY'
base = sys.argv[1]
cpu0 = cpu_seconds(sys.argv[4])
secs, job_id, job = run_job(base, "motion_tracking_v1", sys.argv[2], 1, 0.02)
cpu = cpu_seconds(sys.argv[4]) - cpu0
rows = [row for page in frame_pages(base, job_id, 500) for row in page]
json.dump(rows, open(sys.argv[3], "w"))
print(f"{secs:.4f} {job['frames_processed']} {cpu:.4f} {job['decoder_threads']}")
PY
	# (c) the bare decode
	bench_time_decode "$CLIP_ABS" >>"$tmp/c"
done
c_secs=$(median <"$tmp/c")
a_secs=$(median <"$tmp/a")
b_secs=$(cut -d' ' -f1 "$tmp/b" | median)
b_frames=$(cut -d' ' -f2 "$tmp/b" | sort -u | tr '\n' ' ')
if [ "$b_frames" != "$FRAMES " ]; then
	echo "bench: the jobs processed ${b_frames}frames, not $FRAMES" >&2
	exit 1
fi
"$TOOL" score "$TRUTH" "$tmp/rows.json" >"$tmp/score.json"

python3 - "$FRAMES" "$a_secs" "$b_secs" "$TARGET" "$tmp/a" "$tmp/b" "$TRUTH" "$tmp/messages" \
	"$tmp/rows.json" "$tmp/score.json" "$c_secs" "$tmp/c" <<'PY'
import json, re, sys
frames, a, b, target = int(sys.argv[1]), *map(float, sys.argv[2:5])
c = float(sys.argv[11])
runs_a = [float(l.split()[0]) for l in open(sys.argv[5])]
runs_b = [float(l.split()[0]) for l in open(sys.argv[6])]
runs_c = [float(l.split()[0]) for l in open(sys.argv[12])]
med = lambda xs: sorted(xs)[len(xs) // 2] if len(xs) % 2 else sum(sorted(xs)[len(xs) // 2 - 1:len(xs) // 2 + 1]) / 2
cpu_a = med([float(l.split()[1]) for l in open(sys.argv[5])])
cpu_b = med([float(l.split()[2]) for l in open(sys.argv[6])])
cpu_c = med([float(l.split()[1]) for l in open(sys.argv[12])])
threads_b = sorted({l.split()[3] for l in open(sys.argv[6])})
truth = json.load(open(sys.argv[7]))
W, H, fps = truth["width"], truth["height"], truth["fps"]
fmt = lambda xs: " ".join(f"{x:.2f}" for x in xs)
print(f"{'case':<52} {'median s':>9} {'frames/s':>9} {'CPU s':>6}   runs (s)")
print(f"{'(a) gst-launch ... videoconvert ! motioncells':<52} {a:9.2f} {frames / a:9.1f} {cpu_a:6.2f}   {fmt(runs_a)}")
print(f"{'(b) streamdag job, motion_tracking_v1, stride 1':<52} {b:9.2f} {frames / b:9.1f} {cpu_b:6.2f}   {fmt(runs_b)}")
print(f"{'(c) gst-launch ... decodebin ! fakesink (bare decode)':<52} {c:9.2f} {frames / c:9.1f} {cpu_c:6.2f}   {fmt(runs_c)}")
print(f"(CPU s: user+system of the gst-launch process, of the daemon for (b); the job's decoder threads: {' '.join(threads_b)})")
ratio = a / b
print()
print(f"ratio streamdag/motioncells (b)/(a): {ratio:.2f} (target {target:.1f}: {'met' if ratio >= target else 'not met'})")
print(f"ratio streamdag/bare decode (c)/(b): {c / b:.2f} (target 0.90: {'met' if c / b >= 0.90 else 'not met'}); CPU (c)/(b): {cpu_c / cpu_b:.2f}")

# Recall on motioncells' own terms: its default 10 x 10 grid. A truth box is
# found in a frame when a cell it overlaps is reported moving in that frame.
GX = GY = 10
cw, ch = W / GX, H / GY
def cells_of(box):
    x, y, w, h = box
    return {(r, c) for r in range(int(y // ch), min(GY - 1, int((y + h - 1e-9) // ch)) + 1)
            for c in range(int(x // cw), min(GX - 1, int((x + w - 1e-9) // cw)) + 1)}
mc = {}
for line in open(sys.argv[8]):
    m = re.search(r'motion_cells_indices=\(string\)"([^"]*)", motion(?:_begin)?=\(guint64\)(\d+)', line)
    if not m:
        continue
    f = round(int(m.group(2)) * fps / 1e9)
    mc[f] = {tuple(map(int, rc.split(":"))) for rc in m.group(1).replace("\\,", ",").split(",") if rc}
sd = {}
for row in json.load(open(sys.argv[9])):
    sd[row["frame_id"]] = set().union(*[cells_of(d["box"]) for d in row["detections"]]) if row["detections"] else set()
def cell_recall(flagged, frames=None):
    total = found = 0
    for row in truth["truth"]:
        if frames is not None and row["frame_id"] not in frames:
            continue
        for o in row["objects"]:
            total += 1
            found += bool(cells_of(o["box"]) & flagged.get(row["frame_id"], set()))
    return found / total if total else 1.0
def cell_precision(flagged, frames=None):
    # share of reported cells that overlap some truth box
    rep = hit = 0
    for row in truth["truth"]:
        if frames is not None and row["frame_id"] not in frames:
            continue
        gt = set().union(*[cells_of(o["box"]) for o in row["objects"]]) if row["objects"] else set()
        got = flagged.get(row["frame_id"], set())
        rep += len(got)
        hit += len(got & gt)
    return hit / rep if rep else 1.0
# motioncells decides about motion a few times a second, not per frame: its
# reports, held until the next one, are what a consumer of its messages has
held, cur = {}, set()
for f in range(frames):
    cur = mc.get(f, cur)
    held[f] = cur
evaluated = set(mc)
score = json.load(open(sys.argv[10]))
print()
print("recall against the ground truth (%d truth boxes):" % score["truth"])
print(f"  cells (10 x 10 grid, a truth box found when a cell it overlaps is reported moving):")
print(f"    (a) motioncells, every frame, each report held until the next one:")
print(f"                     recall {cell_recall(held):.4f}  cell precision {cell_precision(held):.4f}")
print(f"    (a) motioncells, only the {len(evaluated)} frames it reported on:")
print(f"                     recall {cell_recall(mc, evaluated):.4f}  cell precision {cell_precision(mc, evaluated):.4f}")
print(f"    (b) streamdag, every frame:")
print(f"                     recall {cell_recall(sd):.4f}  cell precision {cell_precision(sd):.4f}")
print(f"    (b) streamdag, the same {len(evaluated)} frames:")
print(f"                     recall {cell_recall(sd, evaluated):.4f}  cell precision {cell_precision(sd, evaluated):.4f}")
print(f"  boxes at IoU >= 0.5 (motioncells gives no boxes):")
print(f"    (b) streamdag    recall {score['recall']:.4f}  precision {score['precision']:.4f}  "
      f"MOTA {score['mota']:.4f}  IDF1 {score['idf1']:.4f}  ID switches {score['id_switches']}")
PY
