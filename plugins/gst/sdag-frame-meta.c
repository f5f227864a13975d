/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "sdag-frame-meta"

#include "sdag-frame-meta.h"

/*
 * The source's frame numbers, for a job whose decoder does not see every frame.
 *
 * A frame's number is its rank in presentation order: how many frames of the source have
 * an earlier presentation time. Coded frames come in decode order, where a P frame comes
 * before the B frames shown before it, so the number of a frame is final only once every
 * frame shown before it has been seen. The counter is therefore fed with the time of every
 * coded frame, skipped or not, on the decoder's input (sdag_frame_counter_add()), and asked
 * for a frame's number when the decoded frame reaches sddag (sdag_frame_counter_number()):
 * the decoder gives frames out in presentation order, after the frames shown before them
 * went in. This holds for variable frame rates, where a time times a frame rate would not.
 *
 * The times not yet asked for are kept sorted; asking for a time forgets the earlier ones
 * (sddag asks in presentation order) into a count. Adding is O(n) in the frames between the
 * decoder's input and sddag, a few, or the frames skipped between two decoded ones.
 *
 * Thread-safe: the decoder's streaming thread adds, sddag's asks.
 */

/* Past this many times not asked for (a stream whose frames never reach sddag), the oldest
 * are counted and forgotten. */
#define SDAG_FRAME_COUNTER_MAX_PENDING 16384

struct _SdagFrameCounter {
	GMutex lock;
	guint run;
	guint64 forgotten; /* times below every pending one */
	GArray *pending;   /* GstClockTime, sorted */
	GstClockTime last; /* for frames without a time: decode order */
};

static void
sdag_frame_counter_clear(gpointer data)
{
	SdagFrameCounter *self = data;

	g_mutex_clear(&self->lock);
	g_array_unref(self->pending);
}

/**
 * sdag_frame_counter_new:
 * @run: who counts: sddag continues its numbering after the last id when the run changes
 *
 * Returns: (transfer full): a counter from frame 0
 */
SdagFrameCounter *
sdag_frame_counter_new(guint run)
{
	SdagFrameCounter *self = g_atomic_rc_box_new0(SdagFrameCounter);

	g_mutex_init(&self->lock);
	self->run = run;
	self->pending = g_array_new(FALSE, FALSE, sizeof(GstClockTime));
	return self;
}

static SdagFrameCounter *
sdag_frame_counter_ref(SdagFrameCounter *self)
{
	return g_atomic_rc_box_acquire(self);
}

void
sdag_frame_counter_unref(SdagFrameCounter *self)
{
	g_atomic_rc_box_release_full(self, sdag_frame_counter_clear);
}

guint
sdag_frame_counter_get_run(SdagFrameCounter *self)
{
	return self->run;
}

