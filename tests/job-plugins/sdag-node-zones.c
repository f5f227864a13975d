/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * zones: a node for the MQTT tests with a known story per frame. One "person", track 7,
 * seen on every frame (score 0.5), enters zone "door" on frame 2, crosses line "gate"
 * inwards on frame 5 and leaves "door" on frame 8. Every frame it counts, for "person":
 * "zone/door" (1 from frame 2 to 7, else 0), "line/gate/in" (1 from frame 5) and
 * "line/gate/out" (always 0).
 */
#include "sdag-node.h"

const SdagNodeDesc *sdag_node_describe(void);

static gpointer
zones_init(JsonObject *params, GError **error)
{
	return g_new0(char, 1);
}

static void
zones_event(GArray *items, const char *kind, const char *name)
{
	SdagEvent e = {.track_id = 7};

	g_strlcpy(e.kind, kind, sizeof(e.kind));
	g_strlcpy(e.name, name, sizeof(e.name));
	g_strlcpy(e.label, "person", sizeof(e.label));
	g_array_append_val(items, e);
}

static void
zones_count(GArray *items, const char *name, gint64 value)
{
	SdagCount c = {.value = value};

	g_strlcpy(c.name, name, sizeof(c.name));
	g_strlcpy(c.label, "person", sizeof(c.label));
	g_array_append_val(items, c);
}

static gboolean
zones_process(gpointer instance, const SdagPacket *inputs, SdagPacket *outputs, GError **error)
{
	guint64 f = inputs[0].frame->frame_id;
	SdagDetection d = {.label = "person",
			   .score = 0.5f,
			   .x = (float)f,
			   .y = 0,
			   .w = 10,
			   .h = 10,
			   .track_id = 7};

	g_array_append_val(outputs[0].items, d);
	if (f == 2)
		zones_event(outputs[1].items, "enter", "door");
	else if (f == 5)
		zones_event(outputs[1].items, "cross_in", "gate");
	else if (f == 8)
		zones_event(outputs[1].items, "exit", "door");
	zones_count(outputs[2].items, "zone/door", (f >= 2 && f < 8) ? 1 : 0);
	zones_count(outputs[2].items, "line/gate/in", f >= 5 ? 1 : 0);
	zones_count(outputs[2].items, "line/gate/out", 0);
	return TRUE;
}

static void
zones_finalize(gpointer instance)
{
	g_free(instance);
}

static const SdagPortSpec zones_inputs[] = {
    {"frame", SDAG_PORT_FRAME, FALSE, "any decoded frame"},
};

static const SdagPortSpec zones_outputs[] = {
    {"detections", SDAG_PORT_TRACKS, FALSE, "one tracked person"},
    {"events", SDAG_PORT_EVENTS, FALSE, "enter, cross_in, exit"},
    {"counts", SDAG_PORT_COUNTS, FALSE, "zone and line counts"},
};

static const SdagNodeDesc zones_desc = {
    .abi_version = SDAG_NODE_ABI_VERSION,
    .name = "zones",
    .version = "1.0.0",
    .description = "A person through a zone and over a line (tests only)",
    .inputs = zones_inputs,
    .n_inputs = G_N_ELEMENTS(zones_inputs),
    .outputs = zones_outputs,
    .n_outputs = G_N_ELEMENTS(zones_outputs),
    .init = zones_init,
    .process = zones_process,
    .finalize = zones_finalize,
};

G_MODULE_EXPORT const SdagNodeDesc *
sdag_node_describe(void)
{
	return &zones_desc;
}
