/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/rtsp-server/rtsp-server.h>

G_BEGIN_DECLS

/* An RTSP camera in the test's process (gst-rtsp-server): a moving ball, 320x240 at 15 fps,
 * H.264, at rtsp://127.0.0.1:PORT/cam; served by the thread-default main context, which the
 * test must run. */
typedef struct {
	GstRTSPServer *server;
	guint source_id;
	guint16 port; /* kept across a stop, so that a restart listens on the same port */
} SdagTestRtsp;

void sdag_test_rtsp_start(SdagTestRtsp *c);
void sdag_test_rtsp_stop(SdagTestRtsp *c);
char *sdag_test_rtsp_url(SdagTestRtsp *c);

G_END_DECLS
