/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "sdag-live"

#include "sdag-live-private.h"

#include <gst/app/gstappsrc.h>

#include "sdag-error.h"

/*
 * The live runner's tail: appsrc → videoconvert → sddag → fakesink, built
 * once and PLAYING for the whole job (sdag-live.c says why). Frames that
 * waited too long in the hand-over queue are dropped at appsrc's pad; every
 * result is stored, then checkpointed now and then.
 */

static void
sdag_live_result_cb(SdagElement *element, const SdagFrameResult *result, gpointer user_data)
{
	SdagLive *self = user_data;
	g_autoptr(GError) error = NULL;
	gint64 now = g_get_monotonic_time();

	if (!sdag_results_add(self->results, result, &error)) {
		/* a full disk keeps its own code (storage_full) */
		g_autoptr(GError) store_error =
		    g_error_new_literal(SDAG_ERROR,
					g_error_matches(error, SDAG_ERROR, SDAG_ERROR_STORAGE_FULL)
					    ? SDAG_ERROR_STORAGE_FULL
					    : SDAG_ERROR_STORE,
					error->message);
		gst_element_post_message(
		    GST_ELEMENT(element),
		    gst_message_new_error(GST_OBJECT(element), store_error, NULL));
		return;
	}
	sdag_runner_frame_done(&self->parent, result);
	if (self->last_checkpoint_us == 0)
		self->last_checkpoint_us = now;
	if (now - self->last_checkpoint_us >= self->opts.checkpoint_interval_us) {
		guint64 decoded = 0;
		guint64 processed = 0;

		sdag_element_get_counts(element, &decoded, &processed);
		sdag_live_checkpoint(self, result->frame_id + 1, processed, decoded);
		self->last_checkpoint_us = now;
	}
}

static gboolean
sdag_live_tail_bus_cb(GstBus *bus, GstMessage *msg, gpointer user_data)
{
	SdagLive *self = user_data;

	switch (GST_MESSAGE_TYPE(msg)) {
	case GST_MESSAGE_EOS:
		/* max_frames reached, or the source ended with end_on_eos */
		sdag_live_finish(self, SDAG_RUNNER_COMPLETED, NULL, NULL);
		break;
	case GST_MESSAGE_ERROR: {
		g_autoptr(GError) error = NULL;
		g_autofree char *debug = NULL;
		gboolean from_dag = GST_MESSAGE_SRC(msg) == GST_OBJECT(self->element);
		const char *code;

		gst_message_parse_error(msg, &error, &debug);
		code = sdag_runner_classify_error(
		    error, from_dag ? SDAG_RUNNER_FROM_DAG : SDAG_RUNNER_FROM_PIPELINE, FALSE);
		sdag_live_redact(self, &error->message);
		sdag_live_redact(self, &debug);
		g_info("job %s: %s: %s (%s)",
		       self->parent.job_id,
		       code,
		       error->message,
		       debug != NULL ? debug : "");
		sdag_live_finish(self, SDAG_RUNNER_FAILED, code, error->message);
		break;
	}
	default:
		break;
	}
	return G_SOURCE_CONTINUE;
}

/* The tail's streaming thread, as appsrc lets a frame go to the DAG: one that waited too
 * long is dropped here. Its PTS is its arrival on the job's running time. */
static GstPadProbeReturn
sdag_live_queue_probe_cb(GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
	SdagLive *self = user_data;
	GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER(info);
	gint64 wait;
	gboolean keep;

	if (buf == NULL || !GST_BUFFER_PTS_IS_VALID(buf))
		return GST_PAD_PROBE_OK;
	wait = g_get_monotonic_time() - self->started_mono -
	       (gint64)(GST_BUFFER_PTS(buf) / GST_USECOND);
	g_mutex_lock(&self->lock);
	keep = sdag_live_queue_take(&self->queue, wait);
	g_mutex_unlock(&self->lock);
	return keep ? GST_PAD_PROBE_OK : GST_PAD_PROBE_DROP;
}

gboolean
sdag_live_build_tail(SdagLive *self, GError **error)
{
	g_autofree char *name = g_strdup_printf("job-%s", self->parent.job_id);
	GstElement *src = gst_element_factory_make("appsrc", "in");
	GstElement *convert = gst_element_factory_make("videoconvert", "convert");
	GstElement *element = g_object_new(SDAG_TYPE_ELEMENT, "name", "dag", NULL);
	GstElement *sink = gst_element_factory_make("fakesink", "sink");
	g_autoptr(GstBus) bus = NULL;
	guint64 max_frames = self->max_frames;

	if (src == NULL || convert == NULL || sink == NULL) {
		g_clear_pointer(&src, gst_object_unref);
		g_clear_pointer(&convert, gst_object_unref);
		g_clear_pointer(&sink, gst_object_unref);
		gst_object_unref(element);
		g_set_error_literal(
		    error,
		    SDAG_ERROR,
		    SDAG_ERROR_INTERNAL,
		    "a GStreamer element is missing (appsrc, videoconvert, fakesink)");
		return FALSE;
	}
	self->tail = gst_pipeline_new(name);
	gst_bin_add_many(GST_BIN(self->tail), src, convert, element, sink, NULL);
	if (!gst_element_link_many(src, convert, element, sink, NULL)) {
		g_set_error_literal(error,
				    SDAG_ERROR,
				    SDAG_ERROR_INTERNAL,
				    "cannot link appsrc ! videoconvert ! sddag");
		return FALSE;
	}
	self->appsrc = src;
	self->element = SDAG_ELEMENT(element);
	{
		g_autoptr(GstPad) pad = gst_element_get_static_pad(src, "src");
		gst_pad_add_probe(
		    pad, GST_PAD_PROBE_TYPE_BUFFER, sdag_live_queue_probe_cb, self, NULL);
	}
	g_object_set(src,
		     "is-live",
		     TRUE,
		     "format",
		     GST_FORMAT_TIME,
		     "block",
		     FALSE,
		     "max-bytes",
		     (guint64)0,
		     NULL);
	/* a resumed job counts max_frames over all its runs */
	if (max_frames > 0)
		max_frames = max_frames > self->base_processed ? max_frames - self->base_processed
							       : 1;
	g_object_set(element,
		     "stride",
		     self->stride,
		     "max-frames",
		     max_frames,
		     "first-frame-id",
		     self->first_frame_id,
		     NULL);
	g_object_set(sink, "sync", FALSE, NULL);
	sdag_element_set_dag(self->element, g_steal_pointer(&self->dag));
	if (self->resume_state != NULL)
		sdag_element_set_resume_state(self->element, self->resume_state);
	sdag_element_set_result_func(self->element, sdag_live_result_cb, self, NULL);
	bus = gst_pipeline_get_bus(GST_PIPELINE(self->tail));
	self->tail_watch = gst_bus_add_watch(bus, sdag_live_tail_bus_cb, self);
	return TRUE;
}
