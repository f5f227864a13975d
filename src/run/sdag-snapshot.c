/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "sdag-snapshot"

#include "sdag-snapshot.h"

#include <gst/video/video.h>
#include <string.h>

#include "sdag-error.h"

/*
 * A job's snapshot: the latest image a node put on the pipeline's declared
 * outputs (the snapshot node makes one every N frames), as JPEG.
 *
 * The worker encodes each image as it comes, on the job's streaming thread
 * (so only every Nth frame costs an encode), and
 * writes it, unsynced, over the previous one. It lives in the results family
 * under "<job id>/snapshot.jpg", beside the summary ("<job id>"): it outlives
 * the job and a daemon restart, and goes with DELETE /jobs/{id} or a requeue.
 * GET /jobs/{id}/snapshot.jpg is one point read.
 */

static const struct {
	SdagFrameFormat sdag;
	GstVideoFormat gst;
} sdag_snapshot_formats[] = {
    {SDAG_FRAME_FORMAT_I420, GST_VIDEO_FORMAT_I420},
    {SDAG_FRAME_FORMAT_NV12, GST_VIDEO_FORMAT_NV12},
    {SDAG_FRAME_FORMAT_GRAY8, GST_VIDEO_FORMAT_GRAY8},
    {SDAG_FRAME_FORMAT_RGB, GST_VIDEO_FORMAT_RGB},
    {SDAG_FRAME_FORMAT_BGR, GST_VIDEO_FORMAT_BGR},
};

/* The image copied into a buffer of GStreamer's layout for its format. */
static GstSample *
sdag_snapshot_to_sample(const SdagFrame *image, GError **error)
{
	GstVideoFormat format = GST_VIDEO_FORMAT_UNKNOWN;
	GstVideoInfo info;
	GstVideoFrame vframe;
	g_autoptr(GstBuffer) buf = NULL;
	g_autoptr(GstCaps) caps = NULL;

	for (guint i = 0; i < G_N_ELEMENTS(sdag_snapshot_formats); i++) {
		if (sdag_snapshot_formats[i].sdag == image->format)
			format = sdag_snapshot_formats[i].gst;
	}
	if (format == GST_VIDEO_FORMAT_UNKNOWN || image->width == 0 || image->height == 0 ||
	    image->width > 16384 || image->height > 16384) {
		g_set_error(error,
			    SDAG_ERROR,
			    SDAG_ERROR_PLUGIN,
			    "image of %ux%u in format %d cannot be encoded",
			    image->width,
			    image->height,
			    (int)image->format);
		return NULL;
	}
	gst_video_info_set_format(&info, format, image->width, image->height);
	GST_VIDEO_INFO_FPS_N(&info) = 0;
	GST_VIDEO_INFO_FPS_D(&info) = 1;
	buf = gst_buffer_new_allocate(NULL, GST_VIDEO_INFO_SIZE(&info), NULL);
	if (!gst_video_frame_map(&vframe, &info, buf, GST_MAP_WRITE)) {
		g_set_error_literal(
		    error, SDAG_ERROR, SDAG_ERROR_INTERNAL, "cannot map a buffer for the snapshot");
		return NULL;
	}
	for (guint p = 0; p < GST_VIDEO_FRAME_N_PLANES(&vframe); p++) {
		guint8 *dst = GST_VIDEO_FRAME_PLANE_DATA(&vframe, p);
		gint dst_stride = GST_VIDEO_FRAME_PLANE_STRIDE(&vframe, p);
		guint rows = GST_VIDEO_FRAME_COMP_HEIGHT(&vframe, p);
		gsize row_bytes = (gsize)GST_VIDEO_FRAME_COMP_WIDTH(&vframe, p) *
				  GST_VIDEO_FRAME_COMP_PSTRIDE(&vframe, p);

		/* NV12's second plane holds two components side by side */
		if (format == GST_VIDEO_FORMAT_NV12 && p == 1)
			row_bytes *= 2;
		for (guint r = 0; r < rows; r++)
			memcpy(dst + (gsize)r * dst_stride,
			       image->planes[p] + (gsize)r * image->strides[p],
			       MIN(row_bytes, (gsize)ABS(image->strides[p])));
	}
	gst_video_frame_unmap(&vframe);
	caps = gst_video_info_to_caps(&info);
	return gst_sample_new(buf, caps, NULL, NULL);
}

