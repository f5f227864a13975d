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
#include "sdag-ui.h"

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
	SdagTestSvc *svc;
	/* borrowed from svc */
	const char *conf;
	GSubprocess *proc;
	const char *base;
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
    {SDAG_UI_ROUTE_PAGE, "GET", "/", NULL, NULL, 200},
    {SDAG_UI_ROUTE_ASSET, "GET", "/ui/app.js", NULL, NULL, 200},
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
    {"/jobs/batch", "POST", "/jobs/batch", "application/json", "{\"jobs\":[]}", 400},
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
    {"/cameras", "GET", "/cameras", NULL, NULL, 200},
    {"/cameras/*", "GET", "/cameras/nope", NULL, NULL, 404},
    {"/cameras/*", "PUT", "/cameras/nope", "application/json", "{", 400},
    {"/cameras/*", "DELETE", "/cameras/nope", NULL, NULL, 404},
    {"/cameras/*/enable", "POST", "/cameras/nope/enable", NULL, NULL, 404},
    {"/cameras/*/disable", "POST", "/cameras/nope/disable", NULL, NULL, 404},
    {"/cameras/*/snapshot.jpg", "GET", "/cameras/nope/snapshot.jpg", NULL, NULL, 404},
    {"/cameras/*/events", "GET", "/cameras/nope/events", NULL, NULL, 404},
    {"/admin/fsck", "GET", "/admin/fsck?x=1", NULL, NULL, 400},
    {"/admin/backup", "POST", "/admin/backup", "application/json", "{\"dir\":\"rel\"}", 400},
    {"/jobs/prune", "POST", "/jobs/prune", "application/json", "{}", 400},
};

/* The credential columns of the matrix. */
enum { CRED_NONE, CRED_BAD, CRED_TOKEN0 };
#define CRED_COUNT (CRED_TOKEN0 + G_N_ELEMENTS(token_kinds))

