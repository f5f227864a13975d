/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "sdag-error.h"
#include "sdag-exec.h"
#include "sdag-json.h"
#include "sdag-test-util.h"

#include <string.h>

#define W 16
#define H 8

/* One I420 frame of a flat grey, shared by every test: nodes only read it. */
static guint8 test_pixels[W * H * 3 / 2];

static SdagFrame
test_frame(guint64 id, gint64 pts_ns, SdagFrameFormat format)
{
	SdagFrame f = {.width = W, .height = H, .format = format, .frame_id = id, .pts_ns = pts_ns};

	f.planes[0] = test_pixels;
	f.strides[0] = W;
	f.planes[1] = test_pixels + W * H;
	f.strides[1] = W / 2;
	f.planes[2] = test_pixels + W * H * 5 / 4;
	f.strides[2] = W / 2;
	return f;
}

/* The shipped plugins and the in-process test node types. */
static SdagNodeTypes *
test_types(void)
{
	SdagNodeTypes *types = sdag_node_types_new();
	g_autoptr(GError) error = NULL;

	g_assert_true(sdag_node_types_load_dir(types, g_getenv("SDAG_TEST_PLUGIN_DIR"), &error));
	g_assert_no_error(error);
	g_assert_cmpuint(sdag_node_types_get_skipped(types)->len, ==, 0);
	sdag_test_exec_types_add(types);
	return types;
}

static SdagExec *
test_exec(SdagNodeTypes *types, const char *json)
{
	g_autoptr(GError) error = NULL;
	SdagExec *exec = sdag_exec_new(sdag_test_compile(types, json), &error);

	g_assert_no_error(error);
	g_assert_nonnull(exec);
	return exec;
}

static char *
test_result_text(const SdagFrameResult *result)
{
	g_autoptr(JsonNode) node = sdag_frame_result_to_json(result);
	return sdag_json_to_string(node);
}

static void
test_assert_log(const char *expected)
{
	g_auto(GStrv) log = sdag_test_log_steal();
	g_autofree char *joined = g_strjoinv(" ", log);

	g_assert_cmpstr(joined, ==, expected);
}

/* Declared out of order, with a diamond, an optional input and four outputs. */
#define DIAMOND                                                                            \
	"{\"pipeline_id\":\"diamond\",\"nodes\":["                                         \
	"{\"id\":\"t\",\"type\":\"ttrk\",\"params\":{\"tag\":\"t\"}},"                     \
	"{\"id\":\"m\",\"type\":\"tmerge\",\"params\":{\"tag\":\"m\"}},"                   \
	"{\"id\":\"d1\",\"type\":\"tdet\",\"params\":{\"tag\":\"d1\",\"count\":2}},"       \
	"{\"id\":\"d2\",\"type\":\"tdet\",\"params\":{\"tag\":\"d2\",\"label\":\"car\"}}," \
	"{\"id\":\"c\",\"type\":\"count\"}],\"edges\":["                                   \
	"{\"from\":\"source.frame\",\"to\":\"d1.frame\"},"                                 \
	"{\"from\":\"source.frame\",\"to\":\"d2.frame\"},"                                 \
	"{\"from\":\"d1.detections\",\"to\":\"m.a\"},"                                     \
	"{\"from\":\"d2.detections\",\"to\":\"m.b\"},"                                     \
	"{\"from\":\"m.detections\",\"to\":\"t.detections\"},"                             \
	"{\"from\":\"m.detections\",\"to\":\"c.detections\"}],"                            \
	"\"outputs\":[\"d2.detections\",\"t.tracks\",\"t.events\",\"c.counts\"]}"

