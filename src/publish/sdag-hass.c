/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "sdag-hass"

#include "sdag-hass.h"

#include <string.h>

/*
 * Home Assistant MQTT discovery payloads (pure). Each job's status is one sensor, each of its
 * count topics (zone occupancy, line crossings, other counts) another; every entity names
 * `<root>/available` as its availability and belongs to one device per streamdag box.
 * Config topics: `<prefix>/sensor/<node_id>/<object_id>/config` with node_id the device id and
 * object_id made of the job id and the count topic, '/' turned into '_' (discovery allows
 * [a-zA-Z0-9_-] only).
 */

char *
sdag_hass_status_topic(const char *prefix)
{
	return g_strdup_printf("%s/status", prefix);
}

static char *
sdag_hass_object_id(const char *text)
{
	char *id = g_strdup(text);

	for (char *p = id; *p != '\0'; p++) {
		if (!g_ascii_isalnum(*p) && *p != '-' && *p != '_')
			*p = '_';
	}
	return id;
}

static void
sdag_hass_common(JsonBuilder *b,
		 const char *root,
		 const char *device_id,
		 const char *unique_id,
		 const char *name,
		 const char *state_topic)
{
	g_autofree char *avail = g_strdup_printf("%s/available", root);
	g_autofree char *dev_id = g_strdup_printf("streamdag_%s", device_id);
	g_autofree char *dev_name = g_strdup_printf("streamdag %s", device_id);

	json_builder_set_member_name(b, "name");
	json_builder_add_string_value(b, name);
	json_builder_set_member_name(b, "unique_id");
	json_builder_add_string_value(b, unique_id);
	json_builder_set_member_name(b, "object_id");
	json_builder_add_string_value(b, unique_id);
	json_builder_set_member_name(b, "state_topic");
	json_builder_add_string_value(b, state_topic);
	json_builder_set_member_name(b, "availability_topic");
	json_builder_add_string_value(b, avail);
	json_builder_set_member_name(b, "payload_available");
	json_builder_add_string_value(b, "online");
	json_builder_set_member_name(b, "payload_not_available");
	json_builder_add_string_value(b, "offline");
	json_builder_set_member_name(b, "device");
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "identifiers");
	json_builder_begin_array(b);
	json_builder_add_string_value(b, dev_id);
	json_builder_end_array(b);
	json_builder_set_member_name(b, "name");
	json_builder_add_string_value(b, dev_name);
	json_builder_set_member_name(b, "manufacturer");
	json_builder_add_string_value(b, "streamdag");
	json_builder_set_member_name(b, "model");
	json_builder_add_string_value(b, "streamdagd");
	json_builder_end_object(b);
}

/**
 * sdag_hass_job_status_config:
 * @topic: (out): the config topic
 *
 * Returns: (transfer full): the discovery config of the job's status sensor
 */
JsonNode *
sdag_hass_job_status_config(const char *prefix,
			    const char *root,
			    const char *device_id,
			    const char *job_id,
			    char **topic)
{
	g_autoptr(JsonBuilder) b = json_builder_new_immutable();
	g_autofree char *raw = g_strdup_printf("%s_%s_status", device_id, job_id);
	g_autofree char *uid = sdag_hass_object_id(raw);
	g_autofree char *state = g_strdup_printf("%s/jobs/%s/status", root, job_id);
	g_autofree char *name = g_strdup_printf("Job %s status", job_id);
	g_autofree char *node = sdag_hass_object_id(device_id);

	json_builder_begin_object(b);
	sdag_hass_common(b, root, device_id, uid, name, state);
	json_builder_set_member_name(b, "value_template");
	json_builder_add_string_value(b, "{{ value_json.status }}");
	json_builder_set_member_name(b, "json_attributes_topic");
	json_builder_add_string_value(b, state);
	json_builder_set_member_name(b, "icon");
	json_builder_add_string_value(b, "mdi:progress-check");
	json_builder_end_object(b);
	*topic = g_strdup_printf("%s/sensor/%s/%s/config", prefix, node, uid);
	return json_builder_get_root(b);
}

/**
 * sdag_hass_count_config:
 * @count_topic: the count's topic below the root ("<job>/zone/<zone>/<label>", ...)
 * @topic: (out): the config topic
 *
 * Returns: (transfer full): the discovery config of one count sensor
 */
JsonNode *
sdag_hass_count_config(const char *prefix,
		       const char *root,
		       const char *device_id,
		       const char *job_id,
		       const char *count_topic,
		       char **topic)
{
	g_autoptr(JsonBuilder) b = json_builder_new_immutable();
	g_autofree char *raw = g_strdup_printf("%s_%s", device_id, count_topic);
	g_autofree char *uid = sdag_hass_object_id(raw);
	g_autofree char *state = g_strdup_printf("%s/%s", root, count_topic);
	const char *rest = count_topic + strlen(job_id) + 1;
	g_autofree char *name = g_strdup_printf("Job %s %s", job_id, rest);
	g_autofree char *node = sdag_hass_object_id(device_id);
	gboolean line = g_str_has_prefix(rest, "line/");
	gboolean zone = g_str_has_prefix(rest, "zone/");

	json_builder_begin_object(b);
	sdag_hass_common(b, root, device_id, uid, name, state);
	json_builder_set_member_name(b, "state_class");
	json_builder_add_string_value(b, line ? "total_increasing" : "measurement");
	json_builder_set_member_name(b, "unit_of_measurement");
	json_builder_add_string_value(b, line ? "crossings" : "objects");
	json_builder_set_member_name(b, "icon");
	json_builder_add_string_value(b, zone ? "mdi:account-group" : "mdi:counter");
	json_builder_end_object(b);
	*topic = g_strdup_printf("%s/sensor/%s/%s/config", prefix, node, uid);
	return json_builder_get_root(b);
}
