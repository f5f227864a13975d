/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A streamdag.conf: every group and key, [camera NAME] groups, [auth] tokens, [mqtt].
 * The text is applied over the defaults (sdag_config_load_data()) and, from a file,
 * through sdag_config_load_file(), whose errors find the line at fault in the text.
 */
#include "sdag-config.h"
#include "sdag-fuzz.h"

static char *path;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	sdag_fuzz_init();
	path = g_build_filename(sdag_fuzz_tmpdir(), "streamdag.conf", NULL);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autoptr(SdagConfig) config = sdag_config_new();
	g_autoptr(SdagConfig) from_file = sdag_config_new();
	g_autoptr(GError) error = NULL;
	g_autoptr(GError) file_error = NULL;
	gboolean ok;
	gboolean file_ok;

	ok = sdag_config_load_data(config, (const char *)data, size, &error);
	if (ok != (error == NULL))
		sdag_fuzz_fail("a config and its error disagree", NULL);
	if (!g_file_set_contents(path, (const char *)data, (gssize)size, NULL))
		return 0;
	file_ok = sdag_config_load_file(from_file, path, &file_error);
	if (file_ok != ok)
		sdag_fuzz_fail("the same text loads from memory and not from a file", NULL);
	if (file_error != NULL && !g_utf8_validate(file_error->message, -1, NULL))
		sdag_fuzz_fail("a config error is not UTF-8", NULL);
	return 0;
}
