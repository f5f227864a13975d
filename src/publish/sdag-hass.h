/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* Where Home Assistant says it (re)started: "online" asks for every config again. */
char *sdag_hass_status_topic(const char *prefix);

/* What every entity of one camera's device is made from; all borrowed. */
typedef struct {
	const char *prefix; /* the discovery prefix, "homeassistant" */
	const char *root;   /* the MQTT topic root */
	const char *device_id;
	const char *camera;
	const char *sw_version;
	const char *configuration_url; /* nullable: the REST address, when known */
} SdagHassCamera;

/* One discovery config and the topic it is published on (retained). */
typedef struct {
	char *topic;
	JsonNode *config;
} SdagHassConfig;

GPtrArray *sdag_hass_camera_configs(const SdagHassCamera *cam, const char *const *states);
GPtrArray *sdag_hass_camera_count_configs(const SdagHassCamera *cam, const char *count_topic);

G_END_DECLS