/**
 * sdag_snapshot_encode_jpeg:
 * @image: a frame in any of the node ABI's formats
 *
 * Encodes with GStreamer's jpegenc (through gst_video_convert_sample()). May
 * block for a few milliseconds: call it off the main loop.
 *
 * Returns: (transfer full) (nullable): the JPEG
 */
GBytes *
sdag_snapshot_encode_jpeg(const SdagFrame *image, GError **error)
{
	g_autoptr(GstSample) sample = sdag_snapshot_to_sample(image, error);
	g_autoptr(GstCaps) caps = NULL;
	g_autoptr(GstSample) jpeg = NULL;
	g_autoptr(GError) error_local = NULL;
	GstBuffer *buf;
	GstMapInfo map;
	GBytes *bytes;

	if (sample == NULL)
		return NULL;
	caps = gst_caps_new_empty_simple("image/jpeg");
	jpeg = gst_video_convert_sample(sample, caps, 10 * GST_SECOND, &error_local);
	if (jpeg == NULL) {
		g_set_error(error,
			    SDAG_ERROR,
			    SDAG_ERROR_INTERNAL,
			    "cannot encode the snapshot as JPEG: %s",
			    error_local != NULL ? error_local->message : "no reason given");
		return NULL;
	}
	buf = gst_sample_get_buffer(jpeg);
	if (buf == NULL || !gst_buffer_map(buf, &map, GST_MAP_READ)) {
		g_set_error_literal(
		    error, SDAG_ERROR, SDAG_ERROR_INTERNAL, "the JPEG encoder gave no buffer");
		return NULL;
	}
	bytes = g_bytes_new(map.data, map.size);
	gst_buffer_unmap(buf, &map);
	return bytes;
}

static char *
sdag_snapshot_key(const char *job_id)
{
	return g_strconcat(job_id, "/snapshot.jpg", NULL);
}

/* Replaces the job's snapshot; unsynced, like the frame rows. */
gboolean
sdag_snapshot_save(SdagStore *store, const char *job_id, GBytes *jpeg, GError **error)
{
	g_autofree char *key = sdag_snapshot_key(job_id);
	gsize len = 0;
	const guint8 *data = g_bytes_get_data(jpeg, &len);

	return sdag_store_put(
	    store, SDAG_STORE_RESULTS, (const guint8 *)key, strlen(key), data, len, FALSE, error);
}

/**
 * sdag_snapshot_load:
 *
 * Returns: (transfer full) (nullable): the job's latest snapshot; NULL with
 *   SDAG_ERROR_SNAPSHOT_NOT_FOUND when it has none
 */
GBytes *
sdag_snapshot_load(SdagStore *store, const char *job_id, GError **error)
{
	g_autofree char *key = sdag_snapshot_key(job_id);
	g_autoptr(GError) error_local = NULL;
	GBytes *jpeg = sdag_store_get(
	    store, SDAG_STORE_RESULTS, (const guint8 *)key, strlen(key), &error_local);

	if (jpeg != NULL)
		return jpeg;
	if (g_error_matches(error_local, SDAG_ERROR, SDAG_ERROR_NOT_FOUND)) {
		g_set_error(error,
			    SDAG_ERROR,
			    SDAG_ERROR_SNAPSHOT_NOT_FOUND,
			    "job '%s' has no snapshot (yet): its pipeline needs a snapshot node "
			    "whose image is one of its outputs",
			    job_id);
		return NULL;
	}
	g_propagate_error(error, g_steal_pointer(&error_local));
	return NULL;
}

void
sdag_snapshot_batch_delete(SdagStoreBatch *batch, const char *job_id)
{
	g_autofree char *key = sdag_snapshot_key(job_id);

	sdag_store_batch_delete(batch, SDAG_STORE_RESULTS, (const guint8 *)key, strlen(key));
}
