/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "sdag-runonce"

#include "sdag-runonce.h"

#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>
#include <gst/video/video.h>

#include "sdag-error.h"
#include "sdag-exec.h"

/*
 * POST /pipelines/{id}/run: one image in, one frame result out.
 *
 * The stored pipeline is compiled afresh and its nodes initialised for this
 * one frame (fresh state: nothing is shared with jobs or with other runs,
 * and nothing is written), the image is decoded with GStreamer
 *
 *   appsrc caps=image/jpeg|image/png ! decodebin ! videoconvert
 *     ! video/x-raw,format=F,width=[1,8192],height=[1,8192] ! appsink
 *
 * into the first of I420, GRAY8, NV12, RGB, BGR that every node fed by the
 * source reads, and the DAG runs once over it. The answer is the frame
 * result of a job's frame rows, frame_id 0 and pts_ms null.
 *
 * Threads: sdag_runonce_run() checks what it can answer at once on the main
 * context (the pipeline exists, the media type), then compiling (node
 * validate hooks can read files), initialising the nodes, decoding and
 * running go to a GTask thread; the callback comes back on the main context.
 * Runs are counted there, and sdag_runonce_free() lets the ones in flight
 * finish and answer before it returns, so no thread outlives the node types
 * it borrows.
 */

struct _SdagRunonce {
	SdagRegistry *registry; /* borrowed */
	guint in_flight;	/* main context only */
};

typedef struct {
	SdagRunonce *runonce;
	char *pipeline_id;
	char *content_type;
	GBytes *image;
	SdagRunonceFunc func;
	gpointer user_data;
} SdagRunonceCall;

static void
sdag_runonce_call_free(SdagRunonceCall *call)
{
	g_free(call->pipeline_id);
	g_free(call->content_type);
	g_bytes_unref(call->image);
	g_free(call);
}

SdagRunonce *
sdag_runonce_new(SdagRegistry *registry)
{
	SdagRunonce *self = g_new0(SdagRunonce, 1);

	self->registry = registry;
	return self;
}

/* Waits, iterating the main context, for the runs in flight to answer. */
void
sdag_runonce_free(SdagRunonce *self)
{
	if (self == NULL)
		return;
	while (self->in_flight > 0)
		g_main_context_iteration(NULL, TRUE);
	g_free(self);
}

static const struct {
	SdagFrameFormat sdag;
	GstVideoFormat gst;
	const char *name;
} sdag_runonce_formats[] = {
    /* by preference: I420 first, the decoders' own */
    {SDAG_FRAME_FORMAT_I420, GST_VIDEO_FORMAT_I420, "I420"},
    {SDAG_FRAME_FORMAT_GRAY8, GST_VIDEO_FORMAT_GRAY8, "GRAY8"},
    {SDAG_FRAME_FORMAT_NV12, GST_VIDEO_FORMAT_NV12, "NV12"},
    {SDAG_FRAME_FORMAT_RGB, GST_VIDEO_FORMAT_RGB, "RGB"},
    {SDAG_FRAME_FORMAT_BGR, GST_VIDEO_FORMAT_BGR, "BGR"},
};

/* The registry's not_found, as the run route names it (as POST /jobs does). */
static void
sdag_runonce_pipeline_error(const char *pipeline_id, GError *error_local, GError **error)
{
	if (g_error_matches(error_local, SDAG_ERROR, SDAG_ERROR_NOT_FOUND)) {
		g_set_error(error,
			    SDAG_ERROR,
			    SDAG_ERROR_PIPELINE_NOT_FOUND,
			    "no pipeline '%s'",
			    pipeline_id);
		g_error_free(error_local);
		return;
	}
	g_propagate_error(error, error_local);
}

static gboolean
sdag_runonce_check_type(const char *content_type, GError **error)
{
	if (g_strcmp0(content_type, "image/jpeg") == 0 || g_strcmp0(content_type, "image/png") == 0)
		return TRUE;
	g_set_error(error,
		    SDAG_ERROR,
		    SDAG_ERROR_UNSUPPORTED_MEDIA_TYPE,
		    "expected Content-Type image/jpeg or image/png, got %s",
		    content_type != NULL ? content_type : "none");
	return FALSE;
}

G_GNUC_PRINTF(2, 3)
static GstSample *
sdag_runonce_bad_image(GError **error, const char *fmt, ...)
{
	g_autofree char *msg = NULL;
	va_list args;

	va_start(args, fmt);
	msg = g_strdup_vprintf(fmt, args);
	va_end(args);
	g_set_error_literal(error, SDAG_ERROR, SDAG_ERROR_BAD_IMAGE, msg);
	return NULL;
}

