/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * streamdagctl: the operator's command line for a running streamdagd. It
 * speaks only the public REST API, so anything it does a script can do too.
 *
 * Why one file over 1500 lines: main(), its option table and help text are a fifth of it; the
 * rest is one command per function (pipelines, jobs, token), each a request and a table
 * printed, sharing only the HTTP helper at the top. The other files of src/ctl hold the
 * commands that share nothing with these (sdag-ctl-private.h lists them).
 */
#define G_LOG_DOMAIN "streamdagctl"

#include "config.h"

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "sdag-ctl-private.h"
#include "sdag-json.h"
#include "sdag-token.h"

/* The options of the jobs commands; each is "unset" until given. */
typedef struct {
	SdagCtlSubmitOpts submit;
	gint limit; /* 0: unset */
	char *cursor;
	/* jobs prune */
	char *before;
	char **statuses;
	char *pipeline;
	gboolean dry_run;
	/* jobs list, history, pipelines stats */
	char *since;
	char *until;
	char *camera;
	char *source;
	char *actor;
	char *action;
} SdagCtlJobOpts;

static void
sdag_ctl_job_opts_clear(SdagCtlJobOpts *o)
{
	g_clear_pointer(&o->before, g_free);
	g_clear_pointer(&o->statuses, g_strfreev);
	g_clear_pointer(&o->pipeline, g_free);
	g_clear_pointer(&o->since, g_free);
	g_clear_pointer(&o->until, g_free);
	g_clear_pointer(&o->camera, g_free);
	g_clear_pointer(&o->source, g_free);
	g_clear_pointer(&o->actor, g_free);
	g_clear_pointer(&o->action, g_free);
	g_clear_pointer(&o->submit.extra, json_object_unref);
	g_clear_pointer(&o->submit.mqtt, json_object_unref);
}

void
sdag_ctl_reply_clear(SdagCtlReply *reply)
{
	g_clear_pointer(&reply->body, g_bytes_unref);
	g_clear_pointer(&reply->root, json_node_unref);
}

static int
sdag_ctl_usage(const char *usage)
{
	g_printerr("streamdagctl: usage: streamdagctl %s\n", usage);
	return SDAG_CTL_FAILED;
}

void
sdag_ctl_print_body(GBytes *body, gboolean to_stderr)
{
	g_autoptr(JsonNode) root = NULL;
	gsize len = 0;
	const char *data = g_bytes_get_data(body, &len);
	g_autofree char *pretty = NULL;

	if (len == 0)
		return;
	/* through the same checks as the daemon's input: depth, UTF-8 */
	root = sdag_json_parse(data, (gssize)len, NULL);
	if (root == NULL) {
		g_autofree char *text = g_strndup(data, len);
		(to_stderr ? g_printerr : g_print)("%s\n", text);
		return;
	}
	pretty = sdag_json_to_string_pretty(root);
	(to_stderr ? g_printerr : g_print)("%s\n", pretty);
}

/* The body exactly as the daemon sent it, on one line of standard output. */
void
sdag_ctl_print_raw(GBytes *body)
{
	gsize len = 0;
	const char *data = g_bytes_get_data(body, &len);

	if (len == 0)
		return;
	fwrite(data, 1, len, stdout);
	if (data[len - 1] != '\n')
		fputc('\n', stdout);
	fflush(stdout);
}

/* Sends one request with a body of @content_type and waits for its answer. Returns
 * SDAG_CTL_OK with @reply filled for any answer (whatever its status), or SDAG_CTL_FAILED
 * after saying why there was none. */
int
sdag_ctl_send_typed(SdagCtl *ctl,
		    const char *method,
		    const char *path,
		    GBytes *body,
		    const char *content_type,
		    SdagCtlReply *reply)
{
	g_autofree char *uri = g_strconcat(ctl->base, path, NULL);
	g_autoptr(SoupMessage) msg = soup_message_new(method, uri);
	g_autoptr(GError) error = NULL;
	gsize len = 0;
	const char *data;

	if (msg == NULL) {
		g_printerr("streamdagctl: bad URL %s\n", uri);
		return SDAG_CTL_FAILED;
	}
	if (body != NULL)
		soup_message_set_request_body_from_bytes(msg, content_type, body);
	if (ctl->token != NULL) {
		g_autofree char *authz = g_strconcat("Bearer ", ctl->token, NULL);
		soup_message_headers_replace(
		    soup_message_get_request_headers(msg), "Authorization", authz);
	}
	reply->body = soup_session_send_and_read(ctl->session, msg, NULL, &error);
	if (reply->body == NULL) {
		g_printerr("streamdagctl: %s %s: %s\n", method, uri, error->message);
		if (error->domain == G_TLS_ERROR)
			g_printerr(
			    "streamdagctl: for a certificate of your own CA, give the CA with "
			    "--cacert FILE\n");
		return SDAG_CTL_FAILED;
	}
	reply->status = soup_message_get_status(msg);
	data = g_bytes_get_data(reply->body, &len);
	if (len > 0)
		reply->root = sdag_json_parse(data, len, NULL);
	return SDAG_CTL_OK;
}

/* A request whose body, if any, is JSON. */
int
sdag_ctl_send(SdagCtl *ctl, const char *method, const char *path, GBytes *body, SdagCtlReply *reply)
{
	return sdag_ctl_send_typed(ctl, method, path, body, "application/json", reply);
}

gboolean
sdag_ctl_reply_ok(const SdagCtlReply *reply)
{
	return reply->status >= 200 && reply->status < 300;
}

/* The error object of a refusal, when the body is the API's error document. */
static JsonObject *
sdag_ctl_reply_error(const SdagCtlReply *reply)
{
	JsonNode *node;

	if (reply->root == NULL || !JSON_NODE_HOLDS_OBJECT(reply->root))
		return NULL;
	node = json_object_get_member(json_node_get_object(reply->root), "error");
	if (node == NULL || !JSON_NODE_HOLDS_OBJECT(node))
		return NULL;
	return json_node_get_object(node);
}

/*
 * Says that the daemon refused a request and returns SDAG_CTL_REFUSED.
 *
 * With --json the body goes to standard output as it came, so that a script
 * reads the error object where it reads answers, and standard error gets the
 * one-line reason. Otherwise @whole_body prints the whole error document on
 * standard error (the pipelines commands: their validation problems are the
 * point); without it the line carries the API's code and message and the
 * details, if any, follow.
 */
int
sdag_ctl_refused(SdagCtl *ctl,
		 const char *method,
		 const char *path,
		 const char *label,
		 const SdagCtlReply *reply,
		 gboolean whole_body)
{
	JsonObject *err = sdag_ctl_reply_error(reply);
	g_autoptr(GString) line = g_string_new("streamdagctl: ");

	if (label != NULL)
		g_string_append_printf(line, "%s: ", label);
	g_string_append_printf(line, "%s %s: HTTP %u", method, path, reply->status);
	if (reply->status == 401 || reply->status == 403)
		whole_body = FALSE;
	if (whole_body && !ctl->json) {
		g_printerr("%s\n", line->str);
		sdag_ctl_print_body(reply->body, TRUE);
		return SDAG_CTL_REFUSED;
	}
	if (err != NULL) {
		g_string_append_printf(
		    line,
		    " %s: %s",
		    json_object_get_string_member_with_default(err, "code", "?"),
		    json_object_get_string_member_with_default(err, "message", ""));
	}
	g_printerr("%s\n", line->str);
	if (reply->status == 401)
		g_printerr("streamdagctl: %s\n",
			   ctl->token == NULL ? "the daemon wants an API token: --token-file FILE, "
						"$STREAMDAG_TOKEN or --token SECRET"
					      : "the daemon knows no such token: check the secret, "
						"and that its line is in [auth]");
	if (ctl->json) {
		sdag_ctl_print_raw(reply->body);
	} else if (err == NULL) {
		sdag_ctl_print_body(reply->body, TRUE);
	} else {
		JsonNode *details = json_object_get_member(err, "details");

		if (details != NULL && !JSON_NODE_HOLDS_NULL(details)) {
			g_autofree char *pretty = sdag_json_to_string_pretty(details);
			g_printerr("%s\n", pretty);
		}
	}
	return SDAG_CTL_REFUSED;
}

