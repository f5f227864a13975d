/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * What the store says it dropped of a damaged write-ahead log is what RocksDB dropped: a
 * real store takes synced writes (one with a value that spans blocks), its directory is
 * copied as a power cut would leave it, the copy's log is damaged one way per case, and the
 * copy opens: the report names the damage, where the kept batches end and how many bytes
 * went, and every key written before that point reads back while the ones after do not.
 */
#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>

#include "sdag-error.h"
#include "sdag-store.h"
#include "sdag-test-util.h"
#include "sdag-wal.h"

#define N_PUTS 20
#define BIG_PUT 10 /* this put's value spans several 32 KiB blocks */
#define BIG_SIZE (100 * 1024)

typedef enum {
	DAMAGE_NONE,
	DAMAGE_TRUNCATED,      /* cut 5 bytes into the last batch's end */
	DAMAGE_FLIPPED,	       /* one byte of the last batch changed */
	DAMAGE_GARBAGE,	       /* random bytes after the last batch */
	DAMAGE_ZEROED,	       /* the last 512 bytes zeroed */
	DAMAGE_TORN_FRAGMENTS, /* cut inside the value that spans blocks */
} Damage;

typedef struct {
	char *dir;
	char *db;	      /* a real store, written N_PUTS times */
	char *log;	      /* its write-ahead log */
	guint64 base;	      /* whole batches in the log before the puts (the open's own) */
	goffset ends[N_PUTS]; /* the log's size after each put */
	SdagStore *store;     /* open till the end: a close would flush the log into tables */
} Fixture;

static Fixture fx;
static GPtrArray *warnings; /* the store's, said at open */

static char *
find_log(const char *db)
{
	g_autoptr(GDir) d = g_dir_open(db, 0, NULL);
	const char *name;
	char *found = NULL;

	g_assert_nonnull(d);
	while ((name = g_dir_read_name(d)) != NULL)
		if (g_str_has_suffix(name, ".log") && !g_str_has_prefix(name, "LOG")) {
			g_assert_null(found);
			found = g_build_filename(db, name, NULL);
		}
	g_assert_nonnull(found);
	return found;
}

static goffset
size_of(const char *path)
{
	GStatBuf st;

	g_assert_cmpint(g_stat(path, &st), ==, 0);
	return st.st_size;
}

static char *
key_of(guint i)
{
	return g_strdup_printf("wal-test-%02u", i);
}

/* The directory as it is on disk now, as a power cut would leave it. */
static char *
copy_db(const char *name)
{
	g_autofree char *to = g_build_filename(fx.dir, name, NULL);
	g_autoptr(GDir) d = g_dir_open(fx.db, 0, NULL);
	const char *entry;

	g_assert_cmpint(g_mkdir_with_parents(to, 0700), ==, 0);
	while ((entry = g_dir_read_name(d)) != NULL) {
		g_autofree char *src = g_build_filename(fx.db, entry, NULL);
		g_autofree char *dst = g_build_filename(to, entry, NULL);
		g_autofree char *text = NULL;
		gsize len = 0;

		if (g_strcmp0(entry, "LOCK") == 0)
			continue;
		g_assert_true(g_file_get_contents(src, &text, &len, NULL));
		g_assert_true(g_file_set_contents(dst, text, (gssize)len, NULL));
	}
	return g_steal_pointer(&to);
}

static void
damage_log(const char *log, Damage damage)
{
	g_autofree char *text = NULL;
	gsize len = 0;
	g_autoptr(GString) s = NULL;

	g_assert_true(g_file_get_contents(log, &text, &len, NULL));
	g_assert_cmpuint(len, ==, (gsize)fx.ends[N_PUTS - 1]);
	s = g_string_new_len(text, (gssize)len);
	switch (damage) {
	case DAMAGE_NONE:
		break;
	case DAMAGE_TRUNCATED:
		g_string_truncate(s, len - 5);
		break;
	case DAMAGE_FLIPPED:
		s->str[fx.ends[N_PUTS - 2] + 20] ^= 0x40;
		break;
	case DAMAGE_GARBAGE: {
		g_autoptr(GRand) r = g_rand_new_with_seed(7);

		for (guint i = 0; i < 4096; i++)
			g_string_append_c(s, (char)g_rand_int_range(r, 1, 256));
		break;
	}
	case DAMAGE_ZEROED:
		memset(s->str + len - 512, 0, 512);
		break;
	case DAMAGE_TORN_FRAGMENTS:
		g_string_truncate(s, (gsize)fx.ends[BIG_PUT - 1] + BIG_SIZE / 2);
		break;
	}
	g_assert_true(g_file_set_contents(log, s->str, (gssize)s->len, NULL));
}

