/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* The classes of what a job publishes: each has its own switch, QoS and retain flag. */
typedef enum {
	SDAG_PUB_STATUS,
	SDAG_PUB_PROGRESS,
	SDAG_PUB_DETECTIONS,
	SDAG_PUB_EVENTS,
	SDAG_PUB_COUNTS,
	SDAG_PUB_N_CLASSES
} SdagPubClass;

/*
 * SdagPubOpts: volume control, from the [mqtt] group and overridden per job by
 * options.mqtt (the same member names).
 */
typedef struct {
	gboolean publish[SDAG_PUB_N_CLASSES];
	guint8 qos[SDAG_PUB_N_CLASSES];
	gboolean retain[SDAG_PUB_N_CLASSES];
	guint progress_interval_ms;
	gboolean detections_every_frame;
	gboolean counts_on_change;
	guint message_expiry_s; /* MQTT 5 only; 0: none */
} SdagPubOpts;

/* The [mqtt] group. */
typedef struct {
	char *broker; /* "" when MQTT is off; URIs separated by ',' */
	char *client_id;
	char *username;
	char *password;
	/* the password's file: absolute, or a name in $CREDENTIALS_DIRECTORY; read by the
	 * config loader into password, which it then holds */
	char *password_file;
	char *ca_file;
	char *cert_file;
	char *key_file;
	gboolean tls_verify;
	guint keepalive_s;
	guint reconnect_min_s;
	guint reconnect_max_s;
	char *topic_root;
	guint protocol_version; /* 4 (3.1.1) or 5 */
	guint buffer_size;
	gboolean ha_discovery;
	char *ha_prefix;
	guint stats_interval_s; /* <root>/stats every so often; 0: never */
	SdagPubOpts pub;
} SdagMqttConfig;

void sdag_mqtt_config_clear(SdagMqttConfig *self);
gboolean
sdag_mqtt_config_set(SdagMqttConfig *self, const char *key, const char *value, GError **error);
gboolean sdag_mqtt_config_is_reloadable(const char *key);
gboolean sdag_mqtt_config_swap_connection(SdagMqttConfig *a, SdagMqttConfig *b);
gboolean sdag_mqtt_config_check_broker(const char *value, GError **error);
gboolean sdag_pub_opts_apply_json(SdagPubOpts *opts, JsonNode *node, GError **error);

G_END_DECLS
