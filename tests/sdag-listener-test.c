/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sdag-json.h"
#include "sdag-test-http.h"
#include "sdag-test-prom.h"
#include "sdag-test-util.h"

/*
 * The REST listener against hostile clients (issue 12, item 3), on streamdagd as a process:
 * descriptors running out, a connection cap, header and idle timeouts, the backlog, and
 * the clients that must not be cut (WebSockets).
 *
 * Two daemons are shared: "capped" with a cap of 4 connections and the shipped timeouts, and
 * "quick" with 1 s timeouts and the shipped cap. The descriptor cases start their own,
 * under an open-file limit of their own.
 */

#define PIPELINE                                                                           \
	"{\"pipeline_id\":\"keep\",\"nodes\":[{\"id\":\"s\",\"type\":\"slow\",\"params\":" \
	"{\"sleep_ms\":100,\"boxes\":1}}],\"edges\":[{\"from\":\"source.frame\",\"to\":"   \
	"\"s.frame\"}],\"outputs\":[\"s.detections\"]}"

typedef struct {
	char *dir;
	SdagTestDaemon *d;
	char *pipeline; /* GET /pipelines/keep as first stored */
} Daemon;

static Daemon *capped;
static Daemon *quick;

/* One request on a connection of its own, closed after it; 0 when nothing answered within
 * @timeout_s. */
static guint
request(Daemon *d,
	const char *method,
	const char *path,
	const char *body,
	guint timeout_s,
	char **answer)
{
	g_autoptr(SoupSession) session = soup_session_new_with_options("timeout", timeout_s, NULL);
	g_autofree char *uri = g_strconcat(d->d->base, path, NULL);
	g_autoptr(SoupMessage) msg = soup_message_new(method, uri);
	g_autoptr(GBytes) got = NULL;
	g_autoptr(GError) error = NULL;

	soup_message_headers_replace(soup_message_get_request_headers(msg), "Connection", "close");
	if (body != NULL) {
		g_autoptr(GBytes) b = g_bytes_new(body, strlen(body));
		soup_message_set_request_body_from_bytes(msg, "application/json", b);
	}
	got = soup_session_send_and_read(session, msg, NULL, &error);
	if (got == NULL)
		return 0;
	if (answer != NULL)
		*answer = g_strndup(g_bytes_get_data(got, NULL), g_bytes_get_size(got));
	return soup_message_get_status(msg);
}

/* POST @path with @len bytes of @ctype on a connection of its own; 0 when nothing answered
 * within 30 s. */
static guint
post_bytes(Daemon *d, const char *path, const char *ctype, const char *data, gsize len)
{
	g_autoptr(SoupSession) session = soup_session_new_with_options("timeout", 30, NULL);
	g_autofree char *uri = g_strconcat(d->d->base, path, NULL);
	g_autoptr(SoupMessage) msg = soup_message_new("POST", uri);
	g_autoptr(GBytes) b = g_bytes_new(data, len);
	g_autoptr(GBytes) got = NULL;

	soup_message_set_request_body_from_bytes(msg, ctype, b);
	got = soup_session_send_and_read(session, msg, NULL, NULL);
	return got != NULL ? soup_message_get_status(msg) : 0;
}

/* /healthz answering 200 within @within_s, each try waiting at most 2 s. */
static gboolean
healthz_within(Daemon *d, double within_s)
{
	gint64 deadline = g_get_monotonic_time() + (gint64)(within_s * G_USEC_PER_SEC);

	do {
		if (request(d, "GET", "/healthz", NULL, 2, NULL) == 200)
			return TRUE;
		g_usleep(50 * 1000);
	} while (g_get_monotonic_time() < deadline);
	return FALSE;
}

static double
metric(Daemon *d, const char *name, const char *labels)
{
	g_autofree char *text = NULL;
	g_autoptr(SdagTestProm) p = NULL;

	g_assert_cmpuint(request(d, "GET", "/metrics", NULL, 10, &text), ==, 200);
	p = sdag_test_prom_parse(text);
	return sdag_test_prom_value(p, name, labels);
}

static char *
pipeline_text(Daemon *d)
{
	char *text = NULL;

	g_assert_cmpuint(request(d, "GET", "/pipelines/keep", NULL, 10, &text), ==, 200);
	return text;
}

/* A daemon with the job plugins, the reference footage's directory as a media root, @conf
 * as its config file, and a pipeline stored before anything else happens. */
static Daemon *
daemon_start(const char *conf, GSpawnChildSetupFunc setup, gpointer setup_data)
{
	Daemon *d = g_new0(Daemon, 1);
	g_autofree char *conf_path = NULL;
	g_autofree char *media = g_path_get_dirname(g_getenv("SDAG_TEST_VTEST"));
	g_autoptr(GError) error = NULL;
	char *answer = NULL;

	d->dir = sdag_test_mkdtemp();
	conf_path = g_build_filename(d->dir, "streamdag.conf", NULL);
	g_assert_true(g_file_set_contents(conf_path, conf, -1, &error));
	g_assert_no_error(error);
	{
		const char *extra[] = {"--config", conf_path, "--media-root", media, NULL};
		d->d = sdag_test_daemon_start_full(
		    d->dir, g_getenv("SDAG_TEST_JOB_PLUGIN_DIR"), extra, setup, setup_data);
	}
	g_assert_cmpuint(request(d, "POST", "/pipelines", PIPELINE, 10, &answer), ==, 201);
	g_free(answer);
	d->pipeline = pipeline_text(d);
	return d;
}

static void
daemon_free(Daemon *d)
{
	if (d == NULL)
		return;
	sdag_test_daemon_kill(d->d);
	sdag_test_rmtree(d->dir);
	g_free(d->dir);
	g_free(d->pipeline);
	g_free(d);
}

/* What was stored first still reads back the same. */
static void
assert_intact(Daemon *d)
{
	g_autofree char *now = pipeline_text(d);

	g_assert_cmpstr(now, ==, d->pipeline);
}

static pid_t
daemon_pid(Daemon *d)
{
	return (pid_t)g_ascii_strtoll(g_subprocess_get_identifier(d->d->proc), NULL, 10);
}

