/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Why one file over 800 lines: the route table and its handlers are one unit: each
 * handler is a few lines of parsing and one call to a service, and the table that
 * names them must sit with them so a route cannot be added in one place
 * only. The listener (sdag-listener.c) and the services (sdag-rest.h) are apart.
 */
#define G_LOG_DOMAIN "sdag-rest"

#include "config.h"

#include "sdag-rest.h"

#include <libsoup/soup.h>
#include <string.h>

#include "sdag-auth.h"
#include "sdag-camera.h"
#include "sdag-dag.h"
#include "sdag-error.h"
#include "sdag-json.h"
#include "sdag-query.h"
#include "sdag-redact.h"
#include "sdag-listener.h"
#include "sdag-rest-private.h"
#include "sdag-tls.h"
#include "sdag-ui.h"
#include "sdag-ws.h"

/*
 * The REST API. One handler is registered for "/", and requests are routed
 * through sdag_rest_routes so that a known path with the wrong method gets
 * 405 with an Allow header rather than 404. Every answer is JSON; every error
 * goes through sdag_rest_reply_error so its shape and status come from the
 * one table in sdag-error.c.
 *
 * Every request that reaches the handlers is counted and timed by route
 * pattern (sdag_rest_finished_cb, on request-finished); every request to a
 * mutating method leaves one audit row there, answered or refused.
 */

void
sdag_rest_reply_json(SoupServerMessage *msg, guint status, JsonNode *node)
{
	g_autofree char *text = sdag_json_to_string(node);
	gsize len = strlen(text);

	soup_server_message_set_status(msg, status, NULL);
	soup_server_message_set_response(
	    msg, "application/json", SOUP_MEMORY_TAKE, g_steal_pointer(&text), len);
}

void
sdag_rest_reply_bytes(SoupServerMessage *msg, guint status, const char *ctype, GBytes *blob)
{
	gsize len = 0;
	const char *data = g_bytes_get_data(blob, &len);

	soup_server_message_set_status(msg, status, NULL);
	soup_server_message_set_response(msg, ctype, SOUP_MEMORY_COPY, data, len);
}

/* @code overrides the string of error->code when non-NULL; @details is taken */
static void
sdag_rest_reply_error_full(SoupServerMessage *msg,
			   const GError *error,
			   const char *code,
			   JsonNode *details)
{
	SdagError ecode = error->domain == SDAG_ERROR ? (SdagError)error->code
						      : SDAG_ERROR_INTERNAL;
	/* a message may quote what the client sent: a URL with its password, a path that
	 * is not UTF-8 */
	g_autofree char *redacted = sdag_redact_text(error->message);
	g_autofree char *message = sdag_json_make_valid(redacted);
	g_autoptr(JsonNode) body = sdag_json_error_new(
	    code != NULL ? code : sdag_error_code_to_string(ecode), message, details);
	guint status = sdag_error_code_to_http_status(ecode);

	/* for the audit trail */
	g_object_set_data_full(G_OBJECT(msg),
			       "sdag-error-code",
			       g_strdup(code != NULL ? code : sdag_error_code_to_string(ecode)),
			       g_free);

	if (status >= 500)
		g_warning("%s %s: %s",
			  soup_server_message_get_method(msg),
			  g_uri_get_path(soup_server_message_get_uri(msg)),
			  message);
	sdag_rest_reply_json(msg, status, body);
}

void
sdag_rest_reply_error(SoupServerMessage *msg, const GError *error)
{
	sdag_rest_reply_error_full(msg, error, NULL, NULL);
}

void
sdag_rest_reply_new_error(SoupServerMessage *msg, SdagError code, const char *fmt, ...)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *message = NULL;
	va_list args;

	va_start(args, fmt);
	message = g_strdup_vprintf(fmt, args);
	va_end(args);
	error = g_error_new_literal(SDAG_ERROR, code, message);
	sdag_rest_reply_error(msg, error);
}

static gboolean
sdag_rest_query_bool(SoupServerMessage *msg, GHashTable *query, const char *name, gboolean *value)
{
	const char *v = query != NULL ? g_hash_table_lookup(query, name) : NULL;

	*value = FALSE;
	if (v == NULL || g_strcmp0(v, "false") == 0 || g_strcmp0(v, "0") == 0)
		return TRUE;
	if (g_strcmp0(v, "true") == 0 || g_strcmp0(v, "1") == 0 || v[0] == '\0') {
		*value = TRUE;
		return TRUE;
	}
	sdag_rest_reply_new_error(msg,
				  SDAG_ERROR_BAD_REQUEST,
				  "query parameter '%s' must be true or false, not '%s'",
				  name,
				  v);
	return FALSE;
}

/* Parses the request body as JSON, answering the error itself on failure. */
JsonNode *
sdag_rest_read_json(SoupServerMessage *msg)
{
	SoupMessageHeaders *hdrs = soup_server_message_get_request_headers(msg);
	SoupMessageBody *body = soup_server_message_get_request_body(msg);
	const char *ctype = soup_message_headers_get_content_type(hdrs, NULL);
	g_autoptr(GBytes) blob = NULL;
	g_autoptr(GError) error = NULL;
	JsonNode *node;
	gsize len = 0;
	const char *data;

	if (g_strcmp0(ctype, "application/json") != 0) {
		sdag_rest_reply_new_error(msg,
					  SDAG_ERROR_UNSUPPORTED_MEDIA_TYPE,
					  "expected Content-Type application/json, got %s",
					  ctype != NULL ? ctype : "none");
		return NULL;
	}
	blob = soup_message_body_flatten(body);
	data = g_bytes_get_data(blob, &len);
	node = sdag_json_parse(data, len, &error);
	if (node == NULL) {
		g_prefix_error_literal(&error, "request body is not JSON: ");
		sdag_rest_reply_error(msg, error);
		return NULL;
	}
	return node;
}

/* "storage": whether the store takes writes; "full" since when, in UTC */
static void
sdag_rest_healthz(SdagRest *self, SoupServerMessage *msg, const char *arg, GHashTable *query)
{
	g_autoptr(JsonNode) root = self->svc.health(self->svc.health_data);
	SdagScope scopes = GPOINTER_TO_UINT(g_object_get_data(G_OBJECT(msg), "sdag-scopes"));

	/* liveness for anyone (a load balancer, systemd's neighbours); the rest, which names
	 * paths, versions and plugins, for a token that may read */
	if (!sdag_scopes_allow(scopes, SDAG_SCOPE_READ)) {
		g_autoptr(JsonObject) brief = json_object_new();
		g_autoptr(JsonNode) node = json_node_new(JSON_NODE_OBJECT);

		json_object_set_string_member(
		    brief,
		    "status",
		    json_object_get_string_member(json_node_get_object(root), "status"));
		json_node_set_object(node, brief);
		sdag_rest_reply_json(msg, SOUP_STATUS_OK, node);
		return;
	}
	sdag_rest_reply_json(msg, SOUP_STATUS_OK, root);
}

