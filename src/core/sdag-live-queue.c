/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "sdag-live"

#include "sdag-live-queue.h"

/*
 * Why two bounds (sdag-live.c tells the whole story): the time bound keeps
 * analysis close to real time whatever the load, and the frame bound lets a
 * burst through that the DAG has time for while refusing, before any
 * conversion is spent on it, a frame that could only wait too long.
 */

/**
 * sdag_live_queue_init:
 * @max_frames: 0 for the default
 * @max_wait_us: 0 or less for the default
 */
void
sdag_live_queue_init(SdagLiveQueue *self, guint max_frames, gint64 max_wait_us)
{
	*self = (SdagLiveQueue){
	    .max_frames = max_frames != 0 ? max_frames : SDAG_LIVE_QUEUE_DEFAULT_FRAMES,
	    .max_wait_us = max_wait_us > 0 ? max_wait_us : SDAG_LIVE_QUEUE_DEFAULT_US,
	};
}

/**
 * sdag_live_queue_offer:
 * @waiting: how many frames wait for the DAG now
 *
 * A decoded frame arrives.
 *
 * Returns: whether it joins the queue; %FALSE: it is dropped
 */
gboolean
sdag_live_queue_offer(SdagLiveQueue *self, guint64 waiting)
{
	self->frames_in++;
	self->most_waiting = MAX(self->most_waiting, (guint)waiting);
	if (waiting >= self->max_frames) {
		self->dropped++;
		self->dropped_full++;
		return FALSE;
	}
	return TRUE;
}

/**
 * sdag_live_queue_take:
 * @waited_us: how long the frame the DAG takes has waited
 *
 * Returns: whether the DAG analyses it; %FALSE: it is dropped
 */
gboolean
sdag_live_queue_take(SdagLiveQueue *self, gint64 waited_us)
{
	if (waited_us > self->max_wait_us) {
		self->dropped++;
		self->dropped_late++;
		return FALSE;
	}
	self->longest_wait_us = MAX(self->longest_wait_us, waited_us);
	return TRUE;
}
