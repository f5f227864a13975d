/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "sdag-error.h"
#include "sdag-json.h"
#include "sdag-nodetypes.h"
#include "sdag-test-util.h"
#include "sdag-topic.h"

#include <string.h>

/* The loader's warnings, kept instead of aborting the test (structured
 * logging bypasses g_test_expect_message). */
static GPtrArray *captured_warnings;

static SdagNodeTypes *
types_load_shipped(void)
{
	SdagNodeTypes *types = sdag_node_types_new();
	g_autoptr(GError) error = NULL;

	g_assert_true(sdag_node_types_load_dir(types, g_getenv("SDAG_TEST_PLUGIN_DIR"), &error));
	g_assert_no_error(error);
	return types;
}

static void
types_shipped(void)
{
	static const char *const shipped[] = {"count",
					      "filter",
					      "haar",
					      "hog_people",
					      "line_counter",
					      "motion",
					      "passthrough",
					      "snapshot",
					      "tracker",
					      "zone"};
	g_autoptr(SdagNodeTypes) types = types_load_shipped();
	g_autoptr(GPtrArray) list = sdag_node_types_list(types);
	const SdagNodeDesc *count;

	g_assert_cmpuint(list->len, ==, G_N_ELEMENTS(shipped));
	for (guint i = 0; i < G_N_ELEMENTS(shipped); i++)
		g_assert_cmpstr(
		    ((const SdagNodeDesc *)g_ptr_array_index(list, i))->name, ==, shipped[i]);
	g_assert_cmpuint(sdag_node_types_get_skipped(types)->len, ==, 0);
	count = sdag_node_types_lookup(types, "count");
	g_assert_nonnull(count);
	g_assert_cmpuint(count->inputs[0].type, ==, SDAG_PORT_DETECTIONS);
	g_assert_cmpuint(count->outputs[0].type, ==, SDAG_PORT_COUNTS);
	g_assert_null(sdag_node_types_lookup(types, "no_such_type"));
}

static const char *
skipped_reason(SdagNodeTypes *types, const char *file_suffix)
{
	GPtrArray *skipped = sdag_node_types_get_skipped(types);

	for (guint i = 0; i < skipped->len; i++) {
		SdagSkippedPlugin *s = g_ptr_array_index(skipped, i);
		if (g_str_has_suffix(s->file, file_suffix))
			return s->reason;
	}
	return NULL;
}

/* Every way a plugin can be broken is skipped with its own reason. */
static void
types_broken_plugins(void)
{
	g_autoptr(SdagNodeTypes) types = types_load_shipped();
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) list = NULL;

	g_ptr_array_set_size(captured_warnings, 0);
	g_assert_true(
	    sdag_node_types_load_dir(types, g_getenv("SDAG_TEST_EXTRA_PLUGIN_DIR"), &error));
	g_assert_no_error(error);
	/* each skipped plugin is logged once, with its file and reason */
	g_assert_cmpuint(captured_warnings->len, ==, 7);
	for (guint i = 0; i < captured_warnings->len; i++)
		g_assert_true(g_str_has_prefix(g_ptr_array_index(captured_warnings, i),
					       "skipping node plugin /"));

	list = sdag_node_types_list(types);
	/* the 10 shipped types and test_detector */
	g_assert_cmpuint(list->len, ==, 11);
	g_assert_nonnull(sdag_node_types_lookup(types, "test_detector"));
	/* the shipped passthrough was not replaced by the impostor */
	g_assert_cmpstr(sdag_node_types_lookup(types, "passthrough")->version, ==, "1.0.0");

	g_assert_cmpuint(sdag_node_types_get_skipped(types)->len, ==, 7);
	g_assert_cmpstr(
	    skipped_reason(types, "sdag-node-broken-abi.so"), ==, "ABI version 101, expected 3");
	g_assert_cmpstr(
	    skipped_reason(types, "sdag-node-broken-nosym.so"), ==, "no symbol sdag_node_describe");
	g_assert_cmpstr(skipped_reason(types, "sdag-node-broken-null.so"),
			==,
			"sdag_node_describe returned no description");
	g_assert_cmpstr(skipped_reason(types, "sdag-node-broken-desc.so"),
			==,
			"param 'threshold' has an invalid default: value 2.5 is outside 0..1");
	g_assert_cmpstr(skipped_reason(types, "sdag-node-dup-passthrough.so"),
			==,
			"node type 'passthrough' is already registered");
	g_assert_nonnull(skipped_reason(types, "sdag-node-garbage.so"));
	g_assert_nonnull(strstr(skipped_reason(types, "sdag-node-broken-undef.so"),
				"undefined symbol: sdag_no_such_function"));
}

