/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * snapshot: every every_n-th processed frame (the first one included), an
 * I420 copy of the frame with the detections and tracks drawn on it: a box
 * per detection, coloured by track id (untracked ones in green), and the
 * track id in digits above the box. The image goes out on the "image" port;
 * the daemon encodes it to JPEG for GET /jobs/{id}/snapshot.jpg. On the other
 * frames the port carries no image, and the node costs nothing.
 *
 * The image is the node's own memory, valid until the next process call (the
 * ABI's rule for IMAGE outputs), reallocated only when the frame size
 * changes. Drawing is plain C: rectangles on the luma and chroma planes and
 * a built-in 3x5 digit font.
 */
#include <stdlib.h>
#include <string.h>

#include "sdag-node.h"

const SdagNodeDesc *sdag_node_describe(void);

typedef struct {
	guint every_n;
	guint thickness;
	guint font_scale;
	guint64 countdown; /* frames until the next image; 0: this one */
	guint8 *buf;
	gsize buf_size;
	SdagFrame image;
} SnapshotNode;

typedef struct {
	guint8 y, u, v;
} SnapshotColour;

/* BT.601 limited range */
static const SnapshotColour snapshot_palette[] = {
    {145, 54, 34},   /* green: untracked */
    {82, 90, 240},   /* red */
    {41, 240, 110},  /* blue */
    {210, 16, 146},  /* yellow */
    {170, 166, 16},  /* cyan */
    {107, 202, 222}, /* magenta */
    {235, 128, 128}, /* white */
};

/* 3x5 digits, one row per 3 bits, top row first */
static const guint8 snapshot_digits[10][5] = {
    {7, 5, 5, 5, 7},
    {2, 6, 2, 2, 7},
    {7, 1, 7, 4, 7},
    {7, 1, 7, 1, 7},
    {5, 5, 7, 1, 1},
    {7, 4, 7, 1, 7},
    {7, 4, 7, 5, 7},
    {7, 1, 1, 1, 1},
    {7, 5, 7, 5, 7},
    {7, 5, 7, 1, 7},
};

static void
snapshot_finalize(gpointer instance)
{
	SnapshotNode *self = instance;

	g_free(self->buf);
	g_free(self);
}

static gpointer
snapshot_init(JsonObject *params, GError **error)
{
	SnapshotNode *self = g_new0(SnapshotNode, 1);

	self->every_n = (guint)json_object_get_int_member(params, "every_n");
	self->thickness = (guint)json_object_get_int_member(params, "thickness");
	self->font_scale = (guint)json_object_get_int_member(params, "font_scale");
	return self;
}

/* A filled rectangle, clipped to the image; coordinates in luma pixels. */
static void
snapshot_fill(SdagFrame *img, gint64 x0, gint64 y0, gint64 x1, gint64 y1, SnapshotColour c)
{
	guint8 *yp = (guint8 *)img->planes[0];
	guint8 *up = (guint8 *)img->planes[1];
	guint8 *vp = (guint8 *)img->planes[2];

	x0 = CLAMP(x0, 0, (gint64)img->width);
	x1 = CLAMP(x1, 0, (gint64)img->width);
	y0 = CLAMP(y0, 0, (gint64)img->height);
	y1 = CLAMP(y1, 0, (gint64)img->height);
	for (gint64 y = y0; y < y1; y++)
		memset(yp + y * img->strides[0] + x0, c.y, (gsize)MAX(x1 - x0, 0));
	for (gint64 y = y0 / 2; y < (y1 + 1) / 2; y++) {
		for (gint64 x = x0 / 2; x < (x1 + 1) / 2; x++) {
			up[y * img->strides[1] + x] = c.u;
			vp[y * img->strides[2] + x] = c.v;
		}
	}
}