/* Descriptors of the daemon that are sockets. */
static guint
daemon_sockets(Daemon *d)
{
	g_autofree char *path = g_strdup_printf("/proc/%d/fd", daemon_pid(d));
	g_autoptr(GDir) dir = g_dir_open(path, 0, NULL);
	const char *name;
	guint n = 0;

	g_assert_nonnull(dir);
	while ((name = g_dir_read_name(dir)) != NULL) {
		g_autofree char *link = g_build_filename(path, name, NULL);
		g_autofree char *target = g_file_read_link(link, NULL);
		if (target != NULL && g_str_has_prefix(target, "socket:"))
			n++;
	}
	return n;
}

static guint
daemon_fds(Daemon *d)
{
	g_autofree char *path = g_strdup_printf("/proc/%d/fd", daemon_pid(d));
	g_autoptr(GDir) dir = g_dir_open(path, 0, NULL);
	guint n = 0;

	g_assert_nonnull(dir);
	while (g_dir_read_name(dir) != NULL)
		n++;
	return n;
}

/* A blocking client socket, connected, whose reads give up after @timeout_s. */
static GSocket *
raw_connect(Daemon *d, guint timeout_s)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GInetAddress) lo = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
	g_autoptr(GSocketAddress) a = g_inet_socket_address_new(lo, d->d->port);
	GSocket *sock =
	    g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);

	g_assert_no_error(error);
	g_socket_set_timeout(sock, timeout_s);
	g_assert_true(g_socket_connect(sock, a, NULL, &error));
	g_assert_no_error(error);
	return sock;
}

static void
raw_send(GSocket *sock, const char *text)
{
	g_autoptr(GError) error = NULL;

	g_assert_cmpint(g_socket_send(sock, text, strlen(text), NULL, &error), ==, strlen(text));
	g_assert_no_error(error);
}

/* Reads until the server closes; TRUE when it did within the socket's timeout. *got gets
 * what was read. */
static gboolean
raw_wait_closed(GSocket *sock, GString *got)
{
	for (;;) {
		char buf[4096];
		g_autoptr(GError) error = NULL;
		gssize n = g_socket_receive(sock, buf, sizeof(buf), NULL, &error);

		if (n == 0 || g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED))
			return TRUE;
		if (n < 0)
			return FALSE; /* timed out */
		if (got != NULL)
			g_string_append_len(got, buf, n);
	}
}

/* Reads one answer with a Content-Length, leaving the connection open. */
static char *
raw_read_answer(GSocket *sock)
{
	g_autoptr(GString) got = g_string_new(NULL);
	const char *end;
	const char *cl;
	gsize want;

	for (;;) {
		char buf[4096];
		g_autoptr(GError) error = NULL;
		gssize n;

		end = strstr(got->str, "\r\n\r\n");
		if (end != NULL) {
			cl = strstr(got->str, "Content-Length: ");
			g_assert_nonnull(cl);
			want = (gsize)(end + 4 - got->str) +
			       (gsize)g_ascii_strtoull(cl + strlen("Content-Length: "), NULL, 10);
			if (got->len >= want)
				break;
		}
		n = g_socket_receive(sock, buf, sizeof(buf), NULL, &error);
		g_assert_no_error(error);
		g_assert_cmpint(n, >, 0);
		g_string_append_len(got, buf, n);
	}
	g_assert_cmpuint(got->len, ==, want);
	return g_string_free(g_steal_pointer(&got), FALSE);
}

/* A non-blocking client socket whose connect may still be under way. */
static GSocket *
connect_pending(GSocketAddress *a)
{
	g_autoptr(GError) error = NULL;
	GSocket *s =
	    g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);

	g_assert_no_error(error);
	g_socket_set_blocking(s, FALSE);
	if (!g_socket_connect(s, a, NULL, &error))
		g_assert_true(g_error_matches(error, G_IO_ERROR, G_IO_ERROR_PENDING));
	return s;
}

#define HEALTHZ "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"

/* cap */

/* At the cap a new client hears 503 too_many_connections at once, and the cap frees up as
 * the clients go. */
static void
test_cap(void)
{
	Daemon *d = capped;
	g_autoptr(GPtrArray) idle = g_ptr_array_new_with_free_func(g_object_unref);
	g_autoptr(GSocket) extra = NULL;
	g_autoptr(GString) got = g_string_new(NULL);
	g_autoptr(JsonNode) node = NULL;
	const char *body;
	double refused = metric(d, "streamdag_http_connections_refused_total", "reason=\"total\"");

	/* 4 connections that have sent nothing yet */
	for (guint i = 0; i < 4; i++)
		g_ptr_array_add(idle, raw_connect(d, 5));
	extra = raw_connect(d, 5);
	g_assert_true(raw_wait_closed(extra, got));
	g_assert_true(g_str_has_prefix(got->str, "HTTP/1.1 503 Service Unavailable\r\n"));
	g_assert_nonnull(strstr(got->str, "\r\nRetry-After: 1\r\n"));
	body = strstr(got->str, "\r\n\r\n");
	g_assert_nonnull(body);
	node = sdag_json_parse(body + 4, -1, NULL);
	g_assert_nonnull(node);
	g_assert_cmpstr(
	    json_object_get_string_member(
		json_object_get_object_member(json_node_get_object(node), "error"), "code"),
	    ==,
	    "too_many_connections");
	g_ptr_array_set_size(idle, 0);
	g_assert_true(healthz_within(d, 5));
	g_assert_cmpfloat(
	    metric(d, "streamdag_http_connections_refused_total", "reason=\"total\""), >, refused);
	assert_intact(d);
}

/* timeouts */

/* A client that sends part of its request line and nothing more is closed after
 * header_timeout_s (1 s), not before. */
static void
test_header_timeout(void)
{
	Daemon *d = quick;
	double before =
	    metric(d, "streamdag_http_connections_timed_out_total", "timeout=\"header\"");
	gint64 t0 = g_get_monotonic_time();
	g_autoptr(GSocket) sock = raw_connect(d, 10);
	double took;

	raw_send(sock, "GET /healthz HTTP/1.1\r\nHost: 127.0");
	g_assert_true(raw_wait_closed(sock, NULL));
	took = (double)(g_get_monotonic_time() - t0) / G_USEC_PER_SEC;
	g_assert_cmpfloat(took, >=, 0.9);
	g_assert_cmpfloat(took, <, 4.0);
	g_assert_cmpfloat(
	    metric(d, "streamdag_http_connections_timed_out_total", "timeout=\"header\""),
	    >,
	    before);
	assert_intact(d);
}

