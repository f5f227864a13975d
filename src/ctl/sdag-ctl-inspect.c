/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * streamdagctl's read-only looks at what the daemon knows and measured: node-types, jobs
 * frames, jobs snapshot, jobs metrics, pipelines stats, pipelines validate, pipelines run,
 * history and metrics. Each is one request, printed as a table (or as the daemon sent it with
 * --json).
 */
#define G_LOG_DOMAIN "streamdagctl"

#include <stdio.h>
#include <string.h>

#include "sdag-ctl-private.h"

static void
sdag_ctl_query_add(GString *path, const char *name, const char *value)
{
	g_autofree char *escaped = NULL;

	if (value == NULL)
		return;
	escaped = g_uri_escape_string(value, NULL, FALSE);
	g_string_append_printf(
	    path, "%c%s=%s", strchr(path->str, '?') != NULL ? '&' : '?', name, escaped);
}

/* @path with the query's filters; the cursor is sent as @page_param (cursor, from). */
char *
sdag_ctl_query_path(const char *path, const SdagCtlQuery *q, const char *page_param)
{
	GString *s = g_string_new(path);

	if (q->limit > 0) {
		g_autofree char *limit = g_strdup_printf("%d", q->limit);
		sdag_ctl_query_add(s, "limit", limit);
	}
	sdag_ctl_query_add(s, page_param, q->cursor);
	sdag_ctl_query_add(s, "pipeline_id", q->pipeline);
	sdag_ctl_query_add(s, "status", q->status);
	sdag_ctl_query_add(s, "camera", q->camera);
	sdag_ctl_query_add(s, "source", q->source);
	sdag_ctl_query_add(s, "since", q->since);
	sdag_ctl_query_add(s, "until", q->until);
	sdag_ctl_query_add(s, "actor", q->actor);
	sdag_ctl_query_add(s, "action", q->action);
	return g_string_free(s, FALSE);
}

/* GET @path; on success, its object (owned by @reply) or NULL after printing the raw body
 * for --json. *@rc says what to return when NULL comes back. */
static JsonObject *
sdag_ctl_get(SdagCtl *ctl, const char *path, SdagCtlReply *reply, int *rc)
{
	JsonObject *obj;

	*rc = sdag_ctl_send(ctl, "GET", path, NULL, reply);
	if (*rc != SDAG_CTL_OK)
		return NULL;
	if (!sdag_ctl_reply_ok(reply)) {
		*rc = sdag_ctl_refused(ctl, "GET", path, NULL, reply, FALSE);
		return NULL;
	}
	if (ctl->json) {
		sdag_ctl_print_raw(reply->body);
		return NULL;
	}
	obj = sdag_ctl_root_object(reply);
	if (obj == NULL)
		*rc = sdag_ctl_unexpected("GET", path);
	return obj;
}

/* GET @path and its array @member; NULL after printing the raw body (--json) or saying why
 * there is none, *@rc then saying what to return. */
static JsonArray *
sdag_ctl_get_list(SdagCtl *ctl,
		  const char *path,
		  const char *member,
		  SdagCtlReply *reply,
		  JsonObject **obj,
		  int *rc)
{
	JsonArray *list;

	*obj = sdag_ctl_get(ctl, path, reply, rc);
	if (*obj == NULL)
		return NULL;
	list = sdag_ctl_array(*obj, member);
	if (list == NULL)
		*rc = sdag_ctl_unexpected("GET", path);
	return list;
}

static double
sdag_ctl_dbl(JsonObject *obj, const char *name)
{
	double v = 0;

	sdag_ctl_num(obj, name, &v);
	return v;
}