/* One request whose answer is printed as JSON, indented (or raw with --json).
 * @label, when set, names what the request is about (a file) in its output. */
int
sdag_ctl_request(SdagCtl *ctl,
		 const char *method,
		 const char *path,
		 GBytes *body,
		 const char *label)
{
	g_auto(SdagCtlReply) reply = {0};
	int rc = sdag_ctl_send(ctl, method, path, body, &reply);

	if (rc != SDAG_CTL_OK)
		return rc;
	if (!sdag_ctl_reply_ok(&reply))
		return sdag_ctl_refused(ctl, method, path, label, &reply, TRUE);
	if (ctl->json) {
		sdag_ctl_print_raw(reply.body);
		return SDAG_CTL_OK;
	}
	if (label != NULL)
		g_print("%s:\n", label);
	sdag_ctl_print_body(reply.body, FALSE);
	return SDAG_CTL_OK;
}

static SdagCtlQuery sdag_ctl_query(const SdagCtlJobOpts *opts);

static int
sdag_ctl_pipelines(SdagCtl *ctl, int argc, char **argv, const SdagCtlJobOpts *opts)
{
	gboolean dry_run = opts->dry_run;
	int rc = SDAG_CTL_OK;

	if (argc < 1)
		return sdag_ctl_usage("pipelines list | get ID | add FILE... | validate FILE... | "
				      "delete ID | stats ID | run ID IMAGE");
	if (g_strcmp0(argv[0], "list") == 0 && argc == 1)
		return sdag_ctl_pipelines_list(ctl);
	if (g_strcmp0(argv[0], "validate") == 0 && argc >= 2)
		return sdag_ctl_pipelines_validate(ctl, argc - 1, argv + 1);
	if (g_strcmp0(argv[0], "stats") == 0 && argc == 2) {
		SdagCtlQuery q = sdag_ctl_query(opts);
		return sdag_ctl_pipelines_stats(ctl, argv[1], &q);
	}
	if (g_strcmp0(argv[0], "run") == 0 && argc == 3)
		return sdag_ctl_pipelines_run(ctl, argv[1], argv[2]);
	if ((g_strcmp0(argv[0], "get") == 0 || g_strcmp0(argv[0], "delete") == 0) && argc == 2) {
		g_autofree char *id = g_uri_escape_string(argv[1], NULL, FALSE);
		g_autofree char *path = g_strconcat("/pipelines/", id, NULL);
		return sdag_ctl_request(
		    ctl, argv[0][0] == 'g' ? "GET" : "DELETE", path, NULL, NULL);
	}
	if (g_strcmp0(argv[0], "add") == 0 && argc >= 2) {
		const char *path = dry_run ? "/pipelines?dry_run=true" : "/pipelines";

		for (int i = 1; i < argc; i++) {
			g_autofree char *data = NULL;
			g_autoptr(GError) error = NULL;
			g_autoptr(GBytes) body = NULL;
			gsize len = 0;
			int one;

			/* one bad file does not stop the others */
			if (!g_file_get_contents(argv[i], &data, &len, &error)) {
				g_printerr("streamdagctl: %s\n", error->message);
				rc = SDAG_CTL_FAILED;
				continue;
			}
			body = g_bytes_new_take(g_steal_pointer(&data), len);
			/* with --json, one answer per line and no file names between */
			one = sdag_ctl_request(ctl, "POST", path, body, ctl->json ? NULL : argv[i]);
			rc = MAX(rc, one);
		}
		return rc;
	}
	return sdag_ctl_usage("pipelines list | get ID | add FILE... | validate FILE... | "
			      "delete ID | stats ID | run ID IMAGE");
}

/* ---- jobs ---- */

static const char *
sdag_ctl_str(JsonObject *obj, const char *name)
{
	return json_object_get_string_member_with_default(obj, name, NULL);
}

JsonObject *
sdag_ctl_obj(JsonObject *obj, const char *name)
{
	JsonNode *node = obj != NULL ? json_object_get_member(obj, name) : NULL;

	return node != NULL && JSON_NODE_HOLDS_OBJECT(node) ? json_node_get_object(node) : NULL;
}

JsonArray *
sdag_ctl_array(JsonObject *obj, const char *name)
{
	JsonNode *node = obj != NULL ? json_object_get_member(obj, name) : NULL;

	return node != NULL && JSON_NODE_HOLDS_ARRAY(node) ? json_node_get_array(node) : NULL;
}

/* A number member as a double; FALSE when absent, null or not a number. */
gboolean
sdag_ctl_num(JsonObject *obj, const char *name, double *out)
{
	JsonNode *node = obj != NULL ? json_object_get_member(obj, name) : NULL;
	GType type;

	if (node == NULL || !JSON_NODE_HOLDS_VALUE(node))
		return FALSE;
	type = json_node_get_value_type(node);
	if (type == G_TYPE_INT64)
		*out = (double)json_node_get_int(node);
	else if (type == G_TYPE_DOUBLE)
		*out = json_node_get_double(node);
	else
		return FALSE;
	return TRUE;
}

static gint64
sdag_ctl_int(JsonObject *obj, const char *name)
{
	double v = 0;

	return sdag_ctl_num(obj, name, &v) ? (gint64)v : 0;
}

/* A member in one short piece of text: strings bare, the rest as compact JSON. */
char *
sdag_ctl_text(JsonObject *obj, const char *name)
{
	JsonNode *node = obj != NULL ? json_object_get_member(obj, name) : NULL;

	if (node == NULL || JSON_NODE_HOLDS_NULL(node))
		return g_strdup("-");
	if (JSON_NODE_HOLDS_VALUE(node) && json_node_get_value_type(node) == G_TYPE_STRING)
		return g_strdup(json_node_get_string(node));
	return sdag_json_to_string(node);
}

JsonObject *
sdag_ctl_root_object(const SdagCtlReply *reply)
{
	if (reply->root == NULL || !JSON_NODE_HOLDS_OBJECT(reply->root))
		return NULL;
	return json_node_get_object(reply->root);
}

/* A 2xx answer without the JSON object it should carry. */
int
sdag_ctl_unexpected(const char *method, const char *path)
{
	g_printerr("streamdagctl: %s %s: the answer is not a JSON object\n", method, path);
	return SDAG_CTL_REFUSED;
}

gboolean
sdag_ctl_status_is_terminal(const char *status)
{
	return g_strcmp0(status, "completed") == 0 || g_strcmp0(status, "failed") == 0 ||
	       g_strcmp0(status, "cancelled") == 0;
}

/* "42%", or "-" while the duration is unknown (live sources, not started) */
static char *
sdag_ctl_progress_text(JsonObject *job)
{
	double progress;

	/* the whole source was read, whatever the last position report said */
	if (g_strcmp0(sdag_ctl_str(job, "status"), "completed") == 0)
		return g_strdup("100%");
	if (!sdag_ctl_num(job, "progress", &progress))
		return g_strdup("-");
	return g_strdup_printf("%d%%", (int)(CLAMP(progress, 0.0, 1.0) * 100.0));
}

/* `[#####...............]  42%  334 frames  61.2 fps  running` */
static char *
sdag_ctl_progress_line(JsonObject *job)
{
	const guint width = 20;
	GString *line = g_string_new("[");
	double progress = 0, fps = 0;
	gboolean known = sdag_ctl_num(job, "progress", &progress);
	g_autofree char *percent = sdag_ctl_progress_text(job);
	const char *status = sdag_ctl_str(job, "status");
	guint filled;

	progress = CLAMP(progress, 0.0, 1.0);
	if (g_strcmp0(status, "completed") == 0)
		progress = 1.0;
	filled = (guint)(progress * width);
	for (guint i = 0; i < width; i++)
		g_string_append_c(line, i < filled ? '#' : (known ? '.' : ' '));
	sdag_ctl_num(job, "fps", &fps);
	g_string_append_printf(line,
			       "] %4s  %" G_GINT64_FORMAT " frames  %.1f fps  %s",
			       percent,
			       sdag_ctl_int(job, "frames_processed"),
			       fps,
			       status != NULL ? status : "?");
	return g_string_free(line, FALSE);
}

