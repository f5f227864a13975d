/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "sdag-config"

#include "config.h"

#include "sdag-config.h"

#include <errno.h>
#include <gio/gio.h>
#include <string.h>
#include <sys/stat.h>

#include "sdag-error.h"
#include "sdag-json.h"

/*
 * The config is a GKeyFile read over the embedded default (the same text as
 * data/streamdag.conf), so a daemon with no file at all has every key set.
 * Every group/key the file may hold is in sdag_config_keys; anything else is
 * an error rather than a silently ignored typo.
 */

#define SDAG_MAX_BODY_MIN 1024
#define SDAG_MAX_BODY_MAX (G_GUINT64_CONSTANT(1) << 30)
#define SDAG_JOB_CACHE_MAX_BYTES (G_GUINT64_CONSTANT(1) << 30)
/* Beyond the file descriptors a box can sensibly hand out to one client each */
#define SDAG_MAX_CONNECTIONS_MAX 65536
/* 65536x65536: beyond the largest frame any decoder makes */
#define SDAG_MAX_FRAME_PIXELS_MAX (G_GUINT64_CONSTANT(1) << 32)
/* 1 MiB: room for RocksDB to open (LOG, MANIFEST, OPTIONS); 1 GiB: a memtable per family */
#define SDAG_CONFIG_STORE_WRITE_BUFFER_MIN (G_GUINT64_CONSTANT(1) << 20)
#define SDAG_CONFIG_STORE_WRITE_BUFFER_MAX (G_GUINT64_CONSTANT(1) << 30)
/* Each running job holds a decoder and a streaming thread: beyond this an edge box thrashes. */
#define SDAG_MAX_CONCURRENT_JOBS 64
/* POST /jobs/batch: beyond this one synced write and its answer hold the main loop too long */
#define SDAG_MAX_BATCH_MAX 10000

typedef gboolean (*SdagConfigSetter)(SdagConfig *self, const char *value, GError **error);

static gboolean
sdag_config_set_listen_cb(SdagConfig *self, const char *value, GError **error)
{
	return sdag_config_set_listen(self, value, error);
}

static gboolean
sdag_config_set_data_dir_cb(SdagConfig *self, const char *value, GError **error)
{
	if (value[0] == '\0') {
		g_set_error_literal(error, SDAG_ERROR, SDAG_ERROR_CONFIG, "must not be empty");
		return FALSE;
	}
	sdag_config_set_data_dir(self, value);
	return TRUE;
}

static gboolean
sdag_config_set_plugin_dir_cb(SdagConfig *self, const char *value, GError **error)
{
	sdag_config_set_plugin_dir(self, value[0] != '\0' ? value : SDAG_NODEDIR);
	return TRUE;
}

static gboolean
sdag_config_set_device_id_cb(SdagConfig *self, const char *value, GError **error)
{
	for (const char *p = value; *p != '\0'; p++) {
		if (!g_ascii_isalnum(*p) && *p != '-' && *p != '_') {
			g_set_error(error,
				    SDAG_ERROR,
				    SDAG_ERROR_CONFIG,
				    "'%s' may hold only letters, digits, '-' and '_'",
				    value);
			return FALSE;
		}
	}
	g_free(self->device_id);
	self->device_id = g_strdup(value[0] != '\0' ? value : g_get_host_name());
	return TRUE;
}

/**
 * sdag_config_parse_log_level:
 * @value: error, warning, info or debug
 */
gboolean
sdag_config_parse_log_level(const char *value, SdagLogLevel *out, GError **error)
{
	static const char *const names[] = {"error", "warning", "info", "debug"};

	for (guint i = 0; i < G_N_ELEMENTS(names); i++) {
		if (g_strcmp0(value, names[i]) == 0) {
			*out = (SdagLogLevel)i;
			return TRUE;
		}
	}
	g_set_error(error,
		    SDAG_ERROR,
		    SDAG_ERROR_CONFIG,
		    "expected error, warning, info or debug, got '%s'",
		    value);
	return FALSE;
}

static gboolean
sdag_config_set_log_level_cb(SdagConfig *self, const char *value, GError **error)
{
	return sdag_config_parse_log_level(value, &self->log_level, error);
}

/* An unsigned decimal key in [lo, hi]; the message names the range */
static gboolean
sdag_config_parse_uint(const char *value, guint64 lo, guint64 hi, guint64 *out, GError **error)
{
	if (!g_ascii_string_to_unsigned(value, 10, lo, hi, out, NULL)) {
		g_set_error(error,
			    SDAG_ERROR,
			    SDAG_ERROR_CONFIG,
			    "expected an integer from %" G_GUINT64_FORMAT " to %" G_GUINT64_FORMAT
			    ", got '%s'",
			    lo,
			    hi,
			    value);
		return FALSE;
	}
	return TRUE;
}

static gboolean
sdag_config_set_max_body_cb(SdagConfig *self, const char *value, GError **error)
{
	return sdag_config_parse_uint(
	    value, SDAG_MAX_BODY_MIN, SDAG_MAX_BODY_MAX, &self->max_body_bytes, error);
}

static gboolean
sdag_config_set_job_cache_cb(SdagConfig *self, const char *value, GError **error)
{
	return sdag_config_parse_uint(
	    value, 0, SDAG_JOB_CACHE_MAX_BYTES, &self->job_cache_bytes, error);
}

/* [rest]: unsigned keys that fit a guint, each with its range */
static gboolean
sdag_config_set_rest_uint(const char *value, guint64 lo, guint64 hi, guint *out, GError **error)
{
	guint64 v = 0;

	if (!sdag_config_parse_uint(value, lo, hi, &v, error))
		return FALSE;
	*out = (guint)v;
	return TRUE;
}