/* The puts a damage loses: from the first whose log bytes it touched. */
static guint
first_lost(Damage damage)
{
	goffset hit = 0;

	switch (damage) {
	case DAMAGE_NONE:
	case DAMAGE_GARBAGE:
		return N_PUTS;
	case DAMAGE_TRUNCATED:
		hit = fx.ends[N_PUTS - 1] - 5;
		break;
	case DAMAGE_FLIPPED:
		hit = fx.ends[N_PUTS - 2] + 20;
		break;
	case DAMAGE_ZEROED:
		hit = fx.ends[N_PUTS - 1] - 512;
		break;
	case DAMAGE_TORN_FRAGMENTS:
		hit = fx.ends[BIG_PUT - 1] + BIG_SIZE / 2;
		break;
	}
	for (guint i = 0; i < N_PUTS; i++)
		if (fx.ends[i] > hit)
			return i;
	g_assert_not_reached();
}

static void
wal_damage(gconstpointer data)
{
	Damage damage = GPOINTER_TO_INT(data);
	g_autofree char *name = g_strdup_printf("copy-%d", damage);
	g_autofree char *copy = copy_db(name);
	g_autofree char *log = find_log(copy);
	guint lost = first_lost(damage);
	g_autoptr(GError) error = NULL;
	goffset damaged_size;
	SdagStore *store;
	const SdagStoreWal *wal;

	damage_log(log, damage);
	damaged_size = size_of(log);
	g_ptr_array_set_size(warnings, 0);
	store = sdag_store_open(copy, &error);
	g_assert_no_error(error);
	wal = sdag_store_get_wal(store);
	g_assert_cmpuint(wal->files, ==, 1);
	g_assert_cmpuint(wal->bytes, ==, (guint64)damaged_size);
	g_assert_cmpuint(wal->batches, ==, fx.base + lost);
	if (damage == DAMAGE_NONE) {
		g_assert_null(wal->damage);
		g_assert_null(wal->damaged_file);
		g_assert_cmpuint(wal->dropped_bytes, ==, 0);
		g_assert_cmpuint(warnings->len, ==, 0);
	} else {
		goffset kept = lost == 0 ? 0 : fx.ends[lost - 1];
		g_autofree char *said = g_strdup_printf(
		    "%" G_GINT64_FORMAT " bytes after the last whole write batch are dropped",
		    (gint64)(damaged_size - kept));

		g_assert_nonnull(wal->damage);
		if (damage == DAMAGE_TRUNCATED || damage == DAMAGE_TORN_FRAGMENTS)
			g_assert_cmpstr(wal->damage, ==, "torn");
		if (damage == DAMAGE_FLIPPED)
			g_assert_cmpstr(wal->damage, ==, "checksum");
		g_assert_cmpstr(wal->damaged_file, ==, strrchr(log, '/') + 1);
		g_assert_cmpuint(wal->damaged_at, ==, (guint64)kept);
		g_assert_cmpuint(wal->dropped_bytes, ==, (guint64)(damaged_size - kept));
		/* and the log says it, once */
		g_assert_cmpuint(warnings->len, ==, 1);
		g_assert_nonnull(strstr(warnings->pdata[0], said));
	}
	/* and RocksDB dropped just that */
	for (guint i = 0; i < N_PUTS; i++) {
		g_autofree char *key = key_of(i);
		g_autoptr(GError) get_error = NULL;
		g_autoptr(GBytes) value = sdag_store_get(
		    store, SDAG_STORE_STATE, (const guint8 *)key, strlen(key), &get_error);

		if (i < lost) {
			g_assert_no_error(get_error);
			g_assert_cmpuint(g_bytes_get_size(value), ==, i == BIG_PUT ? BIG_SIZE : 64);
		} else {
			g_assert_error(get_error, SDAG_ERROR, SDAG_ERROR_NOT_FOUND);
		}
	}
	sdag_store_free(store);
}

