/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * streamdagctl jobs submit-batch: many sources in one POST /jobs/batch, then one progress
 * bar over all of them until every job has ended.
 */
#define G_LOG_DOMAIN "streamdagctl"

#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "sdag-ctl-private.h"
#include "sdag-json.h"

static gint
sdag_ctl_batch_path_cmp(gconstpointer a, gconstpointer b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* A directory stands for its files (not hidden, not in subdirectories), by name; anything
 * else for itself. */
static gboolean
sdag_ctl_batch_expand(const char *arg, GPtrArray *sources, GError **error)
{
	g_autoptr(GDir) dir = NULL;
	g_autoptr(GPtrArray) names = NULL;
	const char *name;

	if (!g_file_test(arg, G_FILE_TEST_IS_DIR)) {
		g_ptr_array_add(sources, g_strdup(arg));
		return TRUE;
	}
	dir = g_dir_open(arg, 0, error);
	if (dir == NULL)
		return FALSE;
	names = g_ptr_array_new_with_free_func(g_free);
	while ((name = g_dir_read_name(dir)) != NULL) {
		g_autofree char *path = g_build_filename(arg, name, NULL);

		if (name[0] != '.' && g_file_test(path, G_FILE_TEST_IS_REGULAR))
			g_ptr_array_add(names, g_steal_pointer(&path));
	}
	g_ptr_array_sort(names, sdag_ctl_batch_path_cmp);
	for (guint i = 0; i < names->len; i++)
		g_ptr_array_add(sources, g_strdup(g_ptr_array_index(names, i)));
	return TRUE;
}

static GBytes *
sdag_ctl_batch_body(GPtrArray *urls, const char *pipeline, const SdagCtlSubmitOpts *opts)
{
	g_autoptr(JsonBuilder) b = json_builder_new();
	g_autoptr(JsonNode) root = NULL;
	char *text;

	json_builder_begin_object(b);
	if (opts->partial) {
		json_builder_set_member_name(b, "partial");
		json_builder_add_boolean_value(b, TRUE);
	}
	json_builder_set_member_name(b, "jobs");
	json_builder_begin_array(b);
	for (guint i = 0; i < urls->len; i++) {
		json_builder_begin_object(b);
		json_builder_set_member_name(b, "pipeline_id");
		json_builder_add_string_value(b, pipeline);
		json_builder_set_member_name(b, "video_url");
		json_builder_add_string_value(b, g_ptr_array_index(urls, i));
		sdag_ctl_add_submit_options(b, opts);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
	json_builder_end_object(b);
	root = json_builder_get_root(b);
	text = sdag_json_to_string(root);
	return g_bytes_new_take(text, strlen(text));
}

/* Each refused request of the batch, named by its source: "streamdagctl: SOURCE: code:
 * message". */
static void
sdag_ctl_batch_print_problems(JsonArray *problems, GPtrArray *sources)
{
	for (guint i = 0; problems != NULL && i < json_array_get_length(problems); i++) {
		JsonObject *p = json_array_get_object_element(problems, i);
		gint64 index = p != NULL ? json_object_get_int_member_with_default(p, "index", -1)
					 : -1;

		if (p == NULL)
			continue;
		g_printerr("streamdagctl: %s: %s: %s\n",
			   index >= 0 && index < (gint64)sources->len
			       ? (const char *)g_ptr_array_index(sources, index)
			       : "?",
			   json_object_get_string_member_with_default(p, "code", "?"),
			   json_object_get_string_member_with_default(p, "message", ""));
	}
}

typedef struct {
	char *id;
	const char *source; /* borrowed from the sources */
	char *status;	    /* the last one read; NULL before */
	double progress;    /* of a running job, 0 to 1 */
	gboolean ended;
} SdagCtlBatchJob;

static void
sdag_ctl_batch_job_clear(SdagCtlBatchJob *job)
{
	g_free(job->id);
	g_free(job->status);
}

/* `[#######.............]  34/100 ended  2 running  1 failed  12 s` */
static char *
sdag_ctl_batch_line(GArray *jobs, double elapsed_s)
{
	const guint width = 30;
	GString *line = g_string_new("[");
	guint ended = 0, running = 0, bad = 0;
	double done = 0;
	guint filled;

	for (guint i = 0; i < jobs->len; i++) {
		SdagCtlBatchJob *job = &g_array_index(jobs, SdagCtlBatchJob, i);

		if (job->ended) {
			ended++;
			done += 1.0;
			if (g_strcmp0(job->status, "completed") != 0)
				bad++;
		} else if (g_strcmp0(job->status, "running") == 0) {
			running++;
			done += CLAMP(job->progress, 0.0, 1.0);
		}
	}
	filled = jobs->len > 0 ? (guint)(done / jobs->len * width) : width;
	for (guint i = 0; i < width; i++)
		g_string_append_c(line, i < filled ? '#' : '.');
	g_string_append_printf(line,
			       "] %u/%u ended  %u running  %u failed  %.0f s",
			       ended,
			       jobs->len,
			       running,
			       bad,
			       elapsed_s);
	return g_string_free(line, FALSE);
}

/*
 * Reads the jobs that may have moved, in queue order: every job not yet seen to end, up to
 * and including the first one still queued. The queue is first-in, first-out and the batch's
 * jobs follow each other in it, so the ones after a queued job are queued too: a round costs
 * the running jobs plus one request, not the whole batch.
 *
 * Returns SDAG_CTL_OK, or SDAG_CTL_FAILED when the daemon went away.
 */
static int
sdag_ctl_batch_poll(SdagCtl *ctl, GArray *jobs, guint *first_open)
{
	for (guint i = *first_open; i < jobs->len; i++) {
		SdagCtlBatchJob *job = &g_array_index(jobs, SdagCtlBatchJob, i);
		g_autofree char *path = NULL;
		g_auto(SdagCtlReply) reply = {0};
		JsonObject *obj;
		int rc;

		if (job->ended)
			continue;
		path = g_strconcat("/jobs/", job->id, NULL);
		rc = sdag_ctl_send(ctl, "GET", path, NULL, &reply);
		if (rc != SDAG_CTL_OK)
			return rc;
		obj = sdag_ctl_root_object(&reply);
		g_free(job->status);
		if (reply.status == 404) {
			/* deleted by someone else before we saw it end */
			job->status = g_strdup("deleted");
			job->ended = TRUE;
			continue;
		}
		if (!sdag_ctl_reply_ok(&reply) || obj == NULL) {
			job->status = NULL;
			continue;
		}
		job->status =
		    g_strdup(json_object_get_string_member_with_default(obj, "status", ""));
		job->ended = sdag_ctl_status_is_terminal(job->status);
		job->progress = 0;
		sdag_ctl_num(obj, "progress", &job->progress);
		if (job->ended) {
			JsonObject *error = sdag_ctl_obj(obj, "error");

			if (ctl->json)
				sdag_ctl_print_raw(reply.body);
			else if (g_strcmp0(job->status, "completed") != 0 && error != NULL)
				g_printerr(
				    "%sstreamdagctl: %s: job %s %s: %s: %s\n",
				    ctl->tty ? "\r\033[K" : "",
				    job->source,
				    job->id,
				    job->status,
				    json_object_get_string_member_with_default(error, "code", "?"),
				    json_object_get_string_member_with_default(
					error, "message", ""));
			else if (g_strcmp0(job->status, "completed") != 0)
				g_printerr("%sstreamdagctl: %s: job %s %s\n",
					   ctl->tty ? "\r\033[K" : "",
					   job->source,
					   job->id,
					   job->status);
		}
		if (g_strcmp0(job->status, "queued") == 0)
			break;
	}
	while (*first_open < jobs->len && g_array_index(jobs, SdagCtlBatchJob, *first_open).ended)
		(*first_open)++;
	return SDAG_CTL_OK;
}

/*
 * Follows the batch's jobs until each has ended. On a terminal, one progress bar redrawn in
 * place; otherwise a plain line each time a job ends, at most one a second, and the last one.
 * With --json, each job's record once it has ended, one per line. A summary line follows.
 *
 * Returns SDAG_CTL_OK when every job completed, SDAG_CTL_REFUSED when one did not,
 * SDAG_CTL_FAILED when the daemon went away.
 */
static int
sdag_ctl_batch_follow(SdagCtl *ctl, GArray *jobs, guint rejected)
{
	gint64 start = g_get_monotonic_time();
	gint64 last_line = 0;
	guint last_ended = G_MAXUINT;
	guint first_open = 0;
	guint completed = 0, failed = 0, cancelled = 0, other = 0;

	if (ctl->tty && !ctl->json)
		signal(SIGINT, sdag_ctl_watch_sigint);
	for (;;) {
		int rc = sdag_ctl_batch_poll(ctl, jobs, &first_open);
		gboolean all = first_open == jobs->len;
		gint64 now = g_get_monotonic_time();

		if (rc != SDAG_CTL_OK) {
			if (ctl->tty && !ctl->json)
				g_print("\n");
			return rc;
		}
		if (!ctl->json) {
			g_autofree char *line =
			    sdag_ctl_batch_line(jobs, (double)(now - start) / G_USEC_PER_SEC);
			guint ended = 0;

			for (guint i = 0; i < jobs->len; i++)
				ended += g_array_index(jobs, SdagCtlBatchJob, i).ended ? 1 : 0;
			if (ctl->tty) {
				g_print("\r%s\033[K%s", line, all ? "\n" : "");
			} else if (all ||
				   (ended != last_ended && now - last_line >= G_USEC_PER_SEC)) {
				g_print("%s\n", line);
				last_line = now;
				last_ended = ended;
			}
			fflush(stdout);
		}
		if (all)
			break;
		g_usleep(250 * 1000);
	}
	for (guint i = 0; i < jobs->len; i++) {
		const char *status = g_array_index(jobs, SdagCtlBatchJob, i).status;

		if (g_strcmp0(status, "completed") == 0)
			completed++;
		else if (g_strcmp0(status, "failed") == 0)
			failed++;
		else if (g_strcmp0(status, "cancelled") == 0)
			cancelled++;
		else
			other++;
	}
	if (!ctl->json) {
		g_print("%u jobs: %u completed, %u failed, %u cancelled",
			jobs->len,
			completed,
			failed,
			cancelled);
		if (other > 0)
			g_print(", %u deleted", other);
		if (rejected > 0)
			g_print("; %u refused", rejected);
		g_print(" (%.1f s)\n", (double)(g_get_monotonic_time() - start) / G_USEC_PER_SEC);
	}
	return completed == jobs->len && rejected == 0 ? SDAG_CTL_OK : SDAG_CTL_REFUSED;
}

/**
 * sdag_ctl_jobs_submit_batch:
 * @args: DIR|FILE|URL..., the sources, each directory standing for its files by name
 *
 * jobs submit-batch: one POST /jobs/batch of a job of @pipeline for each source, in order,
 * then a progress bar over all of them until each has ended.
 *
 * Returns: SDAG_CTL_OK when every job completed; SDAG_CTL_REFUSED when the daemon refused
 *   the batch (each refused source is named), refused some (--partial), or a job did not
 *   complete; SDAG_CTL_FAILED on a usage or connection error
 */
int
sdag_ctl_jobs_submit_batch(SdagCtl *ctl,
			   int argc,
			   char **args,
			   const char *pipeline,
			   const SdagCtlSubmitOpts *opts)
{
	g_autoptr(GPtrArray) sources = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GPtrArray) urls = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GArray) jobs = g_array_new(FALSE, TRUE, sizeof(SdagCtlBatchJob));
	g_autoptr(GBytes) body = NULL;
	g_auto(SdagCtlReply) reply = {0};
	JsonObject *answer;
	JsonArray *accepted;
	JsonArray *rejected;
	int rc;

	if (pipeline == NULL || argc < 1) {
		g_printerr("streamdagctl: usage: streamdagctl jobs submit-batch --pipeline ID "
			   "DIR|FILE|URL... [--partial] [--stride N] [--max-frames N] "
			   "[--requeue-on-interrupt] [--decode MODE]\n");
		return SDAG_CTL_FAILED;
	}
	for (int i = 0; i < argc; i++) {
		g_autoptr(GError) error = NULL;

		if (!sdag_ctl_batch_expand(args[i], sources, &error)) {
			g_printerr("streamdagctl: %s: %s\n", args[i], error->message);
			return SDAG_CTL_FAILED;
		}
	}
	if (sources->len == 0) {
		g_printerr("streamdagctl: no file to submit in %s%s\n",
			   args[0],
			   argc > 1 ? " and the rest" : "");
		return SDAG_CTL_FAILED;
	}
	for (guint i = 0; i < sources->len; i++) {
		g_autoptr(GError) error = NULL;
		char *url = sdag_ctl_source_url(g_ptr_array_index(sources, i), &error);

		if (url == NULL) {
			g_printerr("streamdagctl: %s: %s\n",
				   (const char *)g_ptr_array_index(sources, i),
				   error->message);
			return SDAG_CTL_FAILED;
		}
		g_ptr_array_add(urls, url);
	}
	body = sdag_ctl_batch_body(urls, pipeline, opts);
	rc = sdag_ctl_send(ctl, "POST", "/jobs/batch", body, &reply);
	if (rc != SDAG_CTL_OK)
		return rc;
	if (!sdag_ctl_reply_ok(&reply)) {
		JsonObject *root = sdag_ctl_root_object(&reply);
		JsonObject *err = root != NULL ? sdag_ctl_obj(root, "error") : NULL;
		JsonObject *details = err != NULL ? sdag_ctl_obj(err, "details") : NULL;
		JsonNode *problems = details != NULL ? json_object_get_member(details, "problems")
						     : NULL;

		/* each refused source by its name, rather than by its index in the body */
		if (!ctl->json && problems != NULL && JSON_NODE_HOLDS_ARRAY(problems)) {
			g_printerr("streamdagctl: POST /jobs/batch: HTTP %u %s: nothing stored\n",
				   reply.status,
				   json_object_get_string_member_with_default(err, "code", "?"));
			sdag_ctl_batch_print_problems(json_node_get_array(problems), sources);
			return SDAG_CTL_REFUSED;
		}
		return sdag_ctl_refused(ctl, "POST", "/jobs/batch", NULL, &reply, FALSE);
	}
	answer = sdag_ctl_root_object(&reply);
	if (answer == NULL || sdag_ctl_array(answer, "jobs") == NULL)
		return sdag_ctl_unexpected("POST", "/jobs/batch");
	if (ctl->json)
		sdag_ctl_print_raw(reply.body);
	accepted = sdag_ctl_array(answer, "jobs");
	rejected = sdag_ctl_array(answer, "rejected");
	if (!ctl->json)
		sdag_ctl_batch_print_problems(rejected, sources);
	for (guint i = 0; i < json_array_get_length(accepted); i++) {
		JsonObject *a = json_array_get_object_element(accepted, i);
		gint64 index = a != NULL ? json_object_get_int_member_with_default(a, "index", -1)
					 : -1;
		SdagCtlBatchJob job = {0};

		if (a == NULL || index < 0 || index >= (gint64)sources->len ||
		    json_object_get_string_member_with_default(a, "job_id", NULL) == NULL)
			return sdag_ctl_unexpected("POST", "/jobs/batch");
		job.id =
		    g_uri_escape_string(json_object_get_string_member(a, "job_id"), NULL, FALSE);
		job.source = g_ptr_array_index(sources, index);
		g_array_append_val(jobs, job);
	}
	g_array_set_clear_func(jobs, (GDestroyNotify)sdag_ctl_batch_job_clear);
	if (!ctl->json)
		g_print("%u jobs of %s queued\n", jobs->len, pipeline);
	return sdag_ctl_batch_follow(
	    ctl, jobs, rejected != NULL ? json_array_get_length(rejected) : 0);
}
