/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "sdag-daemon"

#include "sdag-daemon.h"

#include <gio/gio.h>
#include <gst/gst.h>

#include "sdag-error.h"
#include "sdag-feed.h"
#include "sdag-mqtt.h"
#include "sdag-quarantine.h"
#include "sdag-rest.h"
#include "sdag-ws.h"

/*
 * The API has no authentication yet, so it must not be reachable from
 * another machine: anything but a loopback address is refused.
 */
static gboolean
sdag_daemon_check_listen(SdagConfig *config, GError **error)
{
	g_autoptr(GInetAddress) addr = g_inet_address_new_from_string(config->listen_host);

	if (addr == NULL || !g_inet_address_get_is_loopback(addr)) {
		g_set_error(error,
			    SDAG_ERROR,
			    SDAG_ERROR_CONFIG,
			    "listen address %s is not a loopback address; without API tokens "
			    "streamdagd serves loopback only (127.0.0.1 or ::1)",
			    config->listen_host);
		return FALSE;
	}
	return TRUE;
}

/* At each scrape: the MQTT series are the publisher's own figures, read as they are now. */
static void
sdag_daemon_mqtt_collect_cb(SdagProm *prom, gpointer user_data)
{
	SdagDaemon *self = user_data;
	guint64 depth = 0;
	guint64 failed = 0;

	sdag_mqtt_get_counters(self->mqtt, &depth, &failed);
	sdag_prom_set(prom, "streamdag_mqtt_outbox_messages", NULL, (double)depth);
	sdag_prom_set(prom, "streamdag_mqtt_publish_failures_total", NULL, (double)failed);
	sdag_prom_set(prom,
		      "streamdag_mqtt_dead_letters_total",
		      NULL,
		      (double)sdag_mqtt_get_dead_letters(self->mqtt));
}

/* At each scrape: the cache of ended jobs' answers, as it is now. */
static void
sdag_daemon_cache_collect_cb(SdagProm *prom, gpointer user_data)
{
	SdagDaemon *self = user_data;
	SdagJobCacheStats st;
	const char *hit[] = {"result", "hit", NULL};
	const char *miss[] = {"result", "miss", NULL};

	sdag_jobs_get_cache_stats(self->jobs, &st);
	sdag_prom_set(prom, "streamdag_job_cache_bytes", NULL, (double)st.bytes);
	sdag_prom_set(prom, "streamdag_job_cache_entries", NULL, (double)st.entries);
	sdag_prom_set(prom, "streamdag_job_cache_lookups_total", hit, (double)st.hits);
	sdag_prom_set(prom, "streamdag_job_cache_lookups_total", miss, (double)st.misses);
}

/* While the store is full, asks it each second whether writes work again: that clears the
 * full state shown in /healthz and lets the jobs waiting for space go on. */
static gboolean
sdag_daemon_store_probe_cb(gpointer user_data)
{
	SdagDaemon *self = user_data;

	sdag_store_probe(self->store);
	return G_SOURCE_CONTINUE;
}

/**
 * sdag_daemon_new:
 * @config: (transfer full): the effective configuration
 *
 * Opens the store, loads the node plugins and starts listening. When this
 * returns the daemon is ready to serve; the caller runs the main loop.
 *
 * Returns: (transfer full): the daemon, or NULL with @error set
 */
