/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * motion: moving regions of the picture as "motion" detections, from the
 * luma plane alone (I420, NV12 or GRAY8, so the video is never converted).
 *
 * Per frame, on a copy of the luma reduced by `downscale` (box average):
 *   1. difference against a running-average background model (Q8.8 fixed
 *      point), thresholded at `threshold` grey levels into a mask;
 *   2. the background learns the frame: at `learning_rate` where the mask is
 *      empty, at `foreground_rate` where it is set (so a slow object does not
 *      melt into the background, and a parked one eventually does);
 *   3. morphological opening (`open` times a 3x3 erosion then as many
 *      dilations) drops speckle noise, then `dilate` 3x3 dilations join the
 *      pieces of one object;
 *   4. connected components (8-neighbourhood) whose area is at least
 *      `min_area` full-frame pixels become boxes, in full-frame pixels,
 *      shrunk back by the net dilation; the score is the share of the box
 *      the component fills.
 * The first frame, and the first after a change of frame size, only seeds
 * the model and gives no detection. Cost: O(W x H) per frame, plus
 * O(w x h x (open + dilate)) on the reduced picture.
 */
#include <string.h>

#include "sdag-node-util.h"

const SdagNodeDesc *sdag_node_describe(void);

#define MOTION_STATE_MAGIC "SDAGMOT1"

typedef struct {
	/* params */
	guint threshold;
	guint min_area;
	guint downscale;
	guint lr_q16; /* learning_rate x 65536 */
	guint fg_q16; /* foreground_rate x 65536 */
	guint open;
	guint dilate;
	guint max_detections;

	/* the model, for frames of frame_w x frame_h */
	guint32 frame_w, frame_h;
	guint w, h;	/* reduced size */
	guint16 *bg;	/* w x h, Q8.8 */
	guint64 frames; /* frames learnt since the model was seeded */

	/* scratch, w x h */
	guint8 *small;
	guint8 *mask;
	guint8 *tmp;
	gint32 *stack;
} MotionNode;

static void
motion_free_model(MotionNode *self)
{
	g_clear_pointer(&self->bg, g_free);
	g_clear_pointer(&self->small, g_free);
	g_clear_pointer(&self->mask, g_free);
	g_clear_pointer(&self->tmp, g_free);
	g_clear_pointer(&self->stack, g_free);
	self->frame_w = self->frame_h = 0;
	self->w = self->h = 0;
	self->frames = 0;
}

static void
motion_finalize(gpointer instance)
{
	MotionNode *self = instance;

	motion_free_model(self);
	g_free(self);
}

static gpointer
motion_init(JsonObject *params, GError **error)
{
	MotionNode *self = g_new0(MotionNode, 1);

	self->threshold = (guint)json_object_get_int_member(params, "threshold");
	self->min_area = (guint)json_object_get_int_member(params, "min_area");
	self->downscale = (guint)json_object_get_int_member(params, "downscale");
	self->lr_q16 = (guint)(json_object_get_double_member(params, "learning_rate") * 65536.0);
	self->fg_q16 = (guint)(json_object_get_double_member(params, "foreground_rate") * 65536.0);
	self->open = (guint)json_object_get_int_member(params, "open");
	self->dilate = (guint)json_object_get_int_member(params, "dilate");
	self->max_detections = (guint)json_object_get_int_member(params, "max_detections");
	return self;
}

static void
motion_alloc_model(MotionNode *self, guint32 frame_w, guint32 frame_h)
{
	gsize n;

	motion_free_model(self);
	self->frame_w = frame_w;
	self->frame_h = frame_h;
	self->w = MAX(1u, frame_w / self->downscale);
	self->h = MAX(1u, frame_h / self->downscale);
	n = (gsize)self->w * self->h;
	self->bg = g_new(guint16, n);
	self->small = g_new(guint8, n);
	self->mask = g_new(guint8, n);
	self->tmp = g_new(guint8, n);
	self->stack = g_new(gint32, n);
}

/* Sum of the 4 bytes at @p, without a data-dependent branch. */
static inline guint32
motion_sum4(const guint8 *p)
{
	guint32 v;

	memcpy(&v, p, 4);
	v = (v & 0x00ff00ffu) + ((v >> 8) & 0x00ff00ffu);
	return (v & 0xffffu) + (v >> 16);
}