static gboolean
sdag_config_set_max_connections_cb(SdagConfig *self, const char *value, GError **error)
{
	return sdag_config_set_rest_uint(
	    value, 1, SDAG_MAX_CONNECTIONS_MAX, &self->max_connections, error);
}

static gboolean
sdag_config_set_idle_timeout_cb(SdagConfig *self, const char *value, GError **error)
{
	return sdag_config_set_rest_uint(value, 1, 86400, &self->idle_timeout_s, error);
}

static gboolean
sdag_config_set_header_timeout_cb(SdagConfig *self, const char *value, GError **error)
{
	return sdag_config_set_rest_uint(value, 1, 3600, &self->header_timeout_s, error);
}

static gboolean
sdag_config_set_per_client_cb(SdagConfig *self, const char *value, GError **error)
{
	return sdag_config_set_rest_uint(
	    value, 1, SDAG_MAX_CONNECTIONS_MAX, &self->max_connections_per_client, error);
}

/* A PEM file's path; empty for none. Read when the listener starts or reloads. */
static gboolean
sdag_config_set_path(const char *value, char **out, GError **error)
{
	if (value[0] != '\0' && !g_path_is_absolute(value)) {
		g_set_error(
		    error, SDAG_ERROR, SDAG_ERROR_CONFIG, "'%s' is not an absolute path", value);
		return FALSE;
	}
	g_free(*out);
	*out = g_strdup(value);
	return TRUE;
}

static gboolean
sdag_config_set_tls_certificate_cb(SdagConfig *self, const char *value, GError **error)
{
	return sdag_config_set_path(value, &self->tls_certificate, error);
}

static gboolean
sdag_config_set_tls_key_cb(SdagConfig *self, const char *value, GError **error)
{
	return sdag_config_set_path(value, &self->tls_key, error);
}

static gboolean
sdag_config_set_rate_limit_cb(SdagConfig *self, const char *value, GError **error)
{
	return sdag_config_set_rest_uint(value, 0, 100000, &self->rate_limit, error);
}

static gboolean
sdag_config_set_rate_burst_cb(SdagConfig *self, const char *value, GError **error)
{
	return sdag_config_set_rest_uint(value, 1, 100000, &self->rate_burst, error);
}

static gboolean
sdag_config_set_ws_max_incoming_cb(SdagConfig *self, const char *value, GError **error)
{
	return sdag_config_set_rest_uint(value, 125, 1048576, &self->ws_max_incoming_bytes, error);
}

static gboolean
sdag_config_set_ws_ping_cb(SdagConfig *self, const char *value, GError **error)
{
	return sdag_config_set_rest_uint(value, 1, 3600, &self->ws_ping_interval_s, error);
}

/* "scheme://host[:port]" each, separated by ';', compared exactly with a WebSocket's
 * Origin */
static gboolean
sdag_config_set_allowed_origins_cb(SdagConfig *self, const char *value, GError **error)
{
	g_auto(GStrv) parts = g_strsplit(value, ";", -1);
	g_autoptr(GStrvBuilder) out = g_strv_builder_new();

	for (guint i = 0; parts[i] != NULL; i++) {
		g_autoptr(GUri) uri = NULL;
		const char *origin = g_strstrip(parts[i]);

		if (origin[0] == '\0')
			continue;
		uri = g_uri_parse(origin, G_URI_FLAGS_NONE, NULL);
		if (uri == NULL ||
		    (g_strcmp0(g_uri_get_scheme(uri), "http") != 0 &&
		     g_strcmp0(g_uri_get_scheme(uri), "https") != 0) ||
		    g_uri_get_host(uri) == NULL || g_uri_get_path(uri)[0] != '\0' ||
		    g_uri_get_query(uri) != NULL || g_uri_get_userinfo(uri) != NULL) {
			g_set_error(error,
				    SDAG_ERROR,
				    SDAG_ERROR_CONFIG,
				    "'%s' is not an origin (http[s]://HOST[:PORT], no path)",
				    origin);
			return FALSE;
		}
		g_strv_builder_add(out, origin);
	}
	g_strfreev(self->allowed_origins);
	self->allowed_origins = g_strv_builder_end(out);
	return TRUE;
}

static gboolean
sdag_config_set_store_write_buffer_cb(SdagConfig *self, const char *value, GError **error)
{
	return sdag_config_parse_uint(value,
				      SDAG_CONFIG_STORE_WRITE_BUFFER_MIN,
				      SDAG_CONFIG_STORE_WRITE_BUFFER_MAX,
				      &self->store_write_buffer_bytes,
				      error);
}

/*
 * "auto": one job per online CPU (g_get_num_processors(), at most 64). A file job's decode
 * and DAG run on its own streaming thread, so that many jobs keep every core busy; the
 * decoder's own threads are sized from this number so that they do not oversubscribe.
 */
static gboolean
sdag_config_set_max_jobs_cb(SdagConfig *self, const char *value, GError **error)
{
	guint64 v = 0;

	if (g_strcmp0(value, "auto") == 0) {
		self->max_concurrent_jobs =
		    CLAMP(g_get_num_processors(), 1, SDAG_MAX_CONCURRENT_JOBS);
		return TRUE;
	}
	if (!g_ascii_string_to_unsigned(value, 10, 1, SDAG_MAX_CONCURRENT_JOBS, &v, NULL)) {
		g_set_error(error,
			    SDAG_ERROR,
			    SDAG_ERROR_CONFIG,
			    "expected auto or an integer from 1 to %u, got '%s'",
			    SDAG_MAX_CONCURRENT_JOBS,
			    value);
		return FALSE;
	}
	self->max_concurrent_jobs = (guint)v;
	return TRUE;
}

