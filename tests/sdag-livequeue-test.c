/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "sdag-live-queue.h"

/* The live hand-over queue's policy, without a pipeline: one row per behaviour. */

typedef struct {
	char kind;     /* 'o': a decoded frame offered with this many waiting; 't': taken */
	gint64 value;  /* frames waiting, or microseconds waited */
	gboolean keep; /* the expected answer */
} QueueStep;

typedef struct {
	const char *path;
	guint max_frames;
	gint64 max_wait_us;
	guint want_max_frames;
	gint64 want_max_wait_us;
	QueueStep steps[6];
	guint n_steps;
	guint64 frames_in;
	guint64 dropped_full;
	guint64 dropped_late;
	gint64 longest_wait_us;
	guint most_waiting;
} QueueRow;

static const QueueRow rows[] = {
    {"/sdag/livequeue/defaults", 0, 0, 16, 300000, {{0}}, 0, 0, 0, 0, 0, 0},
    {"/sdag/livequeue/negative-wait-is-default", 4, -1, 4, 300000, {{0}}, 0, 0, 0, 0, 0, 0},
    {"/sdag/livequeue/configured", 2, 50000, 2, 50000, {{0}}, 0, 0, 0, 0, 0, 0},
    {"/sdag/livequeue/offer-empty", 16, 0, 16, 300000, {{'o', 0, TRUE}}, 1, 1, 0, 0, 0, 0},
    {"/sdag/livequeue/offer-below-bound", 16, 0, 16, 300000, {{'o', 15, TRUE}}, 1, 1, 0, 0, 0, 15},
    {"/sdag/livequeue/offer-at-bound", 16, 0, 16, 300000, {{'o', 16, FALSE}}, 1, 1, 1, 0, 0, 16},
    {"/sdag/livequeue/offer-over-bound", 2, 0, 2, 300000, {{'o', 40, FALSE}}, 1, 1, 1, 0, 0, 40},
    {"/sdag/livequeue/take-fresh", 0, 0, 16, 300000, {{'t', 0, TRUE}}, 1, 0, 0, 0, 0, 0},
    {"/sdag/livequeue/take-at-bound",
     0,
     0,
     16,
     300000,
     {{'t', 300000, TRUE}},
     1,
     0,
     0,
     0,
     300000,
     0},
    {"/sdag/livequeue/take-late", 0, 0, 16, 300000, {{'t', 300001, FALSE}}, 1, 0, 0, 1, 0, 0},
    {"/sdag/livequeue/counts",
     3,
     1000,
     3,
     1000,
     {{'o', 1, TRUE}, {'o', 3, FALSE}, {'o', 2, TRUE}, {'t', 10, TRUE}, {'t', 1001, FALSE}},
     5,
     3,
     1,
     1,
     10,
     3},
};

static void
test_row(gconstpointer data)
{
	const QueueRow *row = data;
	SdagLiveQueue q;

	sdag_live_queue_init(&q, row->max_frames, row->max_wait_us);
	g_assert_cmpuint(q.max_frames, ==, row->want_max_frames);
	g_assert_cmpint(q.max_wait_us, ==, row->want_max_wait_us);
	for (guint i = 0; i < row->n_steps; i++) {
		const QueueStep *s = &row->steps[i];
		gboolean keep = s->kind == 'o' ? sdag_live_queue_offer(&q, (guint64)s->value)
					       : sdag_live_queue_take(&q, s->value);
		g_assert_cmpint(keep, ==, s->keep);
	}
	g_assert_cmpuint(q.frames_in, ==, row->frames_in);
	g_assert_cmpuint(q.dropped_full, ==, row->dropped_full);
	g_assert_cmpuint(q.dropped_late, ==, row->dropped_late);
	g_assert_cmpuint(q.dropped, ==, row->dropped_full + row->dropped_late);
	g_assert_cmpint(q.longest_wait_us, ==, row->longest_wait_us);
	g_assert_cmpuint(q.most_waiting, ==, row->most_waiting);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	for (guint i = 0; i < G_N_ELEMENTS(rows); i++)
		g_test_add_data_func(rows[i].path, &rows[i], test_row);
	return g_test_run();
}