void
sdag_ctl_print_fields(JsonObject *obj, const char *indent, guint width)
{
	g_autoptr(GList) members = json_object_get_members(obj);

	for (GList *l = members; l != NULL; l = l->next) {
		g_autofree char *text = sdag_ctl_text(obj, l->data);
		g_print("%s%-*s  %s\n", indent, (int)width, (const char *)l->data, text);
	}
}

static void
sdag_ctl_print_job(JsonObject *job)
{
	JsonObject *options = sdag_ctl_obj(job, "options");
	JsonObject *error = sdag_ctl_obj(job, "error");
	JsonObject *summary = sdag_ctl_obj(job, "summary");
	g_autofree char *progress = sdag_ctl_progress_text(job);
	double fps = 0;
	const char *names[] = {"created_at", "started_at", "finished_at"};

	sdag_ctl_num(job, "fps", &fps);
	g_print("job          %s\n", sdag_ctl_str(job, "job_id"));
	g_print("pipeline     %s\n", sdag_ctl_str(job, "pipeline_id"));
	g_print("source       %s\n", sdag_ctl_str(job, "source"));
	g_print("status       %s\n", sdag_ctl_str(job, "status"));
	if (json_object_has_member(job, "attempts"))
		g_print("attempts     %" G_GINT64_FORMAT "\n", sdag_ctl_int(job, "attempts"));
	if (options != NULL) {
		g_autoptr(GList) members = json_object_get_members(options);
		g_autoptr(GString) text = g_string_new(NULL);

		for (GList *l = members; l != NULL; l = l->next) {
			g_autofree char *value = sdag_ctl_text(options, l->data);
			g_string_append_printf(text,
					       "%s%s=%s",
					       text->len > 0 ? " " : "",
					       (const char *)l->data,
					       value);
		}
		g_print("options      %s\n", text->str);
	}
	for (guint i = 0; i < G_N_ELEMENTS(names); i++) {
		g_autofree char *value = sdag_ctl_text(job, names[i]);
		g_print("%-12s %s\n", names[i], value);
	}
	g_print("progress     %s\n", progress);
	g_print("frames       %" G_GINT64_FORMAT " decoded, %" G_GINT64_FORMAT " processed\n",
		sdag_ctl_int(job, "frames_decoded"),
		sdag_ctl_int(job, "frames_processed"));
	g_print("fps          %.1f\n", fps);
	if (error != NULL)
		g_print("error        %s: %s\n",
			sdag_ctl_str(error, "code"),
			sdag_ctl_str(error, "message"));
	if (summary != NULL) {
		g_print("summary\n");
		sdag_ctl_print_fields(summary, "  ", 20);
	}
}

/* A file name becomes the file:// URL of its absolute path; URLs pass as they are. */
char *
sdag_ctl_source_url(const char *arg, GError **error)
{
	g_autofree char *abs = NULL;

	if (g_uri_peek_scheme(arg) != NULL && !g_file_test(arg, G_FILE_TEST_EXISTS))
		return g_strdup(arg);
	abs = g_canonicalize_filename(arg, NULL);
	return g_filename_to_uri(abs, NULL, error);
}

/* "options" of a job request, from the command line's */
void
sdag_ctl_add_submit_options(JsonBuilder *b, const SdagCtlSubmitOpts *opts)
{
	json_builder_set_member_name(b, "options");
	json_builder_begin_object(b);
	if (opts->stride > 0) {
		json_builder_set_member_name(b, "stride");
		json_builder_add_int_value(b, opts->stride);
	}
	if (opts->max_frames >= 0) {
		json_builder_set_member_name(b, "max_frames");
		json_builder_add_int_value(b, opts->max_frames);
	}
	if (opts->requeue) {
		json_builder_set_member_name(b, "on_interrupt");
		json_builder_add_string_value(b, "requeue");
	}
	if (opts->decode != NULL) {
		json_builder_set_member_name(b, "decode");
		json_builder_add_string_value(b, opts->decode);
	}
	if (opts->extra != NULL) {
		g_autoptr(GList) members = json_object_get_members(opts->extra);

		for (GList *l = members; l != NULL; l = l->next) {
			json_builder_set_member_name(b, l->data);
			json_builder_add_value(
			    b, json_node_copy(json_object_get_member(opts->extra, l->data)));
		}
	}
	if (opts->mqtt != NULL) {
		g_autoptr(JsonNode) node = json_node_new(JSON_NODE_OBJECT);

		json_node_set_object(node, opts->mqtt);
		json_builder_set_member_name(b, "mqtt");
		json_builder_add_value(b, json_node_copy(node));
	}
	json_builder_end_object(b);
}

static int
sdag_ctl_jobs_submit(SdagCtl *ctl, int argc, char **argv, const SdagCtlJobOpts *opts)
{
	g_autoptr(JsonBuilder) b = json_builder_new();
	g_autoptr(JsonNode) root = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) body = NULL;
	g_autofree char *url = NULL;
	g_autofree char *text = NULL;
	g_auto(SdagCtlReply) reply = {0};
	JsonObject *obj;
	gsize len;
	int rc;

	if (argc != 3)
		return sdag_ctl_usage("jobs submit PIPELINE URL|FILE [--stride N] "
				      "[--max-frames N] [--requeue-on-interrupt] [--decode MODE]");
	url = sdag_ctl_source_url(argv[2], &error);
	if (url == NULL) {
		g_printerr("streamdagctl: %s: %s\n", argv[2], error->message);
		return SDAG_CTL_FAILED;
	}
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "pipeline_id");
	json_builder_add_string_value(b, argv[1]);
	json_builder_set_member_name(b, "video_url");
	json_builder_add_string_value(b, url);
	sdag_ctl_add_submit_options(b, &opts->submit);
	json_builder_end_object(b);
	root = json_builder_get_root(b);
	text = sdag_json_to_string(root);
	len = strlen(text);
	body = g_bytes_new_take(g_steal_pointer(&text), len);
	rc = sdag_ctl_send(ctl, "POST", "/jobs", body, &reply);
	if (rc != SDAG_CTL_OK)
		return rc;
	if (!sdag_ctl_reply_ok(&reply))
		return sdag_ctl_refused(ctl, "POST", "/jobs", NULL, &reply, FALSE);
	if (ctl->json) {
		sdag_ctl_print_raw(reply.body);
		return SDAG_CTL_OK;
	}
	obj = sdag_ctl_root_object(&reply);
	if (obj == NULL || sdag_ctl_str(obj, "job_id") == NULL)
		return sdag_ctl_unexpected("POST", "/jobs");
	g_print("%s\n", sdag_ctl_str(obj, "job_id"));
	return SDAG_CTL_OK;
}

static char *
sdag_ctl_job_path(const char *id, const char *tail)
{
	g_autofree char *escaped = g_uri_escape_string(id, NULL, FALSE);

	return g_strconcat("/jobs/", escaped, tail, NULL);
}

/* GET/POST/DELETE on one job; the answer, when there is one, is a job. */
static int
sdag_ctl_jobs_one(SdagCtl *ctl, const char *method, const char *id, const char *tail)
{
	g_autofree char *path = sdag_ctl_job_path(id, tail);
	g_auto(SdagCtlReply) reply = {0};
	JsonObject *job;
	int rc = sdag_ctl_send(ctl, method, path, NULL, &reply);

	if (rc != SDAG_CTL_OK)
		return rc;
	if (!sdag_ctl_reply_ok(&reply))
		return sdag_ctl_refused(ctl, method, path, NULL, &reply, FALSE);
	if (ctl->json) {
		sdag_ctl_print_raw(reply.body);
		return SDAG_CTL_OK;
	}
	if (g_strcmp0(method, "DELETE") == 0) {
		g_print("deleted %s\n", id);
		return SDAG_CTL_OK;
	}
	job = sdag_ctl_root_object(&reply);
	if (job == NULL)
		return sdag_ctl_unexpected(method, path);
	if (g_strcmp0(method, "POST") == 0) {
		g_print("%s %s\n", sdag_ctl_str(job, "job_id"), sdag_ctl_str(job, "status"));
		return SDAG_CTL_OK;
	}
	sdag_ctl_print_job(job);
	return SDAG_CTL_OK;
}

