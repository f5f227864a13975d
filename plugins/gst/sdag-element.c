/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/**
 * SECTION:element-sddag
 * @title: sddag
 *
 * Runs a streamdag pipeline (a DAG of analysis nodes) over the decoded video
 * frames that pass through it. It never changes a buffer: like identity it is
 * in place and in passthrough, and every buffer leaves as it came.
 *
 * Its caps are the raw video formats the pipeline's nodes read (see
 * SdagNodeDesc.frame_formats), so an upstream videoconvert stays in
 * passthrough whenever the decoder's format is already one of them: no
 * full-frame conversion runs unless a node asks for a format the decoder does
 * not produce.
 *
 * Every `stride`-th decoded frame is processed; after `max-frames` processed
 * frames the element returns EOS upstream, which ends a file pipeline with
 * EOS. With `post-messages`, each processed frame's result is posted on the
 * bus as an element message "sddag-frame" with a string field "json".
 *
 * A frame that carries an SdagFrameMeta (put before the decoder by a job that skips frames
 * undecoded, src/run/sdag-decode.c) is numbered by the meta's counter, which saw every coded
 * frame, instead of by counting what arrives: the ids stay the source's frame numbers
 * although frames are missing. A new run of counter (a live source that reconnected)
 * continues the numbering after the last id.
 *
 * ## Example launch line
 * |[
 * GST_PLUGIN_PATH=build/plugins/gst gst-launch-1.0 -m videotestsrc num-buffers=30 ! \
 *     sddag pipeline-file=data/pipelines/passthrough_v1.json \
 *     plugin-dir=build/plugins/nodes post-messages=true ! fakesink
 * ]|
 * prints one "sddag-frame" element message per frame and ends with EOS.
 *
 * Threads: the DAG runs on the streaming thread. Properties, counters and the
 * allowed formats are shared with other threads under the object lock; the
 * result function is swapped under its own lock, so that replacing it never
 * races with a call in progress.
 */
#define G_LOG_DOMAIN "sdag-element"

#include "config.h"

#include "sdag-element.h"

#include <gst/video/video.h>
#include <time.h>

#include "sdag-frame-meta.h"
#include "sdag-json.h"

#define SDAG_ELEMENT_FORMATS "{ I420, NV12, GRAY8, RGB, BGR }"

static GstStaticPadTemplate sdag_element_sink_template =
    GST_STATIC_PAD_TEMPLATE("sink",
			    GST_PAD_SINK,
			    GST_PAD_ALWAYS,
			    GST_STATIC_CAPS(GST_VIDEO_CAPS_MAKE(SDAG_ELEMENT_FORMATS)));

static GstStaticPadTemplate sdag_element_src_template =
    GST_STATIC_PAD_TEMPLATE("src",
			    GST_PAD_SRC,
			    GST_PAD_ALWAYS,
			    GST_STATIC_CAPS(GST_VIDEO_CAPS_MAKE(SDAG_ELEMENT_FORMATS)));

GST_DEBUG_CATEGORY_STATIC(sdag_element_debug);
#define GST_CAT_DEFAULT sdag_element_debug

enum {
	PROP_0,
	PROP_PIPELINE_FILE,
	PROP_PLUGIN_DIR,
	PROP_STRIDE,
	PROP_MAX_FRAMES,
	PROP_POST_MESSAGES,
	PROP_FIRST_FRAME_ID,
	PROP_FRAMES_DECODED,
	PROP_FRAMES_PROCESSED,
};

#define DEFAULT_PIPELINE_FILE NULL
#define DEFAULT_PLUGIN_DIR SDAG_NODEDIR
#define DEFAULT_STRIDE 1
#define DEFAULT_MAX_FRAMES 0
#define DEFAULT_POST_MESSAGES FALSE
#define DEFAULT_FIRST_FRAME_ID 0

/* The formats of the pad templates, and what they are to the nodes. */
static const struct {
	GstVideoFormat gst;
	SdagFrameFormat sdag;
	const char *name;
} sdag_element_formats[] = {
    {GST_VIDEO_FORMAT_I420, SDAG_FRAME_FORMAT_I420, "I420"},
    {GST_VIDEO_FORMAT_NV12, SDAG_FRAME_FORMAT_NV12, "NV12"},
    {GST_VIDEO_FORMAT_GRAY8, SDAG_FRAME_FORMAT_GRAY8, "GRAY8"},
    {GST_VIDEO_FORMAT_RGB, SDAG_FRAME_FORMAT_RGB, "RGB"},
    {GST_VIDEO_FORMAT_BGR, SDAG_FRAME_FORMAT_BGR, "BGR"},
};