/* The image of a GET to standard output, which must not be a terminal. */
int
sdag_ctl_save_binary(SdagCtl *ctl, const char *path, const char *command, const char *name)
{
	g_auto(SdagCtlReply) reply = {0};
	gsize len = 0;
	const char *data;
	int rc;

	if (ctl->tty) {
		g_printerr("streamdagctl: the snapshot is a JPEG: redirect it to a file "
			   "(streamdagctl %s > %s.jpg)\n",
			   command,
			   name);
		return SDAG_CTL_FAILED;
	}
	rc = sdag_ctl_send(ctl, "GET", path, NULL, &reply);
	if (rc != SDAG_CTL_OK)
		return rc;
	if (!sdag_ctl_reply_ok(&reply))
		return sdag_ctl_refused(ctl, "GET", path, NULL, &reply, FALSE);
	data = g_bytes_get_data(reply.body, &len);
	if (fwrite(data, 1, len, stdout) != len || fflush(stdout) != 0) {
		g_printerr("streamdagctl: cannot write the snapshot\n");
		return SDAG_CTL_FAILED;
	}
	return SDAG_CTL_OK;
}

/* "name, name?" of a list of ports (optional ones marked) or params */
static char *
sdag_ctl_names(JsonObject *obj, const char *member)
{
	JsonArray *list = sdag_ctl_array(obj, member);
	GString *s = g_string_new(NULL);

	for (guint i = 0; list != NULL && i < json_array_get_length(list); i++) {
		JsonObject *one = json_array_get_object_element(list, i);

		if (one == NULL)
			continue;
		g_string_append_printf(
		    s,
		    "%s%s%s",
		    s->len > 0 ? "," : "",
		    json_object_get_string_member_with_default(one, "name", "?"),
		    json_object_get_boolean_member_with_default(one, "optional", FALSE) ? "?" : "");
	}
	if (s->len == 0)
		g_string_append_c(s, '-');
	return g_string_free(s, FALSE);
}

int
sdag_ctl_node_types(SdagCtl *ctl)
{
	g_auto(SdagCtlReply) reply = {0};
	int rc = SDAG_CTL_OK;
	JsonObject *obj = NULL;
	JsonArray *types = sdag_ctl_get_list(ctl, "/node-types", "node_types", &reply, &obj, &rc);
	g_autoptr(GPtrArray) cells = g_ptr_array_new_with_free_func(g_free);
	const char *heads[] = {"TYPE", "VERSION", "INPUTS (? optional)", "OUTPUTS", "PARAMS"};
	int w[G_N_ELEMENTS(heads)];
	guint rows;

	if (types == NULL)
		return rc;
	for (guint c = 0; c < G_N_ELEMENTS(heads); c++) {
		g_ptr_array_add(cells, g_strdup(heads[c]));
		w[c] = (int)strlen(heads[c]);
	}
	for (guint i = 0; i < json_array_get_length(types); i++) {
		JsonObject *t = json_array_get_object_element(types, i);

		if (t == NULL)
			continue;
		g_ptr_array_add(cells, sdag_ctl_text(t, "name"));
		g_ptr_array_add(cells, sdag_ctl_text(t, "version"));
		g_ptr_array_add(cells, sdag_ctl_names(t, "inputs"));
		g_ptr_array_add(cells, sdag_ctl_names(t, "outputs"));
		g_ptr_array_add(cells, sdag_ctl_names(t, "params"));
	}
	rows = cells->len / G_N_ELEMENTS(heads);
	for (guint i = 0; i < cells->len; i++) {
		guint c = i % G_N_ELEMENTS(heads);
		w[c] = MAX(w[c], (int)g_utf8_strlen(cells->pdata[i], -1));
	}
	for (guint r = 0; r < rows; r++) {
		char **row = (char **)cells->pdata + r * G_N_ELEMENTS(heads);

		g_print("%-*s  %-*s  %-*s  %-*s  %s\n",
			w[0],
			row[0],
			w[1],
			row[1],
			w[2],
			row[2],
			w[3],
			row[3],
			row[4]);
	}
	return SDAG_CTL_OK;
}

