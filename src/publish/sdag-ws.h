/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <libsoup/soup.h>

#include "sdag-feed.h"
#include "sdag-jobs.h"

G_BEGIN_DECLS

#define SDAG_WS_QUEUE_MAX 256

typedef struct _SdagWs SdagWs;

SdagWs *sdag_ws_new(SdagJobs *jobs, SdagFeed *feed);
void sdag_ws_free(SdagWs *self);
gboolean sdag_ws_accept(SdagWs *self,
			SoupServerMessage *msg,
			GSocket *socket,
			const char *job_id,
			GError **error);

G_END_DECLS
