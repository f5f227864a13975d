/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

#include "sdag-store.h"

G_BEGIN_DECLS

/* One inconsistency: where, and what. */
typedef struct {
	SdagStoreFamily family;
	char *key;	  /* the key as text, bytes outside printable ASCII as \xNN */
	const char *code; /* index_missing, frame_gap, summary_differs, orphan_rows ... */
	char *message;
} SdagFsckProblem;

typedef struct {
	GPtrArray *problems; /* SdagFsckProblem */
	guint64 checked[SDAG_STORE_N_FAMILIES];
	guint jobs;
	gint64 elapsed_us;
} SdagFsckReport;

SdagFsckReport *sdag_fsck_run(SdagStore *store, GError **error);
void sdag_fsck_report_free(SdagFsckReport *report);
JsonNode *sdag_fsck_report_to_json(const SdagFsckReport *report);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(SdagFsckReport, sdag_fsck_report_free)

G_END_DECLS
