/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * HTTPS on the REST listener against a real streamdagd, with a CA and certificates made by
 * openssl: curl with and without the CA, the WebSocket over TLS, a renewed certificate
 * after SIGHUP, bad certificate files at start-up and on reload, a handshake that never
 * starts, and the bind rule (127.0.0.2 stands in for an address others can reach).
 */
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>

#include "sdag-test-http.h"
#include "sdag-test-util.h"
#include "sdag-token.h"

typedef struct {
	SdagTestPki *certs;
	/* borrowed from certs */
	const char *dir;
	const char *ca;
	const char *cert;
	const char *key;
	char *secret; /* of the one token, admin */
	char *auth;   /* its [auth] section */
} Pki;

static Pki pki;

static void
make_leaf(const char *name, const char *serial)
{
	sdag_test_pki_leaf(pki.certs, name, serial);
}

static void
pki_make(void)
{
	g_autofree char *value = NULL;

	pki.certs = sdag_test_pki_new();
	pki.dir = pki.certs->dir;
	pki.ca = pki.certs->ca;
	pki.cert = pki.certs->cert;
	pki.key = pki.certs->key;
	pki.secret = sdag_token_secret_new();
	value = sdag_token_format_value(pki.secret, SDAG_SCOPE_ADMIN);
	pki.auth = g_strdup_printf("[auth]\nops = %s\n", value);
}

/* A config with the token and the certificate files, and @more. */
static char *
tls_conf(const char *cert, const char *key, const char *more)
{
	return g_strdup_printf("%s[rest]\ntls_certificate=%s\ntls_key=%s\n%s",
			       pki.auth,
			       cert,
			       key,
			       more != NULL ? more : "");
}