int
sdag_ctl_pipelines_list(SdagCtl *ctl)
{
	g_auto(SdagCtlReply) reply = {0};
	int rc = SDAG_CTL_OK;
	JsonObject *obj = NULL;
	JsonArray *list = sdag_ctl_get_list(ctl, "/pipelines", "pipelines", &reply, &obj, &rc);
	int id_w = (int)strlen("PIPELINE");

	if (list == NULL)
		return rc;
	if (json_array_get_length(list) == 0) {
		g_print("no pipelines\n");
		return SDAG_CTL_OK;
	}
	for (guint i = 0; i < json_array_get_length(list); i++) {
		JsonObject *p = json_array_get_object_element(list, i);
		if (p != NULL)
			id_w = MAX(id_w,
				   (int)strlen(json_object_get_string_member_with_default(
				       p, "pipeline_id", "?")));
	}
	g_print("%-*s  %5s  %-24s  %s\n", id_w, "PIPELINE", "NODES", "CREATED", "DESCRIPTION");
	for (guint i = 0; i < json_array_get_length(list); i++) {
		JsonObject *p = json_array_get_object_element(list, i);
		g_autofree char *description = NULL;

		if (p == NULL)
			continue;
		description = sdag_ctl_text(p, "description");
		g_print("%-*s  %5.0f  %-24s  %s\n",
			id_w,
			json_object_get_string_member_with_default(p, "pipeline_id", "?"),
			sdag_ctl_dbl(p, "nodes"),
			json_object_get_string_member_with_default(p, "created_at", "?"),
			description);
	}
	return SDAG_CTL_OK;
}

static guint
sdag_ctl_len(JsonObject *obj, const char *member)
{
	JsonArray *a = sdag_ctl_array(obj, member);

	return a != NULL ? json_array_get_length(a) : 0;
}

int
sdag_ctl_jobs_frames(SdagCtl *ctl, const char *id, const SdagCtlQuery *q)
{
	g_autofree char *escaped = g_uri_escape_string(id, NULL, FALSE);
	g_autofree char *base = g_strconcat("/jobs/", escaped, "/frames", NULL);
	SdagCtlQuery page = {.limit = q->limit, .cursor = q->cursor};
	g_autofree char *path = sdag_ctl_query_path(base, &page, "from");
	g_auto(SdagCtlReply) reply = {0};
	int rc = SDAG_CTL_OK;
	JsonObject *obj = NULL;
	JsonArray *frames = sdag_ctl_get_list(ctl, path, "frames", &reply, &obj, &rc);
	JsonNode *next;

	if (frames == NULL)
		return rc;
	if (json_array_get_length(frames) == 0)
		g_print("no frames\n");
	else
		g_print("%10s  %12s  %10s  %6s  %6s\n",
			"FRAME",
			"PTS_MS",
			"DETECTIONS",
			"EVENTS",
			"COUNTS");
	for (guint i = 0; i < json_array_get_length(frames); i++) {
		JsonObject *fr = json_array_get_object_element(frames, i);
		double pts = 0;
		g_autofree char *pts_text = NULL;

		if (fr == NULL)
			continue;
		pts_text = sdag_ctl_num(fr, "pts_ms", &pts) ? g_strdup_printf("%.1f", pts)
							    : g_strdup("-");
		g_print("%10.0f  %12s  %10u  %6u  %6u\n",
			sdag_ctl_dbl(fr, "frame_id"),
			pts_text,
			sdag_ctl_len(fr, "detections"),
			sdag_ctl_len(fr, "events"),
			sdag_ctl_len(fr, "counts"));
	}
	next = json_object_get_member(obj, "next_from");
	if (next != NULL && JSON_NODE_HOLDS_VALUE(next)) {
		g_autofree char *limit = q->limit > 0 ? g_strdup_printf(" --limit %d", q->limit)
						      : g_strdup("");

		g_print("more: streamdagctl jobs frames %s --cursor %" G_GINT64_FORMAT "%s\n",
			id,
			json_node_get_int(next),
			limit);
	}
	return SDAG_CTL_OK;
}

