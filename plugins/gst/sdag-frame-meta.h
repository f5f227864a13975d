/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

typedef struct _SdagFrameCounter SdagFrameCounter;

SdagFrameCounter *sdag_frame_counter_new(guint run);
void sdag_frame_counter_unref(SdagFrameCounter *self);
guint64 sdag_frame_counter_add(SdagFrameCounter *self, GstClockTime *pts);
guint64 sdag_frame_counter_number(SdagFrameCounter *self, GstClockTime pts);
guint sdag_frame_counter_get_run(SdagFrameCounter *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(SdagFrameCounter, sdag_frame_counter_unref)

/**
 * SdagFrameMeta:
 * @counter: the counter that saw every coded frame of this source, decoded or not
 * @pts: the coded frame's presentation time, as the counter saw it
 * @every: the DAG runs on every frame that reaches it (the skipping side applied the
 *   stride); otherwise on the frames numbered 0, N, 2N... of @counter
 *
 * Put on a coded frame before a decoder that skips frames (src/run/sdag-decode.c), carried
 * to the decoded frame by the decoder, and read by sddag: the frame ids of a job that does
 * not decode every frame stay the source's frame numbers.
 */
typedef struct {
	GstMeta meta;
	SdagFrameCounter *counter;
	GstClockTime pts;
	gboolean every;
} SdagFrameMeta;

void
sdag_frame_meta_add(GstBuffer *buffer, SdagFrameCounter *counter, GstClockTime pts, gboolean every);
SdagFrameMeta *sdag_frame_meta_get(GstBuffer *buffer);

G_END_DECLS
