/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "sdag-daemon"

#include "config.h"

#include "sdag-daemon.h"

#include <gio/gio.h>
#include <gst/gst.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "sdag-admin.h"
#include "sdag-elements.h"
#include "sdag-error.h"
#include "sdag-feed.h"
#include "sdag-json.h"
#include "sdag-mqtt.h"
#include "sdag-quarantine.h"
#include "sdag-rest.h"
#include "sdag-runonce.h"
#include "sdag-ws.h"

/*
 * Whether only this box can reach @host. Deliberately narrow: 127.0.0.1 and ::1, the
 * addresses loopback clients use. Any other address, even 127.0.0.2 on the loopback
 * interface, is treated as one others may reach, so that the rule never depends on how
 * the box routes.
 */
static gboolean
sdag_daemon_listen_is_local(const char *host)
{
	g_autoptr(GInetAddress) addr = g_inet_address_new_from_string(host);
	g_autoptr(GInetAddress) v4 = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
	g_autoptr(GInetAddress) v6 = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV6);

	return addr != NULL && (g_inet_address_equal(addr, v4) || g_inet_address_equal(addr, v6));
}

/*
 * The bind rule. An address others may reach needs at least one API token (else the API
 * would be open to them), and TLS unless [rest] allow_plain_http says plain HTTP is meant
 * (the tokens would cross the network in clear).
 */
static gboolean
sdag_daemon_check_listen(SdagConfig *config, GError **error)
{
	gboolean tls = config->tls_certificate[0] != '\0' || config->tls_key[0] != '\0';

	if (sdag_daemon_listen_is_local(config->listen_host))
		return TRUE;
	if (config->tokens->len == 0) {
		g_set_error(error,
			    SDAG_ERROR,
			    SDAG_ERROR_CONFIG,
			    "listen address %s can be reached from other machines, and no API "
			    "token is configured: the API would be open to them. Create one with "
			    "`streamdagctl token new NAME --scope read` and put the line it prints "
			    "in [auth], or listen on 127.0.0.1 or ::1",
			    config->listen_host);
		return FALSE;
	}
	if (!tls && !config->allow_plain_http) {
		g_set_error(
		    error,
		    SDAG_ERROR,
		    SDAG_ERROR_CONFIG,
		    "listen address %s can be reached from other machines and [rest] has no "
		    "tls_certificate: tokens would cross the network in clear. Set "
		    "tls_certificate and tls_key, or allow_plain_http=true to mean it",
		    config->listen_host);
		return FALSE;
	}
	if (!tls)
		g_warning("serving plain HTTP on %s ([rest] allow_plain_http=true): API tokens "
			  "cross the network in clear",
			  config->listen_host);
	return TRUE;
}

/* At each scrape: the MQTT series are the publisher's own figures, read as they are now. */
static void
sdag_daemon_mqtt_collect_cb(SdagProm *prom, gpointer user_data)
{
	SdagDaemon *self = user_data;
	guint64 depth = 0;
	guint64 failed = 0;

	/* 0 too once a reload has turned MQTT off, the other series as they were last */
	sdag_prom_set(prom, "streamdag_mqtt_connected", NULL, sdag_mqtt_is_connected(self->mqtt));
	if (self->mqtt == NULL)
		return;
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

static void
sdag_daemon_add_storage_health(JsonBuilder *b, gint64 full_since_us)
{
	json_builder_set_member_name(b, "storage");
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "state");
	json_builder_add_string_value(b, full_since_us != 0 ? "full" : "ok");
	json_builder_set_member_name(b, "since");
	if (full_since_us != 0) {
		g_autofree char *text = sdag_json_timestamp(full_since_us);
		json_builder_add_string_value(b, text);
	} else {
		json_builder_add_null_value(b);
	}
	json_builder_end_object(b);
}