/* A log that is not one, or cannot be read: said, not fatal. */
static void
wal_not_a_log(void)
{
	static const guint8 three[] = {1, 2, 3};
	g_autoptr(GError) error = NULL;
	SdagWalScan scan;

	sdag_wal_scan_bytes(NULL, 0, &scan);
	g_assert_null(scan.damage);
	g_assert_cmpuint(scan.batches, ==, 0);
	sdag_wal_scan_bytes(three, sizeof(three), &scan);
	g_assert_cmpstr(scan.damage, ==, "torn");
	g_assert_cmpuint(scan.dropped_bytes, ==, 3);
	g_assert_false(sdag_wal_scan_file("/nonexistent/000001.log", &scan, &error));
	g_assert_error(error, SDAG_ERROR, SDAG_ERROR_STORE);
}

static void
fixture_make(void)
{
	g_autoptr(GError) error = NULL;
	SdagStore *store;
	SdagWalScan scan;

	fx.dir = sdag_test_mkdtemp();
	fx.db = g_build_filename(fx.dir, "db", NULL);
	store = sdag_store_open(fx.db, &error);
	g_assert_no_error(error);
	fx.log = find_log(fx.db);
	g_assert_true(sdag_wal_scan_file(fx.log, &scan, &error));
	g_assert_null(scan.damage);
	fx.base = scan.batches;
	for (guint i = 0; i < N_PUTS; i++) {
		g_autofree char *key = key_of(i);
		gsize n = i == BIG_PUT ? BIG_SIZE : 64;
		g_autofree guint8 *value = g_malloc(n);

		memset(value, 'a' + (int)i, n);
		g_assert_true(sdag_store_put(store,
					     SDAG_STORE_STATE,
					     (const guint8 *)key,
					     strlen(key),
					     value,
					     n,
					     TRUE,
					     &error));
		fx.ends[i] = size_of(fx.log);
	}
	/* the big one spans blocks: its fragments are reassembled into one batch */
	g_assert_cmpint(fx.ends[BIG_PUT] - fx.ends[BIG_PUT - 1], >, 3 * 32768);
	g_assert_true(sdag_wal_scan_file(fx.log, &scan, &error));
	g_assert_null(scan.damage);
	g_assert_cmpuint(scan.batches, ==, fx.base + N_PUTS);
	g_assert_cmpuint(scan.kept_bytes, ==, (guint64)fx.ends[N_PUTS - 1]);
	fx.store = store;
}

int
main(int argc, char **argv)
{
	static const struct {
		const char *path;
		Damage damage;
	} cases[] = {
	    {"/sdag/wal/intact", DAMAGE_NONE},
	    {"/sdag/wal/truncated", DAMAGE_TRUNCATED},
	    {"/sdag/wal/flipped-byte", DAMAGE_FLIPPED},
	    {"/sdag/wal/garbage-after", DAMAGE_GARBAGE},
	    {"/sdag/wal/zeroed-tail", DAMAGE_ZEROED},
	    {"/sdag/wal/torn-fragments", DAMAGE_TORN_FRAGMENTS},
	};
	int rc;

	g_test_init(&argc, &argv, NULL);
	warnings = g_ptr_array_new_with_free_func(g_free);
	sdag_test_warnings_capture("sdag-store", warnings);
	fixture_make();
	for (guint i = 0; i < G_N_ELEMENTS(cases); i++)
		g_test_add_data_func(cases[i].path, GINT_TO_POINTER(cases[i].damage), wal_damage);
	g_test_add_func("/sdag/wal/not-a-log", wal_not_a_log);
	rc = g_test_run();
	sdag_store_free(fx.store);
	sdag_test_rmtree(fx.dir);
	g_free(fx.dir);
	g_free(fx.db);
	g_free(fx.log);
	g_ptr_array_unref(warnings);
	return rc;
}
