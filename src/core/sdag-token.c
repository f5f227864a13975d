/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "sdag-token"

#include "sdag-token.h"

#include <errno.h>
#include <string.h>
#include <sys/random.h>

#include "sdag-error.h"

/*
 * API tokens. A secret is 32 bytes from the kernel's random source, so it cannot be guessed
 * and needs no slow hash: the config holds its SHA-256, and every request hashes the
 * secret it presents once and compares that digest with each configured one in constant
 * time. A presented secret of any length becomes a digest of the same length, so a wrong
 * secret takes the same path whatever its length, and the comparison never stops at the
 * first differing byte or at the first token that matches.
 */

#define SDAG_TOKEN_RANDOM_BYTES 32
#define SDAG_TOKEN_DIGEST_PREFIX "sha256:"

/* in the order of the flags; NULL-terminated for g_strjoinv() */
static const char *const sdag_scope_names[] =
    {"read", "jobs:write", "pipelines:write", "cameras:write", "admin", NULL};
#define SDAG_SCOPE_COUNT (G_N_ELEMENTS(sdag_scope_names) - 1)

/* @one: a single scope; NULL for none or several */
const char *
sdag_scope_to_string(SdagScope one)
{
	for (guint i = 0; i < SDAG_SCOPE_COUNT; i++) {
		if (one == (SdagScope)(1u << i))
			return sdag_scope_names[i];
	}
	return NULL;
}

static gboolean
sdag_scope_from_string(const char *text, SdagScope *out)
{
	for (guint i = 0; i < SDAG_SCOPE_COUNT; i++) {
		if (g_strcmp0(text, sdag_scope_names[i]) == 0) {
			*out = (SdagScope)(1u << i);
			return TRUE;
		}
	}
	return FALSE;
}

/**
 * sdag_scopes_parse:
 * @text: scopes separated by commas, e.g. "read,jobs:write"
 *
 * Returns: FALSE with @error for an unknown or empty scope, or none at all
 */
gboolean
sdag_scopes_parse(const char *text, SdagScope *out, GError **error)
{
	g_auto(GStrv) parts = g_strsplit(text, ",", -1);
	SdagScope set = SDAG_SCOPE_NONE;

	for (guint i = 0; parts[i] != NULL; i++) {
		SdagScope one;

		g_strstrip(parts[i]);
		if (!sdag_scope_from_string(parts[i], &one)) {
			g_autofree char *known = g_strjoinv(", ", (char **)sdag_scope_names);
			g_set_error(error,
				    SDAG_ERROR,
				    SDAG_ERROR_CONFIG,
				    "unknown scope '%s' (known: %s)",
				    parts[i],
				    known);
			return FALSE;
		}
		set |= one;
	}
	if (set == SDAG_SCOPE_NONE) {
		g_set_error_literal(error, SDAG_ERROR, SDAG_ERROR_CONFIG, "no scope given");
		return FALSE;
	}
	*out = set;
	return TRUE;
}

/* The scopes of @set in their fixed order, comma-separated. */
char *
sdag_scopes_to_string(SdagScope set)
{
	g_autoptr(GString) s = g_string_new(NULL);

	for (guint i = 0; i < SDAG_SCOPE_COUNT; i++) {
		if ((set & (1u << i)) == 0)
			continue;
		if (s->len > 0)
			g_string_append_c(s, ',');
		g_string_append(s, sdag_scope_names[i]);
	}
	return g_string_free(g_steal_pointer(&s), FALSE);
}

/* Whether a token holding @held may call a route that needs @needed. */
gboolean
sdag_scopes_allow(SdagScope held, SdagScope needed)
{
	if (needed == SDAG_SCOPE_NONE)
		return TRUE;
	return (held & SDAG_SCOPE_ADMIN) != 0 || (held & needed) == needed;
}

/* A token's name is the actor of the audit trail and a config key: [a-z0-9_-]{1,64}. */
gboolean
sdag_token_check_name(const char *name, GError **error)
{
	gsize len = strlen(name);

	if (len == 0 || len > SDAG_TOKEN_NAME_MAX ||
	    strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789_-") != len) {
		g_set_error(error,
			    SDAG_ERROR,
			    SDAG_ERROR_CONFIG,
			    "token name '%s' must be 1 to %d of a-z, 0-9, '_' and '-'",
			    name,
			    SDAG_TOKEN_NAME_MAX);
		return FALSE;
	}
	return TRUE;
}

/**
 * sdag_token_secret_new:
 *
 * Returns: (transfer full): a fresh secret, "sdag_" and 43 characters of base64url, which
 *   fits an HTTP header and a WebSocket subprotocol as it is
 */
char *
sdag_token_secret_new(void)
{
	guint8 raw[SDAG_TOKEN_RANDOM_BYTES];
	g_autofree char *b64 = NULL;
	gsize got = 0;

	while (got < sizeof(raw)) {
		ssize_t n = getrandom(raw + got, sizeof(raw) - got, 0);
		if (n < 0 && errno == EINTR)
			continue;
		/* the kernel's random source does not fail once it is seeded, and getrandom()
		 * waits until it is: a secret from anything weaker is worse than no secret */
		if (n < 0)
			g_error("getrandom: %s", g_strerror(errno));
		got += (gsize)n;
	}
	b64 = g_base64_encode(raw, sizeof(raw));
	memset(raw, 0, sizeof(raw));
	g_strdelimit(b64, "+", '-');
	g_strdelimit(b64, "/", '_');
	*strchr(b64, '=') = '\0';
	return g_strconcat(SDAG_TOKEN_SECRET_PREFIX, b64, NULL);
}

