/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The query parameters of the list routes that are not plain integers: the opaque
 * cursor (a submission or row number as 16 hex digits) and time bounds. Pure: REST
 * parses them here, the indexes of the store read the numbers.
 */
#define G_LOG_DOMAIN "sdag-query"

#include "sdag-query.h"

#include "sdag-error.h"

#include <string.h>

char *
sdag_query_cursor_format(guint64 seq)
{
	return g_strdup_printf("%016" G_GINT64_MODIFIER "x", seq);
}

gboolean
sdag_query_cursor_parse(const char *cursor, guint64 *seq, GError **error)
{
	gboolean hex = strlen(cursor) == 16;

	/* g_ascii_string_to_unsigned() skips leading white space such as '\v': sixteen hex
	 * digits, nothing else, so that a cursor reads as exactly one seq */
	for (guint i = 0; hex && i < 16; i++)
		hex = g_ascii_isxdigit(cursor[i]);
	if (!hex || !g_ascii_string_to_unsigned(cursor, 16, 1, G_MAXUINT64 - 1, seq, NULL)) {
		g_set_error(error,
			    SDAG_ERROR,
			    SDAG_ERROR_BAD_CURSOR,
			    "'%s' is not a cursor from this API",
			    cursor);
		return FALSE;
	}
	return TRUE;
}

/* g_date_time_to_unix_usec() is GLib 2.80 */
gint64
sdag_query_datetime_to_us(GDateTime *dt)
{
	return g_date_time_to_unix(dt) * G_USEC_PER_SEC + g_date_time_get_microsecond(dt);
}

/**
 * sdag_query_time_parse:
 *
 * A time filter: an RFC 3339 timestamp with its offset (2026-11-28T22:00:00Z,
 * 2026-11-28T23:00:00.250+01:00) or whole seconds since 1970.
 *
 * Returns: %FALSE with BAD_TIME
 */
gboolean
sdag_query_time_parse(const char *name, const char *value, gint64 *time_us, GError **error)
{
	g_autoptr(GDateTime) dt = NULL;
	guint64 secs = 0;

	if (g_ascii_string_to_unsigned(value, 10, 0, G_MAXINT64 / G_USEC_PER_SEC, &secs, NULL)) {
		*time_us = (gint64)secs * G_USEC_PER_SEC;
		return TRUE;
	}
	/* without a default zone GLib refuses a time without an offset, which would depend on
	 * the server's zone */
	dt = g_date_time_new_from_iso8601(value, NULL);
	if (dt == NULL) {
		g_set_error(error,
			    SDAG_ERROR,
			    SDAG_ERROR_BAD_TIME,
			    "query parameter '%s' must be an RFC 3339 time with its offset "
			    "(2026-11-28T22:00:00Z) or seconds since 1970, not '%s'",
			    name,
			    value);
		return FALSE;
	}
	*time_us = sdag_query_datetime_to_us(dt);
	return TRUE;
}
