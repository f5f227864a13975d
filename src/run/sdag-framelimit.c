/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "sdag-framelimit"

#include "sdag-framelimit.h"

#include <string.h>

#include "sdag-error.h"

/*
 * A cap on the size of the frames a decoder makes ([jobs] max_frame_pixels).
 *
 * A stream's header may claim any size: a 2 KB JPEG that says 32000x32000
 * makes the decoder allocate and fill a 1.5 GB frame. The caps after the
 * decoder arrive too late to stop that, and so does the decoder's caps event
 * itself: a GstVideoDecoder allocates its output buffer right after it, in
 * the same call, and a sticky event cannot be refused from a probe. So every
 * decoder plugged into the watched bin gets two probes:
 *
 * - on its sink pad, the caps it is fed (the container's claim, or the
 *   parser's reading of the bitstream, as h264parse gives): over the limit,
 *   the caps and every buffer after them are dropped, so the decoder never
 *   sees the data;
 * - on its source pad, the ALLOCATION query that follows its own reading of
 *   the header (jpegdec has no parser before it): over the limit, it is
 *   answered with a buffer pool that allocates nothing, so the decoder fails
 *   on its first frame instead of allocating it.
 *
 * Either posts SDAG_ERROR_FRAME_TOO_LARGE from the decoder's pad, once per probe,
 * on the pipeline's bus, where the job's owner ends it. The probes run on
 * streaming threads and share nothing but their own state.
 */

typedef struct {
	guint64 max_pixels;
	gint refused; /* atomic */
} SdagFramelimitProbe;

/* A buffer pool that never allocates: the answer to a decoder's ALLOCATION query for a
 * frame over the limit. */
typedef struct {
	GstBufferPool parent;
} SdagFramelimitPool;

typedef struct {
	GstBufferPoolClass parent_class;
} SdagFramelimitPoolClass;

static GType sdag_framelimit_pool_get_type(void);
G_DEFINE_TYPE(SdagFramelimitPool, sdag_framelimit_pool, GST_TYPE_BUFFER_POOL)

static GstFlowReturn
sdag_framelimit_pool_alloc_buffer(GstBufferPool *pool,
				  GstBuffer **buffer,
				  GstBufferPoolAcquireParams *params)
{
	return GST_FLOW_ERROR;
}

static void
sdag_framelimit_pool_class_init(SdagFramelimitPoolClass *klass)
{
	GST_BUFFER_POOL_CLASS(klass)->alloc_buffer = sdag_framelimit_pool_alloc_buffer;
}

static void
sdag_framelimit_pool_init(SdagFramelimitPool *self)
{
}

/**
 * sdag_framelimit_caps_exceed:
 * @caps: (nullable): caps that may give a width and a height
 * @max_pixels: the limit; 0: none
 *
 * Returns: whether @caps give a frame of more than @max_pixels pixels; *width and *height
 * get its size then
 */
gboolean
sdag_framelimit_caps_exceed(const GstCaps *caps, guint64 max_pixels, gint *width, gint *height)
{
	const GstStructure *s;
	gint w = 0;
	gint h = 0;

	if (caps == NULL || max_pixels == 0 || gst_caps_is_empty(caps) || gst_caps_is_any(caps))
		return FALSE;
	s = gst_caps_get_structure(caps, 0);
	if (!gst_structure_get_int(s, "width", &w) || !gst_structure_get_int(s, "height", &h) ||
	    w <= 0 || h <= 0)
		return FALSE;
	if ((guint64)w * (guint64)h <= max_pixels)
		return FALSE;
	*width = w;
	*height = h;
	return TRUE;
}

/* Posts the error once per probe: the job's owner reads it on the bus. */
static void
sdag_framelimit_refuse(GstPad *pad, SdagFramelimitProbe *probe, gint width, gint height)
{
	GstObject *element = GST_OBJECT_PARENT(pad);
	g_autoptr(GError) error = NULL;

	if (!g_atomic_int_compare_and_exchange(&probe->refused, 0, 1) || element == NULL)
		return;
	error =
	    g_error_new(SDAG_ERROR,
			SDAG_ERROR_FRAME_TOO_LARGE,
			"frames of %dx%d (%" G_GUINT64_FORMAT
			" pixels) are larger than [jobs] max_frame_pixels (%" G_GUINT64_FORMAT ")",
			width,
			height,
			(guint64)width * (guint64)height,
			probe->max_pixels);
	/* from the pad, through the decoder: decodebin drops the errors of a decoder it is
	 * still trying out (to try the next one), and sends the first caps in that time */
	gst_element_post_message(GST_ELEMENT(element),
				 gst_message_new_error(GST_OBJECT(pad), error, NULL));
}

