/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "sdag-decode"

#include "sdag-decode.h"

#include <string.h>

#include "sdag-frame-meta.h"

/*
 * What the decoders of a job decode, and with how many threads.
 *
 * Every decoder plugged inside the watched bin (uridecodebin, a live source's decodebin)
 * gets, when it is an avdec_*, [jobs] decoder_threads as its max-threads; with the job
 * option `decode` other than "all", it also gets a probe on its sink pad, where the parser
 * has already cut the stream into coded frames, in decode order:
 *
 * - "keyframes": a frame flagged DELTA_UNIT is dropped, and of the key frames only every
 *   stride-th goes on; each of those is analysed (the stride counts key frames).
 * - "reference": a frame no other frame depends on (H.264: every slice with nal_ref_idc 0)
 *   is dropped when the stride would not analyse it; the others are decoded as usual.
 *
 * A dropped frame never reaches the decoder: it costs no decoding. Its time still goes into
 * the decoder's SdagFrameCounter, and every frame let through carries an SdagFrameMeta
 * naming that counter, from which sddag numbers the decoded frame: the ids stay the source's
 * frame numbers, as with "all" (see sdag-frame-meta.c for why the number is taken when the
 * decoded frame arrives, and not here). Each decoder has its own counter, under a new run:
 * a live source that reconnects starts another.
 *
 * Dropping before the decoder rather than setting avdec's skip-frame: skip-frame has no
 * per-frame choice (it would skip B frames the stride analyses) and does not exist for other
 * decoders; the delta flag and the NAL header are read the same way for every source.
 *
 * Where the mode cannot apply, the probe lets every frame through unmarked (the job runs as
 * with "all") and the job says why (decode_applied false, decode_reason): "keyframes" on an
 * intra-only codec (image/jpeg: every frame is a key frame), "reference" on a codec whose
 * non-reference frames are not read here (anything but H.264 and intra-only codecs).
 *
 * Threads: probes run on the decoders' streaming threads; the figures are under the lock.
 */

/* The job option `decode`: which coded frames reach the decoder. */
typedef enum {
	SDAG_DECODE_ALL,       /* every frame */
	SDAG_DECODE_REFERENCE, /* not the non-reference frames the stride does not analyse */
	SDAG_DECODE_KEYFRAMES, /* every stride-th key frame only */
} SdagDecodeMode;

typedef enum {
	SDAG_DECODE_CODEC_OTHER,
	SDAG_DECODE_CODEC_H264,
	SDAG_DECODE_CODEC_INTRA, /* every frame a key frame that no other frame depends on */
} SdagDecodeCodec;

struct _SdagDecode {
	SdagDecodeMode mode;
	guint stride;
	guint max_threads; /* 0: the decoder's own choice */

	GMutex lock;
	guint runs;
	guint64 skipped;
	gint applied; /* -1 until a decoder's input is known */
	char *reason; /* why not applied */
};

typedef struct {
	SdagDecode *owner;
	SdagFrameCounter *counter;
	gboolean active; /* the mode applies to the decoder's input */
	SdagDecodeCodec codec;
	guint nal_len;	   /* H.264 avc: bytes of a NAL's length; 0: byte-stream */
	guint64 keyframes; /* seen */
} SdagDecodeProbe;

static const char *const sdag_decode_modes[] = {"all", "reference", "keyframes", NULL};

/**
 * sdag_decode_new:
 * @mode: (nullable): "all", "reference" or "keyframes" (the job option); NULL: "all"
 * @max_threads: what every avdec_* gets as max-threads; 0: left as it is
 *
 * Returns: (transfer full): the job's decoding rules, for sdag_decode_watch()
 */
SdagDecode *
sdag_decode_new(const char *mode, guint stride, guint max_threads)
{
	SdagDecode *self = g_atomic_rc_box_new0(SdagDecode);

	for (guint i = 0; sdag_decode_modes[i] != NULL; i++)
		if (g_strcmp0(mode, sdag_decode_modes[i]) == 0)
			self->mode = (SdagDecodeMode)i;
	self->stride = MAX(stride, 1);
	self->max_threads = max_threads;
	self->applied = -1;
	g_mutex_init(&self->lock);
	return self;
}