struct _SdagElement {
	GstBaseTransform parent;

	/* guarded by the object lock */
	char *pipeline_file;
	char *plugin_dir;
	guint stride;
	guint64 max_frames;
	gboolean post_messages;
	guint64 first_frame_id;
	guint64 frames_decoded;
	guint64 frames_processed;
	/* CPU time of the thread that pushes the frames in (the analysis thread), from its first
	 * frame to its last; a change of thread starts a new span */
	gint64 thread_cpu_ns;
	gint64 thread_cpu_mark;
	GThread *thread_cpu_of;
	guint32 formats;      /* what the caps allow: the running DAG's formats */
	SdagDag *pending_dag; /* from sdag_element_set_dag(), until start() */
	JsonNode *resume_state;

	/* set up in start(); used by the streaming thread between start() and
	 * stop(), and by the application outside of them */
	SdagNodeTypes *types; /* the node types of a DAG compiled from pipeline-file */
	SdagExec *exec;
	gboolean exec_from_app; /* its DAG came from sdag_element_set_dag() */
	GstVideoInfo info;
	gboolean reached_max;
	/* frames numbered by an SdagFrameMeta: ids are base + the meta's index */
	gboolean meta_seen;
	guint meta_run;
	guint64 meta_base;
	guint64 next_id; /* the id after the last frame's */

	GMutex result_lock;
	SdagElementResultFunc result_func;
	gpointer result_data;
	GDestroyNotify result_notify;
};

G_DEFINE_TYPE_WITH_CODE(
    SdagElement,
    sdag_element,
    GST_TYPE_BASE_TRANSFORM,
    GST_DEBUG_CATEGORY_INIT(sdag_element_debug, "sddag", 0, "streamdag DAG executor"));

static void sdag_element_finalize(GObject *object);
static void
sdag_element_set_property(GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec);
static void
sdag_element_get_property(GObject *object, guint prop_id, GValue *value, GParamSpec *pspec);
static gboolean sdag_element_start(GstBaseTransform *trans);
static gboolean sdag_element_stop(GstBaseTransform *trans);
static GstCaps *sdag_element_transform_caps(GstBaseTransform *trans,
					    GstPadDirection direction,
					    GstCaps *caps,
					    GstCaps *filter);
static gboolean sdag_element_set_caps(GstBaseTransform *trans, GstCaps *incaps, GstCaps *outcaps);
static GstFlowReturn sdag_element_transform_ip(GstBaseTransform *trans, GstBuffer *buf);

