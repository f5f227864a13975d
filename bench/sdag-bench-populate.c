/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Bench only: fills a data directory with N finished jobs through the job manager's own
 * code (sdag_jobs_submit, then sdag_jobs_cancel of the queued job: the same validation,
 * records, index keys and synced batches as POST /jobs and POST /jobs/{id}/cancel), without
 * HTTP and without running a pipeline: the main loop never runs, so no job starts.
 *
 *   sdag-bench-populate DATA_DIR PLUGIN_DIR PIPELINE_JSON MEDIA_FILE N
 */
#include "sdag-jobs.h"
#include "sdag-json.h"

#include <stdio.h>

static void
cancelled_cb(JsonNode *job, const GError *error, gpointer user_data)
{
	guint *n = user_data;
	(*n)++;
}

int
main(int argc, char **argv)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(SdagConfig) config = sdag_config_new();
	g_autoptr(SdagStore) store = NULL;
	g_autoptr(SdagNodeTypes) types = sdag_node_types_new();
	g_autoptr(SdagRegistry) registry = NULL;
	g_autoptr(SdagJobs) jobs = NULL;
	g_autoptr(JsonNode) definition = NULL;
	g_autoptr(JsonNode) answer = NULL;
	g_autoptr(GPtrArray) problems = sdag_dag_problems_new();
	g_autofree char *db = NULL;
	g_autofree char *text = NULL;
	g_autofree char *media_dir = NULL;
	g_autofree char *url = NULL;
	const char *pipeline_id;
	SdagRegisterOutcome outcome;
	guint64 n;
	guint done = 0;
	gint64 t0;

	if (argc != 6 || !g_ascii_string_to_unsigned(argv[5], 10, 1, 10000000, &n, NULL)) {
		fprintf(
		    stderr, "usage: %s DATA_DIR PLUGIN_DIR PIPELINE_JSON MEDIA_FILE N\n", argv[0]);
		return 2;
	}
	db = g_build_filename(argv[1], "db", NULL);
	g_mkdir_with_parents(argv[1], 0700);
	store = sdag_store_open(db, &error);
	if (store == NULL || !sdag_node_types_load_dir(types, argv[2], &error) ||
	    !g_file_get_contents(argv[3], &text, NULL, &error))
		goto fail;
	registry = sdag_registry_new(store, types);
	definition = sdag_json_parse(text, -1, &error);
	if (definition == NULL)
		goto fail;
	answer = sdag_registry_register(registry, definition, FALSE, &outcome, problems, &error);
	if (answer == NULL)
		goto fail;
	pipeline_id =
	    json_object_get_string_member(json_node_get_object(definition), "pipeline_id");
	media_dir = g_path_get_dirname(argv[4]);
	sdag_config_add_media_root(config, media_dir);
	config->max_concurrent_jobs = 1;
	url = g_filename_to_uri(argv[4], NULL, &error);
	if (url == NULL)
		goto fail;
	jobs = sdag_jobs_new(store, registry, types, config, &error);
	if (jobs == NULL)
		goto fail;
	t0 = g_get_monotonic_time();
	for (guint64 i = 0; i < n; i++) {
		g_autofree char *body_text = g_strdup_printf(
		    "{\"pipeline_id\":\"%s\",\"video_url\":\"%s\",\"options\":{\"max_frames\":1}}",
		    pipeline_id,
		    url);
		g_autoptr(JsonNode) body = sdag_json_parse(body_text, -1, NULL);
		g_autoptr(JsonNode) queued = sdag_jobs_submit(jobs, body, &error);
		const char *id;

		if (queued == NULL)
			goto fail;
		id = json_object_get_string_member(json_node_get_object(queued), "job_id");
		if (!sdag_jobs_cancel(jobs, id, cancelled_cb, &done, &error))
			goto fail;
	}
	fprintf(stderr,
		"populate: %u jobs submitted and cancelled in %.1f s\n",
		done,
		(double)(g_get_monotonic_time() - t0) / G_USEC_PER_SEC);
	return 0;
fail:
	fprintf(stderr, "populate: %s\n", error != NULL ? error->message : "failed");
	return 1;
}
