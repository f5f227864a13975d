/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
	SDAG_JOB_QUEUED,
	SDAG_JOB_RUNNING,
	SDAG_JOB_COMPLETED,
	SDAG_JOB_FAILED,
	SDAG_JOB_CANCELLED,
	SDAG_JOB_N_STATUSES
} SdagJobStatus;

#define SDAG_JOBS_LIST_DEFAULT 50
#define SDAG_JOBS_LIST_MAX 1000

/**
 * SdagJobsFilter:
 * @pipeline_id: (nullable): only this pipeline's jobs
 * @status: an #SdagJobStatus, or -1 for any
 * @since_us: created at or after, or SDAG_QUERY_NO_TIME for no bound
 * @until_us: created before, or G_MININT64 for no bound
 * @source: (nullable): only jobs whose redacted source URL starts with this
 * @camera: (nullable): only the jobs this camera ran
 * @ascending: oldest first instead of newest first
 * @limit: 1 to SDAG_JOBS_LIST_MAX
 * @cursor: (nullable): next_cursor of the previous page, with the same filter
 *
 * A query over the job list (GET /jobs), answered from the job_index family.
 */
typedef struct {
	const char *pipeline_id;
	gint status;
	gint64 since_us;
	gint64 until_us;
	const char *source;
	const char *camera;
	gboolean ascending;
	guint limit;
	const char *cursor;
} SdagJobsFilter;

const char *sdag_job_status_to_string(SdagJobStatus status);
gboolean sdag_job_status_from_string(const char *str, SdagJobStatus *status);
gboolean sdag_job_status_is_terminal(SdagJobStatus status);
gboolean sdag_job_status_can_change(SdagJobStatus from, SdagJobStatus to);

G_END_DECLS