static void
snapshot_box(SnapshotNode *self, SdagFrame *img, const SdagDetection *d, SnapshotColour c)
{
	gint64 t = self->thickness;
	gint64 x0, y0, x1, y1;

	if (!(d->w > 0 && d->h > 0) || !(d->x > -1e7f && d->x < 1e7f) ||
	    !(d->y > -1e7f && d->y < 1e7f) || d->w > 1e7f || d->h > 1e7f)
		return; /* NaN, empty or absurd: nothing sensible to draw */
	x0 = (gint64)d->x;
	y0 = (gint64)d->y;
	x1 = (gint64)(d->x + d->w);
	y1 = (gint64)(d->y + d->h);
	snapshot_fill(img, x0, y0, x1, y0 + t, c);
	snapshot_fill(img, x0, y1 - t, x1, y1, c);
	snapshot_fill(img, x0, y0, x0 + t, y1, c);
	snapshot_fill(img, x1 - t, y0, x1, y1, c);
}

/* @id in digits on a black pad, its bottom-left corner at (x, y). */
static void
snapshot_number(SnapshotNode *self, SdagFrame *img, gint64 x, gint64 y, gint64 id, SnapshotColour c)
{
	char text[24];
	gint64 s = self->font_scale;
	gint64 len = g_snprintf(text, sizeof(text), "%" G_GINT64_FORMAT, id);
	gint64 top = y - 7 * s;
	static const SnapshotColour black = {16, 128, 128};

	if (top < 0)
		top = 0; /* a box at the top edge: the number goes inside it */
	snapshot_fill(img, x, top, x + len * 4 * s + s, top + 7 * s, black);
	for (gint64 i = 0; i < len; i++) {
		const guint8 *glyph = snapshot_digits[text[i] - '0'];
		for (gint64 row = 0; row < 5; row++) {
			for (gint64 col = 0; col < 3; col++) {
				gint64 px = x + s + i * 4 * s + col * s;
				gint64 py = top + s + row * s;

				if (glyph[row] & (4 >> col))
					snapshot_fill(img, px, py, px + s, py + s, c);
			}
		}
	}
}

/* Copies @f into the node's I420 image, reallocating when the size changed. */
static void
snapshot_copy(SnapshotNode *self, const SdagFrame *f)
{
	guint w = f->width, h = f->height;
	guint cw = (w + 1) / 2, ch = (h + 1) / 2;
	gsize size = (gsize)w * h + 2 * (gsize)cw * ch;
	guint8 *y, *u, *v;

	if (size != self->buf_size || self->image.width != w || self->image.height != h) {
		g_free(self->buf);
		self->buf = g_malloc(MAX(size, 1));
		self->buf_size = size;
	}
	y = self->buf;
	u = y + (gsize)w * h;
	v = u + (gsize)cw * ch;
	self->image = (SdagFrame){.width = w,
				  .height = h,
				  .format = SDAG_FRAME_FORMAT_I420,
				  .planes = {y, u, v},
				  .strides = {(gint)w, (gint)cw, (gint)cw},
				  .frame_id = f->frame_id,
				  .pts_ns = f->pts_ns};
	for (guint r = 0; r < h; r++)
		memcpy(y + (gsize)r * w, f->planes[0] + (gsize)r * f->strides[0], w);
	for (guint r = 0; r < ch; r++) {
		guint8 *ur = u + (gsize)r * cw;
		guint8 *vr = v + (gsize)r * cw;

		if (f->format == SDAG_FRAME_FORMAT_I420) {
			memcpy(ur, f->planes[1] + (gsize)r * f->strides[1], cw);
			memcpy(vr, f->planes[2] + (gsize)r * f->strides[2], cw);
		} else if (f->format == SDAG_FRAME_FORMAT_NV12) {
			const guint8 *uv = f->planes[1] + (gsize)r * f->strides[1];
			for (guint c = 0; c < cw; c++) {
				ur[c] = uv[2 * c];
				vr[c] = uv[2 * c + 1];
			}
		} else {
			memset(ur, 128, cw);
			memset(vr, 128, cw);
		}
	}
}

static void
snapshot_draw(SnapshotNode *self, GArray *items)
{
	for (guint i = 0; items != NULL && i < items->len; i++) {
		const SdagDetection *d = &g_array_index(items, SdagDetection, i);
		SnapshotColour c =
		    snapshot_palette[d->track_id < 0
					 ? 0
					 : 1 + d->track_id % (G_N_ELEMENTS(snapshot_palette) - 1)];

		snapshot_box(self, &self->image, d, c);
		if (d->track_id >= 0 && d->x > -1e7f && d->x < 1e7f && d->y > -1e7f && d->y < 1e7f)
			snapshot_number(
			    self, &self->image, (gint64)d->x, (gint64)d->y, d->track_id, c);
	}
}

