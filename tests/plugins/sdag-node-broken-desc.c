/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Broken on purpose: the right ABI, but a param whose default is out of its
 * own range, which the loader must catch before any pipeline uses it.
 */
#include "sdag-node.h"

const SdagNodeDesc *sdag_node_describe(void);

static gpointer
bad_init(JsonObject *params, GError **error)
{
	return NULL;
}

static gboolean
bad_process(gpointer instance, const SdagPacket *inputs, SdagPacket *outputs, GError **error)
{
	return FALSE;
}

static void
bad_finalize(gpointer instance)
{
}

static const SdagPortSpec bad_inputs[] = {{"frame", SDAG_PORT_FRAME, FALSE, NULL}};
static const SdagParamSpec bad_params[] = {
    {"threshold", SDAG_PARAM_DOUBLE, "2.5", TRUE, 0.0, 1.0, NULL}};

static const SdagNodeDesc bad_desc = {
    .abi_version = SDAG_NODE_ABI_VERSION,
    .name = "bad_default",
    .version = "0.0.1",
    .inputs = bad_inputs,
    .n_inputs = 1,
    .params = bad_params,
    .n_params = 1,
    .init = bad_init,
    .process = bad_process,
    .finalize = bad_finalize,
};

G_MODULE_EXPORT const SdagNodeDesc *
sdag_node_describe(void)
{
	return &bad_desc;
}
