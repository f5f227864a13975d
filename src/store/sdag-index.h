/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "sdag-query.h"
#include "sdag-store.h"

G_BEGIN_DECLS

/*
 * One secondary index scanned by sequence number: every key is @prefix followed by the
 * 64-bit big-endian seq, or its complement (~seq) when @inverted, so that key order is
 * newest first.
 */
typedef struct {
	SdagStore *store;
	SdagStoreFamily family;
	const guint8 *prefix;
	gsize prefix_len;
	gboolean inverted;
	guint64 lo; /* inclusive seq bounds */
	guint64 hi;
	gboolean ascending;
	guint limit;	    /* values returned at most */
	guint max_examined; /* keys visited at most (0: no cap) */
	/* (nullable) a filter over the key's value; FALSE skips it */
	gboolean (*accept)(guint64 seq, const guint8 *value, gsize value_len, gpointer data);
	gpointer data;
} SdagIndexScan;

void sdag_index_put_seq(guint8 *out, guint64 seq, gboolean inverted);
GBytes *sdag_index_key(const char *prefix, guint64 seq, gboolean inverted);
GBytes *sdag_index_time_key(const char *prefix, gint64 time_us, guint64 seq);
gboolean sdag_index_scan_narrow(SdagIndexScan *scan,
				const char *cursor,
				gint64 since_us,
				gint64 until_us,
				GError **error);
GPtrArray *sdag_index_scan(const SdagIndexScan *scan, guint64 *next_seq, GError **error);

G_END_DECLS