/* GET /healthz: the daemon is the one place that knows every part it reports on. */
static JsonNode *
sdag_daemon_health_cb(gpointer user_data)
{
	SdagDaemon *d = user_data;
	/* mutable: "status" comes first but is known last */
	g_autoptr(JsonBuilder) b = json_builder_new();
	g_autoptr(GPtrArray) types = sdag_node_types_list(d->types);
	GPtrArray *skipped = sdag_node_types_get_skipped(d->types);
	JsonNode *root;
	guint quarantined = 0;
	gint64 full_since_us = sdag_store_get_full_since(d->store);
	guint queued = 0;
	guint running = 0;

	json_builder_begin_object(b);
	json_builder_set_member_name(b, "status");
	json_builder_add_string_value(b, "ok");
	json_builder_set_member_name(b, "version");
	json_builder_add_string_value(b, SDAG_VERSION);
	json_builder_set_member_name(b, "uptime_s");
	json_builder_add_int_value(b, (g_get_monotonic_time() - d->started_us) / G_USEC_PER_SEC);
	json_builder_set_member_name(b, "store");
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "path");
	json_builder_add_string_value(b, sdag_store_get_path(d->store));
	json_builder_set_member_name(b, "schema_version");
	json_builder_add_int_value(b, sdag_store_get_schema_version(d->store));
	{
		const SdagStoreWal *wal = sdag_store_get_wal(d->store);

		/* after a crash: what the start replayed, and what it dropped of a damaged tail */
		json_builder_set_member_name(b, "wal_replayed");
		json_builder_begin_object(b);
		json_builder_set_member_name(b, "files");
		json_builder_add_int_value(b, wal->files);
		json_builder_set_member_name(b, "bytes");
		json_builder_add_int_value(b, (gint64)wal->bytes);
		json_builder_set_member_name(b, "batches");
		json_builder_add_int_value(b, (gint64)wal->batches);
		json_builder_set_member_name(b, "last_sequence");
		json_builder_add_int_value(b, (gint64)wal->last_sequence);
		json_builder_end_object(b);
		json_builder_set_member_name(b, "wal_dropped");
		if (wal->damage == NULL) {
			json_builder_add_null_value(b);
		} else {
			json_builder_begin_object(b);
			json_builder_set_member_name(b, "damage");
			json_builder_add_string_value(b, wal->damage);
			json_builder_set_member_name(b, "file");
			json_builder_add_string_value(b, wal->damaged_file);
			json_builder_set_member_name(b, "offset");
			json_builder_add_int_value(b, (gint64)wal->damaged_at);
			json_builder_set_member_name(b, "bytes");
			json_builder_add_int_value(b, (gint64)wal->dropped_bytes);
			json_builder_end_object(b);
		}
	}
	json_builder_end_object(b);
	json_builder_set_member_name(b, "node_types");
	json_builder_add_int_value(b, types->len);
	json_builder_set_member_name(b, "plugins_skipped");
	json_builder_begin_array(b);
	for (guint i = 0; i < skipped->len; i++) {
		SdagSkippedPlugin *s = g_ptr_array_index(skipped, i);
		json_builder_begin_object(b);
		json_builder_set_member_name(b, "file");
		json_builder_add_string_value(b, s->file);
		json_builder_set_member_name(b, "reason");
		json_builder_add_string_value(b, s->reason);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
	sdag_jobs_get_counts(d->jobs, &queued, &running);
	json_builder_set_member_name(b, "jobs");
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "queued");
	json_builder_add_int_value(b, queued);
	json_builder_set_member_name(b, "running");
	json_builder_add_int_value(b, running);
	json_builder_set_member_name(b, "max_concurrent");
	json_builder_add_int_value(b, d->config->max_concurrent_jobs);
	json_builder_end_object(b);
	sdag_mqtt_add_health(d->mqtt, b);
	sdag_quarantine_add_health(d->store, b, &quarantined);
	sdag_daemon_add_storage_health(b, full_since_us);
	json_builder_end_object(b);
	root = json_builder_get_root(b);
	if (quarantined > 0 || full_since_us != 0)
		json_object_set_string_member(json_node_get_object(root), "status", "degraded");
	return root;
}