/* Decodes @image into raw @format; bad_image when it does not decode. */
static GstSample *
sdag_runonce_decode(const char *content_type, GBytes *image, const char *format, GError **error)
{
	g_autofree char *launch = g_strdup_printf(
	    "appsrc name=src format=bytes ! decodebin ! videoconvert ! "
	    "video/x-raw,format=%s,width=[1,%d],height=[1,%d] ! appsink name=sink sync=false "
	    "max-buffers=1",
	    format,
	    SDAG_RUNONCE_MAX_SIDE,
	    SDAG_RUNONCE_MAX_SIDE);
	g_autoptr(GError) error_local = NULL;
	g_autoptr(GstElement) pipeline = gst_parse_launch(launch, &error_local);
	g_autoptr(GstElement) src = NULL;
	g_autoptr(GstElement) sink = NULL;
	g_autoptr(GstBus) bus = NULL;
	g_autoptr(GstCaps) caps = NULL;
	g_autoptr(GstMessage) failure = NULL;
	GstSample *sample = NULL;
	gint64 deadline = g_get_monotonic_time() + SDAG_RUNONCE_DECODE_TIMEOUT_S * G_USEC_PER_SEC;

	if (pipeline == NULL) {
		g_set_error(error,
			    SDAG_ERROR,
			    SDAG_ERROR_INTERNAL,
			    "cannot build the image decoder: %s",
			    error_local->message);
		return NULL;
	}
	/* the caps filter judges the decoded frame, after the decoder filled it: a small
	 * JPEG whose header says 32000x32000 is refused before that */
	sdag_framelimit_watch(pipeline, SDAG_FRAMELIMIT_DEFAULT_PIXELS);
	src = gst_bin_get_by_name(GST_BIN(pipeline), "src");
	sink = gst_bin_get_by_name(GST_BIN(pipeline), "sink");
	caps = gst_caps_new_empty_simple(content_type);
	gst_app_src_set_caps(GST_APP_SRC(src), caps);
	gst_app_src_push_buffer(GST_APP_SRC(src), gst_buffer_new_wrapped_bytes(image));
	gst_app_src_end_of_stream(GST_APP_SRC(src));
	bus = gst_element_get_bus(pipeline);
	if (gst_element_set_state(pipeline, GST_STATE_PLAYING) != GST_STATE_CHANGE_FAILURE) {
		/* the sample, an EOS without one, or an error, whichever comes first */
		while (sample == NULL && failure == NULL && g_get_monotonic_time() < deadline) {
			sample = gst_app_sink_try_pull_sample(GST_APP_SINK(sink), 20 * GST_MSECOND);
			if (sample == NULL && gst_app_sink_is_eos(GST_APP_SINK(sink)))
				break;
			failure = gst_bus_pop_filtered(bus, GST_MESSAGE_ERROR);
		}
	}
	if (sample == NULL && failure == NULL)
		failure = gst_bus_pop_filtered(bus, GST_MESSAGE_ERROR);
	gst_element_set_state(pipeline, GST_STATE_NULL);
	if (sample != NULL)
		return sample;
	if (failure != NULL) {
		g_autoptr(GError) gst_error = NULL;
		gst_message_parse_error(failure, &gst_error, NULL);
		return sdag_runonce_bad_image(
		    error,
		    "the body is not an image of type %s that decodes to at "
		    "most %dx%d pixels: %s",
		    content_type,
		    SDAG_RUNONCE_MAX_SIDE,
		    SDAG_RUNONCE_MAX_SIDE,
		    gst_error->message);
	}
	if (g_get_monotonic_time() >= deadline)
		return sdag_runonce_bad_image(error,
					      "decoding the %s image took more than %d s",
					      content_type,
					      SDAG_RUNONCE_DECODE_TIMEOUT_S);
	return sdag_runonce_bad_image(error,
				      "the %s body decodes to no image of at most %dx%d pixels",
				      content_type,
				      SDAG_RUNONCE_MAX_SIDE,
				      SDAG_RUNONCE_MAX_SIDE);
}

/**
 * sdag_runonce_run_sync:
 *
 * The whole run, on this thread: compile, initialise, decode, run.
 *
 * Returns: (transfer full) (nullable): the frame result
 */
