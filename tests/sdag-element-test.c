/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The sddag element, in real GStreamer pipelines: "sddag" is created by name
 * from the plugin in the build tree (GST_PLUGIN_PATH), with a registry of
 * this binary's own.
 */
#include <glib/gstdio.h>
#include <gst/check/gstharness.h>
#include <gst/gst.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "sdag-element.h"
#include "sdag-json.h"
#include "sdag-test-util.h"

/* the shipped plugins and the in-process test node types, for every test */
static SdagNodeTypes *types;

#define TDET(params)                                                                              \
	"{\"pipeline_id\":\"tdet\",\"nodes\":[{\"id\":\"d\",\"type\":\"tdet\",\"params\":" params \
	"}],\"edges\":[{\"from\":\"source.frame\",\"to\":\"d.frame\"}],\"outputs\":[\"d."         \
	"detections\"]}"

#define ONE_READER(type)                                                                \
	"{\"pipeline_id\":\"reader\",\"nodes\":[{\"id\":\"r\",\"type\":\"" type "\"}]," \
	"\"edges\":[{\"from\":\"source.frame\",\"to\":\"r.frame\"}],\"outputs\":[\"r."  \
	"detections\"]}"

#define STATEFUL                                                                              \
	"{\"pipeline_id\":\"stateful\",\"nodes\":["                                           \
	"{\"id\":\"d\",\"type\":\"tdet\",\"params\":{\"count\":2}},"                          \
	"{\"id\":\"t\",\"type\":\"ttrk\"},{\"id\":\"c\",\"type\":\"count\"}],\"edges\":["     \
	"{\"from\":\"source.frame\",\"to\":\"d.frame\"},"                                     \
	"{\"from\":\"d.detections\",\"to\":\"t.detections\"},"                                \
	"{\"from\":\"d.detections\",\"to\":\"c.detections\"}],\"outputs\":[\"t.tracks\",\"c." \
	"counts\"]}"

/* What the result function saw. */
typedef struct {
	GMutex lock;
	GArray *ids;  /* guint64 frame ids */
	GArray *dets; /* SdagDetection of every result */
	gint64 last_total;
	guint notified;
} Collector;

static Collector *
collector_new(void)
{
	Collector *c = g_new0(Collector, 1);

	g_mutex_init(&c->lock);
	c->ids = g_array_new(FALSE, FALSE, sizeof(guint64));
	c->dets = g_array_new(FALSE, FALSE, sizeof(SdagDetection));
	c->last_total = -1;
	return c;
}