static gboolean
sdag_daemon_run_image_cb(gpointer runner,
			 const char *pipeline_id,
			 const char *content_type,
			 GBytes *image,
			 SdagRestImageDoneFunc done,
			 gpointer done_data,
			 GError **error)
{
	return sdag_runonce_run(runner, pipeline_id, content_type, image, done, done_data, error);
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
/* The daemon's resident memory, from /proc/self/statm; 0 when it cannot be read. */
static guint64
sdag_daemon_rss_bytes(void)
{
	g_autofree char *text = NULL;
	g_auto(GStrv) fields = NULL;

	if (!g_file_get_contents("/proc/self/statm", &text, NULL, NULL))
		return 0;
	fields = g_strsplit(text, " ", 3);
	if (g_strv_length(fields) < 2)
		return 0;
	return g_ascii_strtoull(fields[1], NULL, 10) * (guint64)sysconf(_SC_PAGESIZE);
}

/*
 * <root>/stats, in the spirit of Frigate's: per camera its fps, dropped frames and
 * reconnects; the daemon's version, uptime, CPU (share of one core since the last stats) and
 * memory.
 */
static JsonNode *
sdag_daemon_stats_cb(gpointer user_data)
{
	SdagDaemon *self = user_data;
	g_autoptr(GPtrArray) all = sdag_cameras_list(self->cameras);
	g_autoptr(JsonBuilder) b = json_builder_new_immutable();
	g_autofree char *now = sdag_json_timestamp(g_get_real_time());
	struct rusage ru;
	gint64 cpu_us = 0;
	gint64 wall_us = g_get_monotonic_time();
	double cpu_percent = 0;

	if (getrusage(RUSAGE_SELF, &ru) == 0)
		cpu_us = (gint64)ru.ru_utime.tv_sec * G_USEC_PER_SEC + ru.ru_utime.tv_usec +
			 (gint64)ru.ru_stime.tv_sec * G_USEC_PER_SEC + ru.ru_stime.tv_usec;
	if (self->stats_wall_us == 0) {
		self->stats_wall_us = self->started_us;
		self->stats_cpu_us = 0;
	}
	if (wall_us > self->stats_wall_us)
		cpu_percent = 100.0 * (double)(cpu_us - self->stats_cpu_us) /
			      (double)(wall_us - self->stats_wall_us);
	self->stats_cpu_us = cpu_us;
	self->stats_wall_us = wall_us;
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "cameras");
	json_builder_begin_object(b);
	for (guint i = 0; i < all->len; i++) {
		const SdagCamera *cam = g_ptr_array_index(all, i);
		g_autoptr(JsonNode) d = sdag_cameras_describe(self->cameras, cam->name, NULL);
		JsonObject *o = json_node_get_object(d);
		static const char *const map[][2] = {{"camera_fps", "input_fps"},
						     {"process_fps", "processed_fps"},
						     {"dropped_frames", "dropped_frames"},
						     {"reconnects", "reconnects"},
						     {"state", "source_state"},
						     {"job_id", "job_id"}};

		json_builder_set_member_name(b, cam->name);
		json_builder_begin_object(b);
		for (guint k = 0; k < G_N_ELEMENTS(map); k++) {
			json_builder_set_member_name(b, map[k][0]);
			json_builder_add_value(
			    b, json_node_copy(json_object_get_member(o, map[k][1])));
		}
		json_builder_end_object(b);
	}
	json_builder_end_object(b);
	json_builder_set_member_name(b, "service");
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "version");
	json_builder_add_string_value(b, SDAG_VERSION);
	json_builder_set_member_name(b, "uptime_s");
	json_builder_add_int_value(b, (wall_us - self->started_us) / G_USEC_PER_SEC);
	json_builder_set_member_name(b, "cpu_percent");
	json_builder_add_double_value(b, (double)(gint64)(cpu_percent * 10) / 10);
	json_builder_set_member_name(b, "cpu_seconds");
	json_builder_add_double_value(b, (double)(cpu_us / 1000) / 1000);
	json_builder_set_member_name(b, "rss_bytes");
	json_builder_add_int_value(b, (gint64)sdag_daemon_rss_bytes());
	json_builder_end_object(b);
	json_builder_set_member_name(b, "time");
	json_builder_add_string_value(b, now);
	json_builder_end_object(b);
	return json_builder_get_root(b);
}

typedef struct {
	SdagDaemon *self;
	SdagRestAdminDoneFunc done;
	gpointer done_data;
} SdagDaemonAdmin;

static void
sdag_daemon_admin_done_cb(GObject *source, GAsyncResult *result, gpointer user_data)
{
	SdagDaemonAdmin *a = user_data;
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonNode) answer = sdag_admin_run_finish(result, &error);

	a->self->admin_running--;
	if (answer == NULL)
		g_warning("admin: %s", error->message);
	a->done(answer, error, a->done_data);
	g_free(a);
}

