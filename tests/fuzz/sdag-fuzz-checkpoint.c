/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A live job's checkpoint as the store gives it back at the job's next start: decoded
 * (sdag_live_checkpoint_decode(), the pure half of the resume; the other half deletes frame
 * rows of a whole runner's store and is not fuzzed), then its executor state loaded
 * (sdag_exec_load_state()) into an executor of the real nodes that keep state: motion,
 * tracker, line_counter, zone, count and snapshot, whose own state decoders read the
 * base64 blobs. A state that loads is saved again, and that loads into a fresh executor to
 * the same state.
 */
#include "sdag-dag.h"
#include "sdag-exec.h"
#include "sdag-fuzz.h"
#include "sdag-json.h"
#include "sdag-live.h"

static const char fuzz_checkpoint_pipeline[] =
    "{\"pipeline_id\":\"fuzz_checkpoint\",\"nodes\":["
    "{\"id\":\"motion\",\"type\":\"motion\"},"
    "{\"id\":\"size\",\"type\":\"filter\",\"params\":{\"min_area\":4}},"
    "{\"id\":\"track\",\"type\":\"tracker\"},"
    "{\"id\":\"gate\",\"type\":\"line_counter\",\"params\":{\"line\":[[50,0],[50,100]]}},"
    "{\"id\":\"room\",\"type\":\"zone\",\"params\":{\"polygon\":[[0,0],[100,0],[100,100]]}},"
    "{\"id\":\"count\",\"type\":\"count\"},"
    "{\"id\":\"snap\",\"type\":\"snapshot\"}],"
    "\"edges\":["
    "{\"from\":\"source.frame\",\"to\":\"motion.frame\"},"
    "{\"from\":\"motion.detections\",\"to\":\"size.detections\"},"
    "{\"from\":\"size.detections\",\"to\":\"track.detections\"},"
    "{\"from\":\"track.tracks\",\"to\":\"gate.tracks\"},"
    "{\"from\":\"track.tracks\",\"to\":\"room.tracks\"},"
    "{\"from\":\"motion.detections\",\"to\":\"count.detections\"},"
    "{\"from\":\"source.frame\",\"to\":\"snap.frame\"},"
    "{\"from\":\"track.tracks\",\"to\":\"snap.tracks\"}]}";

/* the DAG of each executor, handed back when it is freed */
static SdagDag *dag;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	g_autoptr(JsonNode) def = NULL;
	g_autoptr(GPtrArray) problems = sdag_dag_problems_new();

	sdag_fuzz_init();
	def = sdag_json_parse(fuzz_checkpoint_pipeline, -1, NULL);
	dag = sdag_dag_compile(def, sdag_fuzz_node_types(), problems);
	if (dag == NULL) {
		g_autoptr(JsonNode) answer = sdag_dag_problems_to_json(problems);
		g_autofree char *text = sdag_json_to_string(answer);
		g_error("the checkpoint target needs the node plugins (SDAG_FUZZ_NODE_DIR): %s",
			text);
	}
	return 0;
}

static SdagExec *
fuzz_checkpoint_exec_new(void)
{
	g_autoptr(GError) error = NULL;
	SdagExec *exec = sdag_exec_new(g_steal_pointer(&dag), &error);

	if (exec == NULL)
		g_error("executor: %s", error->message);
	return exec;
}

static void
fuzz_checkpoint_exec_free(SdagExec *exec)
{
	dag = sdag_exec_free_to_dag(exec);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonNode) saved = NULL;
	g_autoptr(JsonNode) saved_again = NULL;
	g_autofree char *text = NULL;
	g_autofree char *text_again = NULL;
	SdagLiveCheckpoint cp;
	SdagExec *exec;
	gboolean loaded;

	if (!sdag_live_checkpoint_decode((const char *)data, size, &cp, &error)) {
		sdag_live_checkpoint_clear(&cp);
		if (error == NULL)
			sdag_fuzz_fail("a checkpoint refused without an error", NULL);
		return 0;
	}
	if (cp.exec == NULL) {
		sdag_live_checkpoint_clear(&cp);
		return 0;
	}

	exec = fuzz_checkpoint_exec_new();
	loaded = sdag_exec_load_state(exec, cp.exec, &error);
	sdag_live_checkpoint_clear(&cp);
	if (loaded != (error == NULL))
		sdag_fuzz_fail("a state load and its error disagree", NULL);
	if (loaded)
		saved = sdag_exec_save_state(exec, NULL);
	fuzz_checkpoint_exec_free(exec);
	if (!loaded)
		return 0;
	if (saved == NULL)
		sdag_fuzz_fail("a state loaded is not saved again", NULL);
	text = sdag_json_to_string(saved);

	exec = fuzz_checkpoint_exec_new();
	if (!sdag_exec_load_state(exec, saved, NULL))
		sdag_fuzz_fail("a saved state does not load again", text);
	saved_again = sdag_exec_save_state(exec, NULL);
	fuzz_checkpoint_exec_free(exec);
	text_again = saved_again != NULL ? sdag_json_to_string(saved_again) : NULL;
	if (g_strcmp0(text, text_again) != 0)
		sdag_fuzz_fail("a saved state does not load back to itself", text);
	return 0;
}
