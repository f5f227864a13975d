/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "sdag-live"

#include "sdag-live-private.h"

#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>
#include <string.h>

#include "sdag-error.h"
#include "sdag-framelimit.h"

/*
 * The live runner's source pipeline, rebuilt on every connect:
 *
 *   rtspsrc | rtmp2src → decodebin → appsink
 *
 * Its appsink hands decoded frames to the tail's appsrc (the hand-over
 * queue), a probe on each decoder feeds the supervisor with keyframes, and its
 * bus reports losses that the supervisor turns into reconnects. Each connect
 * has a generation number: frames, messages and probes of a source being torn
 * down are ignored.
 */

/**
 * sdag_live_classify_error:
 * @error: an error from the source pipeline's bus
 * @debug: (nullable): its debug text
 *
 * Returns: the reason the source is lost
 */
SdagSourceReason
sdag_live_classify_error(const GError *error, const char *debug)
{
	const char *d = debug != NULL ? debug : "";

	if (error->domain == GST_RESOURCE_ERROR) {
		/* The code decides first: the debug text carries the URL, and a port
		 * such as 40123 must not read as a 401. Text only breaks ties for
		 * sources that report a refusal as a generic open failure. */
		if (error->code == GST_RESOURCE_ERROR_NOT_AUTHORIZED)
			return SDAG_SOURCE_REASON_AUTH_FAILED;
		if (error->code == GST_RESOURCE_ERROR_NOT_FOUND)
			return SDAG_SOURCE_REASON_NOT_FOUND;
		if (strstr(error->message, "Unauthorized") != NULL ||
		    strstr(d, "401 Unauthorized") != NULL)
			return SDAG_SOURCE_REASON_AUTH_FAILED;
		if (strstr(error->message, "Not Found") != NULL ||
		    strstr(d, "404 Not Found") != NULL)
			return SDAG_SOURCE_REASON_NOT_FOUND;
		/* the server answered what is not RTSP, or the stream is not RTP: reading it
		 * worked, understanding it did not */
		if (strstr(d, "(Parse error)") != NULL)
			return SDAG_SOURCE_REASON_DECODE_ERROR;
		if (strstr(d, "timed out") != NULL || strstr(d, "Timeout") != NULL ||
		    strstr(d, "timeout") != NULL)
			return SDAG_SOURCE_REASON_TIMEOUT;
		return SDAG_SOURCE_REASON_CONNECT_REFUSED;
	}
	if (error->domain == GST_STREAM_ERROR) {
		/* a source that cannot deliver says only "streaming stopped, reason error" */
		if (error->code == GST_STREAM_ERROR_FAILED &&
		    (strstr(d, "reason error") != NULL || strstr(d, "reason not-linked") != NULL))
			return SDAG_SOURCE_REASON_CONNECT_REFUSED;
		return SDAG_SOURCE_REASON_DECODE_ERROR;
	}
	if (error->domain == GST_CORE_ERROR && error->code == GST_CORE_ERROR_MISSING_PLUGIN)
		return SDAG_SOURCE_REASON_DECODE_ERROR;
	return SDAG_SOURCE_REASON_CONNECT_REFUSED;
}

void
sdag_live_source_free(SdagLiveSource *src)
{
	g_clear_handle_id(&src->watch, g_source_remove);
	g_clear_object(&src->pipeline);
	g_free(src);
}

static GstFlowReturn
sdag_live_new_sample_cb(GstAppSink *sink, gpointer user_data)
{
	SdagLiveSource *src = user_data;
	SdagLive *self = src->live;
	g_autoptr(GstSample) sample = gst_app_sink_pull_sample(sink);
	GstBuffer *buf;
	GstCaps *caps;
	GstBuffer *out;
	guint64 level;
	gint64 now = g_get_monotonic_time();

	if (sample == NULL)
		return GST_FLOW_EOS;
	buf = gst_sample_get_buffer(sample);
	caps = gst_sample_get_caps(sample);
	if (buf == NULL || caps == NULL)
		return GST_FLOW_OK;

	g_mutex_lock(&self->lock);
	if (src->gen != self->gen || self->closing) {
		g_mutex_unlock(&self->lock);
		return GST_FLOW_OK;
	}
	sdag_supervisor_frame(self->sup, now, g_get_real_time());
	level = gst_app_src_get_current_level_buffers(GST_APP_SRC(self->appsrc));
	if (!sdag_live_queue_offer(&self->queue, level)) {
		/* the DAG is far behind: this frame goes, no conversion or analysis spent on it */
		g_mutex_unlock(&self->lock);
		return GST_FLOW_OK;
	}
	if (self->caps == NULL || !gst_caps_is_equal(self->caps, caps)) {
		gst_caps_replace(&self->caps, caps);
		gst_app_src_set_caps(GST_APP_SRC(self->appsrc), caps);
	}
	/* the memory is shared, not copied; only the timestamps are the tail's own */
	out = gst_buffer_copy(buf);
	GST_BUFFER_PTS(out) = (GstClockTime)(now - self->started_mono) * GST_USECOND;
	GST_BUFFER_DTS(out) = GST_CLOCK_TIME_NONE;
	gst_app_src_push_buffer(GST_APP_SRC(self->appsrc), out);
	g_mutex_unlock(&self->lock);
	return GST_FLOW_OK;
}