static void
exec_order_and_outputs(void)
{
	g_autoptr(SdagNodeTypes) types = test_types();
	g_autoptr(SdagExec) exec = test_exec(types, DIAMOND);
	g_autoptr(GError) error = NULL;
	SdagFrame frame = test_frame(7, -1, SDAG_FRAME_FORMAT_I420);
	const SdagFrameResult *result;
	g_autofree char *text = NULL;
	g_autofree char *text2 = NULL;

	g_strfreev(sdag_test_log_steal());
	result = sdag_exec_run(exec, &frame, &error);
	g_assert_no_error(error);
	g_assert_nonnull(result);
	/* topological, ties broken by declaration order; count does not log */
	test_assert_log("d1 d2 m:b=det t");

	g_assert_cmpuint(result->frame_id, ==, 7);
	g_assert_cmpint(result->pts_ns, ==, -1);
	g_assert_cmpuint(result->detections->len, ==, 4);
	g_assert_cmpuint(result->events->len, ==, 4);
	g_assert_cmpuint(result->counts->len, ==, 4);
	for (guint i = 0; i < sdag_exec_get_dag(exec)->nodes->len; i++) {
		g_assert_cmpint(result->node_ns[i], >=, 0);
		g_assert_cmpint(result->node_ns[i], <=, result->dag_ns);
	}
	text = test_result_text(result);
	g_assert_cmpstr(
	    text,
	    ==,
	    "{\"frame_id\":7,\"pts_ms\":null,\"detections\":["
	    "{\"label\":\"car\",\"score\":0.75,\"box\":[7.0,0.0,10.0,20.0]},"
	    "{\"label\":\"person\",\"score\":0.75,\"box\":[7.0,0.0,10.0,20.0],\"track_id\":100},"
	    "{\"label\":\"person\",\"score\":0.75,\"box\":[7.0,1.0,10.0,20.0],\"track_id\":101},"
	    "{\"label\":\"car\",\"score\":0.75,\"box\":[7.0,0.0,10.0,20.0],\"track_id\":102}],"
	    "\"events\":[{\"kind\":\"start\",\"name\":\"zone_a\",\"label\":\"\",\"track_id\":null},"
	    "{\"kind\":\"track\",\"label\":\"person\",\"track_id\":100},"
	    "{\"kind\":\"track\",\"label\":\"person\",\"track_id\":101},"
	    "{\"kind\":\"track\",\"label\":\"car\",\"track_id\":102}],"
	    "\"counts\":[{\"name\":\"current\",\"label\":\"car\",\"value\":1},"
	    "{\"name\":\"total\",\"label\":\"car\",\"value\":1},"
	    "{\"name\":\"current\",\"label\":\"person\",\"value\":2},"
	    "{\"name\":\"total\",\"label\":\"person\",\"value\":2}]}");

	/* outputs are cleared between frames, not accumulated */
	frame = test_frame(8, 40000000, SDAG_FRAME_FORMAT_I420);
	result = sdag_exec_run(exec, &frame, &error);
	g_assert_no_error(error);
	test_assert_log("d1 d2 m:b=det t");
	g_assert_cmpuint(result->detections->len, ==, 4);
	g_assert_cmpuint(result->events->len, ==, 3);
	text2 = test_result_text(result);
	g_assert_true(g_str_has_prefix(text2, "{\"frame_id\":8,\"pts_ms\":40.0,"));
	g_assert_nonnull(strstr(text2, "{\"name\":\"total\",\"label\":\"person\",\"value\":4}"));
	g_assert_cmpuint(sdag_exec_get_frame_count(exec), ==, 2);
	g_assert_cmpuint(sdag_exec_get_track_count(exec), ==, 3);
}

static void
exec_unconnected_optional(void)
{
	g_autoptr(SdagNodeTypes) types = test_types();
	g_autoptr(SdagExec) exec = test_exec(
	    types,
	    "{\"pipeline_id\":\"opt\",\"nodes\":["
	    "{\"id\":\"d\",\"type\":\"tdet\",\"params\":{\"tag\":\"d\",\"count\":3}},"
	    "{\"id\":\"m\",\"type\":\"tmerge\",\"params\":{\"tag\":\"m\"}}],\"edges\":["
	    "{\"from\":\"source.frame\",\"to\":\"d.frame\"},"
	    "{\"from\":\"d.detections\",\"to\":\"m.a\"}],\"outputs\":[\"m.detections\"]}");
	g_autoptr(GError) error = NULL;
	SdagFrame frame = test_frame(0, 0, SDAG_FRAME_FORMAT_GRAY8);
	const SdagFrameResult *result;

	g_strfreev(sdag_test_log_steal());
	result = sdag_exec_run(exec, &frame, &error);
	g_assert_no_error(error);
	test_assert_log("d m:b=none");
	g_assert_cmpuint(result->detections->len, ==, 3);
	g_assert_cmpuint(result->events->len, ==, 0);
	g_assert_cmpuint(result->counts->len, ==, 0);
}

