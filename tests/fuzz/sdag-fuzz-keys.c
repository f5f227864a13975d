/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The store's key codecs and the list routes' parameters that become keys. The input's
 * lines are a cursor (?cursor=), a since and an until (?since=, ?until=): each is parsed
 * as the API does (sdag_query_cursor_parse(), sdag_query_time_parse()), the parsed values
 * are encoded as keys (sdag_index_key(), sdag_index_time_key()) whose byte order must be
 * the order of the values, decoded back, and a scan over a small time index is narrowed
 * with them (sdag_index_scan_narrow()).
 */
#include <string.h>

#include "sdag-fuzz.h"
#include "sdag-index.h"
#include "sdag-query.h"

#define FUZZ_KEYS_ENTRIES 8
/* the first entry's time, then one every this many microseconds */
#define FUZZ_KEYS_T0 G_GINT64_CONSTANT(1795000000000000)
#define FUZZ_KEYS_STEP G_GINT64_CONSTANT(60000000)

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	SdagStore *store;

	sdag_fuzz_init();
	store = sdag_fuzz_store();
	for (guint64 seq = 1; seq <= FUZZ_KEYS_ENTRIES; seq++) {
		g_autoptr(GError) error = NULL;
		g_autoptr(GBytes) key =
		    sdag_index_time_key("c/", FUZZ_KEYS_T0 + (gint64)seq * FUZZ_KEYS_STEP, seq);
		if (!sdag_store_put(store,
				    SDAG_STORE_JOB_INDEX,
				    g_bytes_get_data(key, NULL),
				    g_bytes_get_size(key),
				    (const guint8 *)"",
				    0,
				    FALSE,
				    &error))
			g_error("store: %s", error->message);
	}
	return 0;
}

static gint
fuzz_keys_cmp(GBytes *a, GBytes *b)
{
	return g_bytes_compare(a, b);
}

static guint64
fuzz_keys_get64(GBytes *key, gsize offset)
{
	guint64 be;

	memcpy(&be, (const guint8 *)g_bytes_get_data(key, NULL) + offset, sizeof(be));
	return GUINT64_FROM_BE(be);
}

static void
fuzz_keys_cursor(const char *text, guint64 *seq, gboolean *ok)
{
	g_autofree char *again = NULL;
	g_autofree char *lower = NULL;
	guint64 back = 0;

	*ok = sdag_query_cursor_parse(text, seq, NULL);
	if (!*ok)
		return;
	again = sdag_query_cursor_format(*seq);
	lower = g_ascii_strdown(text, -1);
	if (strcmp(again, lower) != 0)
		sdag_fuzz_fail("a cursor is not formatted back as given", text);
	if (!sdag_query_cursor_parse(again, &back, NULL) || back != *seq)
		sdag_fuzz_fail("a formatted cursor does not parse back", again);
	for (int inverted = 0; inverted < 2; inverted++) {
		g_autoptr(GBytes) key = sdag_index_key("j/", *seq, inverted);
		g_autoptr(GBytes) next = sdag_index_key("j/", *seq + 1, inverted);
		guint64 got = fuzz_keys_get64(key, 2);
		if ((inverted ? ~got : got) != *seq)
			sdag_fuzz_fail("an index key does not decode back", text);
		if ((fuzz_keys_cmp(key, next) < 0) == inverted)
			sdag_fuzz_fail("index keys are not in seq order", text);
	}
}

static void
fuzz_keys_time(const char *text, gint64 *time_us, gboolean *ok)
{
	g_autoptr(GError) error = NULL;

	*ok = sdag_query_time_parse("since", text, time_us, &error);
	if (*ok != (error == NULL))
		sdag_fuzz_fail("a time and its error disagree", text);
	if (*ok) {
		g_autoptr(GBytes) key = sdag_index_time_key("c/", *time_us, 7);
		if ((gint64)(fuzz_keys_get64(key, 2) ^ (G_GUINT64_CONSTANT(1) << 63)) != *time_us ||
		    fuzz_keys_get64(key, 10) != 7)
			sdag_fuzz_fail("a time key does not decode back", text);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autofree char *text = g_strndup((const char *)data, size);
	g_auto(GStrv) lines = g_strsplit(text, "\n", 3);
	guint n = g_strv_length(lines);
	const char *cursor = n > 0 && lines[0][0] != '\0' ? lines[0] : NULL;
	guint64 seq = 0;
	gint64 since = SDAG_QUERY_NO_TIME;
	gint64 until = SDAG_QUERY_NO_TIME;
	gboolean cursor_ok = FALSE;
	gboolean since_ok = FALSE;
	gboolean until_ok = FALSE;

	if (cursor != NULL)
		fuzz_keys_cursor(cursor, &seq, &cursor_ok);
	if (n > 1)
		fuzz_keys_time(lines[1], &since, &since_ok);
	if (n > 2)
		fuzz_keys_time(lines[2], &until, &until_ok);
	if (since_ok && until_ok && since != until) {
		g_autoptr(GBytes) a = sdag_index_time_key("c/", MIN(since, until), G_MAXUINT64);
		g_autoptr(GBytes) b = sdag_index_time_key("c/", MAX(since, until), 0);
		if (fuzz_keys_cmp(a, b) >= 0)
			sdag_fuzz_fail("time keys are not in time order", text);
	}

	for (int ascending = 0; ascending < 2; ascending++) {
		g_autoptr(GError) error = NULL;
		SdagIndexScan scan = {
		    .store = sdag_fuzz_store(),
		    .family = SDAG_STORE_JOB_INDEX,
		    .prefix = (const guint8 *)"j/",
		    .prefix_len = 2,
		    .inverted = !ascending,
		    .lo = 0,
		    .hi = G_MAXUINT64,
		    .ascending = ascending,
		    .limit = 10,
		};
		gboolean ok = sdag_index_scan_narrow(&scan,
						     cursor,
						     since_ok ? since : SDAG_QUERY_NO_TIME,
						     until_ok ? until : SDAG_QUERY_NO_TIME,
						     &error);
		if (ok != (error == NULL))
			sdag_fuzz_fail("a narrowed scan and its error disagree", text);
		if (ok && cursor != NULL && !cursor_ok)
			sdag_fuzz_fail("a scan took a cursor the parser refuses", text);
		/* without a cursor, a since bound is the seq of an entry of the time index */
		if (ok && since_ok && cursor == NULL && scan.lo <= scan.hi &&
		    (scan.lo < 1 || scan.lo > FUZZ_KEYS_ENTRIES))
			sdag_fuzz_fail("a since bound outside the time index", text);
	}
	return 0;
}