/* curl's exit status and output for @url; @ca NULL: the system's trust store only. */
static int
curl(const char *url, const char *ca, char **out)
{
	g_autofree char *authz = g_strdup_printf("Authorization: Bearer %s", pki.secret);
	g_autoptr(GStrvBuilder) b = g_strv_builder_new();
	g_auto(GStrv) argv = NULL;
	g_autoptr(GError) error = NULL;
	int status = 0;

	g_strv_builder_add_many(b, "curl", "-sS", "--max-time", "10", "-H", authz, NULL);
	if (ca != NULL)
		g_strv_builder_add_many(b, "--cacert", ca, NULL);
	g_strv_builder_add(b, url);
	argv = g_strv_builder_end(b);
	g_assert_true(g_spawn_sync(NULL,
				   argv,
				   NULL,
				   G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL,
				   NULL,
				   NULL,
				   out,
				   NULL,
				   &status,
				   &error));
	g_assert_no_error(error);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* The serial number of the certificate @base serves, as openssl prints it ("1001"). */
static char *
served_serial(const char *base)
{
	g_autofree char *host = g_strdup(strstr(base, "//") + 2);
	g_autofree char *cmd = g_strdup_printf("openssl s_client -connect %s -CAfile %s </dev/null "
					       "2>/dev/null | openssl x509 -noout -serial",
					       host,
					       pki.ca);
	const char *argv[] = {"sh", "-c", cmd, NULL};
	g_autofree char *out = NULL;
	g_autoptr(GError) error = NULL;

	g_assert_true(g_spawn_sync(
	    NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, NULL, NULL, &error));
	g_assert_no_error(error);
	g_assert_true(g_str_has_prefix(out, "serial="));
	return g_strstrip(g_strdup(out + strlen("serial=")));
}

static double
metric(const char *base, const char *series)
{
	g_autofree char *url = g_strconcat(base, "/metrics", NULL);
	g_autofree char *out = NULL;
	g_auto(GStrv) lines = NULL;

	g_assert_cmpint(curl(url, pki.ca, &out), ==, 0);
	lines = g_strsplit(out, "\n", -1);
	for (guint i = 0; lines[i] != NULL; i++) {
		if (g_str_has_prefix(lines[i], series) && lines[i][strlen(series)] == ' ')
			return g_ascii_strtod(lines[i] + strlen(series) + 1, NULL);
	}
	g_error("no series %s", series);
	return 0;
}

/* The token's secret is nowhere in what the daemon logged (debug included). */
static void
assert_no_secret(SdagTestSvc *s)
{
	g_autofree char *log = sdag_test_svc_log(s);

	g_assert_null(strstr(log, pki.secret + strlen(SDAG_TOKEN_SECRET_PREFIX)));
}

/* With the CA, curl is served; without it, curl refuses the certificate (60); plain HTTP
 * to the port is answered 400 in plain HTTP, and counts as a failed handshake. */
static void
tls_curl(void)
{
	g_autofree char *conf = tls_conf(pki.cert, pki.key, NULL);
	g_autoptr(SdagTestSvc) s = sdag_test_svc_start(conf, "127.0.0.2:0", NULL);
	g_autofree char *url = g_strconcat(s->base, "/healthz", NULL);
	g_autofree char *plain = NULL;
	g_autofree char *out = NULL;
	g_autofree char *out2 = NULL;
	g_autofree char *out3 = NULL;
	double failed;

	g_assert_true(g_str_has_prefix(s->base, "https://127.0.0.2:"));
	g_assert_cmpint(curl(url, pki.ca, &out), ==, 0);
	g_assert_nonnull(strstr(out, "\"version\""));
	failed = metric(s->base, "streamdag_http_tls_handshake_failures_total");
	g_assert_cmpint(curl(url, NULL, &out2), ==, 60);
	plain = g_strconcat("http://", s->base + strlen("https://"), "/healthz", NULL);
	/* plain HTTP is told, in plain HTTP, to use https:// */
	g_assert_cmpint(curl(plain, NULL, &out3), ==, 0);
	g_assert_nonnull(strstr(out3, "\"code\":\"bad_request\""));
	g_assert_nonnull(strstr(out3, "this port speaks HTTPS: use https://"));
	g_assert_cmpfloat(
	    metric(s->base, "streamdag_http_tls_handshake_failures_total"), ==, failed + 2);
}

/* Each answer over TLS closes its connection, so none is left open between requests:
 * after ten requests only the one asking is open. */
static void
tls_no_idle_connections(void)
{
	g_autofree char *conf = tls_conf(pki.cert, pki.key, NULL);
	g_autoptr(SdagTestSvc) s = sdag_test_svc_start(conf, "127.0.0.2:0", NULL);
	g_autofree char *url = g_strconcat(s->base, "/healthz", NULL);

	for (guint i = 0; i < 10; i++) {
		g_autofree char *out = NULL;
		g_assert_cmpint(curl(url, pki.ca, &out), ==, 0);
	}
	sdag_test_spin(200);
	g_assert_cmpfloat(metric(s->base, "streamdag_http_connections"), ==, 1);
}

typedef struct {
	SoupWebsocketConnection *conn;
	GError *error;
	guint messages;
	gboolean closed;
	gboolean done;
} Ws;

static void
ws_message_cb(SoupWebsocketConnection *c, gint type, GBytes *data, gpointer user_data)
{
	((Ws *)user_data)->messages++;
}

static void
ws_closed_cb(SoupWebsocketConnection *c, gpointer user_data)
{
	((Ws *)user_data)->closed = TRUE;
}

static void
ws_connected_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	Ws *w = user_data;

	w->conn = soup_session_websocket_connect_finish(SOUP_SESSION(source), res, &w->error);
	w->done = TRUE;
	if (w->conn != NULL) {
		g_signal_connect(w->conn, "message", G_CALLBACK(ws_message_cb), w);
		g_signal_connect(w->conn, "closed", G_CALLBACK(ws_closed_cb), w);
	}
}