static gboolean
sdag_config_set_max_batch_cb(SdagConfig *self, const char *value, GError **error)
{
	guint64 v = 0;

	if (!sdag_config_parse_uint(value, 1, SDAG_MAX_BATCH_MAX, &v, error))
		return FALSE;
	self->max_batch = (guint)v;
	return TRUE;
}

/* "0" (off), or a number with its unit: 90d, 12h, 30m, 45s */
static gboolean
sdag_config_set_retention_max_age_cb(SdagConfig *self, const char *value, GError **error)
{
	gsize len = strlen(value);
	guint64 n = 0;
	guint64 unit = 0;
	g_autofree char *digits = NULL;

	if (g_strcmp0(value, "0") == 0) {
		self->retention_max_age_s = 0;
		return TRUE;
	}
	if (len >= 2) {
		switch (value[len - 1]) {
		case 's':
			unit = 1;
			break;
		case 'm':
			unit = 60;
			break;
		case 'h':
			unit = 3600;
			break;
		case 'd':
			unit = 86400;
			break;
		default:
			break;
		}
	}
	digits = g_strndup(value, len > 0 ? len - 1 : 0);
	if (unit == 0 || !g_ascii_string_to_unsigned(digits, 10, 1, 100000, &n, NULL)) {
		g_set_error(error,
			    SDAG_ERROR,
			    SDAG_ERROR_CONFIG,
			    "expected 0 (off) or an age such as 90d, 12h, 30m, 45s, got '%s'",
			    value);
		return FALSE;
	}
	self->retention_max_age_s = n * unit;
	return TRUE;
}

static gboolean
sdag_config_set_retention_statuses_cb(SdagConfig *self, const char *value, GError **error)
{
	g_auto(GStrv) parts = g_strsplit(value, ",", -1);
	guint mask = 0;

	for (guint i = 0; parts[i] != NULL; i++) {
		const char *p = g_strstrip(parts[i]);
		if (g_strcmp0(p, "completed") == 0)
			mask |= 1 << 0;
		else if (g_strcmp0(p, "failed") == 0)
			mask |= 1 << 1;
		else if (g_strcmp0(p, "cancelled") == 0)
			mask |= 1 << 2;
		else {
			g_set_error(
			    error,
			    SDAG_ERROR,
			    SDAG_ERROR_CONFIG,
			    "expected completed, failed or cancelled (comma-separated), got '%s'",
			    p);
			return FALSE;
		}
	}
	if (mask == 0) {
		g_set_error_literal(
		    error, SDAG_ERROR, SDAG_ERROR_CONFIG, "name at least one status");
		return FALSE;
	}
	self->retention_statuses = mask;
	return TRUE;
}

static gboolean
sdag_config_set_max_attempts_cb(SdagConfig *self, const char *value, GError **error)
{
	guint64 v = 0;

	if (!sdag_config_parse_uint(value, 1, 1000, &v, error))
		return FALSE;
	self->max_attempts = (guint)v;
	return TRUE;
}

static gboolean
sdag_config_set_start_timeout_cb(SdagConfig *self, const char *value, GError **error)
{
	guint64 v = 0;

	if (!g_ascii_string_to_unsigned(value, 10, 1, 3600, &v, NULL)) {
		g_set_error(error,
			    SDAG_ERROR,
			    SDAG_ERROR_CONFIG,
			    "expected a number of seconds from 1 to 3600, got '%s'",
			    value);
		return FALSE;
	}
	self->start_timeout_s = (guint)v;
	return TRUE;
}

static gboolean
sdag_config_set_max_frame_pixels_cb(SdagConfig *self, const char *value, GError **error)
{
	return sdag_config_parse_uint(
	    value, 1, SDAG_MAX_FRAME_PIXELS_MAX, &self->max_frame_pixels, error);
}

/* "auto" (0: the CPUs shared among max_concurrent_jobs, when a job starts) or 1 to 64 */
static gboolean
sdag_config_set_decoder_threads_cb(SdagConfig *self, const char *value, GError **error)
{
	guint64 v = 0;

	if (g_strcmp0(value, "auto") == 0) {
		self->decoder_threads = 0;
		return TRUE;
	}
	if (!g_ascii_string_to_unsigned(value, 10, 1, 64, &v, NULL)) {
		g_set_error(error,
			    SDAG_ERROR,
			    SDAG_ERROR_CONFIG,
			    "expected \"auto\" or an integer from 1 to 64, got '%s'",
			    value);
		return FALSE;
	}
	self->decoder_threads = (guint)v;
	return TRUE;
}

/* Absolute directories separated by ';', empty ones left out, into *out. */
static gboolean
sdag_config_parse_dirs(const char *value, GStrv *out, GError **error)
{
	g_auto(GStrv) roots = g_strsplit(value, ";", -1);
	g_autoptr(GPtrArray) kept = g_ptr_array_new_with_free_func(g_free);

	for (guint i = 0; roots[i] != NULL; i++) {
		char *root = g_strstrip(roots[i]);
		if (root[0] == '\0')
			continue;
		if (!g_path_is_absolute(root)) {
			g_set_error(error,
				    SDAG_ERROR,
				    SDAG_ERROR_CONFIG,
				    "'%s' is not an absolute path",
				    root);
			return FALSE;
		}
		g_ptr_array_add(kept, g_strdup(root));
	}
	g_ptr_array_add(kept, NULL);
	g_strfreev(*out);
	*out = (GStrv)g_ptr_array_free(g_steal_pointer(&kept), FALSE);
	return TRUE;
}

