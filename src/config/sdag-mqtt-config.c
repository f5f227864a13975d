/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "sdag-mqtt-config"

#include "sdag-mqtt-config.h"

#include <string.h>

#include "sdag-error.h"

/*
 * The [mqtt] keys and the members of a job's options.mqtt, in two tables: the connection keys
 * exist only in the config; the volume keys (SdagPubOpts) exist in both, under the same names,
 * so that a job overrides exactly what the config sets. Pure: no I/O.
 */

typedef enum { KEY_STRING, KEY_BOOL, KEY_UINT } SdagKeyType;

typedef struct {
	const char *name;
	SdagKeyType type;
	gsize offset;
	guint64 min;
	guint64 max;
} SdagKey;

#define CONN(n, t, f, lo, hi)                                    \
	{                                                        \
		n, t, G_STRUCT_OFFSET(SdagMqttConfig, f), lo, hi \
	}
static const SdagKey sdag_conn_keys[] = {
    CONN("broker", KEY_STRING, broker, 0, 0),
    CONN("client_id", KEY_STRING, client_id, 0, 0),
    CONN("username", KEY_STRING, username, 0, 0),
    CONN("password", KEY_STRING, password, 0, 0),
    CONN("password_file", KEY_STRING, password_file, 0, 0),
    CONN("ca_file", KEY_STRING, ca_file, 0, 0),
    CONN("cert_file", KEY_STRING, cert_file, 0, 0),
    CONN("key_file", KEY_STRING, key_file, 0, 0),
    CONN("tls_verify", KEY_BOOL, tls_verify, 0, 0),
    CONN("keepalive_s", KEY_UINT, keepalive_s, 2, 3600),
    CONN("reconnect_min_s", KEY_UINT, reconnect_min_s, 1, 3600),
    CONN("reconnect_max_s", KEY_UINT, reconnect_max_s, 1, 3600),
    CONN("topic_root", KEY_STRING, topic_root, 0, 0),
    CONN("buffer_size", KEY_UINT, buffer_size, 1, 1000000),
    CONN("ha_discovery", KEY_BOOL, ha_discovery, 0, 0),
    CONN("ha_prefix", KEY_STRING, ha_prefix, 0, 0),
    CONN("stats_interval_s", KEY_UINT, stats_interval_s, 0, 86400),
};

#define PUB(n, t, f, lo, hi)                                  \
	{                                                     \
		n, t, G_STRUCT_OFFSET(SdagPubOpts, f), lo, hi \
	}
#define PUBC(cls, c)                                                                    \
	{"publish_" cls,                                                                \
	 KEY_BOOL,                                                                      \
	 G_STRUCT_OFFSET(SdagPubOpts, publish) + (c) * sizeof(gboolean),                \
	 0,                                                                             \
	 0},                                                                            \
	    {"qos_" cls, KEY_UINT, G_STRUCT_OFFSET(SdagPubOpts, qos) + (c), 0, 2},      \
	{                                                                               \
		"retain_" cls, KEY_BOOL,                                                \
		    G_STRUCT_OFFSET(SdagPubOpts, retain) + (c) * sizeof(gboolean), 0, 0 \
	}
static const SdagKey sdag_pub_keys[] = {
    PUBC("status", SDAG_PUB_STATUS),
    PUBC("progress", SDAG_PUB_PROGRESS),
    PUBC("detections", SDAG_PUB_DETECTIONS),
    PUBC("events", SDAG_PUB_EVENTS),
    PUBC("counts", SDAG_PUB_COUNTS),
    PUB("progress_interval_ms", KEY_UINT, progress_interval_ms, 100, 3600000),
    PUB("detections_every_frame", KEY_BOOL, detections_every_frame, 0, 0),
    PUB("counts_on_change", KEY_BOOL, counts_on_change, 0, 0),
    PUB("message_expiry_s", KEY_UINT, message_expiry_s, 0, G_MAXUINT32),
};

static const SdagKey *
sdag_key_find(const SdagKey *keys, guint n, const char *name)
{
	for (guint i = 0; i < n; i++) {
		if (g_strcmp0(keys[i].name, name) == 0)
			return &keys[i];
	}
	return NULL;
}

/* qos is a guint8, every other integer a guint */
static void
sdag_key_store_uint(const SdagKey *k, gpointer base, guint64 v)
{
	if (g_str_has_prefix(k->name, "qos_"))
		*(guint8 *)G_STRUCT_MEMBER_P(base, k->offset) = (guint8)v;
	else
		G_STRUCT_MEMBER(guint, base, k->offset) = (guint)v;
}

