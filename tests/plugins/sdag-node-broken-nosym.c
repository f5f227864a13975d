/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Broken on purpose: exports the entry point under a misspelt name.
 */
#include "sdag-node.h"

G_MODULE_EXPORT int sdag_node_descibe(void);

G_MODULE_EXPORT int
sdag_node_descibe(void)
{
	return 0;
}