static gboolean
sdag_config_set_media_roots_cb(SdagConfig *self, const char *value, GError **error)
{
	return sdag_config_parse_dirs(value, &self->media_roots, error);
}

static gboolean
sdag_config_set_cascade_dirs_cb(SdagConfig *self, const char *value, GError **error)
{
	return sdag_config_parse_dirs(value, &self->cascade_dirs, error);
}

static gboolean
sdag_config_parse_bool(const char *value, gboolean *out, GError **error)
{
	if (g_strcmp0(value, "true") == 0) {
		*out = TRUE;
		return TRUE;
	}
	if (g_strcmp0(value, "false") == 0) {
		*out = FALSE;
		return TRUE;
	}
	g_set_error(
	    error, SDAG_ERROR, SDAG_ERROR_CONFIG, "expected true or false, got '%s'", value);
	return FALSE;
}

static gboolean
sdag_config_set_allow_plain_http_cb(SdagConfig *self, const char *value, GError **error)
{
	return sdag_config_parse_bool(value, &self->allow_plain_http, error);
}

static gboolean
sdag_config_set_allow_private_cb(SdagConfig *self, const char *value, GError **error)
{
	return sdag_config_parse_bool(value, &self->allow_private_networks, error);
}

/* [live]: unsigned keys, each with its range */
static gboolean
sdag_config_set_live_uint(const char *value, guint64 lo, guint64 hi, guint *out, GError **error)
{
	guint64 v = 0;

	if (!sdag_config_parse_uint(value, lo, hi, &v, error))
		return FALSE;
	*out = (guint)v;
	return TRUE;
}

#define SDAG_CONFIG_LIVE_UINT(field, lo, hi)                                               \
	static gboolean sdag_config_set_live_##field##_cb(                                 \
	    SdagConfig *self, const char *value, GError **error)                           \
	{                                                                                  \
		return sdag_config_set_live_uint(value, lo, hi, &self->live.field, error); \
	}
SDAG_CONFIG_LIVE_UINT(max_live_jobs, 1, 1024)
SDAG_CONFIG_LIVE_UINT(backoff_initial_ms, 10, 3600000)
SDAG_CONFIG_LIVE_UINT(backoff_max_ms, 10, 3600000)
SDAG_CONFIG_LIVE_UINT(stall_timeout_floor_ms, 100, 600000)
SDAG_CONFIG_LIVE_UINT(connect_timeout_ms, 100, 600000)
SDAG_CONFIG_LIVE_UINT(checkpoint_interval_ms, 100, 3600000)
SDAG_CONFIG_LIVE_UINT(latency_ms, 0, 60000)
SDAG_CONFIG_LIVE_UINT(max_lag_ms, 10, 60000)
SDAG_CONFIG_LIVE_UINT(max_queued_frames, 1, 1000)

static gboolean
sdag_config_set_live_backoff_factor_cb(SdagConfig *self, const char *value, GError **error)
{
	char *end = NULL;
	double v = g_ascii_strtod(value, &end);

	if (end == value || *end != '\0' || !(v >= 1.0 && v <= 10.0)) {
		g_set_error(error,
			    SDAG_ERROR,
			    SDAG_ERROR_CONFIG,
			    "expected a number from 1 to 10, got '%s'",
			    value);
		return FALSE;
	}
	self->live.backoff_factor = v;
	return TRUE;
}

static gboolean
sdag_config_set_live_transport_cb(SdagConfig *self, const char *value, GError **error)
{
	if (g_strcmp0(value, "auto") != 0 && g_strcmp0(value, "tcp") != 0 &&
	    g_strcmp0(value, "udp") != 0) {
		g_set_error(error,
			    SDAG_ERROR,
			    SDAG_ERROR_CONFIG,
			    "expected auto, tcp or udp, got '%s'",
			    value);
		return FALSE;
	}
	g_free(self->live.transport);
	self->live.transport = g_strdup(value);
	return TRUE;
}