/* The per-node table of a job's metrics or a pipeline's stats; the bottleneck marked '*'. */
static void
sdag_ctl_print_nodes(JsonObject *obj, gboolean job)
{
	JsonArray *nodes = sdag_ctl_array(obj, "nodes");
	JsonObject *bottleneck = sdag_ctl_obj(obj, "bottleneck");
	const char *slow =
	    bottleneck != NULL
		? json_object_get_string_member_with_default(bottleneck, "node", NULL)
		: NULL;
	int id_w = (int)strlen("NODE");

	for (guint i = 0; nodes != NULL && i < json_array_get_length(nodes); i++) {
		JsonObject *n = json_array_get_object_element(nodes, i);
		if (n != NULL)
			id_w = MAX(
			    id_w,
			    (int)strlen(json_object_get_string_member_with_default(n, "id", "?")));
	}
	/* a pipeline's stats have no p99 across runs */
	g_print("  %-*s  %-14s  %8s  %9s  %9s  %9s%s  %9s  %6s\n",
		id_w,
		"NODE",
		"TYPE",
		"FRAMES",
		"MEAN_MS",
		"P50_MS",
		"P95_MS",
		job ? "     P99_MS" : "",
		"MAX_MS",
		"SHARE");
	for (guint i = 0; nodes != NULL && i < json_array_get_length(nodes); i++) {
		JsonObject *n = json_array_get_object_element(nodes, i);
		const char *id;
		g_autofree char *p99 = NULL;

		if (n == NULL)
			continue;
		id = json_object_get_string_member_with_default(n, "id", "?");
		p99 = job ? g_strdup_printf("  %9.4f", sdag_ctl_dbl(n, "p99_ms")) : g_strdup("");
		/* a passthrough node takes well under a microsecond */
		g_print("%c %-*s  %-14s  %8.0f  %9.4f  %9.4f  %9.4f%s  %9.4f  %5.1f%%\n",
			g_strcmp0(id, slow) == 0 ? '*' : ' ',
			id_w,
			id,
			json_object_get_string_member_with_default(n, "type", "?"),
			sdag_ctl_dbl(n, "count"),
			sdag_ctl_dbl(n, "mean_ms"),
			sdag_ctl_dbl(n, "p50_ms"),
			sdag_ctl_dbl(n, "p95_ms"),
			p99,
			sdag_ctl_dbl(n, "max_ms"),
			sdag_ctl_dbl(n, "share") * 100.0);
	}
	if (slow != NULL)
		g_print("bottleneck   %s (%.1f%% of the DAG's time)\n",
			slow,
			sdag_ctl_dbl(bottleneck, "share") * 100.0);
	else
		g_print("bottleneck   - (no frame yet)\n");
}

int
sdag_ctl_jobs_metrics(SdagCtl *ctl, const char *id)
{
	g_autofree char *escaped = g_uri_escape_string(id, NULL, FALSE);
	g_autofree char *path = g_strconcat("/jobs/", escaped, "/metrics", NULL);
	g_auto(SdagCtlReply) reply = {0};
	int rc = SDAG_CTL_OK;
	JsonObject *obj = sdag_ctl_get(ctl, path, &reply, &rc);
	JsonObject *fps;

	if (obj == NULL)
		return rc;
	fps = sdag_ctl_obj(obj, "fps");
	g_print("job          %s\n",
		json_object_get_string_member_with_default(obj, "job_id", "?"));
	g_print("status       %s%s\n",
		json_object_get_string_member_with_default(obj, "status", "?"),
		json_object_get_boolean_member_with_default(obj, "final", FALSE)
		    ? " (final)"
		    : " (still measuring)");
	g_print("frames       %.0f decoded, %.0f processed (stride %.0f)\n",
		sdag_ctl_dbl(obj, "frames_decoded"),
		sdag_ctl_dbl(obj, "frames_processed"),
		sdag_ctl_dbl(obj, "stride"));
	g_print("wall         %.3f s, DAG %.3f ms\n",
		sdag_ctl_dbl(obj, "wall_s"),
		sdag_ctl_dbl(obj, "dag_total_ms"));
	g_print("fps          %.1f decoded, %.1f processed, %.1f DAG alone\n",
		sdag_ctl_dbl(fps, "decoded"),
		sdag_ctl_dbl(fps, "processed"),
		sdag_ctl_dbl(fps, "dag"));
	g_print("nodes (* the bottleneck)\n");
	sdag_ctl_print_nodes(obj, TRUE);
	return SDAG_CTL_OK;
}