static void
collector_free(Collector *c)
{
	g_array_unref(c->ids);
	g_array_unref(c->dets);
	g_mutex_clear(&c->lock);
	g_free(c);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC(Collector, collector_free)

static void
collector_result_cb(SdagElement *element, const SdagFrameResult *result, gpointer user_data)
{
	Collector *c = user_data;

	g_mutex_lock(&c->lock);
	g_array_append_val(c->ids, result->frame_id);
	g_array_append_vals(c->dets, result->detections->data, result->detections->len);
	for (guint i = 0; i < result->counts->len; i++) {
		const SdagCount *count = &g_array_index(result->counts, SdagCount, i);
		if (g_strcmp0(count->name, "total") == 0)
			c->last_total = count->value;
	}
	g_mutex_unlock(&c->lock);
}

static void
collector_notify_cb(gpointer user_data)
{
	Collector *c = user_data;
	c->notified++;
}

static void
collector_assert_ids(Collector *c, guint64 first, guint64 step, guint n)
{
	g_assert_cmpuint(c->ids->len, ==, n);
	for (guint i = 0; i < n; i++)
		g_assert_cmpuint(g_array_index(c->ids, guint64, i), ==, first + i * step);
}

static SdagElement *
test_new_element(const char *pipeline_json)
{
	GstElement *element = gst_element_factory_make("sddag", NULL);

	g_assert_nonnull(element);
	/* the plugin's element and the API of this binary are one type */
	g_assert_true(SDAG_IS_ELEMENT(element));
	if (pipeline_json != NULL)
		sdag_element_set_dag(SDAG_ELEMENT(element),
				     sdag_test_compile(types, pipeline_json));
	return SDAG_ELEMENT(element);
}

static GstElement *
test_parse_launch(const char *description)
{
	g_autoptr(GError) error = NULL;
	GstElement *pipeline = gst_parse_launch(description, &error);

	g_assert_no_error(error);
	g_assert_nonnull(pipeline);
	return pipeline;
}

static SdagElement *
test_get_dag(GstElement *pipeline)
{
	GstElement *element = gst_bin_get_by_name(GST_BIN(pipeline), "dag");

	g_assert_nonnull(element);
	/* the pipeline keeps it alive for the test */
	gst_object_unref(element);
	return SDAG_ELEMENT(element);
}

/*
 * Plays @pipeline until EOS or an error and returns that message. Element
 * messages "sddag-frame" on the way are appended to @frames (their "json"),
 * when given. The pipeline is left in PLAYING: the caller inspects, then stops.
 */
static GstMessage *
test_play(GstElement *pipeline, GPtrArray *frames)
{
	g_autoptr(GstBus) bus = gst_element_get_bus(pipeline);

	gst_element_set_state(pipeline, GST_STATE_PLAYING);
	for (;;) {
		GstMessage *msg = gst_bus_timed_pop_filtered(bus,
							     20 * GST_SECOND,
							     GST_MESSAGE_EOS | GST_MESSAGE_ERROR |
								 GST_MESSAGE_ELEMENT);
		const GstStructure *s;

		g_assert_nonnull(msg);
		if (GST_MESSAGE_TYPE(msg) != GST_MESSAGE_ELEMENT)
			return msg;
		s = gst_message_get_structure(msg);
		if (frames != NULL && gst_structure_has_name(s, "sddag-frame"))
			g_ptr_array_add(frames, g_strdup(gst_structure_get_string(s, "json")));
		gst_message_unref(msg);
	}
}

static void
test_assert_eos(GstMessage *msg)
{
	if (GST_MESSAGE_TYPE(msg) == GST_MESSAGE_ERROR) {
		g_autoptr(GError) error = NULL;
		g_autofree char *debug = NULL;

		gst_message_parse_error(msg, &error, &debug);
		g_error("expected EOS, got an error: %s (%s)", error->message, debug);
	}
	g_assert_cmpint(GST_MESSAGE_TYPE(msg), ==, GST_MESSAGE_EOS);
	gst_message_unref(msg);
}

static void
test_stop(GstElement *pipeline)
{
	g_assert_cmpint(
	    gst_element_set_state(pipeline, GST_STATE_NULL), ==, GST_STATE_CHANGE_SUCCESS);
	gst_object_unref(pipeline);
}

static char *
test_write_pipeline(const char *dir, const char *name, const char *text)
{
	g_autoptr(GError) error = NULL;
	char *path = g_build_filename(dir, name, NULL);

	g_assert_true(g_file_set_contents(path, text, -1, &error));
	g_assert_no_error(error);
	return path;
}

static void
element_properties(void)
{
	SdagElement *self = test_new_element(NULL);
	g_autofree char *file = NULL;
	g_autofree char *dir = NULL;
	guint stride = 0;
	guint64 max_frames = 1, decoded = 1, processed = 1, first = 1;
	gboolean post = TRUE;

	g_object_get(self,
		     "pipeline-file",
		     &file,
		     "plugin-dir",
		     &dir,
		     "stride",
		     &stride,
		     "max-frames",
		     &max_frames,
		     "post-messages",
		     &post,
		     "first-frame-id",
		     &first,
		     "frames-decoded",
		     &decoded,
		     "frames-processed",
		     &processed,
		     NULL);
	g_assert_null(file);
	g_assert_cmpstr(dir, ==, SDAG_NODEDIR);
	g_assert_cmpuint(stride, ==, 1);
	g_assert_cmpuint(max_frames, ==, 0);
	g_assert_false(post);
	g_assert_cmpuint(first, ==, 0);
	g_assert_cmpuint(decoded, ==, 0);
	g_assert_cmpuint(processed, ==, 0);
	g_assert_null(sdag_element_get_exec(self));

	g_clear_pointer(&file, g_free);
	g_clear_pointer(&dir, g_free);
	g_object_set(self,
		     "pipeline-file",
		     "/p.json",
		     "plugin-dir",
		     "/nodes",
		     "stride",
		     5u,
		     "max-frames",
		     (guint64)9,
		     "post-messages",
		     TRUE,
		     "first-frame-id",
		     (guint64)42,
		     NULL);
	g_object_get(self,
		     "pipeline-file",
		     &file,
		     "plugin-dir",
		     &dir,
		     "stride",
		     &stride,
		     "max-frames",
		     &max_frames,
		     "post-messages",
		     &post,
		     "first-frame-id",
		     &first,
		     NULL);
	g_assert_cmpstr(file, ==, "/p.json");
	g_assert_cmpstr(dir, ==, "/nodes");
	g_assert_cmpuint(stride, ==, 5);
	g_assert_cmpuint(max_frames, ==, 9);
	g_assert_true(post);
	g_assert_cmpuint(first, ==, 42);
	gst_object_unref(self);
}

/* Stride S over N frames: ceil(N / S) results, ids 0, S, 2S...; every
 * buffer leaves unchanged, the very same buffer. */
static void
element_stride(void)
{
	static const struct {
		guint n;
		guint stride;
	} cases[] = {{10, 1}, {10, 3}, {7, 7}, {5, 10}, {12, 4}};

	for (guint k = 0; k < G_N_ELEMENTS(cases); k++) {
		SdagElement *self = test_new_element(TDET("{}"));
		g_autoptr(Collector) c = collector_new();
		GstHarness *h;
		guint64 decoded = 0, processed = 0, prop_decoded = 0, prop_processed = 0;
		guint expected = (cases[k].n + cases[k].stride - 1) / cases[k].stride;

		g_object_set(self, "stride", cases[k].stride, NULL);
		sdag_element_set_result_func(self, collector_result_cb, c, NULL);
		h = gst_harness_new_with_element(GST_ELEMENT(self), "sink", "src");
		gst_harness_set_src_caps_str(
		    h, "video/x-raw,format=GRAY8,width=16,height=8,framerate=30/1");
		for (guint i = 0; i < cases[k].n; i++) {
			GstBuffer *buf = gst_harness_create_buffer(h, 16 * 8);
			GstBuffer *out;

			gst_buffer_memset(buf, 0, (guint8)i, 16 * 8);
			GST_BUFFER_PTS(buf) = i * GST_SECOND / 30;
			gst_buffer_ref(buf);
			g_assert_cmpint(gst_harness_push(h, buf), ==, GST_FLOW_OK);
			out = gst_harness_pull(h);
			g_assert_true(out == buf);
			g_assert_cmpuint(gst_buffer_get_size(out), ==, 16 * 8);
			gst_buffer_unref(out);
			gst_buffer_unref(buf);
		}
		collector_assert_ids(c, 0, cases[k].stride, expected);
		sdag_element_get_counts(self, &decoded, &processed);
		g_assert_cmpuint(decoded, ==, cases[k].n);
		g_assert_cmpuint(processed, ==, expected);
		g_object_get(self,
			     "frames-decoded",
			     &prop_decoded,
			     "frames-processed",
			     &prop_processed,
			     NULL);
		g_assert_cmpuint(prop_decoded, ==, cases[k].n);
		g_assert_cmpuint(prop_processed, ==, expected);
		/* each optional out-parameter on its own */
		sdag_element_get_counts(self, NULL, &processed);
		sdag_element_get_counts(self, &decoded, NULL);
		/* the detection's x is the frame id: the DAG saw each frame's own id */
		for (guint i = 0; i < expected; i++)
			g_assert_cmpfloat(g_array_index(c->dets, SdagDetection, i).x,
					  ==,
					  (float)(i * cases[k].stride));
		gst_harness_teardown(h);
		gst_object_unref(self);
	}
	g_strfreev(sdag_test_log_steal());
}

/* In a harness: EOS is returned upstream on the max-th processed frame and
 * on every buffer after it. */
static void
element_max_frames_flow(void)
{
	SdagElement *self = test_new_element(TDET("{}"));
	g_autoptr(Collector) c = collector_new();
	GstHarness *h;

	g_object_set(self, "max-frames", (guint64)2, NULL);
	sdag_element_set_result_func(self, collector_result_cb, c, NULL);
	h = gst_harness_new_with_element(GST_ELEMENT(self), "sink", "src");
	gst_harness_set_src_caps_str(h, "video/x-raw,format=GRAY8,width=16,height=8");
	g_assert_cmpint(gst_harness_push(h, gst_harness_create_buffer(h, 128)), ==, GST_FLOW_OK);
	g_assert_cmpint(gst_harness_push(h, gst_harness_create_buffer(h, 128)), ==, GST_FLOW_EOS);
	g_assert_cmpint(gst_harness_push(h, gst_harness_create_buffer(h, 128)), ==, GST_FLOW_EOS);
	collector_assert_ids(c, 0, 1, 2);
	gst_harness_teardown(h);
	gst_object_unref(self);
	g_strfreev(sdag_test_log_steal());
}

/* In a pipeline: the source turns the EOS flow into an EOS, after exactly
 * max-frames processed frames. */
static void
element_max_frames_eos(void)
{
	g_autofree char *file = g_build_filename(
	    g_getenv("SDAG_TEST_SOURCE_ROOT"), "data/pipelines/passthrough_v1.json", NULL);
	g_autofree char *desc = g_strdup_printf(
	    "videotestsrc num-buffers=50 ! video/x-raw,format=I420,width=32,height=24 ! "
	    "sddag name=dag stride=2 max-frames=4 pipeline-file=\"%s\" plugin-dir=\"%s\" ! "
	    "fakesink",
	    file,
	    g_getenv("SDAG_TEST_PLUGIN_DIR"));
	GstElement *pipeline = test_parse_launch(desc);
	SdagElement *self = test_get_dag(pipeline);
	g_autoptr(Collector) c = collector_new();
	guint64 decoded = 0, processed = 0;

	sdag_element_set_result_func(self, collector_result_cb, c, NULL);
	test_assert_eos(test_play(pipeline, NULL));
	collector_assert_ids(c, 0, 2, 4);
	sdag_element_get_counts(self, &decoded, &processed);
	g_assert_cmpuint(processed, ==, 4);
	g_assert_cmpuint(decoded, ==, 7);
	test_stop(pipeline);
}

/* The pipeline-file path end to end, with results posted on the bus. */
static void
element_post_messages(void)
{
	g_autofree char *tmp = sdag_test_mkdtemp();
	g_autofree char *file = test_write_pipeline(
	    tmp,
	    "p.json",
	    "{\"pipeline_id\":\"pass\",\"nodes\":[{\"id\":\"p\",\"type\":\"passthrough\"}],"
	    "\"edges\":[{\"from\":\"source.frame\",\"to\":\"p.frame\"}],\"outputs\":[\"p.frame\"]"
	    "}");
	g_autofree char *desc = g_strdup_printf(
	    "videotestsrc num-buffers=5 ! video/x-raw,framerate=25/1 ! sddag name=dag "
	    "pipeline-file=\"%s\" plugin-dir=\"%s\" post-messages=true ! fakesink",
	    file,
	    g_getenv("SDAG_TEST_PLUGIN_DIR"));
	GstElement *pipeline = test_parse_launch(desc);
	SdagElement *self = test_get_dag(pipeline);
	g_autoptr(GPtrArray) frames = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(JsonNode) metrics = NULL;
	JsonObject *node;
	SdagExec *exec;

	test_assert_eos(test_play(pipeline, frames));
	g_assert_cmpuint(frames->len, ==, 5);
	for (guint i = 0; i < frames->len; i++) {
		g_autoptr(GError) error = NULL;
		g_autoptr(JsonNode) json =
		    sdag_json_parse(g_ptr_array_index(frames, i), -1, &error);
		JsonObject *obj;

		g_assert_no_error(error);
		obj = json_node_get_object(json);
		g_assert_cmpint(json_object_get_int_member(obj, "frame_id"), ==, i);
		g_assert_cmpfloat_with_epsilon(
		    json_object_get_double_member(obj, "pts_ms"), i * 40.0, 1e-9);
		g_assert_cmpuint(
		    json_array_get_length(json_object_get_array_member(obj, "detections")), ==, 0);
		g_assert_true(json_object_has_member(obj, "events"));
		g_assert_true(json_object_has_member(obj, "counts"));
	}
	gst_element_set_state(pipeline, GST_STATE_NULL);

	/* once stopped, the executor is there to be read */
	exec = sdag_element_get_exec(self);
	g_assert_nonnull(exec);
	g_assert_cmpuint(sdag_exec_get_frame_count(exec), ==, 5);
	metrics = sdag_exec_get_node_metrics(exec);
	node = json_array_get_object_element(
	    json_object_get_array_member(json_node_get_object(metrics), "nodes"), 0);
	g_assert_cmpstr(json_object_get_string_member(node, "type"), ==, "passthrough");
	g_assert_cmpint(json_object_get_int_member(node, "count"), ==, 5);
	test_stop(pipeline);
	sdag_test_rmtree(tmp);
}

/* Starts @pipeline, which must fail to start, and returns the error posted. */
static GError *
test_start_error(GstElement *pipeline)
{
	g_autoptr(GstBus) bus = gst_element_get_bus(pipeline);
	g_autoptr(GstMessage) msg = NULL;
	GError *error = NULL;

	g_assert_cmpint(
	    gst_element_set_state(pipeline, GST_STATE_PLAYING), ==, GST_STATE_CHANGE_FAILURE);
	msg = gst_bus_timed_pop_filtered(bus, 5 * GST_SECOND, GST_MESSAGE_ERROR);
	g_assert_nonnull(msg);
	g_assert_true(GST_IS_ELEMENT(GST_MESSAGE_SRC(msg)) &&
		      SDAG_IS_ELEMENT(GST_MESSAGE_SRC(msg)));
	gst_message_parse_error(msg, &error, NULL);
	gst_element_set_state(pipeline, GST_STATE_NULL);
	return error;
}

static void
test_assert_contains(const char *text, const char *part)
{
	if (strstr(text, part) == NULL)
		g_error("'%s' does not contain '%s'", text, part);
}

static void
element_bad_pipeline(void)
{
	g_autofree char *tmp = sdag_test_mkdtemp();
	g_autofree char *not_json = test_write_pipeline(tmp, "bad.json", "{\"pipeline_id\":");
	g_autofree char *invalid = test_write_pipeline(
	    tmp,
	    "invalid.json",
	    "{\"pipeline_id\":\"x\",\"nodes\":[{\"id\":\"x\",\"type\":\"nope\"}],"
	    "\"outputs\":[\"y.z\"]}");
	g_autofree char *good = test_write_pipeline(
	    tmp,
	    "good.json",
	    "{\"pipeline_id\":\"g\",\"nodes\":[{\"id\":\"p\",\"type\":\"passthrough\"}],"
	    "\"edges\":[{\"from\":\"source.frame\",\"to\":\"p.frame\"}]}");
	g_autofree char *missing = g_build_filename(tmp, "missing.json", NULL);
	const char *nodes = g_getenv("SDAG_TEST_PLUGIN_DIR");
	const struct {
		const char *file;
		const char *plugin_dir;
		const char *dag;
		const char *resume;
		GQuark domain;
		gint code;
		const char *part1;
		const char *part2;
	} cases[] = {
	    {missing,
	     nodes,
	     NULL,
	     NULL,
	     GST_RESOURCE_ERROR,
	     GST_RESOURCE_ERROR_NOT_FOUND,
	     missing,
	     NULL},
	    {not_json,
	     nodes,
	     NULL,
	     NULL,
	     GST_RESOURCE_ERROR,
	     GST_RESOURCE_ERROR_SETTINGS,
	     "is not valid JSON",
	     not_json},
	    {invalid,
	     nodes,
	     NULL,
	     NULL,
	     GST_RESOURCE_ERROR,
	     GST_RESOURCE_ERROR_SETTINGS,
	     "has 2 problem(s):\n  unknown_node_type: ",
	     "\n  unknown_output: "},
	    {good,
	     "/nonexistent/nodes",
	     NULL,
	     NULL,
	     GST_RESOURCE_ERROR,
	     GST_RESOURCE_ERROR_NOT_FOUND,
	     "Could not load node plugins from /nonexistent/nodes",
	     NULL},
	    {NULL,
	     nodes,
	     NULL,
	     NULL,
	     GST_RESOURCE_ERROR,
	     GST_RESOURCE_ERROR_SETTINGS,
	     "No pipeline to run",
	     NULL},
	    {NULL,
	     nodes,
	     "{\"pipeline_id\":\"f\",\"nodes\":[{\"id\":\"f\",\"type\":\"tfailinit\"}],"
	     "\"edges\":[{\"from\":\"source.frame\",\"to\":\"f.frame\"}]}",
	     NULL,
	     GST_LIBRARY_ERROR,
	     GST_LIBRARY_ERROR_INIT,
	     "node 'f': no model file",
	     NULL},
	    {NULL,
	     nodes,
	     "{\"pipeline_id\":\"both\",\"nodes\":[{\"id\":\"l\",\"type\":\"tluma\"},"
	     "{\"id\":\"r\",\"type\":\"trgb\"}],\"edges\":["
	     "{\"from\":\"source.frame\",\"to\":\"l.frame\"},"
	     "{\"from\":\"source.frame\",\"to\":\"r.frame\"}]}",
	     NULL,
	     GST_CORE_ERROR,
	     GST_CORE_ERROR_NEGOTIATION,
	     "No frame format",
	     NULL},
	    {NULL,
	     nodes,
	     STATEFUL,
	     "{\"frame_count\":1}",
	     GST_RESOURCE_ERROR,
	     GST_RESOURCE_ERROR_SETTINGS,
	     "Could not resume the pipeline: state: ",
	     NULL},
	};

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		GstElement *pipeline =
		    test_parse_launch("videotestsrc num-buffers=1 ! sddag name=dag ! fakesink");
		SdagElement *self = test_get_dag(pipeline);
		g_autoptr(GError) error = NULL;

		g_object_set(
		    self, "pipeline-file", cases[i].file, "plugin-dir", cases[i].plugin_dir, NULL);
		if (cases[i].dag != NULL)
			sdag_element_set_dag(self, sdag_test_compile(types, cases[i].dag));
		if (cases[i].resume != NULL) {
			g_autoptr(JsonNode) state = sdag_json_parse(cases[i].resume, -1, NULL);
			sdag_element_set_resume_state(self, state);
		}
		error = test_start_error(pipeline);
		if (error->domain != cases[i].domain || error->code != cases[i].code)
			g_error("case %u: %s", i, error->message);
		test_assert_contains(error->message, cases[i].part1);
		if (cases[i].part2 != NULL)
			test_assert_contains(error->message, cases[i].part2);
		test_stop(pipeline);
	}
	sdag_test_rmtree(tmp);
}