static const struct {
	const char *group;
	const char *key;
	SdagConfigSetter set;
} sdag_config_keys[] = {
    {"daemon", "listen", sdag_config_set_listen_cb},
    {"daemon", "data_dir", sdag_config_set_data_dir_cb},
    {"daemon", "plugin_dir", sdag_config_set_plugin_dir_cb},
    {"daemon", "device_id", sdag_config_set_device_id_cb},
    {"daemon", "log_level", sdag_config_set_log_level_cb},
    {"rest", "max_body_bytes", sdag_config_set_max_body_cb},
    {"rest", "job_cache_bytes", sdag_config_set_job_cache_cb},
    {"rest", "max_connections", sdag_config_set_max_connections_cb},
    {"rest", "idle_timeout_s", sdag_config_set_idle_timeout_cb},
    {"rest", "header_timeout_s", sdag_config_set_header_timeout_cb},
    {"rest", "max_connections_per_client", sdag_config_set_per_client_cb},
    {"rest", "tls_certificate", sdag_config_set_tls_certificate_cb},
    {"rest", "tls_key", sdag_config_set_tls_key_cb},
    {"rest", "allow_plain_http", sdag_config_set_allow_plain_http_cb},
    {"rest", "rate_limit", sdag_config_set_rate_limit_cb},
    {"rest", "rate_burst", sdag_config_set_rate_burst_cb},
    {"rest", "allowed_origins", sdag_config_set_allowed_origins_cb},
    {"rest", "ws_max_incoming_bytes", sdag_config_set_ws_max_incoming_cb},
    {"rest", "ws_ping_interval_s", sdag_config_set_ws_ping_cb},
    {"store", "write_buffer_bytes", sdag_config_set_store_write_buffer_cb},
    {"jobs", "max_concurrent_jobs", sdag_config_set_max_jobs_cb},
    {"jobs", "max_batch", sdag_config_set_max_batch_cb},
    {"jobs", "media_roots", sdag_config_set_media_roots_cb},
    {"jobs", "start_timeout_s", sdag_config_set_start_timeout_cb},
    {"jobs", "max_attempts", sdag_config_set_max_attempts_cb},
    {"retention", "max_age", sdag_config_set_retention_max_age_cb},
    {"retention", "statuses", sdag_config_set_retention_statuses_cb},
    {"jobs", "max_frame_pixels", sdag_config_set_max_frame_pixels_cb},
    {"jobs", "decoder_threads", sdag_config_set_decoder_threads_cb},
    {"sources", "allow_private_networks", sdag_config_set_allow_private_cb},
    {"nodes", "cascade_dirs", sdag_config_set_cascade_dirs_cb},
    {"live", "max_live_jobs", sdag_config_set_live_max_live_jobs_cb},
    {"live", "backoff_initial_ms", sdag_config_set_live_backoff_initial_ms_cb},
    {"live", "backoff_max_ms", sdag_config_set_live_backoff_max_ms_cb},
    {"live", "backoff_factor", sdag_config_set_live_backoff_factor_cb},
    {"live", "stall_timeout_floor_ms", sdag_config_set_live_stall_timeout_floor_ms_cb},
    {"live", "connect_timeout_ms", sdag_config_set_live_connect_timeout_ms_cb},
    {"live", "checkpoint_interval_ms", sdag_config_set_live_checkpoint_interval_ms_cb},
    {"live", "latency_ms", sdag_config_set_live_latency_ms_cb},
    {"live", "max_lag_ms", sdag_config_set_live_max_lag_ms_cb},
    {"live", "max_queued_frames", sdag_config_set_live_max_queued_frames_cb},
    {"live", "transport", sdag_config_set_live_transport_cb},
};

static gboolean
sdag_config_is_known_group(const char *group)
{
	if (g_strcmp0(group, "mqtt") == 0 || g_strcmp0(group, "auth") == 0 ||
	    g_str_has_prefix(group, SDAG_CAMERA_CONFIG_PREFIX))
		return TRUE;
	for (guint i = 0; i < G_N_ELEMENTS(sdag_config_keys); i++) {
		if (g_strcmp0(sdag_config_keys[i].group, group) == 0)
			return TRUE;
	}
	return FALSE;
}

static SdagConfigSetter
sdag_config_find_setter(const char *group, const char *key)
{
	for (guint i = 0; i < G_N_ELEMENTS(sdag_config_keys); i++) {
		if (g_strcmp0(sdag_config_keys[i].group, group) == 0 &&
		    g_strcmp0(sdag_config_keys[i].key, key) == 0)
			return sdag_config_keys[i].set;
	}
	return NULL;
}

/**
 * sdag_config_new:
 *
 * Returns: (transfer full): a config holding the embedded defaults
 */
SdagConfig *
sdag_config_new(void)
{
	g_autoptr(SdagConfig) self = g_new0(SdagConfig, 1);
	g_autoptr(GBytes) blob = NULL;
	g_autoptr(GError) error = NULL;
	gsize len = 0;
	const char *data;

	blob = g_resources_lookup_data(
	    "/org/streamdag/streamdag.conf", G_RESOURCE_LOOKUP_FLAGS_NONE, &error);
	/* the resource is linked in: its absence is a build defect */
	g_assert_no_error(error);
	data = g_bytes_get_data(blob, &len);
	self->values = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	self->tokens = g_ptr_array_new_with_free_func((GDestroyNotify)sdag_token_free);
	sdag_camera_config_init(&self->cameras);
	if (!sdag_config_load_data(self, data, len, &error))
		g_error("embedded default config is invalid: %s", error->message);
	return g_steal_pointer(&self);
}

void
sdag_config_free(SdagConfig *self)
{
	if (self == NULL)
		return;
	g_free(self->listen_host);
	g_free(self->data_dir);
	g_free(self->plugin_dir);
	g_free(self->device_id);
	g_strfreev(self->media_roots);
	g_strfreev(self->cascade_dirs);
	g_free(self->live.transport);
	g_free(self->tls_certificate);
	g_free(self->tls_key);
	g_strfreev(self->allowed_origins);
	g_clear_pointer(&self->tokens, g_ptr_array_unref);
	sdag_camera_config_clear(&self->cameras);
	sdag_mqtt_config_clear(&self->mqtt);
	g_clear_pointer(&self->values, g_hash_table_unref);
	g_free(self);
}

/*
 * [auth] NAME = sha256:HEX SCOPES: one key per token. A later file that names a token again
 * replaces it, so a drop-in can change a token's scopes or secret.
 */
static gboolean
sdag_config_set_token(SdagConfig *self, const char *name, const char *value, GError **error)
{
	SdagToken *token = sdag_token_parse(name, value, error);

	if (token == NULL)
		return FALSE;
	for (guint i = 0; i < self->tokens->len; i++) {
		SdagToken *t = g_ptr_array_index(self->tokens, i);
		if (g_strcmp0(t->name, name) == 0) {
			sdag_token_free(t);
			g_ptr_array_index(self->tokens, i) = token;
			return TRUE;
		}
		if (sdag_token_digest_equal(t->digest, token->digest)) {
			g_set_error(error,
				    SDAG_ERROR,
				    SDAG_ERROR_CONFIG,
				    "the same secret as token '%s': each token needs its own",
				    t->name);
			sdag_token_free(token);
			return FALSE;
		}
	}
	g_ptr_array_add(self->tokens, token);
	return TRUE;
}

