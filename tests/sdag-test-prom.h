/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A strict parser of the Prometheus text exposition format 0.0.4 for tests: it fails the
 * test on anything the format does not allow (bad names, a sample before its TYPE, bad
 * escapes, non-cumulative buckets, a histogram without +Inf, _sum or _count).
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
	GHashTable *types;   /* family name -> "counter" | "gauge" | "histogram" */
	GHashTable *samples; /* "name{labels as rendered, re-escaped}" -> double* */
} SdagTestProm;

SdagTestProm *sdag_test_prom_parse(const char *text);
void sdag_test_prom_free(SdagTestProm *p);
/* NaN when absent; @labels as `a="x",b="y"` in the order exposed */
double sdag_test_prom_value(SdagTestProm *p, const char *name, const char *labels);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(SdagTestProm, sdag_test_prom_free)

G_END_DECLS
