/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "sdag-wal.h"

#include <string.h>

#include "sdag-error.h"

/*
 * RocksDB's log format (db/log_format.h, doc "Write Ahead Log File Format"): 32 KiB blocks
 * of physical records, each a header — masked CRC32C of the type byte (and, for recycled
 * logs, the log number) and the payload, a 16-bit length, a type — then the payload. A
 * write batch too long for the rest of a block is cut into FIRST, MIDDLE… LAST fragments;
 * fewer than a header's bytes left at a block's end are zero padding. RocksDB does not say
 * what its point-in-time recovery dropped, so the store reads the log itself before the
 * open, the same way: whole batches up to the first record that fails its checksum, is cut
 * short, or breaks the fragment order.
 */

#define WAL_BLOCK 32768
#define WAL_HEADER 7
#define WAL_RECYCLABLE_HEADER 11
#define WAL_BATCH_HEADER 12 /* sequence (fixed64) and count (fixed32) */

enum {
	WAL_ZERO = 0,
	WAL_FULL = 1,
	WAL_FIRST = 2,
	WAL_MIDDLE = 3,
	WAL_LAST = 4,
	WAL_RECYCLABLE_FULL = 5,
	WAL_RECYCLABLE_LAST = 8,
	WAL_LAST_KNOWN = 11, /* compression and timestamp-size records: metadata, no batch */
};

static guint32
sdag_wal_crc32c(guint32 crc, const guint8 *data, gsize len)
{
	/* Castagnoli, reflected; bitwise: the scan runs once per start over unflushed data */
	crc = ~crc;
	for (gsize i = 0; i < len; i++) {
		crc ^= data[i];
		for (guint k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0x82f63b78u & (0u - (crc & 1u)));
	}
	return ~crc;
}

static guint32
sdag_wal_unmask(guint32 masked)
{
	guint32 rot = masked - 0xa282ead8u;

	return (rot >> 17) | (rot << 15);
}

static guint64
sdag_wal_le(const guint8 *p, guint n)
{
	guint64 v = 0;

	for (guint i = 0; i < n; i++)
		v |= (guint64)p[i] << (8 * i);
	return v;
}

/**
 * sdag_wal_scan_bytes:
 * @data: the log's bytes
 * @len: their length
 * @scan: (out caller-allocates): what they hold
 *
 * Reads whole write batches from @data until the end or the first damage, and fills @scan.
 */
void
sdag_wal_scan_bytes(const guint8 *data, gsize len, SdagWalScan *scan)
{
	gsize pos = 0;
	gboolean in_fragments = FALSE;
	gsize batch_len = 0; /* bytes of the batch being reassembled */
	guint8 batch_head[WAL_BATCH_HEADER];

	memset(scan, 0, sizeof(*scan));
	scan->size = len;
	while (pos < len) {
		gsize left_in_block = WAL_BLOCK - pos % WAL_BLOCK;
		const guint8 *h = data + pos;
		guint type;
		guint kind;
		gsize header;
		gsize length;
		guint32 crc;

		if (left_in_block < WAL_HEADER) {
			/* the padding of a block: zeros, else damage */
			gsize n = MIN(left_in_block, len - pos);

			for (gsize i = 0; i < n; i++)
				if (data[pos + i] != 0) {
					scan->damage = "garbage";
					goto out;
				}
			pos += n;
			continue;
		}
		if (len - pos < WAL_HEADER) {
			scan->damage = "torn";
			break;
		}
		type = h[6];
		length = (gsize)sdag_wal_le(h + 4, 2);
		if (type == WAL_ZERO) {
			/* preallocated or zeroed: nothing was written from here, or it was lost */
			scan->damage = "zeroed";
			break;
		}
		if (type > WAL_LAST_KNOWN) {
			scan->damage = "garbage";
			break;
		}
		/* 5..8 and 11 carry the log number too */
		header = (type >= WAL_RECYCLABLE_FULL && type <= WAL_RECYCLABLE_LAST) ||
				 type == WAL_LAST_KNOWN
			     ? WAL_RECYCLABLE_HEADER
			     : WAL_HEADER;
		if (header + length > left_in_block) {
			scan->damage = "garbage";
			break;
		}
		if (len - pos < header + length) {
			scan->damage = "torn";
			break;
		}
		crc = sdag_wal_crc32c(0, h + 6, 1);
		crc = sdag_wal_crc32c(crc, h + WAL_HEADER, header + length - WAL_HEADER);
		if (crc != sdag_wal_unmask((guint32)sdag_wal_le(h, 4))) {
			scan->damage = "checksum";
			break;
		}
		pos += header + length;
		if (type > WAL_RECYCLABLE_LAST) {
			/* metadata record (compression, timestamp sizes): not a batch */
			if (!in_fragments)
				scan->kept_bytes = pos;
			continue;
		}
		/* 1..4 and 5..8 are the same kinds of fragment */
		kind = (type - 1) % 4 + 1;
		switch (kind) {
		case WAL_FULL:
			if (in_fragments) {
				scan->damage = "fragments";
				goto out;
			}
			batch_len = 0;
			break;
		case WAL_FIRST:
			if (in_fragments) {
				scan->damage = "fragments";
				goto out;
			}
			in_fragments = TRUE;
			batch_len = 0;
			break;
		default: /* MIDDLE, LAST */
			if (!in_fragments) {
				scan->damage = "fragments";
				goto out;
			}
			break;
		}
		if (batch_len < WAL_BATCH_HEADER) {
			gsize n = MIN(length, WAL_BATCH_HEADER - batch_len);

			memcpy(batch_head + batch_len, h + header, n);
		}
		batch_len += length;
		if (kind == WAL_FIRST || kind == WAL_MIDDLE)
			continue;
		in_fragments = FALSE;
		if (batch_len < WAL_BATCH_HEADER) {
			scan->damage = "garbage";
			break;
		}
		{
			guint64 seq = sdag_wal_le(batch_head, 8);
			guint64 count = sdag_wal_le(batch_head + 8, 4);

			scan->batches++;
			if (count > 0)
				scan->last_sequence = MAX(scan->last_sequence, seq + count - 1);
		}
		scan->kept_bytes = pos;
	}
	if (scan->damage == NULL && in_fragments)
		scan->damage = "torn";
out:
	scan->dropped_bytes = scan->size - scan->kept_bytes;
	/* zero padding after the last batch is not a loss */
	if (scan->damage == NULL)
		scan->dropped_bytes = 0;
}

/**
 * sdag_wal_scan_file:
 * @path: a write-ahead log file
 * @scan: (out caller-allocates): what it holds
 * @error: (nullable): optional return location for an error
 *
 * Returns: %TRUE, or %FALSE with @error set (%SDAG_ERROR_STORE) when @path cannot be read
 */
gboolean
sdag_wal_scan_file(const char *path, SdagWalScan *scan, GError **error)
{
	g_autoptr(GMappedFile) map = NULL;
	g_autoptr(GError) local = NULL;

	map = g_mapped_file_new(path, FALSE, &local);
	if (map == NULL) {
		g_set_error(error,
			    SDAG_ERROR,
			    SDAG_ERROR_STORE,
			    "cannot read write-ahead log %s: %s",
			    path,
			    local->message);
		return FALSE;
	}
	sdag_wal_scan_bytes(
	    (const guint8 *)g_mapped_file_get_contents(map), g_mapped_file_get_length(map), scan);
	return TRUE;
}
