/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "sdag-history"

#include "sdag-history.h"

#include <string.h>

#include "sdag-error.h"
#include "sdag-index.h"
#include "sdag-json.h"

/*
 * The audit trail: one row for every request to a mutating route (POST, PUT, PATCH,
 * DELETE), answered or refused, and one for every job status change, in the history family:
 *
 *   meta/seq                  -> 64-bit big-endian: the last row number handed out
 *   t/<~seq>                  -> the row (JSON), newest first
 *   c/<time><seq>             -> "" : the row's time, for since/until (see sdag-index.c)
 *   a/<actor>\0<~seq>         -> the row: one actor's rows
 *   x/<action>\0<~seq>        -> the row: one action's rows
 *
 * A row and its index keys are one batch. Times never go back within a process (a row's
 * time is at least the previous row's), so seq order is time order. Rows are written
 * without fsync: a crash of the process loses none, a crash of the machine may lose the last
 * ones (the state changes they record are synced by their own modules).
 *
 * Row: {"seq", "time", "actor", "action", "object", "outcome": {"http_status", "error"},
 * "request": {"method", "route"} | null}. Requests are done by "anonymous" until API tokens
 * exist; job transitions by "system", with action "job.<new status>".
 */

#define SDAG_HISTORY_SEQ_KEY "meta/seq"

struct _SdagHistory {
	SdagStore *store; /* borrowed */
	guint64 last_seq;
	gint64 last_time_us;
};

static const struct {
	const char *method;
	const char *route;
	const char *action;
} sdag_history_actions[] = {
    {"POST", "/jobs", "job.submit"},
    {"POST", "/jobs/batch", "job.submit_batch"},
    {"POST", "/jobs/*/cancel", "job.cancel"},
    {"DELETE", "/jobs/*", "job.delete"},
    {"POST", "/pipelines", "pipeline.register"},
    {"DELETE", "/pipelines/*", "pipeline.delete"},
};

/**
 * sdag_history_request_action:
 * @route: (nullable): the route pattern, NULL when no route matched
 *
 * Returns: the action name of a request: "job.submit" and the like for the known routes,
 * else NULL (the caller names it "<METHOD> <route>")
 */
const char *
sdag_history_request_action(const char *method, const char *route)
{
	for (guint i = 0; i < G_N_ELEMENTS(sdag_history_actions); i++) {
		if (g_strcmp0(method, sdag_history_actions[i].method) == 0 &&
		    g_strcmp0(route, sdag_history_actions[i].route) == 0)
			return sdag_history_actions[i].action;
	}
	return NULL;
}

/* @name\0 then ~seq */
static GBytes *
sdag_history_named_key(char kind, const char *name, guint64 seq, gboolean with_seq)
{
	gsize nlen = strlen(name);
	gsize len = 2 + nlen + 1 + (with_seq ? 8 : 0);
	guint8 *key = g_malloc(len);

	key[0] = (guint8)kind;
	key[1] = '/';
	memcpy(key + 2, name, nlen);
	key[2 + nlen] = '\0';
	if (with_seq)
		sdag_index_put_seq(key + 3 + nlen, seq, TRUE);
	return g_bytes_new_take(key, len);
}

static void
sdag_history_batch_put(SdagStoreBatch *batch, GBytes *key, const char *value)
{
	sdag_store_batch_put(batch,
			     SDAG_STORE_HISTORY,
			     g_bytes_get_data(key, NULL),
			     g_bytes_get_size(key),
			     (const guint8 *)value,
			     strlen(value));
}

/**
 * sdag_history_record:
 *
 * Appends one row. Main context only.
 */
