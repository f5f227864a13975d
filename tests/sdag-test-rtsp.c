/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "sdag-test-rtsp.h"

/* Starts the camera (again, on its port when it had one). */
void
sdag_test_rtsp_start(SdagTestRtsp *c)
{
	g_autofree char *service = g_strdup_printf("%u", c->port);
	g_autoptr(GstRTSPMountPoints) mounts = NULL;
	GstRTSPMediaFactory *factory = gst_rtsp_media_factory_new();

	c->server = gst_rtsp_server_new();
	gst_rtsp_server_set_address(c->server, "127.0.0.1");
	gst_rtsp_server_set_service(c->server, service);
	mounts = gst_rtsp_server_get_mount_points(c->server);
	gst_rtsp_media_factory_set_launch(
	    factory,
	    "( videotestsrc is-live=true pattern=ball ! "
	    "video/x-raw,format=I420,width=320,height=240,framerate=15/1 ! "
	    "x264enc tune=zerolatency speed-preset=ultrafast key-int-max=15 ! "
	    "rtph264pay name=pay0 pt=96 config-interval=1 )");
	gst_rtsp_media_factory_set_shared(factory, TRUE);
	gst_rtsp_mount_points_add_factory(mounts, "/cam", factory);
	c->source_id = gst_rtsp_server_attach(c->server, NULL);
	g_assert_cmpuint(c->source_id, >, 0);
	c->port = (guint16)gst_rtsp_server_get_bound_port(c->server);
}

static GstRTSPFilterResult
sdag_test_rtsp_remove_cb(GstRTSPServer *server, GstRTSPClient *client, gpointer user_data)
{
	return GST_RTSP_FILTER_REMOVE;
}

/* The camera goes away: no listener, every client dropped. */
void
sdag_test_rtsp_stop(SdagTestRtsp *c)
{
	g_source_remove(c->source_id);
	c->source_id = 0;
	gst_rtsp_server_client_filter(c->server, sdag_test_rtsp_remove_cb, NULL);
	g_clear_object(&c->server);
}

char *
sdag_test_rtsp_url(SdagTestRtsp *c)
{
	return g_strdup_printf("rtsp://127.0.0.1:%u/cam", c->port);
}
