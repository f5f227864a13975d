/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The GStreamer plugin "sddag": the sddag element, so that streamdag
 * pipelines also run in gst-launch-1.0 and in other applications. The daemon
 * links the element in directly and does not load this plugin.
 */
#include "config.h"

#include <gst/gst.h>

#include "sdag-element.h"

#define PACKAGE "streamdag"

static gboolean
plugin_init(GstPlugin *plugin)
{
	return sdag_element_register(plugin);
}

GST_PLUGIN_DEFINE(GST_VERSION_MAJOR,
		  GST_VERSION_MINOR,
		  sddag,
		  "Runs streamdag pipelines of analysis nodes over video frames",
		  plugin_init,
		  SDAG_VERSION,
		  "LGPL",
		  "streamdag",
		  "streamdag")
