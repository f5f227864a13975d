/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A GStreamer element the daemon makes at run time, and the Debian package that has it. */
typedef struct {
	const char *element;
	const char *package;
	const char *used_for;
} SdagElementNeed;

const SdagElementNeed *sdag_elements_needed(gsize *n);
gboolean sdag_elements_check(const SdagElementNeed *needs, gsize n, GError **error);

G_END_DECLS
