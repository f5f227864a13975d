#!/usr/bin/env bash
# The packaging stage of .ci/run: builds the .deb and the .rpm, checks them with
# lintian and against each other, and then installs, runs, upgrades, removes
# and purges the .deb on this machine, which must be a throw-away Debian 12
# root (systemd need not be PID 1: the unit's ExecStart is run with runuser).
#
#   packaging/check-packages.sh VIDEO
#
# VIDEO is a clip the installed daemon analyses (make check fetches
# media/vtest.avi); it is copied out of the source tree first.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
video=$(realpath "$1")
cd "$top"

say() { printf 'packages: %s\n' "$*"; }
fail() {
	printf 'packages: FAILED: %s\n' "$*" >&2
	[ -f "${log:-}" ] && tail -n 40 "$log" >&2
	exit 1
}

[ "$(id -u)" -eq 0 ] || fail "run as root on a throw-away machine"
./scripts/install-deps.sh --packaging

work=$(mktemp -d /var/tmp/streamdag-packages.XXXXXX)
chmod 0755 "$work"
log=$work/streamdagd.log
daemon_pid=

stop_daemon() {
	if [ -n "$daemon_pid" ]; then
		kill -TERM "$daemon_pid" 2>/dev/null || true
		wait "$daemon_pid" 2>/dev/null || true
		daemon_pid=
	fi
}
cleanup() {
	stop_daemon
	if dpkg-query -W -f='${Status}' streamdag 2>/dev/null | grep -q installed; then
		DEBIAN_FRONTEND=noninteractive apt-get purge -y -q streamdag >/dev/null 2>&1 || true
	fi
	rm -rf "$work"
}
trap cleanup EXIT
# A previous run that died half-way left the package behind.
cleanup
mkdir -p "$work"

# --- build N and N+1 -----------------------------------------------------
version=$(sed -n "s/^  version: '\([^']*\)',$/\1/p" meson.build | head -n1)
next=$(echo "$version" | awk -F. '{ printf "%d.%d.%d", $1, $2, $3 + 1 }')
rm -rf dist
./packaging/build.sh
deb=$(ls "$top"/dist/streamdag_"$version"_*.deb)
rpm=$(ls "$top"/dist/streamdag-"$version"-*.rpm)

say "building $next, the upgrade"
mkdir "$work/next"
git ls-files -z | tar --null -T - -cf - | tar -xf - -C "$work/next"
(
	cd "$work/next"
	git init -q && git add -A
	sed -i "s/^  version: '$version',$/  version: '$next',/" meson.build
	./packaging/build.sh >/dev/null
)
deb_next=$(ls "$work"/next/dist/streamdag_"$next"_*.deb)

# --- the packages, read as a packager reads them ----------------------------
say "lintian"
lintian --fail-on error --tag-display-limit 0 "$deb" >"$work/lintian.txt" 2>&1 ||
	{ cat "$work/lintian.txt"; fail "lintian found errors"; }
sed 's/^/  /' "$work/lintian.txt"

for f in "$deb" "$rpm"; do
	say "$(basename "$f"): $(du -k "$f" | cut -f1) KiB"
done

# Both packages ship the same files. The paths differ only where the two
# distributions do: the library directory, the unit directory, man pages
# gzipped by dh_compress (rpm compresses them only where brp-compress is set
# up), lintian's overrides, which only a .deb has, and rpm's .build-id links.
normalise() {
	sed -E -e 's#^/usr/lib/x86_64-linux-gnu/#LIBDIR/#' -e 's#^/usr/lib64/#LIBDIR/#' \
		-e 's#^/usr/lib/systemd/system/#UNITDIR/#' -e 's#^/lib/systemd/system/#UNITDIR/#' \
		-e 's#^(/usr/share/man/.*)\.gz$#\1#' |
		grep -v -E '^/usr/share/(doc|licenses|lintian)/|^/usr/lib/.build-id/' | sort
}
dpkg-deb --fsys-tarfile "$deb" | tar -t | grep -v '/$' | sed 's#^\./#/#' | normalise >"$work/deb.files"
rpm -qp --qf '[%{FILEMODES:perms} %{FILENAMES}\n]' "$rpm" | grep -v '^d' | cut -d' ' -f2 |
	normalise >"$work/rpm.files"
diff -u "$work/deb.files" "$work/rpm.files" || fail ".deb and .rpm ship different files"
say "both ship the same $(wc -l <"$work/deb.files") files"