/* wss:// : a job's feed over TLS, read to its end. */
static void
tls_websocket(void)
{
	g_autofree char *media = g_path_get_dirname(g_getenv("SDAG_TEST_VTEST"));
	g_autofree char *more = g_strdup_printf("[jobs]\nmedia_roots=%s\n", media);
	g_autofree char *conf = tls_conf(pki.cert, pki.key, more);
	g_autoptr(SdagTestSvc) s = sdag_test_svc_start(conf, "127.0.0.2:0", NULL);
	g_autoptr(GError) error = NULL;
	g_autoptr(GTlsDatabase) db = g_tls_file_database_new(pki.ca, &error);
	g_autoptr(SoupSession) session =
	    soup_session_new_with_options("tls-database", db, "timeout", 10, NULL);
	g_autofree char *authz = g_strdup_printf("Bearer %s", pki.secret);
	g_autofree char *pipeline = NULL;
	g_autofree char *body = NULL;
	g_autofree char *pipe_path = g_build_filename(
	    g_getenv("SDAG_TEST_SOURCE_ROOT"), "data", "pipelines", "passthrough_v1.json", NULL);
	g_autofree char *id = NULL;
	g_autofree char *ws_url = NULL;
	g_autoptr(SoupMessage) ws_msg = NULL;
	Ws w = {0};
	gint64 deadline;

	g_assert_no_error(error);
	g_assert_true(g_file_get_contents(pipe_path, &pipeline, NULL, NULL));
	{
		g_autofree char *url = g_strconcat(s->base, "/pipelines", NULL);
		g_autoptr(SoupMessage) msg = soup_message_new("POST", url);
		g_autoptr(GBytes) b = g_bytes_new(pipeline, strlen(pipeline));
		g_autoptr(SdagTestReply) r = NULL;

		soup_message_headers_replace(
		    soup_message_get_request_headers(msg), "Authorization", authz);
		soup_message_set_request_body_from_bytes(msg, "application/json", b);
		r = sdag_test_http_msg(session, msg);
		g_assert_cmpuint(r->status, ==, 201);
	}
	body = g_strdup_printf("{\"pipeline_id\":\"passthrough_v1\",\"video_url\":\"file://%s\"}",
			       g_getenv("SDAG_TEST_VTEST"));
	{
		g_autofree char *url = g_strconcat(s->base, "/jobs", NULL);
		g_autoptr(SoupMessage) msg = soup_message_new("POST", url);
		g_autoptr(GBytes) b = g_bytes_new(body, strlen(body));
		g_autoptr(SdagTestReply) r = NULL;

		soup_message_headers_replace(
		    soup_message_get_request_headers(msg), "Authorization", authz);
		soup_message_set_request_body_from_bytes(msg, "application/json", b);
		r = sdag_test_http_msg(session, msg);
		g_assert_cmpuint(r->status, ==, 202);
		id = g_strdup(json_object_get_string_member(sdag_test_reply_object(r), "job_id"));
	}
	ws_url = g_strdup_printf("%s/jobs/%s/events", s->base, id);
	ws_msg = soup_message_new("GET", ws_url);
	soup_message_headers_replace(
	    soup_message_get_request_headers(ws_msg), "Authorization", authz);
	soup_session_websocket_connect_async(
	    session, ws_msg, NULL, NULL, G_PRIORITY_DEFAULT, NULL, ws_connected_cb, &w);
	deadline = g_get_monotonic_time() + 30 * G_USEC_PER_SEC;
	while (!w.done || (w.conn != NULL && !w.closed)) {
		g_assert_cmpint(g_get_monotonic_time(), <, deadline);
		g_main_context_iteration(NULL, TRUE);
	}
	g_assert_no_error(w.error);
	g_assert_cmpuint(w.messages, >, 0);
	g_assert_cmpuint(
	    soup_websocket_connection_get_close_code(w.conn), ==, SOUP_WEBSOCKET_CLOSE_NORMAL);
	g_clear_object(&w.conn);
}

/* A renewed certificate in the same files is served to new connections after SIGHUP;
 * files that do not hold a certificate leave the one in use, and the daemon serves on. */