static void
sdag_element_class_init(SdagElementClass *klass)
{
	GObjectClass *gobject_class = G_OBJECT_CLASS(klass);
	GstElementClass *element_class = GST_ELEMENT_CLASS(klass);
	GstBaseTransformClass *trans_class = GST_BASE_TRANSFORM_CLASS(klass);

	gobject_class->set_property = sdag_element_set_property;
	gobject_class->get_property = sdag_element_get_property;
	gobject_class->finalize = sdag_element_finalize;

	g_object_class_install_property(
	    gobject_class,
	    PROP_PIPELINE_FILE,
	    g_param_spec_string(
		"pipeline-file",
		"Pipeline file",
		"A streamdag pipeline definition (JSON), compiled at start with the "
		"node types of plugin-dir",
		DEFAULT_PIPELINE_FILE,
		G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY));
	g_object_class_install_property(
	    gobject_class,
	    PROP_PLUGIN_DIR,
	    g_param_spec_string("plugin-dir",
				"Plugin directory",
				"Where the node plugins of pipeline-file are loaded from",
				DEFAULT_PLUGIN_DIR,
				G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
				    GST_PARAM_MUTABLE_READY));
	g_object_class_install_property(
	    gobject_class,
	    PROP_STRIDE,
	    g_param_spec_uint("stride",
			      "Stride",
			      "Process every Nth decoded frame (frame ids 0, N, 2N, ...)",
			      1,
			      G_MAXUINT,
			      DEFAULT_STRIDE,
			      G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
				  GST_PARAM_MUTABLE_PLAYING));
	g_object_class_install_property(
	    gobject_class,
	    PROP_MAX_FRAMES,
	    g_param_spec_uint64("max-frames",
				"Max frames",
				"Return EOS after this many processed frames (0 = no limit)",
				0,
				G_MAXUINT64,
				DEFAULT_MAX_FRAMES,
				G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
				    GST_PARAM_MUTABLE_PLAYING));
	g_object_class_install_property(
	    gobject_class,
	    PROP_POST_MESSAGES,
	    g_param_spec_boolean("post-messages",
				 "Post messages",
				 "Post an element message \"sddag-frame\" with the result as a "
				 "string field \"json\" for every processed frame",
				 DEFAULT_POST_MESSAGES,
				 G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
				     GST_PARAM_MUTABLE_PLAYING));
	g_object_class_install_property(
	    gobject_class,
	    PROP_FIRST_FRAME_ID,
	    g_param_spec_uint64("first-frame-id",
				"First frame id",
				"The id of the first decoded frame after start (a resumed job "
				"continues its numbering)",
				0,
				G_MAXUINT64 / 2,
				DEFAULT_FIRST_FRAME_ID,
				G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
				    GST_PARAM_MUTABLE_READY));
	g_object_class_install_property(
	    gobject_class,
	    PROP_FRAMES_DECODED,
	    g_param_spec_uint64("frames-decoded",
				"Frames decoded",
				"Frames received since start",
				0,
				G_MAXUINT64,
				0,
				G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));
	g_object_class_install_property(
	    gobject_class,
	    PROP_FRAMES_PROCESSED,
	    g_param_spec_uint64("frames-processed",
				"Frames processed",
				"Frames the pipeline ran over since start",
				0,
				G_MAXUINT64,
				0,
				G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

	gst_element_class_add_static_pad_template(element_class, &sdag_element_sink_template);
	gst_element_class_add_static_pad_template(element_class, &sdag_element_src_template);
	gst_element_class_set_static_metadata(
	    element_class,
	    "streamdag DAG executor",
	    "Filter/Analyzer/Video",
	    "Runs a streamdag pipeline of analysis nodes over each decoded frame",
	    "The streamdag authors");

	trans_class->start = GST_DEBUG_FUNCPTR(sdag_element_start);
	trans_class->stop = GST_DEBUG_FUNCPTR(sdag_element_stop);
	trans_class->transform_caps = GST_DEBUG_FUNCPTR(sdag_element_transform_caps);
	trans_class->set_caps = GST_DEBUG_FUNCPTR(sdag_element_set_caps);
	trans_class->transform_ip = GST_DEBUG_FUNCPTR(sdag_element_transform_ip);
	/* the buffer is only read: run even though it is passed through */
	trans_class->transform_ip_on_passthrough = TRUE;
	trans_class->passthrough_on_same_caps = FALSE;
}

static void
sdag_element_init(SdagElement *self)
{
	GstBaseTransform *trans = GST_BASE_TRANSFORM(self);

	self->plugin_dir = g_strdup(DEFAULT_PLUGIN_DIR);
	self->stride = DEFAULT_STRIDE;
	self->max_frames = DEFAULT_MAX_FRAMES;
	self->post_messages = DEFAULT_POST_MESSAGES;
	self->first_frame_id = DEFAULT_FIRST_FRAME_ID;
	self->formats = SDAG_EXEC_ALL_FORMATS;
	gst_video_info_init(&self->info);
	g_mutex_init(&self->result_lock);

	gst_base_transform_set_in_place(trans, TRUE);
	gst_base_transform_set_passthrough(trans, TRUE);
}

static void
sdag_element_finalize(GObject *object)
{
	SdagElement *self = SDAG_ELEMENT(object);

	/* the exec's DAG borrows the node types: free it first */
	g_clear_pointer(&self->exec, sdag_exec_free);
	g_clear_pointer(&self->types, sdag_node_types_free);
	g_clear_pointer(&self->pending_dag, sdag_dag_free);
	g_clear_pointer(&self->resume_state, json_node_unref);
	if (self->result_notify != NULL)
		self->result_notify(self->result_data);
	g_mutex_clear(&self->result_lock);
	g_free(self->pipeline_file);
	g_free(self->plugin_dir);

	G_OBJECT_CLASS(sdag_element_parent_class)->finalize(object);
}

static void
sdag_element_set_property(GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
	SdagElement *self = SDAG_ELEMENT(object);

	GST_OBJECT_LOCK(self);
	switch (prop_id) {
	case PROP_PIPELINE_FILE:
		g_free(self->pipeline_file);
		self->pipeline_file = g_value_dup_string(value);
		break;
	case PROP_PLUGIN_DIR:
		g_free(self->plugin_dir);
		self->plugin_dir = g_value_dup_string(value);
		break;
	case PROP_STRIDE:
		self->stride = g_value_get_uint(value);
		break;
	case PROP_MAX_FRAMES:
		self->max_frames = g_value_get_uint64(value);
		break;
	case PROP_POST_MESSAGES:
		self->post_messages = g_value_get_boolean(value);
		break;
	case PROP_FIRST_FRAME_ID:
		self->first_frame_id = g_value_get_uint64(value);
		break;
	default:
		G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
		break;
	}
	GST_OBJECT_UNLOCK(self);
}

static void
sdag_element_get_property(GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
	SdagElement *self = SDAG_ELEMENT(object);

	GST_OBJECT_LOCK(self);
	switch (prop_id) {
	case PROP_PIPELINE_FILE:
		g_value_set_string(value, self->pipeline_file);
		break;
	case PROP_PLUGIN_DIR:
		g_value_set_string(value, self->plugin_dir);
		break;
	case PROP_STRIDE:
		g_value_set_uint(value, self->stride);
		break;
	case PROP_MAX_FRAMES:
		g_value_set_uint64(value, self->max_frames);
		break;
	case PROP_POST_MESSAGES:
		g_value_set_boolean(value, self->post_messages);
		break;
	case PROP_FIRST_FRAME_ID:
		g_value_set_uint64(value, self->first_frame_id);
		break;
	case PROP_FRAMES_DECODED:
		g_value_set_uint64(value, self->frames_decoded);
		break;
	case PROP_FRAMES_PROCESSED:
		g_value_set_uint64(value, self->frames_processed);
		break;
	default:
		G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
		break;
	}
	GST_OBJECT_UNLOCK(self);
}

/* "code: message" of each problem, one per line, for the error's text. */
static char *
sdag_element_problems_to_text(GPtrArray *problems)
{
	g_autoptr(GString) text = g_string_new(NULL);

	for (guint i = 0; i < problems->len; i++) {
		SdagDagProblem *p = g_ptr_array_index(problems, i);

		g_string_append_printf(text, "\n  %s: %s", p->code, p->message);
	}
	return g_string_free(g_steal_pointer(&text), FALSE);
}

static char *
sdag_element_skipped_to_text(SdagNodeTypes *types)
{
	GPtrArray *skipped = sdag_node_types_get_skipped(types);
	g_autoptr(GString) text = g_string_new(NULL);

	for (guint i = 0; i < skipped->len; i++) {
		SdagSkippedPlugin *s = g_ptr_array_index(skipped, i);

		g_string_append_printf(text, "skipped node plugin %s: %s\n", s->file, s->reason);
	}
	return g_string_free(g_steal_pointer(&text), FALSE);
}

/* Loads the node types and compiles @file; posts the error itself. */
static SdagDag *
sdag_element_compile_file(SdagElement *self, const char *file, const char *plugin_dir)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *data = NULL;
	gsize len = 0;
	g_autoptr(JsonNode) root = NULL;
	g_autoptr(SdagNodeTypes) types = sdag_node_types_new();
	g_autoptr(GPtrArray) problems = sdag_dag_problems_new();
	SdagDag *dag;

	if (!g_file_get_contents(file, &data, &len, &error)) {
		GST_ELEMENT_ERROR(self,
				  RESOURCE,
				  NOT_FOUND,
				  ("Could not read pipeline file %s: %s", file, error->message),
				  (NULL));
		return NULL;
	}
	root = sdag_json_parse(data, (gssize)len, &error);
	if (root == NULL) {
		GST_ELEMENT_ERROR(self,
				  RESOURCE,
				  SETTINGS,
				  ("Pipeline file %s is not valid JSON: %s", file, error->message),
				  (NULL));
		return NULL;
	}
	if (plugin_dir == NULL || !sdag_node_types_load_dir(types, plugin_dir, &error)) {
		GST_ELEMENT_ERROR(self,
				  RESOURCE,
				  NOT_FOUND,
				  ("Could not load node plugins from %s: %s",
				   plugin_dir != NULL ? plugin_dir : "(none)",
				   error != NULL ? error->message : "plugin-dir is not set"),
				  (NULL));
		return NULL;
	}
	dag = sdag_dag_compile(root, types, problems);
	if (dag == NULL) {
		g_autofree char *text = sdag_element_problems_to_text(problems);
		g_autofree char *skipped = sdag_element_skipped_to_text(types);

		GST_ELEMENT_ERROR(
		    self,
		    RESOURCE,
		    SETTINGS,
		    ("Pipeline file %s has %u problem(s):%s", file, problems->len, text),
		    ("node types from %s\n%s", plugin_dir, skipped));
		return NULL;
	}
	/* the DAG borrows the node descriptions: keep their modules open */
	g_clear_pointer(&self->types, sdag_node_types_free);
	self->types = g_steal_pointer(&types);
	return dag;
}

/*
 * The DAG for this run: a DAG handed over by the application wins; a DAG it
 * handed over for an earlier run is run again; otherwise pipeline-file is
 * compiled afresh (it may have changed). Posts the error itself.
 */
static SdagDag *
sdag_element_take_dag(SdagElement *self, gboolean *from_app)
{
	SdagDag *dag;
	g_autofree char *file = NULL;
	g_autofree char *plugin_dir = NULL;

	GST_OBJECT_LOCK(self);
	dag = g_steal_pointer(&self->pending_dag);
	file = g_strdup(self->pipeline_file);
	plugin_dir = g_strdup(self->plugin_dir);
	GST_OBJECT_UNLOCK(self);

	*from_app = TRUE;
	if (dag != NULL) {
		g_clear_pointer(&self->exec, sdag_exec_free);
		return dag;
	}
	if (self->exec != NULL && self->exec_from_app) {
		dag = sdag_exec_free_to_dag(g_steal_pointer(&self->exec));
		return dag;
	}
	*from_app = FALSE;
	g_clear_pointer(&self->exec, sdag_exec_free);
	if (file == NULL) {
		GST_ELEMENT_ERROR(self,
				  RESOURCE,
				  SETTINGS,
				  ("No pipeline to run: set the pipeline-file property"),
				  (NULL));
		return NULL;
	}
	return sdag_element_compile_file(self, file, plugin_dir);
}

static gboolean
sdag_element_start(GstBaseTransform *trans)
{
	SdagElement *self = SDAG_ELEMENT(trans);
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonNode) resume = NULL;
	gboolean from_app = FALSE;
	SdagDag *dag = sdag_element_take_dag(self, &from_app);
	SdagExec *exec;
	guint32 formats;

	if (dag == NULL)
		return FALSE;
	exec = sdag_exec_new(dag, &error);
	if (exec == NULL) {
		GST_ELEMENT_ERROR(self,
				  LIBRARY,
				  INIT,
				  ("Could not start the pipeline: %s", error->message),
				  (NULL));
		return FALSE;
	}
	formats = sdag_exec_get_frame_formats(exec);
	if (formats == 0) {
		GST_ELEMENT_ERROR(self,
				  CORE,
				  NEGOTIATION,
				  ("No frame format is read by every node fed by the source"),
				  ("pipeline %s", sdag_exec_get_dag(exec)->pipeline_id));
		sdag_exec_free(exec);
		return FALSE;
	}

	GST_OBJECT_LOCK(self);
	if (self->resume_state != NULL)
		resume = json_node_ref(self->resume_state);
	GST_OBJECT_UNLOCK(self);
	if (resume != NULL && !sdag_exec_load_state(exec, resume, &error)) {
		GST_ELEMENT_ERROR(self,
				  RESOURCE,
				  SETTINGS,
				  ("Could not resume the pipeline: %s", error->message),
				  (NULL));
		sdag_exec_free(exec);
		return FALSE;
	}

	self->exec = exec;
	self->exec_from_app = from_app;
	self->reached_max = FALSE;
	self->meta_seen = FALSE;
	gst_video_info_init(&self->info);
	GST_OBJECT_LOCK(self);
	self->next_id = self->first_frame_id;
	self->formats = formats;
	self->frames_decoded = 0;
	self->frames_processed = 0;
	self->thread_cpu_ns = 0;
	self->thread_cpu_of = NULL;
	GST_OBJECT_UNLOCK(self);
	GST_DEBUG_OBJECT(self,
			 "running pipeline %s, frame formats 0x%x",
			 sdag_exec_get_dag(exec)->pipeline_id,
			 formats);
	return TRUE;
}

