/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "sdag-prom"

#include "config.h"

#include "sdag-prom.h"

#include <string.h>

/*
 * Prometheus exposition (text format 0.0.4) of the daemon's series.
 *
 * Every family is declared once, here in sdag_prom_new(), so that the list of series is in
 * one place (and in docs/metrics.md). Series are created on first use, keyed by their
 * rendered label set; values are doubles; a histogram keeps per-bucket counts, rendered
 * cumulatively with the +Inf bucket equal to _count. Updates come from any thread (the
 * streaming threads feed node timings) under one mutex; collectors run on the scraping
 * context before each exposition and set gauges read from elsewhere (store, job counts).
 * Label values are escaped (backslash, double quote, newline) as the format requires.
 *
 * No label takes a value that comes and goes with each job (a job id): Prometheus keeps every
 * series it has seen, so such a label would grow its set of series without bound. Series are
 * by pipeline, camera, node, route..., names a box has a few of; none is ever removed.
 */

typedef struct {
	char *labels; /* rendered: name="value",... (may be empty) */
	double value;
	guint64 *buckets; /* histograms: count per bucket, not cumulative */
	double sum;
	guint64 count;
} SdagPromSeries;

typedef struct {
	char *name;
	SdagPromType type;
	char *help;
	double *bounds;
	guint n_bounds;
	GHashTable *series; /* labels -> SdagPromSeries */
} SdagPromFamily;

typedef struct {
	SdagPromCollectFunc func;
	gpointer user_data;
} SdagPromCollector;

struct _SdagProm {
	GMutex lock;
	GPtrArray *families; /* SdagPromFamily, in declaration order */
	GHashTable *by_name; /* borrowed */
	GArray *collectors;
};

/* The timeouts of a REST connection, as sdag-listener.c names them. */
static const char *const sdag_prom_timeouts[] = {"header", "body", "idle"};
/* The caps a REST connection is refused over, as sdag-listener.c names them. */
static const char *const sdag_prom_refusals[] = {"total", "per_client"};

/* Seconds. Nodes from 50 µs; HTTP requests use the same bounds from 100 µs (index 1 on). */
static const double sdag_prom_buckets[] = {
    0.00005,
    0.0001,
    0.00025,
    0.0005,
    0.001,
    0.0025,
    0.005,
    0.01,
    0.025,
    0.05,
    0.1,
    0.25,
    0.5,
    1.0,
    2.5,
    10.0,
};

static void
sdag_prom_series_free(SdagPromSeries *s)
{
	g_free(s->labels);
	g_free(s->buckets);
	g_free(s);
}

static void
sdag_prom_family_free(SdagPromFamily *f)
{
	g_hash_table_unref(f->series);
	g_free(f->name);
	g_free(f->help);
	g_free(f->bounds);
	g_free(f);
}

static void
sdag_prom_escape(GString *out, const char *value)
{
	for (const char *p = value; *p != '\0'; p++) {
		if (*p == '\\')
			g_string_append(out, "\\\\");
		else if (*p == '"')
			g_string_append(out, "\\\"");
		else if (*p == '\n')
			g_string_append(out, "\\n");
		else
			g_string_append_c(out, *p);
	}
}

static char *
sdag_prom_labels(const char *const *labels)
{
	GString *out = g_string_new(NULL);

	for (guint i = 0; labels != NULL && labels[i] != NULL && labels[i + 1] != NULL; i += 2) {
		if (out->len > 0)
			g_string_append_c(out, ',');
		g_string_append_printf(out, "%s=\"", labels[i]);
		sdag_prom_escape(out, labels[i + 1]);
		g_string_append_c(out, '"');
	}
	return g_string_free(out, FALSE);
}

static void
sdag_prom_declare(SdagProm *self,
		  const char *name,
		  SdagPromType type,
		  const char *help,
		  const double *buckets,
		  guint n_buckets)
{
	SdagPromFamily *f = g_new0(SdagPromFamily, 1);

	f->name = g_strdup(name);
	f->type = type;
	f->help = g_strdup(help);
	if (n_buckets > 0)
		f->bounds = g_memdup2(buckets, sizeof(double) * n_buckets);
	f->n_bounds = n_buckets;
	f->series = g_hash_table_new_full(
	    g_str_hash, g_str_equal, NULL, (GDestroyNotify)sdag_prom_series_free);
	g_mutex_lock(&self->lock);
	g_ptr_array_add(self->families, f);
	g_hash_table_insert(self->by_name, f->name, f);
	g_mutex_unlock(&self->lock);
}

