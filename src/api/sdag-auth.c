/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "sdag-auth"

#include "sdag-auth.h"

#include <string.h>

#include "sdag-history.h"

/*
 * Who a request comes from, and whether it may do what it asks. With no token configured
 * the API is open (and the daemon serves loopback only); with any, every route but the
 * public ones needs `Authorization: Bearer SECRET`, or, on a WebSocket upgrade, the
 * subprotocol `bearer.SECRET` next to `streamdag` (browsers cannot set headers there).
 *
 * Two token buckets: one per token for [rest] rate_limit (off by default), and one for the
 * whole daemon for the audit rows of refused requests, so that a client guessing secrets
 * cannot fill the store with them; the refusals are all counted in /metrics either way.
 */

#define SDAG_AUTH_BEARER_PROTOCOL "bearer."
/* refused requests audited: one a second sustained, 60 at once */
#define SDAG_AUTH_AUDIT_RATE 1.0
#define SDAG_AUTH_AUDIT_BURST 60.0

typedef struct {
	double level;
	gint64 last_us;
} SdagAuthBucket;

struct _SdagAuth {
	SdagProm *prom; /* borrowed */
	GPtrArray *tokens;
	guint rate;
	guint burst;
	GHashTable *buckets; /* token name -> SdagAuthBucket */
	SdagAuthBucket audit;
};

static const char *const sdag_auth_reasons[] = {NULL, "missing", "invalid", "scope", "rate"};

/* Refills @b at @rate a second up to @burst, then takes one if there is one. */
static gboolean
sdag_auth_bucket_take(SdagAuthBucket *b, double rate, double burst, gint64 now_us)
{
	if (b->last_us == 0)
		b->level = burst;
	else
		b->level =
		    MIN(burst, b->level + rate * (double)(now_us - b->last_us) / G_USEC_PER_SEC);
	b->last_us = now_us;
	if (b->level < 1.0)
		return FALSE;
	b->level -= 1.0;
	return TRUE;
}

SdagAuth *
sdag_auth_new(SdagProm *prom)
{
	SdagAuth *self = g_new0(SdagAuth, 1);

	self->prom = prom;
	self->tokens = g_ptr_array_new_with_free_func((GDestroyNotify)sdag_token_free);
	self->buckets = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	return self;
}

void
sdag_auth_free(SdagAuth *self)
{
	if (self == NULL)
		return;
	g_ptr_array_unref(self->tokens);
	g_hash_table_unref(self->buckets);
	g_free(self);
}

/* Copies @tokens: a reload replaces them; a token kept keeps its rate bucket. */
void
sdag_auth_set_tokens(SdagAuth *self, GPtrArray *tokens)
{
	g_ptr_array_set_size(self->tokens, 0);
	for (guint i = 0; i < tokens->len; i++)
		g_ptr_array_add(self->tokens, sdag_token_copy(g_ptr_array_index(tokens, i)));
}

/* @rate: requests a second per token, 0 for no limit; @burst: above it */
void
sdag_auth_set_rate(SdagAuth *self, guint rate, guint burst)
{
	self->rate = rate;
	self->burst = MAX(burst, 1);
	g_hash_table_remove_all(self->buckets);
}

static gboolean
sdag_auth_is_enabled(SdagAuth *self)
{
	return self->tokens->len > 0;
}

/* Wipes a copy of a secret before it is freed. */
static void
sdag_auth_secret_free(char *secret)
{
	if (secret == NULL)
		return;
	memset(secret, 0, strlen(secret));
	g_free(secret);
}
typedef char SdagSecret;
G_DEFINE_AUTOPTR_CLEANUP_FUNC(SdagSecret, sdag_auth_secret_free)

/*
 * The secret the request presents: NULL with *malformed FALSE when there is none, NULL with
 * *malformed TRUE for credentials that are not a bearer token.
 */
