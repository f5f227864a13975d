/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * API tokens: secrets, their digests, scopes and the [auth] line format.
 */
#include <string.h>

#include "sdag-error.h"
#include "sdag-token.h"

static GPtrArray *
token_set(const char *const *names, const char *const *secrets, SdagScope scopes)
{
	GPtrArray *tokens = g_ptr_array_new_with_free_func((GDestroyNotify)sdag_token_free);

	for (guint i = 0; names[i] != NULL; i++) {
		g_autoptr(GError) error = NULL;
		g_autofree char *value = sdag_token_format_value(secrets[i], scopes);
		SdagToken *t = sdag_token_parse(names[i], value, &error);

		g_assert_no_error(error);
		g_ptr_array_add(tokens, t);
	}
	return tokens;
}

/* A fresh secret: the prefix, 43 base64url characters, never the same twice. */
static void
token_secret_shape(void)
{
	g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);

	for (guint i = 0; i < 1000; i++) {
		char *s = sdag_token_secret_new();
		const char *body = s + strlen(SDAG_TOKEN_SECRET_PREFIX);

		g_assert_true(g_str_has_prefix(s, SDAG_TOKEN_SECRET_PREFIX));
		g_assert_cmpuint(strlen(body), ==, 43);
		g_assert_cmpuint(strspn(body,
					"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
					"0123456789-_"),
				 ==,
				 43);
		g_assert_false(g_hash_table_contains(seen, s));
		g_hash_table_add(seen, s);
	}
}

/* The line `token new` prints parses back to the same digest and scopes. */
static void
token_format_roundtrip(void)
{
	g_autofree char *secret = sdag_token_secret_new();
	g_autofree char *value =
	    sdag_token_format_value(secret, SDAG_SCOPE_READ | SDAG_SCOPE_JOBS_WRITE);
	g_autoptr(GError) error = NULL;
	g_autoptr(SdagToken) t = sdag_token_parse("ha", value, &error);
	guint8 digest[SDAG_TOKEN_DIGEST_LEN];

	g_assert_no_error(error);
	g_assert_true(g_str_has_prefix(value, "sha256:"));
	g_assert_true(g_str_has_suffix(value, " read,jobs:write"));
	/* the secret itself is not in the line */
	g_assert_null(strstr(value, secret + strlen(SDAG_TOKEN_SECRET_PREFIX)));
	g_assert_cmpstr(t->name, ==, "ha");
	g_assert_cmpint(t->scopes, ==, SDAG_SCOPE_READ | SDAG_SCOPE_JOBS_WRITE);
	sdag_token_digest(secret, strlen(secret), digest);
	g_assert_cmpmem(t->digest, sizeof(t->digest), digest, sizeof(digest));
}

/* The digest of the empty string, as sha256sum gives it: the digest is SHA-256. */
static void
token_digest_known(void)
{
	g_autofree char *value = sdag_token_format_value("", SDAG_SCOPE_ADMIN);

	g_assert_cmpstr(
	    value,
	    ==,
	    "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 admin");
}

static const struct {
	const char *name;
	const char *value;
	const char *needle; /* in the message */
} bad_lines[] = {
    {"UPPER",
     "sha256:"
     "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 read",
     "token name"},
    {"",
     "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 read",
     "token name"},
    {"a.b",
     "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 read",
     "token name"},
    {"plain", "sdag_secretinclear read", "sha256:"},
    {"short", "sha256:e3b0c442 read", "sha256:"},
    {"upperhex",
     "sha256:E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855 read",
     "sha256:"},
    {"md5", "md5:d41d8cd98f00b204e9800998ecf8427e read", "sha256:"},
    {"noscope",
     "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
     "no scopes"},
    {"badscope",
     "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 write",
     "unknown scope 'write'"},
    {"emptyscope",
     "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 read,",
     "unknown scope ''"},
};

static void
token_bad_line(gconstpointer data)
{
	guint i = GPOINTER_TO_UINT(data);
	g_autoptr(GError) error = NULL;
	g_autoptr(SdagToken) t = sdag_token_parse(bad_lines[i].name, bad_lines[i].value, &error);

	g_assert_null(t);
	g_assert_error(error, SDAG_ERROR, SDAG_ERROR_CONFIG);
	g_assert_nonnull(strstr(error->message, bad_lines[i].needle));
}

static void
token_name_longest(void)
{
	g_autoptr(GError) error = NULL;
	char name[SDAG_TOKEN_NAME_MAX + 2];

	memset(name, 'a', sizeof(name));
	name[SDAG_TOKEN_NAME_MAX] = '\0';
	g_assert_true(sdag_token_check_name(name, &error));
	name[SDAG_TOKEN_NAME_MAX] = 'a';
	name[SDAG_TOKEN_NAME_MAX + 1] = '\0';
	g_assert_false(sdag_token_check_name(name, &error));
	g_assert_error(error, SDAG_ERROR, SDAG_ERROR_CONFIG);
}