static JsonNode *
sdag_runonce_run_sync(SdagRegistry *registry,
		      const char *pipeline_id,
		      const char *content_type,
		      GBytes *image,
		      GError **error)
{
	SdagDag *dag;
	g_autoptr(GError) error_local = NULL;
	g_autoptr(SdagExec) exec = NULL;
	g_autoptr(GstSample) sample = NULL;
	GstVideoInfo info;
	GstVideoFrame vframe;
	SdagFrame frame = {.pts_ns = -1};
	const SdagFrameResult *result;
	guint32 formats;
	guint f;

	if (!sdag_runonce_check_type(content_type, error))
		return NULL;
	dag = sdag_registry_load_dag(registry, pipeline_id, &error_local);
	if (dag == NULL) {
		sdag_runonce_pipeline_error(pipeline_id, g_steal_pointer(&error_local), error);
		return NULL;
	}
	exec = sdag_exec_new(dag, error);
	if (exec == NULL)
		return NULL;
	formats = sdag_exec_get_frame_formats(exec);
	for (f = 0; f < G_N_ELEMENTS(sdag_runonce_formats); f++) {
		if (formats & SDAG_EXEC_FORMAT_BIT(sdag_runonce_formats[f].sdag))
			break;
	}
	if (f == G_N_ELEMENTS(sdag_runonce_formats)) {
		g_set_error(
		    error,
		    SDAG_ERROR,
		    SDAG_ERROR_PLUGIN,
		    "pipeline '%s': no frame format is read by every node fed by the source",
		    pipeline_id);
		return NULL;
	}
	sample = sdag_runonce_decode(content_type, image, sdag_runonce_formats[f].name, error);
	if (sample == NULL)
		return NULL;
	if (!gst_video_info_from_caps(&info, gst_sample_get_caps(sample)) ||
	    !gst_video_frame_map(&vframe, &info, gst_sample_get_buffer(sample), GST_MAP_READ)) {
		g_set_error_literal(
		    error, SDAG_ERROR, SDAG_ERROR_INTERNAL, "cannot map the decoded image");
		return NULL;
	}
	frame.width = GST_VIDEO_FRAME_WIDTH(&vframe);
	frame.height = GST_VIDEO_FRAME_HEIGHT(&vframe);
	frame.format = sdag_runonce_formats[f].sdag;
	for (guint p = 0; p < GST_VIDEO_FRAME_N_PLANES(&vframe) && p < 4; p++) {
		frame.planes[p] = GST_VIDEO_FRAME_PLANE_DATA(&vframe, p);
		frame.strides[p] = GST_VIDEO_FRAME_PLANE_STRIDE(&vframe, p);
	}
	result = sdag_exec_run(exec, &frame, error);
	gst_video_frame_unmap(&vframe);
	return result != NULL ? sdag_frame_result_to_json(result) : NULL;
}

static void
sdag_runonce_thread(GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
	SdagRunonceCall *call = task_data;
	GError *error = NULL;
	JsonNode *result = sdag_runonce_run_sync(
	    call->runonce->registry, call->pipeline_id, call->content_type, call->image, &error);

	if (result == NULL)
		g_task_return_error(task, error);
	else
		g_task_return_pointer(task, result, (GDestroyNotify)json_node_unref);
}

static void
sdag_runonce_done_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	SdagRunonceCall *call = g_task_get_task_data(G_TASK(res));
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonNode) result = g_task_propagate_pointer(G_TASK(res), &error);

	call->func(result, error, call->user_data);
	call->runonce->in_flight--;
}

/**
 * sdag_runonce_run:
 * @content_type: the request's media type, without parameters
 * @image: the request body
 * @func: called on the main context with the result or the error
 *
 * Starts one run. An unknown pipeline or a media type other than JPEG or PNG
 * is refused at once (FALSE, @func not called); anything else is answered
 * through @func.
 */
gboolean
sdag_runonce_run(SdagRunonce *self,
		 const char *pipeline_id,
		 const char *content_type,
		 GBytes *image,
		 SdagRunonceFunc func,
		 gpointer user_data,
		 GError **error)
{
	g_autoptr(GBytes) record = NULL;
	g_autoptr(GError) error_local = NULL;
	g_autoptr(GTask) task = NULL;
	SdagRunonceCall *call;

	/* one point read: the 404 comes before the body's type is looked at */
	record = sdag_registry_get(self->registry, pipeline_id, &error_local);
	if (record == NULL) {
		sdag_runonce_pipeline_error(pipeline_id, g_steal_pointer(&error_local), error);
		return FALSE;
	}
	if (!sdag_runonce_check_type(content_type, error))
		return FALSE;
	call = g_new0(SdagRunonceCall, 1);
	call->runonce = self;
	call->pipeline_id = g_strdup(pipeline_id);
	call->content_type = g_strdup(content_type);
	call->image = g_bytes_ref(image);
	call->func = func;
	call->user_data = user_data;
	task = g_task_new(NULL, NULL, sdag_runonce_done_cb, NULL);
	g_task_set_task_data(task, call, (GDestroyNotify)sdag_runonce_call_free);
	self->in_flight++;
	g_task_run_in_thread(task, sdag_runonce_thread);
	return TRUE;
}
