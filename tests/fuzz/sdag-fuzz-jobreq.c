/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A job request as POST /jobs receives it: the JSON parse with its depth and UTF-8 limits,
 * then the checks of the job manager storing nothing (sdag_jobs_check(): members, the
 * pipeline looked up in a store, the source rules, every job option and the mqtt object).
 * The store holds two pipelines, "p" (test types) and "passthrough_v1"; the media root is a
 * directory with one clip, "clip.avi".
 */
#include <string.h>

#include "sdag-config.h"
#include "sdag-fuzz.h"
#include "sdag-jobs.h"
#include "sdag-json.h"
#include "sdag-registry.h"

static SdagJobs *jobs;

static void
fuzz_jobreq_register(SdagRegistry *registry, const char *json)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonNode) def = sdag_json_parse(json, -1, &error);
	g_autoptr(GPtrArray) problems = sdag_dag_problems_new();
	g_autoptr(JsonNode) answer = NULL;
	SdagRegisterOutcome outcome;

	if (def != NULL)
		answer = sdag_registry_register(registry, def, FALSE, &outcome, problems, &error);
	if (answer == NULL)
		g_error("pipeline %s: %s", json, error != NULL ? error->message : "problems");
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *media = g_build_filename(sdag_fuzz_tmpdir(), "media", NULL);
	g_autofree char *clip = g_build_filename(media, "clip.avi", NULL);
	SdagConfig *config = sdag_config_new();
	SdagRegistry *registry;

	sdag_fuzz_init();
	g_mkdir_with_parents(media, 0700);
	g_file_set_contents(clip, "RIFF", 4, NULL);
	sdag_config_add_media_root(config, media);
	registry = sdag_registry_new(sdag_fuzz_store(), sdag_fuzz_node_types());
	fuzz_jobreq_register(registry,
			     "{\"pipeline_id\":\"p\",\"nodes\":[{\"id\":\"d\",\"type\":\"det\"}],"
			     "\"edges\":[{\"from\":\"source.frame\",\"to\":\"d.frame\"}]}");
	fuzz_jobreq_register(registry,
			     "{\"pipeline_id\":\"passthrough_v1\",\"nodes\":[{\"id\":\"pass\","
			     "\"type\":\"passthrough\"}],\"edges\":[{\"from\":\"source.frame\","
			     "\"to\":\"pass.frame\"}],\"outputs\":[\"pass.frame\"]}");
	/* the job manager keeps the registry, the types and the config: for the process */
	jobs = sdag_jobs_new(sdag_fuzz_store(), registry, sdag_fuzz_node_types(), config, &error);
	if (jobs == NULL)
		g_error("jobs: %s", error->message);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonNode) body = sdag_json_parse((const char *)data, (gssize)size, &error);

	if (body == NULL) {
		if (error == NULL)
			sdag_fuzz_fail("a parse failed without an error", NULL);
		return 0;
	}
	if (!sdag_jobs_check(jobs, body, &error) && error == NULL)
		sdag_fuzz_fail("a job was refused without an error", NULL);
	if (error != NULL && !g_utf8_validate(error->message, -1, NULL))
		sdag_fuzz_fail("a refusal is not UTF-8", NULL);
	return 0;
}
