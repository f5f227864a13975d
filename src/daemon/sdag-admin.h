/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "sdag-store.h"

G_BEGIN_DECLS

int sdag_admin_fsck_offline(const char *data_dir);
int sdag_admin_restore(const char *data_dir, const char *from);
gboolean sdag_admin_run_async(SdagStore *store,
			      const char *data_dir,
			      const char *backup_dir,
			      GAsyncReadyCallback callback,
			      gpointer user_data,
			      GError **error);
JsonNode *sdag_admin_run_finish(GAsyncResult *result, GError **error);

G_END_DECLS