/* Box average of downscale x downscale blocks; the right and bottom remainders
 * (less than one block) are left out. A frame smaller than one block is read
 * as its top-left pixel. This and the morphology are the node's hot loops:
 * both are written so that the compiler can vectorise them (no branch inside
 * the inner loop; block sums of 4 bytes in one load). */
static void
motion_reduce(MotionNode *self, const SdagFrame *frame)
{
	const guint d = self->downscale, w = self->w;
	const guint8 *plane = frame->planes[0];
	const gsize stride = (gsize)frame->strides[0];
	const guint32 area = d * d;
	const gint shift = (area & (area - 1)) == 0 ? g_bit_nth_lsf(area, -1) : -1;
	guint32 acc[4096];

	if (frame->width < d || frame->height < d) {
		self->small[0] = plane[0];
		return;
	}
	for (guint y = 0; y < self->h; y++) {
		guint8 *out = self->small + (gsize)y * w;

		for (guint x0 = 0; x0 < w; x0 += G_N_ELEMENTS(acc)) {
			const guint n = MIN((guint)G_N_ELEMENTS(acc), w - x0);

			memset(acc, 0, sizeof(guint32) * n);
			for (guint r = 0; r < d; r++) {
				const guint8 *row =
				    plane + (gsize)(y * d + r) * stride + (gsize)x0 * d;

				if (d == 4) {
					for (guint x = 0; x < n; x++)
						acc[x] += motion_sum4(row + 4 * x);
				} else if (d == 2) {
					for (guint x = 0; x < n; x++)
						acc[x] += (guint32)row[2 * x] + row[2 * x + 1];
				} else {
					for (guint x = 0; x < n; x++)
						for (guint k = 0; k < d; k++)
							acc[x] += row[(gsize)x * d + k];
				}
			}
			if (shift >= 0) {
				/* a power-of-two block (2, 4, 8, 16): a shift, which vectorises
				 * where a division does not */
				for (guint x = 0; x < n; x++)
					out[x0 + x] = (guint8)((acc[x] + area / 2) >> shift);
			} else {
				for (guint x = 0; x < n; x++)
					out[x0 + x] = (guint8)((acc[x] + area / 2) / area);
			}
		}
	}
}

/* One 3x3 erosion (grow = FALSE) or dilation (grow = TRUE) of mask into
 * itself, separable: rows into tmp, then columns back. Outside the picture
 * counts as empty for a dilation and as set for an erosion, so objects
 * touching the border are not eaten from that side. Mask values are 0 or 1. */
static void
motion_morph(MotionNode *self, gboolean grow)
{
	const guint w = self->w, h = self->h;
	const guint8 edge = grow ? 0 : 1;
	guint8 *m = self->mask, *t = self->tmp;

	for (guint y = 0; y < h; y++) {
		const guint8 *row = m + (gsize)y * w;
		guint8 *out = t + (gsize)y * w;

		if (w == 1) {
			out[0] = row[0];
			continue;
		}
		if (grow) {
			out[0] = row[0] | row[1];
			for (guint x = 1; x + 1 < w; x++)
				out[x] = row[x - 1] | row[x] | row[x + 1];
			out[w - 1] = row[w - 2] | row[w - 1];
		} else {
			out[0] = row[0] & row[1];
			for (guint x = 1; x + 1 < w; x++)
				out[x] = row[x - 1] & row[x] & row[x + 1];
			out[w - 1] = row[w - 2] & row[w - 1];
		}
	}
	for (guint y = 0; y < h; y++) {
		const guint8 *mid = t + (gsize)y * w;
		const guint8 *up = y > 0 ? mid - w : NULL;
		const guint8 *down = y + 1 < h ? mid + w : NULL;
		guint8 *out = m + (gsize)y * w;

		if (up == NULL || down == NULL) {
			for (guint x = 0; x < w; x++) {
				guint8 a = up != NULL ? up[x] : edge;
				guint8 b = down != NULL ? down[x] : edge;
				out[x] = grow ? (a | mid[x] | b) : (a & mid[x] & b);
			}
		} else if (grow) {
			for (guint x = 0; x < w; x++)
				out[x] = up[x] | mid[x] | down[x];
		} else {
			for (guint x = 0; x < w; x++)
				out[x] = up[x] & mid[x] & down[x];
		}
	}
}