static void
element_node_failure(void)
{
	GstElement *pipeline =
	    test_parse_launch("videotestsrc num-buffers=10 ! sddag name=dag ! fakesink");
	SdagElement *self = test_get_dag(pipeline);
	g_autoptr(GError) error = NULL;
	g_autofree char *debug = NULL;
	GstMessage *msg;
	guint64 processed = 0;

	sdag_element_set_dag(self, sdag_test_compile(types, TDET("{\"fail_on\":3}")));
	msg = test_play(pipeline, NULL);
	g_assert_cmpint(GST_MESSAGE_TYPE(msg), ==, GST_MESSAGE_ERROR);
	g_assert_true(GST_MESSAGE_SRC(msg) == GST_OBJECT(self));
	gst_message_parse_error(msg, &error, &debug);
	gst_message_unref(msg);
	g_assert_error(error, GST_STREAM_ERROR, GST_STREAM_ERROR_FAILED);
	g_assert_cmpstr(
	    error->message, ==, "Pipeline tdet failed on frame 3: node 'd': boom on frame 3");
	sdag_element_get_counts(self, NULL, &processed);
	g_assert_cmpuint(processed, ==, 3);
	test_stop(pipeline);
	g_strfreev(sdag_test_log_steal());
}

/* No conversion unless a node asks for it. */
static void
element_formats(void)
{
	static const struct {
		const char *input;
		const char *pipeline;
		gboolean passthrough;
		const char *negotiated;
		const char *label;
	} cases[] = {
	    {"I420", ONE_READER("tluma"), TRUE, "I420", "luma"},
	    {"NV12", ONE_READER("tluma"), TRUE, "NV12", "luma"},
	    {"GRAY8", ONE_READER("tluma"), TRUE, "GRAY8", "luma"},
	    {"I420", ONE_READER("trgb"), FALSE, "RGB", "rgb"},
	    {"RGB", ONE_READER("trgb"), TRUE, "RGB", "rgb"},
	    {"BGR", TDET("{}"), TRUE, "BGR", "person"},
	};

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree char *desc = g_strdup_printf(
		    "videotestsrc num-buffers=3 ! "
		    "video/x-raw,format=%s,width=32,height=24 ! videoconvert name=conv "
		    "! sddag name=dag ! fakesink",
		    cases[i].input);
		GstElement *pipeline = test_parse_launch(desc);
		SdagElement *self = test_get_dag(pipeline);
		g_autoptr(GstElement) conv = gst_bin_get_by_name(GST_BIN(pipeline), "conv");
		g_autoptr(GstPad) pad = gst_element_get_static_pad(GST_ELEMENT(self), "sink");
		g_autoptr(GstCaps) caps = NULL;
		g_autoptr(Collector) c = collector_new();

		sdag_element_set_dag(self, sdag_test_compile(types, cases[i].pipeline));
		sdag_element_set_result_func(self, collector_result_cb, c, NULL);
		test_assert_eos(test_play(pipeline, NULL));
		if (gst_base_transform_is_passthrough(GST_BASE_TRANSFORM(conv)) !=
		    cases[i].passthrough)
			g_error("case %u: videoconvert passthrough is %d",
				i,
				gst_base_transform_is_passthrough(GST_BASE_TRANSFORM(conv)));
		caps = gst_pad_get_current_caps(pad);
		g_assert_cmpstr(gst_structure_get_string(gst_caps_get_structure(caps, 0), "format"),
				==,
				cases[i].negotiated);
		g_assert_cmpuint(c->ids->len, ==, 3);
		g_assert_cmpstr(g_array_index(c->dets, SdagDetection, 0).label, ==, cases[i].label);
		test_stop(pipeline);
	}
	g_strfreev(sdag_test_log_steal());
}

