/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The job state machine without a daemon: every cell of the transition table, every
 * status's name and whether it is terminal, and names that are not statuses.
 */
#include "sdag-jobstate.h"

/* The table as docs/api.md (Statuses) states it: [from][to] */
static const gboolean expected[SDAG_JOB_N_STATUSES][SDAG_JOB_N_STATUSES] = {
    [SDAG_JOB_QUEUED] =
	{[SDAG_JOB_RUNNING] = TRUE, [SDAG_JOB_FAILED] = TRUE, [SDAG_JOB_CANCELLED] = TRUE},
    [SDAG_JOB_RUNNING] = {[SDAG_JOB_QUEUED] = TRUE,
			  [SDAG_JOB_COMPLETED] = TRUE,
			  [SDAG_JOB_FAILED] = TRUE,
			  [SDAG_JOB_CANCELLED] = TRUE},
};

static const char *const names[SDAG_JOB_N_STATUSES] = {"queued",
						       "running",
						       "completed",
						       "failed",
						       "cancelled"};

static void
test_transition(gconstpointer data)
{
	guint cell = GPOINTER_TO_UINT(data);
	SdagJobStatus from = cell / SDAG_JOB_N_STATUSES;
	SdagJobStatus to = cell % SDAG_JOB_N_STATUSES;

	g_assert_cmpint(sdag_job_status_can_change(from, to), ==, expected[from][to]);
	/* a terminal status never changes */
	if (sdag_job_status_is_terminal(from))
		g_assert_false(sdag_job_status_can_change(from, to));
}

static void
test_status(gconstpointer data)
{
	SdagJobStatus status = GPOINTER_TO_UINT(data);
	SdagJobStatus back = SDAG_JOB_N_STATUSES;

	g_assert_cmpstr(sdag_job_status_to_string(status), ==, names[status]);
	g_assert_true(sdag_job_status_from_string(names[status], &back));
	g_assert_cmpint(back, ==, status);
	g_assert_cmpint(sdag_job_status_is_terminal(status),
			==,
			status != SDAG_JOB_QUEUED && status != SDAG_JOB_RUNNING);
}

static void
test_unknown(gconstpointer data)
{
	SdagJobStatus status = SDAG_JOB_RUNNING;

	g_assert_false(sdag_job_status_from_string(data, &status));
	/* untouched on failure */
	g_assert_cmpint(status, ==, SDAG_JOB_RUNNING);
}

static void
test_out_of_range(void)
{
	g_assert_false(sdag_job_status_can_change(SDAG_JOB_N_STATUSES, SDAG_JOB_QUEUED));
	g_assert_false(sdag_job_status_can_change(SDAG_JOB_QUEUED, SDAG_JOB_N_STATUSES));
	g_assert_false(sdag_job_status_can_change((SdagJobStatus)-1, SDAG_JOB_RUNNING));
}

int
main(int argc, char **argv)
{
	static const char *const unknown[] = {"", "QUEUED", "done", "queued "};

	g_test_init(&argc, &argv, NULL);
	for (guint from = 0; from < SDAG_JOB_N_STATUSES; from++) {
		for (guint to = 0; to < SDAG_JOB_N_STATUSES; to++) {
			g_autofree char *path = g_strdup_printf(
			    "/sdag/jobstate/transition/%s-to-%s", names[from], names[to]);
			g_test_add_data_func(path,
					     GUINT_TO_POINTER(from * SDAG_JOB_N_STATUSES + to),
					     test_transition);
		}
	}
	for (guint s = 0; s < SDAG_JOB_N_STATUSES; s++) {
		g_autofree char *path = g_strdup_printf("/sdag/jobstate/status/%s", names[s]);
		g_test_add_data_func(path, GUINT_TO_POINTER(s), test_status);
	}
	for (guint i = 0; i < G_N_ELEMENTS(unknown); i++) {
		g_autofree char *path = g_strdup_printf("/sdag/jobstate/unknown/%u", i);
		g_test_add_data_func(path, unknown[i], test_unknown);
	}
	g_test_add_func("/sdag/jobstate/out-of-range", test_out_of_range);
	return g_test_run();
}