/* The exec stays: its state and metrics are what the application reads once
 * the pipeline has stopped. The next start() or finalize frees it. */
static gboolean
sdag_element_stop(GstBaseTransform *trans)
{
	SdagElement *self = SDAG_ELEMENT(trans);

	GST_OBJECT_LOCK(self);
	self->formats = SDAG_EXEC_ALL_FORMATS;
	GST_OBJECT_UNLOCK(self);
	return TRUE;
}

/* video/x-raw in system memory, in the formats of @formats; empty for 0. */
static GstCaps *
sdag_element_formats_to_caps(guint32 formats)
{
	GValue list = G_VALUE_INIT;
	GstCaps *caps;

	g_value_init(&list, GST_TYPE_LIST);
	for (guint i = 0; i < G_N_ELEMENTS(sdag_element_formats); i++) {
		GValue v = G_VALUE_INIT;

		if ((formats & SDAG_EXEC_FORMAT_BIT(sdag_element_formats[i].sdag)) == 0)
			continue;
		g_value_init(&v, G_TYPE_STRING);
		g_value_set_static_string(&v, sdag_element_formats[i].name);
		gst_value_list_append_and_take_value(&list, &v);
	}
	if (gst_value_list_get_size(&list) == 0) {
		g_value_unset(&list);
		return gst_caps_new_empty();
	}
	caps = gst_caps_new_empty_simple("video/x-raw");
	gst_caps_set_value(caps, "format", &list);
	g_value_unset(&list);
	return caps;
}