static void
sdag_rest_openapi(SdagRest *self, SoupServerMessage *msg, const char *arg, GHashTable *query)
{
	g_autoptr(GBytes) blob = g_resources_lookup_data(
	    "/org/streamdag/openapi.json", G_RESOURCE_LOOKUP_FLAGS_NONE, NULL);
	/* linked into the binary: cannot be missing */
	g_assert(blob != NULL);
	sdag_rest_reply_bytes(msg, SOUP_STATUS_OK, "application/json", blob);
}

/* GET / and GET /ui/{file}: the dashboard, public as the published spec is (it holds no
 * data; the page calls the API with the operator's token). Query parameters are ignored: the
 * page routes on the URL's fragment, which the browser never sends. */
static void
sdag_rest_ui(SdagRest *self, SoupServerMessage *msg, const char *arg, GHashTable *query)
{
	g_autoptr(GError) error = NULL;
	const char *content_type = NULL;
	g_autoptr(GBytes) blob = sdag_ui_lookup(arg, &content_type, &error);

	if (blob == NULL) {
		sdag_rest_reply_error(msg, error);
		return;
	}
	sdag_ui_set_headers(soup_server_message_get_response_headers(msg));
	sdag_rest_reply_bytes(msg, SOUP_STATUS_OK, content_type, blob);
}

static void
sdag_rest_node_types(SdagRest *self, SoupServerMessage *msg, const char *arg, GHashTable *query)
{
	g_autoptr(GPtrArray) types = sdag_node_types_list(self->svc.types);
	g_autoptr(JsonObject) obj = json_object_new();
	g_autoptr(JsonNode) root = json_node_new(JSON_NODE_OBJECT);
	JsonArray *arr = json_array_new();

	for (guint i = 0; i < types->len; i++)
		json_array_add_element(arr, sdag_node_desc_to_json(g_ptr_array_index(types, i)));
	json_object_set_array_member(obj, "node_types", arr);
	json_node_set_object(root, obj);
	sdag_rest_reply_json(msg, SOUP_STATUS_OK, root);
}

static void
sdag_rest_pipelines_post(SdagRest *self, SoupServerMessage *msg, const char *arg, GHashTable *query)
{
	g_autoptr(JsonNode) definition = NULL;
	g_autoptr(JsonNode) answer = NULL;
	g_autoptr(GPtrArray) problems = sdag_dag_problems_new();
	g_autoptr(GError) error = NULL;
	SdagRegisterOutcome outcome = SDAG_REGISTER_VALID;
	gboolean dry_run = FALSE;

	if (!sdag_rest_query_bool(msg, query, "dry_run", &dry_run))
		return;
	definition = sdag_rest_read_json(msg);
	if (definition == NULL)
		return;
	answer = sdag_registry_register(
	    self->svc.registry, definition, dry_run, &outcome, problems, &error);
	if (answer == NULL) {
		if (problems->len > 0) {
			SdagDagProblem *first = g_ptr_array_index(problems, 0);
			g_autofree char *message = g_strdup_printf("%s (%u problem%s in all)",
								   first->message,
								   problems->len,
								   problems->len == 1 ? "" : "s");
			g_autoptr(GError) invalid =
			    g_error_new_literal(SDAG_ERROR, SDAG_ERROR_INVALID_PIPELINE, message);
			sdag_rest_reply_error_full(
			    msg, invalid, first->code, sdag_dag_problems_to_json(problems));
			return;
		}
		sdag_rest_reply_error(msg, error);
		return;
	}
	sdag_rest_reply_json(
	    msg, outcome == SDAG_REGISTER_CREATED ? SOUP_STATUS_CREATED : SOUP_STATUS_OK, answer);
}

static void
sdag_rest_pipelines_list(SdagRest *self, SoupServerMessage *msg, const char *arg, GHashTable *query)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonNode) list = sdag_registry_list(self->svc.registry, &error);

	if (list == NULL) {
		sdag_rest_reply_error(msg, error);
		return;
	}
	sdag_rest_reply_json(msg, SOUP_STATUS_OK, list);
}

static void
sdag_rest_pipeline_get(SdagRest *self, SoupServerMessage *msg, const char *arg, GHashTable *query)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) record = sdag_registry_get(self->svc.registry, arg, &error);

	if (record == NULL) {
		sdag_rest_reply_error(msg, error);
		return;
	}
	sdag_rest_reply_bytes(msg, SOUP_STATUS_OK, "application/json", record);
}

static void
sdag_rest_pipeline_delete(SdagRest *self,
			  SoupServerMessage *msg,
			  const char *arg,
			  GHashTable *query)
{
	g_autoptr(GError) error = NULL;

	if (!sdag_registry_delete(self->svc.registry, arg, &error)) {
		sdag_rest_reply_error(msg, error);
		return;
	}
	soup_server_message_set_status(msg, SOUP_STATUS_NO_CONTENT, NULL);
}

/*
 * Reads an unsigned integer query parameter, answering 400 itself when it is malformed.
 *
 * The raw query is read, not libsoup's table of it: that table leaves out a parameter with
 * no '=' ("?limit"), and holds "1%00" as "1", its value cut at the decoded NUL; both must be
 * refused rather than read as absent or as 1. As in that table, the last one of a repeated
 * parameter counts.
 */
static gboolean
sdag_rest_query_uint(SoupServerMessage *msg,
		     GHashTable *query,
		     const char *name,
		     guint64 min,
		     guint64 max,
		     guint64 *value)
{
	const char *raw = g_uri_get_query(soup_server_message_get_uri(msg));
	g_auto(GStrv) pairs = NULL;
	g_autofree char *v = NULL;
	gboolean found = FALSE;

	if (raw == NULL)
		return TRUE;
	pairs = g_strsplit(raw, "&", -1);
	for (guint i = 0; pairs[i] != NULL; i++) {
		const char *eq = strchr(pairs[i], '=');
		g_autofree char *key = g_uri_unescape_segment(pairs[i], eq, NULL);

		if (g_strcmp0(key, name) != 0)
			continue;
		found = TRUE;
		g_clear_pointer(&v, g_free);
		/* NULL for no '=', and for an escape that is not one or decodes to NUL */
		v = eq != NULL ? g_uri_unescape_string(eq + 1, NULL) : NULL;
	}
	if (!found)
		return TRUE;
	if (v == NULL || !g_utf8_validate(v, -1, NULL)) {
		sdag_rest_reply_new_error(
		    msg,
		    SDAG_ERROR_BAD_REQUEST,
		    "query parameter '%s' must be an integer from %" G_GUINT64_FORMAT
		    " to %" G_GUINT64_FORMAT ": it has no value, or a bad one",
		    name,
		    min,
		    max);
		return FALSE;
	}
	if (!g_ascii_string_to_unsigned(v, 10, min, max, value, NULL)) {
		sdag_rest_reply_new_error(
		    msg,
		    SDAG_ERROR_BAD_REQUEST,
		    "query parameter '%s' must be an integer from %" G_GUINT64_FORMAT
		    " to %" G_GUINT64_FORMAT ", not '%s'",
		    name,
		    min,
		    max,
		    v);
		return FALSE;
	}
	return TRUE;
}

/*
 * Answers 400 itself when the query holds a parameter not in @known. The raw query is read,
 * not libsoup's table of it, which leaves out a parameter with no '=' ("?state"): that one
 * would otherwise be ignored, not refused.
 */
