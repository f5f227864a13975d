/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef enum {
	SDAG_SOURCE_FILE,
	SDAG_SOURCE_HTTP,
} SdagSourceKind;

typedef struct {
	SdagSourceKind kind;
	char *uri;	    /* what GStreamer opens: for files, the resolved path as a URI */
	char *redacted_uri; /* what responses and logs show: no password */
	char *resolve_host; /* a host name to resolve and check before opening, or NULL */
} SdagSource;

typedef struct {
	GStrv media_roots; /* resolved absolute directories */
	gboolean allow_private_networks;
} SdagSourcePolicy;

SdagSource *sdag_source_parse(const char *url, const SdagSourcePolicy *policy, GError **error);
void sdag_source_free(SdagSource *self);
char *sdag_source_redact(const char *url);
gboolean sdag_source_address_is_private(GInetAddress *addr);
GStrv sdag_source_resolve_roots(const char *const *roots, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(SdagSource, sdag_source_free)

G_END_DECLS