/*
 * Passthrough both ways, narrowed to the formats the DAG reads. The order of
 * @caps is kept (INTERSECT_FIRST): upstream's preferred format, usually the
 * decoder's own, stays first, which is what keeps a videoconvert before us in
 * passthrough. accept-caps goes through here too (the base class's default).
 */
static GstCaps *
sdag_element_transform_caps(GstBaseTransform *trans,
			    GstPadDirection direction,
			    GstCaps *caps,
			    GstCaps *filter)
{
	SdagElement *self = SDAG_ELEMENT(trans);
	guint32 formats;
	g_autoptr(GstCaps) allowed = NULL;
	GstCaps *ret;

	GST_OBJECT_LOCK(self);
	formats = self->formats;
	GST_OBJECT_UNLOCK(self);

	allowed = sdag_element_formats_to_caps(formats);
	ret = gst_caps_intersect_full(caps, allowed, GST_CAPS_INTERSECT_FIRST);
	if (filter != NULL) {
		GstCaps *tmp = gst_caps_intersect_full(filter, ret, GST_CAPS_INTERSECT_FIRST);

		gst_caps_unref(ret);
		ret = tmp;
	}
	GST_LOG_OBJECT(self, "transformed %" GST_PTR_FORMAT " into %" GST_PTR_FORMAT, caps, ret);
	return ret;
}