static gboolean
sdag_rest_query_known(SoupServerMessage *msg, GHashTable *query, const char *const *known)
{
	const char *raw = g_uri_get_query(soup_server_message_get_uri(msg));
	g_auto(GStrv) pairs = NULL;

	if (raw == NULL)
		return TRUE;
	pairs = g_strsplit(raw, "&", -1);
	for (guint i = 0; pairs[i] != NULL; i++) {
		const char *eq = strchr(pairs[i], '=');
		/* NULL for an escape that is not one or decodes to NUL */
		g_autofree char *key = g_uri_unescape_segment(pairs[i], eq, NULL);
		g_autofree char *list = NULL;

		if (pairs[i][0] == '\0' || (key != NULL && g_strv_contains(known, key)))
			continue;
		list = g_strjoinv(", ", (char **)known);
		sdag_rest_reply_new_error(msg,
					  SDAG_ERROR_BAD_REQUEST,
					  "unknown query parameter '%s' (known: %s)",
					  key != NULL ? key : pairs[i],
					  list);
		return FALSE;
	}
	return TRUE;
}

/* since, until, order and cursor, shared by the list routes; answers 400 itself */
static gboolean
sdag_rest_query_filter(SoupServerMessage *msg,
		       GHashTable *query,
		       gint64 *since_us,
		       gint64 *until_us,
		       gboolean *ascending,
		       const char **cursor)
{
	g_autoptr(GError) error = NULL;
	const char *since = query != NULL ? g_hash_table_lookup(query, "since") : NULL;
	const char *until = query != NULL ? g_hash_table_lookup(query, "until") : NULL;
	const char *order = query != NULL ? g_hash_table_lookup(query, "order") : NULL;

	*since_us = SDAG_QUERY_NO_TIME;
	*until_us = SDAG_QUERY_NO_TIME;
	*ascending = FALSE;
	*cursor = query != NULL ? g_hash_table_lookup(query, "cursor") : NULL;
	if ((since != NULL && !sdag_query_time_parse("since", since, since_us, &error)) ||
	    (until != NULL && !sdag_query_time_parse("until", until, until_us, &error))) {
		sdag_rest_reply_error(msg, error);
		return FALSE;
	}
	if (since != NULL && until != NULL && *since_us >= *until_us) {
		sdag_rest_reply_new_error(
		    msg, SDAG_ERROR_BAD_TIME, "since (%s) must be before until (%s)", since, until);
		return FALSE;
	}
	if (order != NULL && g_strcmp0(order, "asc") != 0 && g_strcmp0(order, "desc") != 0) {
		sdag_rest_reply_new_error(
		    msg, SDAG_ERROR_BAD_REQUEST, "order must be asc or desc, not '%s'", order);
		return FALSE;
	}
	*ascending = g_strcmp0(order, "asc") == 0;
	return TRUE;
}

static void
sdag_rest_jobs_post(SdagRest *self, SoupServerMessage *msg, const char *arg, GHashTable *query)
{
	g_autoptr(JsonNode) body = sdag_rest_read_json(msg);
	g_autoptr(JsonNode) answer = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree char *location = NULL;

	if (body == NULL)
		return;
	answer = sdag_jobs_submit(self->svc.jobs, body, &error);
	if (answer == NULL) {
		sdag_rest_reply_error(msg, error);
		return;
	}
	location = g_strdup_printf(
	    "/jobs/%s", json_object_get_string_member(json_node_get_object(answer), "job_id"));
	soup_message_headers_replace(
	    soup_server_message_get_response_headers(msg), "Location", location);
	sdag_rest_reply_json(msg, SOUP_STATUS_ACCEPTED, answer);
}

/*
 * POST /jobs/batch: up to [jobs] max_batch job requests, checked together and written in one
 * synced write, in body order. Runs on the main loop as POST /jobs does: the checks read the
 * registry (cached by RocksDB) and the write is one fsync, so 1000 jobs hold the loop once,
 * for about 80 ms on a 2-core box (tests/sdag-batch-test.c prints it), where 1000 POST /jobs
 * would take 1000 fsyncs.
 */
static void
sdag_rest_jobs_batch(SdagRest *self, SoupServerMessage *msg, const char *arg, GHashTable *query)
{
	g_autoptr(JsonNode) body = sdag_rest_read_json(msg);
	g_autoptr(JsonNode) answer = NULL;
	g_autoptr(JsonNode) problems = NULL;
	g_autoptr(GError) error = NULL;

	if (body == NULL)
		return;
	answer = sdag_jobs_submit_batch(self->svc.jobs, body, &problems, &error);
	if (answer == NULL) {
		sdag_rest_reply_error_full(msg, error, NULL, g_steal_pointer(&problems));
		return;
	}
	sdag_rest_reply_json(msg, SOUP_STATUS_ACCEPTED, answer);
}

static void
sdag_rest_jobs_list(SdagRest *self, SoupServerMessage *msg, const char *arg, GHashTable *query)
{
	g_autoptr(GBytes) answer = NULL;
	g_autoptr(GError) error = NULL;
	guint64 limit = SDAG_JOBS_LIST_DEFAULT;
	const char *const known[] = {"limit",
				     "cursor",
				     "pipeline_id",
				     "status",
				     "since",
				     "until",
				     "source",
				     "camera",
				     "order",
				     NULL};
	SdagJobsFilter filter = {.status = -1};
	const char *status = query != NULL ? g_hash_table_lookup(query, "status") : NULL;

	/* a filter this version does not have must not quietly return everything */
	if (!sdag_rest_query_known(msg, query, known) ||
	    !sdag_rest_query_uint(msg, query, "limit", 1, SDAG_JOBS_LIST_MAX, &limit) ||
	    !sdag_rest_query_filter(
		msg, query, &filter.since_us, &filter.until_us, &filter.ascending, &filter.cursor))
		return;
	filter.limit = (guint)limit;
	filter.pipeline_id = query != NULL ? g_hash_table_lookup(query, "pipeline_id") : NULL;
	filter.source = query != NULL ? g_hash_table_lookup(query, "source") : NULL;
	filter.camera = query != NULL ? g_hash_table_lookup(query, "camera") : NULL;
	if (filter.camera != NULL && !sdag_camera_check_name(filter.camera, &error)) {
		sdag_rest_reply_error(msg, error);
		return;
	}
	if (status != NULL) {
		SdagJobStatus st;
		if (!sdag_job_status_from_string(status, &st)) {
			sdag_rest_reply_new_error(
			    msg,
			    SDAG_ERROR_BAD_STATUS,
			    "status must be one of queued, running, completed, "
			    "failed, cancelled, not '%s'",
			    status);
			return;
		}
		filter.status = (gint)st;
	}
	if (filter.pipeline_id != NULL && !sdag_dag_is_valid_id(filter.pipeline_id)) {
		sdag_rest_reply_new_error(msg,
					  SDAG_ERROR_BAD_REQUEST,
					  "pipeline_id must be 1-64 of [A-Za-z0-9_.-], not '%s'",
					  filter.pipeline_id);
		return;
	}
	if (filter.source != NULL && filter.source[0] == '\0') {
		sdag_rest_reply_new_error(
		    msg, SDAG_ERROR_BAD_REQUEST, "source must not be empty: leave it out instead");
		return;
	}
	answer = sdag_jobs_query_text(self->svc.jobs, &filter, &error);
	if (answer == NULL) {
		sdag_rest_reply_error(msg, error);
		return;
	}
	sdag_rest_reply_bytes(msg, SOUP_STATUS_OK, "application/json", answer);
}