/* A format no node reads, and no converter: not negotiated. */
static void
element_not_negotiated(void)
{
	GstElement *pipeline = test_parse_launch(
	    "videotestsrc num-buffers=3 ! video/x-raw,format=I420,width=32,height=24 ! "
	    "sddag name=dag ! fakesink");
	SdagElement *self = test_get_dag(pipeline);
	g_autoptr(GError) error = NULL;
	g_autofree char *debug = NULL;
	GstMessage *msg;
	guint64 processed = 1;

	sdag_element_set_dag(self, sdag_test_compile(types, ONE_READER("trgb")));
	msg = test_play(pipeline, NULL);
	g_assert_cmpint(GST_MESSAGE_TYPE(msg), ==, GST_MESSAGE_ERROR);
	gst_message_parse_error(msg, &error, &debug);
	gst_message_unref(msg);
	test_assert_contains(debug, "not-negotiated");
	sdag_element_get_counts(self, NULL, &processed);
	g_assert_cmpuint(processed, ==, 0);
	test_stop(pipeline);
}

/* Stopped and started again, a DAG given by the application runs again with
 * fresh node instances and counters. */
static void
element_restart(void)
{
	GstElement *pipeline =
	    test_parse_launch("videotestsrc num-buffers=4 ! sddag name=dag ! fakesink");
	SdagElement *self = test_get_dag(pipeline);
	g_autoptr(Collector) c = collector_new();

	sdag_element_set_dag(self, sdag_test_compile(types, STATEFUL));
	sdag_element_set_result_func(self, collector_result_cb, c, NULL);
	test_assert_eos(test_play(pipeline, NULL));
	g_assert_cmpint(c->last_total, ==, 8);
	g_assert_cmpuint(sdag_exec_get_frame_count(sdag_element_get_exec(self)), ==, 4);
	gst_element_set_state(pipeline, GST_STATE_NULL);

	test_assert_eos(test_play(pipeline, NULL));
	/* ids start again from 0; count's totals were not carried over */
	g_assert_cmpuint(c->ids->len, ==, 8);
	for (guint i = 0; i < 8; i++)
		g_assert_cmpuint(g_array_index(c->ids, guint64, i), ==, i % 4);
	g_assert_cmpint(c->last_total, ==, 8);
	g_assert_true(sdag_element_get_exec(self) != NULL);
	g_assert_cmpuint(sdag_exec_get_frame_count(sdag_element_get_exec(self)), ==, 4);
	test_stop(pipeline);
	g_strfreev(sdag_test_log_steal());
}

