/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/gst.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef struct _SdagDecode SdagDecode;

SdagDecode *sdag_decode_new(const char *mode, guint stride, guint max_threads);
void sdag_decode_unref(SdagDecode *self);
void sdag_decode_watch(SdagDecode *self, GstElement *bin);
void sdag_decode_add_json(SdagDecode *self, JsonObject *out);
void sdag_decode_add_summary(SdagDecode *self, JsonObject *summary);
guint sdag_decode_threads_for(guint configured, guint max_jobs, gboolean busy_analysis);
guint sdag_decode_threads_split(guint cpus, guint jobs, gboolean busy_analysis);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(SdagDecode, sdag_decode_unref)

G_END_DECLS