static void
sdag_rest_job_get(SdagRest *self, SoupServerMessage *msg, const char *arg, GHashTable *query)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) job = sdag_jobs_get_text(self->svc.jobs, arg, &error);

	if (job == NULL) {
		sdag_rest_reply_error(msg, error);
		return;
	}
	sdag_rest_reply_bytes(msg, SOUP_STATUS_OK, "application/json", job);
}

static void
sdag_rest_job_delete(SdagRest *self, SoupServerMessage *msg, const char *arg, GHashTable *query)
{
	g_autoptr(GError) error = NULL;

	if (!sdag_jobs_delete(self->svc.jobs, arg, &error)) {
		sdag_rest_reply_error(msg, error);
		return;
	}
	soup_server_message_set_status(msg, SOUP_STATUS_NO_CONTENT, NULL);
}

static void
sdag_rest_job_cancelled_cb(JsonNode *job, const GError *error, gpointer user_data)
{
	g_autoptr(SoupServerMessage) msg = user_data;

	if (job != NULL)
		sdag_rest_reply_json(msg, SOUP_STATUS_OK, job);
	else
		sdag_rest_reply_error(msg, error);
	soup_server_message_unpause(msg);
}

/* The answer waits, without blocking the loop, until the job has stopped. */
static void
sdag_rest_job_cancel(SdagRest *self, SoupServerMessage *msg, const char *arg, GHashTable *query)
{
	g_autoptr(GError) error = NULL;

	soup_server_message_pause(msg);
	if (!sdag_jobs_cancel(
		self->svc.jobs, arg, sdag_rest_job_cancelled_cb, g_object_ref(msg), &error)) {
		g_object_unref(msg);
		sdag_rest_reply_error(msg, error);
		soup_server_message_unpause(msg);
	}
}

static void
sdag_rest_job_results(SdagRest *self, SoupServerMessage *msg, const char *arg, GHashTable *query)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonNode) answer = sdag_jobs_get_results(self->svc.jobs, arg, &error);

	if (answer == NULL) {
		sdag_rest_reply_error(msg, error);
		return;
	}
	sdag_rest_reply_json(msg, SOUP_STATUS_OK, answer);
}

static void
sdag_rest_job_frames(SdagRest *self, SoupServerMessage *msg, const char *arg, GHashTable *query)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonNode) answer = NULL;
	guint64 from = 0;
	guint64 limit = SDAG_JOBS_FRAMES_DEFAULT;

	const char *const known[] = {"from", "limit", NULL};

	if (!sdag_rest_query_known(msg, query, known) ||
	    !sdag_rest_query_uint(msg, query, "from", 0, G_MAXINT64, &from) ||
	    !sdag_rest_query_uint(msg, query, "limit", 1, SDAG_JOBS_FRAMES_MAX, &limit))
		return;
	answer = sdag_jobs_get_frames(self->svc.jobs, arg, from, (guint)limit, &error);
	if (answer == NULL) {
		sdag_rest_reply_error(msg, error);
		return;
	}
	sdag_rest_reply_json(msg, SOUP_STATUS_OK, answer);
}

static void
sdag_rest_job_snapshot(SdagRest *self, SoupServerMessage *msg, const char *arg, GHashTable *query)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) jpeg = sdag_jobs_dup_snapshot(self->svc.jobs, arg, &error);

	if (jpeg == NULL) {
		sdag_rest_reply_error(msg, error);
		return;
	}
	/* replaced every few frames while the job runs */
	soup_message_headers_replace(
	    soup_server_message_get_response_headers(msg), "Cache-Control", "no-store");
	sdag_rest_reply_bytes(msg, SOUP_STATUS_OK, "image/jpeg", jpeg);
}

/* The answer of work done off the main loop (POST /pipelines/{id}/run, the admin routes),
 * for a message paused until then: @user_data holds a reference to it. */
void
sdag_rest_answer_paused(JsonNode *result, const GError *error, gpointer user_data)
{
	g_autoptr(SoupServerMessage) msg = user_data;

	if (result != NULL)
		sdag_rest_reply_json(msg, SOUP_STATUS_OK, result);
	else
		sdag_rest_reply_error(msg, error);
	soup_server_message_unpause(msg);
}

/* The answer waits, without blocking the loop, for the run in a worker thread. */
static void
sdag_rest_pipeline_run(SdagRest *self, SoupServerMessage *msg, const char *arg, GHashTable *query)
{
	SoupMessageHeaders *hdrs = soup_server_message_get_request_headers(msg);
	const char *ctype = soup_message_headers_get_content_type(hdrs, NULL);
	g_autoptr(GBytes) body =
	    soup_message_body_flatten(soup_server_message_get_request_body(msg));
	g_autoptr(GError) error = NULL;

	soup_server_message_pause(msg);
	if (!self->svc.run_image(self->svc.run_image_data,
				 arg,
				 ctype,
				 body,
				 sdag_rest_answer_paused,
				 g_object_ref(msg),
				 &error)) {
		g_object_unref(msg);
		sdag_rest_reply_error(msg, error);
		soup_server_message_unpause(msg);
	}
}

static void
sdag_rest_job_metrics(SdagRest *self, SoupServerMessage *msg, const char *arg, GHashTable *query)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonNode) answer = NULL;
	const char *const known[] = {NULL};

	if (!sdag_rest_query_known(msg, query, known))
		return;
	answer = sdag_metrics_get_job(self->svc.metrics, arg, &error);
	if (answer == NULL) {
		sdag_rest_reply_error(msg, error);
		return;
	}
	sdag_rest_reply_json(msg, SOUP_STATUS_OK, answer);
}

static void
sdag_rest_pipeline_stats(SdagRest *self, SoupServerMessage *msg, const char *arg, GHashTable *query)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonNode) answer = NULL;
	g_autoptr(GBytes) record = NULL;
	const char *const known[] = {"since", "until", NULL};
	gint64 since = SDAG_QUERY_NO_TIME;
	gint64 until = SDAG_QUERY_NO_TIME;
	gboolean asc;
	const char *cursor;

	if (!sdag_rest_query_known(msg, query, known) ||
	    !sdag_rest_query_filter(msg, query, &since, &until, &asc, &cursor))
		return;
	answer = sdag_stats_query(self->svc.stats, arg, since, until, &error);
	if (answer == NULL) {
		sdag_rest_reply_error(msg, error);
		return;
	}
	/* a pipeline deleted since keeps its past runs */
	record = sdag_registry_get(self->svc.registry, arg, &error);
	if (record == NULL && json_object_get_int_member(json_object_get_object_member(
							     json_node_get_object(answer), "runs"),
							 "total") == 0) {
		if (g_error_matches(error, SDAG_ERROR, SDAG_ERROR_NOT_FOUND))
			sdag_rest_reply_new_error(
			    msg, SDAG_ERROR_PIPELINE_NOT_FOUND, "no pipeline '%s'", arg);
		else
			sdag_rest_reply_error(msg, error);
		return;
	}
	sdag_rest_reply_json(msg, SOUP_STATUS_OK, answer);
}