/* A checkpoint of one run resumes in the next: counts, track ids and frame
 * ids continue. */
static void
element_resume(void)
{
	GstElement *pipeline =
	    test_parse_launch("videotestsrc num-buffers=3 ! sddag name=dag ! fakesink");
	SdagElement *self = test_get_dag(pipeline);
	g_autoptr(Collector) c = collector_new();
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonNode) state = NULL;
	SdagExec *exec;

	sdag_element_set_dag(self, sdag_test_compile(types, STATEFUL));
	test_assert_eos(test_play(pipeline, NULL));
	gst_element_set_state(pipeline, GST_STATE_NULL);
	state = sdag_exec_save_state(sdag_element_get_exec(self), &error);
	g_assert_no_error(error);
	test_stop(pipeline);

	pipeline = test_parse_launch("videotestsrc num-buffers=3 ! sddag name=dag first-frame-id=3 "
				     "! fakesink");
	self = test_get_dag(pipeline);
	sdag_element_set_dag(self, sdag_test_compile(types, STATEFUL));
	sdag_element_set_resume_state(self, state);
	sdag_element_set_result_func(self, collector_result_cb, c, NULL);
	test_assert_eos(test_play(pipeline, NULL));
	collector_assert_ids(c, 3, 1, 3);
	g_assert_cmpint(c->last_total, ==, 12);
	gst_element_set_state(pipeline, GST_STATE_NULL);
	exec = sdag_element_get_exec(self);
	g_assert_cmpuint(sdag_exec_get_frame_count(exec), ==, 6);
	g_assert_cmpuint(sdag_exec_get_track_count(exec), ==, 2);
	test_stop(pipeline);

	/* a stride keeps its phase on the ids across a resume: from id 7, stride 3 processes
	 * 9, 12, 15 and 18, not 7, 10, 13 and 16 */
	g_array_set_size(c->ids, 0);
	pipeline =
	    test_parse_launch("videotestsrc num-buffers=12 ! sddag name=dag first-frame-id=7 "
			      "stride=3 ! fakesink");
	self = test_get_dag(pipeline);
	sdag_element_set_dag(self, sdag_test_compile(types, STATEFUL));
	sdag_element_set_result_func(self, collector_result_cb, c, NULL);
	test_assert_eos(test_play(pipeline, NULL));
	collector_assert_ids(c, 9, 3, 4);
	gst_element_set_state(pipeline, GST_STATE_NULL);
	test_stop(pipeline);
	g_strfreev(sdag_test_log_steal());
}

