/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

#include "sdag-feed.h"
#include "sdag-mqtt-config.h"
#include "sdag-store.h"

G_BEGIN_DECLS

typedef struct _SdagMqtt SdagMqtt;

SdagMqtt *sdag_mqtt_new(const SdagMqttConfig *config,
			const char *device_id,
			SdagStore *store,
			SdagFeed *feed,
			GError **error);
void sdag_mqtt_free(SdagMqtt *self);
void sdag_mqtt_add_health(SdagMqtt *self, JsonBuilder *b);
void sdag_mqtt_get_counters(SdagMqtt *self, guint64 *outbox_depth, guint64 *failed);
guint64 sdag_mqtt_get_dead_letters(SdagMqtt *self);
gboolean sdag_mqtt_is_connected(SdagMqtt *self);
void sdag_mqtt_forget_camera(SdagMqtt *self, const char *camera);
void sdag_mqtt_set_rest_url(SdagMqtt *self, const char *url);
/* Returns: (transfer full): the payload of <root>/stats */
typedef JsonNode *(*SdagMqttStatsFunc)(gpointer user_data);
void sdag_mqtt_set_stats_func(SdagMqtt *self, SdagMqttStatsFunc func, gpointer user_data);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(SdagMqtt, sdag_mqtt_free)

G_END_DECLS
