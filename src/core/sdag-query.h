/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* No bound on a time filter. */
#define SDAG_QUERY_NO_TIME G_MININT64

char *sdag_query_cursor_format(guint64 seq);
gboolean sdag_query_cursor_parse(const char *cursor, guint64 *seq, GError **error);
gint64 sdag_query_datetime_to_us(GDateTime *dt);
gboolean
sdag_query_time_parse(const char *name, const char *value, gint64 *time_us, GError **error);

G_END_DECLS