void
sdag_token_digest(const char *secret, gsize len, guint8 out[SDAG_TOKEN_DIGEST_LEN])
{
	g_autoptr(GChecksum) sum = g_checksum_new(G_CHECKSUM_SHA256);
	gsize n = SDAG_TOKEN_DIGEST_LEN;

	g_checksum_update(sum, (const guchar *)secret, (gssize)len);
	g_checksum_get_digest(sum, out, &n);
	g_assert(n == SDAG_TOKEN_DIGEST_LEN);
}

/* Constant time: every byte is looked at whatever the earlier ones were. */
gboolean
sdag_token_digest_equal(const guint8 *a, const guint8 *b)
{
	volatile guint8 diff = 0;

	for (guint i = 0; i < SDAG_TOKEN_DIGEST_LEN; i++)
		diff |= a[i] ^ b[i];
	return diff == 0;
}

/**
 * sdag_token_parse:
 * @name: the key in [auth]
 * @value: "sha256:<64 hex digits> SCOPE[,SCOPE...]"
 *
 * Returns: (transfer full): the token, or NULL with @error (SDAG_ERROR_CONFIG)
 */
SdagToken *
sdag_token_parse(const char *name, const char *value, GError **error)
{
	g_autoptr(SdagToken) token = g_new0(SdagToken, 1);
	const char *space = strpbrk(value, " \t");
	g_autofree char *digest = NULL;
	gsize hexlen = 2 * SDAG_TOKEN_DIGEST_LEN;

	if (!sdag_token_check_name(name, error))
		return NULL;
	token->name = g_strdup(name);
	digest = space != NULL ? g_strndup(value, space - value) : g_strdup(value);
	if (!g_str_has_prefix(digest, SDAG_TOKEN_DIGEST_PREFIX) ||
	    strlen(digest) != strlen(SDAG_TOKEN_DIGEST_PREFIX) + hexlen ||
	    strspn(digest + strlen(SDAG_TOKEN_DIGEST_PREFIX), "0123456789abcdef") != hexlen) {
		g_set_error_literal(error,
				    SDAG_ERROR,
				    SDAG_ERROR_CONFIG,
				    "expected 'sha256:<64 lowercase hex digits> SCOPE[,SCOPE...]' "
				    "(streamdagctl token new NAME --scope SCOPE prints one)");
		return NULL;
	}
	for (guint i = 0; i < SDAG_TOKEN_DIGEST_LEN; i++) {
		const char *hex = digest + strlen(SDAG_TOKEN_DIGEST_PREFIX) + 2 * i;
		token->digest[i] =
		    (guint8)(g_ascii_xdigit_value(hex[0]) * 16 + g_ascii_xdigit_value(hex[1]));
	}
	if (space == NULL) {
		g_set_error_literal(
		    error, SDAG_ERROR, SDAG_ERROR_CONFIG, "no scopes after the digest");
		return NULL;
	}
	if (!sdag_scopes_parse(space + strspn(space, " \t"), &token->scopes, error))
		return NULL;
	return g_steal_pointer(&token);
}

/* The value of a token's line in [auth], for @secret with @scopes. */
char *
sdag_token_format_value(const char *secret, SdagScope scopes)
{
	guint8 digest[SDAG_TOKEN_DIGEST_LEN];
	g_autoptr(GString) s = g_string_new(SDAG_TOKEN_DIGEST_PREFIX);
	g_autofree char *list = sdag_scopes_to_string(scopes);

	sdag_token_digest(secret, strlen(secret), digest);
	for (guint i = 0; i < SDAG_TOKEN_DIGEST_LEN; i++)
		g_string_append_printf(s, "%02x", digest[i]);
	g_string_append_printf(s, " %s", list);
	return g_string_free(g_steal_pointer(&s), FALSE);
}

SdagToken *
sdag_token_copy(const SdagToken *token)
{
	SdagToken *copy = g_memdup2(token, sizeof(*token));

	copy->name = g_strdup(token->name);
	return copy;
}

void
sdag_token_free(SdagToken *token)
{
	if (token == NULL)
		return;
	g_free(token->name);
	g_free(token);
}

/**
 * sdag_token_find:
 * @tokens: (element-type SdagToken): the configured tokens
 * @secret: what the client presented, @len bytes, maybe not NUL-terminated
 *
 * Compares with every token, all the way, whatever matched before.
 *
 * Returns: (transfer none) (nullable): the token whose secret it is
 */
const SdagToken *
sdag_token_find(GPtrArray *tokens, const char *secret, gsize len)
{
	guint8 digest[SDAG_TOKEN_DIGEST_LEN];
	const SdagToken *found = NULL;

	sdag_token_digest(secret, len, digest);
	for (guint i = 0; i < tokens->len; i++) {
		const SdagToken *t = g_ptr_array_index(tokens, i);
		gboolean equal = sdag_token_digest_equal(digest, t->digest);

		/* names are unique: at most one can match */
		found = equal ? t : found;
	}
	memset(digest, 0, sizeof(digest));
	return found;
}