gboolean
sdag_history_record(SdagHistory *self, const SdagHistoryEntry *in, GError **error)
{
	/* the object and action may carry a request's path, which need not be UTF-8: a row
	 * that is not would be unreadable, and left out of every page */
	g_autofree char *object = in->object != NULL ? sdag_json_make_valid(in->object) : NULL;
	g_autofree char *action = sdag_json_make_valid(in->action);
	SdagHistoryEntry valid = *in;
	const SdagHistoryEntry *entry = &valid;
	g_autoptr(JsonBuilder) b = json_builder_new_immutable();
	g_autoptr(JsonNode) row = NULL;
	g_autoptr(SdagStoreBatch) batch = sdag_store_batch_new();
	g_autoptr(GBytes) t = NULL;
	g_autoptr(GBytes) c = NULL;
	g_autoptr(GBytes) a = NULL;
	g_autoptr(GBytes) x = NULL;
	g_autofree char *text = NULL;
	g_autofree char *when = NULL;
	guint64 seq = self->last_seq + 1;
	gint64 now = MAX(g_get_real_time(), self->last_time_us);
	guint64 seq_be = GUINT64_TO_BE(seq);

	valid.object = object;
	valid.action = action;

	when = sdag_json_timestamp(now);
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "seq");
	json_builder_add_int_value(b, (gint64)seq);
	json_builder_set_member_name(b, "time");
	json_builder_add_string_value(b, when);
	json_builder_set_member_name(b, "actor");
	json_builder_add_string_value(b, entry->actor);
	json_builder_set_member_name(b, "action");
	json_builder_add_string_value(b, entry->action);
	json_builder_set_member_name(b, "object");
	if (entry->object != NULL)
		json_builder_add_string_value(b, entry->object);
	else
		json_builder_add_null_value(b);
	json_builder_set_member_name(b, "outcome");
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "http_status");
	if (entry->http_status != 0)
		json_builder_add_int_value(b, entry->http_status);
	else
		json_builder_add_null_value(b);
	json_builder_set_member_name(b, "error");
	if (entry->error != NULL)
		json_builder_add_string_value(b, entry->error);
	else
		json_builder_add_null_value(b);
	json_builder_end_object(b);
	json_builder_set_member_name(b, "request");
	if (entry->method != NULL) {
		json_builder_begin_object(b);
		json_builder_set_member_name(b, "method");
		json_builder_add_string_value(b, entry->method);
		json_builder_set_member_name(b, "route");
		if (entry->route != NULL)
			json_builder_add_string_value(b, entry->route);
		else
			json_builder_add_null_value(b);
		json_builder_end_object(b);
	} else {
		json_builder_add_null_value(b);
	}
	if (entry->client != NULL) {
		json_builder_set_member_name(b, "client");
		json_builder_add_string_value(b, entry->client);
	}
	json_builder_end_object(b);
	row = json_builder_get_root(b);
	text = sdag_json_to_string(row);

	t = sdag_index_key("t/", seq, TRUE);
	c = sdag_index_time_key("c/", now, seq);
	a = sdag_history_named_key('a', entry->actor, seq, TRUE);
	x = sdag_history_named_key('x', entry->action, seq, TRUE);
	sdag_history_batch_put(batch, t, text);
	sdag_history_batch_put(batch, c, "");
	sdag_history_batch_put(batch, a, text);
	sdag_history_batch_put(batch, x, text);
	sdag_store_batch_put(batch,
			     SDAG_STORE_HISTORY,
			     (const guint8 *)SDAG_HISTORY_SEQ_KEY,
			     strlen(SDAG_HISTORY_SEQ_KEY),
			     (const guint8 *)&seq_be,
			     sizeof(seq_be));
	if (!sdag_store_write(self->store, batch, FALSE, error))
		return FALSE;
	self->last_seq = seq;
	self->last_time_us = now;
	return TRUE;
}

static void
sdag_history_status_cb(const char *job_id, JsonNode *job, gpointer user_data)
{
	SdagHistory *self = user_data;
	JsonObject *o = json_node_get_object(job);
	g_autofree char *action =
	    g_strdup_printf("job.%s", json_object_get_string_member(o, "status"));
	g_autofree char *object = g_strdup_printf("job/%s", job_id);
	g_autoptr(GError) error = NULL;
	JsonNode *err = json_object_get_member(o, "error");
	SdagHistoryEntry entry = {
	    .actor = SDAG_HISTORY_SYSTEM,
	    .action = action,
	    .object = object,
	};

	if (err != NULL && JSON_NODE_HOLDS_OBJECT(err))
		entry.error = json_object_get_string_member_with_default(
		    json_node_get_object(err), "code", NULL);
	if (!sdag_history_record(self, &entry, &error))
		g_warning("audit row for job %s not written: %s", job_id, error->message);
}

/**
 * sdag_history_new:
 *
 * Opens the audit trail and listens to @jobs for job transitions.
 *
 * Returns: (transfer full): the audit trail, or NULL when the store cannot be read
 */
