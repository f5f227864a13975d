/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/**
 * SdagScope:
 *
 * What an API token may do, as a set of flags. Scopes do not imply one another, except
 * `admin`, which allows everything.
 */
typedef enum {
	SDAG_SCOPE_NONE = 0, /* a route any client may call, token or not */
	SDAG_SCOPE_READ = 1 << 0,
	SDAG_SCOPE_JOBS_WRITE = 1 << 1,
	SDAG_SCOPE_PIPELINES_WRITE = 1 << 2,
	SDAG_SCOPE_CAMERAS_WRITE = 1 << 3,
	SDAG_SCOPE_ADMIN = 1 << 4,
} SdagScope;

#define SDAG_SCOPE_ALL                                                          \
	(SDAG_SCOPE_READ | SDAG_SCOPE_JOBS_WRITE | SDAG_SCOPE_PIPELINES_WRITE | \
	 SDAG_SCOPE_CAMERAS_WRITE | SDAG_SCOPE_ADMIN)

/* SHA-256 */
#define SDAG_TOKEN_DIGEST_LEN 32
/* "sdag_" and 32 random bytes in unpadded base64url */
#define SDAG_TOKEN_SECRET_PREFIX "sdag_"
#define SDAG_TOKEN_NAME_MAX 64

/**
 * SdagToken:
 *
 * One token of [auth]: its name (the actor in the audit trail), the digest of its secret
 * and its scopes. The secret itself is never kept.
 */
typedef struct {
	char *name;
	guint8 digest[SDAG_TOKEN_DIGEST_LEN];
	SdagScope scopes;
} SdagToken;

const char *sdag_scope_to_string(SdagScope one);
gboolean sdag_scopes_parse(const char *text, SdagScope *out, GError **error);
char *sdag_scopes_to_string(SdagScope set);
gboolean sdag_scopes_allow(SdagScope held, SdagScope needed);

gboolean sdag_token_check_name(const char *name, GError **error);
char *sdag_token_secret_new(void);
void sdag_token_digest(const char *secret, gsize len, guint8 out[SDAG_TOKEN_DIGEST_LEN]);
gboolean sdag_token_digest_equal(const guint8 *a, const guint8 *b);
SdagToken *sdag_token_parse(const char *name, const char *value, GError **error);
char *sdag_token_format_value(const char *secret, SdagScope scopes);
SdagToken *sdag_token_copy(const SdagToken *token);
void sdag_token_free(SdagToken *token);
const SdagToken *sdag_token_find(GPtrArray *tokens, const char *secret, gsize len);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(SdagToken, sdag_token_free)

G_END_DECLS
