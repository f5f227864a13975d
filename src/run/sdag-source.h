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
	SDAG_SOURCE_RTSP, /* rtsp://, rtsps:// (live) */
	SDAG_SOURCE_RTMP, /* rtmp://, rtmps:// (live) */
} SdagSourceKind;

typedef struct {
	SdagSourceKind kind;
	char *uri;	    /* what GStreamer opens: for files, the resolved path as a URI */
	char *redacted_uri; /* what responses and logs show: no password */
	char *resolve_host; /* a host name to resolve and check before opening, or NULL */
	char *user;	    /* live sources: the URL's credentials, taken out of uri */
	char *password;
} SdagSource;

typedef struct {
	GStrv media_roots; /* resolved absolute directories */
	gboolean allow_private_networks;
} SdagSourcePolicy;

SdagSource *sdag_source_parse(const char *url, const SdagSourcePolicy *policy, GError **error);
void sdag_source_free(SdagSource *self);
char *sdag_source_redact(const char *url);
gboolean sdag_source_address_is_private(GInetAddress *addr);
gboolean sdag_source_kind_is_live(SdagSourceKind kind);
gboolean sdag_source_url_is_live(const char *url);
GStrv sdag_source_resolve_roots(const char *const *roots, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(SdagSource, sdag_source_free)

G_END_DECLS
