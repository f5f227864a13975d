#!/bin/sh
# Installs the Debian packages streamdag needs to build, test and run.
# Idempotent: installs only what is missing, and runs apt-get only then.
#
# GStreamer: the -dev packages build the executor and the sddag element;
# plugins-base/good decode and demux (decodebin, qtdemux, avidemux), -bad has
# the watchdog element for live sources and x265enc (the live tests serve
# H.265 with it), -ugly has x264enc (the tests and the benchmark encode their
# clips with it), -good has jpegenc/jpegdec (MJPEG cameras), -libav decodes
# H.264, H.265 and the MS-MPEG4 v3 of the reference footage (avdec_msmpeg4),
# -tools has gst-launch-1.0.
# OpenCV (C++, hence g++): the hog_people and haar nodes need only its core,
# imgproc and objdetect modules; opencv-data has the Haar cascades.
# Live sources: the tests serve RTSP with gst-rtsp-server (libgstrtspserver)
# and RTMP with Debian's nginx and its rtmp module (libnginx-mod-rtmp).
# MQTT: Paho's C client builds the publisher; the tests run Debian's mosquitto
# broker, watch it with mosquitto_sub and make TLS certificates with openssl.
# Installing: systemd's pkg-config file says where the unit and the sysusers.d
# file go, bash-completion's where the completion goes; scdoc makes the man
# pages.
# The dashboard's browser tests (tests/sdag-ui-test.c): Debian's chromium, driven by
# playwright-core from npm (pinned in tests/ui/package-lock.json, installed there with
# `npm ci` when tests/ui/node_modules is missing), hence Debian's nodejs and npm unless
# a node with its own npm is already there (NodeSource's nodejs package holds npm and
# conflicts with Debian's).
#
# --packaging adds what `make package` and the packaging stage of .ci/run use:
# debhelper and dpkg-dev for the .deb, rpm for the .rpm, lintian to check them,
# man-db for systemd-analyze verify (it opens the unit's man: pages).
#
# --fuzz adds what `make fuzz` and the fuzz stage of .ci/run use: clang and its
# libFuzzer and sanitizer runtimes (libclang-rt-dev), llvm for llvm-symbolizer
# (stack traces with lines).
set -eu

PACKAGES="
  gcc
  make
  meson
  ninja-build
  pkg-config
  python3
  curl
  clang-format
  gcovr
  libglib2.0-dev
  libjson-glib-dev
  libsoup-3.0-dev
  librocksdb-dev
  libsystemd-dev
  libgstreamer1.0-dev
  libgstreamer-plugins-base1.0-dev
  gstreamer1.0-tools
  gstreamer1.0-plugins-base
  gstreamer1.0-plugins-good
  gstreamer1.0-plugins-bad
  gstreamer1.0-plugins-ugly
  gstreamer1.0-libav
  g++
  libopencv-core-dev
  libopencv-imgproc-dev
  libopencv-objdetect-dev
  opencv-data
  gstreamer1.0-opencv
  libgstrtspserver-1.0-dev
  nginx
  libnginx-mod-rtmp
  libpaho-mqtt-dev
  mosquitto
  mosquitto-clients
  openssl
  systemd
  bash-completion
  scdoc
  chromium
"
if [ "${1:-}" = "--packaging" ]; then
	PACKAGES="$PACKAGES debhelper dpkg-dev fakeroot lintian rpm man-db"
fi
if [ "${1:-}" = "--fuzz" ]; then
	PACKAGES="$PACKAGES clang llvm libclang-rt-dev"
fi

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
	PACKAGES="$PACKAGES nodejs npm"
fi

missing=""
for p in $PACKAGES; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done

# playwright-core for the dashboard's tests, as tests/ui/package-lock.json pins it
npm_deps() {
	ui="$(dirname "$0")/../tests/ui"
	if [ ! -d "$ui/node_modules/playwright-core" ]; then
		echo "streamdag: installing tests/ui/node_modules (npm ci)"
		(cd "$ui" && npm ci --no-audit --no-fund --loglevel=error)
	fi
}

if [ -z "$missing" ]; then
	npm_deps
	exit 0
fi

echo "streamdag: installing:$missing"
if [ "$(id -u)" -ne 0 ]; then
	if command -v sudo >/dev/null 2>&1; then
		SUDO=sudo
	else
		echo "streamdag: run as root (or install sudo) to install:$missing" >&2
		exit 1
	fi
else
	SUDO=
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
# shellcheck disable=SC2086
$SUDO apt-get install -y -q --no-install-recommends $missing
npm_deps