static SdagCtlQuery
sdag_ctl_query(const SdagCtlJobOpts *opts)
{
	return (SdagCtlQuery){
	    .limit = opts->limit,
	    .cursor = opts->cursor,
	    .since = opts->since,
	    .until = opts->until,
	    .pipeline = opts->pipeline,
	    .status = opts->statuses != NULL ? opts->statuses[0] : NULL,
	    .camera = opts->camera,
	    .source = opts->source,
	    .actor = opts->actor,
	    .action = opts->action,
	};
}

static int
sdag_ctl_jobs_list(SdagCtl *ctl, const SdagCtlJobOpts *opts)
{
	SdagCtlQuery q = sdag_ctl_query(opts);
	g_autofree char *query = sdag_ctl_query_path("/jobs", &q, "cursor");
	g_autoptr(GString) path = g_string_new(query);
	g_auto(SdagCtlReply) reply = {0};
	JsonObject *obj;
	JsonNode *jobs_node;
	JsonArray *jobs;
	const char *cursor;
	int pipeline_w = (int)strlen("PIPELINE");
	int rc;

	rc = sdag_ctl_send(ctl, "GET", path->str, NULL, &reply);
	if (rc != SDAG_CTL_OK)
		return rc;
	if (!sdag_ctl_reply_ok(&reply))
		return sdag_ctl_refused(ctl, "GET", path->str, NULL, &reply, FALSE);
	if (ctl->json) {
		sdag_ctl_print_raw(reply.body);
		return SDAG_CTL_OK;
	}
	obj = sdag_ctl_root_object(&reply);
	jobs_node = obj != NULL ? json_object_get_member(obj, "jobs") : NULL;
	if (jobs_node == NULL || !JSON_NODE_HOLDS_ARRAY(jobs_node))
		return sdag_ctl_unexpected("GET", path->str);
	jobs = json_node_get_array(jobs_node);
	for (guint i = 0; i < json_array_get_length(jobs); i++) {
		JsonObject *job = json_array_get_object_element(jobs, i);
		const char *p = job != NULL ? sdag_ctl_str(job, "pipeline_id") : NULL;

		if (p != NULL)
			pipeline_w = MAX(pipeline_w, (int)strlen(p));
	}
	if (json_array_get_length(jobs) == 0) {
		g_print("no jobs\n");
	} else {
		g_print("%-36s  %-*s  %-9s  %8s  %8s  %s\n",
			"JOB",
			pipeline_w,
			"PIPELINE",
			"STATUS",
			"PROGRESS",
			"FRAMES",
			"CREATED");
	}
	for (guint i = 0; i < json_array_get_length(jobs); i++) {
		JsonObject *job = json_array_get_object_element(jobs, i);
		g_autofree char *progress = NULL;

		if (job == NULL)
			continue;
		progress = sdag_ctl_progress_text(job);
		g_print("%-36s  %-*s  %-9s  %8s  %8" G_GINT64_FORMAT "  %s\n",
			sdag_ctl_str(job, "job_id"),
			pipeline_w,
			sdag_ctl_str(job, "pipeline_id"),
			sdag_ctl_str(job, "status"),
			progress,
			sdag_ctl_int(job, "frames_processed"),
			sdag_ctl_str(job, "created_at"));
	}
	cursor = sdag_ctl_str(obj, "next_cursor");
	if (cursor != NULL)
		g_print("more: streamdagctl jobs list --cursor %s\n", cursor);
	return SDAG_CTL_OK;
}

/* Ctrl-C during a redrawn progress line: end the line, so that the shell's
 * prompt does not land on it. Only async-signal-safe calls here. */
void
sdag_ctl_watch_sigint(int sig)
{
	ssize_t n = write(STDOUT_FILENO, "\n", 1);

	(void)n; /* nothing left to do if it failed */
	_exit(128 + sig);
}

/* What jobs watch has shown so far. */
typedef struct {
	SdagCtl *ctl;
	char *last_status;
	GBytes *last_body;
	gint64 last_line;
	gboolean drawn; /* a redrawn line waits for its end */
} SdagCtlWatch;

/*
 * Shows one state of the job (@body, parsed as @job). On a terminal, one line redrawn in
 * place; otherwise a plain line for each change of status and at most one a second in
 * between, so that logs stay short. With --json, every state that differs from the one
 * before, one per line.
 */
static void
sdag_ctl_watch_show(SdagCtlWatch *w, JsonObject *job, GBytes *body)
{
	const char *status = sdag_ctl_str(job, "status");
	gboolean terminal = sdag_ctl_status_is_terminal(status);

	if (w->ctl->json) {
		if (w->last_body == NULL || !g_bytes_equal(w->last_body, body))
			sdag_ctl_print_raw(body);
		g_clear_pointer(&w->last_body, g_bytes_unref);
		w->last_body = g_bytes_ref(body);
	} else {
		g_autofree char *line = sdag_ctl_progress_line(job);
		gint64 now = g_get_monotonic_time();

		if (w->ctl->tty) {
			g_print("\r%s\033[K%s", line, terminal ? "\n" : "");
			w->drawn = !terminal;
		} else if (terminal || g_strcmp0(status, w->last_status) != 0 ||
			   now - w->last_line >= G_USEC_PER_SEC) {
			g_print("%s\n", line);
			w->last_line = now;
		}
		fflush(stdout);
	}
	g_free(w->last_status);
	w->last_status = g_strdup(status);
}

/* A message of the job's feed: its status and progress messages move the line. The
 * terminal one is left to the job's record, asked once the feed has closed: the record
 * carries the error and the final counts. */
static void
sdag_ctl_watch_message(GBytes *message, gpointer user_data)
{
	SdagCtlWatch *w = user_data;
	gsize len = 0;
	const char *data = g_bytes_get_data(message, &len);
	g_autoptr(JsonNode) root = sdag_json_parse(data, (gssize)len, NULL);
	JsonObject *msg = root != NULL && JSON_NODE_HOLDS_OBJECT(root) ? json_node_get_object(root)
								       : NULL;
	const char *type = msg != NULL ? sdag_ctl_str(msg, "type") : NULL;
	JsonObject *payload = sdag_ctl_obj(msg, "payload");
	g_autoptr(GBytes) body = NULL;
	g_autofree char *text = NULL;

	if (payload == NULL || (g_strcmp0(type, "status") != 0 && g_strcmp0(type, "progress") != 0))
		return;
	if (sdag_ctl_status_is_terminal(sdag_ctl_str(payload, "status")))
		return;
	text = sdag_json_to_string(json_object_get_member(msg, "payload"));
	len = strlen(text);
	body = g_bytes_new_take(g_steal_pointer(&text), len);
	sdag_ctl_watch_show(w, payload, body);
}

/*
 * Follows the job's WebSocket feed until it closes (after the terminal status), then reads
 * the job's record for the final status; if the feed could not be had or closed early, it
 * polls the record five times a second instead.
 *
 * Returns SDAG_CTL_OK when the job completed, SDAG_CTL_REFUSED when it failed or was
 * cancelled (or vanished), SDAG_CTL_FAILED when the daemon went away.
 */
