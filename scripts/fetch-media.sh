#!/bin/sh
# Puts the reference footage into DIR (default: media/ at the top of the
# repository): vtest.avi from Debian's opencv-doc package (pedestrians,
# 768x576, 10 fps, 795 frames, MS-MPEG4 v3), and messi5.jpg from the same
# package (a photograph with a face, for the haar node's tests). The package
# is downloaded and unpacked in a temporary directory, not installed.
# Idempotent: does nothing when both are already there.
#
#   scripts/fetch-media.sh [DIR]
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
DIR=${1:-$ROOT/media}
OUT=$DIR/vtest.avi
MIN_BYTES=1000000

size_of() { wc -c <"$1" | tr -d ' '; }

FACE=$DIR/messi5.jpg

if [ -f "$OUT" ] && [ "$(size_of "$OUT")" -gt $MIN_BYTES ] && [ -s "$FACE" ]; then
	exit 0
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
# apt fetches as the unprivileged _apt user when it can write the target
# directory; without that it falls back to root with a warning.
if [ "$(id -u)" -eq 0 ] && id _apt >/dev/null 2>&1; then
	chown _apt "$tmp"
fi

echo "streamdag: fetching the reference footage (opencv-doc's vtest.avi) into $DIR"
if ! (cd "$tmp" && apt-get download -q opencv-doc >/dev/null 2>"$tmp/err"); then
	# a fresh machine may not have read the package lists yet
	if [ "$(id -u)" -eq 0 ]; then
		apt-get update -q >/dev/null
	elif command -v sudo >/dev/null 2>&1; then
		sudo apt-get update -q >/dev/null
	fi
	if ! (cd "$tmp" && apt-get download -q opencv-doc >/dev/null 2>"$tmp/err"); then
		cat "$tmp/err" >&2
		echo "streamdag: could not download opencv-doc" >&2
		exit 1
	fi
fi

deb=$(find "$tmp" -maxdepth 1 -name 'opencv-doc_*.deb' | head -n 1)
if [ -z "$deb" ]; then
	echo "streamdag: apt-get download left no opencv-doc package" >&2
	exit 1
fi
dpkg -x "$deb" "$tmp/root"
src=$tmp/root/usr/share/doc/opencv-doc/examples/data/vtest.avi
if [ ! -f "$src" ] || [ "$(size_of "$src")" -le $MIN_BYTES ]; then
	echo "streamdag: $(basename "$deb") holds no usable examples/data/vtest.avi" >&2
	exit 1
fi
mkdir -p "$DIR"
# copy under a temporary name, so an interrupted run leaves no truncated file
cp "$src" "$OUT.part"
mv "$OUT.part" "$OUT"
face=$tmp/root/usr/share/doc/opencv-doc/examples/data/messi5.jpg
if [ ! -s "$face" ]; then
	echo "streamdag: $(basename "$deb") holds no examples/data/messi5.jpg" >&2
	exit 1
fi
cp "$face" "$FACE.part"
mv "$FACE.part" "$FACE"
echo "streamdag: $OUT ($(size_of "$OUT") bytes)"
