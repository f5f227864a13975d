#!/usr/bin/env bash
# hog_people speed over vtest.avi against a bare decode: bench/detector-speed.sh
# with data/pipelines/people_v1.json.
#
#   bench/hog-people.sh [BUILD_DIR] [REPS] [STRIDE]
set -euo pipefail
cd "$(dirname "$0")/.."
exec bench/detector-speed.sh "${1:-build}" "${2:-3}" "${3:-1}" data/pipelines/people_v1.json