static void
sdag_decode_clear(gpointer data)
{
	SdagDecode *self = data;

	g_mutex_clear(&self->lock);
	g_free(self->reason);
}

static SdagDecode *
sdag_decode_ref(SdagDecode *self)
{
	return g_atomic_rc_box_acquire(self);
}

void
sdag_decode_unref(SdagDecode *self)
{
	g_atomic_rc_box_release_full(self, sdag_decode_clear);
}

/**
 * sdag_decode_threads_for:
 * @configured: [jobs] decoder_threads; 0: auto
 * @max_jobs: the jobs that share the CPUs; 0: one per CPU
 * @busy_analysis: whether the job's analysis thread is expected to be busy (see
 *   sdag_decode_threads_split())
 *
 * Returns: the threads of each decoder: @configured, or what auto gives on this machine
 */
guint
sdag_decode_threads_for(guint configured, guint max_jobs, gboolean busy_analysis)
{
	if (configured > 0)
		return configured;
	return sdag_decode_threads_split(g_get_num_processors(), max_jobs, busy_analysis);
}

/**
 * sdag_decode_threads_split:
 * @cpus: the CPUs there are
 * @jobs: the jobs that share them; 0: one per CPU
 * @busy_analysis: the job's analysis thread is expected to be busy
 *
 * Auto: the CPUs shared among the jobs, at least 1 each; and one of a job's share left to
 * its analysis when that is busy. The DAG, and the hand-over of each frame's row to the
 * store, run in a streaming thread of their own beside the decoder's threads, and libav's
 * frame threads that outnumber the cores left wait on each other and on it: on 2 cores, a
 * motion_tracking_v1 job at stride 1 over 720p took 0.61 s and 0.80 CPU-s with one decoding
 * thread, 0.73 s and 1.05 CPU-s with two. A job whose analysis is light decodes faster on
 * every core.
 *
 * Returns: the threads of each decoder
 */
guint
sdag_decode_threads_split(guint cpus, guint jobs, gboolean busy_analysis)
{
	guint share = MAX(1u, cpus / MAX(1u, jobs == 0 ? cpus : jobs));

	return busy_analysis && share > 1 ? share - 1 : share;
}

/* H.264: whether every slice of the coded frame has nal_ref_idc 0, so that no other frame
 * refers to it. A frame that does not parse is taken as a reference: it is decoded. */
static gboolean
sdag_decode_h264_nonref(const guint8 *d, gsize n, guint nal_len)
{
	gboolean slices = FALSE;
	gsize i = 0;

	if (nal_len > 0) {
		while (i + nal_len < n) {
			gsize len = 0;
			guint type;

			for (guint k = 0; k < nal_len; k++)
				len = (len << 8) | d[i + k];
			i += nal_len;
			if (len == 0 || len > n - i)
				return FALSE;
			type = d[i] & 0x1f;
			if (type >= 1 && type <= 5) {
				if ((d[i] >> 5) & 3)
					return FALSE;
				slices = TRUE;
			}
			i += len;
		}
		return slices;
	}
	for (i = 0; i + 3 < n; i++) {
		guint type;

		if (d[i] != 0 || d[i + 1] != 0 || d[i + 2] != 1)
			continue;
		type = d[i + 3] & 0x1f;
		if (type >= 1 && type <= 5) {
			if ((d[i + 3] >> 5) & 3)
				return FALSE;
			slices = TRUE;
		}
		i += 3;
	}
	return slices;
}

static gboolean
sdag_decode_is_nonref(SdagDecodeProbe *probe, GstBuffer *buf)
{
	GstMapInfo map;
	gboolean nonref;

	if (probe->codec == SDAG_DECODE_CODEC_INTRA)
		return TRUE;
	if (!gst_buffer_map(buf, &map, GST_MAP_READ))
		return FALSE;
	nonref = sdag_decode_h264_nonref(map.data, map.size, probe->nal_len);
	gst_buffer_unmap(buf, &map);
	return nonref;
}