/* GET /admin/fsck and POST /admin/backup: a checkpoint, checked on a worker thread */
static gboolean
sdag_daemon_admin_cb(gpointer data,
		     const char *backup_dir,
		     SdagRestAdminDoneFunc done,
		     gpointer done_data,
		     GError **error)
{
	SdagDaemon *self = data;
	SdagDaemonAdmin *a = g_new0(SdagDaemonAdmin, 1);

	a->self = self;
	a->done = done;
	a->done_data = done_data;
	if (!sdag_admin_run_async(self->store,
				  self->config->data_dir,
				  backup_dir,
				  sdag_daemon_admin_done_cb,
				  a,
				  error)) {
		g_free(a);
		return FALSE;
	}
	self->admin_running++;
	return TRUE;
}

/* [retention]: the ended jobs older than max_age pruned, as POST /jobs/prune would, and the
 * run audited. Only when configured: the daemon never deletes a job on its own. */
static gboolean
sdag_daemon_retention_cb(gpointer user_data)
{
	SdagDaemon *self = user_data;
	static const SdagJobStatus all[] = {
	    SDAG_JOB_COMPLETED, SDAG_JOB_FAILED, SDAG_JOB_CANCELLED};
	SdagJobStatus statuses[G_N_ELEMENTS(all)];
	guint n = 0;
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonNode) answer = NULL;
	gint64 before_us =
	    g_get_real_time() - (gint64)self->config->retention_max_age_s * G_USEC_PER_SEC;
	gint64 deleted;

	for (guint i = 0; i < G_N_ELEMENTS(all); i++) {
		if (self->config->retention_statuses & (1u << i))
			statuses[n++] = all[i];
	}
	answer = sdag_jobs_prune(self->jobs, before_us, statuses, n, NULL, FALSE, &error);
	if (answer == NULL) {
		g_warning("retention: %s", error->message);
		return G_SOURCE_CONTINUE;
	}
	deleted = json_object_get_int_member(json_node_get_object(answer), "deleted");
	if (deleted > 0) {
		g_autofree char *object = g_strdup_printf(
		    "%" G_GINT64_FORMAT " ended job(s) older than [retention] max_age", deleted);
		SdagHistoryEntry entry = {
		    .actor = SDAG_HISTORY_SYSTEM, .action = "jobs.prune", .object = object};

		g_message("retention: %s pruned", object);
		if (!sdag_history_record(self->history, &entry, &error))
			g_warning("retention: audit row not written: %s", error->message);
	}
	return G_SOURCE_CONTINUE;
}

/* A deleted or undeclared camera: what was published under its name is retracted. */
static void
sdag_daemon_camera_removed_cb(const char *name, gpointer user_data)
{
	SdagDaemon *self = user_data;

	/* first the feed, so that its last job's end says nothing more under its name */
	sdag_feed_forget_camera(self->feed, name);
	if (self->mqtt != NULL)
		sdag_mqtt_forget_camera(self->mqtt, name);
}

/* Home Assistant links each camera's device to the REST address, when one can reach it: not
 * for a wildcard address, which names no host. */
