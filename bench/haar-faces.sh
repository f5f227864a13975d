#!/usr/bin/env bash
# haar (frontal faces, default params) speed over vtest.avi against a bare
# decode: bench/detector-speed.sh with bench/faces_bench.json.
#
#   bench/haar-faces.sh [BUILD_DIR] [REPS] [STRIDE]
set -euo pipefail
cd "$(dirname "$0")/.."
exec bench/detector-speed.sh "${1:-build}" "${2:-3}" "${3:-1}" bench/faces_bench.json
