/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>
#include <libsoup/soup.h>

#include "sdag-prom.h"

G_BEGIN_DECLS

/* Open files left to everything but client connections (RocksDB's files, GStreamer's sources
 * and pipes, MQTT, the main loop's own): [rest] max_connections must fit under the open-file
 * limit minus this. */
#define SDAG_LISTENER_FD_RESERVE 128

typedef struct _SdagListener SdagListener;

typedef struct {
	guint max_connections;	/* open client connections, WebSockets included */
	guint max_per_client;	/* of those, from one client IP address; 0: no such cap */
	guint header_timeout_s; /* from a connection's opening or a request's first byte */
	guint idle_timeout_s;	/* between requests, and for a request's body */
} SdagListenerLimits;

SdagListener *sdag_listener_new(SoupServer *server,
				GSocketAddress *address,
				const SdagListenerLimits *limits,
				SdagProm *prom,
				GError **error);
void sdag_listener_free(SdagListener *self);
guint16 sdag_listener_get_port(SdagListener *self);
GSocket *sdag_listener_get_socket(SdagListener *self, SoupServerMessage *msg);
void sdag_listener_set_certificate(SdagListener *self, GTlsCertificate *certificate);
gboolean sdag_listener_is_tls(SdagListener *self);

G_END_DECLS