/* A request body that stops halfway is cut after idle_timeout_s (1 s). */
static void
test_body_timeout(void)
{
	Daemon *d = quick;
	g_autoptr(GString) got = g_string_new(NULL);
	gint64 t0 = g_get_monotonic_time();
	g_autoptr(GSocket) sock = raw_connect(d, 10);
	double took;

	raw_send(sock,
		 "POST /pipelines HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
		 "application/json\r\nContent-Length: 100\r\n\r\n{\"pipeline_id\":");
	g_assert_true(raw_wait_closed(sock, got));
	took = (double)(g_get_monotonic_time() - t0) / G_USEC_PER_SEC;
	g_assert_cmpfloat(took, >=, 0.9);
	g_assert_cmpfloat(took, <, 4.0);
	assert_intact(d);
}

/* A kept-alive connection serves several requests, then is closed after idle_timeout_s
 * (1 s) without one. */
static void
test_idle_timeout(void)
{
	Daemon *d = quick;
	g_autoptr(GSocket) sock = raw_connect(d, 10);
	double before = metric(d, "streamdag_http_connections_timed_out_total", "timeout=\"idle\"");
	gint64 t0;
	double took;

	for (guint i = 0; i < 3; i++) {
		g_autofree char *answer = NULL;
		raw_send(sock, HEALTHZ);
		answer = raw_read_answer(sock);
		g_assert_true(g_str_has_prefix(answer, "HTTP/1.1 200 OK\r\n"));
		g_usleep(300 * 1000); /* each pause shorter than the timeout */
	}
	t0 = g_get_monotonic_time();
	g_assert_true(raw_wait_closed(sock, NULL));
	took = (double)(g_get_monotonic_time() - t0) / G_USEC_PER_SEC;
	g_assert_cmpfloat(took, >=, 0.6);
	g_assert_cmpfloat(took, <, 4.0);
	g_assert_cmpfloat(
	    metric(d, "streamdag_http_connections_timed_out_total", "timeout=\"idle\""), >, before);
}

/* Clients that close (or reset) a kept-alive connection between requests leave no
 * descriptor behind (libsoup 3.2 kept them open for good). The idle timeout here is 60 s: only
 * noticing the close can free them in time. */
static void
test_idle_closed_by_client(void)
{
	Daemon *d = capped;
	guint before;

	g_assert_true(healthz_within(d, 5));
	before = daemon_sockets(d);
	for (guint i = 0; i < 20; i++) {
		g_autoptr(GSocket) sock = raw_connect(d, 10);
		g_autofree char *answer = NULL;
		gint64 deadline;

		raw_send(sock, HEALTHZ);
		answer = raw_read_answer(sock);
		g_assert_true(g_str_has_prefix(answer, "HTTP/1.1 200 OK\r\n"));
		if (i % 2 == 1) {
			/* a reset rather than an orderly close */
			struct linger now = {1, 0};
			g_assert_cmpint(
			    setsockopt(
				g_socket_get_fd(sock), SOL_SOCKET, SO_LINGER, &now, sizeof(now)),
			    ==,
			    0);
		}
		g_socket_close(sock, NULL);
		/* one at a time, which also keeps them under the cap of 4 */
		deadline = g_get_monotonic_time() + 5 * G_USEC_PER_SEC;
		while (daemon_sockets(d) > before && g_get_monotonic_time() < deadline)
			g_usleep(5 * 1000);
		g_assert_cmpuint(daemon_sockets(d), <=, before);
	}
	/* the scrape's own connection is the only one open */
	g_assert_cmpfloat(metric(d, "streamdag_http_connections", NULL), ==, 1);
}

/* A WebSocket is not cut by the idle timeout (1 s here), and counts as a connection. */
static void
test_websocket_outlives_idle(void)
{
	Daemon *d = quick;
	g_autoptr(GSocket) sock = NULL;
	g_autofree char *video = g_strdup_printf(
	    "{\"pipeline_id\":\"keep\",\"video_url\":\"file://%s\"}", g_getenv("SDAG_TEST_VTEST"));
	g_autofree char *answer = NULL;
	g_autofree char *req = NULL;
	g_autofree char *cancel = NULL;
	g_autoptr(JsonNode) job = NULL;
	g_autoptr(GString) got = g_string_new(NULL);
	const char *id;
	gint64 until;

	g_assert_cmpuint(request(d, "POST", "/jobs", video, 10, &answer), ==, 202);
	job = sdag_json_parse(answer, -1, NULL);
	id = json_object_get_string_member(json_node_get_object(job), "job_id");
	sock = raw_connect(d, 1);
	req = g_strdup_printf(
	    "GET /jobs/%s/events HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
	    "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
	    "Sec-WebSocket-Version: 13\r\n\r\n",
	    id);
	raw_send(sock, req);
	/* 2.5 idle timeouts, reading what the job sends meanwhile */
	until = g_get_monotonic_time() + 2500 * 1000;
	while (g_get_monotonic_time() < until) {
		char buf[4096];
		g_autoptr(GError) error = NULL;
		gssize n = g_socket_receive(sock, buf, sizeof(buf), NULL, &error);
		g_assert_cmpint(n, !=, 0);
		if (n < 0)
			g_assert_true(g_error_matches(error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT));
		else
			g_string_append_len(got, buf, n);
	}
	g_assert_true(g_str_has_prefix(got->str, "HTTP/1.1 101 "));
	g_assert_cmpfloat(metric(d, "streamdag_http_connections", NULL), ==, 2);
	/* the job's end closes it: the stream ends with the job, not before */
	cancel = g_strdup_printf("/jobs/%s/cancel", id);
	g_assert_cmpuint(request(d, "POST", cancel, NULL, 30, NULL), ==, 200);
	g_socket_set_timeout(sock, 10);
	g_assert_true(raw_wait_closed(sock, NULL));
}

/* A request whose answer takes longer than both timeouts (1 s) is answered, not cut: a run
 * of a pipeline whose three nodes sleep 0.9 s each. */
