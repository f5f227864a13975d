/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

#include "sdag-framelimit.h"
#include "sdag-registry.h"

G_BEGIN_DECLS

/* The largest image a run decodes, in either dimension: the side of the jobs' default
 * largest frame. */
#define SDAG_RUNONCE_MAX_SIDE SDAG_FRAMELIMIT_MAX_SIDE
/* How long decoding one image may take. */
#define SDAG_RUNONCE_DECODE_TIMEOUT_S 20

typedef struct _SdagRunonce SdagRunonce;

/* Called on the main context with the frame result, or with @error. */
typedef void (*SdagRunonceFunc)(JsonNode *result, const GError *error, gpointer user_data);

SdagRunonce *sdag_runonce_new(SdagRegistry *registry);
void sdag_runonce_free(SdagRunonce *self);
gboolean sdag_runonce_run(SdagRunonce *self,
			  const char *pipeline_id,
			  const char *content_type,
			  GBytes *image,
			  SdagRunonceFunc func,
			  gpointer user_data,
			  GError **error);

G_END_DECLS
