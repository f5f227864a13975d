/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "sdag-jobs.h"

G_BEGIN_DECLS

#define SDAG_HISTORY_LIST_DEFAULT 50
#define SDAG_HISTORY_LIST_MAX 1000
/* the actor of a request without a token: every request when no token is configured */
#define SDAG_HISTORY_ANONYMOUS "anonymous"
/* the actor of a request whose token matches none configured (never the token itself) */
#define SDAG_HISTORY_INVALID_TOKEN "invalid-token"
#define SDAG_HISTORY_SYSTEM "system"

typedef struct {
	const char *actor;  /* nullable */
	const char *action; /* nullable */
	gint64 since_us;    /* SDAG_QUERY_NO_TIME for none */
	gint64 until_us;
	gboolean ascending;
	guint limit;
	const char *cursor; /* nullable */
} SdagHistoryFilter;

/* One audit row. @http_status is 0 and @error NULL when they do not apply. */
typedef struct {
	const char *actor;
	const char *action;
	const char *object; /* nullable */
	guint http_status;
	const char *error;
	const char *method; /* nullable: the request's */
	const char *route;  /* nullable: its route pattern */
	const char *client; /* nullable: the client's address, for refused requests */
} SdagHistoryEntry;

typedef struct _SdagHistory SdagHistory;

SdagHistory *sdag_history_new(SdagStore *store, SdagJobs *jobs, GError **error);
void sdag_history_free(SdagHistory *self);
const char *sdag_history_request_action(const char *method, const char *route);
gboolean sdag_history_record(SdagHistory *self, const SdagHistoryEntry *entry, GError **error);
JsonNode *sdag_history_query(SdagHistory *self, const SdagHistoryFilter *filter, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(SdagHistory, sdag_history_free)

G_END_DECLS