/* Difference, threshold and learning in one pass over the reduced picture,
 * in 32-bit integers: levels in 8.8 fixed point, rates in 1/4096ths. */
static void
motion_diff_learn(MotionNode *self)
{
	const gsize n = (gsize)self->w * self->h;
	const gint32 thr_q = (gint32)self->threshold << 8;
	const gint32 lr = (gint32)(self->lr_q16 >> 4), fg = (gint32)(self->fg_q16 >> 4);
	const guint8 *small = self->small;
	guint16 *bg = self->bg;
	guint8 *mask = self->mask;

	for (gsize i = 0; i < n; i++) {
		gint32 diff = ((gint32)small[i] << 8) - (gint32)bg[i];
		gint32 mag = diff < 0 ? -diff : diff;
		gint32 moving = mag > thr_q;
		gint32 rate = moving ? fg : lr;
		gint32 v = (gint32)bg[i] + ((diff * rate + 2048) >> 12);

		mask[i] = (guint8)moving;
		bg[i] = (guint16)(v < 0 ? 0 : v > 65535 ? 65535 : v);
	}
}

static void
motion_components(MotionNode *self, GArray *out)
{
	const gint32 w = (gint32)self->w, h = (gint32)self->h;
	const gint32 d = (gint32)self->downscale;
	const gint32 shrink = (gint32)self->dilate * d;
	guint8 *m = self->mask;

	for (gint32 start = 0; start < w * h; start++) {
		gint32 sp = 0, minx, maxx, miny, maxy;
		guint64 area = 0;
		SdagDetection det = {.label = "motion", .track_id = -1};
		double x0, y0, x1, y1;
		const guint8 *next;

		/* most of the mask is empty: find the next unvisited pixel at memchr's speed */
		next = memchr(m + start, 1, (gsize)(w * h - start));
		if (next == NULL)
			break;
		start = (gint32)(next - m);
		minx = maxx = start % w;
		miny = maxy = start / w;
		m[start] = 2;
		self->stack[sp++] = start;
		while (sp > 0) {
			gint32 p = self->stack[--sp];
			gint32 px = p % w, py = p / w;

			area++;
			minx = MIN(minx, px);
			maxx = MAX(maxx, px);
			miny = MIN(miny, py);
			maxy = MAX(maxy, py);
			for (gint32 dy = -1; dy <= 1; dy++) {
				for (gint32 dx = -1; dx <= 1; dx++) {
					gint32 nx = px + dx, ny = py + dy, q;
					if (nx < 0 || ny < 0 || nx >= w || ny >= h)
						continue;
					q = ny * w + nx;
					if (m[q] == 1) {
						m[q] = 2;
						self->stack[sp++] = q;
					}
				}
			}
		}
		/* area of the cleaned mask, dilations included */
		if (area * (guint64)d * (guint64)d < self->min_area)
			continue;
		if (out->len >= self->max_detections)
			continue;
		/* undo the dilations' growth, except on a side that touches the
		 * picture's edge (nothing grew there; the object runs out of the
		 * picture, and the last partial block belongs to it) */
		x0 = minx == 0 ? 0.0 : (double)minx * d + shrink;
		y0 = miny == 0 ? 0.0 : (double)miny * d + shrink;
		x1 = maxx == w - 1 ? (double)self->frame_w : (double)(maxx + 1) * d - shrink;
		y1 = maxy == h - 1 ? (double)self->frame_h : (double)(maxy + 1) * d - shrink;
		/* a component thinner than the dilations keeps its grown size */
		if (x1 - x0 < d) {
			x0 = (double)minx * d;
			x1 = MIN((double)(maxx + 1) * d, (double)self->frame_w);
		}
		if (y1 - y0 < d) {
			y0 = (double)miny * d;
			y1 = MIN((double)(maxy + 1) * d, (double)self->frame_h);
		}
		det.x = (float)x0;
		det.y = (float)y0;
		det.w = (float)(x1 - x0);
		det.h = (float)(y1 - y0);
		det.score =
		    (float)MIN(1.0, (double)area / ((double)(maxx - minx + 1) * (maxy - miny + 1)));
		g_array_append_val(out, det);
	}
}