static int
sdag_ctl_jobs_watch(SdagCtl *ctl, const char *id)
{
	g_autofree char *path = sdag_ctl_job_path(id, "");
	g_autofree char *events = sdag_ctl_job_path(id, "/events");
	g_autofree char *reason = NULL;
	SdagCtlWatch w = {.ctl = ctl};
	guint refused = 0;
	int rc = SDAG_CTL_OK;

	if (ctl->tty && !ctl->json)
		signal(SIGINT, sdag_ctl_watch_sigint);
	/* whatever became of the feed, the record has the last word (and the error to print
	 * when there is no such job) */
	sdag_ctl_events_follow(ctl, events, sdag_ctl_watch_message, &w, &refused, &reason);
	for (;;) {
		g_auto(SdagCtlReply) reply = {0};
		JsonObject *job;
		const char *status;

		rc = sdag_ctl_send(ctl, "GET", path, NULL, &reply);
		if (rc != SDAG_CTL_OK || !sdag_ctl_reply_ok(&reply)) {
			if (w.drawn)
				g_print("\n");
			rc = rc != SDAG_CTL_OK
				 ? rc
				 : sdag_ctl_refused(ctl, "GET", path, NULL, &reply, FALSE);
			break;
		}
		job = sdag_ctl_root_object(&reply);
		if (job == NULL) {
			rc = sdag_ctl_unexpected("GET", path);
			break;
		}
		sdag_ctl_watch_show(&w, job, reply.body);
		status = sdag_ctl_str(job, "status");
		if (sdag_ctl_status_is_terminal(status)) {
			JsonObject *error = sdag_ctl_obj(job, "error");

			rc = SDAG_CTL_OK;
			if (g_strcmp0(status, "completed") == 0)
				break;
			if (error != NULL)
				g_printerr("streamdagctl: job %s %s: %s: %s\n",
					   id,
					   status,
					   sdag_ctl_str(error, "code"),
					   sdag_ctl_str(error, "message"));
			else
				g_printerr("streamdagctl: job %s %s\n", id, status);
			rc = SDAG_CTL_REFUSED;
			break;
		}
		g_usleep(200 * 1000);
	}
	g_free(w.last_status);
	g_clear_pointer(&w.last_body, g_bytes_unref);
	return rc;
}

static int
sdag_ctl_jobs_results(SdagCtl *ctl, const char *id)
{
	g_autofree char *path = sdag_ctl_job_path(id, "/results");
	g_auto(SdagCtlReply) reply = {0};
	JsonObject *obj;
	JsonObject *summary;
	int rc = sdag_ctl_send(ctl, "GET", path, NULL, &reply);

	if (rc != SDAG_CTL_OK)
		return rc;
	if (!sdag_ctl_reply_ok(&reply))
		return sdag_ctl_refused(ctl, "GET", path, NULL, &reply, FALSE);
	if (ctl->json) {
		sdag_ctl_print_raw(reply.body);
		return SDAG_CTL_OK;
	}
	obj = sdag_ctl_root_object(&reply);
	if (obj == NULL)
		return sdag_ctl_unexpected("GET", path);
	summary = sdag_ctl_obj(obj, "summary");
	g_print("job          %s\n", sdag_ctl_str(obj, "job_id"));
	g_print("status       %s%s\n",
		sdag_ctl_str(obj, "status"),
		json_object_get_boolean_member_with_default(obj, "final", FALSE)
		    ? " (final)"
		    : " (summary still growing)");
	g_print("frames       %" G_GINT64_FORMAT "\n", sdag_ctl_int(summary, "total_frames"));
	if (summary != NULL) {
		g_print("summary\n");
		sdag_ctl_print_fields(summary, "  ", 20);
	}
	return SDAG_CTL_OK;
}

static int
sdag_ctl_jobs(SdagCtl *ctl, int argc, char **argv, const SdagCtlJobOpts *opts)
{
	static const char *const one_id[] = {"get",
					     "watch",
					     "cancel",
					     "delete",
					     "results",
					     "frames",
					     "snapshot",
					     "metrics",
					     "tail",
					     NULL};
	const char *cmd = argc > 0 ? argv[0] : NULL;

	if (cmd == NULL)
		return sdag_ctl_usage("jobs submit | submit-batch | get | watch | tail | list | "
				      "cancel | delete | results | frames | snapshot | metrics | "
				      "prune");
	if (g_strcmp0(cmd, "submit-batch") == 0)
		return sdag_ctl_jobs_submit_batch(
		    ctl, argc - 1, argv + 1, opts->pipeline, &opts->submit);
	if (g_strcmp0(cmd, "prune") == 0) {
		if (argc != 1 || opts->before == NULL)
			return sdag_ctl_usage(
			    "jobs prune --before TIME [--status S]... [--pipeline ID] "
			    "[--dry-run]");
		return sdag_ctl_jobs_prune(
		    ctl, opts->before, opts->statuses, opts->pipeline, opts->dry_run);
	}
	if (g_strcmp0(cmd, "submit") == 0)
		return sdag_ctl_jobs_submit(ctl, argc, argv, opts);
	if (g_strcmp0(cmd, "list") == 0) {
		if (argc != 1)
			return sdag_ctl_usage(
			    "jobs list [--limit N] [--cursor C] [--pipeline ID] [--status S] "
			    "[--camera NAME] [--source PREFIX] [--since TIME] [--until TIME]");
		if (opts->statuses != NULL &&
		    (opts->statuses[1] != NULL || strchr(opts->statuses[0], ',') != NULL)) {
			g_printerr("streamdagctl: jobs list takes one --status\n");
			return SDAG_CTL_FAILED;
		}
		return sdag_ctl_jobs_list(ctl, opts);
	}
	if (g_strv_contains(one_id, cmd)) {
		g_autofree char *usage =
		    g_strdup_printf("jobs %s ID%s",
				    cmd,
				    g_strcmp0(cmd, "frames") == 0 ? " [--limit N] [--cursor FRAME]"
				    : g_strcmp0(cmd, "snapshot") == 0 ? " > FILE.jpg"
								      : "");

		if (argc != 2 || argv[1][0] == '\0')
			return sdag_ctl_usage(usage);
		if (g_strcmp0(cmd, "get") == 0)
			return sdag_ctl_jobs_one(ctl, "GET", argv[1], "");
		if (g_strcmp0(cmd, "cancel") == 0)
			return sdag_ctl_jobs_one(ctl, "POST", argv[1], "/cancel");
		if (g_strcmp0(cmd, "delete") == 0)
			return sdag_ctl_jobs_one(ctl, "DELETE", argv[1], "");
		if (g_strcmp0(cmd, "watch") == 0)
			return sdag_ctl_jobs_watch(ctl, argv[1]);
		if (g_strcmp0(cmd, "frames") == 0) {
			SdagCtlQuery q = sdag_ctl_query(opts);
			return sdag_ctl_jobs_frames(ctl, argv[1], &q);
		}
		if (g_strcmp0(cmd, "metrics") == 0)
			return sdag_ctl_jobs_metrics(ctl, argv[1]);
		if (g_strcmp0(cmd, "snapshot") == 0) {
			g_autofree char *path = sdag_ctl_job_path(argv[1], "/snapshot.jpg");
			g_autofree char *hint = g_strdup_printf("jobs snapshot %s", argv[1]);
			return sdag_ctl_save_binary(ctl, path, hint, argv[1]);
		}
		if (g_strcmp0(cmd, "tail") == 0) {
			g_autofree char *path = sdag_ctl_job_path(argv[1], "/events");
			return sdag_ctl_events_tail(ctl, path);
		}
		return sdag_ctl_jobs_results(ctl, argv[1]);
	}
	g_printerr("streamdagctl: unknown jobs command '%s'\n", cmd);
	return SDAG_CTL_FAILED;
}

/* Which command an option goes with: given to another, it is a usage error. */
typedef struct {
	const char *names; /* as the message says them */
	gboolean given;
	const char *commands[4]; /* NULL-terminated: three at most */
} SdagCtlOptionRule;