static void
tls_reload(void)
{
	g_autofree char *cert = g_build_filename(pki.dir, "live.pem", NULL);
	g_autofree char *key = g_build_filename(pki.dir, "live.key", NULL);
	g_autofree char *renewed_cert = g_build_filename(pki.dir, "renewed.pem", NULL);
	g_autofree char *renewed_key = g_build_filename(pki.dir, "renewed.key", NULL);
	g_autofree char *conf = NULL;
	g_autoptr(SdagTestSvc) s = NULL;
	g_autofree char *before = NULL;
	g_autofree char *after = NULL;
	g_autofree char *kept = NULL;
	g_autofree char *text = NULL;
	g_autofree char *url = NULL;
	g_autofree char *out = NULL;

	make_leaf("renewed", "0x2002");
	g_assert_true(g_file_get_contents(pki.cert, &text, NULL, NULL));
	g_assert_true(g_file_set_contents(cert, text, -1, NULL));
	g_clear_pointer(&text, g_free);
	g_assert_true(g_file_get_contents(pki.key, &text, NULL, NULL));
	g_assert_true(g_file_set_contents(key, text, -1, NULL));
	g_clear_pointer(&text, g_free);
	conf = tls_conf(cert, key, NULL);
	s = sdag_test_svc_start(conf, "127.0.0.2:0", NULL);
	before = served_serial(s->base);
	g_assert_cmpstr(before, ==, "1001");

	g_assert_true(g_file_get_contents(renewed_cert, &text, NULL, NULL));
	g_assert_true(g_file_set_contents(cert, text, -1, NULL));
	g_clear_pointer(&text, g_free);
	g_assert_true(g_file_get_contents(renewed_key, &text, NULL, NULL));
	g_assert_true(g_file_set_contents(key, text, -1, NULL));
	g_clear_pointer(&text, g_free);
	g_subprocess_send_signal(s->proc, SIGHUP);
	g_assert_true(sdag_test_svc_wait_log(s, "reload: TLS certificate read from", 10000));
	after = served_serial(s->base);
	g_assert_cmpstr(after, ==, "2002");

	/* garbage in the certificate file: the renewed one stays */
	g_assert_true(g_file_set_contents(cert, "not a certificate\n", -1, NULL));
	g_subprocess_send_signal(s->proc, SIGHUP);
	g_assert_true(sdag_test_svc_wait_log(s, "the TLS certificate in use stays", 10000));
	kept = served_serial(s->base);
	g_assert_cmpstr(kept, ==, "2002");
	url = g_strconcat(s->base, "/healthz", NULL);
	g_assert_cmpint(curl(url, pki.ca, &out), ==, 0);
	assert_no_secret(s);
}

/* Turning HTTPS off by a reload is refused: clients were told https://. */
static void
tls_reload_off(void)
{
	g_autofree char *conf = tls_conf(pki.cert, pki.key, NULL);
	g_autoptr(SdagTestSvc) s = sdag_test_svc_start(conf, "127.0.0.1:0", NULL);
	g_autofree char *plain = g_strdup_printf("%s[rest]\n", pki.auth);
	g_autofree char *url = g_strconcat(s->base, "/healthz", NULL);
	g_autofree char *out = NULL;

	g_assert_true(g_file_set_contents(s->conf, plain, -1, NULL));
	g_subprocess_send_signal(s->proc, SIGHUP);
	g_assert_true(sdag_test_svc_wait_log(s, "turning HTTPS on or off needs a restart", 10000));
	g_assert_cmpint(curl(url, pki.ca, &out), ==, 0);
}

/* A client that connects and never starts its handshake is closed by the header timeout,
 * and others are served meanwhile. */
static void
tls_silent_client(void)
{
	g_autofree char *conf = tls_conf(pki.cert, pki.key, "header_timeout_s=1\n");
	g_autoptr(SdagTestSvc) s = sdag_test_svc_start(conf, "127.0.0.2:0", NULL);
	g_autoptr(GSocketClient) client = g_socket_client_new();
	g_autoptr(GSocketConnection) conn = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree char *host = g_strdup(strstr(s->base, "//") + 2);
	g_autofree char *url = g_strconcat(s->base, "/healthz", NULL);
	g_autofree char *out = NULL;
	char byte;
	gint64 start = g_get_monotonic_time();
	gssize n;

	conn = g_socket_client_connect_to_host(client, host, 0, NULL, &error);
	g_assert_no_error(error);
	g_assert_cmpint(curl(url, pki.ca, &out), ==, 0);
	n = g_input_stream_read(
	    g_io_stream_get_input_stream(G_IO_STREAM(conn)), &byte, 1, NULL, NULL);
	g_assert_cmpint(n, <=, 0);
	/* header_timeout_s=1, and a little for the scheduler */
	g_assert_cmpint(g_get_monotonic_time() - start, <, 5 * G_USEC_PER_SEC);
	g_assert_cmpfloat(
	    metric(s->base, "streamdag_http_connections_timed_out_total{timeout=\"header\"}"),
	    >=,
	    1);
}

/* A client that starts its handshake and stalls (one byte of a ClientHello) holds a pool
 * thread only until the header timeout cancels the handshake; that counts as a header
 * timeout, not a failed handshake, and others are served meanwhile. */
