/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

#include "sdag-store.h"

G_BEGIN_DECLS

typedef struct _SdagOutbox SdagOutbox;

/* One message waiting for the broker's acknowledgement. */
typedef struct {
	guint64 id;  /* order of writing, from 1 */
	char *topic; /* NULL when the stored record does not parse (payload: its text) */
	char *payload;
	guint qos;
	gboolean retain;
	guint expiry_s;
} SdagOutboxMsg;

void sdag_outbox_msg_free(SdagOutboxMsg *msg);
SdagOutbox *sdag_outbox_new(SdagStore *store, GError **error);
void sdag_outbox_free(SdagOutbox *self);
guint64 sdag_outbox_add(SdagOutbox *self,
			const char *topic,
			const char *payload,
			guint qos,
			gboolean retain,
			guint expiry_s,
			GError **error);
gboolean sdag_outbox_remove(SdagOutbox *self, guint64 id, GError **error);
guint64 sdag_outbox_get_depth(SdagOutbox *self);
GPtrArray *sdag_outbox_read(SdagOutbox *self, guint64 from_id, guint max, GError **error);
SdagOutboxMsg *sdag_outbox_get(SdagOutbox *self, guint64 id, GError **error);
gboolean sdag_outbox_dead_letter(SdagOutbox *self,
				 const SdagOutboxMsg *msg,
				 const char *reason,
				 GError **error);
guint64 sdag_outbox_get_dead_count(SdagOutbox *self);
guint64 sdag_outbox_get_dead_total(SdagOutbox *self);
GPtrArray *sdag_outbox_read_dead(SdagOutbox *self, guint max, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(SdagOutbox, sdag_outbox_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(SdagOutboxMsg, sdag_outbox_msg_free)

G_END_DECLS