/* "jobs list", "history": the command of the line, as the rules name it */
static gboolean
sdag_ctl_options_fit(int argc, char **argv, const SdagCtlJobOpts *o, gboolean scope)
{
	static const char *const groups[] = {
	    "jobs", "pipelines", "cameras", "admin", "token", NULL};
	const char *group = argc > 1 ? argv[1] : "";
	g_autofree char *cmd = argc > 2 && g_strv_contains(groups, group)
				   ? g_strdup_printf("%s %s", group, argv[2])
				   : g_strdup(group);
	const SdagCtlSubmitOpts *s = &o->submit;
	const SdagCtlOptionRule rules[] = {
	    {"--stride, --max-frames, --requeue-on-interrupt and --decode go",
	     s->stride > 0 || s->max_frames >= 0 || s->requeue || s->decode != NULL,
	     {"jobs submit", "jobs submit-batch"}},
	    {"--live and --mqtt go",
	     s->extra != NULL || s->mqtt != NULL,
	     {"jobs submit", "jobs submit-batch"}},
	    {"--partial goes", s->partial, {"jobs submit-batch"}},
	    {"--limit and --cursor go",
	     o->limit > 0 || o->cursor != NULL,
	     {"jobs list", "jobs frames", "history"}},
	    {"--before goes", o->before != NULL, {"jobs prune"}},
	    {"--status goes", o->statuses != NULL, {"jobs prune", "jobs list"}},
	    {"--pipeline goes",
	     o->pipeline != NULL,
	     {"jobs prune", "jobs submit-batch", "jobs list"}},
	    {"--since and --until go",
	     o->since != NULL || o->until != NULL,
	     {"jobs list", "history", "pipelines stats"}},
	    {"--camera and --source go", o->camera != NULL || o->source != NULL, {"jobs list"}},
	    {"--actor and --action go", o->actor != NULL || o->action != NULL, {"history"}},
	    {"--scope goes", scope, {"token new"}},
	};

	for (guint i = 0; i < G_N_ELEMENTS(rules); i++) {
		const SdagCtlOptionRule *r = &rules[i];
		guint n = 0;
		g_autoptr(GString) list = NULL;

		/* commands[] has a NULL after its last one: at most three a rule */
		if (!r->given || g_strv_contains((const char *const *)r->commands, cmd))
			continue;
		list = g_string_new(NULL);
		for (n = 0; r->commands[n] != NULL; n++)
			g_string_append_printf(
			    list,
			    "%s%s",
			    n == 0 ? "" : (r->commands[n + 1] == NULL ? " and " : ", "),
			    r->commands[n]);
		g_printerr("streamdagctl: %s with %s only\n", r->names, list->str);
		return FALSE;
	}
	return TRUE;
}

static gboolean
sdag_ctl_parse_count(const char *name,
		     const char *value,
		     gint64 min,
		     gint64 max,
		     gint64 *out,
		     GError **error)
{
	guint64 v = 0;

	if (!g_ascii_string_to_unsigned(value, 10, (guint64)min, (guint64)max, &v, NULL)) {
		g_set_error(error,
			    G_OPTION_ERROR,
			    G_OPTION_ERROR_BAD_VALUE,
			    "%s: expected a whole number of at least %" G_GINT64_FORMAT
			    ", not '%s'",
			    name,
			    min,
			    value);
		return FALSE;
	}
	*out = (gint64)v;
	return TRUE;
}

/*
 * --live KEY=VALUE, --mqtt KEY=VALUE: one member of the job's options (or options.mqtt).
 * VALUE is taken as JSON when it is JSON (5000, true, 1.5, "007"), else as a string (tcp):
 * the daemon checks names and values, as for any client.
 */
static gboolean
sdag_ctl_option_member(const char *name, const char *value, JsonObject **into, GError **error)
{
	const char *eq = strchr(value, '=');
	g_autofree char *key = NULL;
	JsonNode *node;

	if (eq == NULL || eq == value) {
		g_set_error(error,
			    G_OPTION_ERROR,
			    G_OPTION_ERROR_BAD_VALUE,
			    "%s: expected KEY=VALUE, not '%s'",
			    name,
			    value);
		return FALSE;
	}
	key = g_strndup(value, eq - value);
	node = sdag_json_parse(eq + 1, -1, NULL);
	if (node == NULL) {
		node = json_node_new(JSON_NODE_VALUE);
		json_node_set_string(node, eq + 1);
	}
	if (*into == NULL)
		*into = json_object_new();
	json_object_set_member(*into, key, node);
	return TRUE;
}

static gboolean
sdag_ctl_option_cb(const char *name, const char *value, gpointer data, GError **error)
{
	SdagCtlJobOpts *opts = data;
	gint64 v = 0;

	if (g_strcmp0(name, "--live") == 0)
		return sdag_ctl_option_member(name, value, &opts->submit.extra, error);
	if (g_strcmp0(name, "--mqtt") == 0)
		return sdag_ctl_option_member(name, value, &opts->submit.mqtt, error);
	if (g_strcmp0(name, "--stride") == 0) {
		if (!sdag_ctl_parse_count(name, value, 1, G_MAXINT, &v, error))
			return FALSE;
		opts->submit.stride = (gint)v;
	} else if (g_strcmp0(name, "--max-frames") == 0) {
		if (!sdag_ctl_parse_count(name, value, 0, G_MAXINT64, &v, error))
			return FALSE;
		opts->submit.max_frames = v;
	} else if (g_strcmp0(name, "--decode") == 0) {
		static const char *const modes[] = {"all", "reference", "keyframes", NULL};

		if (!g_strv_contains(modes, value)) {
			g_set_error(error,
				    G_OPTION_ERROR,
				    G_OPTION_ERROR_BAD_VALUE,
				    "--decode: all, reference or keyframes, not '%s'",
				    value);
			return FALSE;
		}
		opts->submit.decode = g_intern_string(value);
	} else {
		if (!sdag_ctl_parse_count(name, value, 1, G_MAXINT, &v, error))
			return FALSE;
		opts->limit = (gint)v;
	}
	return TRUE;
}

/*
 * token new NAME --scope SCOPE...: a fresh secret, printed once, and its line for [auth].
 * Talks to no daemon: the daemon learns of the token from its config.
 */
static int
sdag_ctl_token(SdagCtl *ctl, int argc, char **argv, char **scopes)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *joined = NULL;
	g_autofree char *secret = NULL;
	g_autofree char *value = NULL;
	g_autofree char *list = NULL;
	SdagScope set = SDAG_SCOPE_NONE;

	if (argc != 2 || g_strcmp0(argv[0], "new") != 0) {
		g_printerr("streamdagctl: token new NAME --scope SCOPE[,SCOPE...]\n");
		return SDAG_CTL_FAILED;
	}
	if (!sdag_token_check_name(argv[1], &error)) {
		g_printerr("streamdagctl: %s\n", error->message);
		return SDAG_CTL_FAILED;
	}
	if (scopes == NULL || scopes[0] == NULL) {
		g_printerr("streamdagctl: token new needs --scope: read, jobs:write, "
			   "pipelines:write, cameras:write or admin\n");
		return SDAG_CTL_FAILED;
	}
	joined = g_strjoinv(",", scopes);
	if (!sdag_scopes_parse(joined, &set, &error)) {
		g_printerr("streamdagctl: --scope: %s\n", error->message);
		return SDAG_CTL_FAILED;
	}
	secret = sdag_token_secret_new();
	value = sdag_token_format_value(secret, set);
	list = sdag_scopes_to_string(set);
	if (ctl->json) {
		g_autoptr(JsonBuilder) b = json_builder_new();
		g_autoptr(JsonNode) root = NULL;
		g_autofree char *text = NULL;
		g_auto(GStrv) names = g_strsplit(list, ",", -1);
		g_autofree char *line = g_strdup_printf("%s = %s", argv[1], value);

		json_builder_begin_object(b);
		json_builder_set_member_name(b, "name");
		json_builder_add_string_value(b, argv[1]);
		json_builder_set_member_name(b, "secret");
		json_builder_add_string_value(b, secret);
		json_builder_set_member_name(b, "scopes");
		json_builder_begin_array(b);
		for (guint i = 0; names[i] != NULL; i++)
			json_builder_add_string_value(b, names[i]);
		json_builder_end_array(b);
		json_builder_set_member_name(b, "config_line");
		json_builder_add_string_value(b, line);
		json_builder_end_object(b);
		root = json_builder_get_root(b);
		text = sdag_json_to_string(root);
		g_print("%s\n", text);
		return SDAG_CTL_OK;
	}
	g_print("secret (shown once; give it to the client, keep it nowhere else):\n"
		"%s\n"
		"add to [auth] in /etc/streamdag/streamdag.conf or a conf.d/*.conf file, then "
		"systemctl reload streamdagd:\n"
		"[auth]\n"
		"%s = %s\n",
		secret,
		argv[1],
		value);
	return SDAG_CTL_OK;
}