static void
exec_process_failure(void)
{
	g_autoptr(SdagNodeTypes) types = test_types();
	g_autoptr(SdagExec) exec =
	    test_exec(types,
		      "{\"pipeline_id\":\"fail\",\"nodes\":["
		      "{\"id\":\"cam.det\",\"type\":\"tdet\",\"params\":{\"fail_on\":2}},"
		      "{\"id\":\"t\",\"type\":\"ttrk\"}],\"edges\":["
		      "{\"from\":\"source.frame\",\"to\":\"cam.det.frame\"},"
		      "{\"from\":\"cam.det.detections\",\"to\":\"t.detections\"}],\"outputs\":[\"t."
		      "tracks\"]}");
	g_autoptr(JsonNode) metrics = NULL;
	JsonObject *obj;

	for (guint64 i = 0; i < 4; i++) {
		g_autoptr(GError) error = NULL;
		SdagFrame frame = test_frame(i, -1, SDAG_FRAME_FORMAT_I420);
		const SdagFrameResult *result = sdag_exec_run(exec, &frame, &error);

		if (i == 2) {
			g_assert_null(result);
			g_assert_error(error, SDAG_ERROR, SDAG_ERROR_PLUGIN);
			g_assert_cmpstr(error->message, ==, "node 'cam.det': boom on frame 2");
		} else {
			g_assert_no_error(error);
			g_assert_nonnull(result);
		}
	}
	g_strfreev(sdag_test_log_steal());
	/* the frame that failed counts nowhere */
	g_assert_cmpuint(sdag_exec_get_frame_count(exec), ==, 3);
	metrics = sdag_exec_get_node_metrics(exec);
	obj = json_node_get_object(metrics);
	g_assert_cmpint(json_object_get_int_member(obj, "frames"), ==, 3);
	for (guint i = 0; i < 2; i++) {
		JsonObject *n =
		    json_array_get_object_element(json_object_get_array_member(obj, "nodes"), i);
		g_assert_cmpint(json_object_get_int_member(n, "count"), ==, 3);
	}
}

static void
exec_init_failure(void)
{
	g_autoptr(SdagNodeTypes) types = test_types();
	g_autoptr(GError) error = NULL;
	SdagDag *dag = sdag_test_compile(
	    types,
	    "{\"pipeline_id\":\"initfail\",\"nodes\":["
	    "{\"id\":\"d\",\"type\":\"tdet\"},{\"id\":\"t\",\"type\":\"ttrk\"},"
	    "{\"id\":\"f\",\"type\":\"tfailinit\"},{\"id\":\"m\",\"type\":\"tmerge\"}],\"edges\":["
	    "{\"from\":\"source.frame\",\"to\":\"d.frame\"},"
	    "{\"from\":\"source.frame\",\"to\":\"f.frame\"},"
	    "{\"from\":\"d.detections\",\"to\":\"t.detections\"},"
	    "{\"from\":\"f.detections\",\"to\":\"m.a\"}]}");
	SdagExec *exec;

	g_assert_cmpint(sdag_test_live_instances(), ==, 0);
	exec = sdag_exec_new(dag, &error);
	g_assert_null(exec);
	g_assert_error(error, SDAG_ERROR, SDAG_ERROR_PLUGIN);
	g_assert_cmpstr(error->message, ==, "node 'f': no model file");
	/* d and t were initialised before f failed: finalised again */
	g_assert_cmpint(sdag_test_live_instances(), ==, 0);
}

static const struct {
	const char *name;
	const char *nodes;
	const char *edges;
	guint32 formats;
} format_cases[] = {
    {"passthrough-any",
     "{\"id\":\"p\",\"type\":\"passthrough\"}",
     "{\"from\":\"source.frame\",\"to\":\"p.frame\"}",
     SDAG_EXEC_ALL_FORMATS},
    {"luma",
     "{\"id\":\"l\",\"type\":\"tluma\"},{\"id\":\"d\",\"type\":\"tdet\"}",
     "{\"from\":\"source.frame\",\"to\":\"l.frame\"},{\"from\":\"source.frame\",\"to\":\"d."
     "frame\"}",
     SDAG_EXEC_FORMAT_BIT(SDAG_FRAME_FORMAT_I420) | SDAG_EXEC_FORMAT_BIT(SDAG_FRAME_FORMAT_NV12) |
	 SDAG_EXEC_FORMAT_BIT(SDAG_FRAME_FORMAT_GRAY8)},
    {"rgb",
     "{\"id\":\"r\",\"type\":\"trgb\"}",
     "{\"from\":\"source.frame\",\"to\":\"r.frame\"}",
     SDAG_EXEC_FORMAT_BIT(SDAG_FRAME_FORMAT_RGB)},
    {"luma-and-rgb-disagree",
     "{\"id\":\"l\",\"type\":\"tluma\"},{\"id\":\"r\",\"type\":\"trgb\"}",
     "{\"from\":\"source.frame\",\"to\":\"l.frame\"},{\"from\":\"source.frame\",\"to\":\"r."
     "frame\"}",
     0},
    /* only nodes fed by the source decide */
    {"rgb-behind-passthrough",
     "{\"id\":\"p\",\"type\":\"passthrough\"},{\"id\":\"r\",\"type\":\"trgb\"}",
     "{\"from\":\"source.frame\",\"to\":\"p.frame\"},{\"from\":\"p.frame\",\"to\":\"r.frame\"}",
     SDAG_EXEC_ALL_FORMATS},
};