SdagDaemon *
sdag_daemon_new(SdagConfig *config, GError **error)
{
	g_autoptr(SdagDaemon) self = g_new0(SdagDaemon, 1);
	g_autofree char *db_rel = NULL;
	g_autofree char *db_path = NULL;
	SdagStoreOptions store_options = {.write_buffer_bytes = config->store_write_buffer_bytes};
	g_autoptr(GError) error_local = NULL;

	self->config = config;
	self->started_us = g_get_monotonic_time();
	if (!sdag_daemon_check_listen(config, error))
		return NULL;
	/* absolute, so that logs and /healthz say where the data really is */
	db_rel = g_build_filename(config->data_dir, "db", NULL);
	db_path = g_canonicalize_filename(db_rel, NULL);
	self->store = sdag_store_open_with_options(db_path, &store_options, error);
	if (self->store == NULL)
		return NULL;
	/* before anything reads a record: one unreadable record must not stop the start; on
	 * a full disk the records stay where they are until a start with space */
	if (!sdag_quarantine_sweep(self->store, NULL, &error_local)) {
		if (!g_error_matches(error_local, SDAG_ERROR, SDAG_ERROR_STORAGE_FULL)) {
			g_propagate_error(error, g_steal_pointer(&error_local));
			return NULL;
		}
		g_warning("unreadable records not checked: %s", error_local->message);
		g_clear_error(&error_local);
	}
	self->store_probe_id = g_timeout_add_seconds(1, sdag_daemon_store_probe_cb, self);
	self->types = sdag_node_types_new();
	/* [nodes], for the nodes that read it (ABI 3): read-only from here on */
	{
		g_autoptr(JsonObject) settings = json_object_new();
		JsonArray *dirs = json_array_new();

		for (guint i = 0; config->cascade_dirs != NULL && config->cascade_dirs[i] != NULL;
		     i++)
			json_array_add_string_element(dirs, config->cascade_dirs[i]);
		json_object_set_array_member(settings, "cascade_dirs", dirs);
		sdag_node_types_set_settings(self->types, settings);
	}
	if (!sdag_node_types_load_dir(self->types, config->plugin_dir, error))
		return NULL;
	self->registry = sdag_registry_new(self->store, self->types);
	/* idempotent; the worker makes its sddag elements by type, so no plugin search is
	 * involved */
	if (!gst_init_check(NULL, NULL, error))
		return NULL;
	self->jobs = sdag_jobs_new(self->store, self->registry, self->types, config, error);
	if (self->jobs == NULL)
		return NULL;
	/* listeners, before the main loop starts any job */
	self->prom = sdag_prom_new();
	sdag_prom_add_collector(self->prom, sdag_daemon_cache_collect_cb, self);
	self->stats = sdag_stats_new(self->store);
	self->metrics = sdag_metrics_new(self->store, self->jobs, self->stats, self->prom);
	self->history = sdag_history_new(self->store, self->jobs, error);
	if (self->history == NULL)
		return NULL;
	self->feed = sdag_feed_new(self->jobs, self->store, &config->mqtt.pub);
	self->ws = sdag_ws_new(self->jobs, self->feed);
	if (config->mqtt.broker[0] != '\0') {
		self->mqtt =
		    sdag_mqtt_new(&config->mqtt, config->device_id, self->store, self->feed, error);
		if (self->mqtt == NULL)
			return NULL;
		sdag_prom_add_collector(self->prom, sdag_daemon_mqtt_collect_cb, self);
	}
	/* open tracks closed first, then the jobs' own start-up changes, heard by every
	 * listener */
	sdag_feed_recover(self->feed);
	if (!sdag_jobs_start(self->jobs, error))
		return NULL;
	self->rest = sdag_rest_new(self, error);
	if (self->rest == NULL)
		return NULL;
	{
		g_autoptr(GPtrArray) types = sdag_node_types_list(self->types);
		g_info("store %s, %u node types, REST on %s:%u",
		       db_path,
		       types->len,
		       config->listen_host,
		       sdag_rest_get_port(self->rest));
	}
	return g_steal_pointer(&self);
}

void
sdag_daemon_free(SdagDaemon *self)
{
	if (self == NULL)
		return;
	g_clear_handle_id(&self->store_probe_id, g_source_remove);
	/* Jobs first, while the server still holds its connections: a cancel waiting for its
	 * job gets its answer. The requests served meanwhile find the job manager whole; it
	 * starts no job once it is closing. */
	sdag_jobs_free(self->jobs);
	self->jobs = NULL;
	/* after the jobs, whose last statuses they still publish */
	sdag_ws_free(self->ws);
	sdag_mqtt_free(self->mqtt);
	sdag_feed_free(self->feed);
	sdag_rest_free(self->rest);
	sdag_history_free(self->history);
	sdag_metrics_free(self->metrics);
	sdag_stats_free(self->stats);
	sdag_prom_free(self->prom);
	sdag_registry_free(self->registry);
	sdag_node_types_free(self->types);
	sdag_store_free(self->store);
	sdag_config_free(self->config);
	g_free(self);
}

guint16
sdag_daemon_get_port(SdagDaemon *self)
{
	return sdag_rest_get_port(self->rest);
}
