/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* The relative error bound of every quantile a sketch answers (see docs/metrics.md). */
#define SDAG_SKETCH_RELATIVE_ERROR 0.01

typedef struct _SdagSketch SdagSketch;

SdagSketch *sdag_sketch_new(void);
void sdag_sketch_free(SdagSketch *self);
void sdag_sketch_add(SdagSketch *self, double value);
void sdag_sketch_merge(SdagSketch *self, const SdagSketch *other);
guint64 sdag_sketch_get_count(const SdagSketch *self);
double sdag_sketch_get_sum(const SdagSketch *self);
double sdag_sketch_get_min(const SdagSketch *self);
double sdag_sketch_get_max(const SdagSketch *self);
double sdag_sketch_quantile(const SdagSketch *self, double q);
JsonNode *sdag_sketch_to_json(const SdagSketch *self);
SdagSketch *sdag_sketch_from_json(JsonNode *node);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(SdagSketch, sdag_sketch_free)

G_END_DECLS