/*
 * [mqtt] password and password_file are one secret given two ways: a file may set one, and
 * the one it sets replaces what an earlier file set the other way.
 */
static gboolean
sdag_config_apply_secret_keys(SdagConfig *self,
			      GKeyFile *kf,
			      char **bad_group,
			      char **bad_key,
			      GError **error)
{
	g_autofree char *password = g_key_file_get_string(kf, "mqtt", "password", NULL);
	g_autofree char *file = g_key_file_get_string(kf, "mqtt", "password_file", NULL);
	gboolean has_password = password != NULL && g_strstrip(password)[0] != '\0';
	gboolean has_file = file != NULL && g_strstrip(file)[0] != '\0';

	if (has_password && has_file) {
		*bad_group = g_strdup("mqtt");
		*bad_key = g_strdup("password_file");
		g_set_error_literal(
		    error,
		    SDAG_ERROR,
		    SDAG_ERROR_CONFIG,
		    "[mqtt] password_file: give the password or its file, not both");
		return FALSE;
	}
	if (has_file)
		sdag_mqtt_config_set(&self->mqtt, "password", "", NULL);
	else if (has_password)
		sdag_mqtt_config_set(&self->mqtt, "password_file", "", NULL);
	return TRUE;
}

/*
 * Applies every key of @kf over the current values. On error *bad_group and *bad_key name
 * where it was (the key NULL for a bad group), so that a file's loader can name the line.
 */
static gboolean
sdag_config_apply(SdagConfig *self, GKeyFile *kf, char **bad_group, char **bad_key, GError **error)
{
	g_autoptr(GError) error_local = NULL;
	g_auto(GStrv) groups = g_key_file_get_groups(kf, NULL);

	for (guint i = 0; groups[i] != NULL; i++) {
		g_auto(GStrv) keys = NULL;

		if (!sdag_config_is_known_group(groups[i])) {
			*bad_group = g_strdup(groups[i]);
			g_set_error(
			    error, SDAG_ERROR, SDAG_ERROR_CONFIG, "unknown group [%s]", groups[i]);
			return FALSE;
		}
		if (g_str_has_prefix(groups[i], SDAG_CAMERA_CONFIG_PREFIX)) {
			if (!sdag_camera_config_apply_group(
				&self->cameras, kf, groups[i], bad_key, &error_local)) {
				*bad_group = g_strdup(groups[i]);
				g_set_error(error,
					    SDAG_ERROR,
					    SDAG_ERROR_CONFIG,
					    "[%s]%s%s: %s",
					    groups[i],
					    *bad_key != NULL ? " " : "",
					    *bad_key != NULL ? *bad_key : "",
					    error_local->message);
				return FALSE;
			}
			continue;
		}
		keys = g_key_file_get_keys(kf, groups[i], NULL, NULL);
		for (guint j = 0; keys[j] != NULL; j++) {
			SdagConfigSetter set = sdag_config_find_setter(groups[i], keys[j]);
			gboolean mqtt = g_strcmp0(groups[i], "mqtt") == 0;
			gboolean auth = g_strcmp0(groups[i], "auth") == 0;
			g_autofree char *value = NULL;

			*bad_group = g_strdup(groups[i]);
			*bad_key = g_strdup(keys[j]);
			if (auth)
				set = NULL;
			if (set == NULL && !mqtt && !auth) {
				g_set_error(error,
					    SDAG_ERROR,
					    SDAG_ERROR_CONFIG,
					    "[%s] %s: unknown key",
					    groups[i],
					    keys[j]);
				return FALSE;
			}
			value = g_key_file_get_string(kf, groups[i], keys[j], &error_local);
			if (value == NULL ||
			    !(mqtt ? sdag_mqtt_config_set(
					 &self->mqtt, keys[j], g_strstrip(value), &error_local)
			      : auth ? sdag_config_set_token(
					   self, keys[j], g_strstrip(value), &error_local)
				     : set(self, g_strstrip(value), &error_local))) {
				g_set_error(error,
					    SDAG_ERROR,
					    SDAG_ERROR_CONFIG,
					    "[%s] %s: %s",
					    groups[i],
					    keys[j],
					    error_local->message);
				return FALSE;
			}
			g_hash_table_replace(self->values,
					     g_strdup_printf("%s.%s", groups[i], keys[j]),
					     g_strdup(value));
			g_clear_pointer(bad_group, g_free);
			g_clear_pointer(bad_key, g_free);
		}
	}
	return sdag_config_apply_secret_keys(self, kf, bad_group, bad_key, error);
}

/*
 * GKeyFile takes group and key names that are not UTF-8, and the errors quote them (and
 * values): the message of a config error goes to the journal and into JSON answers, so its
 * stray bytes are written as %XX.
 */
static void
sdag_config_error_make_valid(GError *error)
{
	char *valid;

	if (error == NULL || g_utf8_validate(error->message, -1, NULL))
		return;
	valid = sdag_json_make_valid(error->message);
	g_free(error->message);
	error->message = valid;
}

/**
 * sdag_config_load_data:
 *
 * Applies every key of the GKeyFile text over the current values. On error the message
 * names the group and key at fault; keys before it may already have been applied, which is
 * harmless since the daemon then refuses to start (and a reload loads into a new config).
 */
