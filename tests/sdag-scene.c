/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "sdag-scene.h"

#include <gst/app/gstappsrc.h>
#include <gst/gst.h>
#include <math.h>
#include <string.h>

#define SCENE_EPISODE 240
#define SCENE_FPS 30

static guint32
scene_hash(guint32 x)
{
	x ^= x >> 16;
	x *= 0x7feb352dU;
	x ^= x >> 15;
	x *= 0x846ca68bU;
	x ^= x >> 16;
	return x;
}

/* Uniform in [-1, 1], from the seed and a salt. */
static double
scene_jitter(guint32 seed, guint32 salt)
{
	return (scene_hash(seed * 0x9e3779b9U + salt) / 4294967295.0) * 2.0 - 1.0;
}

static void
scene_add(SdagScene *s,
	  guint start,
	  double x0,
	  double y0,
	  double vx,
	  double vy,
	  double w,
	  double h,
	  guint8 luma,
	  gint depth)
{
	SdagSceneObject o = {.id = s->objects->len + 1,
			     .start = start,
			     .x0 = x0,
			     .y0 = y0,
			     .vx = vx,
			     .vy = vy,
			     .w = w,
			     .h = h,
			     .luma = luma,
			     .depth = depth};
	g_array_append_val(s->objects, o);
}

SdagScene *
sdag_scene_new_standard(guint width, guint height, guint n_frames, guint32 seed)
{
	SdagScene *s = g_new0(SdagScene, 1);
	const double W = width, H = height;

	s->width = width;
	s->height = height;
	s->n_frames = n_frames;
	s->seed = seed;
	s->noise = 6;
	s->objects = g_array_new(FALSE, FALSE, sizeof(SdagSceneObject));
	for (guint e = 0; e * SCENE_EPISODE < n_frames; e++) {
		guint t0 = e * SCENE_EPISODE;
		guint32 k = seed + e * 101;
		double sp = 1.0 + 0.1 * scene_jitter(k, 1);
		double dy = 0.03 * H * scene_jitter(k, 2);

		/* two that meet in the left half, the darker one in front */
		scene_add(
		    s, t0, -0.06 * W, 0.45 * H + dy, sp * W / 150, 0, 0.06 * W, 0.22 * H, 200, 1);
		scene_add(s, t0, W, 0.42 * H - dy, -sp * W / 100, 0, 0.07 * W, 0.24 * H, 40, 2);
		/* downwards on the left, across the second one's way */
		scene_add(
		    s, t0 + 30, 0.2 * W, -0.12 * H, 0, sp * H / 90, 0.08 * W, 0.12 * H, 170, 3);
		/* upwards on the right */
		scene_add(s, t0 + 60, 0.75 * W, H, 0, -H / 110 / sp, 0.05 * W, 0.18 * H, 60, 0);
		/* slow, along the top */
		scene_add(
		    s, t0 + 20, -0.1 * W, 0.1 * H + dy / 3, W / 250, 0.0, 0.1 * W, 0.1 * H, 30, 0);
		/* fast, along the bottom */
		scene_add(s, t0 + 120, W, 0.75 * H, -sp * W / 60, 0, 0.09 * W, 0.15 * H, 220, 4);
	}

	s->background = g_malloc((gsize)width * height);
	for (guint y = 0; y < height; y++) {
		for (guint x = 0; x < width; x++) {
			double v = 110 + 25 * sin(x * 0.07 + seed) * cos(y * 0.05) +
				   (double)(scene_hash(seed ^ (y * 7919 + x * 104729)) % 21) - 10;
			s->background[(gsize)y * width + x] = (guint8)CLAMP(v, 0, 255);
		}
	}
	return s;
}

void
sdag_scene_free(SdagScene *scene)
{
	g_array_unref(scene->objects);
	g_free(scene->background);
	g_free(scene);
}

/* The object's rectangle at @frame, not clipped; FALSE when it does not exist then. */
static gboolean
scene_rect(const SdagSceneObject *o, guint frame, double *x, double *y)
{
	if (frame < o->start)
		return FALSE;
	*x = o->x0 + o->vx * (frame - o->start);
	*y = o->y0 + o->vy * (frame - o->start);
	return TRUE;
}

