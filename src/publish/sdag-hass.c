/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "sdag-hass"

#include "sdag-hass.h"

#include <string.h>

/*
 * Home Assistant MQTT discovery payloads (pure). One device per camera, "streamdag <device id>
 * <camera>", reached through the box's device (via_device): its source state (an enum
 * sensor), its processed fps, its snapshot (an image entity), one sensor per count topic and,
 * per zone and label, an occupancy binary sensor. Jobs no camera runs have no entities: their
 * ids change with every submission, and Home Assistant would keep the dead ones. Every entity
 * names `<root>/available` as its availability. Config topics:
 * `<prefix>/<component>/<node_id>/<object_id>/config`, node_id the device id and object_id
 * the entity's unique id, '/' turned into '_' (discovery allows [a-zA-Z0-9_-] only).
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
		 const SdagHassCamera *cam,
		 const char *unique_id,
		 const char *name,
		 const char *state_topic)
{
	g_autofree char *avail = g_strdup_printf("%s/available", cam->root);
	g_autofree char *box_id = g_strdup_printf("streamdag_%s", cam->device_id);
	g_autofree char *raw_id = g_strdup_printf("streamdag_%s_%s", cam->device_id, cam->camera);
	g_autofree char *dev_id = sdag_hass_object_id(raw_id);
	g_autofree char *dev_name = g_strdup_printf("streamdag %s %s", cam->device_id, cam->camera);

	json_builder_set_member_name(b, "name");
	json_builder_add_string_value(b, name);
	json_builder_set_member_name(b, "unique_id");
	json_builder_add_string_value(b, unique_id);
	json_builder_set_member_name(b, "object_id");
	json_builder_add_string_value(b, unique_id);
	if (state_topic != NULL) {
		json_builder_set_member_name(b, "state_topic");
		json_builder_add_string_value(b, state_topic);
	}
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
	json_builder_add_string_value(b, "streamdagd camera");
	json_builder_set_member_name(b, "via_device");
	json_builder_add_string_value(b, box_id);
	json_builder_set_member_name(b, "sw_version");
	json_builder_add_string_value(b, cam->sw_version);
	if (cam->configuration_url != NULL) {
		json_builder_set_member_name(b, "configuration_url");
		json_builder_add_string_value(b, cam->configuration_url);
	}
	json_builder_end_object(b);
	json_builder_set_member_name(b, "origin");
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "name");
	json_builder_add_string_value(b, "streamdag");
	json_builder_set_member_name(b, "sw_version");
	json_builder_add_string_value(b, cam->sw_version);
	json_builder_end_object(b);
}

/* The entity's unique id and its config topic */
static char *
sdag_hass_topic(const SdagHassCamera *cam, const char *component, const char *what, char **uid)
{
	g_autofree char *raw =
	    g_strdup_printf("streamdag_%s_%s_%s", cam->device_id, cam->camera, what);
	g_autofree char *node = sdag_hass_object_id(cam->device_id);

	*uid = sdag_hass_object_id(raw);
	return g_strdup_printf("%s/%s/%s/%s/config", cam->prefix, component, node, *uid);
}

static void
sdag_hass_add(GPtrArray *out, char *topic, JsonBuilder *b)
{
	SdagHassConfig *c = g_new0(SdagHassConfig, 1);

	c->topic = topic;
	c->config = json_builder_get_root(b);
	g_ptr_array_add(out, c);
}

static void
sdag_hass_config_free(SdagHassConfig *c)
{
	g_free(c->topic);
	json_node_unref(c->config);
	g_free(c);
}

/**
 * sdag_hass_camera_configs:
 *
 * Returns: (transfer full) (element-type SdagHassConfig): the configs of the camera's own
 *   entities: source state, processed fps, snapshot
 */
