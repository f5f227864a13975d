/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "sdag-cameras.h"
#include "sdag-config.h"
#include "sdag-history.h"
#include "sdag-jobs.h"
#include "sdag-metrics.h"
#include "sdag-nodetypes.h"
#include "sdag-prom.h"
#include "sdag-registry.h"
#include "sdag-stats.h"
#include "sdag-token.h"
#include "sdag-ws.h"

G_BEGIN_DECLS

typedef struct _SdagRest SdagRest;

/* The whole GET /healthz object, assembled by whoever knows every part of the daemon. */
typedef JsonNode *(*SdagRestHealthFunc)(gpointer user_data);
/* The frame result of POST /pipelines/{id}/run, or @error; on the main context. */
typedef void (*SdagRestImageDoneFunc)(JsonNode *result, const GError *error, gpointer user_data);
/* Starts a run of @pipeline_id over @image, answered through @done; FALSE with @error when
 * it cannot start. */
/* The answer of an admin operation (a check, a backup), or @error; on the main context. */
typedef void (*SdagRestAdminDoneFunc)(JsonNode *result, const GError *error, gpointer user_data);
/* Starts a consistency check (@backup_dir NULL) or a backup into @backup_dir, answered
 * through @done; FALSE with @error when it cannot start. */
typedef gboolean (*SdagRestAdminFunc)(gpointer data,
				      const char *backup_dir,
				      SdagRestAdminDoneFunc done,
				      gpointer done_data,
				      GError **error);
typedef gboolean (*SdagRestRunImageFunc)(gpointer runner,
					 const char *pipeline_id,
					 const char *content_type,
					 GBytes *image,
					 SdagRestImageDoneFunc done,
					 gpointer done_data,
					 GError **error);

/**
 * SdagRestServices:
 *
 * Everything REST may call, built by the daemon; REST sees nothing else of it (no store,
 * no runner, no MQTT). All borrowed: they outlive the REST server.
 */
typedef struct {
	SdagConfig *config; /* [daemon] listen and the [rest] limits */
	SdagNodeTypes *types;
	SdagRegistry *registry;
	SdagJobs *jobs;
	SdagCameras *cameras;
	SdagHistory *history; /* the audit sink */
	SdagProm *prom;
	SdagMetrics *metrics;
	SdagStats *stats;
	SdagWs *ws;
	SdagRestHealthFunc health;
	gpointer health_data;
	SdagRestRunImageFunc run_image;
	gpointer run_image_data;
	SdagRestAdminFunc admin;
	gpointer admin_data;
} SdagRestServices;

SdagRest *sdag_rest_new(const SdagRestServices *services, GError **error);
void sdag_rest_free(SdagRest *self);
guint16 sdag_rest_get_port(SdagRest *self);
gboolean sdag_rest_reload_certificate(SdagRest *self, SdagConfig *config, GError **error);
gboolean sdag_rest_is_tls(SdagRest *self);
void sdag_rest_set_auth(SdagRest *self, GPtrArray *tokens, guint rate, guint burst);
gboolean sdag_rest_get_route(guint i, const char **pattern, const char **method, SdagScope *scope);

G_END_DECLS
