/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/gst.h>
#include <json-glib/json-glib.h>

#include "sdag-dag.h"
#include "sdag-exec.h"
#include "sdag-store.h"

G_BEGIN_DECLS

typedef struct _SdagWorker SdagWorker;
typedef struct _SdagLiveOptions SdagLiveOptions; /* sdag-live.h */

typedef enum {
	SDAG_WORKER_RUNNING,
	SDAG_WORKER_COMPLETED,
	SDAG_WORKER_FAILED,
	SDAG_WORKER_CANCELLED,
} SdagWorkerOutcome;

typedef struct {
	guint stride;
	guint64 max_frames;	   /* 0: no limit */
	gboolean follow_redirects; /* http(s): only when redirects cannot reach a refused address */
	const char *display_uri;   /* for messages: the source without its password */
	guint start_timeout_s;	   /* fail when no frame is decoded by then; 0: no limit */
	const char *resolve_host;  /* a host name whose addresses must not be private, or NULL */
	guint64 max_frame_pixels;  /* a larger decoded frame fails the job; 0: no limit */
	const SdagLiveOptions *live; /* a live source (sdag-live.c runs it), or NULL */
} SdagWorkerOptions;

/* Called on a streaming thread for every processed frame, after its row is queued for the
 * store; @result is valid only during the call. */
typedef void (*SdagWorkerFrameFunc)(SdagWorker *worker,
				    const SdagFrameResult *result,
				    gpointer user_data);

/* Called on the main context when a live source changed state. */
typedef void (*SdagWorkerSourceFunc)(SdagWorker *worker, gpointer user_data);

/* Called on the main context once the pipeline is down and every frame row is written. */
typedef void (*SdagWorkerDoneFunc)(SdagWorker *worker, gpointer user_data);

SdagWorker *sdag_worker_new(SdagStore *store,
			    const char *job_id,
			    const char *uri,
			    SdagDag *dag,
			    const SdagWorkerOptions *options,
			    SdagWorkerDoneFunc done,
			    gpointer user_data);
void sdag_worker_free(SdagWorker *self);
void sdag_worker_set_frame_func(SdagWorker *self, SdagWorkerFrameFunc func, gpointer user_data);
void sdag_worker_set_source_func(SdagWorker *self, SdagWorkerSourceFunc func, gpointer user_data);
gboolean sdag_worker_start(SdagWorker *self, GError **error);
void sdag_worker_cancel(SdagWorker *self);
void sdag_worker_stop_sync(SdagWorker *self);
gboolean sdag_worker_is_stopping(SdagWorker *self);

const char *sdag_worker_get_job_id(SdagWorker *self);
SdagWorkerOutcome sdag_worker_get_outcome(SdagWorker *self);
const char *sdag_worker_get_error_code(SdagWorker *self);
const char *sdag_worker_get_error_message(SdagWorker *self);
double sdag_worker_get_progress(SdagWorker *self);
void sdag_worker_get_counts(SdagWorker *self, guint64 *frames_decoded, guint64 *frames_processed);
JsonNode *sdag_worker_dup_summary(SdagWorker *self);
JsonNode *sdag_worker_dup_metrics(SdagWorker *self);
GstElement *sdag_worker_get_pipeline(SdagWorker *self);
gboolean sdag_worker_is_live(SdagWorker *self);
void sdag_worker_add_live_json(SdagWorker *self, JsonObject *out);

typedef enum {
	SDAG_WORKER_FROM_PIPELINE, /* decoders, demuxers, the rest */
	SDAG_WORKER_FROM_SOURCE,   /* the element reading the file or the network */
	SDAG_WORKER_FROM_DAG,	   /* sddag: a node failed */
} SdagWorkerErrorOrigin;

const char *
sdag_worker_classify_error(const GError *error, SdagWorkerErrorOrigin origin, gboolean no_video);

G_END_DECLS