GPtrArray *
sdag_hass_camera_configs(const SdagHassCamera *cam, const char *const *states)
{
	GPtrArray *out = g_ptr_array_new_with_free_func((GDestroyNotify)sdag_hass_config_free);
	g_autofree char *status = g_strdup_printf("%s/cameras/%s/status", cam->root, cam->camera);
	g_autofree char *snapshot =
	    g_strdup_printf("%s/cameras/%s/snapshot", cam->root, cam->camera);
	g_autofree char *uid = NULL;
	char *topic;
	g_autoptr(JsonBuilder) b = json_builder_new_immutable();

	topic = sdag_hass_topic(cam, "sensor", "state", &uid);
	json_builder_begin_object(b);
	sdag_hass_common(b, cam, uid, "Source state", status);
	json_builder_set_member_name(b, "value_template");
	json_builder_add_string_value(b, "{{ value_json.state }}");
	json_builder_set_member_name(b, "json_attributes_topic");
	json_builder_add_string_value(b, status);
	json_builder_set_member_name(b, "device_class");
	json_builder_add_string_value(b, "enum");
	json_builder_set_member_name(b, "options");
	json_builder_begin_array(b);
	for (guint i = 0; states[i] != NULL; i++)
		json_builder_add_string_value(b, states[i]);
	json_builder_end_array(b);
	json_builder_set_member_name(b, "icon");
	json_builder_add_string_value(b, "mdi:cctv");
	json_builder_end_object(b);
	sdag_hass_add(out, topic, b);

	g_clear_pointer(&uid, g_free);
	g_clear_object(&b);
	b = json_builder_new_immutable();
	topic = sdag_hass_topic(cam, "sensor", "processed_fps", &uid);
	json_builder_begin_object(b);
	sdag_hass_common(b, cam, uid, "Processed fps", status);
	json_builder_set_member_name(b, "value_template");
	json_builder_add_string_value(b, "{{ value_json.processed_fps | float(0) | round(1) }}");
	json_builder_set_member_name(b, "unit_of_measurement");
	json_builder_add_string_value(b, "fps");
	json_builder_set_member_name(b, "state_class");
	json_builder_add_string_value(b, "measurement");
	json_builder_set_member_name(b, "icon");
	json_builder_add_string_value(b, "mdi:speedometer");
	json_builder_end_object(b);
	sdag_hass_add(out, topic, b);

	g_clear_pointer(&uid, g_free);
	g_clear_object(&b);
	b = json_builder_new_immutable();
	topic = sdag_hass_topic(cam, "image", "snapshot", &uid);
	json_builder_begin_object(b);
	sdag_hass_common(b, cam, uid, "Snapshot", NULL);
	json_builder_set_member_name(b, "image_topic");
	json_builder_add_string_value(b, snapshot);
	json_builder_set_member_name(b, "content_type");
	json_builder_add_string_value(b, "image/jpeg");
	json_builder_end_object(b);
	sdag_hass_add(out, topic, b);
	return out;
}

/**
 * sdag_hass_camera_count_configs:
 * @count_topic: the count's topic below the root: "cameras/<camera>/zone/<zone>/<label>",
 *   ".../line/<line>/<label>/in|out" or ".../count/<name>/<label>"
 *
 * Returns: (transfer full) (element-type SdagHassConfig): its sensor (a zone's occupancy is
 *   a measurement, crossings only grow), and for a zone an occupancy binary sensor
 */
GPtrArray *
sdag_hass_camera_count_configs(const SdagHassCamera *cam, const char *count_topic)
{
	GPtrArray *out = g_ptr_array_new_with_free_func((GDestroyNotify)sdag_hass_config_free);
	g_autofree char *prefix = g_strdup_printf("cameras/%s/", cam->camera);
	const char *rest = g_str_has_prefix(count_topic, prefix) ? count_topic + strlen(prefix)
								 : count_topic;
	g_autofree char *state = g_strdup_printf("%s/%s", cam->root, count_topic);
	g_autofree char *name = g_strdup(rest);
	g_autofree char *uid = NULL;
	gboolean line = g_str_has_prefix(rest, "line/");
	gboolean zone = g_str_has_prefix(rest, "zone/");
	g_autoptr(JsonBuilder) b = json_builder_new_immutable();
	char *topic;

	g_strdelimit(name, "/", ' ');
	topic = sdag_hass_topic(cam, "sensor", rest, &uid);
	json_builder_begin_object(b);
	sdag_hass_common(b, cam, uid, name, state);
	json_builder_set_member_name(b, "state_class");
	json_builder_add_string_value(b, line ? "total_increasing" : "measurement");
	json_builder_set_member_name(b, "unit_of_measurement");
	json_builder_add_string_value(b, line ? "crossings" : "objects");
	json_builder_set_member_name(b, "icon");
	json_builder_add_string_value(b, zone ? "mdi:account-group" : "mdi:counter");
	json_builder_end_object(b);
	sdag_hass_add(out, topic, b);
	if (zone) {
		g_autofree char *what = g_strconcat(rest, "/occupancy", NULL);
		g_autofree char *bname = g_strconcat(name, " occupied", NULL);

		g_clear_pointer(&uid, g_free);
		g_clear_object(&b);
		b = json_builder_new_immutable();
		topic = sdag_hass_topic(cam, "binary_sensor", what, &uid);
		json_builder_begin_object(b);
		sdag_hass_common(b, cam, uid, bname, state);
		json_builder_set_member_name(b, "value_template");
		json_builder_add_string_value(b, "{{ 'ON' if (value | int(0)) > 0 else 'OFF' }}");
		json_builder_set_member_name(b, "device_class");
		json_builder_add_string_value(b, "occupancy");
		json_builder_end_object(b);
		sdag_hass_add(out, topic, b);
	}
	return out;
}