static char *
sdag_auth_presented(SoupServerMessage *msg, gboolean websocket, gboolean *malformed)
{
	SoupMessageHeaders *hdrs = soup_server_message_get_request_headers(msg);
	const char *authz = soup_message_headers_get_one(hdrs, "Authorization");

	*malformed = FALSE;
	if (authz != NULL) {
		const char *secret;

		if (g_ascii_strncasecmp(authz, "Bearer ", strlen("Bearer ")) != 0) {
			*malformed = TRUE;
			return NULL;
		}
		secret = authz + strlen("Bearer ");
		secret += strspn(secret, " ");
		return g_strdup(secret);
	}
	if (websocket) {
		const char *list = soup_message_headers_get_list(hdrs, "Sec-WebSocket-Protocol");
		g_auto(GStrv) items = list != NULL ? g_strsplit(list, ",", -1) : NULL;

		for (guint i = 0; items != NULL && items[i] != NULL; i++) {
			const char *item = g_strstrip(items[i]);
			if (g_str_has_prefix(item, SDAG_AUTH_BEARER_PROTOCOL)) {
				char *secret = g_strdup(item + strlen(SDAG_AUTH_BEARER_PROTOCOL));
				for (guint j = 0; items[j] != NULL; j++)
					memset(items[j], 0, strlen(items[j]));
				return secret;
			}
		}
		for (guint j = 0; items != NULL && items[j] != NULL; j++)
			memset(items[j], 0, strlen(items[j]));
	}
	return NULL;
}

static void
sdag_auth_refused(SdagAuth *self, SdagAuthResult *result, SdagAuthOutcome outcome)
{
	const char *labels[] = {"reason", sdag_auth_reasons[outcome], NULL};

	result->outcome = outcome;
	sdag_prom_add(self->prom, "streamdag_http_auth_refused_total", labels, 1);
}

/**
 * sdag_auth_check:
 * @needed: the route's scope; SDAG_SCOPE_NONE for a public route
 * @needs_token: a route that needs a valid token whatever its scope (an unknown path)
 * @websocket: the route upgrades to a WebSocket: the token may come as a subprotocol
 * @result: (out caller-allocates): cleared with sdag_auth_result_clear()
 *
 * Decides whether @msg may go on. Presented credentials that match no token are refused
 * even on a public route: a client with a wrong secret learns so at once.
 */
void
sdag_auth_check(SdagAuth *self,
		SoupServerMessage *msg,
		SdagScope needed,
		gboolean needs_token,
		gboolean websocket,
		SdagAuthResult *result)
{
	gboolean malformed = FALSE;
	g_autoptr(SdagSecret) secret = NULL;
	const SdagToken *token;

	memset(result, 0, sizeof(*result));
	if (!sdag_auth_is_enabled(self)) {
		result->actor = g_strdup(SDAG_HISTORY_ANONYMOUS);
		result->scopes = SDAG_SCOPE_ALL;
		return;
	}
	secret = sdag_auth_presented(msg, websocket, &malformed);
	if (secret == NULL && !malformed) {
		result->actor = g_strdup(SDAG_HISTORY_ANONYMOUS);
		if (needed != SDAG_SCOPE_NONE || needs_token)
			sdag_auth_refused(self, result, SDAG_AUTH_MISSING);
		return;
	}
	token = secret != NULL ? sdag_token_find(self->tokens, secret, strlen(secret)) : NULL;
	if (token == NULL) {
		result->actor = g_strdup(SDAG_HISTORY_INVALID_TOKEN);
		sdag_auth_refused(self, result, SDAG_AUTH_INVALID);
		return;
	}
	result->actor = g_strdup(token->name);
	result->scopes = token->scopes;
	result->authenticated = TRUE;
	if (!sdag_scopes_allow(token->scopes, needed)) {
		sdag_auth_refused(self, result, SDAG_AUTH_SCOPE);
		return;
	}
	if (self->rate > 0) {
		SdagAuthBucket *b = g_hash_table_lookup(self->buckets, token->name);

		if (b == NULL) {
			b = g_new0(SdagAuthBucket, 1);
			g_hash_table_insert(self->buckets, g_strdup(token->name), b);
		}
		if (!sdag_auth_bucket_take(b, self->rate, self->burst, g_get_monotonic_time())) {
			/* whole seconds until the bucket holds one request again */
			result->retry_after_s =
			    (guint)MAX(1.0, (1.0 - b->level) / self->rate + 0.999);
			sdag_auth_refused(self, result, SDAG_AUTH_RATE);
		}
	}
}

void
sdag_auth_result_clear(SdagAuthResult *result)
{
	g_clear_pointer(&result->actor, g_free);
}

/* Whether a refused request may leave its audit row; counted when it may not. */
gboolean
sdag_auth_take_audit_slot(SdagAuth *self)
{
	if (sdag_auth_bucket_take(
		&self->audit, SDAG_AUTH_AUDIT_RATE, SDAG_AUTH_AUDIT_BURST, g_get_monotonic_time()))
		return TRUE;
	sdag_prom_add(self->prom, "streamdag_audit_refusals_dropped_total", NULL, 1);
	return FALSE;
}
