/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "sdag-runner"

#include "sdag-runner.h"

#include <gst/gst.h>

#include "sdag-error.h"
#include "sdag-snapshot.h"

/*
 * One running job, whatever its source: the job manager creates a file runner
 * (sdag-worker.c: files and http(s), one pipeline that ends) or a live runner
 * (sdag-live.c: rtsp, rtmp, supervised and resumed) and from then on talks to
 * it only through these functions. Each implementation puts an SdagRunner
 * first in its struct and fills an SdagRunnerClass; what both do alike (the
 * listeners, a frame's snapshot, the API's error codes) lives here.
 */

void
sdag_runner_init(SdagRunner *self,
		 const SdagRunnerClass *klass,
		 SdagStore *store,
		 const char *job_id,
		 SdagRunnerDoneFunc done,
		 gpointer user_data)
{
	self->klass = klass;
	self->store = store;
	self->job_id = g_strdup(job_id);
	self->done = done;
	self->done_data = user_data;
}

void
sdag_runner_clear(SdagRunner *self)
{
	g_clear_pointer(&self->job_id, g_free);
}

/**
 * sdag_runner_frame_done:
 *
 * What every processed frame gets beyond its row, finite or live: its snapshot, if the
 * pipeline draws one, and the frame listener. On the streaming thread.
 */
void
sdag_runner_frame_done(SdagRunner *self, const SdagFrameResult *result)
{
	g_autoptr(GError) error = NULL;

	if (result->image != NULL) {
		g_autoptr(GBytes) jpeg = sdag_snapshot_encode_jpeg(result->image, &error);

		/* a snapshot is a view, not a result: losing one does not fail the job */
		if (jpeg == NULL || !sdag_snapshot_save(self->store, self->job_id, jpeg, &error))
			g_warning("job %s: snapshot of frame %" G_GUINT64_FORMAT ": %s",
				  self->job_id,
				  result->frame_id,
				  error->message);
	}
	if (self->frame_func != NULL)
		self->frame_func(self, result, self->frame_data);
}

/* Main context: a live source changed state. */
void
sdag_runner_source_changed(SdagRunner *self)
{
	if (self->source_func != NULL)
		self->source_func(self, self->source_data);
}

/* Main context: the pipeline is down and every row written. */
void
sdag_runner_done(SdagRunner *self)
{
	self->done(self, self->done_data);
}

void
sdag_runner_free(SdagRunner *self)
{
	if (self != NULL)
		self->klass->free(self);
}

/**
 * sdag_runner_set_frame_func:
 *
 * Sets who hears of every processed frame; only before sdag_runner_start().
 */
void
sdag_runner_set_frame_func(SdagRunner *self, SdagRunnerFrameFunc func, gpointer user_data)
{
	self->frame_func = func;
	self->frame_data = user_data;
}

/**
 * sdag_runner_set_source_func:
 *
 * Sets who hears that a live source changed state; file runners never call it.
 */
void
sdag_runner_set_source_func(SdagRunner *self, SdagRunnerSourceFunc func, gpointer user_data)
{
	self->source_func = func;
	self->source_data = user_data;
}

/**
 * sdag_runner_start:
 *
 * Returns: %FALSE when nothing could start; done() is then not called
 */
gboolean
sdag_runner_start(SdagRunner *self, GError **error)
{
	return self->klass->start(self, error);
}

/**
 * sdag_runner_cancel:
 *
 * Stops the job; done() follows with SDAG_RUNNER_CANCELLED unless the job had already ended
 * otherwise.
 */
void
sdag_runner_cancel(SdagRunner *self)
{
	self->klass->cancel(self);
}

/**
 * sdag_runner_stop_sync:
 *
 * The daemon's shutdown: takes the pipelines down now, on this thread, and writes the pending
 * rows (and a live job's last checkpoint) without calling done(). The outcome stays RUNNING
 * unless the job had ended.
 */
void
sdag_runner_stop_sync(SdagRunner *self)
{
	self->klass->stop_sync(self);
}

/**
 * sdag_runner_is_stopping:
 *
 * Returns: whether the job has ended and done() is on its way
 */
gboolean
sdag_runner_is_stopping(SdagRunner *self)
{
	return self->klass->is_stopping(self);
}

const char *
sdag_runner_get_job_id(SdagRunner *self)
{
	return self->job_id;
}

SdagRunnerOutcome
sdag_runner_get_outcome(SdagRunner *self)
{
	return self->klass->get_outcome(self);
}

const char *
sdag_runner_get_error_code(SdagRunner *self)
{
	return self->klass->get_error_code(self);
}

const char *
sdag_runner_get_error_message(SdagRunner *self)
{
	return self->klass->get_error_message(self);
}

/**
 * sdag_runner_get_progress:
 *
 * Returns: position/duration from 0 to 1; 1 once completed; -1 while unknown or for a live
 * source
 */
double
sdag_runner_get_progress(SdagRunner *self)
{
	return self->klass->get_progress(self);
}

void
sdag_runner_get_counts(SdagRunner *self, guint64 *frames_decoded, guint64 *frames_processed)
{
	self->klass->get_counts(self, frames_decoded, frames_processed);
}

JsonNode *
sdag_runner_dup_summary(SdagRunner *self)
{
	return self->klass->dup_summary(self);
}

/**
 * sdag_runner_dup_metrics:
 *
 * Returns: (transfer full) (nullable): the per-node timings, once the runner is done
 */
JsonNode *
sdag_runner_dup_metrics(SdagRunner *self)
{
	return self->klass->dup_metrics(self);
}

/**
 * sdag_runner_add_json:
 *
 * Adds what only this kind of runner knows to a job's answer: a live source's members;
 * nothing for a file.
 */
void
sdag_runner_add_json(SdagRunner *self, JsonObject *out)
{
	self->klass->add_json(self, out);
}

/**
 * sdag_runner_classify_error:
 * @error: an error from the bus
 * @origin: which part of the pipeline posted it
 * @no_video: whether the decoder exposed its streams and none was video
 *
 * Maps a GStreamer error to the stable job error code of the API.
 *
 * Returns: (transfer none): the code
 */
const char *
sdag_runner_classify_error(const GError *error, SdagRunnerErrorOrigin origin, gboolean no_video)
{
	if (error->domain == SDAG_ERROR)
		return sdag_error_code_to_string(error->code);
	/* a node that fails to start, to read the format or to process a frame */
	if (origin == SDAG_RUNNER_FROM_DAG)
		return error->domain == GST_RESOURCE_ERROR ? "internal" : "node_error";
	if (no_video)
		return "no_video_stream";
	/* a source that cannot deliver (connection refused, reset) says only "streaming
	 * stopped, reason error" */
	if (origin == SDAG_RUNNER_FROM_SOURCE && error->domain == GST_STREAM_ERROR &&
	    error->code == GST_STREAM_ERROR_FAILED)
		return "source_unreachable";
	if (error->domain == GST_RESOURCE_ERROR) {
		if (error->code == GST_RESOURCE_ERROR_NOT_FOUND)
			return "source_not_found";
		if (error->code == GST_RESOURCE_ERROR_NO_SPACE_LEFT)
			return "internal";
		return "source_unreachable";
	}
	if (error->domain == GST_STREAM_ERROR) {
		if (error->code == GST_STREAM_ERROR_TYPE_NOT_FOUND ||
		    error->code == GST_STREAM_ERROR_WRONG_TYPE)
			return "no_video_stream";
		return "decode_error";
	}
	if (error->domain == GST_CORE_ERROR && error->code == GST_CORE_ERROR_MISSING_PLUGIN)
		return "decode_error";
	return "internal";
}
