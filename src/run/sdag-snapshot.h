/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "sdag-node.h"
#include "sdag-store.h"

G_BEGIN_DECLS

#define SDAG_SNAPSHOT_QUALITY 85

GBytes *sdag_snapshot_encode_jpeg(const SdagFrame *image, GError **error);
gboolean sdag_snapshot_save(SdagStore *store, const char *job_id, GBytes *jpeg, GError **error);
GBytes *sdag_snapshot_load(SdagStore *store, const char *job_id, GError **error);
void sdag_snapshot_batch_delete(SdagStoreBatch *batch, const char *job_id);

G_END_DECLS
