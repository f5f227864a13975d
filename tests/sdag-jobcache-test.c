/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "sdag-jobcache.h"

#include <string.h>

static GBytes *
text_of(guint len, char fill)
{
	char *data = g_malloc(len);
	memset(data, fill, len);
	return g_bytes_new_take(data, len);
}

static char *
lookup_str(SdagJobCache *c, const char *id, SdagJobCacheKind kind)
{
	g_autoptr(GBytes) b = sdag_job_cache_lookup(c, id, kind);
	gsize len = 0;
	const char *data;

	if (b == NULL)
		return NULL;
	data = g_bytes_get_data(b, &len);
	return g_strndup(data, len);
}

/* Both kinds per job, kept apart; replacing a text changes the size by the difference. */
static void
test_kinds(void)
{
	g_autoptr(SdagJobCache) c = sdag_job_cache_new(1 << 20);
	g_autoptr(GBytes) full = g_bytes_new_static("{\"full\":1}", 10);
	g_autoptr(GBytes) item = g_bytes_new_static("{\"i\":1}", 7);
	g_autoptr(GBytes) longer = text_of(100, 'x');
	g_autofree char *a = NULL;
	g_autofree char *b = NULL;
	gsize base;

	g_assert_null(sdag_job_cache_lookup(c, "j1", SDAG_JOB_CACHE_FULL));
	sdag_job_cache_insert(c, "j1", SDAG_JOB_CACHE_FULL, full);
	g_assert_null(sdag_job_cache_lookup(c, "j1", SDAG_JOB_CACHE_ITEM));
	sdag_job_cache_insert(c, "j1", SDAG_JOB_CACHE_ITEM, item);
	a = lookup_str(c, "j1", SDAG_JOB_CACHE_FULL);
	b = lookup_str(c, "j1", SDAG_JOB_CACHE_ITEM);
	g_assert_cmpstr(a, ==, "{\"full\":1}");
	g_assert_cmpstr(b, ==, "{\"i\":1}");
	g_assert_cmpuint(sdag_job_cache_get_count(c), ==, 1);
	base = sdag_job_cache_get_size(c);
	g_assert_cmpuint(base, >=, 17 + 2);
	sdag_job_cache_insert(c, "j1", SDAG_JOB_CACHE_ITEM, longer);
	g_assert_cmpuint(sdag_job_cache_get_size(c), ==, base - 7 + 100);

	sdag_job_cache_remove(c, "j1");
	sdag_job_cache_remove(c, "j1");
	g_assert_null(sdag_job_cache_lookup(c, "j1", SDAG_JOB_CACHE_FULL));
	g_assert_cmpuint(sdag_job_cache_get_count(c), ==, 0);
	g_assert_cmpuint(sdag_job_cache_get_size(c), ==, 0);
}

/* The bound holds after every insert; the least recently used go first, and a read counts
 * as a use. */
static void
test_bound(void)
{
	const gsize max = 10000;
	g_autoptr(SdagJobCache) c = sdag_job_cache_new(max);
	g_autoptr(GBytes) text = text_of(900, 'a');
	g_autoptr(GBytes) huge = text_of(max, 'h');
	g_autoptr(GBytes) hit = NULL;
	guint kept;

	for (guint i = 0; i < 100; i++) {
		g_autofree char *id = g_strdup_printf("job-%03u", i);
		sdag_job_cache_insert(c, id, SDAG_JOB_CACHE_FULL, text);
		g_assert_cmpuint(sdag_job_cache_get_size(c), <=, max);
		/* job-000 is read after every insert: always the most recently used */
		g_clear_pointer(&hit, g_bytes_unref);
		hit = sdag_job_cache_lookup(c, "job-000", SDAG_JOB_CACHE_FULL);
		g_assert_nonnull(hit);
	}
	kept = sdag_job_cache_get_count(c);
	/* as many as fit: one more would pass the bound */
	g_assert_cmpuint(kept, >, 1);
	g_assert_cmpuint(sdag_job_cache_get_size(c) + sdag_job_cache_get_size(c) / kept, >, max);
	/* the newest ones and job-000; the others went oldest first */
	for (guint i = 1; i < 100; i++) {
		g_autofree char *id = g_strdup_printf("job-%03u", i);
		g_autoptr(GBytes) b = sdag_job_cache_lookup(c, id, SDAG_JOB_CACHE_FULL);
		if (i >= 100 - (kept - 1))
			g_assert_nonnull(b);
		else
			g_assert_null(b);
	}

	/* a text larger than the whole bound is not kept, and evicts nothing */
	sdag_job_cache_insert(c, "huge", SDAG_JOB_CACHE_FULL, huge);
	g_assert_null(sdag_job_cache_lookup(c, "huge", SDAG_JOB_CACHE_FULL));
	g_assert_cmpuint(sdag_job_cache_get_count(c), ==, kept);
	/* one that outgrows the bound as its second text arrives pushes out the others, then
	 * itself */
	sdag_job_cache_insert(c, "job-000", SDAG_JOB_CACHE_ITEM, huge);
	g_assert_cmpuint(sdag_job_cache_get_size(c), <=, max);
	g_assert_cmpuint(sdag_job_cache_get_count(c), ==, 0);
}

/* Hits and misses are counted per lookup; a bound of 0 keeps nothing and misses always. */
static void
test_stats(void)
{
	g_autoptr(SdagJobCache) c = sdag_job_cache_new(1 << 20);
	g_autoptr(SdagJobCache) off = sdag_job_cache_new(0);
	g_autoptr(GBytes) text = text_of(100, 't');
	g_autoptr(GBytes) b1 = NULL;
	g_autoptr(GBytes) b2 = NULL;
	SdagJobCacheStats st;

	g_assert_null(sdag_job_cache_lookup(c, "j", SDAG_JOB_CACHE_FULL));
	sdag_job_cache_insert(c, "j", SDAG_JOB_CACHE_FULL, text);
	b1 = sdag_job_cache_lookup(c, "j", SDAG_JOB_CACHE_FULL);
	b2 = sdag_job_cache_lookup(c, "j", SDAG_JOB_CACHE_FULL);
	g_assert_null(sdag_job_cache_lookup(c, "j", SDAG_JOB_CACHE_ITEM));
	sdag_job_cache_get_stats(c, &st);
	g_assert_cmpuint(st.hits, ==, 2);
	g_assert_cmpuint(st.misses, ==, 2);
	g_assert_cmpuint(st.entries, ==, 1);
	g_assert_cmpuint(st.bytes, ==, sdag_job_cache_get_size(c));
	g_assert_cmpuint(st.bytes, >, 100);

	sdag_job_cache_insert(off, "j", SDAG_JOB_CACHE_FULL, text);
	g_assert_null(sdag_job_cache_lookup(off, "j", SDAG_JOB_CACHE_FULL));
	sdag_job_cache_get_stats(off, &st);
	g_assert_cmpuint(st.hits, ==, 0);
	g_assert_cmpuint(st.misses, ==, 1);
	g_assert_cmpuint(st.entries, ==, 0);
	g_assert_cmpuint(st.bytes, ==, 0);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/sdag/jobcache/kinds", test_kinds);
	g_test_add_func("/sdag/jobcache/bound", test_bound);
	g_test_add_func("/sdag/jobcache/stats", test_stats);
	return g_test_run();
}