static GstPadProbeReturn
sdag_live_keyframe_probe_cb(GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
	SdagLiveSource *src = user_data;
	SdagLive *self = src->live;
	GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER(info);

	if (buf == NULL || GST_BUFFER_FLAG_IS_SET(buf, GST_BUFFER_FLAG_DELTA_UNIT))
		return GST_PAD_PROBE_OK;
	g_mutex_lock(&self->lock);
	if (src->gen == self->gen)
		sdag_supervisor_keyframe(self->sup, g_get_monotonic_time());
	g_mutex_unlock(&self->lock);
	return GST_PAD_PROBE_OK;
}

/* Every video decoder decodebin plugs gets a probe that sees its keyframes go in. */
static void
sdag_live_deep_element_added_cb(GstBin *bin, GstBin *sub, GstElement *element, gpointer user_data)
{
	SdagLiveSource *src = user_data;
	const char *klass = gst_element_get_metadata(element, GST_ELEMENT_METADATA_KLASS);
	g_autoptr(GstPad) pad = NULL;

	if (klass == NULL || strstr(klass, "Decoder") == NULL || strstr(klass, "Video") == NULL)
		return;
	pad = gst_element_get_static_pad(element, "sink");
	if (pad != NULL)
		gst_pad_add_probe(
		    pad, GST_PAD_PROBE_TYPE_BUFFER, sdag_live_keyframe_probe_cb, src, NULL);
}

static void
sdag_live_link_or_discard(GstElement *pipeline, GstPad *pad, GstElement *target)
{
	g_autoptr(GstPad) sinkpad = NULL;

	if (target == NULL) {
		/* other streams go nowhere, without holding the video back */
		target = gst_element_factory_make("fakesink", NULL);
		g_object_set(target, "sync", FALSE, "async", FALSE, NULL);
		gst_bin_add(GST_BIN(pipeline), target);
		gst_element_sync_state_with_parent(target);
	}
	sinkpad = gst_element_get_static_pad(target, "sink");
	if (!gst_pad_is_linked(sinkpad))
		gst_pad_link(pad, sinkpad);
}

static gboolean
sdag_live_caps_are_video(GstPad *pad, const char *prefix)
{
	g_autoptr(GstCaps) caps = gst_pad_get_current_caps(pad);
	const GstStructure *s;
	const char *media;

	if (caps == NULL)
		caps = gst_pad_query_caps(pad, NULL);
	if (caps == NULL || gst_caps_is_empty(caps))
		return FALSE;
	s = gst_caps_get_structure(caps, 0);
	if (g_str_has_prefix(gst_structure_get_name(s), prefix))
		return TRUE;
	media = gst_structure_get_string(s, "media");
	return g_strcmp0(media, "video") == 0;
}

static void
sdag_live_decode_pad_added_cb(GstElement *decodebin, GstPad *pad, gpointer user_data)
{
	SdagLiveSource *src = user_data;

	if (sdag_live_caps_are_video(pad, "video/"))
		sdag_live_link_or_discard(src->pipeline, pad, src->sink);
	else
		sdag_live_link_or_discard(src->pipeline, pad, NULL);
}