static void
exec_formats(void)
{
	g_autoptr(SdagNodeTypes) types = test_types();

	for (guint i = 0; i < G_N_ELEMENTS(format_cases); i++) {
		g_autofree char *json = NULL;
		g_autoptr(SdagExec) exec = NULL;

		json = g_strdup_printf("{\"pipeline_id\":\"f\",\"nodes\":[%s],\"edges\":[%s]}",
				       format_cases[i].nodes,
				       format_cases[i].edges);
		exec = test_exec(types, json);
		if (sdag_exec_get_frame_formats(exec) != format_cases[i].formats)
			g_error("case %s: 0x%x, expected 0x%x",
				format_cases[i].name,
				sdag_exec_get_frame_formats(exec),
				format_cases[i].formats);
	}
}

/* A node fed a frame in a format it did not declare is not run. */
static void
exec_format_checked_at_run(void)
{
	g_autoptr(SdagNodeTypes) types = test_types();
	g_autoptr(SdagExec) exec =
	    test_exec(types,
		      "{\"pipeline_id\":\"f\",\"nodes\":[{\"id\":\"p\",\"type\":\"passthrough\"},"
		      "{\"id\":\"r\",\"type\":\"trgb\"}],\"edges\":["
		      "{\"from\":\"source.frame\",\"to\":\"p.frame\"},"
		      "{\"from\":\"p.frame\",\"to\":\"r.frame\"}],\"outputs\":[\"r.detections\"]}");
	g_autoptr(GError) error = NULL;
	SdagFrame frame = test_frame(0, -1, SDAG_FRAME_FORMAT_I420);
	const SdagFrameResult *result;

	g_strfreev(sdag_test_log_steal());
	g_assert_null(sdag_exec_run(exec, &frame, &error));
	g_assert_error(error, SDAG_ERROR, SDAG_ERROR_PLUGIN);
	g_assert_cmpstr(error->message,
			==,
			"node 'r': input 'frame' is I420, a format node type 'trgb' does not read");
	test_assert_log("");
	g_clear_error(&error);

	test_pixels[0] = 255;
	frame = test_frame(1, -1, SDAG_FRAME_FORMAT_RGB);
	result = sdag_exec_run(exec, &frame, &error);
	test_pixels[0] = 0;
	g_assert_no_error(error);
	test_assert_log("trgb");
	g_assert_cmpuint(result->detections->len, ==, 1);
	g_assert_cmpfloat(g_array_index(result->detections, SdagDetection, 0).score, ==, 1.0f);
}

static void
exec_metrics(void)
{
	g_autoptr(SdagNodeTypes) types = test_types();
	g_autoptr(SdagExec) exec = test_exec(types, DIAMOND);
	g_autoptr(JsonNode) metrics = NULL;
	g_autoptr(JsonNode) empty = sdag_exec_get_node_metrics(exec);
	JsonObject *obj;
	JsonArray *nodes;
	static const char *const ids[] = {"t", "m", "d1", "d2", "c"};
	static const char *const kinds[] = {"ttrk", "tmerge", "tdet", "tdet", "count"};
	double sum_ms = 0;

	/* before any frame: zeros, not garbage */
	obj = json_node_get_object(empty);
	g_assert_cmpint(json_object_get_int_member(obj, "frames"), ==, 0);
	nodes = json_object_get_array_member(obj, "nodes");
	g_assert_cmpfloat(
	    json_object_get_double_member(json_array_get_object_element(nodes, 0), "min_ms"),
	    ==,
	    0.0);

	for (guint64 i = 0; i < 5; i++) {
		g_autoptr(GError) error = NULL;
		SdagFrame frame = test_frame(i, -1, SDAG_FRAME_FORMAT_I420);

		g_assert_nonnull(sdag_exec_run(exec, &frame, &error));
		g_assert_no_error(error);
	}
	g_strfreev(sdag_test_log_steal());
	metrics = sdag_exec_get_node_metrics(exec);
	obj = json_node_get_object(metrics);
	g_assert_cmpint(json_object_get_int_member(obj, "frames"), ==, 5);
	nodes = json_object_get_array_member(obj, "nodes");
	g_assert_cmpuint(json_array_get_length(nodes), ==, G_N_ELEMENTS(ids));
	for (guint i = 0; i < G_N_ELEMENTS(ids); i++) {
		JsonObject *n = json_array_get_object_element(nodes, i);
		double min = json_object_get_double_member(n, "min_ms");
		double mean = json_object_get_double_member(n, "mean_ms");
		double max = json_object_get_double_member(n, "max_ms");
		double total = json_object_get_double_member(n, "total_ms");

		g_assert_cmpstr(json_object_get_string_member(n, "id"), ==, ids[i]);
		g_assert_cmpstr(json_object_get_string_member(n, "type"), ==, kinds[i]);
		g_assert_cmpint(json_object_get_int_member(n, "count"), ==, 5);
		g_assert_cmpfloat(min, >=, 0);
		g_assert_cmpfloat(min, <=, mean + 1e-9);
		g_assert_cmpfloat(mean, <=, max + 1e-9);
		g_assert_cmpfloat_with_epsilon(mean * 5, total, 1e-9);
		sum_ms += total;
	}
	g_assert_cmpfloat(json_object_get_double_member(obj, "dag_total_ms"), >=, sum_ms - 1e-9);
}

