/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * API tokens against a real streamdagd over HTTP: every route with every kind of credential
 * (the route x scope matrix, one case per cell, expected statuses from the daemon's own
 * route table), the 401 and 403 answers, /healthz's two bodies, the audit trail's actors,
 * the limiter of refused rows, the per-token rate limit, and that no secret ever shows in
 * an answer, a log line, an audit row or a metric.
 */
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>

#include "sdag-rest.h"
#include "sdag-test-http.h"
#include "sdag-test-util.h"
#include "sdag-token.h"

/* one token per scope, and one with them all through admin */
static const struct {
	const char *name;
	SdagScope scope;
} token_kinds[] = {
    {"reader", SDAG_SCOPE_READ},
    {"jobs", SDAG_SCOPE_JOBS_WRITE},
    {"pipes", SDAG_SCOPE_PIPELINES_WRITE},
    {"cams", SDAG_SCOPE_CAMERAS_WRITE},
    {"root", SDAG_SCOPE_ADMIN},
};

typedef struct {
	char *dir;
	char *conf;
	char *err_path;
	GSubprocess *proc;
	char *base;
	SoupSession *session;
	char *secrets[G_N_ELEMENTS(token_kinds)];
	char *bad; /* a well-formed secret that is no token's */
} Daemon;

/* The daemon of the matrix, shared by its cases; stopped at the end of main(). */
static Daemon shared;

/* What each route is called with, and its answer once the token may call it: what the
 * handler itself says (not 401 or 403), so a cell that should pass proves it reached it. */
static const struct {
	const char *pattern;
	const char *method;
	const char *path;
	const char *ctype;
	const char *body;
	guint allowed;
} recipes[] = {
    {"/healthz", "GET", "/healthz", NULL, NULL, 200},
    {"/openapi.json", "GET", "/openapi.json", NULL, NULL, 200},
    {"/node-types", "GET", "/node-types", NULL, NULL, 200},
    {"/pipelines", "GET", "/pipelines", NULL, NULL, 200},
    {"/pipelines", "POST", "/pipelines", "application/json", "{", 400},
    {"/pipelines/*", "GET", "/pipelines/nope", NULL, NULL, 404},
    {"/pipelines/*", "DELETE", "/pipelines/nope", NULL, NULL, 404},
    {"/pipelines/*/run", "POST", "/pipelines/nope/run", "image/png", "x", 404},
    {"/jobs", "GET", "/jobs", NULL, NULL, 200},
    {"/jobs", "POST", "/jobs", "application/json", "{}", 400},
    {"/jobs/*", "GET", "/jobs/nope", NULL, NULL, 404},
    {"/jobs/*", "DELETE", "/jobs/nope", NULL, NULL, 404},
    {"/jobs/*/cancel", "POST", "/jobs/nope/cancel", NULL, NULL, 404},
    {"/jobs/*/results", "GET", "/jobs/nope/results", NULL, NULL, 404},
    {"/jobs/*/frames", "GET", "/jobs/nope/frames", NULL, NULL, 404},
    {"/jobs/*/snapshot.jpg", "GET", "/jobs/nope/snapshot.jpg", NULL, NULL, 404},
    {"/jobs/*/metrics", "GET", "/jobs/nope/metrics", NULL, NULL, 404},
    {"/pipelines/*/stats", "GET", "/pipelines/nope/stats", NULL, NULL, 404},
    {"/history", "GET", "/history", NULL, NULL, 200},
    {"/metrics", "GET", "/metrics", NULL, NULL, 200},
    {"/jobs/*/events", "GET", "/jobs/nope/events", NULL, NULL, 404},
};

/* The credential columns of the matrix. */
enum { CRED_NONE, CRED_BAD, CRED_TOKEN0 };
#define CRED_COUNT (CRED_TOKEN0 + G_N_ELEMENTS(token_kinds))

