# shellcheck shell=bash
# Shared pieces of the bench/ scripts; sourced (bash), never run:
#
#   . bench/lib.sh   (from a bench script, after its cd to the repository root)
#
# Checks:    bench_need_tools TOOL...      a missing tool: "run make deps", exit 1
#            bench_need_files FILE...      a missing build output: "run make build", exit 1
#            bench_need_wrk_nginx          installs wrk and nginx-light when missing
# Clips:     bench_make_clip CLIP NOTE GST-ELEMENTS...
#                                          gst-launch-1.0 -q GST-ELEMENTS ! filesink, into
#                                          CLIP once (NOTE goes in the message), kept after
# Temp:      bench_tmp                     $tmp, a fresh directory, and the EXIT trap that
#                                          stops what the script started and removes $tmp
#                                          and the paths in BENCH_RM
# Daemon:    bench_start_daemon ARGS...    streamdagd on 127.0.0.1:0 with $tmp/data, stderr
#                                          in $tmp/sd.log; sets sd_pid and SD (its base URL)
#            bench_register_pipeline FILE  POST FILE to $SD/pipelines
# RTSP:      bench_start_rtsp ARGS...      sdag-bench-rtsp serve ARGS; sets srv_pid and port
# nginx:     bench_start_nginx ROOT        nginx, one worker, serving ROOT; sets NGX
#            bench_wrk ARGS...             wrk -t1 -c${C:-$CONNS} -d${SECS}s: "req/s p50 p99";
#                                          non-2xx answers fail unless ALLOW_404 is set
#            bench_ratio A B               first field of A over first field of B, 2 places
# Numbers:   median                        the median of the numbers on stdin
#            free_port                     a free TCP port on 127.0.0.1
#            bench_load                    "bench: load average L1 L5 L15"
# Timing:    bench_time_decode FILE        wall and CPU seconds (user+sys) of a bare decode of
#                                          FILE (gst-launch-1.0 filesrc ! decodebin ! fakesink
#                                          sync=false), on one line
# Python:    bench_py ARGS... <<'PY'       python3 on the script on stdin, ARGS as sys.argv[1:],
#                                          after BENCH_PY: http(), submit_job(), wait_job(),
#                                          timed_run(), cpu_seconds(), run_job(),
#                                          frame_pages()
#
# Scripts set BUILD (the build directory) before calling the daemon and RTSP helpers.

bench_need_tools() {
	local tool
	for tool in "$@"; do
		command -v "$tool" >/dev/null || {
			echo "bench: $tool is missing: run make deps" >&2
			exit 1
		}
	done
}

bench_need_files() {
	local f
	for f in "$@"; do
		test -e "$f" || {
			echo "bench: no $f: run make build" >&2
			exit 1
		}
	done
}

bench_need_wrk_nginx() {
	local tool pkgs=
	for tool in wrk nginx; do
		command -v $tool >/dev/null || pkgs="$pkgs $tool"
	done
	if [ -n "$pkgs" ]; then
		pkgs=${pkgs/nginx/nginx-light}
		# shellcheck disable=SC2086
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $pkgs >/dev/null
	fi
}

bench_make_clip() {
	local clip=$1 note=$2
	shift 2
	mkdir -p "$(dirname "$clip")"
	if [ ! -s "$clip" ]; then
		echo "bench: making $clip ($note)"
		gst-launch-1.0 -q "$@" ! filesink location="$clip.part"
		mv "$clip.part" "$clip"
	fi
}

BENCH_RM=()
bench_cleanup() {
	local p
	for p in ${sd_pid:-} ${srv_pid:-}; do
		kill "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	if [ -f "$tmp/nginx.pid" ]; then
		kill "$(cat "$tmp/nginx.pid")" 2>/dev/null || true
	fi
	rm -rf "$tmp" "${BENCH_RM[@]}"
}

bench_tmp() {
	tmp=$(mktemp -d)
	trap bench_cleanup EXIT
}