static void
sdag_decode_set_applied(SdagDecode *self, gboolean applied, char *reason)
{
	g_mutex_lock(&self->lock);
	self->applied = applied;
	g_free(self->reason);
	self->reason = reason;
	g_mutex_unlock(&self->lock);
}

/* The decoder's input is known: whether the mode applies to it. */
static void
sdag_decode_caps(SdagDecodeProbe *probe, GstCaps *caps)
{
	SdagDecode *self = probe->owner;
	const GstStructure *s;
	const char *name;
	const char *format;
	const GValue *v;

	if (caps == NULL || gst_caps_is_empty(caps))
		return;
	s = gst_caps_get_structure(caps, 0);
	name = gst_structure_get_name(s);
	format = gst_structure_get_string(s, "stream-format");
	probe->codec = SDAG_DECODE_CODEC_OTHER;
	probe->nal_len = 0;
	if (g_str_has_prefix(name, "image/") || g_strcmp0(name, "video/x-dv") == 0) {
		probe->codec = SDAG_DECODE_CODEC_INTRA;
	} else if (g_strcmp0(name, "video/x-h264") == 0) {
		probe->codec = SDAG_DECODE_CODEC_H264;
		v = gst_structure_get_value(s, "codec_data");
		if (g_str_has_prefix(format != NULL ? format : "", "avc")) {
			GstBuffer *cd = v != NULL && G_VALUE_HOLDS(v, GST_TYPE_BUFFER)
					    ? gst_value_get_buffer(v)
					    : NULL;
			guint8 b = 3;

			if (cd == NULL || gst_buffer_extract(cd, 4, &b, 1) != 1)
				probe->codec = SDAG_DECODE_CODEC_OTHER;
			probe->nal_len = (b & 3) + 1;
		}
	}
	if (self->mode == SDAG_DECODE_KEYFRAMES && probe->codec == SDAG_DECODE_CODEC_INTRA) {
		probe->active = FALSE;
		sdag_decode_set_applied(self,
					FALSE,
					g_strdup_printf("every frame of %s is a key frame: every "
							"frame was decoded, as with \"all\"",
							name));
	} else if (self->mode == SDAG_DECODE_REFERENCE && probe->codec == SDAG_DECODE_CODEC_OTHER) {
		probe->active = FALSE;
		sdag_decode_set_applied(
		    self,
		    FALSE,
		    g_strdup_printf(
			"the frames no other frame depends on are not told apart in %s: "
			"every frame was decoded, as with \"all\"",
			name));
	} else {
		probe->active = TRUE;
		sdag_decode_set_applied(self, TRUE, NULL);
	}
}

static GstPadProbeReturn
sdag_decode_probe_cb(GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
	SdagDecodeProbe *probe = user_data;
	SdagDecode *self = probe->owner;
	GstBuffer *buf;
	GstClockTime pts;
	guint64 number;
	gboolean skip;

	if (info->type & GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM) {
		GstEvent *event = GST_PAD_PROBE_INFO_EVENT(info);
		GstCaps *caps = NULL;

		if (GST_EVENT_TYPE(event) == GST_EVENT_CAPS) {
			gst_event_parse_caps(event, &caps);
			sdag_decode_caps(probe, caps);
		}
		return GST_PAD_PROBE_OK;
	}
	buf = GST_PAD_PROBE_INFO_BUFFER(info);
	if (buf == NULL || !probe->active)
		return GST_PAD_PROBE_OK;
	pts = GST_BUFFER_PTS(buf);
	number = sdag_frame_counter_add(probe->counter, &pts);
	if (self->mode == SDAG_DECODE_KEYFRAMES)
		skip = GST_BUFFER_FLAG_IS_SET(buf, GST_BUFFER_FLAG_DELTA_UNIT) ||
		       probe->keyframes++ % self->stride != 0;
	else
		/* a frame no other depends on comes after every frame shown before it: its
		 * number is already final */
		skip = number % self->stride != 0 && sdag_decode_is_nonref(probe, buf);
	if (skip) {
		g_mutex_lock(&self->lock);
		self->skipped++;
		g_mutex_unlock(&self->lock);
		return GST_PAD_PROBE_DROP;
	}
	buf = gst_buffer_make_writable(buf);
	GST_PAD_PROBE_INFO_DATA(info) = buf;
	sdag_frame_meta_add(buf, probe->counter, pts, self->mode == SDAG_DECODE_KEYFRAMES);
	return GST_PAD_PROBE_OK;
}