static void
types_missing_dir(void)
{
	g_autoptr(SdagNodeTypes) types = sdag_node_types_new();
	g_autoptr(GError) error = NULL;

	g_assert_false(sdag_node_types_load_dir(types, "/nonexistent/nodes", &error));
	g_assert_error(error, SDAG_ERROR, SDAG_ERROR_PLUGIN);
	g_assert_nonnull(strstr(error->message, "/nonexistent/nodes"));
}

static gpointer
t_init(JsonObject *p, GError **e)
{
	return NULL;
}

static gboolean
t_process(gpointer i, const SdagPacket *in, SdagPacket *out, GError **e)
{
	return TRUE;
}

static void
t_finalize(gpointer i)
{
}

static GBytes *
t_save(gpointer i, const char *key)
{
	return NULL;
}

static gboolean
t_load(gpointer i, const char *key, GBytes *data, GError **e)
{
	return TRUE;
}

static const SdagPortSpec p_dup[] = {{"a", SDAG_PORT_FRAME, FALSE, NULL},
				     {"a", SDAG_PORT_IMAGE, FALSE, NULL}};
static const SdagPortSpec p_badtype[] = {{"a", (SdagPortType)42, FALSE, NULL}};
static const SdagPortSpec p_badname[] = {{"Frame", SDAG_PORT_FRAME, FALSE, NULL}};
static const SdagParamSpec par_badtype[] = {{"x", (SdagParamType)0, "1", FALSE, 0, 0, NULL}};
static const SdagParamSpec par_badjson[] = {{"x", SDAG_PARAM_INT, "{", FALSE, 0, 0, NULL}};
static const SdagParamSpec par_badkind[] = {{"x", SDAG_PARAM_INT, "\"1\"", FALSE, 0, 0, NULL}};
static const SdagStateKeySpec st[] = {{"k", NULL}};
static const SdagStateKeySpec st_bad[] = {{NULL, NULL}};
static const SdagParamSpec par_dup[] = {{"x", SDAG_PARAM_INT, "1", FALSE, 0, 0, NULL},
					{"x", SDAG_PARAM_BOOL, "true", FALSE, 0, 0, NULL}};
static const SdagParamSpec par_range[] = {{"x", SDAG_PARAM_INT, NULL, TRUE, 5, 1, NULL}};

#define BASE                                                                  \
	.abi_version = SDAG_NODE_ABI_VERSION, .version = "1", .init = t_init, \
	.process = t_process, .finalize = t_finalize

