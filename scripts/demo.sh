#!/bin/sh
# The demo: streamdagd in the foreground with its embedded defaults, data
# under ./var, REST on 127.0.0.1:8080, file sources allowed under ./media.
# It registers the example pipelines, runs a job over the reference footage
# (media/vtest.avi, put there by `make deps`) with a progress bar, prints the
# job's results, and keeps serving. Ctrl-C stops the daemon cleanly.
#
#   scripts/demo.sh [BUILD_DIR]
# Environment: STREAMDAG_LISTEN (ADDR:PORT), DEMO_PIPELINE (a pipeline id).
set -eu

BUILD=${1:-build}
LISTEN=${STREAMDAG_LISTEN:-127.0.0.1:8080}
URL="http://$LISTEN"
CTL="$BUILD/src/streamdagctl"
VIDEO=media/vtest.avi

if [ ! -f "$VIDEO" ]; then
	./scripts/fetch-media.sh
fi

mkdir -p var
: >var/streamdagd.out
# stdout carries one line, "streamdagd: listening on URL", once it serves;
# waiting for that line (not for any answer on the port) makes sure that it is
# this daemon that answers, not another one already on the port
"$BUILD/src/streamdagd" --data-dir ./var --plugin-dir "$BUILD/plugins/nodes" \
	--listen "$LISTEN" --media-root "$PWD/media" >var/streamdagd.out &
pid=$!
stop() {
	trap - INT TERM EXIT
	kill -TERM $pid 2>/dev/null || true
	wait $pid 2>/dev/null || true
}
trap 'stop; exit 0' INT TERM
trap 'stop' EXIT

i=0
until grep -q "listening on" var/streamdagd.out 2>/dev/null; do
	i=$((i + 1))
	if [ $i -gt 100 ] || ! kill -0 $pid 2>/dev/null; then
		echo "demo: streamdagd did not come up on $URL" >&2
		exit 1
	fi
	sleep 0.1
done
cat var/streamdagd.out

echo "demo: registering the example pipelines"
"$CTL" --url "$URL" pipelines add data/pipelines/*.json >/dev/null || true
"$CTL" --url "$URL" pipelines list

# the richest example pipeline the daemon has, unless one is asked for
pipeline=${DEMO_PIPELINE:-}
if [ -z "$pipeline" ]; then
	for p in player_tracking_v1 people_count_v1 motion_tracking_v1 passthrough_v1; do
		if "$CTL" --url "$URL" pipelines get "$p" >/dev/null 2>&1; then
			pipeline=$p
			break
		fi
	done
fi

echo
echo "demo: a job of $pipeline over $VIDEO (pedestrians, 768x576, 795 frames)"
echo "\$ streamdagctl jobs submit $pipeline $VIDEO"
job=$("$CTL" --url "$URL" jobs submit "$pipeline" "$VIDEO")
echo "$job"
echo "\$ streamdagctl jobs watch $job"
if "$CTL" --url "$URL" jobs watch "$job"; then
	echo "\$ streamdagctl jobs results $job"
	"$CTL" --url "$URL" jobs results "$job"
else
	echo "demo: the job did not complete; the daemon keeps serving"
fi

# the hints name --url only when the daemon is not where streamdagctl looks by default
hint=$CTL
if [ "$LISTEN" != 127.0.0.1:8080 ]; then
	hint="$CTL --url $URL"
fi
echo
echo "demo: streamdagd is serving on $URL (Ctrl-C stops it). Try:"
echo "  $hint jobs list"
echo "  $hint jobs get $job"
echo "  $hint --json jobs results $job"
echo "  $hint jobs submit passthrough_v1 $VIDEO --stride 5"
echo "  curl $URL/healthz"
echo "  curl $URL/jobs/$job/frames?limit=3"
wait $pid