SdagHistory *
sdag_history_new(SdagStore *store, SdagJobs *jobs, GError **error)
{
	g_autoptr(SdagHistory) self = g_new0(SdagHistory, 1);
	g_autoptr(GBytes) seq = NULL;
	g_autoptr(GError) error_local = NULL;
	SdagJobsListener listener = {.status_changed = sdag_history_status_cb};

	self->store = store;
	seq = sdag_store_get(store,
			     SDAG_STORE_HISTORY,
			     (const guint8 *)SDAG_HISTORY_SEQ_KEY,
			     strlen(SDAG_HISTORY_SEQ_KEY),
			     &error_local);
	if (seq == NULL && !g_error_matches(error_local, SDAG_ERROR, SDAG_ERROR_NOT_FOUND)) {
		g_propagate_error(error, g_steal_pointer(&error_local));
		return NULL;
	}
	if (seq != NULL && g_bytes_get_size(seq) == sizeof(guint64)) {
		guint64 be;
		memcpy(&be, g_bytes_get_data(seq, NULL), sizeof(be));
		self->last_seq = GUINT64_FROM_BE(be);
	}
	if (jobs != NULL)
		sdag_jobs_add_listener(jobs, &listener, self);
	return g_steal_pointer(&self);
}

void
sdag_history_free(SdagHistory *self)
{
	g_free(self);
}

/* A row, or NULL. Rows written before paths were escaped may hold one that is not
 * UTF-8: those bytes are read as %XX, as rows are written now, so the row is shown
 * rather than left out of its page. */
static JsonNode *
sdag_history_parse_row(const guint8 *value, gsize value_len)
{
	g_autofree char *text = NULL;
	g_autofree char *valid = NULL;
	JsonNode *row = sdag_json_parse((const char *)value, (gssize)value_len, NULL);

	if (row != NULL || memchr(value, '\0', value_len) != NULL)
		return row;
	text = g_strndup((const char *)value, value_len);
	valid = sdag_json_make_valid(text);
	return sdag_json_parse(valid, -1, NULL);
}

static gboolean
sdag_history_actor_cb(guint64 seq, const guint8 *value, gsize value_len, gpointer data)
{
	const char *actor = data;
	g_autoptr(JsonNode) row = sdag_history_parse_row(value, value_len);

	return row != NULL && JSON_NODE_HOLDS_OBJECT(row) &&
	       g_strcmp0(json_object_get_string_member_with_default(
			     json_node_get_object(row), "actor", ""),
			 actor) == 0;
}

/**
 * sdag_history_query:
 *
 * Returns: (transfer full): `{"entries": [...], "next_cursor": string | null}`, or NULL with
 * BAD_CURSOR
 */
JsonNode *
sdag_history_query(SdagHistory *self, const SdagHistoryFilter *filter, GError **error)
{
	g_autoptr(GBytes) prefix = NULL;
	g_autoptr(GPtrArray) rows = NULL;
	JsonArray *entries;
	JsonObject *out;
	JsonNode *root;
	guint64 next_seq = 0;
	SdagIndexScan scan = {
	    .store = self->store,
	    .family = SDAG_STORE_HISTORY,
	    .inverted = TRUE,
	    .lo = 1,
	    .hi = G_MAXUINT64 - 1,
	    .ascending = filter->ascending,
	    .limit = filter->limit,
	};

	if (!sdag_index_scan_narrow(
		&scan, filter->cursor, filter->since_us, filter->until_us, error))
		return NULL;
	if (filter->action != NULL) {
		prefix = sdag_history_named_key('x', filter->action, 0, FALSE);
		if (filter->actor != NULL) {
			scan.accept = sdag_history_actor_cb;
			scan.data = (gpointer)filter->actor;
		}
	} else if (filter->actor != NULL) {
		prefix = sdag_history_named_key('a', filter->actor, 0, FALSE);
	} else {
		prefix = g_bytes_new_static("t/", 2);
	}
	scan.prefix = g_bytes_get_data(prefix, &scan.prefix_len);
	rows = sdag_index_scan(&scan, &next_seq, error);
	if (rows == NULL)
		return NULL;
	entries = json_array_new();
	for (guint i = 0; i < rows->len; i++) {
		GBytes *v = g_ptr_array_index(rows, i);
		JsonNode *row =
		    sdag_history_parse_row(g_bytes_get_data(v, NULL), g_bytes_get_size(v));
		if (row != NULL)
			json_array_add_element(entries, row);
	}
	out = json_object_new();
	json_object_set_array_member(out, "entries", entries);
	if (next_seq != 0) {
		g_autofree char *next = sdag_query_cursor_format(next_seq);
		json_object_set_string_member(out, "next_cursor", next);
	} else {
		json_object_set_null_member(out, "next_cursor");
	}
	root = json_node_new(JSON_NODE_OBJECT);
	json_node_take_object(root, out);
	return root;
}
