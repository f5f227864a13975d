/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The job state machine: statuses, their names and the one transition table. Pure:
 * the job manager applies it, the job index files keys under it, and
 * tests/sdag-jobstate-test.c checks every cell of the table.
 *
 *   queued ──► running ──► completed
 *     │  ▲        │ ├────► failed
 *     │  └────────┘ └────► cancelled       (running → queued: requeued on interrupt)
 *     ├──────────────────► failed          (could not start)
 *     └──────────────────► cancelled
 *
 * Terminal statuses never change.
 */
#include "sdag-jobstate.h"

static const char *const sdag_job_status_names[SDAG_JOB_N_STATUSES] = {
    [SDAG_JOB_QUEUED] = "queued",
    [SDAG_JOB_RUNNING] = "running",
    [SDAG_JOB_COMPLETED] = "completed",
    [SDAG_JOB_FAILED] = "failed",
    [SDAG_JOB_CANCELLED] = "cancelled",
};

/* [from][to]: the one transition table */
static const gboolean sdag_job_transitions[SDAG_JOB_N_STATUSES][SDAG_JOB_N_STATUSES] = {
    [SDAG_JOB_QUEUED] =
	{[SDAG_JOB_RUNNING] = TRUE, [SDAG_JOB_CANCELLED] = TRUE, [SDAG_JOB_FAILED] = TRUE},
    [SDAG_JOB_RUNNING] = {[SDAG_JOB_COMPLETED] = TRUE,
			  [SDAG_JOB_FAILED] = TRUE,
			  [SDAG_JOB_CANCELLED] = TRUE,
			  [SDAG_JOB_QUEUED] = TRUE},
};

const char *
sdag_job_status_to_string(SdagJobStatus status)
{
	g_return_val_if_fail((guint)status < SDAG_JOB_N_STATUSES, NULL);
	return sdag_job_status_names[status];
}

gboolean
sdag_job_status_from_string(const char *str, SdagJobStatus *status)
{
	for (guint i = 0; i < SDAG_JOB_N_STATUSES; i++) {
		if (g_strcmp0(str, sdag_job_status_names[i]) == 0) {
			*status = i;
			return TRUE;
		}
	}
	return FALSE;
}

gboolean
sdag_job_status_is_terminal(SdagJobStatus status)
{
	return status == SDAG_JOB_COMPLETED || status == SDAG_JOB_FAILED ||
	       status == SDAG_JOB_CANCELLED;
}

gboolean
sdag_job_status_can_change(SdagJobStatus from, SdagJobStatus to)
{
	if ((guint)from >= SDAG_JOB_N_STATUSES || (guint)to >= SDAG_JOB_N_STATUSES)
		return FALSE;
	return sdag_job_transitions[from][to];
}