static gboolean
sdag_key_set_string(const SdagKey *k, gpointer base, const char *value, GError **error)
{
	guint64 v = 0;

	switch (k->type) {
	case KEY_STRING: {
		char **p = G_STRUCT_MEMBER_P(base, k->offset);
		g_free(*p);
		*p = g_strdup(value);
		return TRUE;
	}
	case KEY_BOOL:
		if (g_strcmp0(value, "true") != 0 && g_strcmp0(value, "false") != 0) {
			g_set_error(error,
				    SDAG_ERROR,
				    SDAG_ERROR_CONFIG,
				    "expected true or false, got '%s'",
				    value);
			return FALSE;
		}
		G_STRUCT_MEMBER(gboolean, base, k->offset) = g_strcmp0(value, "true") == 0;
		return TRUE;
	case KEY_UINT:
	default:
		if (!g_ascii_string_to_unsigned(value, 10, k->min, k->max, &v, NULL)) {
			g_set_error(error,
				    SDAG_ERROR,
				    SDAG_ERROR_CONFIG,
				    "expected an integer from %" G_GUINT64_FORMAT
				    " to %" G_GUINT64_FORMAT ", got '%s'",
				    k->min,
				    k->max,
				    value);
			return FALSE;
		}
		sdag_key_store_uint(k, base, v);
		return TRUE;
	}
}

/**
 * sdag_mqtt_config_check_broker:
 * @value: the [mqtt] broker key: URIs separated by ',', or "" for MQTT off
 *
 * Checks each URI's scheme, so that a bad broker is refused where the config is read (at
 * start-up, and by a reload, which keeps the running client then) rather than when the
 * client is made.
 */
gboolean
sdag_mqtt_config_check_broker(const char *value, GError **error)
{
	g_auto(GStrv) parts = g_strsplit(value, ",", -1);
	guint n = 0;

	for (guint i = 0; parts[i] != NULL; i++) {
		const char *uri = g_strstrip(parts[i]);
		if (uri[0] == '\0')
			continue;
		if (!g_str_has_prefix(uri, "tcp://") && !g_str_has_prefix(uri, "ssl://") &&
		    !g_str_has_prefix(uri, "mqtt://") && !g_str_has_prefix(uri, "mqtts://")) {
			g_set_error(error,
				    SDAG_ERROR,
				    SDAG_ERROR_CONFIG,
				    "'%s' is not a tcp://, ssl://, mqtt:// or mqtts:// URI",
				    uri);
			return FALSE;
		}
		n++;
	}
	if (n == 0 && value[0] != '\0') {
		g_set_error_literal(error, SDAG_ERROR, SDAG_ERROR_CONFIG, "no URI given");
		return FALSE;
	}
	return TRUE;
}

/**
 * sdag_mqtt_config_set:
 *
 * Sets one key of the [mqtt] group from its text. An unknown key is an error whose message
 * is "unknown key".
 */
gboolean
sdag_mqtt_config_set(SdagMqttConfig *self, const char *key, const char *value, GError **error)
{
	const SdagKey *k = sdag_key_find(sdag_conn_keys, G_N_ELEMENTS(sdag_conn_keys), key);

	if (k != NULL && g_strcmp0(key, "broker") == 0 &&
	    !sdag_mqtt_config_check_broker(value, error))
		return FALSE;
	if (k != NULL)
		return sdag_key_set_string(k, self, value, error);
	if (g_strcmp0(key, "protocol_version") == 0) {
		if (g_strcmp0(value, "3.1.1") == 0) {
			self->protocol_version = 4;
			return TRUE;
		}
		if (g_strcmp0(value, "5") == 0) {
			self->protocol_version = 5;
			return TRUE;
		}
		g_set_error(
		    error, SDAG_ERROR, SDAG_ERROR_CONFIG, "expected 3.1.1 or 5, got '%s'", value);
		return FALSE;
	}
	k = sdag_key_find(sdag_pub_keys, G_N_ELEMENTS(sdag_pub_keys), key);
	if (k == NULL) {
		g_set_error_literal(error, SDAG_ERROR, SDAG_ERROR_CONFIG, "unknown key");
		return FALSE;
	}
	return sdag_key_set_string(k, &self->pub, value, error);
}

G_STATIC_ASSERT(sizeof(gboolean) == sizeof(guint));

/* The keys a reload applies by making a new client: how to reach and log in to the broker. */
static const char *const sdag_conn_reloadable[] = {
    "broker",
    "client_id",
    "username",
    "password",
    "password_file",
    "ca_file",
    "cert_file",
    "key_file",
    "tls_verify",
    "keepalive_s",
    "reconnect_min_s",
    "reconnect_max_s",
};

/**
 * sdag_mqtt_config_is_reloadable:
 * @key: an [mqtt] key
 *
 * Returns: whether a reload applies @key (by reconnecting) rather than needing a restart
 */
gboolean
sdag_mqtt_config_is_reloadable(const char *key)
{
	for (guint i = 0; i < G_N_ELEMENTS(sdag_conn_reloadable); i++) {
		if (g_strcmp0(key, sdag_conn_reloadable[i]) == 0)
			return TRUE;
	}
	return FALSE;
}