static void
tls_stalled_handshake(void)
{
	g_autofree char *conf = tls_conf(pki.cert, pki.key, "header_timeout_s=1\n");
	g_autoptr(SdagTestSvc) s = sdag_test_svc_start(conf, "127.0.0.2:0", NULL);
	g_autoptr(GSocketClient) client = g_socket_client_new();
	g_autoptr(GSocketConnection) conn = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree char *host = g_strdup(strstr(s->base, "//") + 2);
	g_autofree char *url = g_strconcat(s->base, "/healthz", NULL);
	g_autofree char *out = NULL;
	double failed = metric(s->base, "streamdag_http_tls_handshake_failures_total");
	double timed_out =
	    metric(s->base, "streamdag_http_connections_timed_out_total{timeout=\"header\"}");
	const char hello = 0x16;
	char byte;
	gint64 start;

	conn = g_socket_client_connect_to_host(client, host, 0, NULL, &error);
	g_assert_no_error(error);
	g_assert_true(g_output_stream_write_all(
	    g_io_stream_get_output_stream(G_IO_STREAM(conn)), &hello, 1, NULL, NULL, &error));
	start = g_get_monotonic_time();
	g_assert_cmpint(curl(url, pki.ca, &out), ==, 0);
	g_assert_cmpint(g_input_stream_read(
			    g_io_stream_get_input_stream(G_IO_STREAM(conn)), &byte, 1, NULL, NULL),
			<=,
			0);
	g_assert_cmpint(g_get_monotonic_time() - start, <, 5 * G_USEC_PER_SEC);
	g_assert_cmpfloat(
	    metric(s->base, "streamdag_http_connections_timed_out_total{timeout=\"header\"}"),
	    >=,
	    timed_out + 1);
	g_assert_cmpfloat(
	    metric(s->base, "streamdag_http_tls_handshake_failures_total"), ==, failed);
}

/* Start-up refuses certificate settings it cannot use, naming the key. */
static const struct {
	const char *name;
	const char *rest;
	const char *message;
} bad_starts[] = {
    {"key-only", "tls_key=@KEY@\n", "[rest] tls_key is set"},
    {"certificate-only", "tls_certificate=@CERT@\n", "[rest] tls_certificate is set"},
    {"missing-file",
     "tls_certificate=/nonexistent/cert.pem\ntls_key=@KEY@\n",
     "[rest] tls_certificate: cannot read /nonexistent/cert.pem"},
    {"garbage", "tls_certificate=@CA_KEY@\ntls_key=@KEY@\n", "[rest] tls_certificate"},
    {"key-of-another",
     "tls_certificate=@CERT@\ntls_key=@CA_KEY@\n",
     "does not work with tls_certificate"},
    {"relative",
     "tls_certificate=cert.pem\ntls_key=@KEY@\n",
     "[rest] tls_certificate: 'cert.pem' is not an absolute path"},
};

static void
tls_bad_start(gconstpointer data)
{
	guint i = GPOINTER_TO_UINT(data);
	g_autoptr(GString) rest = g_string_new(bad_starts[i].rest);
	g_autofree char *ca_key = g_build_filename(pki.dir, "ca.key", NULL);
	g_autofree char *conf = NULL;
	g_autoptr(SdagTestSvc) s = NULL;
	g_autofree char *log = NULL;

	g_string_replace(rest, "@KEY@", pki.key, 0);
	g_string_replace(rest, "@CERT@", pki.cert, 0);
	g_string_replace(rest, "@CA_KEY@", ca_key, 0);
	conf = g_strdup_printf("%s[rest]\n%s", pki.auth, rest->str);
	s = sdag_test_svc_spawn(conf, "127.0.0.1:0", NULL);
	g_assert_cmpint(sdag_test_svc_wait_exit(s), !=, 0);
	log = sdag_test_svc_log(s);
	if (strstr(log, bad_starts[i].message) == NULL)
		g_error("'%s' not in: %s", bad_starts[i].message, log);
}

/* The bind rule, with 127.0.0.2 for an address others can reach. */
static void
bind_no_token(void)
{
	g_autoptr(SdagTestSvc) s = sdag_test_svc_spawn("", "127.0.0.2:0", NULL);
	g_autofree char *log = NULL;

	g_assert_cmpint(sdag_test_svc_wait_exit(s), !=, 0);
	log = sdag_test_svc_log(s);
	g_assert_nonnull(strstr(log,
				"listen address 127.0.0.2 can be reached from other machines, and "
				"no API token is configured"));
	g_assert_nonnull(strstr(log, "streamdagctl token new NAME --scope read"));
}