static const struct {
	SdagNodeDesc desc;
	const char *reason;
} bad_descs[] = {
    {{BASE, .name = "Bad Name"}, "node type name must be 1-63 of [a-z0-9_]"},
    {{BASE, .name = NULL}, "node type name must be 1-63 of [a-z0-9_]"},
    {{.abi_version = SDAG_NODE_ABI_VERSION,
      .name = "noproc",
      .version = "1",
      .init = t_init,
      .finalize = t_finalize},
     "version, init, process and finalize are required"},
    {{BASE, .name = "stateful", .state_keys = st, .n_state_keys = 1},
     "declared state keys need save_state and load_state"},
    {{BASE, .name = "dupport", .inputs = p_dup, .n_inputs = 2}, "input port 'a' is declared twice"},
    {{BASE, .name = "badtype", .outputs = p_badtype, .n_outputs = 1},
     "output port 'a' has an invalid type"},
    {{BASE, .name = "badport", .inputs = p_badname, .n_inputs = 1},
     "input port 0 has an invalid name"},
    {{BASE, .name = "noports", .n_inputs = 1}, "input ports missing"},
    {{BASE, .name = "noparams", .n_params = 1}, "params missing"},
    {{BASE, .name = "parbadtype", .params = par_badtype, .n_params = 1},
     "param 0 has an invalid name or type"},
    {{BASE, .name = "parbadjson", .params = par_badjson, .n_params = 1},
     "param 'x' has an invalid default"},
    {{BASE, .name = "parbadkind", .params = par_badkind, .n_params = 1},
     "param 'x' has an invalid default: expected an integer"},
    {{BASE, .name = "pardup", .params = par_dup, .n_params = 2}, "param 'x' is declared twice"},
    {{BASE, .name = "parrange", .params = par_range, .n_params = 1},
     "param 'x' has min 5 above max 1"},
    {{BASE,
      .name = "badstate",
      .state_keys = st_bad,
      .n_state_keys = 1,
      .save_state = t_save,
      .load_state = t_load},
     "state key 0 has an invalid name"},
    {{BASE, .name = "formatbit0", .frame_formats = 1u}, "frame_formats 0x1 has bits of no known"},
    {{BASE,
      .name = "formatfuture",
      .frame_formats = SDAG_FRAME_FORMAT_BIT(SDAG_FRAME_FORMAT_I420) | (1u << 9)},
     "frame_formats 0x202 has bits of no known frame format"},
};

static void
types_bad_descs(void)
{
	for (guint i = 0; i < G_N_ELEMENTS(bad_descs); i++) {
		g_autoptr(SdagNodeTypes) types = sdag_node_types_new();
		g_autoptr(GError) error = NULL;

		g_assert_false(sdag_node_types_add(types, &bad_descs[i].desc, &error));
		g_assert_error(error, SDAG_ERROR, SDAG_ERROR_PLUGIN);
		if (!g_str_has_prefix(error->message, bad_descs[i].reason))
			g_error(
			    "case %u: '%s' is not '%s'", i, error->message, bad_descs[i].reason);
	}
}

static void
types_desc_json(void)
{
	g_autoptr(SdagNodeTypes) types = types_load_shipped();
	g_autoptr(JsonNode) node = sdag_node_desc_to_json(sdag_node_types_lookup(types, "count"));
	g_autofree char *text = sdag_json_to_string(node);

	g_assert_cmpstr(
	    text,
	    ==,
	    "{\"name\":\"count\",\"version\":\"1.0.0\",\"description\":\"Counts detections per "
	    "label, per frame and in total\",\"inputs\":[{\"name\":\"detections\",\"type\":"
	    "\"detections\",\"optional\":false,\"description\":\"detections to count\"}],"
	    "\"outputs\":[{\"name\":\"counts\",\"type\":\"counts\",\"description\":\"per label: "
	    "'current' in this frame, 'total' so far\"}],\"params\":[{\"name\":\"labels\",\"type\":"
	    "\"names\",\"required\":false,\"default\":[],\"min\":0.0,\"max\":64.0,"
	    "\"description\":"
	    "\"count only these labels; [] counts "
	    "all\"},{\"name\":\"min_score\",\"type\":\"double\","
	    "\"required\":false,\"default\":0.0,\"min\":0.0,\"max\":1.0,\"description\":\"ignore "
	    "detections scored lower\"}],\"state_keys\":[{\"name\":\"totals\",\"description\":"
	    "\"running total per label since the job started\"}]}");
}

static void
types_names(void)
{
	g_assert_cmpstr(sdag_port_type_to_string(SDAG_PORT_TRACKS), ==, "tracks");
	g_assert_cmpstr(sdag_port_type_to_string(SDAG_PORT_IMAGE), ==, "image");
	g_assert_cmpstr(sdag_port_type_to_string((SdagPortType)99), ==, "invalid");
	g_assert_cmpstr(sdag_param_type_to_string(SDAG_PARAM_POINTS), ==, "points");
	g_assert_cmpstr(sdag_param_type_to_string((SdagParamType)0), ==, "invalid");
}

static JsonObject *
params_from(const char *json)
{
	g_autoptr(JsonNode) node = sdag_json_parse(json, -1, NULL);
	return json_object_ref(json_node_get_object(node));
}