/*
 * The token's secret: --token, else $STREAMDAG_TOKEN, else the first line of --token-file
 * or $STREAMDAG_TOKEN_FILE. NULL with *failed FALSE for none; *failed TRUE after saying why
 * the file cannot be used (its content is never quoted).
 */
static char *
sdag_ctl_find_token(const char *option, const char *file, gboolean *failed)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *text = NULL;
	const char *env = g_getenv("STREAMDAG_TOKEN");
	GStatBuf st;
	gsize len = 0;

	*failed = FALSE;
	if (option != NULL)
		return g_strdup(option);
	if (env != NULL && env[0] != '\0')
		return g_strdup(env);
	if (file == NULL)
		file = g_getenv("STREAMDAG_TOKEN_FILE");
	if (file == NULL || file[0] == '\0')
		return NULL;
	if (!g_file_get_contents(file, &text, &len, &error)) {
		g_printerr("streamdagctl: token file: %s\n", error->message);
		*failed = TRUE;
		return NULL;
	}
	if (g_stat(file, &st) == 0 && (st.st_mode & 0007) != 0)
		g_printerr("streamdagctl: warning: %s is readable by every user of this machine; "
			   "chmod o-rwx it\n",
			   file);
	while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r'))
		text[--len] = '\0';
	if (len == 0 || strlen(text) != len || strpbrk(text, " \t\r\n") != NULL) {
		g_printerr("streamdagctl: token file %s does not hold one token on one line\n",
			   file);
		memset(text, 0, len);
		*failed = TRUE;
		return NULL;
	}
	return g_steal_pointer(&text);
}

