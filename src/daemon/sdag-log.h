/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

#include "sdag-config.h"

G_BEGIN_DECLS

/**
 * SdagLog:
 *
 * The daemon's log filter: messages at least as severe as the level pass, and the debug
 * messages of the domains listed in G_MESSAGES_DEBUG (read once at start-up) pass whatever
 * the level. What passes goes to GLib's default writer: the journal when stderr is
 * connected to it, stderr otherwise. Owned by main(), which outlives every logger.
 */
typedef struct {
	gint level; /* an SdagLogLevel; atomic, since any thread logs */
	gboolean all_domains;
	GStrv domains; /* G_MESSAGES_DEBUG, split */
} SdagLog;

void sdag_log_init(SdagLog *self, SdagLogLevel level, const char *debug);
void sdag_log_clear(SdagLog *self);
void sdag_log_set_level(SdagLog *self, SdagLogLevel level);
SdagLogLevel sdag_log_get_level(SdagLog *self);
gboolean sdag_log_passes(SdagLog *self, GLogLevelFlags flags, const char *domain);
GLogWriterOutput sdag_log_writer(GLogLevelFlags log_level,
				 const GLogField *fields,
				 gsize n_fields,
				 gpointer user_data);

G_END_DECLS