static void
sdag_rest_history(SdagRest *self, SoupServerMessage *msg, const char *arg, GHashTable *query)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonNode) answer = NULL;
	const char *const known[] = {
	    "since", "until", "actor", "action", "limit", "cursor", "order", NULL};
	SdagHistoryFilter filter = {0};
	guint64 limit = SDAG_HISTORY_LIST_DEFAULT;

	if (!sdag_rest_query_known(msg, query, known) ||
	    !sdag_rest_query_uint(msg, query, "limit", 1, SDAG_HISTORY_LIST_MAX, &limit) ||
	    !sdag_rest_query_filter(
		msg, query, &filter.since_us, &filter.until_us, &filter.ascending, &filter.cursor))
		return;
	filter.limit = (guint)limit;
	filter.actor = query != NULL ? g_hash_table_lookup(query, "actor") : NULL;
	filter.action = query != NULL ? g_hash_table_lookup(query, "action") : NULL;
	answer = sdag_history_query(self->svc.history, &filter, &error);
	if (answer == NULL) {
		sdag_rest_reply_error(msg, error);
		return;
	}
	sdag_rest_reply_json(msg, SOUP_STATUS_OK, answer);
}

static void
sdag_rest_prometheus(SdagRest *self, SoupServerMessage *msg, const char *arg, GHashTable *query)
{
	char *text = sdag_prom_render(self->svc.prom);

	soup_server_message_set_status(msg, SOUP_STATUS_OK, NULL);
	soup_server_message_set_response(
	    msg, "text/plain; version=0.0.4", SOUP_MEMORY_TAKE, text, strlen(text));
}

/* GET /jobs/{id}/events: the WebSocket upgrade is the ws module's (sdag-ws.c) */
static void
sdag_rest_job_events(SdagRest *self, SoupServerMessage *msg, const char *arg, GHashTable *query)
{
	g_autoptr(GError) error = NULL;

	if (!sdag_ws_accept(self->svc.ws,
			    msg,
			    sdag_listener_get_socket(self->listener, msg),
			    sdag_listener_is_tls(self->listener),
			    arg,
			    NULL,
			    &error))
		sdag_rest_reply_error(msg, error);
}

/*
 * Every route, with the scope a token needs for it: the one place that says so (openapi.json
 * repeats it for clients, and a test holds the two together). GET /healthz is public, with
 * its full body for `read` only; GET /openapi.json is public, as the published spec is.
 */
static const SdagRoute sdag_rest_routes[] = {
    /* the dashboard's static files (docs/dashboard.md): pages, not API operations */
    {SDAG_UI_ROUTE_PAGE, "GET", SDAG_SCOPE_NONE, sdag_rest_ui},
    {SDAG_UI_ROUTE_ASSET, "GET", SDAG_SCOPE_NONE, sdag_rest_ui},
    {"/healthz", "GET", SDAG_SCOPE_NONE, sdag_rest_healthz},
    {"/openapi.json", "GET", SDAG_SCOPE_NONE, sdag_rest_openapi},
    {"/node-types", "GET", SDAG_SCOPE_READ, sdag_rest_node_types},
    {"/pipelines", "GET", SDAG_SCOPE_READ, sdag_rest_pipelines_list},
    {"/pipelines", "POST", SDAG_SCOPE_PIPELINES_WRITE, sdag_rest_pipelines_post},
    {"/pipelines/*", "GET", SDAG_SCOPE_READ, sdag_rest_pipeline_get},
    {"/pipelines/*", "DELETE", SDAG_SCOPE_PIPELINES_WRITE, sdag_rest_pipeline_delete},
    {"/pipelines/*/run", "POST", SDAG_SCOPE_JOBS_WRITE, sdag_rest_pipeline_run},
    {"/jobs", "GET", SDAG_SCOPE_READ, sdag_rest_jobs_list},
    {"/jobs", "POST", SDAG_SCOPE_JOBS_WRITE, sdag_rest_jobs_post},
    {"/jobs/batch", "POST", SDAG_SCOPE_JOBS_WRITE, sdag_rest_jobs_batch},
    {"/jobs/*", "GET", SDAG_SCOPE_READ, sdag_rest_job_get},
    {"/jobs/*", "DELETE", SDAG_SCOPE_JOBS_WRITE, sdag_rest_job_delete},
    {"/jobs/*/cancel", "POST", SDAG_SCOPE_JOBS_WRITE, sdag_rest_job_cancel},
    {"/jobs/*/results", "GET", SDAG_SCOPE_READ, sdag_rest_job_results},
    {"/jobs/*/frames", "GET", SDAG_SCOPE_READ, sdag_rest_job_frames},
    {"/jobs/*/snapshot.jpg", "GET", SDAG_SCOPE_READ, sdag_rest_job_snapshot},
    {"/jobs/*/metrics", "GET", SDAG_SCOPE_READ, sdag_rest_job_metrics},
    {"/pipelines/*/stats", "GET", SDAG_SCOPE_READ, sdag_rest_pipeline_stats},
    /* who did what, with which token: for the box's administrators */
    {"/history", "GET", SDAG_SCOPE_ADMIN, sdag_rest_history},
    {"/metrics", "GET", SDAG_SCOPE_READ, sdag_rest_prometheus},
    {"/jobs/*/events", "GET", SDAG_SCOPE_READ, sdag_rest_job_events},
    {"/cameras", "GET", SDAG_SCOPE_READ, sdag_rest_cameras_list},
    {"/cameras/*", "GET", SDAG_SCOPE_READ, sdag_rest_camera_get},
    {"/cameras/*", "PUT", SDAG_SCOPE_CAMERAS_WRITE, sdag_rest_camera_put},
    {"/cameras/*", "DELETE", SDAG_SCOPE_CAMERAS_WRITE, sdag_rest_camera_delete},
    {"/cameras/*/enable", "POST", SDAG_SCOPE_CAMERAS_WRITE, sdag_rest_camera_enable},
    {"/cameras/*/disable", "POST", SDAG_SCOPE_CAMERAS_WRITE, sdag_rest_camera_disable},
    {"/cameras/*/snapshot.jpg", "GET", SDAG_SCOPE_READ, sdag_rest_camera_snapshot},
    {"/cameras/*/events", "GET", SDAG_SCOPE_READ, sdag_rest_camera_events},
    /* the bad day's tools: they read every family, copy the store, delete in bulk */
    {"/admin/fsck", "GET", SDAG_SCOPE_ADMIN, sdag_rest_admin_fsck},
    {"/admin/backup", "POST", SDAG_SCOPE_ADMIN, sdag_rest_admin_backup},
    {"/jobs/prune", "POST", SDAG_SCOPE_ADMIN, sdag_rest_jobs_prune},
};

/*
 * Matches the path, already split at "/", against @pattern, walking the
 * pattern in place; *arg receives the "*" segment, unescaped.
 */
