/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "sdag-nodetypes.h"
#include "sdag-store.h"

/* What every libFuzzer target of tests/fuzz shares (README.md there). */

G_BEGIN_DECLS

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

void sdag_fuzz_init(void);
const char *sdag_fuzz_tmpdir(void);
SdagNodeTypes *sdag_fuzz_node_types(void);
SdagStore *sdag_fuzz_store(void);
void sdag_fuzz_fail(const char *what, const char *input);

G_END_DECLS
