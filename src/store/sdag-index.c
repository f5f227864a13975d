/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "sdag-index"

#include "sdag-index.h"

#include <string.h>

#include "sdag-error.h"

/*
 * Secondary indexes keyed by sequence number, shared by the job list and the audit trail.
 *
 * A sequence number (seq) is handed out in submission order and never reused, so it is a
 * stable position: a cursor is simply the seq of the next entry to show, and a page starts
 * with one seek there. Entries added while a client pages are newer than every entry already
 * shown, so newest-first pages never see them (they sort before the first page) and
 * oldest-first pages meet them at the end: no duplicate, no gap.
 *
 * Time filters go through a time index, `<prefix><time><seq>`: the first key at or after
 * `since` gives the lowest seq, the last key before `until` the highest, each with one seek.
 * Times are taken when the seq is handed out, so seq order is time order as long as the
 * clock does not step back; if it does, the bounds are those of the seq range between the
 * first entry at/after since and the last before until.
 */

void
sdag_index_put_seq(guint8 *out, guint64 seq, gboolean inverted)
{
	guint64 be = GUINT64_TO_BE(inverted ? ~seq : seq);
	memcpy(out, &be, sizeof(be));
}

static guint64
sdag_index_get_seq(const guint8 *in, gboolean inverted)
{
	guint64 be;
	memcpy(&be, in, sizeof(be));
	return inverted ? ~GUINT64_FROM_BE(be) : GUINT64_FROM_BE(be);
}

/* Returns: (transfer full): @prefix followed by the seq (or ~seq) */
GBytes *
sdag_index_key(const char *prefix, guint64 seq, gboolean inverted)
{
	gsize len = strlen(prefix);
	guint8 *key = g_malloc(len + 8);

	memcpy(key, prefix, len);
	sdag_index_put_seq(key + len, seq, inverted);
	return g_bytes_new_take(key, len + 8);
}

/* Times before 1970 sort first: the sign bit is flipped so that byte order is time order. */
GBytes *
sdag_index_time_key(const char *prefix, gint64 time_us, guint64 seq)
{
	gsize len = strlen(prefix);
	guint8 *key = g_malloc(len + 16);

	memcpy(key, prefix, len);
	sdag_index_put_seq(key + len, (guint64)time_us ^ (G_GUINT64_CONSTANT(1) << 63), FALSE);
	sdag_index_put_seq(key + len + 8, seq, FALSE);
	return g_bytes_new_take(key, len + 16);
}

typedef struct {
	gsize prefix_len;
	guint64 seq;
	gboolean found;
} SdagIndexFirst;

static gboolean
sdag_index_first_cb(const guint8 *key,
		    gsize key_len,
		    const guint8 *value,
		    gsize value_len,
		    gpointer user_data)
{
	SdagIndexFirst *first = user_data;

	if (key_len != first->prefix_len + 16)
		return TRUE;
	first->seq = sdag_index_get_seq(key + first->prefix_len + 8, FALSE);
	first->found = TRUE;
	return FALSE;
}

/**
 * sdag_index_time_bounds:
 * @since_us: the first time included, or SDAG_QUERY_NO_TIME
 * @until_us: the first time excluded, or SDAG_QUERY_NO_TIME
 *
 * Narrows [*lo, *hi] to the seqs of entries in [since, until), one seek per bound; leaves
 * *lo > *hi when no entry is in range.
 */
static gboolean
sdag_index_time_bounds(SdagStore *store,
		       SdagStoreFamily family,
		       const char *prefix,
		       gint64 since_us,
		       gint64 until_us,
		       guint64 *lo,
		       guint64 *hi,
		       GError **error)
{
	gsize plen = strlen(prefix);
	g_autofree guint8 *end = g_malloc(plen);

	/* the prefix's successor: its last byte is '/' */
	memcpy(end, prefix, plen);
	end[plen - 1]++;
	if (since_us != SDAG_QUERY_NO_TIME) {
		g_autoptr(GBytes) from = sdag_index_time_key(prefix, since_us, 0);
		SdagIndexFirst first = {.prefix_len = plen};
		if (!sdag_store_iter_range(store,
					   family,
					   g_bytes_get_data(from, NULL),
					   g_bytes_get_size(from),
					   end,
					   plen,
					   FALSE,
					   sdag_index_first_cb,
					   &first,
					   error))
			return FALSE;
		if (!first.found) {
			*lo = 1;
			*hi = 0;
			return TRUE;
		}
		*lo = MAX(*lo, first.seq);
	}
	if (until_us != SDAG_QUERY_NO_TIME) {
		g_autoptr(GBytes) to = sdag_index_time_key(prefix, until_us, 0);
		SdagIndexFirst last = {.prefix_len = plen};
		if (!sdag_store_iter_range(store,
					   family,
					   (const guint8 *)prefix,
					   plen,
					   g_bytes_get_data(to, NULL),
					   g_bytes_get_size(to),
					   TRUE,
					   sdag_index_first_cb,
					   &last,
					   error))
			return FALSE;
		if (!last.found) {
			*lo = 1;
			*hi = 0;
			return TRUE;
		}
		*hi = MIN(*hi, last.seq);
	}
	return TRUE;
}

