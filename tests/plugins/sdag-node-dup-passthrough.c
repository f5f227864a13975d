/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A valid plugin that claims the name of a shipped node type: when both are
 * loaded, the second must be skipped, not replace the first.
 */
#include "sdag-node.h"

const SdagNodeDesc *sdag_node_describe(void);

static gpointer
dup_init(JsonObject *params, GError **error)
{
	return GINT_TO_POINTER(1);
}

static gboolean
dup_process(gpointer instance, const SdagPacket *inputs, SdagPacket *outputs, GError **error)
{
	return TRUE;
}

static void
dup_finalize(gpointer instance)
{
}

static const SdagNodeDesc dup_desc = {
    .abi_version = SDAG_NODE_ABI_VERSION,
    .name = "passthrough",
    .version = "9.9.9",
    .init = dup_init,
    .process = dup_process,
    .finalize = dup_finalize,
};

G_MODULE_EXPORT const SdagNodeDesc *
sdag_node_describe(void)
{
	return &dup_desc;
}