static gint
scene_cmp_depth_cb(gconstpointer a, gconstpointer b)
{
	const SdagSceneObject *x = *(SdagSceneObject *const *)a, *y = *(SdagSceneObject *const *)b;
	if (x->depth != y->depth)
		return x->depth - y->depth;
	return (gint)x->id - (gint)y->id;
}

void
sdag_scene_render_i420(const SdagScene *scene, guint frame, guint8 *buf)
{
	const guint W = scene->width, H = scene->height;
	guint8 *Y = buf, *U = buf + (gsize)W * H, *V = U + (gsize)(W / 2) * (H / 2);
	guint32 rng = scene_hash(scene->seed * 31 + frame * 2654435761U) | 1;
	g_autoptr(GPtrArray) order = g_ptr_array_new();
	const guint span = 2 * scene->noise + 1;

	for (guint i = 0; i < (gsize)W * H; i++) {
		gint v = scene->background[i];
		rng ^= rng << 13;
		rng ^= rng >> 17;
		rng ^= rng << 5;
		v += (gint)(rng % span) - (gint)scene->noise;
		Y[i] = (guint8)CLAMP(v, 0, 255);
	}
	memset(U, 128, (gsize)(W / 2) * (H / 2));
	memset(V, 128, (gsize)(W / 2) * (H / 2));

	for (guint i = 0; i < scene->objects->len; i++)
		g_ptr_array_add(order, &g_array_index(scene->objects, SdagSceneObject, i));
	g_ptr_array_sort(order, scene_cmp_depth_cb);
	for (guint i = 0; i < order->len; i++) {
		const SdagSceneObject *o = g_ptr_array_index(order, i);
		double ox, oy;
		gint x0, y0, x1, y1;

		if (!scene_rect(o, frame, &ox, &oy))
			continue;
		x0 = MAX(0, (gint)lround(ox));
		y0 = MAX(0, (gint)lround(oy));
		x1 = MIN((gint)W, (gint)lround(ox + o->w));
		y1 = MIN((gint)H, (gint)lround(oy + o->h));
		for (gint y = y0; y < y1; y++) {
			for (gint x = x0; x < x1; x++) {
				/* a checker that moves with the object */
				gint cx = (gint)floor((x - ox) / 6), cy = (gint)floor((y - oy) / 6);
				gint v = o->luma + (((cx + cy) & 1) ? 12 : -12);
				rng ^= rng << 13;
				rng ^= rng >> 17;
				rng ^= rng << 5;
				v += (gint)(rng % span) - (gint)scene->noise;
				Y[(gsize)y * W + x] = (guint8)CLAMP(v, 0, 255);
			}
		}
		for (gint y = y0 / 2; y < y1 / 2; y++) {
			for (gint x = x0 / 2; x < x1 / 2; x++) {
				U[(gsize)y * (W / 2) + x] =
				    (guint8)(128 + (gint)(o->id * 37 % 60) - 30);
				V[(gsize)y * (W / 2) + x] =
				    (guint8)(128 + (gint)(o->id * 53 % 60) - 30);
			}
		}
	}
}

GArray *
sdag_scene_truth(const SdagScene *scene, guint frame)
{
	GArray *out = g_array_new(FALSE, FALSE, sizeof(SdagSceneBox));

	for (guint i = 0; i < scene->objects->len; i++) {
		const SdagSceneObject *o = &g_array_index(scene->objects, SdagSceneObject, i);
		double ox, oy, x0, y0, x1, y1;
		SdagSceneBox b = {.id = o->id};

		if (!scene_rect(o, frame, &ox, &oy))
			continue;
		/* the same pixel rounding as the renderer */
		x0 = MAX(0.0, (double)lround(ox));
		y0 = MAX(0.0, (double)lround(oy));
		x1 = MIN((double)scene->width, (double)lround(ox + o->w));
		y1 = MIN((double)scene->height, (double)lround(oy + o->h));
		if (x1 <= x0 || y1 <= y0 || (x1 - x0) * (y1 - y0) < 0.3 * o->w * o->h)
			continue;
		b.x = x0;
		b.y = y0;
		b.w = x1 - x0;
		b.h = y1 - y0;
		g_array_append_val(out, b);
	}
	return out;
}