/**
 * sdag_mqtt_config_swap_connection:
 *
 * Exchanges the reloadable keys' values of @a and @b; returns whether any differed.
 */
gboolean
sdag_mqtt_config_swap_connection(SdagMqttConfig *a, SdagMqttConfig *b)
{
	gboolean changed = FALSE;

	for (guint i = 0; i < G_N_ELEMENTS(sdag_conn_reloadable); i++) {
		const SdagKey *k = sdag_key_find(
		    sdag_conn_keys, G_N_ELEMENTS(sdag_conn_keys), sdag_conn_reloadable[i]);

		if (k->type == KEY_STRING) {
			char **pa = G_STRUCT_MEMBER_P(a, k->offset);
			char **pb = G_STRUCT_MEMBER_P(b, k->offset);
			char *t = *pa;

			changed |= g_strcmp0(*pa, *pb) != 0;
			*pa = *pb;
			*pb = t;
		} else {
			/* gboolean and guint alike are 4 bytes here */
			guint *pa = G_STRUCT_MEMBER_P(a, k->offset);
			guint *pb = G_STRUCT_MEMBER_P(b, k->offset);
			guint t = *pa;

			changed |= *pa != *pb;
			*pa = *pb;
			*pb = t;
		}
	}
	return changed;
}

void
sdag_mqtt_config_clear(SdagMqttConfig *self)
{
	for (guint i = 0; i < G_N_ELEMENTS(sdag_conn_keys); i++) {
		if (sdag_conn_keys[i].type == KEY_STRING)
			g_clear_pointer((char **)G_STRUCT_MEMBER_P(self, sdag_conn_keys[i].offset),
					g_free);
	}
}

static char *
sdag_pub_keys_list(void)
{
	GString *s = g_string_new(NULL);

	for (guint i = 0; i < G_N_ELEMENTS(sdag_pub_keys); i++)
		g_string_append_printf(s, "%s%s", i > 0 ? ", " : "", sdag_pub_keys[i].name);
	return g_string_free(s, FALSE);
}

/**
 * sdag_pub_opts_apply_json:
 * @node: a job's options.mqtt, or NULL
 *
 * Overrides @opts with the members of @node. Every member must be a known volume key with a
 * value of the right type and range; otherwise SDAG_ERROR_BAD_OPTION and @opts is partly
 * changed (callers validate on a copy).
 */
gboolean
sdag_pub_opts_apply_json(SdagPubOpts *opts, JsonNode *node, GError **error)
{
	JsonObjectIter iter;
	const char *name;
	JsonNode *value;

	if (node == NULL || JSON_NODE_HOLDS_NULL(node))
		return TRUE;
	if (!JSON_NODE_HOLDS_OBJECT(node)) {
		g_set_error_literal(
		    error, SDAG_ERROR, SDAG_ERROR_BAD_OPTION, "option 'mqtt' must be an object");
		return FALSE;
	}
	json_object_iter_init(&iter, json_node_get_object(node));
	while (json_object_iter_next(&iter, &name, &value)) {
		const SdagKey *k = sdag_key_find(sdag_pub_keys, G_N_ELEMENTS(sdag_pub_keys), name);
		GType t = JSON_NODE_HOLDS_VALUE(value) ? json_node_get_value_type(value)
						       : G_TYPE_INVALID;

		if (k == NULL) {
			g_autofree char *known = sdag_pub_keys_list();
			g_set_error(error,
				    SDAG_ERROR,
				    SDAG_ERROR_BAD_OPTION,
				    "unknown option 'mqtt.%s' (known: %s)",
				    name,
				    known);
			return FALSE;
		}
		if (k->type == KEY_BOOL) {
			if (t != G_TYPE_BOOLEAN) {
				g_set_error(error,
					    SDAG_ERROR,
					    SDAG_ERROR_BAD_OPTION,
					    "option 'mqtt.%s' must be true or false",
					    name);
				return FALSE;
			}
			G_STRUCT_MEMBER(gboolean, opts, k->offset) = json_node_get_boolean(value);
		} else {
			gint64 v = t == G_TYPE_INT64 ? json_node_get_int(value) : -1;
			if (v < 0 || (guint64)v < k->min || (guint64)v > k->max) {
				g_set_error(
				    error,
				    SDAG_ERROR,
				    SDAG_ERROR_BAD_OPTION,
				    "option 'mqtt.%s' must be an integer from %" G_GUINT64_FORMAT
				    " to %" G_GUINT64_FORMAT,
				    name,
				    k->min,
				    k->max);
				return FALSE;
			}
			sdag_key_store_uint(k, opts, (guint64)v);
		}
	}
	return TRUE;
}