static gboolean
sdag_element_set_caps(GstBaseTransform *trans, GstCaps *incaps, GstCaps *outcaps)
{
	SdagElement *self = SDAG_ELEMENT(trans);

	if (!gst_video_info_from_caps(&self->info, incaps)) {
		GST_WARNING_OBJECT(self, "caps %" GST_PTR_FORMAT " are not raw video", incaps);
		return FALSE;
	}
	return TRUE;
}

static SdagFrameFormat
sdag_element_format_from_gst(GstVideoFormat format)
{
	for (guint i = 0; i < G_N_ELEMENTS(sdag_element_formats); i++) {
		if (sdag_element_formats[i].gst == format)
			return sdag_element_formats[i].sdag;
	}
	/* the pad templates let no other format in */
	g_return_val_if_reached(SDAG_FRAME_FORMAT_I420);
}

/* The buffer's position in the media: stream time, so that a file's frames
 * are numbered from its start whatever the segment. */
static gint64
sdag_element_buffer_pts_ns(GstBaseTransform *trans, GstBuffer *buf)
{
	GstClockTime pts = GST_BUFFER_PTS(buf);

	if (!GST_CLOCK_TIME_IS_VALID(pts))
		return -1;
	if (trans->segment.format == GST_FORMAT_TIME)
		pts = gst_segment_to_stream_time(&trans->segment, GST_FORMAT_TIME, pts);
	return GST_CLOCK_TIME_IS_VALID(pts) ? (gint64)pts : -1;
}

static void
sdag_element_deliver(SdagElement *self, const SdagFrameResult *result, gboolean post)
{
	g_mutex_lock(&self->result_lock);
	if (self->result_func != NULL)
		self->result_func(self, result, self->result_data);
	g_mutex_unlock(&self->result_lock);

	if (post) {
		g_autoptr(JsonNode) json = sdag_frame_result_to_json(result);
		g_autofree char *text = sdag_json_to_string(json);
		GstStructure *s = gst_structure_new("sddag-frame",
						    "frame-id",
						    G_TYPE_UINT64,
						    result->frame_id,
						    "json",
						    G_TYPE_STRING,
						    text,
						    NULL);

		gst_element_post_message(GST_ELEMENT(self),
					 gst_message_new_element(GST_OBJECT(self), s));
	}
}