/**
 * sdag_index_scan_narrow:
 * @cursor: (nullable): where the previous page stopped, as sdag_query_cursor_format() gave it
 * @since_us: the first time included, or SDAG_QUERY_NO_TIME
 * @until_us: the first time excluded, or SDAG_QUERY_NO_TIME
 *
 * Narrows @scan's seq bounds to a page after @cursor (in the scan's order) and to the entries
 * created in [since, until), found through the family's "c/" time keys.
 *
 * Returns: FALSE with BAD_CURSOR or a store error
 */
gboolean
sdag_index_scan_narrow(SdagIndexScan *scan,
		       const char *cursor,
		       gint64 since_us,
		       gint64 until_us,
		       GError **error)
{
	if (cursor != NULL) {
		guint64 seq = 0;
		if (!sdag_query_cursor_parse(cursor, &seq, error))
			return FALSE;
		if (scan->ascending)
			scan->lo = seq;
		else
			scan->hi = seq;
	}
	return sdag_index_time_bounds(
	    scan->store, scan->family, "c/", since_us, until_us, &scan->lo, &scan->hi, error);
}

typedef struct {
	const SdagIndexScan *scan;
	GPtrArray *values;
	guint examined;
	guint64 next_seq;
} SdagIndexWalk;

static gboolean
sdag_index_scan_cb(const guint8 *key,
		   gsize key_len,
		   const guint8 *value,
		   gsize value_len,
		   gpointer user_data)
{
	SdagIndexWalk *walk = user_data;
	const SdagIndexScan *scan = walk->scan;
	guint64 seq;

	if (key_len != scan->prefix_len + 8)
		return TRUE;
	seq = sdag_index_get_seq(key + scan->prefix_len, scan->inverted);
	if (scan->max_examined > 0 && walk->examined == scan->max_examined) {
		/* the page ends short; the client goes on from here */
		walk->next_seq = seq;
		return FALSE;
	}
	walk->examined++;
	if (scan->accept != NULL && !scan->accept(seq, value, value_len, scan->data))
		return TRUE;
	if (walk->values->len == scan->limit) {
		walk->next_seq = seq;
		return FALSE;
	}
	g_ptr_array_add(walk->values, g_bytes_new(value, value_len));
	return TRUE;
}

/**
 * sdag_index_scan:
 * @next_seq: (out): the seq of the next entry to show, 0 when there is none
 *
 * Reads one page of an index: up to @scan->limit values of entries with a seq in
 * [lo, hi] that @scan->accept takes, in seq order or reverse seq order. O(log n + k) for k
 * keys visited; with @scan->max_examined, k is bounded and the page may end short of
 * @scan->limit with a @next_seq to go on from.
 *
 * Returns: (transfer full) (element-type GBytes): the values, or NULL on a store error
 */
GPtrArray *
sdag_index_scan(const SdagIndexScan *scan, guint64 *next_seq, GError **error)
{
	g_autoptr(GPtrArray) values = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
	SdagIndexWalk walk = {.scan = scan, .values = values};
	guint64 lo = MAX(scan->lo, 1);
	guint64 hi = MIN(scan->hi, G_MAXUINT64 - 1);
	g_autofree guint8 *lower = g_malloc(scan->prefix_len + 8);
	g_autofree guint8 *upper = g_malloc(scan->prefix_len + 8);

	*next_seq = 0;
	if (lo > hi)
		return g_steal_pointer(&values);
	memcpy(lower, scan->prefix, scan->prefix_len);
	memcpy(upper, scan->prefix, scan->prefix_len);
	if (scan->inverted) {
		sdag_index_put_seq(lower + scan->prefix_len, hi, TRUE);
		sdag_index_put_seq(upper + scan->prefix_len, lo - 1, TRUE);
	} else {
		sdag_index_put_seq(lower + scan->prefix_len, lo, FALSE);
		sdag_index_put_seq(upper + scan->prefix_len, hi + 1, FALSE);
	}
	if (!sdag_store_iter_range(scan->store,
				   scan->family,
				   lower,
				   scan->prefix_len + 8,
				   upper,
				   scan->prefix_len + 8,
				   scan->inverted == scan->ascending,
				   sdag_index_scan_cb,
				   &walk,
				   error))
		return NULL;
	*next_seq = walk.next_seq;
	return g_steal_pointer(&values);
}
