/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * What one RocksDB write-ahead log holds, read the way RocksDB's point-in-time recovery
 * reads it: whole write batches (each checksummed record, fragments reassembled) up to the
 * first damaged or incomplete one. What lies after is what the recovery drops.
 */
typedef struct {
	guint64 size;	       /* bytes in the file */
	guint64 batches;       /* whole write batches before the damage */
	guint64 last_sequence; /* the last sequence number they carry (0: none) */
	guint64 kept_bytes;    /* where the last whole batch ends */
	guint64 dropped_bytes; /* size - kept_bytes */
	const char *damage;    /* NULL, or why the reading stopped: "torn", "checksum", ... */
} SdagWalScan;

void sdag_wal_scan_bytes(const guint8 *data, gsize len, SdagWalScan *scan);
gboolean sdag_wal_scan_file(const char *path, SdagWalScan *scan, GError **error);

G_END_DECLS