dpkg-deb -I "$deb" conffiles | normalise >"$work/deb.conf"
rpm -qcp "$rpm" | normalise >"$work/rpm.conf"
diff -u "$work/deb.conf" "$work/rpm.conf" || fail "the conffiles differ"
rpm -qp --qf '[%{FILEMODES:perms} %{FILEUSERNAME}:%{FILEGROUPNAME} %{FILENAMES}\n]' "$rpm" |
	grep -qx -- '-rw-r----- root:streamdag /etc/streamdag/streamdag.conf' ||
	fail "the .rpm's config is not 0640 root:streamdag"
rpm -qp --qf '%{FILEFLAGS:fflags}\n' "$rpm" >/dev/null
rpm -qp --qf '[%{FILEFLAGS:fflags} %{FILENAMES}\n]' "$rpm" |
	grep -qx 'cn /etc/streamdag/streamdag.conf' || fail "the .rpm's config is not %config(noreplace)"

# The same user, the same service handling.
dpkg-deb -e "$deb" "$work/control"
rpm -qp --scripts "$rpm" >"$work/rpm.scripts"
user_line=$(grep '^u ' systemd/streamdag.sysusers)
grep -q 'systemd-sysusers.*streamdag.conf' "$work/control/postinst" || fail ".deb creates no user"
grep -q 'useradd -r -g streamdag -d /var/lib/streamdag -s /usr/sbin/nologin' "$work/rpm.scripts" ||
	fail ".rpm creates no user like '$user_line'"
grep -q "deb-systemd-helper enable 'streamdagd.service'" "$work/control/postinst" || fail ".deb enables no unit"
grep -q 'preset streamdagd.service' "$work/rpm.scripts" || fail ".rpm enables no unit"
grep -q "deb-systemd-invoke stop 'streamdagd.service'" "$work/control/prerm" || fail ".deb stops no unit"
grep -q 'disable --now streamdagd.service' "$work/rpm.scripts" || fail ".rpm stops no unit"
grep -q 'try-restart streamdagd.service' "$work/rpm.scripts" || fail ".rpm restarts nothing on upgrade"
say ".deb and .rpm agree on files, config and scriptlets"

# --- install N ------------------------------------------------------------
say "apt-get install $(basename "$deb")"
DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$deb" >"$work/apt.log" 2>&1 ||
	{ cat "$work/apt.log"; fail "apt-get install"; }

cd /
for f in /usr/sbin/streamdagd /usr/bin/streamdagctl /etc/streamdag/streamdag.conf \
	/usr/lib/sysusers.d/streamdag.conf /usr/share/streamdag/openapi.json \
	/usr/share/bash-completion/completions/streamdagctl \
	/usr/share/man/man8/streamdagd.8.gz /usr/share/man/man1/streamdagctl.1.gz \
	/usr/share/man/man5/streamdag.conf.5.gz; do
	[ -e "$f" ] || fail "$f is missing"
done
[ -d /etc/streamdag/conf.d ] || fail "/etc/streamdag/conf.d is missing"
unit=$(dpkg -L streamdag | grep '/systemd/system/streamdagd.service$')
plugin=$(dpkg -L streamdag | grep '/gstreamer-1.0/libgstsddag.so$')
[ -n "$unit" ] && [ -n "$plugin" ] || fail "the unit or the GStreamer element is missing"
getent passwd streamdag >/dev/null || fail "no streamdag user"
[ "$(stat -c '%a %U:%G' /etc/streamdag/streamdag.conf)" = "640 root:streamdag" ] ||
	fail "streamdag.conf is $(stat -c '%a %U:%G' /etc/streamdag/streamdag.conf)"
[ "$(/usr/sbin/streamdagd --version)" = "streamdagd $version" ] || fail "streamdagd --version"
[ "$(/usr/bin/streamdagctl --version)" = "streamdagctl $version" ] || fail "streamdagctl --version"
say "files, user, conffile mode and versions are right"

say "systemd-analyze verify"
systemd-analyze verify "$unit" || fail "systemd-analyze verify"
systemd-analyze security --offline=true --no-pager "$unit" >"$work/security.txt" 2>&1 || true
say "$(grep 'Overall exposure level' "$work/security.txt" || echo 'no exposure score')"

# --- run it as the unit would ---------------------------------------------
media=$work/media
mkdir -p "$media"
cp "$video" "$media/"
clip=$media/$(basename "$video")
chmod -R a+rX "$media"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
url=http://127.0.0.1:$port
cat >/etc/streamdag/conf.d/50-ci.conf <<CONF
# the packaging stage's own listener and media
[daemon]
listen=127.0.0.1:$port