/* under the lock */
static SdagPromSeries *
sdag_prom_series(SdagProm *self, const char *name, const char *const *labels)
{
	SdagPromFamily *f = g_hash_table_lookup(self->by_name, name);
	g_autofree char *key = NULL;
	SdagPromSeries *s;

	g_return_val_if_fail(f != NULL, NULL);
	key = sdag_prom_labels(labels);
	s = g_hash_table_lookup(f->series, key);
	if (s == NULL) {
		s = g_new0(SdagPromSeries, 1);
		s->labels = g_steal_pointer(&key);
		if (f->type == SDAG_PROM_HISTOGRAM)
			s->buckets = g_new0(guint64, f->n_bounds);
		g_hash_table_insert(f->series, s->labels, s);
	}
	return s;
}

/**
 * sdag_prom_add:
 *
 * Adds @value (>= 0 for a counter) to a counter or a gauge, creating the series at 0.
 */
void
sdag_prom_add(SdagProm *self, const char *name, const char *const *labels, double value)
{
	SdagPromSeries *s;

	g_mutex_lock(&self->lock);
	s = sdag_prom_series(self, name, labels);
	if (s != NULL)
		s->value += value;
	g_mutex_unlock(&self->lock);
}

void
sdag_prom_set(SdagProm *self, const char *name, const char *const *labels, double value)
{
	SdagPromSeries *s;

	g_mutex_lock(&self->lock);
	s = sdag_prom_series(self, name, labels);
	if (s != NULL)
		s->value = value;
	g_mutex_unlock(&self->lock);
}

void
sdag_prom_observe(SdagProm *self, const char *name, const char *const *labels, double value)
{
	SdagPromFamily *f;
	SdagPromSeries *s;

	g_mutex_lock(&self->lock);
	f = g_hash_table_lookup(self->by_name, name);
	s = sdag_prom_series(self, name, labels);
	if (s != NULL && s->buckets != NULL) {
		for (guint i = 0; i < f->n_bounds; i++) {
			if (value <= f->bounds[i]) {
				s->buckets[i]++;
				break;
			}
		}
		s->sum += value;
		s->count++;
	}
	g_mutex_unlock(&self->lock);
}

void
sdag_prom_add_collector(SdagProm *self, SdagPromCollectFunc func, gpointer user_data)
{
	SdagPromCollector c = {func, user_data};
	g_array_append_val(self->collectors, c);
}

static void
sdag_prom_append_number(GString *out, double v)
{
	char buf[G_ASCII_DTOSTR_BUF_SIZE];
	g_string_append(out, g_ascii_formatd(buf, sizeof(buf), "%.15g", v));
}

static void
sdag_prom_append_sample(GString *out,
			const char *name,
			const char *suffix,
			const char *labels,
			const char *extra)
{
	g_string_append(out, name);
	g_string_append(out, suffix);
	if (labels[0] != '\0' || extra != NULL) {
		g_string_append_c(out, '{');
		g_string_append(out, labels);
		if (extra != NULL) {
			if (labels[0] != '\0')
				g_string_append_c(out, ',');
			g_string_append(out, extra);
		}
		g_string_append_c(out, '}');
	}
	g_string_append_c(out, ' ');
}

static void
sdag_prom_render_family(GString *out, SdagPromFamily *f)
{
	static const char *const types[] = {"counter", "gauge", "histogram"};
	g_autoptr(GList) keys = g_hash_table_get_keys(f->series);

	g_string_append_printf(out, "# HELP %s %s\n", f->name, f->help);
	g_string_append_printf(out, "# TYPE %s %s\n", f->name, types[f->type]);
	keys = g_list_sort(keys, (GCompareFunc)g_strcmp0);
	for (GList *l = keys; l != NULL; l = l->next) {
		SdagPromSeries *s = g_hash_table_lookup(f->series, l->data);
		guint64 cum = 0;

		if (f->type != SDAG_PROM_HISTOGRAM) {
			sdag_prom_append_sample(out, f->name, "", s->labels, NULL);
			sdag_prom_append_number(out, s->value);
			g_string_append_c(out, '\n');
			continue;
		}
		for (guint i = 0; i < f->n_bounds; i++) {
			char buf[G_ASCII_DTOSTR_BUF_SIZE];
			g_autofree char *le = g_strdup_printf(
			    "le=\"%s\"", g_ascii_formatd(buf, sizeof(buf), "%.15g", f->bounds[i]));
			cum += s->buckets[i];
			sdag_prom_append_sample(out, f->name, "_bucket", s->labels, le);
			g_string_append_printf(out, "%" G_GUINT64_FORMAT "\n", cum);
		}
		sdag_prom_append_sample(out, f->name, "_bucket", s->labels, "le=\"+Inf\"");
		g_string_append_printf(out, "%" G_GUINT64_FORMAT "\n", s->count);
		sdag_prom_append_sample(out, f->name, "_sum", s->labels, NULL);
		sdag_prom_append_number(out, s->sum);
		g_string_append_c(out, '\n');
		sdag_prom_append_sample(out, f->name, "_count", s->labels, NULL);
		g_string_append_printf(out, "%" G_GUINT64_FORMAT "\n", s->count);
	}
}