static gboolean
sdag_rest_match(const char *pattern, char **segments, char **arg)
{
	const char *seg = pattern;
	guint i = 0;

	for (; seg != NULL; i++) {
		const char *slash = strchr(seg, '/');
		gsize len = slash != NULL ? (gsize)(slash - seg) : strlen(seg);

		if (segments[i] == NULL)
			return FALSE;
		if (len == 1 && seg[0] == '*') {
			g_autofree char *value = g_uri_unescape_string(segments[i], "/");
			if (value == NULL || value[0] == '\0')
				return FALSE;
			g_free(*arg);
			*arg = g_steal_pointer(&value);
		} else if (strlen(segments[i]) != len || strncmp(segments[i], seg, len) != 0) {
			return FALSE;
		}
		seg = slash != NULL ? slash + 1 : NULL;
	}
	return segments[i] == NULL;
}

static void
sdag_rest_dispatch_cb(SoupServer *server,
		      SoupServerMessage *msg,
		      const char *path,
		      GHashTable *query,
		      gpointer user_data)
{
	SdagRest *self = user_data;
	const char *method = soup_server_message_get_method(msg);
	g_autoptr(GString) allow = NULL; /* the methods of the routes of this path */
	g_auto(GStrv) segments = g_strsplit(path, "/", -1);
	/* HEAD is answered by the GET route: libsoup sends that answer's status and headers,
	 * its Content-Length included, and leaves out the body */
	gboolean head = g_strcmp0(method, "HEAD") == 0;

	/* the one walk of the routes: sdag_rest_finished_cb() reads what it found */
	g_object_set_data(G_OBJECT(msg), "sdag-dispatched", GINT_TO_POINTER(TRUE));
	for (guint i = 0; i < G_N_ELEMENTS(sdag_rest_routes); i++) {
		const SdagRoute *r = &sdag_rest_routes[i];
		g_autofree char *arg = NULL;

		if (!sdag_rest_match(r->pattern, segments, &arg))
			continue;
		if (g_strcmp0(r->method, method) == 0 ||
		    (head && g_strcmp0(r->method, "GET") == 0)) {
			char *owned = g_steal_pointer(&arg);

			/* for sdag_rest_finished_cb(), which need not match the path again */
			g_object_set_data(G_OBJECT(msg), "sdag-route", (gpointer)r);
			g_object_set_data_full(G_OBJECT(msg), "sdag-arg", owned, g_free);
			r->func(self, msg, owned, query);
			g_debug("%s %s -> %u", method, path, soup_server_message_get_status(msg));
			return;
		}
		if (allow == NULL) {
			/* a 405 is counted under the path's first route */
			allow = g_string_new(NULL);
			g_object_set_data(G_OBJECT(msg), "sdag-route", (gpointer)r);
			g_object_set_data_full(
			    G_OBJECT(msg), "sdag-arg", g_steal_pointer(&arg), g_free);
		} else {
			g_string_append(allow, ", ");
		}
		g_string_append(allow, r->method);
	}
	if (allow != NULL) {
		soup_message_headers_replace(
		    soup_server_message_get_response_headers(msg), "Allow", allow->str);
		sdag_rest_reply_new_error(msg,
					  SDAG_ERROR_METHOD_NOT_ALLOWED,
					  "%s is not allowed on %s (allowed: %s)",
					  method,
					  path,
					  allow->str);
		return;
	}
	sdag_rest_reply_new_error(msg, SDAG_ERROR_ROUTE_NOT_FOUND, "no route %s", path);
}

static void
sdag_rest_got_chunk_cb(SoupServerMessage *msg, GBytes *chunk, gpointer user_data)
{
	SdagRest *self = user_data;
	SoupMessageBody *body = soup_server_message_get_request_body(msg);
	guint64 limit = self->svc.config->max_body_bytes;

	if (soup_server_message_get_status(msg) != 0)
		return;
	if ((guint64)body->length + g_bytes_get_size(chunk) > limit) {
		/* stop buffering; the status makes the server skip the handler */
		soup_message_body_set_accumulate(body, FALSE);
		soup_message_body_truncate(body);
		sdag_rest_reply_new_error(msg,
					  SDAG_ERROR_PAYLOAD_TOO_LARGE,
					  "request body is larger than %" G_GUINT64_FORMAT " bytes",
					  limit);
		soup_message_headers_replace(
		    soup_server_message_get_response_headers(msg), "Connection", "close");
	}
}

/* The route a path and method meet: the one with this method, else any with this path (a
 * 405), else NULL. *arg gets the "*" segment. */
static const SdagRoute *
sdag_rest_find_route(const char *path, const char *method, char **arg)
{
	g_auto(GStrv) segments = g_strsplit(path, "/", -1);
	const SdagRoute *any = NULL;

	for (guint i = 0; i < G_N_ELEMENTS(sdag_rest_routes); i++) {
		const SdagRoute *r = &sdag_rest_routes[i];
		if (!sdag_rest_match(r->pattern, segments, arg))
			continue;
		if (g_strcmp0(r->method, method) == 0)
			return r;
		if (any == NULL)
			any = r;
	}
	return any;
}

/* The scope a route needs, as the error details and WWW-Authenticate say it. */
static void
sdag_rest_reply_auth(SoupServerMessage *msg,
		     const SdagRoute *r,
		     const char *path,
		     const SdagAuthResult *auth)
{
	SoupMessageHeaders *resp = soup_server_message_get_response_headers(msg);
	SoupMessageHeaders *req = soup_server_message_get_request_headers(msg);
	const char *method = soup_server_message_get_method(msg);
	const char *scope = r != NULL ? sdag_scope_to_string(r->scope) : NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonNode) details = NULL;
	g_autofree char *challenge = NULL;

	switch (auth->outcome) {
	case SDAG_AUTH_MISSING:
		error = g_error_new(SDAG_ERROR,
				    SDAG_ERROR_UNAUTHORIZED,
				    "%s %s needs an API token: send Authorization: Bearer SECRET",
				    method,
				    path);
		challenge = g_strdup("Bearer realm=\"streamdag\"");
		break;
	case SDAG_AUTH_INVALID:
		error =
		    g_error_new_literal(SDAG_ERROR,
					SDAG_ERROR_UNAUTHORIZED,
					"the API token is not valid: it is not a bearer token, or "
					"matches no token in [auth]");
		challenge = g_strdup("Bearer realm=\"streamdag\", error=\"invalid_token\"");
		break;
	case SDAG_AUTH_SCOPE: {
		g_autoptr(JsonObject) obj = json_object_new();

		error = g_error_new(SDAG_ERROR,
				    SDAG_ERROR_INSUFFICIENT_SCOPE,
				    "token '%s' lacks the scope %s that %s %s needs",
				    auth->actor,
				    scope,
				    method,
				    r->pattern);
		challenge = g_strdup_printf(
		    "Bearer realm=\"streamdag\", error=\"insufficient_scope\", scope=\"%s\"",
		    scope);
		json_object_set_string_member(obj, "scope_needed", scope);
		details = json_node_new(JSON_NODE_OBJECT);
		json_node_set_object(details, obj);
		break;
	}
	case SDAG_AUTH_RATE: {
		g_autofree char *retry = g_strdup_printf("%u", auth->retry_after_s);

		error = g_error_new(SDAG_ERROR,
				    SDAG_ERROR_RATE_LIMITED,
				    "token '%s' is over [rest] rate_limit; retry in %u s",
				    auth->actor,
				    auth->retry_after_s);
		soup_message_headers_replace(resp, "Retry-After", retry);
		break;
	}
	case SDAG_AUTH_OK:
		g_assert_not_reached();
	}
	if (challenge != NULL)
		soup_message_headers_replace(resp, "WWW-Authenticate", challenge);
	/* the body, if any, is not read: the connection cannot carry another request */
	if (soup_message_headers_get_encoding(req) == SOUP_ENCODING_CHUNKED ||
	    soup_message_headers_get_content_length(req) > 0)
		soup_message_headers_replace(resp, "Connection", "close");
	sdag_rest_reply_error_full(msg, error, NULL, g_steal_pointer(&details));
}