static GstPadProbeReturn
sdag_framelimit_sink_cb(GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
	SdagFramelimitProbe *probe = user_data;
	GstEvent *event;
	GstCaps *caps = NULL;
	gint w = 0;
	gint h = 0;

	if (info->type & (GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST))
		return g_atomic_int_get(&probe->refused) ? GST_PAD_PROBE_DROP : GST_PAD_PROBE_OK;
	event = GST_PAD_PROBE_INFO_EVENT(info);
	if (event == NULL || GST_EVENT_TYPE(event) != GST_EVENT_CAPS)
		return GST_PAD_PROBE_OK;
	gst_event_parse_caps(event, &caps);
	if (!sdag_framelimit_caps_exceed(caps, probe->max_pixels, &w, &h))
		return GST_PAD_PROBE_OK;
	sdag_framelimit_refuse(pad, probe, w, h);
	return GST_PAD_PROBE_DROP;
}

static GstPadProbeReturn
sdag_framelimit_src_cb(GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
	SdagFramelimitProbe *probe = user_data;
	GstQuery *query = GST_PAD_PROBE_INFO_QUERY(info);
	GstCaps *caps = NULL;
	gint w = 0;
	gint h = 0;

	if (query == NULL || GST_QUERY_TYPE(query) != GST_QUERY_ALLOCATION)
		return GST_PAD_PROBE_OK;
	gst_query_parse_allocation(query, &caps, NULL);
	if (!sdag_framelimit_caps_exceed(caps, probe->max_pixels, &w, &h))
		return GST_PAD_PROBE_OK;
	sdag_framelimit_refuse(pad, probe, w, h);
	{
		g_autoptr(GstBufferPool) pool = g_object_new(sdag_framelimit_pool_get_type(), NULL);
		gst_query_add_allocation_pool(query, pool, 0, 0, 0);
	}
	return GST_PAD_PROBE_HANDLED;
}

static void
sdag_framelimit_add_probe(GstElement *element,
			  const char *name,
			  GstPadProbeType mask,
			  GstPadProbeCallback cb,
			  guint64 max_pixels)
{
	g_autoptr(GstPad) pad = gst_element_get_static_pad(element, name);
	SdagFramelimitProbe *probe;

	if (pad == NULL)
		return;
	probe = g_new0(SdagFramelimitProbe, 1);
	probe->max_pixels = max_pixels;
	gst_pad_add_probe(pad, mask, cb, probe, g_free);
}

static void
sdag_framelimit_free_limit(gpointer data, GClosure *closure)
{
	g_free(data);
}

static void
sdag_framelimit_element_added_cb(GstBin *bin, GstBin *sub, GstElement *element, gpointer user_data)
{
	const guint64 *max_pixels = user_data;
	const char *klass = gst_element_get_metadata(element, GST_ELEMENT_METADATA_KLASS);

	/* decodebin says "Generic/Bin/Decoder": only the decoders inside it */
	if (GST_IS_BIN(element) || klass == NULL || strstr(klass, "Decoder") == NULL)
		return;
	sdag_framelimit_add_probe(element,
				  "sink",
				  GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM | GST_PAD_PROBE_TYPE_BUFFER |
				      GST_PAD_PROBE_TYPE_BUFFER_LIST,
				  sdag_framelimit_sink_cb,
				  *max_pixels);
	sdag_framelimit_add_probe(element,
				  "src",
				  GST_PAD_PROBE_TYPE_QUERY_DOWNSTREAM,
				  sdag_framelimit_src_cb,
				  *max_pixels);
}

/**
 * sdag_framelimit_watch:
 * @bin: a bin that plugs decoders (uridecodebin, decodebin, or a pipeline holding one)
 * @max_pixels: the largest frame, width times height; 0: no limit
 *
 * Makes every decoder later added inside @bin refuse frames over @max_pixels: it posts
 * SDAG_ERROR_FRAME_TOO_LARGE on the bus and stops before allocating such a frame.
 */
void
sdag_framelimit_watch(GstElement *bin, guint64 max_pixels)
{
	if (max_pixels == 0)
		return;
	g_signal_connect_data(bin,
			      "deep-element-added",
			      G_CALLBACK(sdag_framelimit_element_added_cb),
			      g_memdup2(&max_pixels, sizeof(max_pixels)),
			      sdag_framelimit_free_limit,
			      0);
}
