/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "sdag-store.h"

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* Records that cannot be read are moved under this key prefix, in their own family. */
#define SDAG_QUARANTINE_PREFIX "!quarantine/"

gboolean sdag_quarantine_sweep(SdagStore *store, guint *moved, GError **error);
gboolean sdag_quarantine_is_key(const guint8 *key, gsize key_len);
gboolean sdag_quarantine_contains(SdagStore *store, SdagStoreFamily family, const char *key);
void sdag_quarantine_batch_delete(SdagStoreBatch *batch, SdagStoreFamily family, const char *key);
void sdag_quarantine_add_health(SdagStore *store, JsonBuilder *b, guint *count);

G_END_DECLS