static void
test_slow_answer(void)
{
	Daemon *d = quick;
	g_autofree char *dir = g_path_get_dirname(g_getenv("SDAG_TEST_VTEST"));
	g_autofree char *path = g_build_filename(dir, "messi5.jpg", NULL);
	g_autofree char *jpeg = NULL;
	gsize len = 0;
	gint64 t0;

	g_assert_cmpuint(
	    request(d,
		    "POST",
		    "/pipelines",
		    "{\"pipeline_id\":\"sleepy\",\"nodes\":["
		    "{\"id\":\"a\",\"type\":\"slow\",\"params\":{\"sleep_ms\":900}},"
		    "{\"id\":\"b\",\"type\":\"slow\",\"params\":{\"sleep_ms\":900}},"
		    "{\"id\":\"c\",\"type\":\"slow\",\"params\":{\"sleep_ms\":900}}],"
		    "\"edges\":[{\"from\":\"source.frame\",\"to\":\"a.frame\"},"
		    "{\"from\":\"source.frame\",\"to\":\"b.frame\"},"
		    "{\"from\":\"source.frame\",\"to\":\"c.frame\"}],"
		    "\"outputs\":[\"a.detections\",\"b.detections\",\"c.detections\"]}",
		    10,
		    NULL),
	    ==,
	    201);
	g_assert_true(g_file_get_contents(path, &jpeg, &len, NULL));
	t0 = g_get_monotonic_time();
	g_assert_cmpuint(post_bytes(d, "/pipelines/sleepy/run", "image/jpeg", jpeg, len), ==, 200);
	g_assert_cmpint(g_get_monotonic_time() - t0, >=, 2500 * 1000);
}

/* backlog */

/* With the daemon stopped, 100 clients still complete their connects: the kernel queues
 * them (a backlog of SOMAXCONN; it was 10). They are served once it runs again. */
static void
test_backlog(void)
{
	Daemon *d = capped;
	g_autoptr(GPtrArray) socks = g_ptr_array_new_with_free_func(g_object_unref);
	g_autoptr(GInetAddress) lo = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
	g_autoptr(GSocketAddress) a = g_inet_socket_address_new(lo, d->d->port);
	guint connected = 0;
	gint64 deadline;

	g_subprocess_send_signal(d->d->proc, SIGSTOP);
	for (guint i = 0; i < 100; i++)
		g_ptr_array_add(socks, connect_pending(a));
	/* the handshake is the kernel's: all done well under the 1 s of a SYN retransmission */
	deadline = g_get_monotonic_time() + 900 * 1000;
	for (guint i = 0; i < socks->len; i++) {
		GSocket *s = g_ptr_array_index(socks, i);
		gint64 left = MAX(deadline - g_get_monotonic_time(), 0);
		if (g_socket_condition_timed_wait(s, G_IO_OUT, left, NULL, NULL) &&
		    g_socket_check_connect_result(s, NULL))
			connected++;
	}
	g_subprocess_send_signal(d->d->proc, SIGCONT);
	g_assert_cmpuint(connected, ==, 100);
	g_ptr_array_set_size(socks, 0);
	g_assert_true(healthz_within(d, 5));
	assert_intact(d);
}

/* descriptors */

typedef struct {
	rlim_t soft;
	rlim_t hard;
	guint spare; /* descriptors the daemon inherits open, taken from its budget */
} FdLimits;

static void
fd_limits_setup(gpointer user_data)
{
	const FdLimits *l = user_data;
	struct rlimit rl = {l->soft, l->hard};

	setrlimit(RLIMIT_NOFILE, &rl);
	for (guint i = 0; i < l->spare; i++)
		open("/dev/null", O_RDONLY);
}

/* The daemon takes the hard open-file limit. */
static void
test_fd_limit_raised(void)
{
	FdLimits l = {256, 1024, 0};
	Daemon *d = daemon_start("", fd_limits_setup, &l);
	g_autofree char *path = g_strdup_printf("/proc/%d/limits", daemon_pid(d));
	g_autofree char *limits = NULL;
	g_auto(GStrv) lines = NULL;
	gboolean seen = FALSE;

	g_assert_true(g_file_get_contents(path, &limits, NULL, NULL));
	lines = g_strsplit(limits, "\n", -1);
	for (guint i = 0; lines[i] != NULL; i++) {
		if (!g_str_has_prefix(lines[i], "Max open files")) {
			continue;
		}
		g_auto(GStrv) f = g_strsplit_set(lines[i] + strlen("Max open files"), " ", -1);
		g_autoptr(GStrvBuilder) b = g_strv_builder_new();
		g_auto(GStrv) v = NULL;
		for (guint j = 0; f[j] != NULL; j++)
			if (f[j][0] != '\0')
				g_strv_builder_add(b, f[j]);
		v = g_strv_builder_end(b);
		g_assert_cmpstr(v[0], ==, "1024"); /* soft */
		g_assert_cmpstr(v[1], ==, "1024"); /* hard */
		seen = TRUE;
	}
	g_assert_true(seen);
	daemon_free(d);
}

/* The daemon re-executes itself once at start (to leave GLib's slice allocator); ps, top
 * and systemd still see it by its own name, not as "exe". */
static void
test_process_name(void)
{
	Daemon *d = daemon_start("", NULL, NULL);
	g_autofree char *path = g_strdup_printf("/proc/%d/comm", daemon_pid(d));
	g_autofree char *comm = NULL;

	g_assert_true(g_file_get_contents(path, &comm, NULL, NULL));
	g_assert_cmpstr(g_strstrip(comm), ==, "streamdagd");
	daemon_free(d);
}

static void
exited_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	g_subprocess_wait_finish(G_SUBPROCESS(source), res, NULL);
	*(gboolean *)user_data = TRUE;
}