bench_start_daemon() {
	local line
	mkfifo "$tmp/out"
	"$BUILD/src/streamdagd" --listen 127.0.0.1:0 --data-dir "$tmp/data" "$@" \
		>"$tmp/out" 2>"$tmp/sd.log" &
	sd_pid=$!
	read -r line <"$tmp/out"
	SD=${line#*listening on }
	SD=${SD%/}
}

bench_register_pipeline() {
	curl -fsS -o /dev/null -H 'Content-Type: application/json' \
		--data-binary @"$1" "$SD/pipelines"
}

bench_start_rtsp() {
	mkfifo "$tmp/srv"
	"$BUILD/bench/sdag-bench-rtsp" serve "$@" >"$tmp/srv" &
	srv_pid=$!
	# shellcheck disable=SC2034 # for the caller
	read -r _ port <"$tmp/srv"
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

bench_start_nginx() {
	local root=$1 ngx_port
	chmod 755 "$tmp" # nginx workers drop to an unprivileged user
	ngx_port=$(free_port)
	cat >"$tmp/nginx.conf" <<CONF
worker_processes 1;
daemon on;
pid $tmp/nginx.pid;
error_log $tmp/nginx-error.log;
events { worker_connections 1024; }
http {
	access_log off;
	client_body_temp_path $tmp/body;
	proxy_temp_path $tmp/proxy;
	fastcgi_temp_path $tmp/fastcgi;
	uwsgi_temp_path $tmp/uwsgi;
	scgi_temp_path $tmp/scgi;
	default_type application/json;
	server {
		listen 127.0.0.1:$ngx_port;
		root $root;
	}
}
CONF
	nginx -c "$tmp/nginx.conf"
	# shellcheck disable=SC2034 # for the caller
	NGX="http://127.0.0.1:$ngx_port"
	sleep 0.3
}

bench_wrk() {
	local out rps p50 p99
	out=$(wrk -t1 -c"${C:-$CONNS}" -d"${SECS}s" --latency "$@")
	rps=$(awk '/^Requests\/sec/ {print $2}' <<<"$out")
	p50=$(awk '$1=="50%" {print $2}' <<<"$out")
	p99=$(awk '$1=="99%" {print $2}' <<<"$out")
	if [ -z "${ALLOW_404:-}" ] && grep -q "Non-2xx" <<<"$out"; then
		echo "bench: non-2xx answers from $*" >&2
		exit 1
	fi
	echo "$rps $p50 $p99"
}

bench_ratio() { python3 -c "print(f'{float(\"$1\".split()[0]) / float(\"$2\".split()[0]):.2f}')"; }

median() { sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }

bench_load() { echo "bench: load average $(cut -d' ' -f1-3 /proc/loadavg)"; }

bench_time_decode() {
	bench_py "$1" <<'PY'
wall, cpu = timed_run(["gst-launch-1.0", "-q", "filesrc", "location=" + sys.argv[1], "!",
                       "decodebin", "!", "fakesink", "sync=false"])
print(f"{wall:.4f} {cpu:.4f}")
PY
}

# Python helpers the bench_py scripts start with; the REST calls of the daemon's jobs.
BENCH_PY=$(
	cat <<'PY'
import json, pathlib, resource, subprocess, sys, time, urllib.request

def timed_run(argv, stdout=subprocess.DEVNULL, stdin=None):
    """Runs argv to its end (an exception if it fails); (wall seconds, CPU seconds: user +
    system of it and of the processes it waited for)."""
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.monotonic()
    subprocess.run(argv, check=True, stdout=stdout, stdin=stdin)
    wall = time.monotonic() - t0
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)

def http(base, method, path, body=None):
    """One JSON request to the daemon at base; its decoded answer."""
    req = urllib.request.Request(base + path, method=method,
                                 data=json.dumps(body).encode() if body is not None else None,
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req) as r:
        return json.load(r)

def submit_job(base, pipeline_id, clip, stride):
    """POST /jobs of pipeline_id over the file clip at stride; the job id."""
    body = json.dumps({"pipeline_id": pipeline_id, "video_url": pathlib.Path(clip).as_uri(),
                       "options": {"stride": stride}}).encode()
    req = urllib.request.Request(base + "/jobs", data=body, method="POST",
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req) as r:
        return json.load(r)["job_id"]

def wait_job(base, job_id, poll):
    """GET /jobs/{id} every poll seconds until the job has ended; its last record."""
    while True:
        with urllib.request.urlopen(f"{base}/jobs/{job_id}") as r:
            job = json.load(r)
        if job["status"] in ("completed", "failed", "cancelled"):
            return job
        time.sleep(poll)

def cpu_seconds(pid):
    """User+system CPU seconds the process pid has used so far."""
    import os
    f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")

def run_job(base, pipeline_id, clip, stride, poll):
    """A job end to end, from sending POST /jobs to reading its end; exits unless it
    completed. (seconds, job id, job record)."""
    t0 = time.monotonic()
    job_id = submit_job(base, pipeline_id, clip, stride)
    job = wait_job(base, job_id, poll)
    secs = time.monotonic() - t0
    if job["status"] != "completed":
        sys.exit(f"bench: job {job_id} {job['status']}: {job.get('error')}")
    return secs, job_id, job

def frame_pages(base, job_id, limit):
    """The frame rows of a job, page by page (GET /jobs/{id}/frames)."""
    start = 0
    while start is not None:
        with urllib.request.urlopen(f"{base}/jobs/{job_id}/frames?from={start}&limit={limit}") as r:
            page = json.load(r)
        yield page["frames"]
        start = page["next_from"]
PY
)

bench_py() {
	local script
	script=$(cat)
	python3 -c "$BENCH_PY
$script" "$@"
}