static void
bind_token_plain(void)
{
	g_autoptr(SdagTestSvc) s = sdag_test_svc_spawn(pki.auth, "127.0.0.2:0", NULL);
	g_autofree char *log = NULL;

	g_assert_cmpint(sdag_test_svc_wait_exit(s), !=, 0);
	log = sdag_test_svc_log(s);
	g_assert_nonnull(strstr(log, "[rest] has no tls_certificate"));
}

static void
bind_token_plain_allowed(void)
{
	g_autofree char *conf = g_strdup_printf("%s[rest]\nallow_plain_http=true\n", pki.auth);
	g_autoptr(SdagTestSvc) s = sdag_test_svc_start(conf, "127.0.0.2:0", NULL);
	g_autofree char *log = sdag_test_svc_log(s);
	g_autofree char *url = g_strconcat(s->base, "/jobs", NULL);
	g_autofree char *out = NULL;

	g_assert_true(g_str_has_prefix(s->base, "http://127.0.0.2:"));
	g_assert_nonnull(strstr(log, "serving plain HTTP on 127.0.0.2"));
	g_assert_cmpint(curl(url, NULL, &out), ==, 0);
	g_assert_nonnull(strstr(out, "\"jobs\""));
	assert_no_secret(s);
}

/* 127.0.0.1 needs nothing: the daemon's default. */
static void
bind_loopback_open(void)
{
	g_autoptr(SdagTestSvc) s = sdag_test_svc_start("", "127.0.0.1:0", NULL);
	g_autofree char *url = g_strconcat(s->base, "/jobs", NULL);
	g_autofree char *out = NULL;

	g_assert_cmpint(curl(url, NULL, &out), ==, 0);
	g_assert_nonnull(strstr(out, "\"jobs\""));
}

/* A reload that would leave an address others reach without any token is refused, and the
 * running tokens stay in force. */
static void
bind_reload_without_tokens(void)
{
	g_autofree char *conf = tls_conf(pki.cert, pki.key, NULL);
	g_autoptr(SdagTestSvc) s = sdag_test_svc_start(conf, "127.0.0.2:0", NULL);
	g_autofree char *bare =
	    g_strdup_printf("[rest]\ntls_certificate=%s\ntls_key=%s\n", pki.cert, pki.key);
	g_autofree char *url = g_strconcat(s->base, "/jobs", NULL);
	g_autofree char *out = NULL;

	g_assert_true(g_file_set_contents(s->conf, bare, -1, NULL));
	g_subprocess_send_signal(s->proc, SIGHUP);
	g_assert_true(sdag_test_svc_wait_log(s, "no API token left in [auth]", 10000));
	g_assert_cmpint(curl(url, pki.ca, &out), ==, 0);
	g_assert_nonnull(strstr(out, "\"jobs\""));
}

int
main(int argc, char **argv)
{
	int rc;

	g_test_init(&argc, &argv, NULL);
	pki_make();
	g_test_add_func("/tls/curl", tls_curl);
	g_test_add_func("/tls/no-idle-connections", tls_no_idle_connections);
	g_test_add_func("/tls/websocket", tls_websocket);
	g_test_add_func("/tls/reload", tls_reload);
	g_test_add_func("/tls/reload-off", tls_reload_off);
	g_test_add_func("/tls/silent-client", tls_silent_client);
	g_test_add_func("/tls/stalled-handshake", tls_stalled_handshake);
	for (guint i = 0; i < G_N_ELEMENTS(bad_starts); i++) {
		g_autofree char *path = g_strdup_printf("/tls/bad-start/%s", bad_starts[i].name);
		g_test_add_data_func(path, GUINT_TO_POINTER(i), tls_bad_start);
	}
	g_test_add_func("/tls/bind/no-token", bind_no_token);
	g_test_add_func("/tls/bind/token-plain", bind_token_plain);
	g_test_add_func("/tls/bind/token-plain-allowed", bind_token_plain_allowed);
	g_test_add_func("/tls/bind/loopback-open", bind_loopback_open);
	g_test_add_func("/tls/bind/reload-without-tokens", bind_reload_without_tokens);
	rc = g_test_run();
	sdag_test_pki_free(pki.certs);
	g_free(pki.secret);
	g_free(pki.auth);
	return rc;
}