static gboolean
sdag_rest_is_websocket(const SdagRoute *r)
{
	return r != NULL && (r->func == sdag_rest_job_events || r->func == sdag_rest_camera_events);
}

/*
 * Runs before the body is read: a request the token does not allow is answered without
 * reading a byte of it. Leaves the actor and the token's scopes on @msg for the handler
 * and the audit row.
 */
static gboolean
sdag_rest_authorize(SdagRest *self, SoupServerMessage *msg, const char *path)
{
	const char *method = soup_server_message_get_method(msg);
	g_autofree char *arg = NULL;
	const SdagRoute *r =
	    sdag_rest_find_route(path, g_strcmp0(method, "HEAD") == 0 ? "GET" : method, &arg);
	gboolean exact =
	    r != NULL && (g_strcmp0(r->method, method) == 0 ||
			  (g_strcmp0(method, "HEAD") == 0 && g_strcmp0(r->method, "GET") == 0));
	SdagAuthResult auth;

	/* a path or method that is no route needs a valid token to learn so */
	sdag_auth_check(self->auth,
			msg,
			exact ? r->scope : SDAG_SCOPE_NONE,
			!exact,
			sdag_rest_is_websocket(r),
			&auth);
	g_object_set_data_full(G_OBJECT(msg), "sdag-actor", g_strdup(auth.actor), g_free);
	g_object_set_data(G_OBJECT(msg), "sdag-scopes", GUINT_TO_POINTER(auth.scopes));
	if (auth.outcome == SDAG_AUTH_OK) {
		sdag_auth_result_clear(&auth);
		return TRUE;
	}
	g_object_set_data(G_OBJECT(msg), "sdag-refused", GINT_TO_POINTER(TRUE));
	sdag_rest_reply_auth(msg, exact ? r : NULL, path, &auth);
	sdag_auth_result_clear(&auth);
	return FALSE;
}

/*
 * Runs after the headers, before the body: a declared length over the limit
 * is refused without reading a byte of it; a chunked body is counted as it
 * arrives and refused as soon as it passes the limit.
 */
static void
sdag_rest_early_cb(SoupServer *server,
		   SoupServerMessage *msg,
		   const char *path,
		   GHashTable *query,
		   gpointer user_data)
{
	SdagRest *self = user_data;
	SoupMessageHeaders *hdrs = soup_server_message_get_request_headers(msg);
	guint64 limit = self->svc.config->max_body_bytes;
	gint64 now = g_get_monotonic_time();

	g_object_set_data_full(
	    G_OBJECT(msg), "sdag-start-us", g_memdup2(&now, sizeof(now)), g_free);
	if (!sdag_rest_authorize(self, msg, path))
		return;
	switch (soup_message_headers_get_encoding(hdrs)) {
	case SOUP_ENCODING_CONTENT_LENGTH:
		if ((guint64)soup_message_headers_get_content_length(hdrs) > limit) {
			sdag_rest_reply_new_error(msg,
						  SDAG_ERROR_PAYLOAD_TOO_LARGE,
						  "request body of %" G_GINT64_FORMAT
						  " bytes is larger than %" G_GUINT64_FORMAT
						  " bytes",
						  soup_message_headers_get_content_length(hdrs),
						  limit);
			soup_message_headers_replace(
			    soup_server_message_get_response_headers(msg), "Connection", "close");
		}
		break;
	case SOUP_ENCODING_CHUNKED:
		g_signal_connect(msg, "got-chunk", G_CALLBACK(sdag_rest_got_chunk_cb), self);
		break;
	default:
		break;
	}
}

/* What an audit row names as the object of a request. */
static char *
sdag_rest_audit_object(SoupServerMessage *msg, const char *route, const char *arg, const char *path)
{
	const char *location =
	    soup_message_headers_get_one(soup_server_message_get_response_headers(msg), "Location");

	if (location != NULL && g_str_has_prefix(location, "/jobs/"))
		return g_strdup_printf("job/%s", location + strlen("/jobs/"));
	if (arg != NULL && g_str_has_prefix(route, "/jobs/"))
		return g_strdup_printf("job/%s", arg);
	if (arg != NULL && g_str_has_prefix(route, "/pipelines/"))
		return g_strdup_printf("pipeline/%s", arg);
	if (g_strcmp0(route, "/pipelines") == 0) {
		SoupMessageBody *body = soup_server_message_get_request_body(msg);
		g_autoptr(JsonNode) node =
		    body->data != NULL ? sdag_json_parse(body->data, body->length, NULL) : NULL;
		if (node != NULL && JSON_NODE_HOLDS_OBJECT(node) &&
		    json_object_get_string_member_with_default(
			json_node_get_object(node), "pipeline_id", NULL) != NULL)
			return g_strdup_printf("pipeline/%s",
					       json_object_get_string_member(
						   json_node_get_object(node), "pipeline_id"));
	}
	return g_strdup(path);
}