static void
daemon_start(Daemon *d, const char *extra_conf)
{
	g_autoptr(GString) conf = g_string_new("[auth]\n");

	for (guint i = 0; i < G_N_ELEMENTS(token_kinds); i++) {
		g_autofree char *value = NULL;

		d->secrets[i] = sdag_token_secret_new();
		value = sdag_token_format_value(d->secrets[i], token_kinds[i].scope);
		g_string_append_printf(conf, "%s = %s\n", token_kinds[i].name, value);
	}
	d->bad = sdag_token_secret_new();
	if (extra_conf != NULL)
		g_string_append(conf, extra_conf);
	/* every log line there is (debug included), to look for secrets in */
	d->svc = sdag_test_svc_start(conf->str, "127.0.0.1:0", NULL);
	d->base = d->svc->base;
	d->conf = d->svc->conf;
	d->proc = d->svc->proc;
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

	err = sdag_test_svc_log(d->svc);
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
	g_clear_pointer(&d->svc, sdag_test_svc_free);
	g_clear_object(&d->session);
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

/* As request(), keeping the message for its headers; @headers: NULL-terminated name, value */
static SoupMessage *
request_msg(Daemon *d,
	    const char *method,
	    const char *path,
	    const char *const *headers,
	    SdagTestReply **reply)
{
	g_autofree char *url = g_strconcat(d->base, path, NULL);
	SoupMessage *msg = soup_message_new(method, url);

	for (guint i = 0; headers != NULL && headers[i] != NULL; i += 2)
		soup_message_headers_replace(
		    soup_message_get_request_headers(msg), headers[i], headers[i + 1]);
	*reply = sdag_test_http_msg(d->session, msg);
	return msg;
}

static const char *
reply_header(SoupMessage *msg, const char *name)
{
	return soup_message_headers_get_one(soup_message_get_response_headers(msg), name);
}

static const char *
secret_of(Daemon *d, const char *name)
{
	for (guint i = 0; i < G_N_ELEMENTS(token_kinds); i++) {
		if (g_strcmp0(token_kinds[i].name, name) == 0)
			return d->secrets[i];
	}
	g_assert_not_reached();
}

/* The audit rows, newest first, as the admin token reads them. */
static JsonArray *
history_rows(Daemon *d, const char *query, JsonNode **keep)
{
	g_autofree char *authz = g_strdup_printf("Bearer %s", secret_of(d, "root"));
	const char *headers[] = {"Authorization", authz, NULL};
	g_autofree char *path = g_strconcat("/history?limit=1000", query, NULL);
	g_autoptr(SdagTestReply) r = NULL;
	g_autoptr(SoupMessage) msg = request_msg(d, "GET", path, headers, &r);

	g_assert_cmpuint(r->status, ==, 200);
	*keep = json_node_ref(r->json);
	return json_object_get_array_member(json_node_get_object(*keep), "entries");
}

static double
metric_value(Daemon *d, const char *series)
{
	/* not the reader, whom the rate-limit case holds back */
	g_autofree char *authz = g_strdup_printf("Bearer %s", secret_of(d, "root"));
	const char *headers[] = {"Authorization", authz, NULL};
	g_autoptr(SdagTestReply) r = NULL;
	g_autoptr(SoupMessage) msg = request_msg(d, "GET", "/metrics", headers, &r);
	g_auto(GStrv) lines = g_strsplit(r->text, "\n", -1);

	for (guint i = 0; lines[i] != NULL; i++) {
		if (g_str_has_prefix(lines[i], series) && lines[i][strlen(series)] == ' ')
			return g_ascii_strtod(lines[i] + strlen(series) + 1, NULL);
	}
	g_error("no series %s", series);
	return 0;
}

/* No token: 401 with the challenge a client needs to know what to send. */
static void
auth_missing_challenge(void)
{
	g_autoptr(SdagTestReply) r = NULL;
	g_autoptr(SoupMessage) msg = request_msg(&shared, "GET", "/jobs", NULL, &r);

	sdag_test_assert_error(r, 401, "unauthorized");
	g_assert_cmpstr(reply_header(msg, "WWW-Authenticate"), ==, "Bearer realm=\"streamdag\"");
}

/* A token that matches none: RFC 6750's invalid_token. */
static void
auth_invalid_challenge(void)
{
	g_autofree char *authz = g_strdup_printf("Bearer %s", shared.bad);
	const char *headers[] = {"Authorization", authz, NULL};
	g_autoptr(SdagTestReply) r = NULL;
	g_autoptr(SoupMessage) msg = request_msg(&shared, "GET", "/jobs", headers, &r);

	sdag_test_assert_error(r, 401, "unauthorized");
	g_assert_cmpstr(reply_header(msg, "WWW-Authenticate"),
			==,
			"Bearer realm=\"streamdag\", error=\"invalid_token\"");
}

/* Credentials of another scheme are no token, not an absence of one. */
static void
auth_other_scheme(void)
{
	const char *headers[] = {"Authorization", "Basic cm9vdDpyb290", NULL};
	g_autoptr(SdagTestReply) r = NULL;
	g_autoptr(SoupMessage) msg = request_msg(&shared, "GET", "/healthz", headers, &r);

	sdag_test_assert_error(r, 401, "unauthorized");
}

/* The scheme's name is case-insensitive (RFC 9110); the secret is not. */
static void
auth_scheme_case(void)
{
	g_autofree char *lower = g_strdup_printf("bearer %s", secret_of(&shared, "reader"));
	g_autofree char *upper_secret = g_ascii_strup(secret_of(&shared, "reader"), -1);
	g_autofree char *wrong = g_strdup_printf("Bearer %s", upper_secret);
	const char *h1[] = {"Authorization", lower, NULL};
	const char *h2[] = {"Authorization", wrong, NULL};
	g_autoptr(SdagTestReply) r1 = NULL;
	g_autoptr(SdagTestReply) r2 = NULL;
	g_autoptr(SoupMessage) m1 = request_msg(&shared, "GET", "/jobs", h1, &r1);
	g_autoptr(SoupMessage) m2 = request_msg(&shared, "GET", "/jobs", h2, &r2);

	g_assert_cmpuint(r1->status, ==, 200);
	sdag_test_assert_error(r2, 401, "unauthorized");
}

/* 403 names the scope needed, in the body and in the challenge. */
static void
auth_scope_details(void)
{
	g_autofree char *authz = g_strdup_printf("Bearer %s", secret_of(&shared, "reader"));
	const char *headers[] = {"Authorization", authz, NULL};
	g_autoptr(SdagTestReply) r = NULL;
	g_autoptr(SoupMessage) msg = request_msg(&shared, "DELETE", "/jobs/x", headers, &r);
	JsonObject *err;

	sdag_test_assert_error(r, 403, "insufficient_scope");
	err = json_object_get_object_member(sdag_test_reply_object(r), "error");
	g_assert_cmpstr(json_object_get_string_member(json_object_get_object_member(err, "details"),
						      "scope_needed"),
			==,
			"jobs:write");
	g_assert_nonnull(strstr(json_object_get_string_member(err, "message"), "'reader'"));
	g_assert_cmpstr(
	    reply_header(msg, "WWW-Authenticate"),
	    ==,
	    "Bearer realm=\"streamdag\", error=\"insufficient_scope\", scope=\"jobs:write\"");
}

/* /healthz: liveness for anyone, the full body for read (or admin) only. */
static void
auth_healthz_bodies(void)
{
	const char *who[] = {NULL, "jobs", "reader", "root"};
	const gboolean full[] = {FALSE, FALSE, TRUE, TRUE};

	for (guint i = 0; i < G_N_ELEMENTS(who); i++) {
		g_autoptr(SdagTestReply) r =
		    request(&shared,
			    "GET",
			    "/healthz",
			    NULL,
			    NULL,
			    who[i] != NULL ? secret_of(&shared, who[i]) : NULL);
		JsonObject *o = sdag_test_reply_object(r);

		g_assert_cmpuint(r->status, ==, 200);
		g_assert_cmpstr(json_object_get_string_member(o, "status"), ==, "ok");
		g_assert_cmpint(json_object_has_member(o, "version"), ==, full[i]);
		g_assert_cmpint(json_object_has_member(o, "store"), ==, full[i]);
		if (!full[i])
			g_assert_cmpuint(json_object_get_size(o), ==, 1);
	}
}

/* A token in the query string is not read: it would land in access logs. */
static void
auth_not_in_query(void)
{
	g_autofree char *path =
	    g_strdup_printf("/jobs?access_token=%s", secret_of(&shared, "reader"));
	g_autoptr(SdagTestReply) r = request(&shared, "GET", path, NULL, NULL, NULL);

	sdag_test_assert_error(r, 401, "unauthorized");
}

/* The WebSocket's subprotocol carries a token on the events route only. */
static void
auth_websocket_protocol(void)
{
	g_autofree char *good =
	    g_strdup_printf("streamdag, bearer.%s", secret_of(&shared, "reader"));
	g_autofree char *bad = g_strdup_printf("streamdag, bearer.%s", shared.bad);
	g_autofree char *jobs = g_strdup_printf("streamdag, bearer.%s", secret_of(&shared, "jobs"));
	const char *h_good[] = {"Sec-WebSocket-Protocol", good, NULL};
	const char *h_bad[] = {"Sec-WebSocket-Protocol", bad, NULL};
	const char *h_jobs[] = {"Sec-WebSocket-Protocol", jobs, NULL};
	g_autoptr(SdagTestReply) r1 = NULL;
	g_autoptr(SdagTestReply) r2 = NULL;
	g_autoptr(SdagTestReply) r3 = NULL;
	g_autoptr(SdagTestReply) r4 = NULL;
	g_autoptr(SoupMessage) m1 = request_msg(&shared, "GET", "/jobs/nope/events", h_good, &r1);
	g_autoptr(SoupMessage) m2 = request_msg(&shared, "GET", "/jobs/nope/events", h_bad, &r2);
	g_autoptr(SoupMessage) m3 = request_msg(&shared, "GET", "/jobs/nope/events", h_jobs, &r3);
	g_autoptr(SoupMessage) m4 = request_msg(&shared, "GET", "/jobs/nope", h_good, &r4);

	/* past the token check: the job is what is missing */
	sdag_test_assert_error(r1, 404, "job_not_found");
	sdag_test_assert_error(r2, 401, "unauthorized");
	sdag_test_assert_error(r3, 403, "insufficient_scope");
	sdag_test_assert_error(r4, 401, "unauthorized");
}

/* A refused request with a body is answered before its body is read, and the connection
 * is closed rather than left with an unread body in it. */
static void
auth_refused_body_closes(void)
{
	g_autoptr(SdagTestReply) r = NULL;
	g_autoptr(SoupMessage) msg = NULL;
	g_autofree char *url = g_strconcat(shared.base, "/jobs", NULL);
	g_autoptr(GBytes) body = g_bytes_new_static("{}", 2);

	msg = soup_message_new("POST", url);
	soup_message_set_request_body_from_bytes(msg, "application/json", body);
	r = sdag_test_http_msg(shared.session, msg);
	sdag_test_assert_error(r, 401, "unauthorized");
	g_assert_cmpstr(reply_header(msg, "Connection"), ==, "close");
}

/* The token's name is the actor of what it did; the refused are audited with the client's
 * address and the reason, and never with the secret. */
static void
auth_audit_actor(void)
{
	g_autoptr(SdagTestReply) ok = request(
	    &shared, "POST", "/pipelines", "application/json", "{", secret_of(&shared, "pipes"));
	g_autoptr(SdagTestReply) refused =
	    request(&shared, "DELETE", "/pipelines/x", NULL, NULL, secret_of(&shared, "reader"));
	g_autoptr(JsonNode) keep1 = NULL;
	g_autoptr(JsonNode) keep2 = NULL;
	JsonArray *rows = history_rows(&shared, "&actor=pipes", &keep1);
	JsonObject *row;

	g_assert_cmpuint(ok->status, ==, 400);
	g_assert_cmpuint(refused->status, ==, 403);
	g_assert_cmpuint(json_array_get_length(rows), >=, 1);
	row = json_array_get_object_element(rows, 0);
	g_assert_cmpstr(json_object_get_string_member(row, "actor"), ==, "pipes");
	g_assert_false(json_object_has_member(row, "client"));
	rows = history_rows(&shared, "&actor=reader", &keep2);
	g_assert_cmpuint(json_array_get_length(rows), >=, 1);
	row = json_array_get_object_element(rows, 0);
	g_assert_cmpstr(json_object_get_string_member(row, "action"), ==, "pipeline.delete");
	g_assert_cmpint(json_object_get_int_member(json_object_get_object_member(row, "outcome"),
						   "http_status"),
			==,
			403);
	g_assert_cmpstr(
	    json_object_get_string_member(json_object_get_object_member(row, "outcome"), "error"),
	    ==,
	    "insufficient_scope");
	g_assert_cmpstr(json_object_get_string_member(row, "client"), ==, "127.0.0.1");
}

/* A flood of bad tokens: every one refused and counted, at most a burst of them audited,
 * and the rows written before are all still there. */
static void
auth_audit_limited(void)
{
	g_autoptr(JsonNode) keep_before = NULL;
	g_autoptr(JsonNode) keep_after = NULL;
	g_autoptr(JsonNode) keep_mine = NULL;
	JsonArray *before = history_rows(&shared, "", &keep_before);
	guint n_before = json_array_get_length(before);
	double dropped = metric_value(&shared, "streamdag_audit_refusals_dropped_total");
	double invalid =
	    metric_value(&shared, "streamdag_http_auth_refused_total{reason=\"invalid\"}");
	guint flood = 200;
	JsonArray *after;
	JsonArray *mine;

	for (guint i = 0; i < flood; i++) {
		g_autofree char *guess = sdag_token_secret_new();
		g_autoptr(SdagTestReply) r = request(&shared, "GET", "/jobs", NULL, NULL, guess);
		g_assert_cmpuint(r->status, ==, 401);
	}
	g_assert_cmpfloat(
	    metric_value(&shared, "streamdag_http_auth_refused_total{reason=\"invalid\"}"),
	    ==,
	    invalid + flood);
	/* the bucket holds 60; the flood takes a second or two at most, refilling a few */
	g_assert_cmpfloat(metric_value(&shared, "streamdag_audit_refusals_dropped_total"),
			  >=,
			  dropped + flood - 70);
	after = history_rows(&shared, "", &keep_after);
	g_assert_cmpuint(json_array_get_length(after), <=, n_before + 70);
	mine = history_rows(&shared, "&actor=invalid-token", &keep_mine);
	g_assert_cmpuint(json_array_get_length(mine), >=, 1);
	/* the rows before the flood, oldest kept as they were */
	for (guint i = 0; i < n_before; i++) {
		JsonObject *a = json_array_get_object_element(before, i);
		gboolean found = FALSE;
		for (guint j = 0; j < json_array_get_length(after) && !found; j++)
			found = json_object_get_int_member(json_array_get_object_element(after, j),
							   "seq") ==
				json_object_get_int_member(a, "seq");
		g_assert_true(found);
	}
}

/* [rest] rate_limit: a token over it gets 429 with Retry-After, another token does not,
 * and the first is let through again once the bucket refills. */
static void
auth_rate_limit(void)
{
	Daemon d = {0};
	const char *reader;
	guint got429 = 0;

	daemon_start(&d, "[rest]\nrate_limit=1\nrate_burst=3\n");
	reader = secret_of(&d, "reader");
	for (guint i = 0; i < 5; i++) {
		g_autofree char *authz = g_strdup_printf("Bearer %s", reader);
		const char *headers[] = {"Authorization", authz, NULL};
		g_autoptr(SdagTestReply) r = NULL;
		g_autoptr(SoupMessage) msg = request_msg(&d, "GET", "/jobs", headers, &r);

		if (r->status == 429) {
			sdag_test_assert_error(r, 429, "rate_limited");
			g_assert_cmpstr(reply_header(msg, "Retry-After"), ==, "1");
			got429++;
		} else {
			g_assert_cmpuint(r->status, ==, 200);
		}
	}
	/* 3 in the burst, maybe one more refilled while they ran */
	g_assert_cmpuint(got429, >=, 1);
	{
		g_autoptr(SdagTestReply) other =
		    request(&d, "GET", "/jobs", NULL, NULL, secret_of(&d, "root"));
		g_autoptr(SdagTestReply) again = NULL;

		g_assert_cmpuint(other->status, ==, 200);
		sdag_test_spin(1100);
		again = request(&d, "GET", "/jobs", NULL, NULL, reader);
		g_assert_cmpuint(again->status, ==, 200);
	}
	g_assert_cmpfloat(
	    metric_value(&d, "streamdag_http_auth_refused_total{reason=\"rate\"}"), ==, got429);
	daemon_assert_no_secret(&d);
	daemon_stop(&d);
}

/* SIGHUP: a token added works at once, one removed stops working, the others go on. */
static void
auth_reload(void)
{
	Daemon d = {0};
	g_autofree char *conf = NULL;
	g_autofree char *fresh = sdag_token_secret_new();
	g_autofree char *value = sdag_token_format_value(fresh, SDAG_SCOPE_READ);
	g_autoptr(GString) next = NULL;
	g_autoptr(GError) error = NULL;
	const char *old_jobs;

	daemon_start(&d, NULL);
	old_jobs = secret_of(&d, "jobs");
	g_assert_true(g_file_get_contents(d.conf, &conf, NULL, &error));
	next = g_string_new(conf);
	/* "jobs" goes, "fresh" comes */
	{
		g_autofree char *jobs_line = NULL;
		char *start = strstr(next->str, "\njobs = ");
		char *end = strchr(start + 1, '\n');
		g_string_erase(next, start - next->str, end - start);
	}
	g_string_append_printf(next, "fresh = %s\n", value);
	g_assert_true(g_file_set_contents(d.conf, next->str, -1, &error));
	g_subprocess_send_signal(d.proc, SIGHUP);
	for (guint i = 0; i < 100; i++) {
		g_autoptr(SdagTestReply) r = request(&d, "GET", "/jobs", NULL, NULL, fresh);
		if (r->status == 200)
			break;
		sdag_test_spin(50);
	}
	{
		g_autoptr(SdagTestReply) r1 = request(&d, "GET", "/jobs", NULL, NULL, fresh);
		g_autoptr(SdagTestReply) r2 =
		    request(&d, "POST", "/jobs/x/cancel", NULL, NULL, old_jobs);
		g_autoptr(SdagTestReply) r3 =
		    request(&d, "GET", "/jobs", NULL, NULL, secret_of(&d, "reader"));
		g_assert_cmpuint(r1->status, ==, 200);
		sdag_test_assert_error(r2, 401, "unauthorized");
		g_assert_cmpuint(r3->status, ==, 200);
	}
	daemon_assert_no_secret(&d);
	g_assert_null(strstr(conf, fresh));
	daemon_stop(&d);
}

/* openapi.json declares the bearer scheme, and each operation the scope of the route
 * table: as many operations as routes, the same scope for each. The dashboard's routes are
 * left out by name: they serve the page's files, which are no operation of the API a client
 * could call (docs/dashboard.md). */
static void
auth_openapi_scopes(void)
{
	g_autoptr(SdagTestReply) r = request(&shared, "GET", "/openapi.json", NULL, NULL, NULL);
	JsonObject *root = sdag_test_reply_object(r);
	JsonObject *paths = json_object_get_object_member(root, "paths");
	JsonObject *schemes = json_object_get_object_member(
	    json_object_get_object_member(root, "components"), "securitySchemes");
	const char *pattern;
	const char *method;
	SdagScope scope;
	guint routes = 0;
	guint operations = 0;
	guint dashboard = 0;
	GList *members = json_object_get_members(paths);

	g_assert_cmpstr(json_object_get_string_member(
			    json_object_get_object_member(schemes, "bearer"), "scheme"),
			==,
			"bearer");
	for (GList *l = members; l != NULL; l = l->next) {
		JsonObject *item = json_object_get_object_member(paths, l->data);
		const char *verbs[] = {"get", "put", "post", "delete", "patch", "head", "options"};
		for (guint i = 0; i < G_N_ELEMENTS(verbs); i++)
			operations += json_object_has_member(item, verbs[i]) ? 1 : 0;
	}
	g_list_free(members);
	for (; sdag_rest_get_route(routes, &pattern, &method, &scope); routes++) {
		g_autoptr(GString) path = g_string_new(pattern);
		g_autofree char *lower = g_ascii_strdown(method, -1);
		JsonObject *op;

		if (g_strcmp0(pattern, SDAG_UI_ROUTE_PAGE) == 0 ||
		    g_strcmp0(pattern, SDAG_UI_ROUTE_ASSET) == 0) {
			dashboard++;
			continue;
		}
		/* a camera is named, a pipeline or a job has an id */
		g_string_replace(
		    path, "*", g_str_has_prefix(pattern, "/cameras") ? "{name}" : "{id}", 0);
		op = json_object_get_object_member(json_object_get_object_member(paths, path->str),
						   lower);
		g_assert_nonnull(op);
		if (scope == SDAG_SCOPE_NONE)
			g_assert_true(json_object_get_null_member(op, "x-scope"));
		else
			g_assert_cmpstr(json_object_get_string_member(op, "x-scope"),
					==,
					sdag_scope_to_string(scope));
	}
	g_assert_cmpuint(dashboard, ==, 2);
	g_assert_cmpuint(routes - dashboard, ==, operations);
}

/* Sends @head (a request's lines, up to the empty line) over a plain socket and reads the
 * status of the answer: 0 when the daemon closes the connection without one. */
static guint
raw_status(Daemon *d, const char *head, gsize len)
{
	g_autoptr(GSocketClient) client = g_socket_client_new();
	g_autoptr(GSocketConnection) conn = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree char *host = g_strdup(strstr(d->base, "//") + 2);
	char buf[64] = {0};
	gsize got = 0;
	guint status = 0;

	g_socket_client_set_timeout(client, 10);
	conn = g_socket_client_connect_to_host(client, host, 0, NULL, &error);
	g_assert_no_error(error);
	/* a daemon that closes early makes the write fail: that is an answer too */
	g_output_stream_write_all(
	    g_io_stream_get_output_stream(G_IO_STREAM(conn)), head, len, NULL, NULL, NULL);
	g_input_stream_read_all(g_io_stream_get_input_stream(G_IO_STREAM(conn)),
				buf,
				sizeof(buf) - 1,
				&got,
				NULL,
				NULL);
	if (got >= 12 && g_str_has_prefix(buf, "HTTP/1.1 "))
		status = (guint)g_ascii_strtoull(buf + 9, NULL, 10);
	return status;
}

/* Hostile Authorization headers: each refused (or the connection dropped), never let in,
 * and the daemon serves the next client. */
static const struct {
	const char *name;
	const char *value; /* SECRET: a valid secret, PREFIX: its first 20 bytes; NULL: 300 KB */
	guint status;	   /* 0: the connection is dropped without an answer */
} hostile_headers[] = {
    {"empty-bearer", "Bearer", 401},
    {"bearer-spaces", "Bearer    ", 401},
    {"control-char", "Bearer sdag_\001x", 401},
    {"backslash-zero", "Bearer SECRET\\0", 401},
    {"prefix-of-valid", "Bearer PREFIX", 401},
    {"valid-plus-junk", "Bearer SECRETx", 401},
    {"two-secrets", "Bearer SECRET SECRET", 401},
    {"token-scheme", "Token SECRET", 401},
    {"huge", NULL, 0},
};

static void
auth_hostile_header(gconstpointer data)
{
	guint i = GPOINTER_TO_UINT(data);
	const char *secret = secret_of(&shared, "root");
	g_autoptr(GString) req =
	    g_string_new("GET /jobs HTTP/1.1\r\nHost: x\r\nConnection: close\r\n");
	guint status;

	if (hostile_headers[i].value == NULL) {
		g_string_append(req, "Authorization: Bearer ");
		for (guint k = 0; k < 300000; k++)
			g_string_append_c(req, 'a');
		g_string_append(req, "\r\n");
	} else {
		g_autoptr(GString) v = g_string_new(hostile_headers[i].value);
		g_autofree char *prefix = g_strndup(secret, 20);

		g_string_replace(v, "SECRET", secret, 0);
		g_string_replace(v, "PREFIX", prefix, 0);
		g_string_append_printf(req, "Authorization: %s\r\n", v->str);
	}
	g_string_append(req, "\r\n");
	status = raw_status(&shared, req->str, req->len);
	if (hostile_headers[i].status == 0)
		g_assert_true(status == 0 || (status >= 400 && status != 401 && status < 500));
	else
		g_assert_cmpuint(status, ==, hostile_headers[i].status);
	{
		g_autoptr(SdagTestReply) r = request(&shared, "GET", "/jobs", NULL, NULL, secret);
		g_assert_cmpuint(r->status, ==, 200);
	}
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
	g_test_add_func("/auth/missing-challenge", auth_missing_challenge);
	g_test_add_func("/auth/invalid-challenge", auth_invalid_challenge);
	g_test_add_func("/auth/other-scheme", auth_other_scheme);
	g_test_add_func("/auth/scheme-case", auth_scheme_case);
	g_test_add_func("/auth/scope-details", auth_scope_details);
	g_test_add_func("/auth/healthz-bodies", auth_healthz_bodies);
	g_test_add_func("/auth/not-in-query", auth_not_in_query);
	g_test_add_func("/auth/websocket-protocol", auth_websocket_protocol);
	g_test_add_func("/auth/refused-body-closes", auth_refused_body_closes);
	g_test_add_func("/auth/audit-actor", auth_audit_actor);
	g_test_add_func("/auth/audit-limited", auth_audit_limited);
	g_test_add_func("/auth/openapi-scopes", auth_openapi_scopes);
	for (guint i = 0; i < G_N_ELEMENTS(hostile_headers); i++) {
		g_autofree char *path =
		    g_strdup_printf("/auth/hostile-header/%s", hostile_headers[i].name);
		g_test_add_data_func(path, GUINT_TO_POINTER(i), auth_hostile_header);
	}
	g_test_add_func("/auth/rate-limit", auth_rate_limit);
	g_test_add_func("/auth/reload", auth_reload);
	rc = g_test_run();
	daemon_assert_no_secret(&shared);
	daemon_stop(&shared);
	return rc;
}
