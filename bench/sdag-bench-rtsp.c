/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The live benchmarks' RTSP server and reference consumer.
 *
 *   sdag-bench-rtsp serve --mounts N --width W --height H --fps F [--clip FILE]
 *                         [--stamp-log FILE]
 *     serves /s0 … /s(N-1) on a free loopback port and prints "port P".
 *     Generated H.264 (x264enc, zerolatency), or with --clip an H.264 MP4
 *     streamed at its own pace (no encoding cost on the box). With
 *     --stamp-log, each generated frame gets its 16-bit sequence number
 *     painted into its top 16 rows (16 luma blocks, white = 1) as it enters
 *     the encoder, and "seq wall_us" is logged: the frame's send time.
 *
 *   sdag-bench-rtsp play --seconds S [--latency MS] [--stamp-log FILE] URL…
 *     the reference: rtspsrc ! decodebin ! appsink per URL, the plain
 *     decoding pipeline. Prints "URL frames fps" per URL over the last
 *     S - 3 seconds; with --stamp-log, logs "seq wall_us" of every frame
 *     decoded (from the first URL).
 */
#include <gst/app/gstappsink.h>
#include <gst/rtsp-server/rtsp-server.h>
#include <gst/video/video.h>
#include <stdio.h>
#include <string.h>

#include "sdag-bench-stamp.h"

static FILE *stamp_log;
static guint seq;

static void
stamp_handoff_cb(GstElement *identity, GstBuffer *buf, gpointer user_data)
{
	GstVideoInfo *info = user_data;
	GstVideoFrame frame;

	if (!gst_video_frame_map(&frame, info, buf, GST_MAP_WRITE))
		return;
	sdag_bench_stamp_paint(GST_VIDEO_FRAME_PLANE_DATA(&frame, 0),
			       GST_VIDEO_FRAME_PLANE_STRIDE(&frame, 0),
			       GST_VIDEO_FRAME_WIDTH(&frame),
			       seq & 0xffff);
	gst_video_frame_unmap(&frame);
	fprintf(stamp_log, "%u %" G_GINT64_FORMAT "\n", seq & 0xffff, g_get_real_time());
	fflush(stamp_log);
	seq++;
}

static void
media_configure_cb(GstRTSPMediaFactory *factory, GstRTSPMedia *media, gpointer user_data)
{
	g_autoptr(GstElement) bin = gst_rtsp_media_get_element(media);
	g_autoptr(GstElement) stamp = gst_bin_get_by_name(GST_BIN(bin), "stamp");
	GstVideoInfo *info = user_data;

	if (stamp != NULL)
		g_signal_connect(stamp, "handoff", G_CALLBACK(stamp_handoff_cb), info);
}

static int
serve(guint mounts, guint width, guint height, guint fps, const char *clip, const char *log)
{
	g_autoptr(GstRTSPServer) server = gst_rtsp_server_new();
	g_autoptr(GstRTSPMountPoints) points = gst_rtsp_server_get_mount_points(server);
	g_autoptr(GMainLoop) loop = g_main_loop_new(NULL, FALSE);
	GstVideoInfo *info = g_new0(GstVideoInfo, 1);

	gst_video_info_set_format(info, GST_VIDEO_FORMAT_I420, width, height);
	if (log != NULL)
		stamp_log = fopen(log, "w");
	gst_rtsp_server_set_address(server, "127.0.0.1");
	gst_rtsp_server_set_service(server, "0");
	for (guint i = 0; i < mounts; i++) {
		GstRTSPMediaFactory *factory = gst_rtsp_media_factory_new();
		g_autofree char *path = g_strdup_printf("/s%u", i);
		g_autofree char *launch = NULL;

		if (clip != NULL)
			launch = g_strdup_printf("( filesrc location=%s ! qtdemux ! h264parse ! "
						 "rtph264pay name=pay0 pt=96 config-interval=1 )",
						 clip);
		else
			launch = g_strdup_printf(
			    "( videotestsrc is-live=true pattern=smpte horizontal-speed=4 ! "
			    "video/x-raw,format=I420,width=%u,height=%u,framerate=%u/1 ! "
			    "identity name=stamp signal-handoffs=%s ! "
			    "x264enc tune=zerolatency speed-preset=ultrafast key-int-max=%u ! "
			    "rtph264pay name=pay0 pt=96 config-interval=1 )",
			    width,
			    height,
			    fps,
			    stamp_log != NULL ? "true" : "false",
			    fps);
		gst_rtsp_media_factory_set_launch(factory, launch);
		gst_rtsp_media_factory_set_shared(factory, TRUE);
		g_signal_connect(factory, "media-configure", G_CALLBACK(media_configure_cb), info);
		gst_rtsp_mount_points_add_factory(points, path, factory);
	}
	if (gst_rtsp_server_attach(server, NULL) == 0)
		return 1;
	printf("port %d\n", gst_rtsp_server_get_bound_port(server));
	fflush(stdout);
	g_main_loop_run(loop);
	return 0;
}

typedef struct {
	const char *url;
	guint64 frames;
	guint64 counted_from; /* frames when the measuring window opened */
	gboolean log;
} Player;