int
sdag_ctl_pipelines_stats(SdagCtl *ctl, const char *id, const SdagCtlQuery *q)
{
	g_autofree char *escaped = g_uri_escape_string(id, NULL, FALSE);
	g_autofree char *base = g_strconcat("/pipelines/", escaped, "/stats", NULL);
	SdagCtlQuery days = {.since = q->since, .until = q->until};
	g_autofree char *path = sdag_ctl_query_path(base, &days, "cursor");
	g_auto(SdagCtlReply) reply = {0};
	int rc = SDAG_CTL_OK;
	JsonObject *obj = sdag_ctl_get(ctl, path, &reply, &rc);
	JsonObject *runs, *frames, *fps, *duration;
	JsonArray *trend;

	if (obj == NULL)
		return rc;
	runs = sdag_ctl_obj(obj, "runs");
	frames = sdag_ctl_obj(obj, "frames");
	fps = sdag_ctl_obj(obj, "fps");
	duration = sdag_ctl_obj(obj, "duration_s");
	trend = sdag_ctl_array(obj, "trend");
	g_print("pipeline     %s\n",
		json_object_get_string_member_with_default(obj, "pipeline_id", "?"));
	g_print("runs         %.0f ended: %.0f started, %.0f completed, %.0f failed, %.0f "
		"cancelled\n",
		sdag_ctl_dbl(runs, "total"),
		sdag_ctl_dbl(runs, "started"),
		sdag_ctl_dbl(runs, "completed"),
		sdag_ctl_dbl(runs, "failed"),
		sdag_ctl_dbl(runs, "cancelled"));
	g_print("frames       %.0f decoded, %.0f processed, %.1f processed a run\n",
		sdag_ctl_dbl(frames, "decoded"),
		sdag_ctl_dbl(frames, "processed"),
		sdag_ctl_dbl(frames, "mean_processed"));
	g_print("fps          %.1f mean, %.1f p95 (processed frames a wall second)\n",
		sdag_ctl_dbl(fps, "mean"),
		sdag_ctl_dbl(fps, "p95"));
	g_print("duration     %.3f s mean\n", sdag_ctl_dbl(duration, "mean"));
	g_print("nodes (* the bottleneck)\n");
	sdag_ctl_print_nodes(obj, FALSE);
	g_print("trend\n  %-10s  %6s  %7s  %8s\n", "DAY", "RUNS", "STARTED", "MEAN_FPS");
	for (guint i = 0; trend != NULL && i < json_array_get_length(trend); i++) {
		JsonObject *d = json_array_get_object_element(trend, i);

		if (d == NULL)
			continue;
		g_print("  %-10s  %6.0f  %7.0f  %8.1f\n",
			json_object_get_string_member_with_default(d, "day", "?"),
			sdag_ctl_dbl(d, "runs"),
			sdag_ctl_dbl(d, "started"),
			sdag_ctl_dbl(d, "mean_fps"));
	}
	return SDAG_CTL_OK;
}

/* Each file through POST /pipelines?dry_run=true: nothing is stored. Every problem is
 * printed, with its node and port; exit 1 when a file is invalid. */
