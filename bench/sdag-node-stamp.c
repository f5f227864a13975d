/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * stamp: a benchmark node. Reads the sequence number that sdag-bench-rtsp
 * painted into the frame and gives it as the count "seq", with the wall
 * time at which the DAG ran on the frame as the count "t_us": the frame's
 * result is available from then on.
 */
#include <string.h>

#include "sdag-bench-stamp.h"
#include "sdag-node.h"

const SdagNodeDesc *sdag_node_describe(void);

static gpointer
stamp_init(JsonObject *params, GError **error)
{
	return GINT_TO_POINTER(1);
}

static void
stamp_append(GArray *items, const char *name, gint64 value)
{
	SdagCount c = {.value = value};

	g_strlcpy(c.name, name, sizeof(c.name));
	g_strlcpy(c.label, "frame", sizeof(c.label));
	g_array_append_val(items, c);
}

static gboolean
stamp_process(gpointer instance, const SdagPacket *inputs, SdagPacket *outputs, GError **error)
{
	const SdagFrame *f = inputs[0].frame;

	stamp_append(
	    outputs[0].items, "seq", sdag_bench_stamp_read(f->planes[0], f->strides[0], f->width));
	stamp_append(outputs[0].items, "t_us", g_get_real_time());
	return TRUE;
}

static void
stamp_finalize(gpointer instance)
{
}

static const SdagPortSpec stamp_inputs[] = {
    {"frame", SDAG_PORT_FRAME, FALSE, "a frame painted by sdag-bench-rtsp"},
};

static const SdagPortSpec stamp_outputs[] = {
    {"counts", SDAG_PORT_COUNTS, FALSE, "seq: the painted number; t_us: wall time now"},
};

static const SdagNodeDesc stamp_desc = {
    .abi_version = SDAG_NODE_ABI_VERSION,
    .name = "stamp",
    .version = "1.0.0",
    .description = "Benchmark: reads a frame's painted sequence number",
    .inputs = stamp_inputs,
    .n_inputs = G_N_ELEMENTS(stamp_inputs),
    .outputs = stamp_outputs,
    .n_outputs = G_N_ELEMENTS(stamp_outputs),
    .init = stamp_init,
    .process = stamp_process,
    .finalize = stamp_finalize,
    .frame_formats = SDAG_FRAME_FORMAT_BIT(SDAG_FRAME_FORMAT_I420) |
		     SDAG_FRAME_FORMAT_BIT(SDAG_FRAME_FORMAT_NV12) |
		     SDAG_FRAME_FORMAT_BIT(SDAG_FRAME_FORMAT_GRAY8),
};

G_MODULE_EXPORT const SdagNodeDesc *
sdag_node_describe(void)
{
	return &stamp_desc;
}