[jobs]
media_roots=$media
CONF
exec_start=$(sed -n 's/^ExecStart=//p' "$unit")
user=$(sed -n 's/^User=//p' "$unit")

start_daemon() {
	# what StateDirectory=streamdag and StateDirectoryMode=0750 do
	install -d -o "$user" -g "$user" -m 0750 /var/lib/streamdag
	# shellcheck disable=SC2086
	runuser -u "$user" -- env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin $exec_start >>"$log" 2>&1 &
	daemon_pid=$!
	for _ in $(seq 100); do
		curl -fsS "$url/healthz" >/dev/null 2>&1 && return 0
		kill -0 "$daemon_pid" 2>/dev/null || fail "streamdagd exited"
		sleep 0.2
	done
	fail "streamdagd did not answer on $url"
}
ctl() { /usr/bin/streamdagctl --url "$url" "$@"; }
# jget EXPR: EXPR over the JSON document on stdin, called d
jget() { python3 -c 'import json, sys; d = json.load(sys.stdin); print(eval(sys.argv[1]))' "$1"; }

start_daemon
[ "$(curl -fsS "$url/healthz" | jget "d['version']")" = "$version" ] || fail "/healthz version"
curl -sS -D - -o /dev/null "$url/healthz" | grep -qi "^Server: streamdag/$version" || fail "Server header"
ctl pipelines add /usr/share/streamdag/pipelines/*.json >/dev/null || true
job=$(ctl jobs submit passthrough_v1 "$clip")
ctl jobs watch "$job" >/dev/null || fail "job $job did not complete"
[ "$(ctl --json jobs get "$job" | jget "d['status']")" = completed ] || fail "job $job is not completed"
frames=$(ctl --json jobs results "$job" | jget "d['summary']['total_frames']")
[ "$frames" -gt 0 ] || fail "job $job analysed no frames"
[ -n "$(find /var/lib/streamdag -user "$user" -name 'CURRENT')" ] || fail "no store in /var/lib/streamdag"
say "job $job completed as $user ($frames frames), its state in /var/lib/streamdag"

# --- upgrade N -> N+1 -------------------------------------------------------
sed -i 's/^max_concurrent_jobs=auto$/max_concurrent_jobs=1/' /etc/streamdag/streamdag.conf
grep -q '^max_concurrent_jobs=1$' /etc/streamdag/streamdag.conf || fail "could not edit the conffile"
stop_daemon
say "upgrading to $next"
DEBIAN_FRONTEND=noninteractive apt-get install -y -q -o Dpkg::Options::=--force-confold \
	"$deb_next" >"$work/apt.log" 2>&1 || { cat "$work/apt.log"; fail "upgrade"; }
[ "$(/usr/sbin/streamdagd --version)" = "streamdagd $next" ] || fail "not upgraded"
grep -q '^max_concurrent_jobs=1$' /etc/streamdag/streamdag.conf || fail "the conffile edit was lost"
[ "$(stat -c '%a %U:%G' /etc/streamdag/streamdag.conf)" = "640 root:streamdag" ] ||
	fail "the upgrade changed the conffile's mode"
[ -f /etc/streamdag/conf.d/50-ci.conf ] || fail "the upgrade removed a drop-in"
start_daemon
[ "$(ctl --json jobs get "$job" | jget "d['status']")" = completed ] || fail "job $job lost in the upgrade"
[ "$(ctl --json jobs results "$job" | jget "d['summary']['total_frames']")" = "$frames" ] ||
	fail "job $job's results changed in the upgrade"
stop_daemon
say "after the upgrade: the job, its results and the conffile edit are there"

# --- remove keeps the data, purge does not ---------------------------------
rm /etc/streamdag/conf.d/50-ci.conf
DEBIAN_FRONTEND=noninteractive apt-get remove -y -q streamdag >/dev/null 2>&1 || fail "remove"
[ -n "$(find /var/lib/streamdag -name 'CURRENT')" ] || fail "remove deleted /var/lib/streamdag"
getent passwd streamdag >/dev/null || fail "remove deleted the user"
DEBIAN_FRONTEND=noninteractive apt-get purge -y -q streamdag >/dev/null 2>&1 || fail "purge"
[ ! -e /var/lib/streamdag ] || fail "purge kept /var/lib/streamdag"
[ ! -e /etc/streamdag ] || fail "purge kept /etc/streamdag"
! getent passwd streamdag >/dev/null || fail "purge kept the user"
! dpkg-statoverride --list /etc/streamdag/streamdag.conf >/dev/null || fail "purge kept the statoverride"
say "remove kept the data and the user; purge removed both"
say "all checks passed"
