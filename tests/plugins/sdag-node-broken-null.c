/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Broken on purpose: the entry point returns no description.
 */
#include "sdag-node.h"

const SdagNodeDesc *sdag_node_describe(void);

G_MODULE_EXPORT const SdagNodeDesc *
sdag_node_describe(void)
{
	return NULL;
}
