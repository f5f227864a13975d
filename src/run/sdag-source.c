/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "sdag-source"

#include "sdag-source.h"

#include <errno.h>
#include <gio/gio.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "sdag-error.h"
#include "sdag-redact.h"

/*
 * The one validator every source passes before any I/O (DESIGN "Trust"):
 *
 * - schemes: file, http, https; anything else is unsupported_source;
 * - file: the path is resolved (symlinks, "..") and must lie under one of the
 *   media roots, themselves resolved at start-up; a file that does not exist
 *   yet is resolved through its directory, so that it fails later as
 *   source_not_found rather than here, and cannot escape through a symlink;
 * - http(s): a host that is an IP literal (or "localhost") in a loopback,
 *   private, link-local, multicast or unspecified range is refused unless
 *   allow_private_networks is set; any other name is left in resolve_host,
 *   for the worker to resolve and check every address before opening. An
 *   IPv6 literal with a zone id is judged by its address, then refused as
 *   unsupported whatever the policy;
 * - rtsp(s), rtmp(s): live sources. Cameras and encoders sit on private
 *   networks, so any address is allowed, loopback included (documented in
 *   docs/live.md); the credentials of the URL are taken out of it into
 *   user/password, so that the URL GStreamer sees (and may quote in its
 *   messages) holds none.
 *
 * Everything here is string and path work: no network I/O, so it runs on the
 * main loop in microseconds.
 */

void
sdag_source_free(SdagSource *self)
{
	if (self == NULL)
		return;
	g_free(self->uri);
	g_free(self->redacted_uri);
	g_free(self->resolve_host);
	g_free(self->user);
	if (self->password != NULL)
		memset(self->password, 0, strlen(self->password));
	g_free(self->password);
	g_free(self);
}

/**
 * sdag_source_redact:
 * @url: a URL as submitted
 *
 * Returns: (transfer full): @url with any password replaced by "***"; when @url does not
 * parse as a URL, what sdag_redact_text() makes of it
 */
char *
sdag_source_redact(const char *url)
{
	g_autoptr(GUri) uri =
	    g_uri_parse(url, G_URI_FLAGS_HAS_PASSWORD | G_URI_FLAGS_ENCODED, NULL);

	if (uri == NULL)
		return sdag_redact_text(url);
	if (g_uri_get_password(uri) == NULL)
		return g_strdup(url);
	return g_uri_join_with_user(G_URI_FLAGS_HAS_PASSWORD | G_URI_FLAGS_ENCODED,
				    g_uri_get_scheme(uri),
				    g_uri_get_user(uri),
				    "***",
				    NULL,
				    g_uri_get_host(uri),
				    g_uri_get_port(uri),
				    g_uri_get_path(uri),
				    g_uri_get_query(uri),
				    g_uri_get_fragment(uri));
}

/**
 * sdag_source_resolve_roots:
 * @roots: (array zero-terminated=1) (nullable): configured media roots
 *
 * Returns: (transfer full): the roots with symlinks and ".." resolved, or NULL with
 * SDAG_ERROR_CONFIG naming a root that is missing or not a directory
 */
GStrv
sdag_source_resolve_roots(const char *const *roots, GError **error)
{
	g_autoptr(GStrvBuilder) builder = g_strv_builder_new();

	for (guint i = 0; roots != NULL && roots[i] != NULL; i++) {
		g_autofree char *real = realpath(roots[i], NULL);

		if (real == NULL || !g_file_test(real, G_FILE_TEST_IS_DIR)) {
			g_set_error(error,
				    SDAG_ERROR,
				    SDAG_ERROR_CONFIG,
				    "media root '%s': %s",
				    roots[i],
				    real == NULL ? g_strerror(errno) : "not a directory");
			return NULL;
		}
		g_strv_builder_add(builder, real);
	}
	return g_strv_builder_end(builder);
}