static void
add_det(GArray *dets, const char *label, float score)
{
	SdagDetection d = {.score = score, .track_id = -1};
	g_strlcpy(d.label, label, sizeof(d.label));
	g_array_append_val(dets, d);
}

static GArray *
count_run(const SdagNodeDesc *desc, gpointer inst, GArray *dets)
{
	SdagPacket in = {SDAG_PORT_DETECTIONS, NULL, dets};
	SdagPacket out = {SDAG_PORT_COUNTS, NULL, g_array_new(FALSE, TRUE, sizeof(SdagCount))};
	g_autoptr(GError) error = NULL;

	g_assert_true(desc->process(inst, &in, &out, &error));
	g_assert_no_error(error);
	return out.items;
}

static void
assert_count(GArray *counts, guint i, const char *name, const char *label, gint64 value)
{
	SdagCount *c = &g_array_index(counts, SdagCount, i);
	g_assert_cmpstr(c->name, ==, name);
	g_assert_cmpstr(c->label, ==, label);
	g_assert_cmpint(c->value, ==, value);
}

/* The shipped count node: per-frame and running counts, filters, state. */
static void
types_count_node(void)
{
	g_autoptr(SdagNodeTypes) types = types_load_shipped();
	const SdagNodeDesc *desc = sdag_node_types_lookup(types, "count");
	g_autoptr(JsonObject) params = params_from("{\"labels\":[],\"min_score\":0.5}");
	g_autoptr(JsonObject) only_cars = params_from("{\"labels\":[\"car\"],\"min_score\":0.0}");
	g_autoptr(GArray) dets = g_array_new(FALSE, TRUE, sizeof(SdagDetection));
	g_autoptr(GArray) c1 = NULL;
	g_autoptr(GArray) c2 = NULL;
	g_autoptr(GArray) c3 = NULL;
	g_autoptr(GArray) c4 = NULL;
	g_autoptr(GBytes) state = NULL;
	g_autoptr(GBytes) bad = g_bytes_new_static("person=x\n", 9);
	g_autoptr(GError) error = NULL;
	gpointer inst = desc->init(params, &error);
	gpointer inst2 = desc->init(params, &error);
	gpointer inst3 = desc->init(only_cars, &error);

	add_det(dets, "person", 0.9f);
	add_det(dets, "person", 0.8f);
	add_det(dets, "car", 0.7f);
	add_det(dets, "dog", 0.1f); /* below min_score */
	c1 = count_run(desc, inst, dets);
	g_assert_cmpuint(c1->len, ==, 4);
	assert_count(c1, 0, "current", "car", 1);
	assert_count(c1, 1, "total", "car", 1);
	assert_count(c1, 2, "current", "person", 2);
	assert_count(c1, 3, "total", "person", 2);

	g_array_set_size(dets, 1); /* one person */
	c2 = count_run(desc, inst, dets);
	assert_count(c2, 0, "current", "car", 0);
	assert_count(c2, 1, "total", "car", 1);
	assert_count(c2, 2, "current", "person", 1);
	assert_count(c2, 3, "total", "person", 3);

	/* the declared state carries the totals into a new instance */
	state = desc->save_state(inst, "totals");
	g_assert_cmpmem(g_bytes_get_data(state, NULL),
			g_bytes_get_size(state),
			"car=1\nperson=3\n",
			strlen("car=1\nperson=3\n"));
	g_assert_true(desc->load_state(inst2, "totals", state, &error));
	g_assert_no_error(error);
	c3 = count_run(desc, inst2, dets);
	assert_count(c3, 3, "total", "person", 4);
	g_assert_false(desc->load_state(inst2, "totals", bad, &error));
	g_assert_nonnull(error);

	/* a label filter */
	add_det(dets, "car", 0.2f);
	c4 = count_run(desc, inst3, dets);
	g_assert_cmpuint(c4->len, ==, 2);
	assert_count(c4, 0, "current", "car", 1);

	desc->finalize(inst);
	desc->finalize(inst2);
	desc->finalize(inst3);
}