static void
sdag_decode_probe_free(gpointer data)
{
	SdagDecodeProbe *probe = data;

	sdag_frame_counter_unref(probe->counter);
	sdag_decode_unref(probe->owner);
	g_free(probe);
}

static void
sdag_decode_element_added_cb(GstBin *bin, GstBin *sub, GstElement *element, gpointer user_data)
{
	SdagDecode *self = user_data;
	const char *klass = gst_element_get_metadata(element, GST_ELEMENT_METADATA_KLASS);
	GstElementFactory *factory = gst_element_get_factory(element);
	g_autoptr(GstPad) pad = NULL;
	SdagDecodeProbe *probe;

	/* decodebin says "Generic/Bin/Decoder": only the video and image decoders inside it */
	if (GST_IS_BIN(element) || klass == NULL || strstr(klass, "Decoder") == NULL ||
	    strstr(klass, "Audio") != NULL)
		return;
	if (self->max_threads > 0 && factory != NULL &&
	    g_str_has_prefix(GST_OBJECT_NAME(factory), "avdec_") &&
	    g_object_class_find_property(G_OBJECT_GET_CLASS(element), "max-threads") != NULL)
		g_object_set(element, "max-threads", (gint)self->max_threads, NULL);
	if (self->mode == SDAG_DECODE_ALL)
		return;
	pad = gst_element_get_static_pad(element, "sink");
	if (pad == NULL)
		return;
	probe = g_new0(SdagDecodeProbe, 1);
	probe->owner = sdag_decode_ref(self);
	g_mutex_lock(&self->lock);
	probe->counter = sdag_frame_counter_new(++self->runs);
	g_mutex_unlock(&self->lock);
	gst_pad_add_probe(pad,
			  GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM,
			  sdag_decode_probe_cb,
			  probe,
			  sdag_decode_probe_free);
}

static void
sdag_decode_unref_cb(gpointer data, GClosure *closure)
{
	sdag_decode_unref(data);
}

/**
 * sdag_decode_watch:
 * @bin: a bin that plugs decoders (uridecodebin, decodebin, or a pipeline holding one)
 *
 * Applies the rules to every decoder later added inside @bin.
 */
void
sdag_decode_watch(SdagDecode *self, GstElement *bin)
{
	if (self->mode == SDAG_DECODE_ALL && self->max_threads == 0)
		return;
	g_signal_connect_data(bin,
			      "deep-element-added",
			      G_CALLBACK(sdag_decode_element_added_cb),
			      sdag_decode_ref(self),
			      sdag_decode_unref_cb,
			      0);
}

/**
 * sdag_decode_add_json:
 *
 * The job's members: `frames_skipped`, the frames never decoded; `decode_applied`, whether
 * the mode applied to the stream (null before it is known); `decode_reason`, why not.
 */
void
sdag_decode_add_json(SdagDecode *self, JsonObject *out)
{
	g_mutex_lock(&self->lock);
	json_object_set_int_member(out, "frames_skipped", (gint64)self->skipped);
	if (self->mode == SDAG_DECODE_ALL)
		json_object_set_boolean_member(out, "decode_applied", TRUE);
	else if (self->applied < 0)
		json_object_set_null_member(out, "decode_applied");
	else
		json_object_set_boolean_member(out, "decode_applied", self->applied);
	if (self->reason != NULL)
		json_object_set_string_member(out, "decode_reason", self->reason);
	else
		json_object_set_null_member(out, "decode_reason");
	g_mutex_unlock(&self->lock);
}

/* The summary says which mode ran: `decode`. */
void
sdag_decode_add_summary(SdagDecode *self, JsonObject *summary)
{
	json_object_set_string_member(summary, "decode", sdag_decode_modes[self->mode]);
}