static GstFlowReturn
play_sample_cb(GstAppSink *sink, gpointer user_data)
{
	Player *p = user_data;
	g_autoptr(GstSample) sample = gst_app_sink_pull_sample(sink);
	gint64 now = g_get_real_time();

	if (sample == NULL)
		return GST_FLOW_EOS;
	p->frames++;
	if (p->log && stamp_log != NULL) {
		GstVideoInfo info;
		GstVideoFrame frame;

		if (gst_video_info_from_caps(&info, gst_sample_get_caps(sample)) &&
		    gst_video_frame_map(
			&frame, &info, gst_sample_get_buffer(sample), GST_MAP_READ)) {
			guint s = sdag_bench_stamp_read(GST_VIDEO_FRAME_PLANE_DATA(&frame, 0),
							GST_VIDEO_FRAME_PLANE_STRIDE(&frame, 0),
							GST_VIDEO_FRAME_WIDTH(&frame));
			gst_video_frame_unmap(&frame);
			fprintf(stamp_log, "%u %" G_GINT64_FORMAT "\n", s, now);
		}
	}
	return GST_FLOW_OK;
}

static gboolean
quit_cb(gpointer loop)
{
	g_main_loop_quit(loop);
	return G_SOURCE_REMOVE;
}

static gboolean
window_cb(gpointer user_data)
{
	GPtrArray *players = user_data;
	for (guint i = 0; i < players->len; i++) {
		Player *p = g_ptr_array_index(players, i);
		p->counted_from = p->frames;
	}
	return G_SOURCE_REMOVE;
}

static int
play(guint seconds, guint latency, const char *log, char **urls)
{
	g_autoptr(GMainLoop) loop = g_main_loop_new(NULL, FALSE);
	g_autoptr(GPtrArray) players = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GPtrArray) pipelines = g_ptr_array_new_with_free_func(gst_object_unref);
	GstAppSinkCallbacks callbacks = {.new_sample = play_sample_cb};

	if (log != NULL)
		stamp_log = fopen(log, "w");
	for (guint i = 0; urls[i] != NULL; i++) {
		g_autoptr(GError) error = NULL;
		g_autofree char *desc = g_strdup_printf(
		    "rtspsrc location=%s latency=%u protocols=tcp ! decodebin ! appsink name=out "
		    "sync=false",
		    urls[i],
		    latency);
		GstElement *pipeline = gst_parse_launch(desc, &error);
		g_autoptr(GstElement) sink = NULL;
		Player *p = g_new0(Player, 1);

		if (pipeline == NULL) {
			g_printerr("%s\n", error->message);
			return 1;
		}
		p->url = urls[i];
		p->log = i == 0;
		sink = gst_bin_get_by_name(GST_BIN(pipeline), "out");
		gst_app_sink_set_callbacks(GST_APP_SINK(sink), &callbacks, p, NULL);
		g_ptr_array_add(players, p);
		g_ptr_array_add(pipelines, pipeline);
		gst_element_set_state(pipeline, GST_STATE_PLAYING);
	}
	g_timeout_add_seconds(3, window_cb, players);
	g_timeout_add_seconds(seconds, quit_cb, loop);
	g_main_loop_run(loop);
	for (guint i = 0; i < players->len; i++) {
		Player *p = g_ptr_array_index(players, i);
		printf("%s %" G_GUINT64_FORMAT " %.2f\n",
		       p->url,
		       p->frames,
		       (double)(p->frames - p->counted_from) / (seconds - 3));
		gst_element_set_state(g_ptr_array_index(pipelines, i), GST_STATE_NULL);
	}
	if (stamp_log != NULL)
		fclose(stamp_log);
	return 0;
}

int
main(int argc, char **argv)
{
	gint mounts = 1, width = 1280, height = 720, fps = 15, seconds = 10, latency = 200;
	g_autofree char *clip = NULL;
	g_autofree char *log = NULL;
	g_auto(GStrv) rest = NULL;
	GOptionEntry entries[] = {
	    {"mounts", 0, 0, G_OPTION_ARG_INT, &mounts, "streams to serve", "N"},
	    {"width", 0, 0, G_OPTION_ARG_INT, &width, "frame width", "W"},
	    {"height", 0, 0, G_OPTION_ARG_INT, &height, "frame height", "H"},
	    {"fps", 0, 0, G_OPTION_ARG_INT, &fps, "frame rate", "F"},
	    {"clip", 0, 0, G_OPTION_ARG_FILENAME, &clip, "H.264 MP4 to stream", "FILE"},
	    {"stamp-log", 0, 0, G_OPTION_ARG_FILENAME, &log, "stamp and log frames", "FILE"},
	    {"seconds", 0, 0, G_OPTION_ARG_INT, &seconds, "how long to play", "S"},
	    {"latency", 0, 0, G_OPTION_ARG_INT, &latency, "rtspsrc latency", "MS"},
	    {G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_STRING_ARRAY, &rest, NULL, NULL},
	    {NULL},
	};
	g_autoptr(GOptionContext) ctx = g_option_context_new("serve|play [URL…]");
	g_autoptr(GError) error = NULL;

	g_option_context_add_main_entries(ctx, entries, NULL);
	g_option_context_add_group(ctx, gst_init_get_option_group());
	if (!g_option_context_parse(ctx, &argc, &argv, &error) || rest == NULL) {
		g_printerr("%s\n", error != NULL ? error->message : "serve or play?");
		return 2;
	}
	if (g_strcmp0(rest[0], "serve") == 0)
		return serve((guint)mounts, (guint)width, (guint)height, (guint)fps, clip, log);
	if (g_strcmp0(rest[0], "play") == 0 && rest[1] != NULL)
		return play((guint)seconds, (guint)latency, log, rest + 1);
	g_printerr("serve or play URL…\n");
	return 2;
}