static void
types_passthrough_node(void)
{
	g_autoptr(SdagNodeTypes) types = types_load_shipped();
	const SdagNodeDesc *desc = sdag_node_types_lookup(types, "passthrough");
	SdagFrame frame = {
	    .width = 4, .height = 2, .format = SDAG_FRAME_FORMAT_GRAY8, .frame_id = 7};
	SdagPacket in = {SDAG_PORT_FRAME, &frame, NULL};
	SdagPacket out = {SDAG_PORT_FRAME, NULL, NULL};
	g_autoptr(JsonObject) params = json_object_new();
	gpointer inst = desc->init(params, NULL);

	g_assert_true(desc->process(inst, &in, &out, NULL));
	g_assert_true(out.frame == &frame);
	desc->finalize(inst);
}

/* What may be published: each row a topic name and the reason it is refused (NULL: it is
 * accepted). */
typedef struct {
	const char *path;
	const char *topic;
	const char *reason;
} TopicCase;

static const TopicCase topic_cases[] = {
    {"plain", "streamdag/box1/j-1/zone/front door/person", NULL},
    {"utf8", "t/j/zone/Eingang \xc3\xbc\xe2\x82\xac/person", NULL},
    {"hash", "t/j/zone/door/#/person", "'#' is not allowed"},
    {"plus", "t/j/zone/a+b/person", "'+' is not allowed"},
    {"empty-level", "t/j/zone//person", "it is empty"},
    {"trailing-slash", "t/j/", "it is empty"},
    {"empty", "", "it is empty"},
    {"bad-utf8", "t/j/zone/\xed\xa0\x80/person", "not valid UTF-8"},
    {"control", "t/j/zone/a\x1b/person", "control character U+001B"},
    {"del", "t/j/zone/a\x7f/person", "control character U+007F"},
    {"c1", "t/j/zone/a\xc2\x85/person", "control character U+0085"},
    {"nonchar", "t/j/zone/a\xef\xbf\xbf/person", "noncharacter U+FFFF"},
};

static void
topic_check(gconstpointer data)
{
	const TopicCase *tc = data;
	g_autoptr(GError) error = NULL;
	gboolean ok = sdag_topic_check(tc->topic, &error);

	if (tc->reason == NULL) {
		g_assert_no_error(error);
		g_assert_true(ok);
		return;
	}
	g_assert_false(ok);
	g_assert_error(error, SDAG_ERROR, SDAG_ERROR_INVALID_PIPELINE);
	g_assert_nonnull(strstr(error->message, tc->reason));
}

/* A topic over the length field of the packet. */
static void
topic_too_long(void)
{
	g_autofree char *topic = g_strnfill(65536, 'a');
	g_autoptr(GError) error = NULL;

	g_assert_false(sdag_topic_check(topic, &error));
	g_assert_nonnull(strstr(error->message, "longer than 65535"));
	topic[65535] = '\0';
	g_assert_true(sdag_topic_check(topic, NULL));
}

int
main(int argc, char **argv)
{
	int rc;

	g_test_init(&argc, &argv, NULL);
	captured_warnings = g_ptr_array_new_with_free_func(g_free);
	sdag_test_warnings_capture("sdag-nodetypes", captured_warnings);
	g_test_add_func("/sdag/nodetypes/shipped", types_shipped);
	g_test_add_func("/sdag/nodetypes/broken-plugins", types_broken_plugins);
	g_test_add_func("/sdag/nodetypes/missing-dir", types_missing_dir);
	g_test_add_func("/sdag/nodetypes/bad-descriptions", types_bad_descs);
	g_test_add_func("/sdag/nodetypes/description-json", types_desc_json);
	g_test_add_func("/sdag/nodetypes/names", types_names);
	for (guint i = 0; i < G_N_ELEMENTS(topic_cases); i++) {
		g_autofree char *path =
		    g_strdup_printf("/sdag/nodetypes/topic/%s", topic_cases[i].path);
		g_test_add_data_func(path, &topic_cases[i], topic_check);
	}
	g_test_add_func("/sdag/nodetypes/topic/too-long", topic_too_long);
	g_test_add_func("/sdag/nodetypes/count-node", types_count_node);
	g_test_add_func("/sdag/nodetypes/passthrough-node", types_passthrough_node);
	rc = g_test_run();
	g_ptr_array_unref(captured_warnings);
	return rc;
}
