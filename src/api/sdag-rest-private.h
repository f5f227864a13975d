/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * What the files of REST share: sdag-rest.c (the route table and most handlers) and
 * sdag-rest-cameras.c (the camera routes). Not for other modules.
 */
#pragma once

#include <libsoup/soup.h>

#include "sdag-auth.h"
#include "sdag-listener.h"
#include "sdag-rest.h"

G_BEGIN_DECLS

struct _SdagRest {
	SdagRestServices svc;
	SoupServer *server;
	SdagListener *listener;
	SdagAuth *auth;
};

typedef void (*SdagRouteFunc)(SdagRest *self,
			      SoupServerMessage *msg,
			      const char *arg,
			      GHashTable *query);

typedef struct {
	const char *pattern; /* "*" matches one path segment, handed over as arg */
	const char *method;
	SdagScope scope; /* what a token needs for it; SDAG_SCOPE_NONE: public */
	SdagRouteFunc func;
} SdagRoute;

void sdag_rest_reply_json(SoupServerMessage *msg, guint status, JsonNode *node);
void sdag_rest_reply_bytes(SoupServerMessage *msg, guint status, const char *ctype, GBytes *blob);
void sdag_rest_reply_error(SoupServerMessage *msg, const GError *error);
G_GNUC_PRINTF(3, 4)
void sdag_rest_reply_new_error(SoupServerMessage *msg, SdagError code, const char *fmt, ...);
JsonNode *sdag_rest_read_json(SoupServerMessage *msg);
void sdag_rest_answer_paused(JsonNode *result, const GError *error, gpointer user_data);

void
sdag_rest_cameras_list(SdagRest *self, SoupServerMessage *msg, const char *arg, GHashTable *query);
void
sdag_rest_camera_get(SdagRest *self, SoupServerMessage *msg, const char *arg, GHashTable *query);
void
sdag_rest_camera_put(SdagRest *self, SoupServerMessage *msg, const char *arg, GHashTable *query);
void
sdag_rest_camera_delete(SdagRest *self, SoupServerMessage *msg, const char *arg, GHashTable *query);
void
sdag_rest_camera_enable(SdagRest *self, SoupServerMessage *msg, const char *arg, GHashTable *query);
void sdag_rest_camera_disable(SdagRest *self,
			      SoupServerMessage *msg,
			      const char *arg,
			      GHashTable *query);
void sdag_rest_camera_snapshot(SdagRest *self,
			       SoupServerMessage *msg,
			       const char *arg,
			       GHashTable *query);
void
sdag_rest_camera_events(SdagRest *self, SoupServerMessage *msg, const char *arg, GHashTable *query);

void
sdag_rest_admin_fsck(SdagRest *self, SoupServerMessage *msg, const char *arg, GHashTable *query);
void
sdag_rest_admin_backup(SdagRest *self, SoupServerMessage *msg, const char *arg, GHashTable *query);
void
sdag_rest_jobs_prune(SdagRest *self, SoupServerMessage *msg, const char *arg, GHashTable *query);

G_END_DECLS
