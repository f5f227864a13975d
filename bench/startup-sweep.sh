#!/usr/bin/env bash
# The start-up check of every pipeline and job record (the quarantine sweep, docs/store.md),
# against reading the same database files.
#
#   bench/startup-sweep.sh [BUILD_DIR] [JOBS] [RUNS]
#
# 1. fills a data directory with JOBS finished jobs (default 100000) through the job
#    manager's own code (build/bench/sdag-bench-populate);
# 2. starts streamdagd over it RUNS times (default 5) and reads the sweep's own figure from
#    its log ("checked N pipeline and job records in T ms") and the time to its
#    "listening" line;
# 3. the reference: cat of every file of the database to /dev/null, as warm as the daemon's
#    read (the page cache holds them after the first start);
# 4. prints the medians and the sweep / cat ratio.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh

BUILD=${1:-build}
JOBS=${2:-100000}
RUNS=${3:-5}

test -x "$BUILD/src/streamdagd" || { meson setup "$BUILD" >/dev/null; }
meson compile -C "$BUILD" >/dev/null

bench_tmp
shm=$(mktemp -d -p /dev/shm sdag-bench.XXXXXX)
BENCH_RM+=("$shm")

mkdir -p "$tmp/media"
gst-launch-1.0 -q videotestsrc num-buffers=10 ! video/x-raw,width=160,height=120,framerate=30/1 \
	! x264enc speed-preset=ultrafast ! mp4mux ! filesink location="$tmp/media/clip.mp4"
"$BUILD/bench/sdag-bench-populate" "$shm/data" "$BUILD/plugins/nodes" \
	data/pipelines/passthrough_v1.json "$tmp/media/clip.mp4" "$JOBS" >/dev/null
cp -a "$shm/data" "$tmp/data"
rm -rf "$shm"

sweeps=()
starts=()
cats=()
for _ in $(seq 1 "$RUNS"); do
	t0=$(date +%s%N)
	G_MESSAGES_DEBUG=sdag-quarantine bench_start_daemon --plugin-dir "$BUILD/plugins/nodes" \
		--media-root "$tmp/media"
	t1=$(date +%s%N)
	kill "$sd_pid"
	wait "$sd_pid" || true
	rm -f "$tmp/out"
	sweeps+=("$(sed -n 's/.*checked [0-9]* pipeline and job records in \([0-9.]*\) ms.*/\1/p' "$tmp/sd.log" | tail -1)")
	starts+=("$(((t1 - t0) / 1000000))")
	t0=$(date +%s%N)
	cat "$tmp/data/db"/* >/dev/null
	t1=$(date +%s%N)
	cats+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.1f", (b - a) / 1e6}')")
done
sweep=$(printf '%s\n' "${sweeps[@]}" | median)
start=$(printf '%s\n' "${starts[@]}" | median)
catms=$(printf '%s\n' "${cats[@]}" | median)
bench_load
echo "bench: $JOBS jobs stored ($(du -sh "$tmp/data/db" | cut -f1) on disk), $(nproc) cores, median of $RUNS starts"
printf '%-44s %10s\n' case ms
printf '%-44s %10s\n' "streamdagd start-up, to listening" "$start"
printf '%-44s %10s\n' "  of which the record check (quarantine sweep)" "$sweep"
printf '%-44s %10s\n' "cat of the database files (reference)" "$catms"
echo "sweep / cat: $(awk -v a="$sweep" -v b="$catms" 'BEGIN {printf "%.2f", a / b}')"
