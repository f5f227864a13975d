#!/bin/sh
# The demo: streamdagd in the foreground with its embedded defaults, data
# under ./var, REST on 127.0.0.1:8080, the example pipelines registered.
# Ctrl-C stops the daemon cleanly.
set -eu

BUILD=${1:-build}
LISTEN=${STREAMDAG_LISTEN:-127.0.0.1:8080}
URL="http://$LISTEN"

mkdir -p var
"$BUILD/src/streamdagd" --data-dir ./var --plugin-dir "$BUILD/plugins/nodes" --listen "$LISTEN" &
pid=$!
trap 'kill -TERM $pid 2>/dev/null; wait $pid; exit 0' INT TERM

i=0
until curl -fsS "$URL/healthz" >/dev/null 2>&1; do
	i=$((i + 1))
	if [ $i -gt 100 ] || ! kill -0 $pid 2>/dev/null; then
		echo "demo: streamdagd did not come up on $URL" >&2
		exit 1
	fi
	sleep 0.1
done

echo "demo: registering the example pipelines"
"$BUILD/src/streamdagctl" --url "$URL" pipelines add data/pipelines/*.json
echo
echo "demo: streamdagd is serving on $URL (Ctrl-C stops it). Try:"
echo "  curl $URL/healthz"
echo "  curl $URL/node-types"
echo "  curl $URL/pipelines"
echo "  $BUILD/src/streamdagctl pipelines get passthrough_v1"
wait $pid