/* A cap the open-file limit cannot hold is a start-up error naming the key. */
static void
test_fd_limit_too_low(void)
{
	FdLimits l = {256, 256, 0};
	g_autofree char *dir = sdag_test_mkdtemp();
	g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new(
	    G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
	g_autoptr(GSubprocess) proc = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(GDataInputStream) err = NULL;
	g_autofree char *line = NULL;
	gboolean exited = FALSE;
	gint64 deadline = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;

	g_subprocess_launcher_set_child_setup(launcher, fd_limits_setup, &l, NULL);
	proc = g_subprocess_launcher_spawn(launcher,
					   &error,
					   g_getenv("SDAG_TEST_STREAMDAGD"),
					   "--listen",
					   "127.0.0.1:0",
					   "--data-dir",
					   dir,
					   "--plugin-dir",
					   g_getenv("SDAG_TEST_JOB_PLUGIN_DIR"),
					   NULL);
	g_assert_no_error(error);
	g_subprocess_wait_async(proc, NULL, exited_cb, &exited);
	while (!exited && g_get_monotonic_time() < deadline)
		sdag_test_spin(20);
	if (!exited) {
		g_subprocess_force_exit(proc);
		while (!exited)
			g_main_context_iteration(NULL, TRUE);
		g_error(
		    "streamdagd started with max_connections=256 under an open-file limit of 256");
	}
	g_assert_true(g_subprocess_get_if_exited(proc));
	g_assert_cmpint(g_subprocess_get_exit_status(proc), ==, 1);
	err = g_data_input_stream_new(g_subprocess_get_stderr_pipe(proc));
	while ((line = g_data_input_stream_read_line(err, NULL, NULL, NULL)) != NULL) {
		if (strstr(line,
			   "[rest] max_connections=256 does not fit in the open-file limit "
			   "of 256") != NULL)
			break;
		g_clear_pointer(&line, g_free);
	}
	g_assert_nonnull(line);
	sdag_test_rmtree(dir);
}

/* More clients than the daemon has descriptors left (300 of its 512 are taken, as a store
 * or jobs could): accepting pauses instead of stopping, and once the clients are gone
 * /healthz answers again, with the failed accepts counted and the data intact. */
static void
test_fd_exhaustion(void)
{
	FdLimits l = {512, 512, 300};
	/* every client from 127.0.0.1: the per-client cap must not be what stops them */
	Daemon *d = daemon_start("[rest]\nmax_connections_per_client=256\n", fd_limits_setup, &l);
	g_autoptr(GPtrArray) socks = g_ptr_array_new_with_free_func(g_object_unref);
	g_autoptr(GInetAddress) lo = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
	g_autoptr(GSocketAddress) a = g_inet_socket_address_new(lo, d->d->port);
	guint over = 0;

	/* one at a time until the daemon has no descriptor left, then 20 more that it cannot
	 * accept */
	while (over < 20) {
		guint before = daemon_fds(d);
		GSocket *s = connect_pending(a);
		g_ptr_array_add(socks, s);
		g_socket_condition_timed_wait(s, G_IO_OUT, 100 * 1000, NULL, NULL);
		/* until it is out of descriptors, let the daemon accept this one before the
		 * next, however slow it is (the sanitizers): so the clients never outrun it */
		for (guint i = 0; over == 0 && i < 100 && daemon_fds(d) <= before; i++)
			g_usleep(20 * 1000);
		if (over > 0 || daemon_fds(d) >= l.soft)
			over++;
		g_assert_cmpuint(socks->len, <, 400);
	}
	/* time for its accepts to fail */
	g_usleep(200 * 1000);
	g_ptr_array_set_size(socks, 0);
	g_assert_true(healthz_within(d, 10));
	g_assert_cmpfloat(metric(d, "streamdag_http_accept_errors_total", NULL), >, 0);
	assert_intact(d);
	daemon_free(d);
}

/* per client */

/* A blocking client socket from @from (an address on lo) to the daemon, whose reads give
 * up after @timeout_s. */
static GSocket *
raw_connect_from(Daemon *d, const char *from, guint timeout_s)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GInetAddress) lo = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
	g_autoptr(GSocketAddress) a = g_inet_socket_address_new(lo, d->d->port);
	g_autoptr(GInetAddress) src = g_inet_address_new_from_string(from);
	g_autoptr(GSocketAddress) local = g_inet_socket_address_new(src, 0);
	GSocket *sock =
	    g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);

	g_assert_no_error(error);
	g_socket_set_timeout(sock, timeout_s);
	g_assert_true(g_socket_bind(sock, local, FALSE, &error));
	g_assert_true(g_socket_connect(sock, a, NULL, &error));
	g_assert_no_error(error);
	return sock;
}

/* One /healthz from @from on a connection of its own; its time in seconds, or a negative
 * value when it was not answered 200. */
