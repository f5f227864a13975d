/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "sdag-nodetypes.h"

G_BEGIN_DECLS

/* Adds node types for tests: det (frame -> detections), trk (detections ->
 * tracks, events), merge (detections a, optional b -> detections), needs
 * (a required string param) and ranged (a validate hook: lo <= hi). */
void sdag_test_types_add(SdagNodeTypes *types);

/* A fresh temporary directory, and its recursive removal. */
char *sdag_test_mkdtemp(void);
void sdag_test_rmtree(const char *path);

G_END_DECLS