static void
sdag_daemon_set_rest_url(SdagDaemon *self)
{
	const char *host = self->config->listen_host;
	g_autofree char *url = NULL;

	if (self->mqtt == NULL || self->rest == NULL || g_strcmp0(host, "0.0.0.0") == 0 ||
	    g_strcmp0(host, "::") == 0 || host[0] == '\0')
		return;
	url = g_strdup_printf(strchr(host, ':') != NULL ? "%s://[%s]:%u" : "%s://%s:%u",
			      sdag_rest_is_tls(self->rest) ? "https" : "http",
			      host,
			      sdag_rest_get_port(self->rest));
	sdag_mqtt_set_rest_url(self->mqtt, url);
}

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
	/* before anything is opened: a box without a decoder package must say so at once */
	if (!gst_init_check(NULL, NULL, error))
		return NULL;
	{
		gsize n = 0;
		const SdagElementNeed *needs = sdag_elements_needed(&n);

		if (!sdag_elements_check(needs, n, error))
			return NULL;
	}
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
	self->jobs = sdag_jobs_new(self->store, self->registry, self->types, config, error);
	if (self->jobs == NULL)
		return NULL;
	self->cameras = sdag_cameras_new(self->store, self->jobs, &config->cameras, error);
	if (self->cameras == NULL)
		return NULL;
	sdag_cameras_set_removed_func(self->cameras, sdag_daemon_camera_removed_cb, self);
	/* listeners, before the main loop starts any job */
	self->prom = sdag_prom_new();
	sdag_prom_add_collector(self->prom, sdag_daemon_cache_collect_cb, self);
	self->stats = sdag_stats_new(self->store);
	self->metrics = sdag_metrics_new(self->store, self->jobs, self->stats, self->prom);
	self->history = sdag_history_new(self->store, self->jobs, error);
	if (self->history == NULL)
		return NULL;
	self->feed = sdag_feed_new(self->jobs, self->store, &config->mqtt.pub);
	self->ws = sdag_ws_new(self->jobs, self->feed, self->config);
	if (config->mqtt.broker[0] != '\0') {
		self->mqtt =
		    sdag_mqtt_new(&config->mqtt, config->device_id, self->store, self->feed, error);
		if (self->mqtt == NULL)
			return NULL;
		sdag_prom_add_collector(self->prom, sdag_daemon_mqtt_collect_cb, self);
		self->mqtt_collected = TRUE;
		sdag_mqtt_set_stats_func(self->mqtt, sdag_daemon_stats_cb, self);
	}
	/* open tracks closed first, then the jobs' own start-up changes, heard by every
	 * listener */
	sdag_feed_recover(self->feed);
	if (!sdag_jobs_start(self->jobs, error))
		return NULL;
	/* the jobs recovered are adopted by their cameras, or cancelled when their camera
	 * changed while the daemon was down */
	sdag_cameras_start(self->cameras);
	if (config->retention_max_age_s > 0) {
		sdag_daemon_retention_cb(self);
		self->retention_id = g_timeout_add_seconds(3600, sdag_daemon_retention_cb, self);
	}
	self->runonce = sdag_runonce_new(self->registry);
	{
		const SdagRestServices services = {
		    .config = self->config,
		    .types = self->types,
		    .registry = self->registry,
		    .jobs = self->jobs,
		    .cameras = self->cameras,
		    .history = self->history,
		    .prom = self->prom,
		    .metrics = self->metrics,
		    .stats = self->stats,
		    .ws = self->ws,
		    .health = sdag_daemon_health_cb,
		    .health_data = self,
		    .run_image = sdag_daemon_run_image_cb,
		    .run_image_data = self->runonce,
		    .admin = sdag_daemon_admin_cb,
		    .admin_data = self,
		};
		self->rest = sdag_rest_new(&services, error);
	}
	if (self->rest == NULL)
		return NULL;
	sdag_daemon_set_rest_url(self);
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
	g_clear_handle_id(&self->retention_id, g_source_remove);
	/* a check or a backup reads the store on a worker thread and answers on a connection */
	while (self->admin_running > 0)
		g_main_context_iteration(NULL, TRUE);
	/* Jobs first, while the server still holds its connections: a cancel waiting for its
	 * job gets its answer. The requests served meanwhile find the job manager whole; it
	 * starts no job once it is closing. */
	sdag_jobs_free(self->jobs);
	self->jobs = NULL;
	/* after the jobs, whose last statuses they still publish */
	sdag_ws_free(self->ws);
	sdag_mqtt_free(self->mqtt);
	sdag_feed_free(self->feed);
	/* runs in flight answer on the still-open connections first */
	sdag_runonce_free(self->runonce);
	sdag_rest_free(self->rest);
	sdag_cameras_free(self->cameras);
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

/**
 * sdag_daemon_status_text:
 *
 * Returns: (transfer full): the one line systemd shows (STATUS=): jobs, MQTT, storage
 */
char *
sdag_daemon_status_text(SdagDaemon *self)
{
	guint queued = 0;
	guint running = 0;
	const char *mqtt = self->mqtt == NULL			? "off"
			   : sdag_mqtt_is_connected(self->mqtt) ? "connected"
								: "disconnected";

	sdag_jobs_get_counts(self->jobs, &queued, &running);
	return g_strdup_printf("%u running, %u queued, MQTT %s%s",
			       running,
			       queued,
			       mqtt,
			       sdag_store_get_full_since(self->store) != 0 ? ", storage full" : "");
}

