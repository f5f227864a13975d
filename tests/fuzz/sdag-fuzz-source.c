/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A job's source URL (sdag_source_parse()), under both network policies and a media root
 * with one clip. Parsing resolves no host name: an IP literal is judged as it is, a name
 * is left in resolve_host for the worker; so this target does no network I/O (file: URLs
 * are resolved on the file system, inside the target's own directory or not at all).
 * Whatever parses must not show its password in the redacted URL, nor keep credentials in
 * the URL given to GStreamer.
 */
#include <string.h>

#include "sdag-fuzz.h"
#include "sdag-source.h"

static SdagSourcePolicy closed;
static SdagSourcePolicy open;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	g_autofree char *media = g_build_filename(sdag_fuzz_tmpdir(), "media", NULL);
	g_autofree char *clip = g_build_filename(media, "clip.avi", NULL);
	const char *roots[] = {media, NULL};

	sdag_fuzz_init();
	g_mkdir_with_parents(media, 0700);
	g_file_set_contents(clip, "RIFF", 4, NULL);
	closed.media_roots = sdag_source_resolve_roots(roots, NULL);
	open.media_roots = closed.media_roots;
	open.allow_private_networks = TRUE;
	return 0;
}

static void
fuzz_source_check(const char *url, const SdagSourcePolicy *policy)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(SdagSource) source = sdag_source_parse(url, policy, &error);
	g_autofree char *redacted = sdag_source_redact(url);

	if ((source == NULL) == (error == NULL))
		sdag_fuzz_fail("a source and its error disagree", url);
	if (redacted == NULL)
		sdag_fuzz_fail("no redacted URL", url);
	if (source == NULL)
		return;
	if (source->uri == NULL || source->redacted_uri == NULL)
		sdag_fuzz_fail("a source without its URI", url);
	if (sdag_source_kind_is_live(source->kind) != sdag_source_url_is_live(url))
		sdag_fuzz_fail("live by kind and by URL disagree", url);
	if (source->resolve_host != NULL && policy->allow_private_networks)
		sdag_fuzz_fail("a host left to resolve with private networks allowed", url);
	if (sdag_source_kind_is_live(source->kind)) {
		g_autoptr(GUri) uri = g_uri_parse(source->uri, G_URI_FLAGS_ENCODED, NULL);
		if (uri == NULL)
			sdag_fuzz_fail("the URI of a live source does not parse", url);
		if (g_uri_get_userinfo(uri) != NULL)
			sdag_fuzz_fail("the URI of a live source keeps its credentials", url);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autofree char *url = g_strndup((const char *)data, size);

	fuzz_source_check(url, &closed);
	fuzz_source_check(url, &open);
	return 0;
}