static void
element_result_func_notify(void)
{
	SdagElement *self = test_new_element(NULL);
	g_autoptr(Collector) a = collector_new();
	g_autoptr(Collector) b = collector_new();

	sdag_element_set_result_func(self, collector_result_cb, a, collector_notify_cb);
	g_assert_cmpuint(a->notified, ==, 0);
	sdag_element_set_result_func(self, collector_result_cb, b, collector_notify_cb);
	g_assert_cmpuint(a->notified, ==, 1);
	g_assert_cmpuint(b->notified, ==, 0);
	/* a DAG never started is freed with the element */
	sdag_element_set_dag(self, sdag_test_compile(types, TDET("{}")));
	sdag_element_set_dag(self, sdag_test_compile(types, TDET("{}")));
	gst_object_unref(self);
	g_assert_cmpuint(a->notified, ==, 1);
	g_assert_cmpuint(b->notified, ==, 1);
}

/* The system plugins these tests use; 1.22 merged videoconvert into videoconvertscale. */
static const char *const test_system_plugins[] = {
    "libgstcoreelements.so",
    "libgstvideotestsrc.so",
    "libgstvideoconvertscale.so",
    "libgstvideoconvert.so",
};

/*
 * A registry of this binary's own, knowing the plugin of this build tree
 * (GST_PLUGIN_PATH) and, of the system's plugins, only the few used here
 * (linked into a directory given as GST_PLUGIN_SYSTEM_PATH). It is built
 * afresh by each run, in this process: a plugin scanner child would refuse
 * a plugin built with AddressSanitizer.
 */
