/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

#include "sdag-camera-config.h"
#include "sdag-mqtt-config.h"
#include "sdag-token.h"

G_BEGIN_DECLS

/* [live]: the defaults of live (rtsp/rtmp) jobs; a job's options override most */
typedef struct {
	guint max_live_jobs;
	guint backoff_initial_ms;
	guint backoff_max_ms;
	double backoff_factor;
	guint stall_timeout_floor_ms;
	guint connect_timeout_ms;
	guint checkpoint_interval_ms;
	guint latency_ms;
	guint max_lag_ms;	 /* a decoded frame older than this is dropped */
	guint max_queued_frames; /* decoded frames waiting for the DAG, at most */
	char *transport;	 /* "auto", "tcp" or "udp" */
} SdagLiveConfig;

/* [daemon] log_level: the least severe messages logged (G_MESSAGES_DEBUG adds domains) */
typedef enum {
	SDAG_LOG_ERROR,	  /* g_error, g_critical */
	SDAG_LOG_WARNING, /* and g_warning */
	SDAG_LOG_INFO,	  /* and g_message, g_info */
	SDAG_LOG_DEBUG,	  /* and g_debug */
} SdagLogLevel;

typedef struct {
	char *listen_host; /* an IP literal */
	guint16 listen_port;
	char *data_dir;
	char *plugin_dir;
	char *device_id;
	SdagLogLevel log_level;
	guint64 max_body_bytes;
	guint64 job_cache_bytes;	  /* ended jobs' answers kept in memory; 0: none */
	guint max_connections;		  /* open REST client connections, WebSockets included */
	guint idle_timeout_s;		  /* a connection between requests, or sending a body */
	guint header_timeout_s;		  /* a connection sending its request's headers */
	guint max_connections_per_client; /* open connections from one client address */
	char *tls_certificate;		  /* [rest] PEM files; empty: plain HTTP */
	char *tls_key;
	gboolean allow_plain_http; /* plain HTTP on an address that is not loopback */
	guint rate_limit;	   /* requests a second a token may make, sustained; 0: no limit */
	guint rate_burst;	   /* and in a burst above that */
	GStrv allowed_origins;	   /* WebSocket Origins besides the daemon's own; never NULL */
	guint ws_max_incoming_bytes; /* largest WebSocket message a client may send */
	guint ws_ping_interval_s;    /* an idle WebSocket is pinged; closed after two unanswered */
	GPtrArray *tokens;	     /* [auth]: SdagToken, in the order first declared */
	/* RocksDB memtable of each family, and the free space below which the store is full */
	guint64 store_write_buffer_bytes;
	guint max_concurrent_jobs; /* "auto" is resolved: the number of online CPUs */
	guint max_batch;	   /* job requests one POST /jobs/batch may hold */
	guint start_timeout_s;
	guint max_attempts; /* a requeued job that was interrupted this often fails */
	/* [retention]: ended jobs older than this are pruned, hourly; 0 (the default): never */
	guint64 retention_max_age_s;
	guint retention_statuses; /* 1 << 0 completed, 1 << 1 failed, 1 << 2 cancelled */
	guint64 max_frame_pixels; /* the largest frame a job decodes, width times height */
	guint decoder_threads;	  /* max-threads of each avdec_* of a job; 0: auto */
	GStrv media_roots;	  /* absolute directories, maybe empty; never NULL after load */
	GStrv cascade_dirs; /* [nodes]: where the haar node's cascades come from; never NULL */
	gboolean allow_private_networks;
	SdagLiveConfig live;
	SdagMqttConfig mqtt;	  /* [mqtt] */
	SdagCameraConfig cameras; /* [camera NAME] */
	/* "group.key" -> the text each key was last set from, to tell what a reload changes */
	GHashTable *values;
} SdagConfig;

SdagConfig *sdag_config_new(void);
void sdag_config_free(SdagConfig *self);
gboolean sdag_config_load_data(SdagConfig *self, const char *data, gsize len, GError **error);
gboolean sdag_config_load_file(SdagConfig *self, const char *path, GError **error);
gboolean sdag_config_load(SdagConfig *self, const char *path, GError **error);
gboolean sdag_config_parse_log_level(const char *value, SdagLogLevel *out, GError **error);
gboolean sdag_config_set_listen(SdagConfig *self, const char *value, GError **error);
void sdag_config_set_data_dir(SdagConfig *self, const char *value);
void sdag_config_set_plugin_dir(SdagConfig *self, const char *value);
void sdag_config_add_media_root(SdagConfig *self, const char *value);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(SdagConfig, sdag_config_free)

G_END_DECLS
