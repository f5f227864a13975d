/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * sdag-scene-tool: the synthetic scene and its scorer from the command line,
 * for bench/ and for looking at quality by hand.
 *
 *   sdag-scene-tool make WIDTH HEIGHT FRAMES SEED CLIP.mp4 TRUTH.json
 *   sdag-scene-tool score TRUTH.json RESULTS.json [LABEL]
 *   sdag-scene-tool run WIDTH HEIGHT FRAMES SEED PIPELINE.json PLUGIN_DIR [OUT.json]
 *
 * score reads frame rows as GET /jobs/{id}/frames returns them (one page
 * object, or an array of rows) and prints one JSON object with the figures.
 * run renders the scene straight into the pipeline's executor (no daemon,
 * no codec) and prints the same figures for its tracks; OUT.json gets the
 * frame rows.
 */
#include "sdag-exec.h"
#include "sdag-json.h"
#include "sdag-scene.h"
#include "sdag-score.h"

#include <gst/gst.h>
#include <stdlib.h>

static int
usage(void)
{
	g_printerr(
	    "usage: sdag-scene-tool make WIDTH HEIGHT FRAMES SEED CLIP TRUTH\n"
	    "       sdag-scene-tool score TRUTH RESULTS [LABEL]\n"
	    "       sdag-scene-tool run WIDTH HEIGHT FRAMES SEED PIPELINE PLUGIN_DIR [OUT]\n");
	return 2;
}

static JsonNode *
load_json(const char *path, GError **error)
{
	g_autoptr(JsonParser) parser = json_parser_new();

	if (!json_parser_load_from_file(parser, path, error))
		return NULL;
	return json_node_copy(json_parser_get_root(parser));
}

static void
print_score(const SdagScore *s)
{
	g_print("{\"mota\": %.4f, \"idf1\": %.4f, \"id_switches\": %u, \"precision\": %.4f, "
		"\"recall\": %.4f, \"truth\": %u, \"results\": %u, \"tp\": %u, \"fp\": %u, "
		"\"fn\": %u}\n",
		s->mota,
		s->idf1,
		s->id_switches,
		s->precision,
		s->recall,
		s->gt,
		s->hyp,
		s->tp,
		s->fp,
		s->fn);
}

static SdagScene *
scene_from_args(char **argv)
{
	return sdag_scene_new_standard((guint)atoi(argv[0]),
				       (guint)atoi(argv[1]),
				       (guint)atoi(argv[2]),
				       (guint32)strtoul(argv[3], NULL, 10));
}

static int
cmd_make(char **argv)
{
	g_autoptr(SdagScene) scene = scene_from_args(argv);
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonNode) truth = sdag_scene_truth_to_json(scene);
	g_autofree char *text = sdag_json_to_string(truth);

	if (!sdag_scene_write_clip(scene, argv[4], &error) ||
	    !g_file_set_contents(argv[5], text, -1, &error)) {
		g_printerr("sdag-scene-tool: %s\n", error->message);
		return 1;
	}
	return 0;
}

static int
cmd_score(char **argv, const char *label)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonNode) truth = load_json(argv[0], &error);
	g_autoptr(JsonNode) results = truth != NULL ? load_json(argv[1], &error) : NULL;
	g_autoptr(SdagScoreSeq) gt = NULL;
	g_autoptr(SdagScoreSeq) hyp = NULL;
	SdagScore s;

	if (results != NULL)
		gt = sdag_score_seq_from_truth_json(truth, &error);
	if (gt != NULL)
		hyp = sdag_score_seq_from_frames_json(results, label, &error);
	if (hyp == NULL) {
		g_printerr("sdag-scene-tool: %s\n", error->message);
		return 1;
	}
	sdag_score_compute(gt, hyp, 0.5, &s);
	print_score(&s);
	return 0;
}

static int
cmd_run(char **argv, const char *out_path)
{
	g_autoptr(SdagScene) scene = scene_from_args(argv);
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonNode) def = load_json(argv[4], &error);
	g_autoptr(SdagNodeTypes) types = sdag_node_types_new();
	g_autoptr(GPtrArray) problems = sdag_dag_problems_new();
	g_autoptr(SdagExec) exec = NULL;
	g_autoptr(JsonNode) truth = sdag_scene_truth_to_json(scene);
	g_autoptr(SdagScoreSeq) gt = NULL;
	g_autoptr(SdagScoreSeq) hyp = NULL;
	g_autofree guint8 *buf = g_malloc((gsize)scene->width * scene->height * 3 / 2);
	g_autoptr(JsonArray) rows = json_array_new();
	g_autoptr(JsonNode) rows_node = json_node_init_array(json_node_alloc(), rows);
	SdagDag *dag;
	SdagScore s;

	if (def == NULL || !sdag_node_types_load_dir(types, argv[5], &error))
		goto fail;
	dag = sdag_dag_compile(def, types, problems);
	if (dag == NULL) {
		g_autoptr(JsonNode) p = sdag_dag_problems_to_json(problems);
		g_autofree char *text = sdag_json_to_string(p);
		g_printerr("sdag-scene-tool: %s\n", text);
		return 1;
	}
	exec = sdag_exec_new(dag, &error);
	if (exec == NULL)
		goto fail;
	for (guint f = 0; f < scene->n_frames; f++) {
		SdagFrame frame = {.width = scene->width,
				   .height = scene->height,
				   .format = SDAG_FRAME_FORMAT_I420,
				   .frame_id = f,
				   .pts_ns = -1};
		const SdagFrameResult *r;

		sdag_scene_render_i420(scene, f, buf);
		frame.planes[0] = buf;
		frame.strides[0] = (gint)scene->width;
		frame.planes[1] = buf + (gsize)scene->width * scene->height;
		frame.strides[1] = (gint)scene->width / 2;
		frame.planes[2] = frame.planes[1] + (gsize)(scene->width / 2) * (scene->height / 2);
		frame.strides[2] = (gint)scene->width / 2;
		r = sdag_exec_run(exec, &frame, &error);
		if (r == NULL)
			goto fail;
		json_array_add_element(rows, sdag_frame_result_to_json(r));
	}
	gt = sdag_score_seq_from_truth_json(truth, &error);
	hyp = sdag_score_seq_from_frames_json(rows_node, NULL, &error);
	if (gt == NULL || hyp == NULL)
		goto fail;
	sdag_score_compute(gt, hyp, 0.5, &s);
	print_score(&s);
	if (out_path != NULL) {
		g_autofree char *text = sdag_json_to_string(rows_node);
		if (!g_file_set_contents(out_path, text, -1, &error))
			goto fail;
	}
	return 0;
fail:
	g_printerr("sdag-scene-tool: %s\n", error != NULL ? error->message : "failed");
	return 1;
}

int
main(int argc, char **argv)
{
	gst_init(NULL, NULL);
	if (argc == 8 && g_strcmp0(argv[1], "make") == 0)
		return cmd_make(argv + 2);
	if ((argc == 4 || argc == 5) && g_strcmp0(argv[1], "score") == 0)
		return cmd_score(argv + 2, argc == 5 ? argv[4] : NULL);
	if ((argc == 8 || argc == 9) && g_strcmp0(argv[1], "run") == 0)
		return cmd_run(argv + 2, argc == 9 ? argv[8] : NULL);
	return usage();
}
