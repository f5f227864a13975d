/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <libsoup/soup.h>

#include "sdag-config.h"
#include "sdag-feed.h"
#include "sdag-jobs.h"

G_BEGIN_DECLS

#define SDAG_WS_QUEUE_MAX 256

typedef struct _SdagWs SdagWs;

/* the subprotocol a client offers and the daemon answers (a token may come next to it) */
#define SDAG_WS_PROTOCOL "streamdag"

SdagWs *sdag_ws_new(SdagJobs *jobs, SdagFeed *feed, const SdagConfig *config);
void sdag_ws_free(SdagWs *self);
gboolean sdag_ws_accept(SdagWs *self,
			SoupServerMessage *msg,
			GSocket *socket,
			gboolean tls,
			const char *job_id,
			const char *camera,
			GError **error);

G_END_DECLS
