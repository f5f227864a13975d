/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

#include "sdag-cameras.h"
#include "sdag-config.h"
#include "sdag-history.h"
#include "sdag-jobs.h"
#include "sdag-metrics.h"
#include "sdag-nodetypes.h"
#include "sdag-prom.h"
#include "sdag-registry.h"
#include "sdag-stats.h"
#include "sdag-store.h"

G_BEGIN_DECLS

typedef struct _SdagRest SdagRest;
typedef struct _SdagFeed SdagFeed;
typedef struct _SdagMqtt SdagMqtt;
typedef struct _SdagWs SdagWs;
typedef struct _SdagRunonce SdagRunonce;

/**
 * SdagDaemon:
 *
 * The daemon's context: every piece of mutable state of the process hangs
 * off this object, owned here and wired here. Modules get what they need
 * from it; they keep no globals of their own.
 */
typedef struct {
	SdagConfig *config;
	SdagStore *store;
	SdagNodeTypes *types;
	SdagRegistry *registry;
	SdagJobs *jobs;
	SdagCameras *cameras;
	SdagRest *rest;
	SdagProm *prom;
	SdagStats *stats;
	SdagMetrics *metrics;
	SdagHistory *history;
	SdagFeed *feed; /* what MQTT and WebSocket publish */
	SdagMqtt *mqtt; /* NULL when no broker is configured */
	SdagWs *ws;
	SdagRunonce *runonce; /* POST /pipelines/{id}/run */
	gint64 started_us;    /* monotonic */
	guint store_probe_id;
	gboolean mqtt_collected; /* the MQTT series' collector is added (once) */
	/* at the last <root>/stats: CPU time used and monotonic time, for its cpu_percent */
	gint64 stats_cpu_us;
	gint64 stats_wall_us;
	guint admin_running; /* checks and backups on worker threads: waited for at the end */
	guint retention_id;  /* the hourly [retention] run, when configured */
} SdagDaemon;

SdagDaemon *sdag_daemon_new(SdagConfig *config, GError **error);
void sdag_daemon_free(SdagDaemon *self);
guint16 sdag_daemon_get_port(SdagDaemon *self);
char *sdag_daemon_status_text(SdagDaemon *self);
gboolean sdag_daemon_reload(SdagDaemon *self, SdagConfig *next, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(SdagDaemon, sdag_daemon_free)

G_END_DECLS
