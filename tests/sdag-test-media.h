/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Real images for tests, made with GStreamer: a frame decoded from a file,
 * encoded to JPEG or PNG, an encoded image decoded back, and a mapped frame
 * seen as the SdagFrame the nodes read.
 */
#pragma once

#include <gst/gst.h>
#include <gst/video/video.h>

#include "sdag-node.h"

G_BEGIN_DECLS

/* Frame @index (from 0) of the video file @path, in raw @format ("I420", "GRAY8", ...). */
GstSample *sdag_test_media_decode_frame(const char *path, guint index, const char *format);
/* One frame of videotestsrc @pattern, @width x @height, in @format. */
GstSample *
sdag_test_media_pattern(const char *pattern, guint width, guint height, const char *format);
/* The sample encoded as @mime ("image/jpeg", "image/png"). */
GBytes *sdag_test_media_encode(GstSample *sample, const char *mime);
/* An encoded image decoded to raw @format; NULL when it does not decode. */
GstSample *sdag_test_media_decode_image(GBytes *data, const char *format);

/* A sample mapped for reading, as the nodes see a frame. */
typedef struct {
	GstVideoFrame vframe;
	SdagFrame frame;
} SdagTestFrame;

SdagTestFrame *sdag_test_frame_map(GstSample *sample, guint64 frame_id);
void sdag_test_frame_unmap(SdagTestFrame *f);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(SdagTestFrame, sdag_test_frame_unmap)

G_END_DECLS
