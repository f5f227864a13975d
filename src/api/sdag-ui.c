/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "sdag-ui"

#include "sdag-ui.h"

#include "sdag-error.h"

/* The page the dashboard's route "/" answers with. */
#define SDAG_UI_INDEX "index.html"

/* What a file may be served as: a file of another kind is not served, whatever the resource
 * holds, so that a browser is never handed something it could sniff into script. */
static const struct {
	const char *suffix;
	const char *content_type;
} sdag_ui_types[] = {
    {".html", "text/html; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".svg", "image/svg+xml"},
    {".png", "image/png"},
};

/* A file name of data/ui/: letters, digits, '-', '_' and '.', not starting with '.' (so
 * never "." or ".."), one path segment. Anything else is no file of the dashboard. */
static gboolean
sdag_ui_name_valid(const char *name)
{
	gsize len = strlen(name);

	if (len == 0 || len > 64 || name[0] == '.')
		return FALSE;
	for (gsize i = 0; i < len; i++) {
		if (!g_ascii_isalnum(name[i]) && name[i] != '-' && name[i] != '_' && name[i] != '.')
			return FALSE;
	}
	return TRUE;
}

/**
 * sdag_ui_lookup:
 * @name: (nullable): a file name under /ui/, as the request gave it; NULL for the page itself
 * @content_type: (out): the type to serve it as
 *
 * Returns: (transfer full): the file's bytes, or NULL with SDAG_ERROR_NOT_FOUND for a name
 * that is not a file of the dashboard (`..` and every name with a '/' included)
 */
GBytes *
sdag_ui_lookup(const char *name, const char **content_type, GError **error)
{
	g_autofree char *path = NULL;
	GBytes *blob;

	if (name == NULL)
		name = SDAG_UI_INDEX;
	if (!sdag_ui_name_valid(name))
		goto not_found;
	for (guint i = 0; i < G_N_ELEMENTS(sdag_ui_types); i++) {
		if (!g_str_has_suffix(name, sdag_ui_types[i].suffix))
			continue;
		path = g_strconcat("/org/streamdag/ui/", name, NULL);
		blob = g_resources_lookup_data(path, G_RESOURCE_LOOKUP_FLAGS_NONE, NULL);
		if (blob == NULL)
			goto not_found;
		*content_type = sdag_ui_types[i].content_type;
		return blob;
	}
not_found:
	/* the name is not quoted: it is the client's, and any is refused the same way */
	g_set_error_literal(
	    error, SDAG_ERROR, SDAG_ERROR_NOT_FOUND, "no such file of the dashboard");
	return NULL;
}

/**
 * sdag_ui_set_headers:
 * @headers: the response headers of a dashboard file
 *
 * The page may load scripts, styles and images from the daemon only, and talk to nothing
 * else: a script injected through some figure the API echoes could neither run inline nor
 * send the token anywhere. Snapshots reach <img> as blob: URLs (fetched with the token).
 * no-cache: the files change with the daemon, and their names do not.
 */
void
sdag_ui_set_headers(SoupMessageHeaders *headers)
{
	soup_message_headers_replace(
	    headers,
	    "Content-Security-Policy",
	    "default-src 'self'; img-src 'self' blob:; connect-src 'self'; "
	    "object-src 'none'; base-uri 'none'; form-action 'self'; "
	    "frame-ancestors 'none'");
	soup_message_headers_replace(headers, "X-Content-Type-Options", "nosniff");
	soup_message_headers_replace(headers, "Referrer-Policy", "no-referrer");
	soup_message_headers_replace(headers, "Cache-Control", "no-cache");
}