#define STATEFUL                                                                          \
	"{\"pipeline_id\":\"stateful\",\"nodes\":["                                       \
	"{\"id\":\"d\",\"type\":\"tdet\",\"params\":{\"count\":2}},"                      \
	"{\"id\":\"t\",\"type\":\"ttrk\"},{\"id\":\"c\",\"type\":\"count\"}],\"edges\":[" \
	"{\"from\":\"source.frame\",\"to\":\"d.frame\"},"                                 \
	"{\"from\":\"d.detections\",\"to\":\"t.detections\"},"                            \
	"{\"from\":\"d.detections\",\"to\":\"c.detections\"}],"                           \
	"\"outputs\":[\"t.tracks\",\"t.events\",\"c.counts\"]}"

static const SdagFrameResult *
test_run(SdagExec *exec, guint64 id, gint64 pts_ns)
{
	g_autoptr(GError) error = NULL;
	SdagFrame frame = test_frame(id, pts_ns, SDAG_FRAME_FORMAT_I420);
	const SdagFrameResult *result = sdag_exec_run(exec, &frame, &error);

	g_assert_no_error(error);
	g_assert_nonnull(result);
	return result;
}

static char *
test_save(SdagExec *exec)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonNode) state = sdag_exec_save_state(exec, &error);

	g_assert_no_error(error);
	g_assert_nonnull(state);
	return sdag_json_to_string(state);
}

static JsonNode *
test_parse(const char *text)
{
	g_autoptr(GError) error = NULL;
	JsonNode *node = sdag_json_parse(text, -1, &error);

	g_assert_no_error(error);
	return node;
}

