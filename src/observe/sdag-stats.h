/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

#include "sdag-sketch.h"
#include "sdag-store.h"

G_BEGIN_DECLS

typedef struct {
	const char *id;
	const char *type;
	guint64 count;
	gint64 total_ns;
	const SdagSketch *sketch; /* per-frame times, ns */
} SdagStatsNode;

/* What one finished job adds to its pipeline's analytics. */
typedef struct {
	const char *pipeline_id;
	const char *status;
	gint64 finished_us; /* wall clock: picks the day */
	gboolean started;   /* it ran: the figures below mean something */
	guint64 frames_decoded;
	guint64 frames_processed;
	double wall_s;
	double fps_processed;
	gint64 dag_total_ns;
	guint n_nodes;
	const SdagStatsNode *nodes;
} SdagStatsRun;

typedef struct _SdagStats SdagStats;

SdagStats *sdag_stats_new(SdagStore *store);
void sdag_stats_free(SdagStats *self);
gboolean sdag_stats_add_run(SdagStats *self, const SdagStatsRun *run, GError **error);
JsonNode *sdag_stats_query(SdagStats *self,
			   const char *pipeline_id,
			   gint64 since_us,
			   gint64 until_us,
			   GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(SdagStats, sdag_stats_free)

G_END_DECLS
