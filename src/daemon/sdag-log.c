/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "sdag-log.h"

#include <string.h>

/**
 * sdag_log_init:
 * @level: the level to start with; sdag_log_set_level() changes it
 * @debug: (nullable): $G_MESSAGES_DEBUG: domains separated by ',' or ' ', or "all"
 */
void
sdag_log_init(SdagLog *self, SdagLogLevel level, const char *debug)
{
	self->level = level;
	self->domains = g_strsplit_set(debug != NULL ? debug : "", " ,", -1);
	self->all_domains = g_strv_contains((const char *const *)self->domains, "all");
}

void
sdag_log_clear(SdagLog *self)
{
	g_clear_pointer(&self->domains, g_strfreev);
}

void
sdag_log_set_level(SdagLog *self, SdagLogLevel level)
{
	g_atomic_int_set(&self->level, (gint)level);
}

SdagLogLevel
sdag_log_get_level(SdagLog *self)
{
	return (SdagLogLevel)g_atomic_int_get(&self->level);
}

/* Whether a message of @flags from @domain is logged. */
gboolean
sdag_log_passes(SdagLog *self, GLogLevelFlags flags, const char *domain)
{
	SdagLogLevel level = sdag_log_get_level(self);
	SdagLogLevel needs;

	if (flags & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL))
		return TRUE;
	if (flags & G_LOG_LEVEL_WARNING)
		needs = SDAG_LOG_WARNING;
	else if (flags & (G_LOG_LEVEL_MESSAGE | G_LOG_LEVEL_INFO))
		needs = SDAG_LOG_INFO;
	else
		needs = SDAG_LOG_DEBUG;
	if (level >= needs)
		return TRUE;
	/* as G_MESSAGES_DEBUG does: the domains listed tell all they have */
	return self->all_domains ||
	       (domain != NULL && g_strv_contains((const char *const *)self->domains, domain));
}

/*
 * The process's log writer (g_log_set_writer_func). GLib's default writer would drop info
 * and debug unless G_MESSAGES_DEBUG names the domain; main() switches that off
 * (g_log_set_debug_enabled) because the choice is made here.
 */
GLogWriterOutput
sdag_log_writer(GLogLevelFlags log_level,
		const GLogField *fields,
		gsize n_fields,
		gpointer user_data)
{
	SdagLog *self = user_data;
	const char *domain = NULL;

	for (gsize i = 0; i < n_fields; i++) {
		if (strcmp(fields[i].key, "GLIB_DOMAIN") == 0) {
			domain = fields[i].value;
			break;
		}
	}
	if (!sdag_log_passes(self, log_level, domain))
		return G_LOG_WRITER_HANDLED;
	return g_log_writer_default(log_level, fields, n_fields, NULL);
}