static gboolean
motion_process(gpointer instance, const SdagPacket *inputs, SdagPacket *outputs, GError **error)
{
	MotionNode *self = instance;
	const SdagFrame *frame = inputs[0].frame;
	gsize n;

	if (frame == NULL || frame->width == 0 || frame->height == 0)
		return TRUE;
	if (frame->width != self->frame_w || frame->height != self->frame_h || self->bg == NULL) {
		motion_alloc_model(self, frame->width, frame->height);
		motion_reduce(self, frame);
		n = (gsize)self->w * self->h;
		for (gsize i = 0; i < n; i++)
			self->bg[i] = (guint16)(self->small[i] << 8);
		self->frames = 1;
		return TRUE;
	}
	motion_reduce(self, frame);
	motion_diff_learn(self);
	self->frames++;
	for (guint i = 0; i < self->open; i++)
		motion_morph(self, FALSE);
	for (guint i = 0; i < self->open + self->dilate; i++)
		motion_morph(self, TRUE);
	motion_components(self, outputs[0].items);
	return TRUE;
}

/*
 * State "background": the model as bytes, little-endian:
 *   "SDAGMOT1", u32 frame width, u32 frame height, u32 downscale,
 *   u64 frames learnt, then (W/downscale) x (H/downscale) u16 Q8.8 levels.
 * Empty data: no model yet (the next frame seeds one).
 */
static GBytes *
motion_save_state(gpointer instance, const char *key)
{
	MotionNode *self = instance;
	gsize n = (gsize)self->w * self->h;
	GByteArray *out;
	guint32 hdr[3];
	guint64 frames = GUINT64_TO_LE(self->frames);

	if (self->bg == NULL)
		return g_bytes_new(NULL, 0);
	out = g_byte_array_sized_new(8 + 12 + 8 + n * 2);
	g_byte_array_append(out, (const guint8 *)MOTION_STATE_MAGIC, 8);
	hdr[0] = GUINT32_TO_LE(self->frame_w);
	hdr[1] = GUINT32_TO_LE(self->frame_h);
	hdr[2] = GUINT32_TO_LE(self->downscale);
	g_byte_array_append(out, (const guint8 *)hdr, sizeof(hdr));
	g_byte_array_append(out, (const guint8 *)&frames, sizeof(frames));
	for (gsize i = 0; i < n; i++) {
		guint16 v = GUINT16_TO_LE(self->bg[i]);
		g_byte_array_append(out, (const guint8 *)&v, 2);
	}
	return g_byte_array_free_to_bytes(out);
}

static gboolean
motion_load_state(gpointer instance, const char *key, GBytes *data, GError **error)
{
	MotionNode *self = instance;
	gsize len = 0;
	const guint8 *p = g_bytes_get_data(data, &len);
	guint32 hdr[3];
	guint64 frames;
	gsize n;

	if (len == 0) {
		motion_free_model(self);
		return TRUE;
	}
	if (len < 28 || memcmp(p, MOTION_STATE_MAGIC, 8) != 0) {
		g_set_error_literal(
		    error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "background: not a motion model");
		return FALSE;
	}
	memcpy(hdr, p + 8, sizeof(hdr));
	memcpy(&frames, p + 20, sizeof(frames));
	for (guint i = 0; i < 3; i++)
		hdr[i] = GUINT32_FROM_LE(hdr[i]);
	if (hdr[2] != self->downscale) {
		g_set_error(error,
			    G_IO_ERROR,
			    G_IO_ERROR_INVALID_DATA,
			    "background: model made with downscale %u, the node has %u",
			    hdr[2],
			    self->downscale);
		return FALSE;
	}
	n = (gsize)MAX(1u, hdr[0] / hdr[2]) * MAX(1u, hdr[1] / hdr[2]);
	if (hdr[0] == 0 || hdr[1] == 0 || hdr[0] > 65536 || hdr[1] > 65536 || len != 28 + n * 2) {
		g_set_error_literal(
		    error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "background: size does not match");
		return FALSE;
	}
	motion_alloc_model(self, hdr[0], hdr[1]);
	for (gsize i = 0; i < n; i++) {
		guint16 v;
		memcpy(&v, p + 28 + i * 2, 2);
		self->bg[i] = GUINT16_FROM_LE(v);
	}
	self->frames = GUINT64_FROM_LE(frames);
	return TRUE;
}