/* rtspsrc: one pad per stream; video goes to a decodebin, the rest nowhere */
static void
sdag_live_rtsp_pad_added_cb(GstElement *rtspsrc, GstPad *pad, gpointer user_data)
{
	SdagLiveSource *src = user_data;
	GstElement *decode;

	if (!sdag_live_caps_are_video(pad, "video/")) {
		sdag_live_link_or_discard(src->pipeline, pad, NULL);
		return;
	}
	decode = gst_element_factory_make("decodebin", NULL);
	g_signal_connect(decode, "pad-added", G_CALLBACK(sdag_live_decode_pad_added_cb), src);
	gst_bin_add(GST_BIN(src->pipeline), decode);
	gst_element_sync_state_with_parent(decode);
	sdag_live_link_or_discard(src->pipeline, pad, decode);
}

static gboolean sdag_live_source_bus_cb(GstBus *bus, GstMessage *msg, gpointer user_data);

void
sdag_live_connect(SdagLive *self)
{
	SdagLiveSource *src = g_new0(SdagLiveSource, 1);
	g_autofree char *name = g_strdup_printf("job-%s-source", self->parent.job_id);
	GstAppSinkCallbacks callbacks = {.new_sample = sdag_live_new_sample_cb};
	g_autoptr(GstCaps) raw = gst_caps_new_empty_simple("video/x-raw");
	g_autoptr(GstBus) bus = NULL;
	GstElement *in;

	g_mutex_lock(&self->lock);
	src->gen = ++self->gen;
	g_mutex_unlock(&self->lock);
	src->live = self;
	src->pipeline = gst_object_ref_sink(gst_pipeline_new(name));
	src->sink = gst_element_factory_make("appsink", "out");
	g_object_set(src->sink, "sync", FALSE, "max-buffers", 1u, "drop", TRUE, "caps", raw, NULL);
	gst_app_sink_set_callbacks(GST_APP_SINK(src->sink), &callbacks, src, NULL);
	g_signal_connect(
	    src->pipeline, "deep-element-added", G_CALLBACK(sdag_live_deep_element_added_cb), src);
	sdag_framelimit_watch(src->pipeline, self->max_frame_pixels);
	sdag_decode_watch(self->decode, src->pipeline);

	if (self->opts.kind == SDAG_SOURCE_RTSP) {
		guint protocols = 0x7; /* udp, udp-mcast, tcp */
		in = gst_element_factory_make("rtspsrc", "src");
		if (g_strcmp0(self->opts.transport, "tcp") == 0)
			protocols = 0x4;
		else if (g_strcmp0(self->opts.transport, "udp") == 0)
			protocols = 0x3;
		g_object_set(in,
			     "location",
			     self->uri,
			     "latency",
			     self->opts.latency_ms,
			     "tcp-timeout",
			     (guint64)(self->opts.supervisor.connect_timeout_us),
			     NULL);
		gst_util_set_object_arg(G_OBJECT(in),
					"protocols",
					protocols == 0x4   ? "tcp"
					: protocols == 0x3 ? "udp+udp-mcast"
							   : "udp+udp-mcast+tcp");
		if (self->opts.user != NULL)
			g_object_set(in, "user-id", self->opts.user, NULL);
		if (self->opts.password != NULL)
			g_object_set(in, "user-pw", self->opts.password, NULL);
		gst_bin_add_many(GST_BIN(src->pipeline), in, src->sink, NULL);
		g_signal_connect(in, "pad-added", G_CALLBACK(sdag_live_rtsp_pad_added_cb), src);
	} else {
		GstElement *decode = gst_element_factory_make("decodebin", "decode");
		in = gst_element_factory_make("rtmp2src", "src");
		g_object_set(in, "location", self->uri, NULL);
		if (self->opts.user != NULL)
			g_object_set(in, "username", self->opts.user, NULL);
		if (self->opts.password != NULL)
			g_object_set(in, "password", self->opts.password, NULL);
		gst_bin_add_many(GST_BIN(src->pipeline), in, decode, src->sink, NULL);
		gst_element_link(in, decode);
		g_signal_connect(
		    decode, "pad-added", G_CALLBACK(sdag_live_decode_pad_added_cb), src);
	}
	bus = gst_pipeline_get_bus(GST_PIPELINE(src->pipeline));
	src->watch = gst_bus_add_watch(bus, sdag_live_source_bus_cb, src);
	self->source = src;
	/* a failure comes as an error message on the bus */
	gst_element_set_state(src->pipeline, GST_STATE_PLAYING);
}

static void
sdag_live_teardown_thread(GTask *task, gpointer object, gpointer task_data, GCancellable *cancel)
{
	SdagLiveSource *src = task_data;
	gst_element_set_state(src->pipeline, GST_STATE_NULL);
	g_task_return_boolean(task, TRUE);
}

