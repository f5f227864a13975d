/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Returns: (transfer full): one line saying what the daemon is doing now */
typedef char *(*SdagNotifyStatusFunc)(gpointer user_data);

typedef struct _SdagNotify SdagNotify;

SdagNotify *sdag_notify_new(SdagNotifyStatusFunc status, gpointer user_data);
void sdag_notify_free(SdagNotify *self);
void sdag_notify_send(SdagNotify *self, const char *state);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(SdagNotify, sdag_notify_free)

G_END_DECLS
