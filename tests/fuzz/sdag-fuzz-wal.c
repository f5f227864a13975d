/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A RocksDB write-ahead log as a power cut or a bad disk leaves it, read at every start
 * before the store opens (sdag_wal_scan_bytes()). What is kept plus what is dropped is the
 * whole input, and the kept part read alone is an intact log with the same batches.
 */
#include "sdag-fuzz.h"
#include "sdag-wal.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	sdag_fuzz_init();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	SdagWalScan scan;
	SdagWalScan kept;

	sdag_wal_scan_bytes(data, size, &scan);
	if (scan.size != size || scan.kept_bytes > size)
		sdag_fuzz_fail("kept more than the log holds", NULL);
	if (scan.damage == NULL ? scan.dropped_bytes != 0
				: scan.kept_bytes + scan.dropped_bytes != size)
		sdag_fuzz_fail("kept and dropped are not the whole log", NULL);
	sdag_wal_scan_bytes(data, scan.kept_bytes, &kept);
	if (kept.damage != NULL || kept.batches != scan.batches ||
	    kept.last_sequence != scan.last_sequence || kept.kept_bytes != scan.kept_bytes)
		sdag_fuzz_fail("the kept part read alone differs", NULL);
	return 0;
}