static void
sdag_live_teardown_done_cb(GObject *object, GAsyncResult *res, gpointer user_data)
{
	SdagLive *self = user_data;

	self->pending_teardowns--;
	sdag_live_maybe_stopped(self);
}

/* Takes the current source down in a thread; its frames are ignored from now on. */
void
sdag_live_teardown(SdagLive *self)
{
	SdagLiveSource *src = g_steal_pointer(&self->source);
	g_autoptr(GTask) task = NULL;

	if (src == NULL)
		return;
	g_clear_handle_id(&src->watch, g_source_remove);
	g_mutex_lock(&self->lock);
	self->gen++;
	g_mutex_unlock(&self->lock);
	self->pending_teardowns++;
	task = g_task_new(NULL, NULL, sdag_live_teardown_done_cb, self);
	g_task_set_task_data(task, src, (GDestroyNotify)sdag_live_source_free);
	g_task_run_in_thread(task, sdag_live_teardown_thread);
}

static void
sdag_live_source_lost(SdagLive *self, SdagSourceReason reason, const char *detail)
{
	SdagSupervisorAction action;
	gboolean was_online;

	g_mutex_lock(&self->lock);
	was_online = sdag_supervisor_was_online(self->sup);
	g_mutex_unlock(&self->lock);
	if (self->opts.fail_fast && !was_online &&
	    (reason == SDAG_SOURCE_REASON_AUTH_FAILED || reason == SDAG_SOURCE_REASON_NOT_FOUND)) {
		g_autofree char *m = g_strdup_printf("%s: %s", self->display_uri, detail);
		sdag_live_finish(self,
				 SDAG_RUNNER_FAILED,
				 reason == SDAG_SOURCE_REASON_AUTH_FAILED ? "source_unauthorized"
									  : "source_not_found",
				 m);
		return;
	}
	g_mutex_lock(&self->lock);
	action = sdag_supervisor_failure(self->sup,
					 reason,
					 g_get_monotonic_time(),
					 g_get_real_time(),
					 g_rand_double(self->rand));
	g_mutex_unlock(&self->lock);
	sdag_live_act(self, action);
}

static gboolean
sdag_live_source_bus_cb(GstBus *bus, GstMessage *msg, gpointer user_data)
{
	SdagLiveSource *src = user_data;
	SdagLive *self = src->live;

	if (self->source != src || self->stopping)
		return G_SOURCE_CONTINUE;
	switch (GST_MESSAGE_TYPE(msg)) {
	case GST_MESSAGE_EOS:
		if (self->opts.end_on_eos) {
			/* the frames handed over are analysed, then the tail ends the job */
			g_mutex_lock(&self->lock);
			self->closing = TRUE;
			g_mutex_unlock(&self->lock);
			gst_app_src_end_of_stream(GST_APP_SRC(self->appsrc));
			sdag_live_teardown(self);
		} else {
			sdag_live_source_lost(self, SDAG_SOURCE_REASON_EOS, "end of stream");
		}
		break;
	case GST_MESSAGE_ERROR: {
		g_autoptr(GError) error = NULL;
		g_autofree char *debug = NULL;
		SdagSourceReason reason;

		gst_message_parse_error(msg, &error, &debug);
		/* the camera sends frames over the limit: reconnecting would get the same */
		if (g_error_matches(error, SDAG_ERROR, SDAG_ERROR_FRAME_TOO_LARGE)) {
			g_autofree char *m =
			    g_strdup_printf("%s: %s", self->display_uri, error->message);
			sdag_live_finish(self, SDAG_RUNNER_FAILED, "frame_too_large", m);
			break;
		}
		reason = sdag_live_classify_error(error, debug);
		sdag_live_redact(self, &error->message);
		sdag_live_redact(self, &debug);
		g_info("job %s: source: %s: %s (%s)",
		       self->parent.job_id,
		       sdag_source_reason_to_string(reason),
		       error->message,
		       debug != NULL ? debug : "");
		sdag_live_source_lost(self, reason, error->message);
		break;
	}
	case GST_MESSAGE_WARNING: {
		g_autoptr(GError) error = NULL;
		gst_message_parse_warning(msg, &error, NULL);
		sdag_live_redact(self, &error->message);
		g_info("job %s: source warning: %s", self->parent.job_id, error->message);
		break;
	}
	default:
		break;
	}
	return G_SOURCE_CONTINUE;
}