JsonNode *
sdag_scene_truth_to_json(const SdagScene *scene)
{
	g_autoptr(JsonBuilder) b = json_builder_new();

	json_builder_begin_object(b);
	json_builder_set_member_name(b, "width");
	json_builder_add_int_value(b, scene->width);
	json_builder_set_member_name(b, "height");
	json_builder_add_int_value(b, scene->height);
	json_builder_set_member_name(b, "frames");
	json_builder_add_int_value(b, scene->n_frames);
	json_builder_set_member_name(b, "fps");
	json_builder_add_int_value(b, SCENE_FPS);
	json_builder_set_member_name(b, "seed");
	json_builder_add_int_value(b, scene->seed);
	json_builder_set_member_name(b, "truth");
	json_builder_begin_array(b);
	for (guint f = 0; f < scene->n_frames; f++) {
		g_autoptr(GArray) boxes = sdag_scene_truth(scene, f);

		json_builder_begin_object(b);
		json_builder_set_member_name(b, "frame_id");
		json_builder_add_int_value(b, f);
		json_builder_set_member_name(b, "objects");
		json_builder_begin_array(b);
		for (guint i = 0; i < boxes->len; i++) {
			const SdagSceneBox *bx = &g_array_index(boxes, SdagSceneBox, i);
			json_builder_begin_object(b);
			json_builder_set_member_name(b, "id");
			json_builder_add_int_value(b, bx->id);
			json_builder_set_member_name(b, "box");
			json_builder_begin_array(b);
			json_builder_add_double_value(b, bx->x);
			json_builder_add_double_value(b, bx->y);
			json_builder_add_double_value(b, bx->w);
			json_builder_add_double_value(b, bx->h);
			json_builder_end_array(b);
			json_builder_end_object(b);
		}
		json_builder_end_array(b);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
	json_builder_end_object(b);
	return json_builder_get_root(b);
}

gboolean
sdag_scene_write_clip(const SdagScene *scene, const char *path, GError **error)
{
	g_autofree char *launch =
	    g_strdup_printf("appsrc name=src format=time block=true ! "
			    "video/x-raw,format=I420,width=%u,height=%u,framerate=%d/1 ! "
			    "x264enc speed-preset=ultrafast bitrate=%u ! mp4mux ! "
			    "filesink location=\"%s\"",
			    scene->width,
			    scene->height,
			    SCENE_FPS,
			    /* kbit/s, as a camera would send: 4 Mbit/s at 720p30 */
			    CLAMP(scene->width * scene->height / 230, 300u, 16000u),
			    path);
	g_autoptr(GstElement) pipeline = gst_parse_launch(launch, error);
	g_autoptr(GstElement) src = NULL;
	g_autoptr(GstBus) bus = NULL;
	g_autoptr(GstMessage) msg = NULL;
	gsize size = (gsize)scene->width * scene->height * 3 / 2;

	if (pipeline == NULL)
		return FALSE;
	src = gst_bin_get_by_name(GST_BIN(pipeline), "src");
	gst_element_set_state(pipeline, GST_STATE_PLAYING);
	for (guint f = 0; f < scene->n_frames; f++) {
		GstBuffer *buf = gst_buffer_new_allocate(NULL, size, NULL);
		GstMapInfo map;

		gst_buffer_map(buf, &map, GST_MAP_WRITE);
		sdag_scene_render_i420(scene, f, map.data);
		gst_buffer_unmap(buf, &map);
		GST_BUFFER_PTS(buf) = gst_util_uint64_scale(f, GST_SECOND, SCENE_FPS);
		GST_BUFFER_DURATION(buf) = gst_util_uint64_scale(1, GST_SECOND, SCENE_FPS);
		if (gst_app_src_push_buffer(GST_APP_SRC(src), buf) != GST_FLOW_OK)
			break;
	}
	gst_app_src_end_of_stream(GST_APP_SRC(src));
	bus = gst_element_get_bus(pipeline);
	msg = gst_bus_timed_pop_filtered(
	    bus, GST_CLOCK_TIME_NONE, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
	gst_element_set_state(pipeline, GST_STATE_NULL);
	if (GST_MESSAGE_TYPE(msg) == GST_MESSAGE_ERROR) {
		g_autoptr(GError) gerr = NULL;
		gst_message_parse_error(msg, &gerr, NULL);
		g_set_error(
		    error, G_IO_ERROR, G_IO_ERROR_FAILED, "encoding %s: %s", path, gerr->message);
		return FALSE;
	}
	return TRUE;
}