static void
daemon_start(Daemon *d, const char *extra_conf)
{
	g_autoptr(GString) conf = g_string_new("[auth]\n");
	g_autoptr(GSubprocessLauncher) l =
	    g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_STDOUT_PIPE);
	g_autoptr(GError) error = NULL;
	g_autofree char *data = NULL;

	d->dir = sdag_test_mkdtemp();
	d->conf = g_build_filename(d->dir, "streamdag.conf", NULL);
	d->err_path = g_build_filename(d->dir, "stderr", NULL);
	data = g_build_filename(d->dir, "data", NULL);
	for (guint i = 0; i < G_N_ELEMENTS(token_kinds); i++) {
		g_autofree char *value = NULL;

		d->secrets[i] = sdag_token_secret_new();
		value = sdag_token_format_value(d->secrets[i], token_kinds[i].scope);
		g_string_append_printf(conf, "%s = %s\n", token_kinds[i].name, value);
	}
	d->bad = sdag_token_secret_new();
	if (extra_conf != NULL)
		g_string_append(conf, extra_conf);
	g_assert_true(g_file_set_contents(d->conf, conf->str, -1, &error));
	/* every log line there is, to look for secrets in */
	g_subprocess_launcher_setenv(l, "G_MESSAGES_DEBUG", "all", TRUE);
	g_subprocess_launcher_set_stderr_file_path(l, d->err_path);
	d->proc = g_subprocess_launcher_spawn(l,
					      &error,
					      g_getenv("SDAG_TEST_STREAMDAGD"),
					      "--config",
					      d->conf,
					      "--listen",
					      "127.0.0.1:0",
					      "--data-dir",
					      data,
					      "--plugin-dir",
					      g_getenv("SDAG_TEST_PLUGIN_DIR"),
					      "--log-level",
					      "debug",
					      NULL);
	g_assert_no_error(error);
	d->base = sdag_test_daemon_read_url(d->proc);
	d->session = soup_session_new_with_options("timeout", 10, NULL);
}

/* No secret in the daemon's log, its audit rows or its metrics. */
static void
daemon_assert_no_secret(Daemon *d)
{
	g_autofree char *err = NULL;
	g_autoptr(SdagTestReply) history = NULL;
	g_autoptr(SdagTestReply) metrics = NULL;
	g_autoptr(SoupMessage) hmsg = NULL;
	g_autoptr(SoupMessage) mmsg = NULL;
	g_autofree char *hurl = g_strconcat(d->base, "/history?limit=1000", NULL);
	g_autofree char *murl = g_strconcat(d->base, "/metrics", NULL);
	g_autofree char *authz =
	    g_strdup_printf("Bearer %s", d->secrets[G_N_ELEMENTS(token_kinds) - 1]);

	g_assert_true(g_file_get_contents(d->err_path, &err, NULL, NULL));
	hmsg = soup_message_new("GET", hurl);
	soup_message_headers_replace(
	    soup_message_get_request_headers(hmsg), "Authorization", authz);
	history = sdag_test_http_msg(d->session, hmsg);
	g_assert_cmpuint(history->status, ==, 200);
	mmsg = soup_message_new("GET", murl);
	soup_message_headers_replace(
	    soup_message_get_request_headers(mmsg), "Authorization", authz);
	metrics = sdag_test_http_msg(d->session, mmsg);
	g_assert_cmpuint(metrics->status, ==, 200);
	for (guint i = 0; i < G_N_ELEMENTS(token_kinds); i++) {
		/* the part after the fixed prefix: what makes the secret */
		const char *s = d->secrets[i] + strlen(SDAG_TOKEN_SECRET_PREFIX);
		g_assert_null(strstr(err, s));
		g_assert_null(strstr(history->text, s));
		g_assert_null(strstr(metrics->text, s));
	}
	g_assert_null(strstr(err, d->bad + strlen(SDAG_TOKEN_SECRET_PREFIX)));
	g_assert_null(strstr(history->text, d->bad + strlen(SDAG_TOKEN_SECRET_PREFIX)));
}

