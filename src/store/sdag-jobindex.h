/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "sdag-jobstate.h"
#include "sdag-store.h"

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* The version of the job_index layout this build writes (meta/index_version). */
#define SDAG_JOB_INDEX_VERSION 3

gint64 sdag_job_index_created_us(JsonObject *record);
GPtrArray *sdag_job_index_keys(guint64 seq,
			       const char *pipeline_id,
			       const char *camera,
			       SdagJobStatus status,
			       gint64 created_us);
char *sdag_job_index_status_prefix(SdagJobStatus status);
void sdag_job_index_batch_add(SdagStoreBatch *batch,
			      const char *job_id,
			      guint64 seq,
			      const char *pipeline_id,
			      const char *camera,
			      SdagJobStatus status,
			      gint64 created_us);
void sdag_job_index_batch_move(SdagStoreBatch *batch,
			       const char *job_id,
			       guint64 seq,
			       const char *pipeline_id,
			       SdagJobStatus from,
			       SdagJobStatus to);
void sdag_job_index_batch_remove(SdagStoreBatch *batch,
				 guint64 seq,
				 const char *pipeline_id,
				 const char *camera,
				 SdagJobStatus status,
				 gint64 created_us);
gboolean sdag_job_index_upgrade(SdagStore *store, GError **error);
GPtrArray *sdag_job_index_query(SdagStore *store,
				const SdagJobsFilter *filter,
				guint64 *next_seq,
				GError **error);

G_END_DECLS
