/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * passthrough: hands its input frame on unchanged. The smallest node there
 * is: a template for plugin authors and a way to measure the executor's own
 * overhead per frame.
 */
#include "sdag-node.h"

const SdagNodeDesc *sdag_node_describe(void);

static gpointer
passthrough_init(JsonObject *params, GError **error)
{
	/* stateless; any non-NULL instance will do */
	return GINT_TO_POINTER(1);
}

static gboolean
passthrough_process(gpointer instance,
		    const SdagPacket *inputs,
		    SdagPacket *outputs,
		    GError **error)
{
	outputs[0].frame = inputs[0].frame;
	return TRUE;
}

static void
passthrough_finalize(gpointer instance)
{
}

static const SdagPortSpec passthrough_inputs[] = {
    {"frame", SDAG_PORT_FRAME, FALSE, "any decoded frame"},
};

static const SdagPortSpec passthrough_outputs[] = {
    {"frame", SDAG_PORT_FRAME, FALSE, "the same frame"},
};

static const SdagNodeDesc passthrough_desc = {
    .abi_version = SDAG_NODE_ABI_VERSION,
    .name = "passthrough",
    .version = "1.0.0",
    .description = "Passes each frame on unchanged",
    .inputs = passthrough_inputs,
    .n_inputs = G_N_ELEMENTS(passthrough_inputs),
    .outputs = passthrough_outputs,
    .n_outputs = G_N_ELEMENTS(passthrough_outputs),
    .init = passthrough_init,
    .process = passthrough_process,
    .finalize = passthrough_finalize,
    /* it never reads the pixels, so it must not cause a conversion */
    .frame_formats = 0,
};

G_MODULE_EXPORT const SdagNodeDesc *
sdag_node_describe(void)
{
	return &passthrough_desc;
}
