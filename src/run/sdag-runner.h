/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

#include "sdag-exec.h"
#include "sdag-store.h"

G_BEGIN_DECLS

typedef struct _SdagRunner SdagRunner;
typedef struct _SdagRunnerClass SdagRunnerClass;

typedef enum {
	SDAG_RUNNER_RUNNING,
	SDAG_RUNNER_COMPLETED,
	SDAG_RUNNER_FAILED,
	SDAG_RUNNER_CANCELLED,
} SdagRunnerOutcome;

/* What every runner runs with; a live runner also takes its SdagLiveOptions. */
typedef struct {
	guint stride;
	guint64 max_frames;	   /* 0: no limit */
	gboolean follow_redirects; /* http(s): only when redirects cannot reach a refused address */
	const char *display_uri;   /* for messages: the source without its password */
	guint start_timeout_s;	   /* fail when no frame is decoded by then; 0: no limit */
	const char *resolve_host;  /* a host name whose addresses must not be private, or NULL */
	guint64 max_frame_pixels;  /* a larger decoded frame fails the job; 0: no limit */
	const char *decode;	   /* the option: "all", "reference" or "keyframes"; NULL: all */
	guint decoder_threads;	   /* max-threads of each avdec_*; 0: the decoder's choice */
} SdagRunnerOptions;

/* Called on a streaming thread for every processed frame, after its row is queued for the
 * store; @result is valid only during the call. */
typedef void (*SdagRunnerFrameFunc)(SdagRunner *runner,
				    const SdagFrameResult *result,
				    gpointer user_data);

/* Called on the main context when a live source changed state; one call may cover several
 * changes. */
typedef void (*SdagRunnerSourceFunc)(SdagRunner *runner, gpointer user_data);

/* Called on the main context once the pipeline is down and every frame row is written. */
typedef void (*SdagRunnerDoneFunc)(SdagRunner *runner, gpointer user_data);

/* What a runner does its own way. Every member is set. */
struct _SdagRunnerClass {
	gboolean (*start)(SdagRunner *self, GError **error);
	void (*cancel)(SdagRunner *self);
	void (*stop_sync)(SdagRunner *self);
	gboolean (*is_stopping)(SdagRunner *self);
	SdagRunnerOutcome (*get_outcome)(SdagRunner *self);
	const char *(*get_error_code)(SdagRunner *self);
	const char *(*get_error_message)(SdagRunner *self);
	double (*get_progress)(SdagRunner *self);
	void (*get_counts)(SdagRunner *self, guint64 *frames_decoded, guint64 *frames_processed);
	JsonNode *(*dup_summary)(SdagRunner *self);
	JsonNode *(*dup_metrics)(SdagRunner *self);
	void (*add_json)(SdagRunner *self, JsonObject *out);
	void (*free)(SdagRunner *self);
};

/* The part every runner shares, first in each implementation's struct. Implementations
 * read it; everyone else goes through the functions below. */
struct _SdagRunner {
	const SdagRunnerClass *klass;
	SdagStore *store; /* borrowed */
	char *job_id;
	SdagRunnerDoneFunc done;
	gpointer done_data;
	SdagRunnerFrameFunc frame_func; /* set before the runner starts */
	gpointer frame_data;
	SdagRunnerSourceFunc source_func;
	gpointer source_data;
};

/* for implementations */
void sdag_runner_init(SdagRunner *self,
		      const SdagRunnerClass *klass,
		      SdagStore *store,
		      const char *job_id,
		      SdagRunnerDoneFunc done,
		      gpointer user_data);
void sdag_runner_clear(SdagRunner *self);
void sdag_runner_frame_done(SdagRunner *self, const SdagFrameResult *result);
void sdag_runner_source_changed(SdagRunner *self);
void sdag_runner_done(SdagRunner *self);

/* for the job manager */
void sdag_runner_free(SdagRunner *self);
void sdag_runner_set_frame_func(SdagRunner *self, SdagRunnerFrameFunc func, gpointer user_data);
void sdag_runner_set_source_func(SdagRunner *self, SdagRunnerSourceFunc func, gpointer user_data);
gboolean sdag_runner_start(SdagRunner *self, GError **error);
void sdag_runner_cancel(SdagRunner *self);
void sdag_runner_stop_sync(SdagRunner *self);
gboolean sdag_runner_is_stopping(SdagRunner *self);
const char *sdag_runner_get_job_id(SdagRunner *self);
SdagRunnerOutcome sdag_runner_get_outcome(SdagRunner *self);
const char *sdag_runner_get_error_code(SdagRunner *self);
const char *sdag_runner_get_error_message(SdagRunner *self);
double sdag_runner_get_progress(SdagRunner *self);
void sdag_runner_get_counts(SdagRunner *self, guint64 *frames_decoded, guint64 *frames_processed);
JsonNode *sdag_runner_dup_summary(SdagRunner *self);
JsonNode *sdag_runner_dup_metrics(SdagRunner *self);
void sdag_runner_add_json(SdagRunner *self, JsonObject *out);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(SdagRunner, sdag_runner_free)

typedef enum {
	SDAG_RUNNER_FROM_PIPELINE, /* decoders, demuxers, the rest */
	SDAG_RUNNER_FROM_SOURCE,   /* the element reading the file or the network */
	SDAG_RUNNER_FROM_DAG,	   /* sddag: a node failed */
} SdagRunnerErrorOrigin;

const char *
sdag_runner_classify_error(const GError *error, SdagRunnerErrorOrigin origin, gboolean no_video);

G_END_DECLS
