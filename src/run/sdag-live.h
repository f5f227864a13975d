/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/gst.h>
#include <json-glib/json-glib.h>

#include "sdag-config.h"
#include "sdag-dag.h"
#include "sdag-runner.h"
#include "sdag-source.h"
#include "sdag-store.h"
#include "sdag-supervisor.h"

G_BEGIN_DECLS

typedef struct _SdagLiveOptions SdagLiveOptions;

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

/* options */
void sdag_live_options_init(SdagLiveOptions *opts,
			    const SdagLiveConfig *config,
			    JsonObject *job_options,
			    const SdagSource *source);
void sdag_live_options_clear(SdagLiveOptions *opts);
JsonNode *sdag_live_redact_options(JsonObject *options);

/* The live runner: rtsp or rtmp, supervised, checkpointed and resumed after a restart. */
SdagRunner *sdag_live_new(SdagStore *store,
			  const char *job_id,
			  const char *uri,
			  SdagDag *dag,
			  const SdagRunnerOptions *options,
			  const SdagLiveOptions *live_options,
			  SdagRunnerDoneFunc done,
			  gpointer user_data);

/* A stored checkpoint (sdag-live-checkpoint.c), read back at the job's next start. */
typedef struct {
	guint64 next_frame_id;
	guint64 frames_in;
	guint64 frames_processed;
	guint64 dropped_frames;
	guint reconnects;
	JsonNode *exec; /* nullable: the executor's state, for sdag_exec_load_state() */
} SdagLiveCheckpoint;

gboolean
sdag_live_checkpoint_decode(const char *data, gsize len, SdagLiveCheckpoint *out, GError **error);
void sdag_live_checkpoint_clear(SdagLiveCheckpoint *checkpoint);

SdagSourceReason sdag_live_classify_error(const GError *error, const char *debug);

G_END_DECLS