static GstFlowReturn
sdag_element_transform_ip(GstBaseTransform *trans, GstBuffer *buf)
{
	SdagElement *self = SDAG_ELEMENT(trans);
	g_autoptr(GError) error = NULL;
	GstVideoFrame vframe;
	SdagFrame frame = {0};
	const SdagFrameResult *result;
	guint64 index;
	guint64 processed;
	guint64 max_frames;
	guint stride;
	gboolean post;

	SdagFrameMeta *meta = sdag_frame_meta_get(buf);
	gboolean analyse;
	struct timespec ts;
	gint64 cpu_now;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	cpu_now = (gint64)ts.tv_sec * G_GINT64_CONSTANT(1000000000) + ts.tv_nsec;
	GST_OBJECT_LOCK(self);
	if (self->thread_cpu_of == g_thread_self())
		self->thread_cpu_ns += cpu_now - self->thread_cpu_mark;
	self->thread_cpu_of = g_thread_self();
	self->thread_cpu_mark = cpu_now;
	index = self->frames_decoded++;
	stride = self->stride;
	max_frames = self->max_frames;
	post = self->post_messages;
	if (meta != NULL) {
		guint run = sdag_frame_counter_get_run(meta->counter);
		guint64 number = sdag_frame_counter_number(meta->counter, meta->pts);

		if (!self->meta_seen || run != self->meta_run) {
			self->meta_seen = TRUE;
			self->meta_run = run;
			self->meta_base = self->next_id;
		}
		frame.frame_id = self->meta_base + number;
		/* by the source's numbers, from this run's first frame */
		analyse = meta->every || number % stride == 0;
	} else {
		frame.frame_id = self->first_frame_id + index;
		/* by id, not by index: a resumed job keeps processing ids 0, N, 2N... */
		analyse = frame.frame_id % stride == 0;
	}
	self->next_id = MAX(self->next_id, frame.frame_id + 1);
	GST_OBJECT_UNLOCK(self);

	/* upstream may push on after EOS; it gets EOS again */
	if (self->reached_max)
		return GST_FLOW_EOS;
	if (!analyse)
		return GST_FLOW_OK;
	/* the base class refuses buffers before caps; this is a last guard */
	if (self->exec == NULL || GST_VIDEO_INFO_FORMAT(&self->info) == GST_VIDEO_FORMAT_UNKNOWN)
		return GST_FLOW_NOT_NEGOTIATED;
	if (!gst_video_frame_map(&vframe, &self->info, buf, GST_MAP_READ)) {
		GST_ELEMENT_ERROR(
		    self,
		    STREAM,
		    FAILED,
		    ("Could not map frame %" G_GUINT64_FORMAT " for reading", frame.frame_id),
		    (NULL));
		return GST_FLOW_ERROR;
	}
	frame.width = GST_VIDEO_FRAME_WIDTH(&vframe);
	frame.height = GST_VIDEO_FRAME_HEIGHT(&vframe);
	frame.format = sdag_element_format_from_gst(GST_VIDEO_FRAME_FORMAT(&vframe));
	for (guint p = 0; p < GST_VIDEO_FRAME_N_PLANES(&vframe) && p < 4; p++) {
		frame.planes[p] = GST_VIDEO_FRAME_PLANE_DATA(&vframe, p);
		frame.strides[p] = GST_VIDEO_FRAME_PLANE_STRIDE(&vframe, p);
	}
	frame.pts_ns = sdag_element_buffer_pts_ns(trans, buf);

	result = sdag_exec_run(self->exec, &frame, &error);
	gst_video_frame_unmap(&vframe);
	if (result == NULL) {
		GST_ELEMENT_ERROR(self,
				  STREAM,
				  FAILED,
				  ("Pipeline %s failed on frame %" G_GUINT64_FORMAT ": %s",
				   sdag_exec_get_dag(self->exec)->pipeline_id,
				   frame.frame_id,
				   error->message),
				  (NULL));
		return GST_FLOW_ERROR;
	}

	GST_OBJECT_LOCK(self);
	processed = ++self->frames_processed;
	GST_OBJECT_UNLOCK(self);
	sdag_element_deliver(self, result, post);

	if (max_frames > 0 && processed >= max_frames) {
		GST_DEBUG_OBJECT(self, "processed %" G_GUINT64_FORMAT " frames: EOS", processed);
		self->reached_max = TRUE;
		return GST_FLOW_EOS;
	}
	return GST_FLOW_OK;
}

/**
 * sdag_element_register:
 * @plugin: (nullable): the plugin, or NULL to register the element in the
 *   running process only (for the daemon, which links the element in)
 *
 * Registers the element factory "sddag".
 */
gboolean
sdag_element_register(GstPlugin *plugin)
{
	return gst_element_register(plugin, "sddag", GST_RANK_NONE, SDAG_TYPE_ELEMENT);
}

/**
 * sdag_element_set_dag:
 * @dag: (transfer full): a compiled DAG; its node types must outlive the element
 *
 * The daemon's way to give the pipeline, instead of pipeline-file. Call it
 * before the element goes from READY to PAUSED; the DAG is run again by later
 * runs of the element until another one is set.
 */
