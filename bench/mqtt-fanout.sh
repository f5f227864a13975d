#!/usr/bin/env bash
# MQTT fan-out: detections a streamdag job publishes per second, counted at a subscriber,
# against a bare Paho publisher sending the same payloads to the same broker, in the same
# run.
#
#   (b) a job over a tiny clip (64x64, FRAMES frames) whose one node (the test node `slow`,
#       sleep_ms 0, boxes 1) gives one detection per frame: every frame becomes one message
#       on <root>/jobs/<id>/detections (QoS 0); a Paho subscriber (bench/sdag-mqtt-bench
#       sub) counts them, messages/s from the first to the last;
#   (a) the same payloads (the ones (b) delivered, saved by the subscriber on the first
#       run) sent from one Paho async loop (sdag-mqtt-bench pub, QoS 0) on another topic,
#       counted by the same kind of subscriber.
#
# Prints the median messages/s of each over REPS runs (in turns) and the ratio (b)/(a);
# the target is 0.80.
#
#   bench/mqtt-fanout.sh [BUILD_DIR] [REPS] [FRAMES]
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh

BUILD=${1:-build}
REPS=${2:-5}
FRAMES=${3:-20000}
TARGET=0.80
CACHE=bench/.cache
CLIP=$CACHE/64x64-h264-$FRAMES.mp4
BENCH=$BUILD/bench/sdag-mqtt-bench

bench_need_tools gst-launch-1.0 python3 curl mosquitto
bench_need_files "$BUILD/src/streamdagd" "$BENCH" "$BUILD/tests/job-plugins/sdag-node-slow.so"

bench_make_clip "$CLIP" once \
	videotestsrc num-buffers="$FRAMES" \
	! video/x-raw,format=I420,width=64,height=64,framerate=30/1 \
	! x264enc speed-preset=ultrafast ! mp4mux

bench_py "$BUILD" "$REPS" "$FRAMES" "$TARGET" "$(realpath "$CLIP")" "$BENCH" <<'PY'
import json, os, shutil, socket, statistics, subprocess, sys, tempfile, time, urllib.request

build, reps, frames, target, clip, bench = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), \
    float(sys.argv[4]), sys.argv[5], sys.argv[6]
tmp = tempfile.mkdtemp()
procs = []

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]

def wait_port(port):
    for _ in range(500):
        try:
            socket.create_connection(("127.0.0.1", port), 0.1).close()
            return
        except OSError:
            time.sleep(0.02)
    sys.exit(f"bench: nothing listens on {port}")

def subscriber(filt, save=None):
    argv = [bench, "sub", uri, filt, str(frames), "120"] + ([save] if save else [])
    p = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True)
    if p.stdout.readline().strip() != "ready":
        sys.exit("bench: the subscriber did not start")
    return p

def result(p, what):
    out, _ = p.communicate(timeout=180)
    n, secs, rate = out.split()
    if int(n) != frames:
        print(f"bench: {what}: {n} of {frames} messages arrived", file=sys.stderr)
    return int(n), float(secs), float(rate)

try:
    port = free_port()
    with open(f"{tmp}/mosquitto.conf", "w") as f:
        f.write(f"listener {port} 127.0.0.1\nallow_anonymous true\nuser {os.environ.get('USER', 'root')}\n")
    procs.append(subprocess.Popen(["mosquitto", "-c", f"{tmp}/mosquitto.conf"],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    wait_port(port)
    uri = f"tcp://127.0.0.1:{port}"
    with open(f"{tmp}/sd.conf", "w") as f:
        f.write(f"[mqtt]\nbroker={uri}\ntopic_root=b\n")
    sd = subprocess.Popen([f"{build}/src/streamdagd", "--listen", "127.0.0.1:0",
                           "--data-dir", f"{tmp}/data", "--config", f"{tmp}/sd.conf",
                           "--plugin-dir", f"{build}/tests/job-plugins",
                           "--media-root", os.path.dirname(clip)],
                          stdout=subprocess.PIPE, stderr=open(f"{tmp}/sd.log", "w"), text=True)
    procs.append(sd)
    base = sd.stdout.readline().split("listening on ")[1].strip().rstrip("/")
    http(base, "POST", "/pipelines", {
        "pipeline_id": "one", "nodes": [{"id": "s", "type": "slow",
                                         "params": {"sleep_ms": 0, "boxes": 1}}],
        "edges": [{"from": "source.frame", "to": "s.frame"}], "outputs": ["s.detections"]})
    for _ in range(250):
        if http(base, "GET", "/healthz")["mqtt"]["connected"]:
            break
        time.sleep(0.02)
    print(f"bench: {frames} frames 64x64, one detection each; {reps} runs of each; "
          f"{os.cpu_count()} cores; mosquitto {port}")
    payloads = f"{tmp}/payloads"
    runs_a, runs_b, job_fps, quiet_fps = [], [], [], []
    for i in range(reps):
        # (b) the job
        sub = subscriber("b/jobs/+/detections", payloads if i == 0 else None)
        job = http(base, "POST", "/jobs", {"pipeline_id": "one",
                                          "video_url": "file://" + clip})
        n, secs, rate = result(sub, "job")
        j = wait_job(base, job["job_id"], 0.02)
        if j["status"] != "completed" or j["frames_processed"] != frames:
            sys.exit(f"bench: job {j['status']}, {j['frames_processed']} frames")
        runs_b.append(rate)
        job_fps.append(j["fps"])
        # (c) the same job with its detections not published: what the job itself can do
        job = http(base, "POST", "/jobs", {"pipeline_id": "one", "video_url": "file://" + clip,
                                          "options": {"mqtt": {"publish_detections": False}}})
        j = wait_job(base, job["job_id"], 0.02)
        quiet_fps.append(j["fps"])
        # (a) raw Paho, the same payloads
        sub = subscriber("raw/detections")
        subprocess.run([bench, "pub", uri, "raw/detections", payloads], check=True)
        n, secs, rate = result(sub, "raw")
        runs_a.append(rate)
    h = http(base, "GET", "/healthz")["mqtt"]
    a, b = statistics.median(runs_a), statistics.median(runs_b)
    fmt = lambda xs: " ".join(f"{x:.0f}" for x in xs)
    print(f"{'case':<52} {'median msg/s':>12}   runs")
    print(f"{'(a) Paho async loop, the same payloads, QoS 0':<52} {a:12.0f}   {fmt(runs_a)}")
    print(f"{'(b) streamdag job, one detection per frame, QoS 0':<52} {b:12.0f}   {fmt(runs_b)}")
    c = statistics.median(quiet_fps)
    print(f"{'(c) the same job, detections not published (fps)':<52} {c:12.0f}   {fmt(quiet_fps)}")
    print(f"    (the job's own fps in (b): {statistics.median(job_fps):.0f}; telemetry dropped: "
          f"{h['dropped']}; payload {os.path.getsize(payloads) // frames} bytes)")
    ratio = b / a
    print()
    print(f"ratio job/raw (b)/(a): {ratio:.3f} (target {target:.2f}: "
          f"{'met' if ratio >= target else 'not met'})")
    print(f"ratio delivered/job alone (b)/(c): {b / c:.3f}")
finally:
    for p in reversed(procs):
        p.terminate()
        p.wait()
    shutil.rmtree(tmp, ignore_errors=True)
PY
