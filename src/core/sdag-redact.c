/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "sdag-redact"

#include "sdag-redact.h"

#include <string.h>

/**
 * sdag_redact_text:
 * @text: free text, such as an error message, that may quote URLs
 *
 * Masks the password of every `scheme://user:password@host` in @text, whether
 * or not the URL around it is valid: what a refusal quotes is often a URL
 * that did not parse, and its password may hold a raw '/' or '@'. So the
 * mask runs from the first ':' after "://" to the last '@' before white space
 * or a quote; a query that holds an '@' may lose more than the password,
 * never less.
 *
 * Returns: (transfer full): @text with each such password replaced by "***"
 */
char *
sdag_redact_text(const char *text)
{
	GString *out = g_string_new(NULL);
	const char *p = text;
	const char *sep;

	while ((sep = strstr(p, "://")) != NULL) {
		const char *auth = sep + 3;
		const char *end = auth + strcspn(auth, " \t\n'\"");
		const char *at = NULL;
		const char *colon;

		for (const char *q = auth; q < end; q++)
			if (*q == '@')
				at = q;
		colon = at != NULL ? memchr(auth, ':', at - auth) : NULL;
		if (colon == NULL) {
			g_string_append_len(out, p, end - p);
		} else {
			g_string_append_len(out, p, colon + 1 - p);
			g_string_append(out, "***");
			g_string_append_len(out, at, end - at);
		}
		p = end;
	}
	g_string_append(out, p);
	return g_string_free(out, FALSE);
}