static gboolean
sdag_source_path_is_under(const char *path, const char *root)
{
	gsize n = strlen(root);

	if (strcmp(root, "/") == 0)
		return TRUE;
	return strncmp(path, root, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

/* Resolves what exists of @path: the whole path, else its directory plus the last name. */
static char *
sdag_source_resolve_path(const char *path)
{
	g_autofree char *canonical = g_canonicalize_filename(path, "/");
	g_autofree char *dir = NULL;
	g_autofree char *base = NULL;
	g_autofree char *real_dir = NULL;
	char *real = realpath(canonical, NULL);

	if (real != NULL)
		return real;
	dir = g_path_get_dirname(canonical);
	base = g_path_get_basename(canonical);
	real_dir = realpath(dir, NULL);
	if (real_dir == NULL)
		return g_steal_pointer(&canonical);
	return g_build_filename(real_dir, base, NULL);
}

static SdagSource *
sdag_source_parse_file(GUri *uri, const char *url, const SdagSourcePolicy *policy, GError **error)
{
	const char *host = g_uri_get_host(uri);
	g_autofree char *path = NULL;
	g_autofree char *resolved = NULL;
	g_autofree char *shown = NULL;
	g_autoptr(SdagSource) source = g_new0(SdagSource, 1);

	if (host != NULL && host[0] != '\0' && g_ascii_strcasecmp(host, "localhost") != 0) {
		g_autofree char *redacted = sdag_source_redact(url);
		g_set_error(error,
			    SDAG_ERROR,
			    SDAG_ERROR_UNSUPPORTED_SOURCE,
			    "file URL '%s' names a remote host",
			    redacted);
		return NULL;
	}
	path = g_uri_unescape_string(g_uri_get_path(uri), NULL);
	if (path == NULL || !g_path_is_absolute(path)) {
		g_autofree char *redacted = sdag_source_redact(url);
		g_set_error(error,
			    SDAG_ERROR,
			    SDAG_ERROR_UNSUPPORTED_SOURCE,
			    "bad file URL '%s'",
			    redacted);
		return NULL;
	}
	resolved = sdag_source_resolve_path(path);
	/* the path in a message: percent-escapes decode to any bytes, a message is UTF-8 */
	shown = g_filename_display_name(path);
	for (guint i = 0; policy->media_roots != NULL && policy->media_roots[i] != NULL; i++) {
		if (sdag_source_path_is_under(resolved, policy->media_roots[i])) {
			if (g_file_test(resolved, G_FILE_TEST_IS_DIR)) {
				g_set_error(error,
					    SDAG_ERROR,
					    SDAG_ERROR_UNSUPPORTED_SOURCE,
					    "'%s' is a directory, not a video file",
					    shown);
				return NULL;
			}
			source->kind = SDAG_SOURCE_FILE;
			source->uri = g_filename_to_uri(resolved, NULL, NULL);
			source->redacted_uri = sdag_source_redact(url);
			return g_steal_pointer(&source);
		}
	}
	g_set_error(error,
		    SDAG_ERROR,
		    SDAG_ERROR_SOURCE_FORBIDDEN,
		    "'%s' is not under a media root (configured: %u)",
		    shown,
		    policy->media_roots != NULL ? g_strv_length(policy->media_roots) : 0);
	return NULL;
}

/**
 * sdag_source_address_is_private:
 *
 * Returns: whether @addr is loopback, private (RFC 1918, CGNAT, ULA), link-local, multicast
 * or unspecified: an address an appliance's job must not reach unless allowed
 */
gboolean
sdag_source_address_is_private(GInetAddress *addr)
{
	const guint8 *b = g_inet_address_to_bytes(addr);

	if (g_inet_address_get_is_loopback(addr) || g_inet_address_get_is_link_local(addr) ||
	    g_inet_address_get_is_site_local(addr) || g_inet_address_get_is_any(addr) ||
	    g_inet_address_get_is_multicast(addr))
		return TRUE;
	if (g_inet_address_get_family(addr) == G_SOCKET_FAMILY_IPV4)
		/* 100.64.0.0/10, carrier-grade NAT: as private as RFC 1918 */
		return b[0] == 100 && (b[1] & 0xc0) == 64;
	/* fc00::/7 unique local; ::ffff:a.b.c.d mapped IPv4 checked as IPv4 */
	if ((b[0] & 0xfe) == 0xfc)
		return TRUE;
	if (memcmp(b, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12) == 0) {
		g_autoptr(GInetAddress) v4 =
		    g_inet_address_new_from_bytes(b + 12, G_SOCKET_FAMILY_IPV4);
		return sdag_source_address_is_private(v4);
	}
	return FALSE;
}

static SdagSource *
sdag_source_parse_http(GUri *uri, const char *url, const SdagSourcePolicy *policy, GError **error)
{
	const char *host = g_uri_get_host(uri);
	g_autoptr(SdagSource) source = g_new0(SdagSource, 1);
	g_autofree char *redacted = sdag_source_redact(url);
	g_autofree char *address = NULL;
	g_autoptr(GInetAddress) addr = NULL;
	const char *zone;

	if (host == NULL || host[0] == '\0') {
		g_set_error(error,
			    SDAG_ERROR,
			    SDAG_ERROR_UNSUPPORTED_SOURCE,
			    "URL '%s' has no host",
			    redacted);
		return NULL;
	}
	/* GUri decodes an IPv6 zone ("[fe80::1%25eth0]") into the host, where it hides the
	 * address from g_inet_address_new_from_string(): the address is judged without it */
	zone = strchr(host, '%');
	address = zone != NULL ? g_strndup(host, (gsize)(zone - host)) : g_strdup(host);
	addr = g_inet_address_new_from_string(address);
	if (!policy->allow_private_networks) {
		gboolean is_localhost = g_ascii_strcasecmp(host, "localhost") == 0 ||
					g_str_has_suffix(host, ".localhost");

		if (is_localhost || (addr != NULL && sdag_source_address_is_private(addr))) {
			g_set_error(error,
				    SDAG_ERROR,
				    SDAG_ERROR_SOURCE_FORBIDDEN,
				    "'%s' is a loopback, private or link-local address; set "
				    "[sources] allow_private_networks=true to allow it",
				    address);
			return NULL;
		}
	}
	/* a zone names an interface of this box: not something a job may choose */
	if (zone != NULL) {
		g_set_error(error,
			    SDAG_ERROR,
			    SDAG_ERROR_UNSUPPORTED_SOURCE,
			    "URL '%s': an IPv6 zone id is not supported",
			    redacted);
		return NULL;
	}
	/* a name is resolved and checked at start, off the request path */
	if (!policy->allow_private_networks && !g_hostname_is_ip_address(host))
		source->resolve_host = g_strdup(host);
	source->kind = SDAG_SOURCE_HTTP;
	source->uri = g_strdup(url);
	source->redacted_uri = g_steal_pointer(&redacted);
	return g_steal_pointer(&source);
}

gboolean
sdag_source_kind_is_live(SdagSourceKind kind)
{
	return kind == SDAG_SOURCE_RTSP || kind == SDAG_SOURCE_RTMP;
}

/* Returns: whether @url is of a live scheme; no other check */
gboolean
sdag_source_url_is_live(const char *url)
{
	g_autofree char *scheme = g_uri_parse_scheme(url);

	return scheme != NULL && (g_ascii_strcasecmp(scheme, "rtsp") == 0 ||
				  g_ascii_strcasecmp(scheme, "rtsps") == 0 ||
				  g_ascii_strcasecmp(scheme, "rtmp") == 0 ||
				  g_ascii_strcasecmp(scheme, "rtmps") == 0);
}

static SdagSource *
sdag_source_parse_live(GUri *uri, const char *url, SdagSourceKind kind, GError **error)
{
	const char *host = g_uri_get_host(uri);
	g_autoptr(SdagSource) source = g_new0(SdagSource, 1);
	g_autofree char *redacted = sdag_source_redact(url);

	if (host == NULL || host[0] == '\0') {
		g_set_error(error,
			    SDAG_ERROR,
			    SDAG_ERROR_UNSUPPORTED_SOURCE,
			    "URL '%s' has no host",
			    redacted);
		return NULL;
	}
	/* as for http: a zone names an interface of this box, and GUri gives it back decoded
	 * ("[f::%25x]" as "f::%x"), which the URL rebuilt below would not escape again */
	if (strchr(host, '%') != NULL) {
		g_set_error(error,
			    SDAG_ERROR,
			    SDAG_ERROR_UNSUPPORTED_SOURCE,
			    "URL '%s': an IPv6 zone id is not supported",
			    redacted);
		return NULL;
	}
	if (g_uri_get_user(uri) != NULL && g_uri_get_user(uri)[0] != '\0')
		source->user = g_uri_unescape_string(g_uri_get_user(uri), NULL);
	if (g_uri_get_password(uri) != NULL && g_uri_get_password(uri)[0] != '\0')
		source->password = g_uri_unescape_string(g_uri_get_password(uri), NULL);
	source->kind = kind;
	source->uri = g_uri_join(G_URI_FLAGS_ENCODED,
				 g_uri_get_scheme(uri),
				 NULL,
				 host,
				 g_uri_get_port(uri),
				 g_uri_get_path(uri),
				 g_uri_get_query(uri),
				 g_uri_get_fragment(uri));
	source->redacted_uri = g_steal_pointer(&redacted);
	return g_steal_pointer(&source);
}

/**
 * sdag_source_parse:
 * @url: the source as submitted
 * @policy: media roots and network policy
 *
 * Returns: (transfer full): the source to open, or NULL with SDAG_ERROR_UNSUPPORTED_SOURCE
 * (bad URL or scheme) or SDAG_ERROR_SOURCE_FORBIDDEN (outside what the policy allows)
 */
SdagSource *
sdag_source_parse(const char *url, const SdagSourcePolicy *policy, GError **error)
{
	g_autoptr(GUri) uri = NULL;
	const char *scheme;

	uri = g_uri_parse(url, G_URI_FLAGS_HAS_PASSWORD | G_URI_FLAGS_ENCODED, NULL);
	if (uri == NULL) {
		g_autofree char *redacted = sdag_source_redact(url);
		g_set_error(error,
			    SDAG_ERROR,
			    SDAG_ERROR_UNSUPPORTED_SOURCE,
			    "'%s' is not an absolute URL",
			    redacted);
		return NULL;
	}
	/* GUri ends the credentials at the first '@' and keeps the rest in the host
	 * ("rtsp://u:p@x@10.0.0.1" has the host "x@10.0.0.1"), which the URL rebuilt for
	 * GStreamer would read as credentials and another host: an '@' of a password is %40 */
	if (g_uri_get_host(uri) != NULL && strchr(g_uri_get_host(uri), '@') != NULL) {
		g_autofree char *redacted = sdag_source_redact(url);
		g_set_error(error,
			    SDAG_ERROR,
			    SDAG_ERROR_UNSUPPORTED_SOURCE,
			    "URL '%s' has an '@' in its host (write one of the password as %%40)",
			    redacted);
		return NULL;
	}
	scheme = g_uri_get_scheme(uri);
	if (g_ascii_strcasecmp(scheme, "file") == 0)
		return sdag_source_parse_file(uri, url, policy, error);
	if (g_ascii_strcasecmp(scheme, "http") == 0 || g_ascii_strcasecmp(scheme, "https") == 0)
		return sdag_source_parse_http(uri, url, policy, error);
	if (g_ascii_strcasecmp(scheme, "rtsp") == 0 || g_ascii_strcasecmp(scheme, "rtsps") == 0)
		return sdag_source_parse_live(uri, url, SDAG_SOURCE_RTSP, error);
	if (g_ascii_strcasecmp(scheme, "rtmp") == 0 || g_ascii_strcasecmp(scheme, "rtmps") == 0)
		return sdag_source_parse_live(uri, url, SDAG_SOURCE_RTMP, error);
	g_set_error(error,
		    SDAG_ERROR,
		    SDAG_ERROR_UNSUPPORTED_SOURCE,
		    "scheme '%s' is not supported (file, http, https, rtsp, rtsps, rtmp, rtmps)",
		    scheme);
	return NULL;
}