gboolean
sdag_config_load_data(SdagConfig *self, const char *data, gsize len, GError **error)
{
	g_autoptr(GKeyFile) kf = g_key_file_new();
	g_autoptr(GError) error_local = NULL;
	g_autofree char *bad_group = NULL;
	g_autofree char *bad_key = NULL;

	if (!g_key_file_load_from_data(kf, data, len, G_KEY_FILE_NONE, &error_local)) {
		g_set_error(error, SDAG_ERROR, SDAG_ERROR_CONFIG, "%s", error_local->message);
		sdag_config_error_make_valid(error != NULL ? *error : NULL);
		return FALSE;
	}
	if (!sdag_config_apply(self, kf, &bad_group, &bad_key, error)) {
		sdag_config_error_make_valid(error != NULL ? *error : NULL);
		return FALSE;
	}
	return TRUE;
}

/* A line's key, as GKeyFile reads it: the text before '=' without the spaces around it. */
static gboolean
sdag_config_line_is_key(const char *line, const char *key)
{
	const char *eq = strchr(line, '=');
	g_autofree char *name = NULL;

	if (eq == NULL)
		return FALSE;
	name = g_strstrip(g_strndup(line, eq - line));
	return g_strcmp0(name, key) == 0;
}

/*
 * The 1-based line of [group] (@key NULL) or of @key in the last [group] that sets it, which
 * is the value GKeyFile keeps; for a text GKeyFile refuses (both NULL), its first line that
 * is no comment, group or key. 0 when there is none.
 */
static guint
sdag_config_find_line(const char *data, const char *group, const char *key)
{
	g_auto(GStrv) lines = g_strsplit(data, "\n", -1);
	g_autofree char *header = group != NULL ? g_strdup_printf("[%s]", group) : NULL;
	gboolean inside = FALSE;
	guint found = 0;

	for (guint i = 0; lines[i] != NULL; i++) {
		const char *line = g_strstrip(lines[i]);

		if (line[0] == '\0' || line[0] == '#')
			continue;
		if (line[0] == '[') {
			inside = header != NULL && g_strcmp0(line, header) == 0;
			if (inside && key == NULL)
				return i + 1;
			if (header == NULL && line[strlen(line) - 1] != ']')
				return i + 1;
			continue;
		}
		if (header == NULL && strchr(line, '=') == NULL)
			return i + 1;
		if (inside && key != NULL && sdag_config_line_is_key(line, key))
			found = i + 1;
	}
	return found;
}

/* @path: a file of the config; errors say "PATH:LINE: [group] key: ..." */
static gboolean
sdag_config_load_one(SdagConfig *self, const char *path, GError **error)
{
	g_autofree char *data = NULL;
	g_autoptr(GKeyFile) kf = g_key_file_new();
	g_autoptr(GError) error_local = NULL;
	g_autofree char *bad_group = NULL;
	g_autofree char *bad_key = NULL;
	gsize len = 0;
	guint line;

	if (!g_file_get_contents(path, &data, &len, &error_local)) {
		g_set_error(error, SDAG_ERROR, SDAG_ERROR_CONFIG, "%s", error_local->message);
		return FALSE;
	}
	if (!g_key_file_load_from_data(kf, data, len, G_KEY_FILE_NONE, &error_local)) {
		line = sdag_config_find_line(data, NULL, NULL);
		g_set_error(error, SDAG_ERROR, SDAG_ERROR_CONFIG, "%s", error_local->message);
	} else if (!sdag_config_apply(self, kf, &bad_group, &bad_key, error)) {
		line = bad_group != NULL ? sdag_config_find_line(data, bad_group, bad_key) : 0;
	} else {
		return TRUE;
	}
	if (line > 0)
		g_prefix_error(error, "%s:%u: ", path, line);
	else
		g_prefix_error(error, "%s: ", path);
	sdag_config_error_make_valid(error != NULL ? *error : NULL);
	return FALSE;
}

/**
 * sdag_config_load_file:
 *
 * Applies one file over the current values: no drop-ins, and a password_file is not read
 * (sdag_config_load() does both).
 */
gboolean
sdag_config_load_file(SdagConfig *self, const char *path, GError **error)
{
	return sdag_config_load_one(self, path, error);
}

static gint
sdag_config_cmp_paths(gconstpointer a, gconstpointer b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The *.conf files of @dir by name (byte order), hidden ones left out; none if it is absent. */
static GPtrArray *
sdag_config_list_dropins(const char *dir, GError **error)
{
	g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GError) error_local = NULL;
	g_autoptr(GDir) d = g_dir_open(dir, 0, &error_local);
	const char *name;

	if (d == NULL) {
		if (g_error_matches(error_local, G_FILE_ERROR, G_FILE_ERROR_NOENT))
			return g_steal_pointer(&files);
		g_set_error(error, SDAG_ERROR, SDAG_ERROR_CONFIG, "%s", error_local->message);
		return NULL;
	}
	while ((name = g_dir_read_name(d)) != NULL) {
		if (name[0] != '.' && g_str_has_suffix(name, ".conf"))
			g_ptr_array_add(files, g_build_filename(dir, name, NULL));
	}
	g_ptr_array_sort(files, sdag_config_cmp_paths);
	return g_steal_pointer(&files);
}

/*
 * A password_file names its file: absolute, or a bare name in $CREDENTIALS_DIRECTORY (what
 * systemd's LoadCredential= makes). The file's text, without its final newline, is the
 * password.
 */