static void
test_setup_registry(const char *builddir)
{
	g_autofree char *registry = g_build_filename(builddir, "sdag-element-test.registry", NULL);
	g_autofree char *sysdir = g_build_filename(builddir, "sdag-element-test-plugins", NULL);
	const char *system = g_getenv("SDAG_TEST_GST_SYSTEM_PLUGIN_DIR");

	g_unlink(registry);
	g_setenv("GST_REGISTRY", registry, TRUE);
	g_setenv("GST_REGISTRY_FORK", "no", TRUE);
	if (g_getenv("SDAG_TEST_GST_PLUGIN_DIR") != NULL)
		g_setenv("GST_PLUGIN_PATH", g_getenv("SDAG_TEST_GST_PLUGIN_DIR"), TRUE);
	if (system == NULL)
		return;
	g_assert_cmpint(g_mkdir_with_parents(sysdir, 0755), ==, 0);
	for (guint i = 0; i < G_N_ELEMENTS(test_system_plugins); i++) {
		g_autofree char *target = g_build_filename(system, test_system_plugins[i], NULL);
		g_autofree char *link = g_build_filename(sysdir, test_system_plugins[i], NULL);

		g_unlink(link);
		if (g_file_test(target, G_FILE_TEST_EXISTS))
			g_assert_cmpint(symlink(target, link), ==, 0);
	}
	g_setenv("GST_PLUGIN_SYSTEM_PATH_1_0", sysdir, TRUE);
}