/* A key a reload applies, or whose change it reports as needing a restart. */
static gboolean
sdag_daemon_is_reloadable(const char *name)
{
	if (g_str_has_prefix(name, "mqtt."))
		return sdag_mqtt_config_is_reloadable(name + strlen("mqtt."));
	return g_str_has_prefix(name, "auth.") || g_strcmp0(name, "rest.rate_limit") == 0 ||
	       g_strcmp0(name, "rest.tls_certificate") == 0 ||
	       g_strcmp0(name, "rest.tls_key") == 0 || g_strcmp0(name, "rest.rate_burst") == 0 ||
	       g_strcmp0(name, "daemon.log_level") == 0 || g_strcmp0(name, "jobs.media_roots") == 0;
}

/* Names each key of @next that differs from the running config and needs a restart. */
static void
sdag_daemon_report_restart_keys(SdagDaemon *self, SdagConfig *next)
{
	GHashTableIter iter;
	gpointer name;
	gpointer value;

	g_hash_table_iter_init(&iter, next->values);
	while (g_hash_table_iter_next(&iter, &name, &value)) {
		const char *dot = strchr(name, '.');
		g_autofree char *group = g_strndup(name, dot - (const char *)name);

		if (sdag_daemon_is_reloadable(name) ||
		    g_strcmp0(g_hash_table_lookup(self->config->values, name), value) == 0)
			continue;
		g_warning("reload: [%s] %s changed; it applies at the next start "
			  "(systemctl restart streamdagd)",
			  group,
			  dot + 1);
	}
}

static gboolean
sdag_daemon_strv_equal(GStrv a, GStrv b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return g_strv_equal((const char *const *)a, (const char *const *)b);
}

/* A renewed certificate in the same files, or new files: read again; bad ones leave the one
 * in use, and the rest of the reload goes on. */
static void
sdag_daemon_reload_certificate(SdagDaemon *self, SdagConfig *next)
{
	g_autoptr(GError) error = NULL;
	char *t;

	if (!sdag_rest_reload_certificate(self->rest, next, &error)) {
		g_warning("reload: the TLS certificate in use stays: %s", error->message);
		return;
	}
	if (next->tls_certificate[0] != '\0')
		g_message("reload: TLS certificate read from %s", next->tls_certificate);
	t = self->config->tls_certificate;
	self->config->tls_certificate = next->tls_certificate;
	next->tls_certificate = t;
	t = self->config->tls_key;
	self->config->tls_key = next->tls_key;
	next->tls_key = t;
	g_hash_table_replace(self->config->values,
			     g_strdup("rest.tls_certificate"),
			     g_strdup(self->config->tls_certificate));
	g_hash_table_replace(
	    self->config->values, g_strdup("rest.tls_key"), g_strdup(self->config->tls_key));
}

static gboolean
sdag_daemon_is_auth_key(gpointer key, gpointer value, gpointer user_data)
{
	return g_str_has_prefix(key, "auth.");
}

static gboolean
sdag_daemon_same_tokens(GPtrArray *a, GPtrArray *b)
{
	if (a->len != b->len)
		return FALSE;
	for (guint i = 0; i < a->len; i++) {
		const SdagToken *x = g_ptr_array_index(a, i);
		const SdagToken *y = g_ptr_array_index(b, i);
		if (g_strcmp0(x->name, y->name) != 0 || x->scopes != y->scopes ||
		    memcmp(x->digest, y->digest, sizeof(x->digest)) != 0)
			return FALSE;
	}
	return TRUE;
}

/* Makes the MQTT client again from the reloaded connection keys (none when the broker is
 * now empty). What the outbox holds stays in the store for the new client. */
static void
sdag_daemon_reconnect_mqtt(SdagDaemon *self)
{
	g_autoptr(GError) error = NULL;

	g_clear_pointer(&self->mqtt, sdag_mqtt_free);
	if (self->config->mqtt.broker[0] == '\0') {
		g_message("reload: MQTT is off");
		return;
	}
	self->mqtt = sdag_mqtt_new(
	    &self->config->mqtt, self->config->device_id, self->store, self->feed, &error);
	if (self->mqtt == NULL) {
		g_warning("reload: MQTT is off: %s", error->message);
		return;
	}
	if (!self->mqtt_collected) {
		sdag_prom_add_collector(self->prom, sdag_daemon_mqtt_collect_cb, self);
		self->mqtt_collected = TRUE;
	}
	sdag_daemon_set_rest_url(self);
	sdag_mqtt_set_stats_func(self->mqtt, sdag_daemon_stats_cb, self);
	g_message("reload: MQTT reconnecting to %s", self->config->mqtt.broker);
}