/* Each token is found by its own secret only; near misses find none. */
static void
token_find(void)
{
	const char *names[] = {"a", "b", "c", NULL};
	const char *secrets[] = {"sdag_one", "sdag_two", "sdag_three", NULL};
	g_autoptr(GPtrArray) tokens = token_set(names, secrets, SDAG_SCOPE_READ);
	const char *misses[] = {"", "sdag_", "sdag_on", "sdag_one ", "sdag_onE", "sdag_threee"};

	for (guint i = 0; names[i] != NULL; i++) {
		const SdagToken *t = sdag_token_find(tokens, secrets[i], strlen(secrets[i]));
		g_assert_nonnull(t);
		g_assert_cmpstr(t->name, ==, names[i]);
	}
	for (guint i = 0; i < G_N_ELEMENTS(misses); i++)
		g_assert_null(sdag_token_find(tokens, misses[i], strlen(misses[i])));
	/* an embedded NUL is part of what was presented, not its end */
	g_assert_null(sdag_token_find(tokens, "sdag_one\0x", 10));
}

/*
 * A wrong secret of the right length and one of a wrong length take the same path: both
 * are hashed to a digest of SDAG_TOKEN_DIGEST_LEN bytes, which is compared with every
 * digest configured over all of its bytes. The comparison itself looks at every byte: a
 * difference in the first byte and one in the last give the same answer by the same loop.
 */
static void
token_compare_same_path(void)
{
	guint8 a[SDAG_TOKEN_DIGEST_LEN];
	guint8 b[SDAG_TOKEN_DIGEST_LEN];
	guint8 first[SDAG_TOKEN_DIGEST_LEN];
	guint8 last[SDAG_TOKEN_DIGEST_LEN];
	guint8 right_len[SDAG_TOKEN_DIGEST_LEN];
	guint8 wrong_len[SDAG_TOKEN_DIGEST_LEN];
	g_autofree char *secret = sdag_token_secret_new();
	g_autofree char *same_len = g_strdup(secret);

	sdag_token_digest("x", 1, a);
	memcpy(b, a, sizeof(a));
	g_assert_true(sdag_token_digest_equal(a, b));
	memcpy(first, a, sizeof(a));
	first[0] ^= 1;
	memcpy(last, a, sizeof(a));
	last[SDAG_TOKEN_DIGEST_LEN - 1] ^= 0x80;
	g_assert_false(sdag_token_digest_equal(a, first));
	g_assert_false(sdag_token_digest_equal(a, last));

	/* what a request presents becomes a digest of one size, whatever its length */
	same_len[strlen(same_len) - 1] ^= 1;
	sdag_token_digest(same_len, strlen(same_len), right_len);
	sdag_token_digest("sdag_x", 6, wrong_len);
	sdag_token_digest(secret, strlen(secret), a);
	g_assert_false(sdag_token_digest_equal(a, right_len));
	g_assert_false(sdag_token_digest_equal(a, wrong_len));
}

static void
token_scopes(void)
{
	g_autoptr(GError) error = NULL;
	SdagScope s = SDAG_SCOPE_NONE;
	g_autofree char *all = sdag_scopes_to_string(SDAG_SCOPE_ALL);

	g_assert_cmpstr(all, ==, "read,jobs:write,pipelines:write,cameras:write,admin");
	g_assert_true(sdag_scopes_parse(" admin , read", &s, &error));
	g_assert_cmpint(s, ==, SDAG_SCOPE_ADMIN | SDAG_SCOPE_READ);
	g_assert_false(sdag_scopes_parse("", &s, &error));
	g_assert_error(error, SDAG_ERROR, SDAG_ERROR_CONFIG);
	/* admin allows everything; the others only themselves */
	g_assert_true(sdag_scopes_allow(SDAG_SCOPE_ADMIN, SDAG_SCOPE_CAMERAS_WRITE));
	g_assert_true(sdag_scopes_allow(SDAG_SCOPE_READ, SDAG_SCOPE_NONE));
	g_assert_false(sdag_scopes_allow(SDAG_SCOPE_JOBS_WRITE, SDAG_SCOPE_READ));
	g_assert_false(sdag_scopes_allow(SDAG_SCOPE_READ, SDAG_SCOPE_JOBS_WRITE));
	g_assert_false(sdag_scopes_allow(SDAG_SCOPE_NONE, SDAG_SCOPE_READ));
	g_assert_true(
	    sdag_scopes_allow(SDAG_SCOPE_READ | SDAG_SCOPE_PIPELINES_WRITE, SDAG_SCOPE_READ));
	g_assert_cmpstr(sdag_scope_to_string(SDAG_SCOPE_CAMERAS_WRITE), ==, "cameras:write");
	g_assert_null(sdag_scope_to_string(SDAG_SCOPE_READ | SDAG_SCOPE_ADMIN));
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/token/secret-shape", token_secret_shape);
	g_test_add_func("/token/format-roundtrip", token_format_roundtrip);
	g_test_add_func("/token/digest-known", token_digest_known);
	for (guint i = 0; i < G_N_ELEMENTS(bad_lines); i++) {
		g_autofree char *path = g_strdup_printf("/token/bad-line/%u", i);
		g_test_add_data_func(path, GUINT_TO_POINTER(i), token_bad_line);
	}
	g_test_add_func("/token/name-longest", token_name_longest);
	g_test_add_func("/token/find", token_find);
	g_test_add_func("/token/compare-same-path", token_compare_same_path);
	g_test_add_func("/token/scopes", token_scopes);
	return g_test_run();
}