static gboolean
sdag_config_read_secret(SdagMqttConfig *mqtt, GError **error)
{
	g_autofree char *path = NULL;
	g_autofree char *text = NULL;
	g_autoptr(GError) error_local = NULL;
	const char *creds = g_getenv("CREDENTIALS_DIRECTORY");
	gsize len = 0;

	if (mqtt->password_file[0] == '\0')
		return TRUE;
	if (g_path_is_absolute(mqtt->password_file)) {
		path = g_strdup(mqtt->password_file);
	} else if (strchr(mqtt->password_file, '/') != NULL) {
		g_set_error(error,
			    SDAG_ERROR,
			    SDAG_ERROR_CONFIG,
			    "[mqtt] password_file: '%s' is neither an absolute path nor a "
			    "credential name",
			    mqtt->password_file);
		return FALSE;
	} else if (creds == NULL || creds[0] == '\0') {
		g_set_error(
		    error,
		    SDAG_ERROR,
		    SDAG_ERROR_CONFIG,
		    "[mqtt] password_file: '%s' is a credential name, but "
		    "$CREDENTIALS_DIRECTORY is not set (LoadCredential= in the unit sets it)",
		    mqtt->password_file);
		return FALSE;
	} else {
		path = g_build_filename(creds, mqtt->password_file, NULL);
	}
	if (!g_file_get_contents(path, &text, &len, &error_local)) {
		g_set_error(error,
			    SDAG_ERROR,
			    SDAG_ERROR_CONFIG,
			    "[mqtt] password_file: %s",
			    error_local->message);
		return FALSE;
	}
	if (len > 0 && text[len - 1] == '\n')
		text[--len] = '\0';
	if (len > 0 && text[len - 1] == '\r')
		text[--len] = '\0';
	if (len == 0 || strlen(text) != len) {
		g_set_error(error,
			    SDAG_ERROR,
			    SDAG_ERROR_CONFIG,
			    "[mqtt] password_file: %s is %s",
			    path,
			    len == 0 ? "empty" : "not text (it holds a NUL byte)");
		return FALSE;
	}
	g_free(mqtt->password);
	mqtt->password = g_steal_pointer(&text);
	return TRUE;
}

/**
 * sdag_config_load:
 * @path: the main config file
 *
 * Applies @path, then every conf.d/ *.conf next to it in name order (a later file sets a key
 * again over an earlier one), then reads the MQTT password's file if one is named. Errors
 * name the file and line.
 */
gboolean
sdag_config_load(SdagConfig *self, const char *path, GError **error)
{
	g_autofree char *base = g_path_get_dirname(path);
	g_autofree char *dir = g_build_filename(base, "conf.d", NULL);
	g_autoptr(GPtrArray) dropins = NULL;

	if (!sdag_config_load_one(self, path, error))
		return FALSE;
	dropins = sdag_config_list_dropins(dir, error);
	if (dropins == NULL)
		return FALSE;
	for (guint i = 0; i < dropins->len; i++) {
		if (!sdag_config_load_one(self, g_ptr_array_index(dropins, i), error))
			return FALSE;
	}
	return sdag_config_read_secret(&self->mqtt, error);
}

/**
 * sdag_config_set_listen:
 * @value: "ADDR:PORT" or "[IPv6]:PORT"; ADDR must be an IP literal so that
 *   what the daemon binds is exactly what the operator wrote
 */
gboolean
sdag_config_set_listen(SdagConfig *self, const char *value, GError **error)
{
	const char *colon = strrchr(value, ':');
	g_autofree char *host = NULL;
	g_autoptr(GInetAddress) addr = NULL;
	guint64 port = 0;

	if (colon == NULL || colon == value) {
		g_set_error(
		    error, SDAG_ERROR, SDAG_ERROR_CONFIG, "expected ADDR:PORT, got '%s'", value);
		return FALSE;
	}
	host = g_strndup(value, colon - value);
	if (host[0] == '[') {
		gsize n = strlen(host);
		if (n < 3 || host[n - 1] != ']') {
			g_set_error(error,
				    SDAG_ERROR,
				    SDAG_ERROR_CONFIG,
				    "bad IPv6 address in '%s'",
				    value);
			return FALSE;
		}
		memmove(host, host + 1, n - 2);
		host[n - 2] = '\0';
	}
	addr = g_inet_address_new_from_string(host);
	if (addr == NULL) {
		g_set_error(
		    error, SDAG_ERROR, SDAG_ERROR_CONFIG, "'%s' is not an IP address", host);
		return FALSE;
	}
	if (!g_ascii_string_to_unsigned(colon + 1, 10, 0, G_MAXUINT16, &port, NULL)) {
		g_set_error(error,
			    SDAG_ERROR,
			    SDAG_ERROR_CONFIG,
			    "'%s' is not a port from 0 to 65535",
			    colon + 1);
		return FALSE;
	}
	g_free(self->listen_host);
	self->listen_host = g_steal_pointer(&host);
	self->listen_port = (guint16)port;
	return TRUE;
}

void
sdag_config_set_data_dir(SdagConfig *self, const char *value)
{
	g_free(self->data_dir);
	self->data_dir = g_strdup(value);
}

/**
 * sdag_config_add_media_root:
 * @value: a directory; made absolute against the current directory
 *
 * Adds one media root to those configured (for `--media-root`).
 */
void
sdag_config_add_media_root(SdagConfig *self, const char *value)
{
	guint n = self->media_roots != NULL ? g_strv_length(self->media_roots) : 0;

	self->media_roots = g_renew(char *, self->media_roots, n + 2);
	self->media_roots[n] = g_canonicalize_filename(value, NULL);
	self->media_roots[n + 1] = NULL;
}

void
sdag_config_set_plugin_dir(SdagConfig *self, const char *value)
{
	g_free(self->plugin_dir);
	self->plugin_dir = g_strdup(value);
}