/**
 * sdag_prom_render:
 *
 * Runs the collectors, then renders every family in declaration order, series sorted by
 * their labels.
 *
 * Returns: (transfer full): the exposition text
 */
char *
sdag_prom_render(SdagProm *self)
{
	GString *out = g_string_sized_new(8192);

	for (guint i = 0; i < self->collectors->len; i++) {
		SdagPromCollector *c = &g_array_index(self->collectors, SdagPromCollector, i);
		c->func(self, c->user_data);
	}
	g_mutex_lock(&self->lock);
	for (guint i = 0; i < self->families->len; i++)
		sdag_prom_render_family(out, g_ptr_array_index(self->families, i));
	g_mutex_unlock(&self->lock);
	return g_string_free(out, FALSE);
}

void
sdag_prom_mqtt_set_outbox_depth(SdagProm *self, guint64 messages)
{
	sdag_prom_set(self, "streamdag_mqtt_outbox_messages", NULL, (double)messages);
}

void
sdag_prom_mqtt_publish_failed(SdagProm *self)
{
	sdag_prom_add(self, "streamdag_mqtt_publish_failures_total", NULL, 1);
}

/**
 * sdag_prom_new:
 *
 * Returns: (transfer full): the registry with every family of streamdag declared
 */
SdagProm *
sdag_prom_new(void)
{
	SdagProm *self = g_new0(SdagProm, 1);

	g_mutex_init(&self->lock);
	self->families = g_ptr_array_new_with_free_func((GDestroyNotify)sdag_prom_family_free);
	self->by_name = g_hash_table_new(g_str_hash, g_str_equal);
	self->collectors = g_array_new(FALSE, FALSE, sizeof(SdagPromCollector));

	sdag_prom_declare(
	    self, "streamdag_jobs", SDAG_PROM_GAUGE, "Jobs in the store by status.", NULL, 0);
	sdag_prom_declare(self,
			  "streamdag_pipeline_frames_decoded_total",
			  SDAG_PROM_COUNTER,
			  "Frames decoded by the jobs of a pipeline since the daemon started.",
			  NULL,
			  0);
	sdag_prom_declare(self,
			  "streamdag_pipeline_frames_processed_total",
			  SDAG_PROM_COUNTER,
			  "Frames run through the DAG by the jobs of a pipeline since the daemon "
			  "started.",
			  NULL,
			  0);
	sdag_prom_declare(self,
			  "streamdag_pipeline_frames_dropped_total",
			  SDAG_PROM_COUNTER,
			  "Frames live sources dropped for the jobs of a pipeline.",
			  NULL,
			  0);
	sdag_prom_declare(self,
			  "streamdag_node_duration_seconds",
			  SDAG_PROM_HISTOGRAM,
			  "Time one node took on one frame, per pipeline and node.",
			  sdag_prom_buckets,
			  G_N_ELEMENTS(sdag_prom_buckets));
	sdag_prom_declare(self,
			  "streamdag_source_reconnects_total",
			  SDAG_PROM_COUNTER,
			  "Times the live sources of a pipeline's jobs reconnected.",
			  NULL,
			  0);
	sdag_prom_declare(self,
			  "streamdag_camera_frames_decoded_total",
			  SDAG_PROM_COUNTER,
			  "Frames decoded by the jobs of a camera since the daemon started.",
			  NULL,
			  0);
	sdag_prom_declare(self,
			  "streamdag_camera_frames_processed_total",
			  SDAG_PROM_COUNTER,
			  "Frames run through the DAG by the jobs of a camera since the daemon "
			  "started.",
			  NULL,
			  0);
	sdag_prom_declare(self,
			  "streamdag_camera_frames_dropped_total",
			  SDAG_PROM_COUNTER,
			  "Frames a camera's source dropped before the DAG, behind.",
			  NULL,
			  0);
	sdag_prom_declare(self,
			  "streamdag_camera_source_reconnects_total",
			  SDAG_PROM_COUNTER,
			  "Times a camera's source reconnected.",
			  NULL,
			  0);
	sdag_prom_declare(self,
			  "streamdag_camera_up",
			  SDAG_PROM_GAUGE,
			  "1 while the camera's job runs with its source online.",
			  NULL,
			  0);
	sdag_prom_declare(self,
			  "streamdag_camera_last_frame_timestamp_seconds",
			  SDAG_PROM_GAUGE,
			  "Unix time of the last frame of the camera's job the DAG ran on.",
			  NULL,
			  0);
	sdag_prom_declare(self,
			  "streamdag_mqtt_connected",
			  SDAG_PROM_GAUGE,
			  "1 while the MQTT client is connected to its broker.",
			  NULL,
			  0);
	sdag_prom_declare(self,
			  "streamdag_mqtt_outbox_messages",
			  SDAG_PROM_GAUGE,
			  "Messages waiting in the MQTT outbox.",
			  NULL,
			  0);
	sdag_prom_declare(self,
			  "streamdag_mqtt_publish_failures_total",
			  SDAG_PROM_COUNTER,
			  "MQTT publishes that failed.",
			  NULL,
			  0);
	sdag_prom_declare(self,
			  "streamdag_mqtt_dead_letters_total",
			  SDAG_PROM_COUNTER,
			  "MQTT messages moved to the dead letters, never to be delivered.",
			  NULL,
			  0);
	sdag_prom_declare(self,
			  "streamdag_http_requests_total",
			  SDAG_PROM_COUNTER,
			  "REST requests answered, by route pattern, method and status.",
			  NULL,
			  0);
	sdag_prom_declare(self,
			  "streamdag_http_request_duration_seconds",
			  SDAG_PROM_HISTOGRAM,
			  "REST request time from its headers to the end of its answer.",
			  sdag_prom_buckets + 1,
			  G_N_ELEMENTS(sdag_prom_buckets) - 1);
	sdag_prom_declare(self,
			  "streamdag_job_cache_bytes",
			  SDAG_PROM_GAUGE,
			  "Memory the cache of ended jobs' answers holds.",
			  NULL,
			  0);
	sdag_prom_declare(self,
			  "streamdag_job_cache_entries",
			  SDAG_PROM_GAUGE,
			  "Ended jobs with an answer in the cache.",
			  NULL,
			  0);
	sdag_prom_declare(self,
			  "streamdag_job_cache_lookups_total",
			  SDAG_PROM_COUNTER,
			  "Reads of an ended job's answer, by result: hit (cache) or miss (store).",
			  NULL,
			  0);
	sdag_prom_declare(self,
			  "streamdag_rocksdb_sst_files_size_bytes",
			  SDAG_PROM_GAUGE,
			  "Size of the store's SST files.",
			  NULL,
			  0);
	sdag_prom_declare(self,
			  "streamdag_malloc_in_use_bytes",
			  SDAG_PROM_GAUGE,
			  "Bytes the process's allocations hold now (glibc mallinfo2).",
			  NULL,
			  0);
	sdag_prom_declare(self,
			  "streamdag_malloc_free_bytes",
			  SDAG_PROM_GAUGE,
			  "Bytes freed but kept by the allocator's arenas (glibc mallinfo2).",
			  NULL,
			  0);
	sdag_prom_declare(self,
			  "streamdag_rocksdb_memtables_size_bytes",
			  SDAG_PROM_GAUGE,
			  "Size of the store's memtables.",
			  NULL,
			  0);
	sdag_prom_declare(self,
			  "streamdag_rocksdb_block_cache_bytes",
			  SDAG_PROM_GAUGE,
			  "Memory the store's block cache holds.",
			  NULL,
			  0);
	sdag_prom_declare(self,
			  "streamdag_rocksdb_table_readers_bytes",
			  SDAG_PROM_GAUGE,
			  "Memory the store's open table files hold (indexes and filters).",
			  NULL,
			  0);
	sdag_prom_declare(self,
			  "streamdag_rocksdb_delayed_write_rate_bytes_per_second",
			  SDAG_PROM_GAUGE,
			  "Write rate RocksDB currently holds writers to (0 when not delaying).",
			  NULL,
			  0);
	sdag_prom_declare(self,
			  "streamdag_rocksdb_write_stopped",
			  SDAG_PROM_GAUGE,
			  "1 while RocksDB stops writes.",
			  NULL,
			  0);
	sdag_prom_declare(self,
			  "streamdag_rocksdb_write_stall_seconds_total",
			  SDAG_PROM_COUNTER,
			  "Time writes spent stalled since the store was opened.",
			  NULL,
			  0);
	sdag_prom_declare(self,
			  "streamdag_http_connections",
			  SDAG_PROM_GAUGE,
			  "REST client connections open, WebSockets included.",
			  NULL,
			  0);
	sdag_prom_declare(self,
			  "streamdag_http_accept_errors_total",
			  SDAG_PROM_COUNTER,
			  "Failed accepts on the REST socket (out of file descriptors...), each "
			  "pausing the listener.",
			  NULL,
			  0);
	sdag_prom_declare(self,
			  "streamdag_http_connections_refused_total",
			  SDAG_PROM_COUNTER,
			  "REST connections answered 503 and closed, by the cap reached: total "
			  "([rest] max_connections) or per_client (max_connections_per_client).",
			  NULL,
			  0);
	sdag_prom_declare(self,
			  "streamdag_http_connections_timed_out_total",
			  SDAG_PROM_COUNTER,
			  "REST connections closed for sending nothing in time, by what was due: "
			  "header, body or idle (the next request).",
			  NULL,
			  0);
	sdag_prom_declare(self,
			  "streamdag_http_auth_refused_total",
			  SDAG_PROM_COUNTER,
			  "REST requests refused by reason: missing (no token), invalid (a token "
			  "matching none), scope (the token lacks the route's scope), rate (over "
			  "[rest] rate_limit).",
			  NULL,
			  0);
	sdag_prom_declare(self,
			  "streamdag_http_tls_handshake_failures_total",
			  SDAG_PROM_COUNTER,
			  "REST connections closed because their TLS handshake failed or did not "
			  "finish within [rest] header_timeout_s.",
			  NULL,
			  0);
	sdag_prom_declare(self,
			  "streamdag_audit_refusals_dropped_total",
			  SDAG_PROM_COUNTER,
			  "Refused requests left out of the audit trail, over one a second (bursts "
			  "of 60), so that a client guessing tokens cannot fill the store.",
			  NULL,
			  0);
	sdag_prom_declare(self,
			  "streamdag_build_info",
			  SDAG_PROM_GAUGE,
			  "1, labelled with the daemon's version.",
			  NULL,
			  0);
	{
		const char *labels[] = {"version", SDAG_VERSION, NULL};
		sdag_prom_set(self, "streamdag_build_info", labels, 1);
	}
	/* the series other modules feed exist from the start; without MQTT they stay 0 */
	sdag_prom_set(self, "streamdag_mqtt_connected", NULL, 0);
	sdag_prom_set(self, "streamdag_mqtt_outbox_messages", NULL, 0);
	sdag_prom_add(self, "streamdag_mqtt_publish_failures_total", NULL, 0);
	sdag_prom_set(self, "streamdag_http_connections", NULL, 0);
	sdag_prom_add(self, "streamdag_http_accept_errors_total", NULL, 0);
	sdag_prom_add(self, "streamdag_audit_refusals_dropped_total", NULL, 0);
	sdag_prom_add(self, "streamdag_http_tls_handshake_failures_total", NULL, 0);
	{
		const char *reasons[] = {"missing", "invalid", "scope", "rate"};
		for (guint i = 0; i < G_N_ELEMENTS(reasons); i++) {
			const char *labels[] = {"reason", reasons[i], NULL};
			sdag_prom_add(self, "streamdag_http_auth_refused_total", labels, 0);
		}
	}
	for (guint i = 0; i < G_N_ELEMENTS(sdag_prom_refusals); i++) {
		const char *labels[] = {"reason", sdag_prom_refusals[i], NULL};
		sdag_prom_add(self, "streamdag_http_connections_refused_total", labels, 0);
	}
	for (guint i = 0; i < G_N_ELEMENTS(sdag_prom_timeouts); i++) {
		const char *labels[] = {"timeout", sdag_prom_timeouts[i], NULL};
		sdag_prom_add(self, "streamdag_http_connections_timed_out_total", labels, 0);
	}
	sdag_prom_add(self, "streamdag_mqtt_dead_letters_total", NULL, 0);
	return self;
}

void
sdag_prom_free(SdagProm *self)
{
	if (self == NULL)
		return;
	g_ptr_array_unref(self->families);
	g_hash_table_unref(self->by_name);
	g_array_unref(self->collectors);
	g_mutex_clear(&self->lock);
	g_free(self);
}