int
main(int argc, char **argv)
{
	g_autofree char *url = NULL;
	gboolean dry_run = FALSE;
	gboolean json = FALSE;
	gboolean version = FALSE;
	SdagCtlJobOpts jopts = {.submit = {.stride = 0, .max_frames = -1}};
	g_autofree char *cursor = NULL;
	g_autofree char *token = NULL;
	g_autofree char *token_file = NULL;
	g_autofree char *cacert = NULL;
	g_auto(GStrv) scopes = NULL;
	gboolean token_failed = FALSE;
	GOptionGroup *group;
	const GOptionEntry entries[] = {
	    {"url",
	     'u',
	     0,
	     G_OPTION_ARG_STRING,
	     &url,
	     "Daemon URL (default $STREAMDAG_URL or http://127.0.0.1:8080)",
	     "URL"},
	    {"json",
	     'j',
	     0,
	     G_OPTION_ARG_NONE,
	     &json,
	     "Print each answer as the daemon sent it (one JSON document a line)",
	     NULL},
	    {"dry-run",
	     'n',
	     0,
	     G_OPTION_ARG_NONE,
	     &dry_run,
	     "Validate pipelines without storing them",
	     NULL},
	    {"stride",
	     0,
	     0,
	     G_OPTION_ARG_CALLBACK,
	     sdag_ctl_option_cb,
	     "jobs submit: analyse every Nth frame (default 1)",
	     "N"},
	    {"max-frames",
	     0,
	     0,
	     G_OPTION_ARG_CALLBACK,
	     sdag_ctl_option_cb,
	     "jobs submit: stop after N frames (default 0, no limit)",
	     "N"},
	    {"decode",
	     0,
	     0,
	     G_OPTION_ARG_CALLBACK,
	     sdag_ctl_option_cb,
	     "jobs submit: which frames are decoded: all (default), reference or keyframes",
	     "MODE"},
	    {"requeue-on-interrupt",
	     0,
	     0,
	     G_OPTION_ARG_NONE,
	     &jopts.submit.requeue,
	     "jobs submit: requeue the job if the daemon stops while it runs (default: it fails)",
	     NULL},
	    {"live",
	     0,
	     0,
	     G_OPTION_ARG_CALLBACK,
	     sdag_ctl_option_cb,
	     "jobs submit: a live source's option, such as transport=tcp or backoff_max_ms=5000; "
	     "repeat it",
	     "KEY=VALUE"},
	    {"mqtt",
	     0,
	     0,
	     G_OPTION_ARG_CALLBACK,
	     sdag_ctl_option_cb,
	     "jobs submit: a member of options.mqtt, such as publish_detections=false; repeat it",
	     "KEY=VALUE"},
	    {"limit",
	     0,
	     0,
	     G_OPTION_ARG_CALLBACK,
	     sdag_ctl_option_cb,
	     "jobs list, jobs frames, history: at most N a page (default 50; 100 frames)",
	     "N"},
	    {"cursor",
	     0,
	     0,
	     G_OPTION_ARG_STRING,
	     &cursor,
	     "jobs list, history: the page after a previous page's cursor; jobs frames: the first "
	     "frame id",
	     "C"},
	    {"since",
	     0,
	     0,
	     G_OPTION_ARG_STRING,
	     &jopts.since,
	     "jobs list, history, pipelines stats: from TIME on (RFC 3339, or seconds since 1970)",
	     "TIME"},
	    {"until",
	     0,
	     0,
	     G_OPTION_ARG_STRING,
	     &jopts.until,
	     "jobs list, history, pipelines stats: before TIME",
	     "TIME"},
	    {"camera",
	     0,
	     0,
	     G_OPTION_ARG_STRING,
	     &jopts.camera,
	     "jobs list: only the jobs this camera ran",
	     "NAME"},
	    {"source",
	     0,
	     0,
	     G_OPTION_ARG_STRING,
	     &jopts.source,
	     "jobs list: only the jobs whose source starts with PREFIX",
	     "PREFIX"},
	    {"actor",
	     0,
	     0,
	     G_OPTION_ARG_STRING,
	     &jopts.actor,
	     "history: only the entries of this token name (anonymous, system, ...)",
	     "NAME"},
	    {"action",
	     0,
	     0,
	     G_OPTION_ARG_STRING,
	     &jopts.action,
	     "history: only the entries of this action (job.submit, job.completed, ...)",
	     "ACTION"},
	    {"token",
	     't',
	     0,
	     G_OPTION_ARG_STRING,
	     &token,
	     "The API token's secret (visible to other users in ps: prefer $STREAMDAG_TOKEN or "
	     "--token-file)",
	     "SECRET"},
	    {"token-file",
	     0,
	     0,
	     G_OPTION_ARG_FILENAME,
	     &token_file,
	     "Read the API token from FILE's first line (default $STREAMDAG_TOKEN_FILE)",
	     "FILE"},
	    {"cacert",
	     0,
	     0,
	     G_OPTION_ARG_FILENAME,
	     &cacert,
	     "Trust the CA certificates in FILE (PEM) for an https:// URL",
	     "FILE"},
	    {"scope",
	     0,
	     0,
	     G_OPTION_ARG_STRING_ARRAY,
	     &scopes,
	     "token new: a scope of the token (read, jobs:write, pipelines:write, cameras:write, "
	     "admin); repeat or separate with commas",
	     "SCOPE"},
	    {"before",
	     0,
	     0,
	     G_OPTION_ARG_STRING,
	     &jopts.before,
	     "jobs prune: the jobs created before TIME (RFC 3339, or seconds since 1970)",
	     "TIME"},
	    {"status",
	     0,
	     0,
	     G_OPTION_ARG_STRING_ARRAY,
	     &jopts.statuses,
	     "jobs prune: only jobs that ended so (completed, failed, cancelled), repeat it; "
	     "jobs list: only jobs in this status",
	     "STATUS"},
	    {"pipeline",
	     0,
	     0,
	     G_OPTION_ARG_STRING,
	     &jopts.pipeline,
	     "jobs prune, jobs list: only this pipeline's jobs; jobs submit-batch: the pipeline "
	     "the "
	     "jobs run",
	     "ID"},
	    {"partial",
	     0,
	     0,
	     G_OPTION_ARG_NONE,
	     &jopts.submit.partial,
	     "jobs submit-batch: store the valid jobs even if the daemon refuses some",
	     NULL},
	    {"version", 0, 0, G_OPTION_ARG_NONE, &version, "Print the version", NULL},
	    {NULL}};
	g_autoptr(GOptionContext) ctx = g_option_context_new(
	    "COMMAND - control streamdagd\n\n"
	    "Commands:\n"
	    "  health                       daemon health\n"
	    "  node-types                   the node types: ports and params\n"
	    "  metrics                      the daemon's Prometheus metrics, as text\n"
	    "  history                      the audit trail, newest first (admin)\n"
	    "  pipelines list               registered pipelines\n"
	    "  pipelines get ID             one pipeline\n"
	    "  pipelines add FILE...        register pipelines from JSON files\n"
	    "  pipelines validate FILE...   check pipelines, store nothing: every problem\n"
	    "  pipelines delete ID          remove a pipeline\n"
	    "  pipelines stats ID           analytics over a pipeline's past runs\n"
	    "  pipelines run ID IMAGE       run a pipeline once over a JPEG or PNG\n"
	    "  jobs submit PIPELINE SOURCE  run a pipeline over a file or URL; prints the job id\n"
	    "  jobs submit-batch --pipeline ID DIR|FILE...  one job a file, sent at once, "
	    "followed to the end\n"
	    "  jobs get ID                  one job: status, progress, error, summary\n"
	    "  jobs watch ID                follow a job until it ends (exit 0 if it completed)\n"
	    "  jobs tail ID                 print a job's live messages as they come (WebSocket)\n"
	    "  jobs list [--limit N]        jobs, newest first, filtered\n"
	    "  jobs cancel ID               stop a queued or running job\n"
	    "  jobs delete ID               remove a finished job and its results\n"
	    "  jobs results ID              a job's summary and frame count\n"
	    "  jobs frames ID               a job's frame results, a page at a time\n"
	    "  jobs snapshot ID             its latest annotated frame, JPEG, to standard output\n"
	    "  jobs metrics ID              its per-node times, the bottleneck marked\n"
	    "  cameras list                 the cameras and what each is doing\n"
	    "  cameras get NAME             one camera: definition, job, source state, fps\n"
	    "  cameras put [NAME] FILE      create or replace a camera from a JSON file\n"
	    "  cameras delete NAME          remove a camera (its jobs' results stay)\n"
	    "  cameras enable NAME          start a camera's job\n"
	    "  cameras disable NAME         cancel a camera's job\n"
	    "  cameras snapshot NAME        its latest annotated frame, JPEG, to standard output\n"
	    "  cameras tail NAME            follow its events as they come (WebSocket)\n"
	    "  jobs prune --before TIME     delete ended jobs created before TIME (--dry-run "
	    "first)\n"
	    "  admin fsck                   check the store's consistency (on a checkpoint)\n"
	    "  admin backup DIR             a consistent copy of the store, made while it runs\n"
	    "  token new NAME --scope S     a fresh API token: its secret, and its line for "
	    "[auth]\n\n"
	    "Exit status: 0 success, 1 the daemon refused (or the job failed, or the pipeline\n"
	    "is invalid), 2 usage or connection error.");
	g_autoptr(GError) error = NULL;
	SdagCtl ctl = {0};
	int rc;

	setlocale(LC_ALL, "");
	/* a main group of our own, so that the option callbacks get @jopts */
	group = g_option_group_new(NULL, NULL, NULL, &jopts, NULL);
	g_option_group_add_entries(group, entries);
	g_option_context_set_main_group(ctx, group);
	if (!g_option_context_parse(ctx, &argc, &argv, &error)) {
		g_printerr("streamdagctl: %s\n", error->message);
		sdag_ctl_job_opts_clear(&jopts);
		return SDAG_CTL_FAILED;
	}
	/* before any command is looked at: a packaging script or an operator checking what
	 * is installed has no daemon to talk to */
	if (version) {
		g_print("streamdagctl %s\n", SDAG_VERSION);
		return SDAG_CTL_OK;
	}
	jopts.cursor = cursor;
	/* --dry-run is also pipelines add's */
	jopts.dry_run = dry_run;
	if (url == NULL)
		url = g_strdup(g_getenv("STREAMDAG_URL") != NULL ? g_getenv("STREAMDAG_URL")
								 : "http://127.0.0.1:8080");
	while (g_str_has_suffix(url, "/"))
		url[strlen(url) - 1] = '\0';
	if (argc < 2) {
		g_autofree char *help = g_option_context_get_help(ctx, TRUE, NULL);
		g_printerr("%s", help);
		return SDAG_CTL_FAILED;
	}
	ctl.base = url;
	ctl.json = json;
	ctl.tty = isatty(STDOUT_FILENO);
	if (!sdag_ctl_options_fit(argc, argv, &jopts, scopes != NULL)) {
		sdag_ctl_job_opts_clear(&jopts);
		return SDAG_CTL_FAILED;
	}
	if (g_strcmp0(argv[1], "token") == 0) {
		sdag_ctl_job_opts_clear(&jopts);
		return sdag_ctl_token(&ctl, argc - 2, argv + 2, scopes);
	}
	ctl.token = sdag_ctl_find_token(token, token_file, &token_failed);
	if (token_failed) {
		sdag_ctl_job_opts_clear(&jopts);
		return SDAG_CTL_FAILED;
	}
	ctl.session = soup_session_new_with_options("timeout", 30, NULL);
	if (cacert != NULL) {
		/* GTlsFileDatabase wants an absolute path; an operator types a relative one */
		g_autofree char *path = g_canonicalize_filename(cacert, NULL);
		g_autoptr(GTlsDatabase) db = g_tls_file_database_new(path, &error);

		if (db == NULL) {
			g_printerr("streamdagctl: --cacert: %s\n", error->message);
			g_object_unref(ctl.session);
			g_free(ctl.token);
			sdag_ctl_job_opts_clear(&jopts);
			return SDAG_CTL_FAILED;
		}
		soup_session_set_tls_database(ctl.session, db);
	}
	if (g_strcmp0(argv[1], "health") == 0 && argc == 2)
		rc = sdag_ctl_request(&ctl, "GET", "/healthz", NULL, NULL);
	else if (g_strcmp0(argv[1], "node-types") == 0 && argc == 2)
		rc = sdag_ctl_node_types(&ctl);
	else if (g_strcmp0(argv[1], "metrics") == 0 && argc == 2)
		rc = sdag_ctl_prometheus(&ctl);
	else if (g_strcmp0(argv[1], "history") == 0 && argc == 2) {
		SdagCtlQuery q = sdag_ctl_query(&jopts);
		rc = sdag_ctl_history(&ctl, &q);
	} else if (g_strv_contains(
		       (const char *const[]){"health", "node-types", "metrics", "history", NULL},
		       argv[1])) {
		rc = sdag_ctl_usage(argv[1]);
	} else if (g_strcmp0(argv[1], "pipelines") == 0)
		rc = sdag_ctl_pipelines(&ctl, argc - 2, argv + 2, &jopts);
	else if (g_strcmp0(argv[1], "jobs") == 0)
		rc = sdag_ctl_jobs(&ctl, argc - 2, argv + 2, &jopts);
	else if (g_strcmp0(argv[1], "cameras") == 0)
		rc = sdag_ctl_cameras(&ctl, argc - 2, argv + 2);
	else if (g_strcmp0(argv[1], "admin") == 0)
		rc = sdag_ctl_admin(&ctl, argc - 2, argv + 2);
	else {
		g_printerr("streamdagctl: unknown command '%s'\n", argv[1]);
		rc = SDAG_CTL_FAILED;
	}
	g_object_unref(ctl.session);
	if (ctl.token != NULL)
		memset(ctl.token, 0, strlen(ctl.token));
	g_free(ctl.token);
	sdag_ctl_job_opts_clear(&jopts);
	return rc;
}