static gboolean
motion_validate(JsonObject *params, GError **error)
{
	if (json_object_get_double_member(params, "foreground_rate") >
	    json_object_get_double_member(params, "learning_rate")) {
		g_set_error_literal(error,
				    G_IO_ERROR,
				    G_IO_ERROR_INVALID_ARGUMENT,
				    "foreground_rate must not be larger than learning_rate");
		return FALSE;
	}
	return TRUE;
}

static const SdagPortSpec motion_inputs[] = {
    {"frame", SDAG_PORT_FRAME, FALSE, "decoded frame; only its luma plane is read"},
};

static const SdagPortSpec motion_outputs[] = {
    {"detections", SDAG_PORT_DETECTIONS, FALSE, "moving regions, labelled 'motion'"},
};

static const SdagParamSpec motion_params[] = {
    {"threshold",
     SDAG_PARAM_INT,
     "18",
     TRUE,
     1,
     255,
     "grey levels a pixel must differ from the background to be moving"},
    {"min_area",
     SDAG_PARAM_INT,
     "400",
     TRUE,
     1,
     1e8,
     "smallest moving region kept, in full-frame pixels"},
    {"downscale",
     SDAG_PARAM_INT,
     "4",
     TRUE,
     1,
     16,
     "the model works on the picture reduced by this factor in each direction"},
    {"learning_rate",
     SDAG_PARAM_DOUBLE,
     "0.05",
     TRUE,
     0.0,
     1.0,
     "share of the current frame the background takes each frame where nothing moves"},
    {"foreground_rate",
     SDAG_PARAM_DOUBLE,
     "0.005",
     TRUE,
     0.0,
     1.0,
     "the same where something moves (<= learning_rate)"},
    {"open", SDAG_PARAM_INT, "1", TRUE, 0, 4, "3x3 openings that drop speckle noise"},
    {"dilate", SDAG_PARAM_INT, "1", TRUE, 0, 8, "3x3 dilations that join pieces of one object"},
    {"max_detections",
     SDAG_PARAM_INT,
     "256",
     TRUE,
     1,
     4096,
     "at most this many regions per frame, in raster order of their first pixel"},
};

static const SdagStateKeySpec motion_state[] = {
    {"background", "the running-average background model and the frame size it is for"},
};

static const SdagNodeDesc motion_desc = {
    .abi_version = SDAG_NODE_ABI_VERSION,
    .name = "motion",
    .version = "1.0.0",
    .description = "Moving regions against a running-average background, from luma only",
    .inputs = motion_inputs,
    .n_inputs = G_N_ELEMENTS(motion_inputs),
    .outputs = motion_outputs,
    .n_outputs = G_N_ELEMENTS(motion_outputs),
    .params = motion_params,
    .n_params = G_N_ELEMENTS(motion_params),
    .state_keys = motion_state,
    .n_state_keys = G_N_ELEMENTS(motion_state),
    .validate = motion_validate,
    .init = motion_init,
    .process = motion_process,
    .finalize = motion_finalize,
    .save_state = motion_save_state,
    .load_state = motion_load_state,
    .frame_formats = SDAG_FRAME_FORMAT_BIT(SDAG_FRAME_FORMAT_I420) |
		     SDAG_FRAME_FORMAT_BIT(SDAG_FRAME_FORMAT_NV12) |
		     SDAG_FRAME_FORMAT_BIT(SDAG_FRAME_FORMAT_GRAY8),
};

G_MODULE_EXPORT const SdagNodeDesc *
sdag_node_describe(void)
{
	return &motion_desc;
}