/* under the lock: the first pending index whose time is not below @pts */
static guint
sdag_frame_counter_below(SdagFrameCounter *self, GstClockTime pts)
{
	guint lo = 0;
	guint hi = self->pending->len;

	while (lo < hi) {
		guint mid = lo + (hi - lo) / 2;

		if (g_array_index(self->pending, GstClockTime, mid) < pts)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/**
 * sdag_frame_counter_add:
 * @pts: (inout): a coded frame's presentation time; GST_CLOCK_TIME_NONE: the frame after the
 *   last in decode order, and *@pts becomes the time it is counted at
 *
 * Counts one coded frame of the source.
 *
 * Returns: its number as far as known now: final for a frame no later frame is shown
 *   before (a B frame, a key frame of a closed GOP), too low for a frame decoded before
 *   frames it is shown after (the P frame after B frames)
 */
guint64
sdag_frame_counter_add(SdagFrameCounter *self, GstClockTime *pts_inout)
{
	GstClockTime pts = *pts_inout;
	guint64 number;
	guint at;

	g_mutex_lock(&self->lock);
	if (!GST_CLOCK_TIME_IS_VALID(pts))
		pts = *pts_inout = self->last + 1;
	self->last = MAX(self->last, pts);
	at = sdag_frame_counter_below(self, pts);
	number = self->forgotten + at;
	g_array_insert_val(self->pending, at, pts);
	if (self->pending->len > SDAG_FRAME_COUNTER_MAX_PENDING) {
		g_array_remove_index(self->pending, 0);
		self->forgotten++;
	}
	g_mutex_unlock(&self->lock);
	return number;
}

/**
 * sdag_frame_counter_number:
 *
 * Returns: the number of the frame shown at @pts: how many frames counted so far are shown
 *   before it. The counter forgets those times: ask in presentation order.
 */
guint64
sdag_frame_counter_number(SdagFrameCounter *self, GstClockTime pts)
{
	guint64 number;
	guint below;

	g_mutex_lock(&self->lock);
	below = sdag_frame_counter_below(self, pts);
	number = self->forgotten + below;
	g_array_remove_range(self->pending, 0, below);
	self->forgotten += below;
	g_mutex_unlock(&self->lock);
	return number;
}

/*
 * A meta with no tags: GstVideoDecoder copies such metas from the coded frame to the frame
 * it decodes from it, and videoconvert and the other transforms keep them, whatever they do
 * to the pixels (a frame's number does not change with its size or format).
 */

static GType
sdag_frame_meta_api_get_type(void)
{
	static GType type = 0;
	static const gchar *tags[] = {NULL};

	if (g_once_init_enter(&type)) {
		GType t = gst_meta_api_type_register("SdagFrameMetaAPI", tags);
		g_once_init_leave(&type, t);
	}
	return type;
}

static gboolean
sdag_frame_meta_init(GstMeta *meta, gpointer params, GstBuffer *buffer)
{
	SdagFrameMeta *m = (SdagFrameMeta *)meta;

	m->counter = NULL;
	m->pts = GST_CLOCK_TIME_NONE;
	m->every = FALSE;
	return TRUE;
}

static void
sdag_frame_meta_free(GstMeta *meta, GstBuffer *buffer)
{
	SdagFrameMeta *m = (SdagFrameMeta *)meta;

	g_clear_pointer(&m->counter, sdag_frame_counter_unref);
}

static gboolean
sdag_frame_meta_transform(GstBuffer *dest,
			  GstMeta *meta,
			  GstBuffer *buffer,
			  GQuark type,
			  gpointer data)
{
	SdagFrameMeta *m = (SdagFrameMeta *)meta;

	sdag_frame_meta_add(dest, m->counter, m->pts, m->every);
	return TRUE;
}

static const GstMetaInfo *
sdag_frame_meta_get_info(void)
{
	static const GstMetaInfo *info = NULL;

	if (g_once_init_enter((GstMetaInfo **)&info)) {
		const GstMetaInfo *i = gst_meta_register(sdag_frame_meta_api_get_type(),
							 "SdagFrameMeta",
							 sizeof(SdagFrameMeta),
							 sdag_frame_meta_init,
							 sdag_frame_meta_free,
							 sdag_frame_meta_transform);
		g_once_init_leave((GstMetaInfo **)&info, (GstMetaInfo *)i);
	}
	return info;
}

/**
 * sdag_frame_meta_add:
 * @buffer: a writable buffer
 *
 * Gives @buffer its number: that of @pts in @counter (replacing one it had).
 */
void
sdag_frame_meta_add(GstBuffer *buffer, SdagFrameCounter *counter, GstClockTime pts, gboolean every)
{
	SdagFrameMeta *m = sdag_frame_meta_get(buffer);

	if (m == NULL)
		m = (SdagFrameMeta *)gst_buffer_add_meta(buffer, sdag_frame_meta_get_info(), NULL);
	g_clear_pointer(&m->counter, sdag_frame_counter_unref);
	m->counter = sdag_frame_counter_ref(counter);
	m->pts = pts;
	m->every = every;
}

/* Returns: (transfer none) (nullable): the frame's number, when it was given one */
SdagFrameMeta *
sdag_frame_meta_get(GstBuffer *buffer)
{
	return (SdagFrameMeta *)gst_buffer_get_meta(buffer, sdag_frame_meta_api_get_type());
}