int
sdag_ctl_pipelines_validate(SdagCtl *ctl, int argc, char **files)
{
	const char *path = "/pipelines?dry_run=true";
	int rc = SDAG_CTL_OK;

	for (int i = 0; i < argc; i++) {
		g_autofree char *data = NULL;
		g_autoptr(GError) error = NULL;
		g_autoptr(GBytes) body = NULL;
		g_auto(SdagCtlReply) reply = {0};
		JsonObject *err;
		JsonArray *problems;
		gsize len = 0;
		int one;

		if (!g_file_get_contents(files[i], &data, &len, &error)) {
			g_printerr("streamdagctl: %s\n", error->message);
			rc = MAX(rc, SDAG_CTL_FAILED);
			continue;
		}
		body = g_bytes_new_take(g_steal_pointer(&data), len);
		one = sdag_ctl_send(ctl, "POST", path, body, &reply);
		if (one != SDAG_CTL_OK) {
			rc = MAX(rc, one);
			continue;
		}
		if (sdag_ctl_reply_ok(&reply) && ctl->json) {
			sdag_ctl_print_raw(reply.body);
			continue;
		}
		if (sdag_ctl_reply_ok(&reply)) {
			JsonArray *order = sdag_ctl_array(sdag_ctl_root_object(&reply), "order");
			g_autoptr(GString) text = g_string_new(NULL);

			for (guint k = 0; order != NULL && k < json_array_get_length(order); k++)
				g_string_append_printf(text,
						       "%s%s",
						       k > 0 ? " → " : "",
						       json_array_get_string_element(order, k));
			g_print("%s: valid (order: %s)\n", files[i], text->str);
			continue;
		}
		err = sdag_ctl_obj(sdag_ctl_root_object(&reply), "error");
		problems = sdag_ctl_array(sdag_ctl_obj(err, "details"), "problems");
		if (ctl->json || reply.status != 400 || problems == NULL) {
			/* with --json, as any refusal (the document on standard output); else not
			 * a verdict on the definition: not JSON, too large, a token */
			/* not in MAX(): the macro would say it twice */
			one = sdag_ctl_refused(ctl, "POST", path, files[i], &reply, FALSE);
			rc = MAX(rc, one);
			continue;
		}
		g_print("%s: invalid, %u problem%s\n",
			files[i],
			json_array_get_length(problems),
			json_array_get_length(problems) == 1 ? "" : "s");
		g_print("  %-20s  %-12s  %-12s  %s\n", "CODE", "NODE", "PORT", "MESSAGE");
		for (guint k = 0; k < json_array_get_length(problems); k++) {
			JsonObject *p = json_array_get_object_element(problems, k);
			g_autofree char *node = sdag_ctl_text(p, "node");
			g_autofree char *port = sdag_ctl_text(p, "port");

			g_print("  %-20s  %-12s  %-12s  %s\n",
				json_object_get_string_member_with_default(p, "code", "?"),
				node,
				port,
				json_object_get_string_member_with_default(p, "message", ""));
		}
		rc = MAX(rc, SDAG_CTL_REFUSED);
	}
	return rc;
}

/* The type of an image from its first bytes: the daemon decodes what the header says. */
static const char *
sdag_ctl_image_type(const guint8 *data, gsize len)
{
	static const guint8 png[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

	if (len >= 3 && data[0] == 0xff && data[1] == 0xd8 && data[2] == 0xff)
		return "image/jpeg";
	if (len >= sizeof(png) && memcmp(data, png, sizeof(png)) == 0)
		return "image/png";
	return NULL;
}

int
sdag_ctl_pipelines_run(SdagCtl *ctl, const char *id, const char *image)
{
	g_autofree char *escaped = g_uri_escape_string(id, NULL, FALSE);
	g_autofree char *path = g_strconcat("/pipelines/", escaped, "/run", NULL);
	g_autofree char *data = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) body = NULL;
	g_auto(SdagCtlReply) reply = {0};
	JsonObject *obj;
	JsonArray *dets;
	const char *type;
	gsize len = 0;
	int rc;

	if (!g_file_get_contents(image, &data, &len, &error)) {
		g_printerr("streamdagctl: %s\n", error->message);
		return SDAG_CTL_FAILED;
	}
	type = sdag_ctl_image_type((const guint8 *)data, len);
	if (type == NULL) {
		g_printerr("streamdagctl: %s: neither a JPEG nor a PNG\n", image);
		return SDAG_CTL_FAILED;
	}
	body = g_bytes_new_take(g_steal_pointer(&data), len);
	rc = sdag_ctl_send_typed(ctl, "POST", path, body, type, &reply);
	if (rc != SDAG_CTL_OK)
		return rc;
	if (!sdag_ctl_reply_ok(&reply))
		return sdag_ctl_refused(ctl, "POST", path, NULL, &reply, FALSE);
	if (ctl->json) {
		sdag_ctl_print_raw(reply.body);
		return SDAG_CTL_OK;
	}
	obj = sdag_ctl_root_object(&reply);
	if (obj == NULL)
		return sdag_ctl_unexpected("POST", path);
	dets = sdag_ctl_array(obj, "detections");
	g_print("detections   %u\n", dets != NULL ? json_array_get_length(dets) : 0);
	for (guint i = 0; dets != NULL && i < json_array_get_length(dets); i++) {
		JsonObject *d = json_array_get_object_element(dets, i);
		g_autofree char *box = sdag_ctl_text(d, "box");

		g_print("  %-12s  %.3f  %s\n",
			json_object_get_string_member_with_default(d, "label", "?"),
			sdag_ctl_dbl(d, "score"),
			box);
	}
	g_print("events       %u\n", sdag_ctl_len(obj, "events"));
	g_print("counts       %u\n", sdag_ctl_len(obj, "counts"));
	return SDAG_CTL_OK;
}