static void
sdag_rest_finished_cb(SoupServer *server, SoupServerMessage *msg, gpointer user_data)
{
	SdagRest *self = user_data;
	const char *method = soup_server_message_get_method(msg);
	/* NULL for a request line libsoup could not parse ("?%zz"): it answered 400 itself */
	GUri *uri = soup_server_message_get_uri(msg);
	const char *path = uri != NULL ? g_uri_get_path(uri) : NULL;
	const gint64 *start = g_object_get_data(G_OBJECT(msg), "sdag-start-us");
	guint status = soup_server_message_get_status(msg);
	const SdagRoute *r = g_object_get_data(G_OBJECT(msg), "sdag-route");
	g_autofree char *arg = g_strdup(g_object_get_data(G_OBJECT(msg), "sdag-arg"));
	char status_text[16];
	const char *route;
	gboolean refused;
	gboolean mutating;

	if (start == NULL || method == NULL || path == NULL)
		return;
	g_snprintf(status_text, sizeof(status_text), "%u", status);
	/* refused before dispatch (a body over the limit): the only walk of the routes */
	if (r == NULL && g_object_get_data(G_OBJECT(msg), "sdag-dispatched") == NULL)
		r = sdag_rest_find_route(path, method, &arg);
	route = r != NULL ? r->pattern : "unmatched";
	{
		const char *counted[] = {
		    "route", route, "method", method, "status", status_text, NULL};
		const char *timed[] = {"route", route, "method", method, NULL};
		sdag_prom_add(self->svc.prom, "streamdag_http_requests_total", counted, 1);
		sdag_prom_observe(self->svc.prom,
				  "streamdag_http_request_duration_seconds",
				  timed,
				  (double)(g_get_monotonic_time() - *start) / G_USEC_PER_SEC);
	}
	refused = g_object_get_data(G_OBJECT(msg), "sdag-refused") != NULL;
	mutating = g_strcmp0(method, "POST") == 0 || g_strcmp0(method, "PUT") == 0 ||
		   g_strcmp0(method, "PATCH") == 0 || g_strcmp0(method, "DELETE") == 0;
	/* a refused request of any method is audited, as far as the limiter lets it */
	if ((refused && sdag_auth_take_audit_slot(self->auth)) || (mutating && !refused)) {
		g_autoptr(GError) error = NULL;
		g_autofree char *client = NULL;
		GInetSocketAddress *remote =
		    G_INET_SOCKET_ADDRESS(soup_server_message_get_remote_address(msg));
		const char *actor = g_object_get_data(G_OBJECT(msg), "sdag-actor");
		const char *known =
		    sdag_history_request_action(method, r != NULL ? r->pattern : NULL);
		g_autofree char *action = known != NULL ? g_strdup(known)
							: g_strdup_printf("%s %s", method, route);
		g_autofree char *object = sdag_rest_audit_object(msg, route, arg, path);
		SdagHistoryEntry entry = {
		    .actor = actor != NULL ? actor : SDAG_HISTORY_ANONYMOUS,
		    .action = action,
		    .object = object,
		    .http_status = status,
		    .error = g_object_get_data(G_OBJECT(msg), "sdag-error-code"),
		    .method = method,
		    .route = r != NULL ? r->pattern : NULL,
		};
		if (refused && remote != NULL) {
			client =
			    g_inet_address_to_string(g_inet_socket_address_get_address(remote));
			entry.client = client;
		}
		if (!sdag_history_record(self->svc.history, &entry, &error))
			g_warning(
			    "audit row for %s %s not written: %s", method, path, error->message);
	}
}

/**
 * sdag_rest_new:
 *
 * Starts listening on the configured address; port 0 picks a free port,
 * which sdag_rest_get_port() then returns.
 *
 * Returns: (transfer full): the REST server, or NULL when it cannot listen
 */
SdagRest *
sdag_rest_new(const SdagRestServices *services, GError **error)
{
	SdagConfig *config = services->config;
	g_autoptr(GInetAddress) iaddr = g_inet_address_new_from_string(config->listen_host);
	g_autoptr(GSocketAddress) saddr = NULL;
	g_autoptr(GError) error_local = NULL;
	const SdagListenerLimits limits = {
	    .max_connections = config->max_connections,
	    .max_per_client = config->max_connections_per_client,
	    .header_timeout_s = config->header_timeout_s,
	    .idle_timeout_s = config->idle_timeout_s,
	};
	SdagRest *self;
	g_autoptr(GTlsCertificate) certificate = NULL;

	g_assert(iaddr != NULL); /* checked when the config was read */
	saddr = g_inet_socket_address_new(iaddr, config->listen_port);
	self = g_new0(SdagRest, 1);
	self->svc = *services;
	self->auth = sdag_auth_new(services->prom);
	sdag_auth_set_tokens(self->auth, config->tokens);
	sdag_auth_set_rate(self->auth, config->rate_limit, config->rate_burst);
	self->server = soup_server_new("server-header", "streamdag/" SDAG_VERSION " ", NULL);
	soup_server_add_early_handler(self->server, NULL, sdag_rest_early_cb, self, NULL);
	soup_server_add_handler(self->server, NULL, sdag_rest_dispatch_cb, self, NULL);
	g_signal_connect(self->server, "request-finished", G_CALLBACK(sdag_rest_finished_cb), self);
	if (!sdag_tls_load_certificate(config, &certificate, error)) {
		sdag_rest_free(self);
		return NULL;
	}
	self->listener =
	    sdag_listener_new(self->server, saddr, &limits, services->prom, &error_local);
	if (self->listener == NULL) {
		if (g_error_matches(error_local, SDAG_ERROR, SDAG_ERROR_CONFIG))
			g_propagate_error(error, g_steal_pointer(&error_local));
		else
			g_set_error(error,
				    SDAG_ERROR,
				    SDAG_ERROR_CONFIG,
				    "cannot listen on %s:%u: %s",
				    config->listen_host,
				    config->listen_port,
				    error_local->message);
		sdag_rest_free(self);
		return NULL;
	}
	sdag_listener_set_certificate(self->listener, certificate);
	return self;
}

void
sdag_rest_free(SdagRest *self)
{
	if (self == NULL)
		return;
	if (self->server != NULL)
		soup_server_disconnect(self->server);
	/* after the clients, whose streams it still counts as they go */
	sdag_listener_free(self->listener);
	g_clear_object(&self->server);
	sdag_auth_free(self->auth);
	g_free(self);
}

guint16
sdag_rest_get_port(SdagRest *self)
{
	return sdag_listener_get_port(self->listener);
}

/**
 * sdag_rest_set_auth:
 * @tokens: (element-type SdagToken): copied
 *
 * The tokens and rate limit in force from the next request on (a reload).
 */
void
sdag_rest_set_auth(SdagRest *self, GPtrArray *tokens, guint rate, guint burst)
{
	sdag_auth_set_tokens(self->auth, tokens);
	sdag_auth_set_rate(self->auth, rate, burst);
}

/**
 * sdag_rest_get_route:
 * @i: from 0
 *
 * The route table as data, for openapi.json's checks and the scope tests.
 *
 * Returns: FALSE past the last route
 */
gboolean
sdag_rest_get_route(guint i, const char **pattern, const char **method, SdagScope *scope)
{
	if (i >= G_N_ELEMENTS(sdag_rest_routes))
		return FALSE;
	*pattern = sdag_rest_routes[i].pattern;
	*method = sdag_rest_routes[i].method;
	*scope = sdag_rest_routes[i].scope;
	return TRUE;
}

/**
 * sdag_rest_reload_certificate:
 * @config: holding [rest] tls_certificate and tls_key, read again
 *
 * Reads the certificate and key files again (a renewed certificate) for the connections
 * accepted from now on. HTTPS cannot be turned on or off this way: the listener's scheme
 * is what clients were told. On error the certificate in use stays.
 */
gboolean
sdag_rest_reload_certificate(SdagRest *self, SdagConfig *config, GError **error)
{
	g_autoptr(GTlsCertificate) certificate = NULL;

	if (!sdag_tls_load_certificate(config, &certificate, error))
		return FALSE;
	if ((certificate != NULL) != sdag_listener_is_tls(self->listener)) {
		g_set_error_literal(error,
				    SDAG_ERROR,
				    SDAG_ERROR_CONFIG,
				    "turning HTTPS on or off needs a restart");
		return FALSE;
	}
	sdag_listener_set_certificate(self->listener, certificate);
	return TRUE;
}

gboolean
sdag_rest_is_tls(SdagRest *self)
{
	return sdag_listener_is_tls(self->listener);
}
