/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "sdag-fuzz.h"

#include <stdio.h>
#include <stdlib.h>
#include <glib/gstdio.h>

#include "sdag-test-util.h"

/*
 * A g_critical() is a bug here as in the unit tests (G_DEBUG=fatal-criticals): it
 * aborts, with abort() rather than GLib's own breakpoint trap, which libFuzzer would not
 * catch, so that libFuzzer keeps the input. Warnings and messages are what hostile input
 * is expected to cause; they are dropped, so that the fuzzer's own output stays readable.
 */
static GLogWriterOutput
sdag_fuzz_log_writer_cb(GLogLevelFlags level,
			const GLogField *fields,
			gsize n_fields,
			gpointer user_data)
{
	if ((level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL)) == 0)
		return G_LOG_WRITER_HANDLED;
	g_log_writer_default(level, fields, n_fields, user_data);
	abort();
}

static char *tmpdir;

static void
sdag_fuzz_cleanup(void)
{
	g_autofree char *argv0 = NULL;

	if (tmpdir == NULL)
		return;
	/* the store's files and the media root's: a tree of a few files */
	argv0 = g_strdup_printf("rm -rf '%s'", tmpdir);
	if (system(argv0) != 0)
		g_printerr("could not remove %s\n", tmpdir);
}

void
sdag_fuzz_init(void)
{
	static gsize once = 0;

	if (!g_once_init_enter(&once))
		return;
	g_log_set_always_fatal(G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
	g_log_set_writer_func(sdag_fuzz_log_writer_cb, NULL, NULL);
	g_once_init_leave(&once, 1);
}

/* Returns: (transfer none): a directory of this process, removed at its exit */
const char *
sdag_fuzz_tmpdir(void)
{
	if (tmpdir == NULL) {
		g_autoptr(GError) error = NULL;
		tmpdir = g_dir_make_tmp("sdag-fuzz-XXXXXX", &error);
		if (tmpdir == NULL)
			g_error("tmpdir: %s", error->message);
		atexit(sdag_fuzz_cleanup);
	}
	return tmpdir;
}

/*
 * The test node types (det, trk, merge, needs, ranged) and, when the fuzz build has them,
 * the real node plugins (motion, tracker, line_counter, zone, count, ...), whose param
 * checks and state loaders are fuzzed with the DAG compiler and the checkpoints.
 * SDAG_FUZZ_NODE_DIR overrides where the plugins are.
 *
 * Returns: (transfer none): the types, made once
 */
SdagNodeTypes *
sdag_fuzz_node_types(void)
{
	static SdagNodeTypes *types;

	if (types == NULL) {
		g_autoptr(GError) error = NULL;
		const char *dir = g_getenv("SDAG_FUZZ_NODE_DIR");

		types = sdag_node_types_new();
		sdag_test_types_add(types);
		if (dir == NULL)
			dir = SDAG_FUZZ_NODE_DIR;
		if (!sdag_node_types_load_dir(types, dir, &error))
			g_printerr("sdag-fuzz: no node plugins from %s: %s\n", dir, error->message);
	}
	return types;
}

/* Returns: (transfer none): a store of this process, in sdag_fuzz_tmpdir() */
SdagStore *
sdag_fuzz_store(void)
{
	static SdagStore *store;

	if (store == NULL) {
		g_autoptr(GError) error = NULL;
		g_autofree char *path = g_build_filename(sdag_fuzz_tmpdir(), "db", NULL);

		store = sdag_store_open(path, &error);
		if (store == NULL)
			g_error("store: %s", error->message);
	}
	return store;
}

/* A property of the code under test does not hold: a crash, for libFuzzer. */
void
sdag_fuzz_fail(const char *what, const char *input)
{
	g_printerr("sdag-fuzz: %s\ninput: %s\n", what, input != NULL ? input : "(binary)");
	abort();
}
