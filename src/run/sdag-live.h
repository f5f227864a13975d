/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/gst.h>
#include <json-glib/json-glib.h>

#include "sdag-config.h"
#include "sdag-dag.h"
#include "sdag-source.h"
#include "sdag-store.h"
#include "sdag-supervisor.h"
#include "sdag-worker.h"

G_BEGIN_DECLS

/* What a live job runs with: [live] config overridden by the job's options. */
struct _SdagLiveOptions {
	SdagSupervisorParams supervisor;
	SdagSourceKind kind;
	char *transport; /* "auto", "tcp", "udp" */
	guint latency_ms;
	char *user;
	char *password;
	gboolean end_on_eos;
	gboolean fail_fast;
	gint64 max_duration_us;	       /* 0: no limit */
	gint64 checkpoint_interval_us; /* how often the state is saved */
	gint64 started_real_us;	       /* the job's first start, for max_duration_s */
	guint queue_frames;	       /* at most this many decoded frames wait for the DAG */
	gint64 queue_us; /* and none of them longer than this: older ones are dropped */
};

typedef struct _SdagLive SdagLive;
typedef void (*SdagLiveDoneFunc)(SdagLive *live, gpointer user_data);

/* options */
gboolean sdag_live_is_option(const char *name);
gboolean sdag_live_parse_option(const char *name, JsonNode *value, JsonObject *out, GError **error);
void sdag_live_options_init(SdagLiveOptions *opts,
			    const SdagLiveConfig *config,
			    JsonObject *job_options,
			    const SdagSource *source);
void sdag_live_options_clear(SdagLiveOptions *opts);
JsonNode *sdag_live_redact_options(JsonObject *options);

/* A streaming thread, for every processed frame once its row is queued for the store. */
typedef void (*SdagLiveFrameFunc)(const SdagFrameResult *result, gpointer user_data);

/* The main context, after the source changed state (one call may cover several changes). */
typedef void (*SdagLiveSourceFunc)(gpointer user_data);

SdagLive *sdag_live_new(SdagStore *store,
			const char *job_id,
			const char *uri,
			SdagDag *dag,
			const SdagWorkerOptions *wopts,
			SdagLiveDoneFunc done,
			gpointer user_data);
void sdag_live_free(SdagLive *self);
void sdag_live_set_frame_func(SdagLive *self, SdagLiveFrameFunc func, gpointer user_data);
void sdag_live_set_source_func(SdagLive *self, SdagLiveSourceFunc func, gpointer user_data);
gboolean sdag_live_start(SdagLive *self, GError **error);
void sdag_live_cancel(SdagLive *self);
void sdag_live_stop_sync(SdagLive *self);
gboolean sdag_live_is_stopping(SdagLive *self);
SdagWorkerOutcome sdag_live_get_outcome(SdagLive *self);
const char *sdag_live_get_error_code(SdagLive *self);
const char *sdag_live_get_error_message(SdagLive *self);
void sdag_live_get_counts(SdagLive *self, guint64 *frames_decoded, guint64 *frames_processed);
JsonNode *sdag_live_dup_summary(SdagLive *self);
JsonNode *sdag_live_dup_metrics(SdagLive *self);
GstElement *sdag_live_get_pipeline(SdagLive *self);
void sdag_live_add_json(SdagLive *self, JsonObject *out);

SdagSourceReason sdag_live_classify_error(const GError *error, const char *debug);

G_END_DECLS
