/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "sdag-jobs.h"
#include "sdag-prom.h"
#include "sdag-stats.h"

G_BEGIN_DECLS

typedef struct _SdagMetrics SdagMetrics;

SdagMetrics *sdag_metrics_new(SdagStore *store, SdagJobs *jobs, SdagStats *stats, SdagProm *prom);
void sdag_metrics_free(SdagMetrics *self);
JsonNode *sdag_metrics_get_job(SdagMetrics *self, const char *job_id, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(SdagMetrics, sdag_metrics_free)

G_END_DECLS
