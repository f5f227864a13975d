/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

#include "sdag-config.h"
#include "sdag-exec.h"
#include "sdag-jobcache.h"
#include "sdag-jobstate.h"
#include "sdag-nodetypes.h"
#include "sdag-registry.h"
#include "sdag-store.h"

G_BEGIN_DECLS

#define SDAG_JOBS_FRAMES_DEFAULT 100
#define SDAG_JOBS_FRAMES_MAX 1000

typedef struct _SdagJobs SdagJobs;

/**
 * SdagJobsListener:
 * @status_changed: on the main context, once the change is on disk: at submission (queued)
 *   and on every later status change. @job is the job's public JSON without its pipeline,
 *   with its summary once terminal; borrowed for the call.
 * @frame: on a streaming thread, for every processed frame of a running job. It must not
 *   block and must copy what it keeps: @result is valid only during the call.
 * @source_changed: on the main context, when a running live job's source changed state
 *   (`source_state`, `reconnects`, ...); @job as for @status_changed.
 *
 * What other modules (publishers, history) learn about jobs. Either member may be NULL.
 */
typedef struct {
	void (*status_changed)(const char *job_id, JsonNode *job, gpointer user_data);
	void (*frame)(const char *job_id, const SdagFrameResult *result, gpointer user_data);
	void (*source_changed)(const char *job_id, JsonNode *job, gpointer user_data);
} SdagJobsListener;

/* A queued or running job a camera submitted; see sdag_jobs_list_camera_jobs(). */
typedef struct {
	char *job_id;
	char *camera;
	char *digest;
} SdagCameraJob;

/* @job is the job's public JSON, or NULL with @error set. */
typedef void (*SdagJobsReplyFunc)(JsonNode *job, const GError *error, gpointer user_data);

SdagJobs *sdag_jobs_new(SdagStore *store,
			SdagRegistry *registry,
			SdagNodeTypes *types,
			const SdagConfig *config,
			GError **error);
gboolean sdag_jobs_start(SdagJobs *self, GError **error);
void sdag_jobs_free(SdagJobs *self);
void sdag_jobs_add_listener(SdagJobs *self, const SdagJobsListener *listener, gpointer user_data);
JsonNode *sdag_jobs_submit(SdagJobs *self, JsonNode *body, GError **error);
JsonNode *
sdag_jobs_submit_batch(SdagJobs *self, JsonNode *body, JsonNode **problems, GError **error);
JsonNode *sdag_jobs_submit_camera(SdagJobs *self,
				  const char *camera,
				  const char *digest,
				  JsonNode *body,
				  GError **error);
GPtrArray *sdag_jobs_list_camera_jobs(SdagJobs *self);
gboolean sdag_jobs_is_active(SdagJobs *self, const char *job_id);
gboolean sdag_jobs_check(SdagJobs *self, JsonNode *body, GError **error);
GBytes *sdag_jobs_dup_snapshot(SdagJobs *self, const char *job_id, GError **error);
JsonNode *sdag_jobs_get(SdagJobs *self, const char *job_id, GError **error);
JsonNode *sdag_jobs_query(SdagJobs *self, const SdagJobsFilter *filter, GError **error);
GBytes *sdag_jobs_get_text(SdagJobs *self, const char *job_id, GError **error);
GBytes *sdag_jobs_query_text(SdagJobs *self, const SdagJobsFilter *filter, GError **error);
gboolean sdag_jobs_cancel(SdagJobs *self,
			  const char *job_id,
			  SdagJobsReplyFunc func,
			  gpointer user_data,
			  GError **error);
gboolean sdag_jobs_delete(SdagJobs *self, const char *job_id, GError **error);
JsonNode *sdag_jobs_prune(SdagJobs *self,
			  gint64 before_us,
			  const SdagJobStatus *statuses,
			  guint n_statuses,
			  const char *pipeline_id,
			  gboolean dry_run,
			  GError **error);
JsonNode *sdag_jobs_get_results(SdagJobs *self, const char *job_id, GError **error);
JsonNode *sdag_jobs_dup_counts(SdagJobs *self, const char *job_id);
JsonNode *
sdag_jobs_get_frames(SdagJobs *self, const char *job_id, guint64 from, guint limit, GError **error);
void sdag_jobs_get_counts(SdagJobs *self, guint *queued, guint *running);
gboolean sdag_jobs_set_media_roots(SdagJobs *self, const char *const *roots, GError **error);
void sdag_jobs_get_cache_stats(SdagJobs *self, SdagJobCacheStats *stats);
void sdag_jobs_get_status_counts(SdagJobs *self, guint64 counts[SDAG_JOB_N_STATUSES]);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(SdagJobs, sdag_jobs_free)

G_END_DECLS
