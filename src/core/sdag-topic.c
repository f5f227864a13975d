/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "sdag-topic"

#include "sdag-topic.h"

#include <string.h>

#include "sdag-error.h"

/*
 * What may be published as an MQTT topic name: the one check behind the `name`/`names`
 * params (zone, line and label names become topic levels) and the publisher's check of
 * every topic it sends. A broker answers a topic it does not accept by dropping the
 * connection, so anything that could upset it is refused here first.
 *
 * A level is non-empty valid UTF-8 without '/', '+' or '#' (wildcards are for filters, not
 * names), without control characters (C0, DEL, C1: MQTT says SHOULD NOT, and mosquitto
 * refuses them) and without Unicode noncharacters (mosquitto refuses those too). A topic is
 * such levels joined by '/', at most 65535 bytes (the length field of the packet).
 */

#define SDAG_TOPIC_MAX_BYTES 65535

static gboolean
sdag_topic_is_nonchar(gunichar c)
{
	return (c >= 0xFDD0 && c <= 0xFDEF) || (c & 0xFFFE) == 0xFFFE;
}

/**
 * sdag_topic_check_level:
 * @level: the bytes of one level
 * @len: their length, or -1 when NUL-terminated
 *
 * The error (SDAG_ERROR_INVALID_PIPELINE) says what is wrong without quoting @level, which
 * may be anything.
 */
gboolean
sdag_topic_check_level(const char *level, gssize len, GError **error)
{
	gsize n = len < 0 ? strlen(level) : (gsize)len;
	const char *end = level + n;

	if (n == 0) {
		g_set_error_literal(error,
				    SDAG_ERROR,
				    SDAG_ERROR_INVALID_PIPELINE,
				    "not a valid MQTT topic level: it is empty");
		return FALSE;
	}
	if (!g_utf8_validate_len(level, n, NULL)) {
		g_set_error_literal(error,
				    SDAG_ERROR,
				    SDAG_ERROR_INVALID_PIPELINE,
				    "not a valid MQTT topic level: not valid UTF-8");
		return FALSE;
	}
	for (const char *p = level; p < end; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);

		if (c == '/' || c == '+' || c == '#') {
			g_set_error(error,
				    SDAG_ERROR,
				    SDAG_ERROR_INVALID_PIPELINE,
				    "not a valid MQTT topic level: '%c' is not allowed",
				    (char)c);
			return FALSE;
		}
		if (c < 0x20 || (c >= 0x7F && c <= 0x9F) || sdag_topic_is_nonchar(c)) {
			g_set_error(error,
				    SDAG_ERROR,
				    SDAG_ERROR_INVALID_PIPELINE,
				    "not a valid MQTT topic level: %s U+%04X is not allowed",
				    sdag_topic_is_nonchar(c) ? "the noncharacter"
							     : "the control character",
				    c);
			return FALSE;
		}
	}
	return TRUE;
}

/**
 * sdag_topic_check:
 * @topic: a topic name to publish to
 *
 * Every level checked as by sdag_topic_check_level(); empty levels (a leading, trailing or
 * doubled '/') are refused too: no topic of streamdag has one, so one means a name was
 * wrong.
 */
gboolean
sdag_topic_check(const char *topic, GError **error)
{
	const char *level = topic;
	gsize n = strlen(topic);

	if (n > SDAG_TOPIC_MAX_BYTES) {
		g_set_error(error,
			    SDAG_ERROR,
			    SDAG_ERROR_INVALID_PIPELINE,
			    "topic of %zu bytes is longer than %d",
			    n,
			    SDAG_TOPIC_MAX_BYTES);
		return FALSE;
	}
	for (;;) {
		const char *slash = strchr(level, '/');
		gsize len = slash != NULL ? (gsize)(slash - level) : strlen(level);

		if (!sdag_topic_check_level(level, (gssize)len, error))
			return FALSE;
		if (slash == NULL)
			return TRUE;
		level = slash + 1;
	}
}