static double
healthz_from(Daemon *d, const char *from)
{
	gint64 t0 = g_get_monotonic_time();
	g_autoptr(GSocket) s = raw_connect_from(d, from, 5);
	g_autoptr(GString) got = g_string_new(NULL);

	raw_send(s, "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
	if (!raw_wait_closed(s, got) || !g_str_has_prefix(got->str, "HTTP/1.1 200 "))
		return -1;
	return (double)(g_get_monotonic_time() - t0) / G_USEC_PER_SEC;
}

/* Over [rest] max_connections_per_client from one address, a connection hears 503 at
 * once; another address is served meanwhile, and the first gets its share back as its
 * connections close. */
static void
test_per_client(void)
{
	Daemon *d =
	    daemon_start("[rest]\nmax_connections_per_client=3\nheader_timeout_s=30\n", NULL, NULL);
	g_autoptr(GPtrArray) held = g_ptr_array_new_with_free_func(g_object_unref);
	g_autoptr(GSocket) extra = NULL;
	g_autoptr(GString) got = g_string_new(NULL);
	double refused =
	    metric(d, "streamdag_http_connections_refused_total", "reason=\"per_client\"");

	for (guint i = 0; i < 3; i++)
		g_ptr_array_add(held, raw_connect_from(d, "127.0.0.1", 5));
	/* let the daemon take them before the one over */
	g_usleep(200 * 1000);
	extra = raw_connect_from(d, "127.0.0.1", 5);
	g_assert_true(raw_wait_closed(extra, got));
	g_assert_true(g_str_has_prefix(got->str, "HTTP/1.1 503 Service Unavailable\r\n"));
	g_assert_nonnull(strstr(got->str, "too_many_connections"));
	g_assert_nonnull(strstr(got->str, "max_connections_per_client (3)"));
	g_assert_cmpfloat(healthz_from(d, "127.0.0.2"), >=, 0);
	/* 127.0.0.1 gets its share back as its connections close */
	g_ptr_array_set_size(held, 0);
	g_assert_true(healthz_within(d, 5));
	g_assert_cmpfloat(
	    metric(d, "streamdag_http_connections_refused_total", "reason=\"per_client\""),
	    >=,
	    refused + 1);
	assert_intact(d);
	daemon_free(d);
}

static gint
double_cmp(gconstpointer a, gconstpointer b)
{
	double x = *(const double *)a;
	double y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Slowloris: @n clients from 127.0.0.1 each send one byte of their headers a second. A
 * client from 127.0.0.2 asks /healthz all the while; the p99 of its times is returned
 * through @p99_s, and how many of the slow clients were refused at once through @refused.
 * Every slow connection that was taken must be closed by the header timeout (2 s). */
static void
slowloris(Daemon *d, guint n, double *p99_s, guint *refused)
{
	g_autoptr(GPtrArray) slow = g_ptr_array_new_with_free_func(g_object_unref);
	g_autoptr(GArray) times = g_array_new(FALSE, FALSE, sizeof(double));
	const char *request = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
	gint64 start = g_get_monotonic_time();
	gint64 next_byte = start;
	guint sent = 0;
	g_autofree gboolean *closed = g_new0(gboolean, n);
	guint n_closed = 0;

	*refused = 0;
	for (guint i = 0; i < n; i++) {
		GSocket *s = raw_connect_from(d, "127.0.0.1", 5);
		g_socket_set_blocking(s, FALSE);
		g_ptr_array_add(slow, s);
	}
	/* 4 s: two header timeouts */
	while (g_get_monotonic_time() - start < 4 * G_USEC_PER_SEC) {
		double t;

		if (g_get_monotonic_time() >= next_byte && sent < strlen(request)) {
			for (guint i = 0; i < n; i++) {
				if (!closed[i])
					g_socket_send(g_ptr_array_index(slow, i),
						      request + sent,
						      1,
						      NULL,
						      NULL);
			}
			sent++;
			next_byte += G_USEC_PER_SEC;
		}
		for (guint i = 0; i < n; i++) {
			char buf[512];
			gssize got;

			if (closed[i])
				continue;
			got = g_socket_receive(
			    g_ptr_array_index(slow, i), buf, sizeof(buf) - 1, NULL, NULL);
			if (got == 0 || (got < 0 && !g_socket_condition_check(
							g_ptr_array_index(slow, i), G_IO_OUT))) {
				closed[i] = TRUE;
				n_closed++;
			} else if (got > 0) {
				buf[got] = '\0';
				/* over the cap: the 503, then the close */
				if (g_str_has_prefix(buf, "HTTP/1.1 503"))
					(*refused)++;
			}
		}
		t = healthz_from(d, "127.0.0.2");
		g_assert_cmpfloat(t, >=, 0);
		g_array_append_val(times, t);
		g_usleep(20 * 1000);
	}
	/* every slow client is gone: refused at once or timed out */
	g_assert_cmpuint(n_closed, ==, n);
	g_array_sort(times, double_cmp);
	*p99_s = g_array_index(times, double, (guint)(times->len * 0.99));
	g_test_message("slowloris: %u clients, %u refused at once, %u /healthz, p50 %.1f ms, "
		       "p99 %.1f ms",
		       n,
		       *refused,
		       times->len,
		       g_array_index(times, double, times->len / 2) * 1000,
		       *p99_s * 1000);
}

/* All 200 slow clients held open by the daemon (the per-client cap above them): another
 * client's /healthz stays fast, and the header timeout closes every slow one. */
static void
test_slowloris_held(void)
{
	Daemon *d = daemon_start("[rest]\nheader_timeout_s=2\nmax_connections=512\n"
				 "max_connections_per_client=512\n",
				 NULL,
				 NULL);
	double p99 = 0;
	guint refused = 0;
	double timed_out =
	    metric(d, "streamdag_http_connections_timed_out_total", "timeout=\"header\"");

	slowloris(d, 200, &p99, &refused);
	g_assert_cmpuint(refused, ==, 0);
	g_assert_cmpfloat(p99, <, 0.100);
	g_assert_cmpfloat(
	    metric(d, "streamdag_http_connections_timed_out_total", "timeout=\"header\""),
	    >=,
	    timed_out + 200);
	assert_intact(d);
	daemon_free(d);
}

/* With the default per-client cap (32), most of the 200 are refused at once; the rest are
 * closed by the header timeout; the other client is served as fast. */
static void
test_slowloris_capped(void)
{
	Daemon *d = daemon_start("[rest]\nheader_timeout_s=2\n", NULL, NULL);
	double p99 = 0;
	guint refused = 0;

	slowloris(d, 200, &p99, &refused);
	g_assert_cmpuint(refused, ==, 200 - 32);
	g_assert_cmpfloat(p99, <, 0.100);
	assert_intact(d);
	daemon_free(d);
}

/* websocket limits */

static Daemon *wsd;
static char *ws_job; /* a job of wsd's that runs for the whole binary (100 ms a frame) */

static void
ws_job_start(void)
{
	g_autofree char *video = g_strdup_printf(
	    "{\"pipeline_id\":\"keep\",\"video_url\":\"file://%s\"}", g_getenv("SDAG_TEST_VTEST"));
	g_autofree char *answer = NULL;
	g_autoptr(JsonNode) job = NULL;

	wsd = daemon_start("[rest]\nws_ping_interval_s=1\nws_max_incoming_bytes=200\n"
			   "allowed_origins=https://ha.example:8123\n",
			   NULL,
			   NULL);
	g_assert_cmpuint(request(wsd, "POST", "/jobs", video, 10, &answer), ==, 202);
	job = sdag_json_parse(answer, -1, NULL);
	ws_job = g_strdup(json_object_get_string_member(json_node_get_object(job), "job_id"));
}

/* Sends an upgrade request with @extra header lines; returns what came back first (the
 * status line and headers), leaving @sock open. */
static char *
ws_upgrade(GSocket *sock, const char *extra)
{
	g_autofree char *req = g_strdup_printf(
	    "GET /jobs/%s/events HTTP/1.1\r\nHost: 127.0.0.1:%u\r\nUpgrade: websocket\r\n"
	    "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
	    "Sec-WebSocket-Version: 13\r\n%s\r\n",
	    ws_job,
	    wsd->d->port,
	    extra);
	g_autoptr(GString) got = g_string_new(NULL);

	raw_send(sock, req);
	for (;;) {
		char buf[1024];
		const char *end = strstr(got->str, "\r\n\r\n");
		const char *cl = strstr(got->str, "Content-Length: ");
		gssize n;

		/* a 101 has no body; a refusal is read whole */
		if (end != NULL &&
		    (cl == NULL || cl > end ||
		     got->len >= (gsize)(end + 4 - got->str) + g_ascii_strtoull(cl + 16, NULL, 10)))
			break;
		n = g_socket_receive(sock, buf, sizeof(buf), NULL, NULL);
		if (n <= 0)
			break;
		g_string_append_len(got, buf, n);
	}
	return g_string_free(g_steal_pointer(&got), FALSE);
}

static const struct {
	const char *name;
	const char *headers; /* "%u": the daemon's port */
	guint status;
	const char *protocol; /* the Sec-WebSocket-Protocol answered, NULL for none */
} ws_cases[] = {
    {"no-origin", "", 101, NULL},
    {"own-origin", "Origin: http://127.0.0.1:%u\r\n", 101, NULL},
    {"allowed-origin", "Origin: https://ha.example:8123\r\n", 101, NULL},
    {"allowed-origin-case", "Origin: HTTPS://HA.example:8123\r\n", 101, NULL},
    {"other-origin", "Origin: https://evil.example\r\n", 403, NULL},
    {"null-origin", "Origin: null\r\n", 403, NULL},
    {"own-host-other-scheme", "Origin: https://127.0.0.1:%u\r\n", 403, NULL},
    {"allowed-host-other-port", "Origin: https://ha.example:8124\r\n", 403, NULL},
    {"protocol-and-bearer",
     "Sec-WebSocket-Protocol: streamdag, bearer.sdag_x\r\n",
     101,
     "streamdag"},
    {"protocol-only", "Sec-WebSocket-Protocol: streamdag\r\n", 101, "streamdag"},
    {"bearer-only", "Sec-WebSocket-Protocol: bearer.sdag_x\r\n", 400, NULL},
    {"other-protocol", "Sec-WebSocket-Protocol: chat\r\n", 400, NULL},
};

static void
test_ws_handshake(gconstpointer data)
{
	guint i = GPOINTER_TO_UINT(data);
	g_autoptr(GSocket) sock = raw_connect(wsd, 5);
	g_autoptr(GString) headers = g_string_new(ws_cases[i].headers);
	g_autofree char *port = g_strdup_printf("%u", wsd->d->port);
	g_autofree char *got = NULL;
	g_autofree char *status = g_strdup_printf("HTTP/1.1 %u ", ws_cases[i].status);
	const char *proto;

	g_string_replace(headers, "%u", port, 0);
	got = ws_upgrade(sock, headers->str);
	if (!g_str_has_prefix(got, status))
		g_error("%s: expected %s, got: %s", ws_cases[i].name, status, got);
	proto = strstr(got, "Sec-WebSocket-Protocol: ");
	if (ws_cases[i].protocol == NULL) {
		g_assert_null(proto);
	} else {
		g_assert_nonnull(proto);
		g_assert_true(
		    g_str_has_prefix(proto + strlen("Sec-WebSocket-Protocol: "), "streamdag\r\n"));
	}
	/* the bearer value is never answered back */
	g_assert_null(strstr(got, "bearer."));
	if (ws_cases[i].status == 403)
		g_assert_nonnull(strstr(got, "\"code\":\"origin_forbidden\""));
	if (ws_cases[i].status == 400)
		g_assert_nonnull(strstr(got, "\"code\":\"bad_request\""));
}

/* A client that answers no ping is closed after two intervals (1 s each here); the close
 * handshake it does not answer either takes libsoup's own timeout. */
static void
test_ws_ping_unanswered(void)
{
	g_autoptr(GSocket) sock = raw_connect(wsd, 20);
	g_autofree char *got = ws_upgrade(sock, "");
	gint64 t0 = g_get_monotonic_time();
	gboolean ping = FALSE;
	gboolean close = FALSE;

	g_assert_true(g_str_has_prefix(got, "HTTP/1.1 101 "));
	for (;;) {
		guint8 buf[4096];
		gssize n = g_socket_receive(sock, (char *)buf, sizeof(buf), NULL, NULL);
		if (n <= 0)
			break;
		/* frames from the server are not masked: opcode in the low bits of byte 0 */
		for (gssize k = 0; k + 1 < n; k++) {
			if (buf[k] == 0x89 && buf[k + 1] < 126)
				ping = TRUE;
			if (buf[k] == 0x88 && buf[k + 1] >= 2 && k + 3 < n &&
			    (buf[k + 2] << 8 | buf[k + 3]) == SOUP_WEBSOCKET_CLOSE_GOING_AWAY)
				close = TRUE;
		}
	}
	g_assert_true(ping);
	g_assert_true(close);
	/* 2 intervals and the close handshake's timeout, with room for a slow machine */
	g_assert_cmpint(g_get_monotonic_time() - t0, <, 15 * G_USEC_PER_SEC);
	g_assert_cmpint(g_get_monotonic_time() - t0, >, 2 * G_USEC_PER_SEC);
}

typedef struct {
	SoupWebsocketConnection *conn;
	gboolean done;
	gboolean closed;
} WsClient;

static void
ws_closed_cb(SoupWebsocketConnection *c, gpointer user_data)
{
	((WsClient *)user_data)->closed = TRUE;
}

static void
ws_connected_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	WsClient *w = user_data;
	g_autoptr(GError) error = NULL;

	w->conn = soup_session_websocket_connect_finish(SOUP_SESSION(source), res, &error);
	g_assert_no_error(error);
	g_signal_connect(w->conn, "closed", G_CALLBACK(ws_closed_cb), w);
	w->done = TRUE;
}

static void
ws_connect(SoupSession *session, WsClient *w)
{
	g_autofree char *url = g_strdup_printf("%s/jobs/%s/events", wsd->d->base, ws_job);
	g_autoptr(SoupMessage) msg = soup_message_new("GET", url);
	char *protocols[] = {"streamdag", NULL};

	soup_session_websocket_connect_async(
	    session, msg, NULL, protocols, G_PRIORITY_DEFAULT, NULL, ws_connected_cb, w);
	while (!w->done)
		g_main_context_iteration(NULL, TRUE);
	g_assert_cmpstr(soup_websocket_connection_get_protocol(w->conn), ==, "streamdag");
}

/* A client that answers pings (libsoup's does) stays connected past many intervals. */
static void
test_ws_ping_answered(void)
{
	g_autoptr(SoupSession) session = soup_session_new();
	WsClient w = {0};
	gint64 until;

	ws_connect(session, &w);
	until = g_get_monotonic_time() + 4 * G_USEC_PER_SEC;
	while (g_get_monotonic_time() < until && !w.closed)
		g_main_context_iteration(NULL, FALSE) || (g_usleep(10 * 1000), TRUE);
	g_assert_false(w.closed);
	g_assert_cmpint(soup_websocket_connection_get_state(w.conn), ==, SOUP_WEBSOCKET_STATE_OPEN);
	soup_websocket_connection_close(w.conn, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
	while (!w.closed)
		g_main_context_iteration(NULL, TRUE);
	g_object_unref(w.conn);
}

/* Sends one masked text frame of @len bytes, as a client must (RFC 6455 5.3); only its
 * header when @header_only. */
static void
ws_send_masked(GSocket *sock, gsize len, gboolean header_only)
{
	g_autoptr(GByteArray) f = g_byte_array_new();
	const guint8 head[] = {0x81, 0x80 | 126, (guint8)(len >> 8), (guint8)len};
	const guint8 mask[] = {0x12, 0x34, 0x56, 0x78};

	g_byte_array_append(f, head, sizeof(head));
	g_byte_array_append(f, mask, sizeof(mask));
	for (gsize i = 0; !header_only && i < len; i++) {
		guint8 b = (guint8)'x' ^ mask[i % 4];
		g_byte_array_append(f, &b, 1);
	}
	g_assert_cmpint(g_socket_send(sock, (const char *)f->data, f->len, NULL, NULL), ==, f->len);
}

/* The close code of the first close frame in what the server sent until it closed; 0 for
 * none. */
static guint
ws_read_close_code(GSocket *sock)
{
	g_autoptr(GString) got = g_string_new(NULL);

	for (;;) {
		char buf[4096];
		gssize n = g_socket_receive(sock, buf, sizeof(buf), NULL, NULL);
		if (n <= 0)
			break;
		g_string_append_len(got, buf, n);
	}
	/* server frames are unmasked: skip each by its length up to the close frame */
	for (gsize k = 0; k + 2 <= got->len;) {
		guint8 op = (guint8)got->str[k] & 0x0f;
		gsize len = (guint8)got->str[k + 1] & 0x7f;
		gsize hdr = 2;

		if (len == 126) {
			len = ((guint8)got->str[k + 2] << 8) | (guint8)got->str[k + 3];
			hdr = 4;
		}
		if (op == 0x8 && len >= 2 && k + hdr + 2 <= got->len)
			return ((guint8)got->str[k + hdr] << 8) | (guint8)got->str[k + hdr + 1];
		k += hdr + len;
	}
	return 0;
}

/* A message announced over ws_max_incoming_bytes (200) closes the connection as soon as
 * its header is read, before any of it is: libsoup 3.2 drops such a peer at once, without a
 * close frame (1009 is its code on the daemon's side). At once means well before the ping
 * timeout (two 1 s intervals), which would close it with 1001. */
static void
test_ws_message_too_big(void)
{
	g_autoptr(GSocket) sock = raw_connect(wsd, 10);
	g_autofree char *got = ws_upgrade(sock, "");
	gint64 t0;

	g_assert_true(g_str_has_prefix(got, "HTTP/1.1 101 "));
	ws_send_masked(sock, 150, FALSE);
	t0 = g_get_monotonic_time();
	ws_send_masked(sock, 300, TRUE);
	g_assert_cmpuint(ws_read_close_code(sock), !=, SOUP_WEBSOCKET_CLOSE_GOING_AWAY);
	g_assert_cmpint(g_get_monotonic_time() - t0, <, G_USEC_PER_SEC);
}

/* Under the cap, the connection stays: only the job's end closes it, with 1000. */
static void
test_ws_message_under_cap(void)
{
	g_autoptr(SoupSession) session = soup_session_new();
	WsClient w = {0};
	char small[150];
	gint64 until;

	memset(small, 'a', sizeof(small) - 1);
	small[sizeof(small) - 1] = '\0';
	ws_connect(session, &w);
	soup_websocket_connection_send_text(w.conn, small);
	until = g_get_monotonic_time() + 1500 * 1000;
	while (g_get_monotonic_time() < until && !w.closed)
		g_main_context_iteration(NULL, FALSE) || (g_usleep(10 * 1000), TRUE);
	g_assert_false(w.closed);
	soup_websocket_connection_close(w.conn, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
	while (!w.closed)
		g_main_context_iteration(NULL, TRUE);
	g_object_unref(w.conn);
}

int
main(int argc, char **argv)
{
	int rc;

	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/sdag/listener/cap", test_cap);
	g_test_add_func("/sdag/listener/header-timeout", test_header_timeout);
	g_test_add_func("/sdag/listener/body-timeout", test_body_timeout);
	g_test_add_func("/sdag/listener/idle-timeout", test_idle_timeout);
	g_test_add_func("/sdag/listener/idle-closed-by-client", test_idle_closed_by_client);
	g_test_add_func("/sdag/listener/websocket-outlives-idle", test_websocket_outlives_idle);
	g_test_add_func("/sdag/listener/slow-answer", test_slow_answer);
	g_test_add_func("/sdag/listener/backlog", test_backlog);
	g_test_add_func("/sdag/listener/process-name", test_process_name);
	g_test_add_func("/sdag/listener/fd-limit-raised", test_fd_limit_raised);
	g_test_add_func("/sdag/listener/fd-limit-too-low", test_fd_limit_too_low);
	g_test_add_func("/sdag/listener/fd-exhaustion", test_fd_exhaustion);
	g_test_add_func("/sdag/listener/per-client", test_per_client);
	g_test_add_func("/sdag/listener/slowloris-held", test_slowloris_held);
	g_test_add_func("/sdag/listener/slowloris-capped", test_slowloris_capped);
	for (guint i = 0; i < G_N_ELEMENTS(ws_cases); i++) {
		g_autofree char *path = g_strdup_printf("/sdag/listener/ws/%s", ws_cases[i].name);
		g_test_add_data_func(path, GUINT_TO_POINTER(i), test_ws_handshake);
	}
	g_test_add_func("/sdag/listener/ws/ping-unanswered", test_ws_ping_unanswered);
	g_test_add_func("/sdag/listener/ws/ping-answered", test_ws_ping_answered);
	g_test_add_func("/sdag/listener/ws/message-too-big", test_ws_message_too_big);
	g_test_add_func("/sdag/listener/ws/message-under-cap", test_ws_message_under_cap);
	capped = daemon_start("[rest]\nmax_connections=4\n", NULL, NULL);
	quick = daemon_start("[rest]\nheader_timeout_s=1\nidle_timeout_s=1\n", NULL, NULL);
	ws_job_start();
	rc = g_test_run();
	daemon_free(wsd);
	g_free(ws_job);
	daemon_free(capped);
	daemon_free(quick);
	return rc;
}