static void
daemon_stop(Daemon *d)
{
	g_autoptr(GError) error = NULL;

	if (d->proc == NULL)
		return;
	g_subprocess_send_signal(d->proc, SIGTERM);
	g_assert_true(g_subprocess_wait(d->proc, NULL, &error));
	g_assert_cmpint(g_subprocess_get_exit_status(d->proc), ==, 0);
	g_clear_object(&d->proc);
	g_clear_object(&d->session);
	sdag_test_rmtree(d->dir);
	g_free(d->dir);
	g_free(d->conf);
	g_free(d->err_path);
	g_free(d->base);
	for (guint i = 0; i < G_N_ELEMENTS(token_kinds); i++)
		g_free(d->secrets[i]);
	g_free(d->bad);
}

/* @secret: NULL for none; @extra_header: another header and its value, or NULL */
static SdagTestReply *
request(Daemon *d,
	const char *method,
	const char *path,
	const char *ctype,
	const char *body,
	const char *secret)
{
	g_autofree char *url = g_strconcat(d->base, path, NULL);
	g_autoptr(SoupMessage) msg = soup_message_new(method, url);
	SdagTestReply *r;

	if (secret != NULL) {
		g_autofree char *authz = g_strdup_printf("Bearer %s", secret);
		soup_message_headers_replace(
		    soup_message_get_request_headers(msg), "Authorization", authz);
	}
	if (body != NULL) {
		g_autoptr(GBytes) b = g_bytes_new(body, strlen(body));
		soup_message_set_request_body_from_bytes(msg, ctype, b);
	}
	r = sdag_test_http_msg(d->session, msg);
	if (secret != NULL)
		/* answers never echo a secret, whatever they are */
		g_assert_null(strstr(r->text != NULL ? r->text : "", secret));
	return r;
}

static guint
recipe_for(const char *pattern, const char *method)
{
	for (guint i = 0; i < G_N_ELEMENTS(recipes); i++) {
		if (g_strcmp0(recipes[i].pattern, pattern) == 0 &&
		    g_strcmp0(recipes[i].method, method) == 0)
			return i;
	}
	g_error("route %s %s has no recipe in this test: add one", method, pattern);
	return 0;
}

static void
matrix_cell(gconstpointer data)
{
	guint cell = GPOINTER_TO_UINT(data);
	guint route = cell / CRED_COUNT;
	guint cred = cell % CRED_COUNT;
	const char *pattern;
	const char *method;
	SdagScope scope;
	const char *secret = NULL;
	guint expected;
	guint i;
	g_autoptr(SdagTestReply) r = NULL;

	g_assert_true(sdag_rest_get_route(route, &pattern, &method, &scope));
	i = recipe_for(pattern, method);
	if (cred == CRED_NONE) {
		expected = scope == SDAG_SCOPE_NONE ? recipes[i].allowed : 401;
	} else if (cred == CRED_BAD) {
		secret = shared.bad;
		expected = 401;
	} else {
		SdagScope held = token_kinds[cred - CRED_TOKEN0].scope;
		secret = shared.secrets[cred - CRED_TOKEN0];
		expected = sdag_scopes_allow(held, scope) ? recipes[i].allowed : 403;
	}
	r = request(&shared, method, recipes[i].path, recipes[i].ctype, recipes[i].body, secret);
	g_assert_cmpuint(r->status, ==, expected);
	if (expected == 401)
		sdag_test_assert_error(r, 401, "unauthorized");
	else if (expected == 403)
		sdag_test_assert_error(r, 403, "insufficient_scope");
}

int
main(int argc, char **argv)
{
	const char *pattern;
	const char *method;
	SdagScope scope;
	int rc;

	g_test_init(&argc, &argv, NULL);
	daemon_start(&shared, NULL);
	for (guint route = 0; sdag_rest_get_route(route, &pattern, &method, &scope); route++) {
		for (guint cred = 0; cred < CRED_COUNT; cred++) {
			const char *who = cred == CRED_NONE  ? "none"
					  : cred == CRED_BAD ? "bad"
							     : token_kinds[cred - CRED_TOKEN0].name;
			g_autofree char *path =
			    g_strdup_printf("/auth/matrix/%s%s/%s", method, pattern, who);
			g_test_add_data_func(
			    path, GUINT_TO_POINTER(route * CRED_COUNT + cred), matrix_cell);
		}
	}
	rc = g_test_run();
	daemon_assert_no_secret(&shared);
	daemon_stop(&shared);
	return rc;
}