int
main(int argc, char **argv)
{
	const char *builddir = g_getenv("G_TEST_BUILDDIR");
	g_autoptr(GError) error = NULL;
	int ret;

	test_setup_registry(builddir != NULL ? builddir : ".");
	g_test_init(&argc, &argv, NULL);
	gst_init(NULL, NULL);

	types = sdag_node_types_new();
	g_assert_true(sdag_node_types_load_dir(types, g_getenv("SDAG_TEST_PLUGIN_DIR"), &error));
	g_assert_no_error(error);
	sdag_test_exec_types_add(types);

	g_test_add_func("/sdag/element/properties", element_properties);
	g_test_add_func("/sdag/element/stride", element_stride);
	g_test_add_func("/sdag/element/max-frames-flow", element_max_frames_flow);
	g_test_add_func("/sdag/element/max-frames-eos", element_max_frames_eos);
	g_test_add_func("/sdag/element/post-messages", element_post_messages);
	g_test_add_func("/sdag/element/bad-pipeline", element_bad_pipeline);
	g_test_add_func("/sdag/element/node-failure", element_node_failure);
	g_test_add_func("/sdag/element/formats", element_formats);
	g_test_add_func("/sdag/element/not-negotiated", element_not_negotiated);
	g_test_add_func("/sdag/element/restart", element_restart);
	g_test_add_func("/sdag/element/resume", element_resume);
	g_test_add_func("/sdag/element/result-func-notify", element_result_func_notify);
	ret = g_test_run();

	sdag_node_types_free(types);
	gst_deinit();
	return ret;
}