static gboolean
snapshot_process(gpointer instance, const SdagPacket *inputs, SdagPacket *outputs, GError **error)
{
	SnapshotNode *self = instance;
	const SdagFrame *f = inputs[0].frame;

	if (self->countdown > 0) {
		self->countdown--;
		return TRUE;
	}
	self->countdown = self->every_n - 1;
	if (f == NULL || f->width == 0 || f->height == 0)
		return TRUE;
	snapshot_copy(self, f);
	snapshot_draw(self, inputs[1].items);
	snapshot_draw(self, inputs[2].items);
	outputs[0].frame = &self->image;
	return TRUE;
}

/* State "countdown": frames until the next image, as decimal text. */
static GBytes *
snapshot_save_state(gpointer instance, const char *key)
{
	SnapshotNode *self = instance;
	g_autofree char *text = g_strdup_printf("%" G_GUINT64_FORMAT, self->countdown);

	return g_bytes_new(text, strlen(text));
}

static gboolean
snapshot_load_state(gpointer instance, const char *key, GBytes *data, GError **error)
{
	SnapshotNode *self = instance;
	g_autofree char *text = g_strndup(g_bytes_get_data(data, NULL), g_bytes_get_size(data));
	guint64 v = 0;

	if (!g_ascii_string_to_unsigned(text, 10, 0, self->every_n - 1, &v, error))
		return FALSE;
	self->countdown = v;
	return TRUE;
}

static const SdagPortSpec snapshot_inputs[] = {
    {"frame", SDAG_PORT_FRAME, FALSE, "the frame to draw on"},
    {"detections", SDAG_PORT_DETECTIONS, TRUE, "boxes to draw"},
    {"tracks", SDAG_PORT_TRACKS, TRUE, "tracked boxes to draw, with their track ids"},
};

static const SdagPortSpec snapshot_outputs[] = {
    {"image",
     SDAG_PORT_IMAGE,
     FALSE,
     "every every_n-th frame: an I420 copy with the boxes drawn; no image otherwise"},
};

static const SdagParamSpec snapshot_params[] = {
    {"every_n",
     SDAG_PARAM_INT,
     "10",
     TRUE,
     1,
     1000000,
     "make an image on the first processed frame and every every_n-th after it"},
    {"thickness", SDAG_PARAM_INT, "2", TRUE, 1, 16, "pixels: the width of a box's lines"},
    {"font_scale",
     SDAG_PARAM_INT,
     "2",
     TRUE,
     1,
     8,
     "pixels per dot of the 3x5 digits of track ids"},
};

static const SdagStateKeySpec snapshot_state[] = {
    {"countdown", "processed frames until the next image"},
};

static const SdagNodeDesc snapshot_desc = {
    .abi_version = SDAG_NODE_ABI_VERSION,
    .name = "snapshot",
    .version = "1.0.0",
    .description = "Draws boxes and track ids on every Nth frame, for the job's snapshot",
    .inputs = snapshot_inputs,
    .n_inputs = G_N_ELEMENTS(snapshot_inputs),
    .outputs = snapshot_outputs,
    .n_outputs = G_N_ELEMENTS(snapshot_outputs),
    .params = snapshot_params,
    .n_params = G_N_ELEMENTS(snapshot_params),
    .state_keys = snapshot_state,
    .n_state_keys = G_N_ELEMENTS(snapshot_state),
    .init = snapshot_init,
    .process = snapshot_process,
    .finalize = snapshot_finalize,
    .save_state = snapshot_save_state,
    .load_state = snapshot_load_state,
    .frame_formats = SDAG_FRAME_FORMAT_BIT(SDAG_FRAME_FORMAT_I420) |
		     SDAG_FRAME_FORMAT_BIT(SDAG_FRAME_FORMAT_NV12) |
		     SDAG_FRAME_FORMAT_BIT(SDAG_FRAME_FORMAT_GRAY8),
};

G_MODULE_EXPORT const SdagNodeDesc *
sdag_node_describe(void)
{
	return &snapshot_desc;
}
