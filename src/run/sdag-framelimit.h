/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

/* The largest side of an image POST /pipelines/{id}/run decodes; squared, the default of
 * [jobs] max_frame_pixels, the largest frame a job decodes. */
#define SDAG_FRAMELIMIT_MAX_SIDE 8192
#define SDAG_FRAMELIMIT_DEFAULT_PIXELS \
	((guint64)SDAG_FRAMELIMIT_MAX_SIDE * (guint64)SDAG_FRAMELIMIT_MAX_SIDE)

gboolean
sdag_framelimit_caps_exceed(const GstCaps *caps, guint64 max_pixels, gint *width, gint *height);
void sdag_framelimit_watch(GstElement *bin, guint64 max_pixels);

G_END_DECLS