/**
 * sdag_daemon_reload:
 * @next: a config loaded afresh (file, drop-ins and command line, as at start-up)
 *
 * Applies what can change while running: [daemon] log_level (the caller's log filter),
 * [jobs] media_roots, the [camera NAME] groups (each camera's job kept, replaced, started or
 * cancelled), and the [mqtt] connection keys (by reconnecting). Every other key that
 * changed is logged as needing a restart. On error (a media root that does not exist)
 * nothing is applied.
 */
gboolean
sdag_daemon_reload(SdagDaemon *self, SdagConfig *next, GError **error)
{
	gboolean roots_changed =
	    !sdag_daemon_strv_equal(self->config->media_roots, next->media_roots);
	const char *applied[] = {
	    "daemon.log_level", "jobs.media_roots", "rest.rate_limit", "rest.rate_burst", NULL};

	if (next->tokens->len == 0 && !sdag_daemon_listen_is_local(self->config->listen_host)) {
		g_set_error(
		    error,
		    SDAG_ERROR,
		    SDAG_ERROR_CONFIG,
		    "no API token left in [auth] while listening on %s, which other machines "
		    "can reach",
		    self->config->listen_host);
		return FALSE;
	}
	if (roots_changed &&
	    !sdag_jobs_set_media_roots(self->jobs, (const char *const *)next->media_roots, error))
		return FALSE;
	sdag_daemon_report_restart_keys(self, next);
	if (roots_changed) {
		GStrv t = self->config->media_roots;

		self->config->media_roots = next->media_roots;
		next->media_roots = t;
		g_message("reload: media roots are now %u director%s",
			  g_strv_length(self->config->media_roots),
			  g_strv_length(self->config->media_roots) == 1 ? "y" : "ies");
	}
	self->config->log_level = next->log_level;
	if (!sdag_daemon_same_tokens(self->config->tokens, next->tokens))
		g_message(
		    "reload: %u API token%s", next->tokens->len, next->tokens->len == 1 ? "" : "s");
	{
		GPtrArray *t = self->config->tokens;

		self->config->tokens = next->tokens;
		next->tokens = t;
	}
	sdag_daemon_reload_certificate(self, next);
	sdag_cameras_reload(self->cameras, &next->cameras);
	self->config->rate_limit = next->rate_limit;
	self->config->rate_burst = next->rate_burst;
	sdag_rest_set_auth(
	    self->rest, self->config->tokens, self->config->rate_limit, self->config->rate_burst);
	if (sdag_mqtt_config_swap_connection(&self->config->mqtt, &next->mqtt)) {
		/* the old client reads strings that are @next's now: it goes before @next does */
		sdag_daemon_reconnect_mqtt(self);
	} else {
		/* unchanged: the running client keeps the very strings it reads */
		sdag_mqtt_config_swap_connection(&self->config->mqtt, &next->mqtt);
	}
	/* what was applied is what the next reload compares with */
	for (guint i = 0; applied[i] != NULL; i++)
		g_hash_table_replace(self->config->values,
				     g_strdup(applied[i]),
				     g_strdup(g_hash_table_lookup(next->values, applied[i])));
	{
		GHashTableIter iter;
		gpointer name;
		gpointer value;

		g_hash_table_iter_init(&iter, next->values);
		/* tokens removed are gone from the values too */
		g_hash_table_foreach_remove(self->config->values, sdag_daemon_is_auth_key, NULL);
		while (g_hash_table_iter_next(&iter, &name, &value)) {
			if ((g_str_has_prefix(name, "mqtt.") || g_str_has_prefix(name, "auth.")) &&
			    sdag_daemon_is_reloadable(name))
				g_hash_table_replace(
				    self->config->values, g_strdup(name), g_strdup(value));
		}
	}
	return TRUE;
}

guint16
sdag_daemon_get_port(SdagDaemon *self)
{
	return sdag_rest_get_port(self->rest);
}
