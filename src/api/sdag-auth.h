/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <libsoup/soup.h>

#include "sdag-prom.h"
#include "sdag-token.h"

G_BEGIN_DECLS

typedef struct _SdagAuth SdagAuth;

typedef enum {
	SDAG_AUTH_OK,
	SDAG_AUTH_MISSING, /* no credentials, on a route that needs them */
	SDAG_AUTH_INVALID, /* credentials that are malformed or match no token */
	SDAG_AUTH_SCOPE,   /* a valid token without the scope the route needs */
	SDAG_AUTH_RATE,	   /* a valid token over [rest] rate_limit */
} SdagAuthOutcome;

/**
 * SdagAuthResult:
 *
 * What a request is allowed, and who made it. @actor is the token's name, or
 * SDAG_HISTORY_ANONYMOUS / SDAG_HISTORY_INVALID_TOKEN; never the secret.
 */
typedef struct {
	SdagAuthOutcome outcome;
	char *actor;
	SdagScope scopes;	/* of the token; SDAG_SCOPE_ALL when no token is configured */
	guint retry_after_s;	/* SDAG_AUTH_RATE */
	gboolean authenticated; /* a configured token was presented */
} SdagAuthResult;

SdagAuth *sdag_auth_new(SdagProm *prom);
void sdag_auth_free(SdagAuth *self);
void sdag_auth_set_tokens(SdagAuth *self, GPtrArray *tokens);
void sdag_auth_set_rate(SdagAuth *self, guint rate, guint burst);
void sdag_auth_check(SdagAuth *self,
		     SoupServerMessage *msg,
		     SdagScope needed,
		     gboolean needs_token,
		     gboolean websocket,
		     SdagAuthResult *result);
void sdag_auth_result_clear(SdagAuthResult *result);
gboolean sdag_auth_take_audit_slot(SdagAuth *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(SdagAuth, sdag_auth_free)

G_END_DECLS