int
sdag_ctl_history(SdagCtl *ctl, const SdagCtlQuery *q)
{
	g_autofree char *path = sdag_ctl_query_path("/history", q, "cursor");
	g_auto(SdagCtlReply) reply = {0};
	int rc = SDAG_CTL_OK;
	JsonObject *obj = NULL;
	JsonArray *entries = sdag_ctl_get_list(ctl, path, "entries", &reply, &obj, &rc);
	const char *cursor;

	if (entries == NULL)
		return rc;
	if (json_array_get_length(entries) == 0)
		g_print("no entries\n");
	else
		g_print("%6s  %-24s  %-14s  %-22s  %-7s  %s\n",
			"SEQ",
			"TIME",
			"ACTOR",
			"ACTION",
			"OUTCOME",
			"OBJECT");
	for (guint i = 0; i < json_array_get_length(entries); i++) {
		JsonObject *e = json_array_get_object_element(entries, i);
		JsonObject *outcome = sdag_ctl_obj(e, "outcome");
		g_autofree char *status = sdag_ctl_text(outcome, "http_status");
		g_autofree char *code = sdag_ctl_text(outcome, "error");
		g_autofree char *object = sdag_ctl_text(e, "object");
		g_autofree char *result = NULL;

		if (e == NULL)
			continue;
		result = g_strcmp0(code, "-") == 0 ? g_strdup(status)
						   : g_strdup_printf("%s %s", status, code);
		g_print("%6.0f  %-24s  %-14s  %-22s  %-7s  %s\n",
			sdag_ctl_dbl(e, "seq"),
			json_object_get_string_member_with_default(e, "time", "?"),
			json_object_get_string_member_with_default(e, "actor", "?"),
			json_object_get_string_member_with_default(e, "action", "?"),
			result,
			object);
	}
	cursor = json_object_get_string_member_with_default(obj, "next_cursor", NULL);
	if (cursor != NULL)
		g_print("more: streamdagctl history --cursor %s\n", cursor);
	return SDAG_CTL_OK;
}

/* The Prometheus text as it came: it is already for people and for scrapers. */
int
sdag_ctl_prometheus(SdagCtl *ctl)
{
	g_auto(SdagCtlReply) reply = {0};
	gsize len = 0;
	const char *data;
	int rc = sdag_ctl_send(ctl, "GET", "/metrics", NULL, &reply);

	if (rc != SDAG_CTL_OK)
		return rc;
	if (!sdag_ctl_reply_ok(&reply))
		return sdag_ctl_refused(ctl, "GET", "/metrics", NULL, &reply, FALSE);
	data = g_bytes_get_data(reply.body, &len);
	fwrite(data, 1, len, stdout);
	fflush(stdout);
	return SDAG_CTL_OK;
}
