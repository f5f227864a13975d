/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "sdag-test-media.h"

#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>

/* Runs @launch (with an appsink named "sink") to its @index-th sample. */
static GstSample *
sdag_test_media_pull(const char *launch, guint index, GBytes *feed)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GstElement) pipeline = gst_parse_launch(launch, &error);
	g_autoptr(GstElement) sink = NULL;
	GstSample *sample = NULL;

	g_assert_no_error(error);
	sink = gst_bin_get_by_name(GST_BIN(pipeline), "sink");
	g_assert_nonnull(sink);
	if (feed != NULL) {
		g_autoptr(GstElement) src = gst_bin_get_by_name(GST_BIN(pipeline), "src");
		g_assert_nonnull(src);
		gst_app_src_push_buffer(GST_APP_SRC(src), gst_buffer_new_wrapped_bytes(feed));
		gst_app_src_end_of_stream(GST_APP_SRC(src));
	}
	gst_element_set_state(pipeline, GST_STATE_PLAYING);
	for (guint i = 0; i <= index; i++) {
		g_clear_pointer(&sample, gst_sample_unref);
		sample = gst_app_sink_try_pull_sample(GST_APP_SINK(sink), 30 * GST_SECOND);
		if (sample == NULL)
			break;
	}
	gst_element_set_state(pipeline, GST_STATE_NULL);
	return sample;
}

GstSample *
sdag_test_media_decode_frame(const char *path, guint index, const char *format)
{
	g_autofree char *launch =
	    g_strdup_printf("filesrc location=\"%s\" ! decodebin ! videoconvert ! "
			    "video/x-raw,format=%s ! appsink name=sink sync=false",
			    path,
			    format);
	GstSample *sample = sdag_test_media_pull(launch, index, NULL);

	g_assert_nonnull(sample);
	return sample;
}

GstSample *
sdag_test_media_pattern(const char *pattern, guint width, guint height, const char *format)
{
	g_autofree char *launch = g_strdup_printf(
	    "videotestsrc pattern=%s num-buffers=1 ! "
	    "video/x-raw,format=%s,width=%u,height=%u ! appsink name=sink sync=false",
	    pattern,
	    format,
	    width,
	    height);
	GstSample *sample = sdag_test_media_pull(launch, 0, NULL);

	g_assert_nonnull(sample);
	return sample;
}

GBytes *
sdag_test_media_encode(GstSample *sample, const char *mime)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GstCaps) caps = gst_caps_new_empty_simple(mime);
	g_autoptr(GstSample) out = gst_video_convert_sample(sample, caps, 30 * GST_SECOND, &error);
	GstMapInfo map;
	GBytes *bytes;

	g_assert_no_error(error);
	g_assert_nonnull(out);
	g_assert_true(gst_buffer_map(gst_sample_get_buffer(out), &map, GST_MAP_READ));
	bytes = g_bytes_new(map.data, map.size);
	gst_buffer_unmap(gst_sample_get_buffer(out), &map);
	return bytes;
}

GstSample *
sdag_test_media_decode_image(GBytes *data, const char *format)
{
	g_autofree char *launch =
	    g_strdup_printf("appsrc name=src ! decodebin ! videoconvert ! video/x-raw,format=%s ! "
			    "appsink name=sink sync=false",
			    format);

	return sdag_test_media_pull(launch, 0, data);
}

SdagTestFrame *
sdag_test_frame_map(GstSample *sample, guint64 frame_id)
{
	SdagTestFrame *f = g_new0(SdagTestFrame, 1);
	GstVideoInfo info;
	GstVideoFormat fmt;

	g_assert_true(gst_video_info_from_caps(&info, gst_sample_get_caps(sample)));
	g_assert_true(
	    gst_video_frame_map(&f->vframe, &info, gst_sample_get_buffer(sample), GST_MAP_READ));
	fmt = GST_VIDEO_FRAME_FORMAT(&f->vframe);
	f->frame.width = GST_VIDEO_FRAME_WIDTH(&f->vframe);
	f->frame.height = GST_VIDEO_FRAME_HEIGHT(&f->vframe);
	f->frame.format = fmt == GST_VIDEO_FORMAT_I420	 ? SDAG_FRAME_FORMAT_I420
			  : fmt == GST_VIDEO_FORMAT_NV12 ? SDAG_FRAME_FORMAT_NV12
			  : fmt == GST_VIDEO_FORMAT_RGB	 ? SDAG_FRAME_FORMAT_RGB
			  : fmt == GST_VIDEO_FORMAT_BGR	 ? SDAG_FRAME_FORMAT_BGR
							 : SDAG_FRAME_FORMAT_GRAY8;
	for (guint p = 0; p < GST_VIDEO_FRAME_N_PLANES(&f->vframe); p++) {
		f->frame.planes[p] = GST_VIDEO_FRAME_PLANE_DATA(&f->vframe, p);
		f->frame.strides[p] = GST_VIDEO_FRAME_PLANE_STRIDE(&f->vframe, p);
	}
	f->frame.frame_id = frame_id;
	f->frame.pts_ns = -1;
	return f;
}

void
sdag_test_frame_unmap(SdagTestFrame *f)
{
	if (f == NULL)
		return;
	gst_video_frame_unmap(&f->vframe);
	g_free(f);
}
