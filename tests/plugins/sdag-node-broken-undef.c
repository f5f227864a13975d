/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Broken on purpose: calls a function that nothing defines. The loader must
 * refuse it when it opens it, not when the first frame reaches the call.
 */
#include "sdag-node.h"

const SdagNodeDesc *sdag_node_describe(void);
extern int sdag_no_such_function(void);

static gpointer
undef_init(JsonObject *params, GError **error)
{
	return GINT_TO_POINTER(sdag_no_such_function());
}

static gboolean
undef_process(gpointer instance, const SdagPacket *inputs, SdagPacket *outputs, GError **error)
{
	return TRUE;
}

static void
undef_finalize(gpointer instance)
{
}

static const SdagNodeDesc undef_desc = {
    .abi_version = SDAG_NODE_ABI_VERSION,
    .name = "undefined_symbol",
    .version = "0.0.1",
    .init = undef_init,
    .process = undef_process,
    .finalize = undef_finalize,
};

G_MODULE_EXPORT const SdagNodeDesc *
sdag_node_describe(void)
{
	return &undef_desc;
}
