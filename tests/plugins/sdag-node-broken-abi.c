/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Broken on purpose: built against a future ABI.
 */
#include "sdag-node.h"

const SdagNodeDesc *sdag_node_describe(void);

static const SdagNodeDesc future_desc = {
    .abi_version = SDAG_NODE_ABI_VERSION + 98,
    .name = "from_the_future",
};

G_MODULE_EXPORT const SdagNodeDesc *
sdag_node_describe(void)
{
	return &future_desc;
}
