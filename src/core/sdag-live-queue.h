/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define SDAG_LIVE_QUEUE_DEFAULT_FRAMES 16
#define SDAG_LIVE_QUEUE_DEFAULT_US (300 * G_TIME_SPAN_MILLISECOND)

/* The policy of a live job's hand-over queue, between the source's decoder and the DAG, and
 * what it counts. No clock, no lock: the caller holds the live job's lock. */
typedef struct {
	guint max_frames;   /* a new frame is dropped when this many already wait */
	gint64 max_wait_us; /* a frame that waited longer is dropped as the DAG takes it */
	guint64 frames_in;
	guint64 dropped;	/* full and late */
	guint64 dropped_full;	/* the DAG is far behind */
	guint64 dropped_late;	/* waited over max_wait_us */
	gint64 longest_wait_us; /* of a frame analysed */
	guint most_waiting;
} SdagLiveQueue;

void sdag_live_queue_init(SdagLiveQueue *self, guint max_frames, gint64 max_wait_us);
gboolean sdag_live_queue_offer(SdagLiveQueue *self, guint64 waiting);
gboolean sdag_live_queue_take(SdagLiveQueue *self, gint64 waited_us);

G_END_DECLS
