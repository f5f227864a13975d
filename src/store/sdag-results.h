/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

#include "sdag-exec.h"
#include "sdag-store.h"

G_BEGIN_DECLS

/* Frame rows wait in memory for at most this many frames or this long before a write. */
#define SDAG_RESULTS_BATCH_FRAMES 64
#define SDAG_RESULTS_BATCH_US (250 * G_TIME_SPAN_MILLISECOND)

typedef struct _SdagResults SdagResults;

SdagResults *sdag_results_new(SdagStore *store, const char *job_id);
void sdag_results_free(SdagResults *self);
gboolean sdag_results_add(SdagResults *self, const SdagFrameResult *result, GError **error);
gboolean sdag_results_load(SdagResults *self, GError **error);
gboolean sdag_results_flush(SdagResults *self, GError **error);
guint64 sdag_results_get_n_frames(SdagResults *self);
JsonNode *sdag_results_dup_summary(SdagResults *self);

JsonNode *sdag_results_read_frames(SdagStore *store,
				   const char *job_id,
				   guint64 from,
				   guint limit,
				   GError **error);
void sdag_results_batch_delete_frames(SdagStoreBatch *batch, const char *job_id);
GBytes *sdag_results_frame_key(const char *job_id, guint64 frame_id);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(SdagResults, sdag_results_free)

G_END_DECLS