static void
exec_state_roundtrip(void)
{
	g_autoptr(SdagNodeTypes) types = test_types();
	g_autoptr(SdagExec) exec = test_exec(types, STATEFUL);
	g_autoptr(SdagExec) resumed = NULL;
	g_autoptr(JsonNode) state = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree char *text = NULL;
	g_autofree char *text2 = NULL;
	g_autofree char *totals = g_base64_encode((const guchar *)"person=6\n", 9);
	g_autofree char *expected = NULL;
	const SdagFrameResult *result;

	test_run(exec, 0, 0);
	test_run(exec, 1, 40000000);
	test_run(exec, 2, 80000000);
	g_assert_cmpfloat(sdag_exec_get_duration_ms(exec), ==, 80.0);
	text = test_save(exec);
	expected = g_strdup_printf(
	    "{\"frame_count\":3,\"duration_ms\":80.0,\"previous_detections\":["
	    "{\"label\":\"person\",\"score\":0.75,\"box\":[2.0,0.0,10.0,20.0],\"track_id\":100},"
	    "{\"label\":\"person\",\"score\":0.75,\"box\":[2.0,1.0,10.0,20.0],\"track_id\":101}],"
	    "\"track_ids\":[100,101],\"nodes\":{\"t\":{\"seen\":\"Mw==\"},"
	    "\"c\":{\"totals\":\"%s\"}}}",
	    totals);
	g_assert_cmpstr(text, ==, expected);

	/* a new executor (a restarted job) resumes from it */
	resumed = test_exec(types, STATEFUL);
	state = test_parse(text);
	g_assert_true(sdag_exec_load_state(resumed, state, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(sdag_exec_get_frame_count(resumed), ==, 3);
	g_assert_cmpuint(sdag_exec_get_track_count(resumed), ==, 2);
	text2 = test_save(resumed);
	g_assert_cmpstr(text2, ==, text);

	/* the new pipeline's pts starts again from 0: a new span, not -80 ms */
	result = test_run(resumed, 3, 0);
	/* ttrk remembers it has seen frames: no second "start" event */
	g_assert_cmpuint(result->events->len, ==, 2);
	/* count's totals survived: 6 + 2 */
	g_assert_cmpstr(g_array_index(result->counts, SdagCount, 1).name, ==, "total");
	g_assert_cmpint(g_array_index(result->counts, SdagCount, 1).value, ==, 8);
	g_assert_cmpuint(sdag_exec_get_frame_count(resumed), ==, 4);
	g_assert_cmpfloat(sdag_exec_get_duration_ms(resumed), ==, 80.0);
	test_run(resumed, 4, 40000000);
	g_assert_cmpfloat(sdag_exec_get_duration_ms(resumed), ==, 120.0);
	/* a pts that goes back starts a new span too */
	test_run(resumed, 5, 10000000);
	test_run(resumed, 6, 20000000);
	g_assert_cmpfloat(sdag_exec_get_duration_ms(resumed), ==, 130.0);
	/* frames without a pts add nothing */
	test_run(resumed, 7, -1);
	g_assert_cmpfloat(sdag_exec_get_duration_ms(resumed), ==, 130.0);
	g_strfreev(sdag_test_log_steal());
}

static const struct {
	const char *name;
	const char *json;
	const char *message; /* a prefix of the error */
} bad_states[] = {
    {"not-object", "[1]", "state: must be a JSON object"},
    {"unknown-member",
     "{\"frame_count\":1,\"duration_ms\":0,\"previous_detections\":[],\"track_ids\":[],"
     "\"nodes\":{},\"extra\":1}",
     "state: unknown member 'extra'"},
    {"missing-member",
     "{\"frame_count\":1,\"duration_ms\":0,\"previous_detections\":[],\"track_ids\":[]}",
     "state: nodes must be an object"},
    {"negative-count",
     "{\"frame_count\":-1,\"duration_ms\":0,\"previous_detections\":[],\"track_ids\":[],"
     "\"nodes\":{}}",
     "state: frame_count must be an integer >= 0"},
    {"count-as-string",
     "{\"frame_count\":\"3\",\"duration_ms\":0,\"previous_detections\":[],\"track_ids\":[],"
     "\"nodes\":{}}",
     "state: frame_count must be"},
    {"duration-as-string",
     "{\"frame_count\":3,\"duration_ms\":\"x\",\"previous_detections\":[],\"track_ids\":[],"
     "\"nodes\":{}}",
     "state: duration_ms must be a number >= 0"},
    {"negative-duration",
     "{\"frame_count\":3,\"duration_ms\":-1.5,\"previous_detections\":[],\"track_ids\":[],"
     "\"nodes\":{}}",
     "state: duration_ms must be"},
    {"detections-not-array",
     "{\"frame_count\":3,\"duration_ms\":0,\"previous_detections\":{},\"track_ids\":[],"
     "\"nodes\":{}}",
     "state: previous_detections must be an array"},
    {"detection-without-box",
     "{\"frame_count\":3,\"duration_ms\":0,\"previous_detections\":[{\"label\":\"a\","
     "\"score\":1}],\"track_ids\":[],\"nodes\":{}}",
     "state: previous_detections[0] must be"},
    {"box-of-strings",
     "{\"frame_count\":3,\"duration_ms\":0,\"previous_detections\":[{\"label\":\"a\","
     "\"score\":1,\"box\":[1,2,3,\"4\"]}],\"track_ids\":[],\"nodes\":{}}",
     "state: previous_detections[0].box must hold 4 numbers"},
    /* found by the checkpoint fuzz target (tests/fuzz/corpus/checkpoint/regress-box-beyond-float)
     */
    {"fuzz-box-beyond-float",
     "{\"frame_count\":3,\"duration_ms\":0,\"previous_detections\":[{\"label\":\"a\","
     "\"score\":1,\"box\":[1,3.3e60,3,4]}],\"track_ids\":[],\"nodes\":{}}",
     "state: previous_detections[0] has a number beyond a float"},
    {"fuzz-score-beyond-float",
     "{\"frame_count\":3,\"duration_ms\":0,\"previous_detections\":[{\"label\":\"a\","
     "\"score\":-1e39,\"box\":[1,2,3,4]}],\"track_ids\":[],\"nodes\":{}}",
     "state: previous_detections[0] has a number beyond a float"},
    {"label-too-long",
     "{\"frame_count\":3,\"duration_ms\":0,\"previous_detections\":[{\"label\":"
     "\"0123456789012345678901234567890123\",\"score\":1,\"box\":[1,2,3,4]}],\"track_ids\":[],"
     "\"nodes\":{}}",
     "state: previous_detections[0].label is longer than 31 bytes"},
    {"negative-track",
     "{\"frame_count\":3,\"duration_ms\":0,\"previous_detections\":[{\"label\":\"a\","
     "\"score\":1,\"box\":[1,2,3,4],\"track_id\":-2}],\"track_ids\":[],\"nodes\":{}}",
     "state: previous_detections[0].track_id must be"},
    {"track-ids-not-array",
     "{\"frame_count\":3,\"duration_ms\":0,\"previous_detections\":[],\"track_ids\":5,"
     "\"nodes\":{}}",
     "state: track_ids must be an array"},
    {"track-id-string",
     "{\"frame_count\":3,\"duration_ms\":0,\"previous_detections\":[],\"track_ids\":[1,\"2\"],"
     "\"nodes\":{}}",
     "state: track_ids[1] must be an integer >= 0"},
    {"unknown-node",
     "{\"frame_count\":3,\"duration_ms\":0,\"previous_detections\":[],\"track_ids\":[],"
     "\"nodes\":{\"zz\":{}}}",
     "state: the pipeline has no node 'zz'"},
    {"node-not-object",
     "{\"frame_count\":3,\"duration_ms\":0,\"previous_detections\":[],\"track_ids\":[],"
     "\"nodes\":{\"t\":\"Mw==\"}}",
     "state: nodes.t must be an object"},
    {"undeclared-key",
     "{\"frame_count\":3,\"duration_ms\":0,\"previous_detections\":[],\"track_ids\":[],"
     "\"nodes\":{\"t\":{\"totals\":\"Mw==\"}}}",
     "state: node type 'ttrk' of node 't' declares no state key 'totals'"},
    {"stateless-node",
     "{\"frame_count\":3,\"duration_ms\":0,\"previous_detections\":[],\"track_ids\":[],"
     "\"nodes\":{\"d\":{\"x\":\"\"}}}",
     "state: node type 'tdet' of node 'd' declares no state key 'x'"},
    {"bad-base64-length",
     "{\"frame_count\":3,\"duration_ms\":0,\"previous_detections\":[],\"track_ids\":[],"
     "\"nodes\":{\"t\":{\"seen\":\"Mw=\"}}}",
     "state: nodes.t.seen must be base64"},
    {"bad-base64-padding",
     "{\"frame_count\":3,\"duration_ms\":0,\"previous_detections\":[],\"track_ids\":[],"
     "\"nodes\":{\"t\":{\"seen\":\"M===\"}}}",
     "state: nodes.t.seen must be base64"},
    {"bad-base64-char",
     "{\"frame_count\":3,\"duration_ms\":0,\"previous_detections\":[],\"track_ids\":[],"
     "\"nodes\":{\"t\":{\"seen\":\"M!==\"}}}",
     "state: nodes.t.seen must be base64"},
    {"base64-not-string",
     "{\"frame_count\":3,\"duration_ms\":0,\"previous_detections\":[],\"track_ids\":[],"
     "\"nodes\":{\"t\":{\"seen\":12}}}",
     "state: nodes.t.seen must be base64"},
    /* "t" takes "seen" = 9, then count refuses "garbage": t is rolled back */
    {"node-refuses",
     "{\"frame_count\":3,\"duration_ms\":0,\"previous_detections\":[],\"track_ids\":[],"
     "\"nodes\":{\"t\":{\"seen\":\"OQ==\"},\"c\":{\"totals\":\"Z2FyYmFnZQo=\"}}}",
     "state: node 'c' refused state key 'totals': bad totals line 1"},
};

static void
exec_state_bad(void)
{
	g_autoptr(SdagNodeTypes) types = test_types();
	g_autoptr(SdagExec) exec = test_exec(types, STATEFUL);
	g_autofree char *before = NULL;
	g_autoptr(GError) error = NULL;

	test_run(exec, 0, 0);
	test_run(exec, 1, 40000000);
	g_strfreev(sdag_test_log_steal());
	before = test_save(exec);
	g_assert_false(sdag_exec_load_state(exec, NULL, &error));
	g_assert_error(error, SDAG_ERROR, SDAG_ERROR_BAD_JSON);
	for (guint i = 0; i < G_N_ELEMENTS(bad_states); i++) {
		g_autoptr(JsonNode) state = test_parse(bad_states[i].json);
		g_autofree char *after = NULL;

		g_clear_error(&error);
		g_assert_false(sdag_exec_load_state(exec, state, &error));
		g_assert_error(error, SDAG_ERROR, SDAG_ERROR_BAD_JSON);
		if (!g_str_has_prefix(error->message, bad_states[i].message))
			g_error("case %s: '%s' is not '%s'",
				bad_states[i].name,
				error->message,
				bad_states[i].message);
		/* nothing changed, node state included */
		after = test_save(exec);
		g_assert_cmpstr(after, ==, before);
	}
}

/* The JSON codec on hand-made results: text that a plugin did not
 * terminate or that is not UTF-8, events without a track, odd floats. */
static void
exec_result_json(void)
{
	g_autoptr(GArray) dets = g_array_new(FALSE, TRUE, sizeof(SdagDetection));
	g_autoptr(GArray) events = g_array_new(FALSE, TRUE, sizeof(SdagEvent));
	g_autoptr(GArray) counts = g_array_new(FALSE, TRUE, sizeof(SdagCount));
	SdagFrameResult result = {.frame_id = 12,
				  .pts_ns = 1500000,
				  .detections = dets,
				  .events = events,
				  .counts = counts};
	SdagDetection d = {
	    .score = 0.3f, .x = 1.5f, .y = -2, .w = 1000.5f, .h = 0.1f, .track_id = 0};
	SdagEvent e = {.track_id = 5};
	SdagCount c = {.value = -3};
	g_autofree char *text = NULL;
	g_autofree char *label = g_strnfill(sizeof(d.label), 'a');
	g_autofree char *expected = NULL;

	memset(d.label, 'a', sizeof(d.label)); /* no terminator */
	g_array_append_val(dets, d);
	g_strlcpy(e.kind, "cross_in", sizeof(e.kind));
	g_strlcpy(e.name, "gate\xff", sizeof(e.name)); /* not UTF-8 */
	g_strlcpy(e.label, "person", sizeof(e.label));
	g_array_append_val(events, e);
	g_strlcpy(c.name, "current", sizeof(c.name));
	g_array_append_val(counts, c);
	text = test_result_text(&result);
	expected =
	    g_strdup_printf("{\"frame_id\":12,\"pts_ms\":1.5,\"detections\":[{\"label\":"
			    "\"%s\",\"score\":0.3,\"box\":[1.5,-2.0,1000.5,0.1],"
			    "\"track_id\":0}],\"events\":[{\"kind\":\"cross_in\","
			    "\"name\":\"gate\xef\xbf\xbd\",\"label\":\"person\",\"track_id\":5}],"
			    "\"counts\":[{\"name\":\"current\",\"label\":\"\",\"value\":-3}]}",
			    label);
	g_assert_cmpstr(text, ==, expected);
}

/* An executor handed back its DAG runs it again with fresh instances. */
static void
exec_free_to_dag(void)
{
	g_autoptr(SdagNodeTypes) types = test_types();
	SdagExec *exec = test_exec(types, STATEFUL);
	g_autoptr(SdagExec) again = NULL;
	g_autoptr(GError) error = NULL;
	SdagDag *dag;
	const SdagFrameResult *result;

	test_run(exec, 0, 0);
	g_assert_cmpint(sdag_test_live_instances(), ==, 2);
	dag = sdag_exec_free_to_dag(exec);
	g_assert_cmpint(sdag_test_live_instances(), ==, 0);
	g_assert_cmpstr(dag->pipeline_id, ==, "stateful");
	again = sdag_exec_new(dag, &error);
	g_assert_no_error(error);
	g_assert_true(sdag_exec_get_dag(again) == dag);
	result = test_run(again, 0, 0);
	/* fresh state: the tracker starts again */
	g_assert_cmpuint(result->events->len, ==, 3);
	g_assert_cmpuint(sdag_exec_get_frame_count(again), ==, 1);
	g_strfreev(sdag_test_log_steal());
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/sdag/exec/order-and-outputs", exec_order_and_outputs);
	g_test_add_func("/sdag/exec/unconnected-optional", exec_unconnected_optional);
	g_test_add_func("/sdag/exec/process-failure", exec_process_failure);
	g_test_add_func("/sdag/exec/init-failure", exec_init_failure);
	g_test_add_func("/sdag/exec/formats", exec_formats);
	g_test_add_func("/sdag/exec/format-checked-at-run", exec_format_checked_at_run);
	g_test_add_func("/sdag/exec/metrics", exec_metrics);
	g_test_add_func("/sdag/exec/state-roundtrip", exec_state_roundtrip);
	g_test_add_func("/sdag/exec/state-bad", exec_state_bad);
	g_test_add_func("/sdag/exec/result-json", exec_result_json);
	g_test_add_func("/sdag/exec/free-to-dag", exec_free_to_dag);
	return g_test_run();
}
