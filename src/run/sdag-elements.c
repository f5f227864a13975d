/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "sdag-elements"

#include "config.h"

#include "sdag-elements.h"

#include <gst/gst.h>

#include "sdag-error.h"

/*
 * Every element the run layer makes by name, directly or through decodebin for the formats
 * a camera or a file commonly has. Without the check a missing plugin package shows up
 * only when the first job of that kind fails, weeks after installation; with it the daemon
 * refuses to start and names the package. The package names are Debian's (the .deb depends
 * on each); packaging/README.md has the same table.
 */
static const SdagElementNeed sdag_elements_table[] = {
    {"queue", "libgstreamer1.0-0", "the hand-over between decoder and analysis"},
    {"fakesink", "libgstreamer1.0-0", "the end of every job's pipeline"},
    {"uridecodebin", "gstreamer1.0-plugins-base", "file and HTTP sources"},
    {"decodebin", "gstreamer1.0-plugins-base", "live sources and single images"},
    {"videoconvert", "gstreamer1.0-plugins-base", "the frame format the nodes read"},
    {"appsrc", "gstreamer1.0-plugins-base", "live jobs and single images"},
    {"appsink", "gstreamer1.0-plugins-base", "live jobs and single images"},
    {"rtspsrc", "gstreamer1.0-plugins-good", "RTSP cameras"},
    {"jpegenc", "gstreamer1.0-plugins-good", "snapshots"},
    {"jpegdec", "gstreamer1.0-plugins-good", "MJPEG cameras and JPEG images"},
    {"qtdemux", "gstreamer1.0-plugins-good", "MP4 and MOV files"},
    {"rtmp2src", "gstreamer1.0-plugins-bad", "RTMP feeds"},
    {"avdec_h264", "gstreamer1.0-libav", "H.264 decoding"},
};

/**
 * sdag_elements_needed:
 * @n: (out): how many there are
 *
 * Returns: the elements the daemon needs, each with its package
 */
const SdagElementNeed *
sdag_elements_needed(gsize *n)
{
	*n = G_N_ELEMENTS(sdag_elements_table);
	return sdag_elements_table;
}

/**
 * sdag_elements_check:
 *
 * Looks each element up in GStreamer's registry (gst_init() done). Fails with every
 * missing element and its package in one message, so that one install fixes them all.
 */
gboolean
sdag_elements_check(const SdagElementNeed *needs, gsize n, GError **error)
{
	g_autoptr(GString) missing = g_string_new(NULL);
	g_autoptr(GPtrArray) packages = g_ptr_array_new();

	for (gsize i = 0; i < n; i++) {
		g_autoptr(GstElementFactory) f = gst_element_factory_find(needs[i].element);

		if (f != NULL)
			continue;
		g_string_append_printf(missing,
				       "%s%s (%s, for %s)",
				       missing->len > 0 ? ", " : "",
				       needs[i].element,
				       needs[i].package,
				       needs[i].used_for);
		if (!g_ptr_array_find_with_equal_func(
			packages, needs[i].package, g_str_equal, NULL))
			g_ptr_array_add(packages, (gpointer)needs[i].package);
	}
	if (missing->len == 0)
		return TRUE;
	g_ptr_array_add(packages, NULL);
	{
		g_autofree char *list = g_strjoinv(" ", (char **)packages->pdata);

		g_set_error(error,
			    SDAG_ERROR,
			    SDAG_ERROR_PLUGIN,
			    "GStreamer elements missing: %s; install them with: apt-get install %s",
			    missing->str,
			    list);
	}
	return FALSE;
}