void
sdag_element_set_dag(SdagElement *self, SdagDag *dag)
{
	g_return_if_fail(SDAG_IS_ELEMENT(self));
	g_return_if_fail(dag != NULL);

	GST_OBJECT_LOCK(self);
	g_clear_pointer(&self->pending_dag, sdag_dag_free);
	self->pending_dag = dag;
	GST_OBJECT_UNLOCK(self);
}

/**
 * sdag_element_set_resume_state:
 * @state: (nullable): what sdag_exec_save_state() returned, or NULL
 *
 * A checkpoint to resume from: loaded into the executor at start(), before
 * the first frame (a resumed live job keeps its track ids and node state).
 * A state the pipeline refuses fails the start with an error message.
 */
void
sdag_element_set_resume_state(SdagElement *self, JsonNode *state)
{
	g_return_if_fail(SDAG_IS_ELEMENT(self));

	GST_OBJECT_LOCK(self);
	g_clear_pointer(&self->resume_state, json_node_unref);
	if (state != NULL)
		self->resume_state = json_node_copy(state);
	GST_OBJECT_UNLOCK(self);
}

/**
 * sdag_element_set_result_func:
 *
 * Sets the function called on the streaming thread with each processed
 * frame's result. Safe to call at any time from another thread: it waits for
 * a call in progress, then @notify of the previous function runs. Not from
 * inside the function itself, which holds the lock this takes.
 */
void
sdag_element_set_result_func(SdagElement *self,
			     SdagElementResultFunc func,
			     gpointer user_data,
			     GDestroyNotify notify)
{
	GDestroyNotify old_notify;
	gpointer old_data;

	g_return_if_fail(SDAG_IS_ELEMENT(self));

	g_mutex_lock(&self->result_lock);
	old_notify = self->result_notify;
	old_data = self->result_data;
	self->result_func = func;
	self->result_data = user_data;
	self->result_notify = notify;
	g_mutex_unlock(&self->result_lock);
	if (old_notify != NULL)
		old_notify(old_data);
}

/**
 * sdag_element_get_counts:
 * @frames_decoded: (out) (optional): frames received since start
 * @frames_processed: (out) (optional): frames the DAG ran over since start
 *
 * Safe from any thread: both are read under one lock, so they agree.
 */
void
sdag_element_get_counts(SdagElement *self, guint64 *frames_decoded, guint64 *frames_processed)
{
	g_return_if_fail(SDAG_IS_ELEMENT(self));

	GST_OBJECT_LOCK(self);
	if (frames_decoded != NULL)
		*frames_decoded = self->frames_decoded;
	if (frames_processed != NULL)
		*frames_processed = self->frames_processed;
	GST_OBJECT_UNLOCK(self);
}

/**
 * sdag_element_get_thread_cpu_ns:
 *
 * Safe from any thread.
 *
 * Returns: the CPU time the thread that pushes frames into the element has spent from the
 *   first frame of the run to the last (on it: the rest of the pipeline downstream of the
 *   decoder's queue, the DAG, the hand-over of results), in nanoseconds
 */
gint64
sdag_element_get_thread_cpu_ns(SdagElement *self)
{
	gint64 ns;

	g_return_val_if_fail(SDAG_IS_ELEMENT(self), 0);

	GST_OBJECT_LOCK(self);
	ns = self->thread_cpu_ns;
	GST_OBJECT_UNLOCK(self);
	return ns;
}

/**
 * sdag_element_get_next_frame_id:
 *
 * Safe from any thread.
 *
 * Returns: the id after the last frame's since start (the first frame id before one):
 *   where a resumed run goes on numbering
 */
guint64
sdag_element_get_next_frame_id(SdagElement *self)
{
	guint64 next;

	g_return_val_if_fail(SDAG_IS_ELEMENT(self), 0);

	GST_OBJECT_LOCK(self);
	next = self->next_id;
	GST_OBJECT_UNLOCK(self);
	return next;
}

/**
 * sdag_element_get_exec:
 *
 * The executor of the current or the last run, for its state
 * (sdag_exec_save_state()) and metrics (sdag_exec_get_node_metrics()).
 * It is valid, and may be used:
 *  - inside the result function, on the streaming thread (a checkpoint
 *    between frames);
 *  - once the element is back in READY or NULL, from any one thread, until
 *    the element next goes to PAUSED or is finalized.
 * Never from another thread while the element is PAUSED or PLAYING: the
 * streaming thread is using it.
 *
 * Returns: (transfer none) (nullable): the executor; NULL before the first
 *   successful start
 */
SdagExec *
sdag_element_get_exec(SdagElement *self)
{
	g_return_val_if_fail(SDAG_IS_ELEMENT(self), NULL);
	return self->exec;
}
