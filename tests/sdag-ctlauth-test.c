/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * streamdagctl with API tokens and HTTPS, against one real streamdagd listening on
 * 127.0.0.2 with a certificate of an openssl-made CA: `token new`, the token from
 * --token, $STREAMDAG_TOKEN and --token-file, --cacert, the hints on 401 and 403, and no
 * secret in anything the CLI prints.
 */
#include <glib/gstdio.h>
#include <string.h>

#include "sdag-test-util.h"
#include "sdag-token.h"

typedef struct {
	int status;
	char *out;
	char *err;
} Run;

static void
run_clear(Run *r)
{
	g_clear_pointer(&r->out, g_free);
	g_clear_pointer(&r->err, g_free);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(Run, run_clear)

static struct {
	SdagTestPki *pki;
	SdagTestSvc *svc;
	char *reader; /* secrets, made by `streamdagctl token new` */
	char *admin;
	char *url; /* --url=https://127.0.0.2:PORT */
	char *cacert;
} shared;

/* Runs streamdagctl with @args; @env: NAME=VALUE pairs added to its environment. */
static void
ctl(Run *r, const char *const *env, const char *const *args)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GStrvBuilder) b = g_strv_builder_new();
	g_auto(GStrv) argv = NULL;
	g_autoptr(GSubprocessLauncher) l = g_subprocess_launcher_new(
	    G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
	g_autoptr(GSubprocess) p = NULL;

	run_clear(r);
	g_subprocess_launcher_unsetenv(l, "STREAMDAG_TOKEN");
	g_subprocess_launcher_unsetenv(l, "STREAMDAG_TOKEN_FILE");
	g_subprocess_launcher_unsetenv(l, "STREAMDAG_URL");
	for (guint i = 0; env != NULL && env[i] != NULL; i++) {
		g_auto(GStrv) kv = g_strsplit(env[i], "=", 2);
		g_subprocess_launcher_setenv(l, kv[0], kv[1], TRUE);
	}
	g_strv_builder_add(b, g_getenv("SDAG_TEST_STREAMDAGCTL"));
	g_strv_builder_addv(b, (const char **)args);
	argv = g_strv_builder_end(b);
	p = g_subprocess_launcher_spawnv(l, (const char *const *)argv, &error);
	g_assert_no_error(error);
	g_assert_true(g_subprocess_communicate_utf8(p, NULL, NULL, &r->out, &r->err, &error));
	g_assert_no_error(error);
	r->status = g_subprocess_get_exit_status(p);
	/* whatever the command, no secret of the daemon's in what it printed */
	for (guint i = 0; i < 2; i++) {
		const char *s = i == 0 ? shared.reader : shared.admin;
		if (s == NULL)
			continue;
		g_assert_null(strstr(r->out, s + strlen(SDAG_TOKEN_SECRET_PREFIX)));
		g_assert_null(strstr(r->err, s + strlen(SDAG_TOKEN_SECRET_PREFIX)));
	}
}

#define CTL(r, env, ...) ctl(r, env, (const char *const[]){__VA_ARGS__, NULL})

static void
assert_contains(const char *haystack, const char *needle)
{
	if (strstr(haystack, needle) == NULL)
		g_error("'%s' lacks '%s'", haystack, needle);
}

/* `token new`: its secret and its [auth] line, from the text output. */
static void
token_new(const char *name, const char *scope, char **secret, char **line)
{
	g_auto(Run) r = {0};
	g_auto(GStrv) lines = NULL;

	CTL(&r, NULL, "token", "new", name, "--scope", scope);
	g_assert_cmpint(r.status, ==, 0);
	lines = g_strsplit(r.out, "\n", -1);
	g_assert_cmpuint(g_strv_length(lines), >=, 5);
	g_assert_true(g_str_has_prefix(lines[0], "secret (shown once"));
	g_assert_cmpstr(lines[3], ==, "[auth]");
	*secret = g_strdup(lines[1]);
	*line = g_strdup(lines[4]);
}

static void
shared_start(void)
{
	g_autofree char *reader_line = NULL;
	g_autofree char *admin_line = NULL;
	g_autofree char *conf = NULL;

	shared.pki = sdag_test_pki_new();
	token_new("reader", "read", &shared.reader, &reader_line);
	token_new("ops", "admin", &shared.admin, &admin_line);
	conf = g_strdup_printf("[auth]\n%s\n%s\n[rest]\ntls_certificate=%s\ntls_key=%s\n",
			       reader_line,
			       admin_line,
			       shared.pki->cert,
			       shared.pki->key);
	shared.svc = sdag_test_svc_start(conf, "127.0.0.2:0", NULL);
	shared.url = g_strdup_printf("--url=%s", shared.svc->base);
	shared.cacert = g_strdup_printf("--cacert=%s", shared.pki->ca);
}

/* The printed line parses as the daemon parses it, and names the printed secret. */
static void
ctlauth_token_line(void)
{
	g_autofree char *secret = NULL;
	g_autofree char *line = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(SdagToken) t = NULL;
	const char *eq;
	guint8 digest[SDAG_TOKEN_DIGEST_LEN];

	token_new("ha-1", "read,jobs:write", &secret, &line);
	g_assert_true(g_str_has_prefix(line, "ha-1 = sha256:"));
	eq = strstr(line, " = ");
	t = sdag_token_parse("ha-1", eq + 3, &error);
	g_assert_no_error(error);
	g_assert_cmpint(t->scopes, ==, SDAG_SCOPE_READ | SDAG_SCOPE_JOBS_WRITE);
	sdag_token_digest(secret, strlen(secret), digest);
	g_assert_cmpmem(t->digest, sizeof(digest), digest, sizeof(digest));
}

/* Two runs, two secrets. */
static void
ctlauth_token_fresh(void)
{
	g_autofree char *s1 = NULL;
	g_autofree char *s2 = NULL;
	g_autofree char *l1 = NULL;
	g_autofree char *l2 = NULL;

	token_new("a", "read", &s1, &l1);
	token_new("a", "read", &s2, &l2);
	g_assert_cmpstr(s1, !=, s2);
	g_assert_cmpstr(l1, !=, l2);
}

static void
ctlauth_token_json(void)
{
	g_auto(Run) r = {0};
	g_autoptr(JsonParser) p = json_parser_new();
	g_autoptr(GError) error = NULL;
	JsonObject *o;
	g_autofree char *value = NULL;

	CTL(&r, NULL, "--json", "token", "new", "ci", "--scope", "jobs:write", "--scope", "read");
	g_assert_cmpint(r.status, ==, 0);
	g_assert_true(json_parser_load_from_data(p, r.out, -1, &error));
	o = json_node_get_object(json_parser_get_root(p));
	g_assert_cmpstr(json_object_get_string_member(o, "name"), ==, "ci");
	g_assert_cmpuint(json_array_get_length(json_object_get_array_member(o, "scopes")), ==, 2);
	value = sdag_token_format_value(json_object_get_string_member(o, "secret"),
					SDAG_SCOPE_READ | SDAG_SCOPE_JOBS_WRITE);
	g_assert_true(g_str_has_suffix(json_object_get_string_member(o, "config_line"), value));
}

static const struct {
	const char *name;
	const char *args[6];
	const char *message;
} token_bad[] = {
    {"upper-name", {"token", "new", "Ops", "--scope", "read"}, "token name 'Ops'"},
    {"long-name",
     {"token",
      "new",
      "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
      "--scope",
      "read"},
     "must be 1 to 64"},
    {"no-scope", {"token", "new", "ops"}, "token new needs --scope"},
    {"bad-scope", {"token", "new", "ops", "--scope", "write"}, "unknown scope 'write'"},
    {"no-name", {"token", "new"}, "token new NAME --scope"},
    {"unknown-verb", {"token", "list"}, "token new NAME --scope"},
};

static void
ctlauth_token_bad(gconstpointer data)
{
	guint i = GPOINTER_TO_UINT(data);
	g_auto(Run) r = {0};

	ctl(&r, NULL, token_bad[i].args);
	g_assert_cmpint(r.status, ==, 2);
	g_assert_cmpstr(r.out, ==, "");
	assert_contains(r.err, token_bad[i].message);
}

/* Each way of giving the token is heard; the order is --token, $STREAMDAG_TOKEN, file. */
static void
ctlauth_token_sources(void)
{
	g_autofree char *file = g_build_filename(shared.svc->dir, "reader.token", NULL);
	g_autofree char *file_opt = g_strdup_printf("--token-file=%s", file);
	g_autofree char *env_token = g_strdup_printf("STREAMDAG_TOKEN=%s", shared.reader);
	g_autofree char *env_file = g_strdup_printf("STREAMDAG_TOKEN_FILE=%s", file);
	g_autofree char *bad_env = g_strdup("STREAMDAG_TOKEN=sdag_nope");
	g_autofree char *with_nl = g_strdup_printf("%s\n", shared.reader);
	const char *e_token[] = {env_token, NULL};
	const char *e_file[] = {env_file, NULL};
	const char *e_bad[] = {bad_env, NULL};
	g_auto(Run) r = {0};

	g_assert_true(g_file_set_contents(file, with_nl, -1, NULL));
	g_chmod(file, 0600);
	CTL(&r, NULL, shared.url, shared.cacert, "--token", shared.reader, "jobs", "list");
	g_assert_cmpint(r.status, ==, 0);
	CTL(&r, e_token, shared.url, shared.cacert, "jobs", "list");
	g_assert_cmpint(r.status, ==, 0);
	CTL(&r, NULL, shared.url, shared.cacert, file_opt, "jobs", "list");
	g_assert_cmpint(r.status, ==, 0);
	g_assert_cmpstr(r.err, ==, "");
	CTL(&r, e_file, shared.url, shared.cacert, "jobs", "list");
	g_assert_cmpint(r.status, ==, 0);
	/* the option beats the environment */
	CTL(&r, e_bad, shared.url, shared.cacert, "--token", shared.reader, "jobs", "list");
	g_assert_cmpint(r.status, ==, 0);
}

/* No token: 401 and the hint of how to give one; a wrong one: the hint that it is unknown. */
static void
ctlauth_missing_and_wrong(void)
{
	g_auto(Run) r = {0};

	CTL(&r, NULL, shared.url, shared.cacert, "jobs", "list");
	g_assert_cmpint(r.status, ==, 1);
	assert_contains(r.err, "HTTP 401 unauthorized");
	assert_contains(r.err,
			"the daemon wants an API token: --token-file FILE, $STREAMDAG_TOKEN");
	CTL(&r, NULL, shared.url, shared.cacert, "--token", "sdag_wrong", "jobs", "list");
	g_assert_cmpint(r.status, ==, 1);
	assert_contains(r.err, "the daemon knows no such token");
	g_assert_null(strstr(r.err, "sdag_wrong"));
}

/* A read token adding a pipeline: 403, and the scope it lacks. */
static void
ctlauth_scope(void)
{
	g_autofree char *pipe = g_build_filename(
	    g_getenv("SDAG_TEST_SOURCE_ROOT"), "data", "pipelines", "passthrough_v1.json", NULL);
	g_auto(Run) r = {0};

	CTL(&r,
	    NULL,
	    shared.url,
	    shared.cacert,
	    "--token",
	    shared.reader,
	    "pipelines",
	    "add",
	    pipe);
	g_assert_cmpint(r.status, ==, 1);
	assert_contains(r.err, "HTTP 403 insufficient_scope");
	assert_contains(r.err, "lacks the scope pipelines:write");
	CTL(&r, NULL, shared.url, shared.cacert, "--token", shared.admin, "pipelines", "add", pipe);
	g_assert_cmpint(r.status, ==, 0);
}

typedef enum { AS_NOBODY, AS_READER, AS_ADMIN } As;

typedef struct {
	const char *name;
	As as;
	const char *args[5];
	int status;
	const char *out; /* standard output holds it; NULL: empty */
	const char *err; /* standard error holds it; NULL: empty */
} ScopeCase;

/* The newer commands over HTTPS with a token: each sends it, the WebSocket ones too */
static const ScopeCase scope_cases[] = {
    {"history-reader",
     AS_READER,
     {"history"},
     1,
     NULL,
     "GET /history: HTTP 403 insufficient_scope: "},
    {"history-admin", AS_ADMIN, {"history", "--limit", "1"}, 0, "SEQ ", NULL},
    {"metrics-reader", AS_READER, {"metrics"}, 0, "# TYPE streamdag_jobs gauge", NULL},
    {"node-types-nobody", AS_NOBODY, {"node-types"}, 1, NULL, "the daemon wants an API token"},
    {"node-types-reader", AS_READER, {"node-types"}, 0, "passthrough ", NULL},
    {"tail-nobody",
     AS_NOBODY,
     {"jobs", "tail", "nope"},
     1,
     NULL,
     "GET /jobs/nope/events: HTTP 401 unauthorized: "},
    {"tail-reader",
     AS_READER,
     {"jobs", "tail", "nope"},
     1,
     NULL,
     "GET /jobs/nope/events: HTTP 404 job_not_found: "},
    {"watch-reader",
     AS_READER,
     {"jobs", "watch", "nope"},
     1,
     NULL,
     "GET /jobs/nope: HTTP 404 job_not_found: "},
    {"frames-reader",
     AS_READER,
     {"jobs", "frames", "nope"},
     1,
     NULL,
     "GET /jobs/nope/frames: HTTP 404 job_not_found: "},
};

static void
ctlauth_scope_case(gconstpointer data)
{
	const ScopeCase *tc = data;
	g_autoptr(GStrvBuilder) b = g_strv_builder_new();
	g_auto(GStrv) args = NULL;
	g_auto(Run) r = {0};

	g_strv_builder_add_many(b, shared.url, shared.cacert, NULL);
	if (tc->as != AS_NOBODY)
		g_strv_builder_add_many(
		    b, "--token", tc->as == AS_READER ? shared.reader : shared.admin, NULL);
	g_strv_builder_addv(b, (const char **)tc->args);
	args = g_strv_builder_end(b);
	ctl(&r, NULL, (const char *const *)args);
	if (r.status != tc->status)
		g_error("exit %d, not %d; stdout '%s', stderr '%s'",
			r.status,
			tc->status,
			r.out,
			r.err);
	if (tc->out != NULL)
		assert_contains(r.out, tc->out);
	else
		g_assert_cmpstr(r.out, ==, "");
	if (tc->err != NULL)
		assert_contains(r.err, tc->err);
	else
		g_assert_cmpstr(r.err, ==, "");
}

/* Without --cacert the daemon's certificate is not trusted: exit 2 and the hint. */
static void
ctlauth_cacert(void)
{
	g_auto(Run) r = {0};
	g_autofree char *bogus = g_strdup_printf("--cacert=%s", shared.pki->key);

	CTL(&r, NULL, shared.url, "--token", shared.reader, "jobs", "list");
	g_assert_cmpint(r.status, ==, 2);
	assert_contains(r.err, "--cacert FILE");
	CTL(&r, NULL, shared.url, "--cacert=/nonexistent/ca.pem", "jobs", "list");
	g_assert_cmpint(r.status, ==, 2);
	assert_contains(r.err, "--cacert:");
	CTL(&r, NULL, shared.url, bogus, "jobs", "list");
	g_assert_cmpint(r.status, ==, 2);
	assert_contains(r.err, "--cacert:");
	/* a path relative to where the operator stands */
	{
		g_autofree char *here = g_get_current_dir();

		g_assert_cmpint(g_chdir(shared.pki->dir), ==, 0);
		CTL(&r,
		    NULL,
		    shared.url,
		    "--cacert=ca.pem",
		    "--token",
		    shared.reader,
		    "jobs",
		    "list");
		g_assert_cmpint(g_chdir(here), ==, 0);
		g_assert_cmpint(r.status, ==, 0);
		g_assert_cmpstr(r.err, ==, "");
	}
}

/* A token file that is not one token on one line is refused, its content never quoted; one
 * every user can read is used with a warning. */
static void
ctlauth_token_file_bad(void)
{
	g_autofree char *file = g_build_filename(shared.svc->dir, "bad.token", NULL);
	g_autofree char *opt = g_strdup_printf("--token-file=%s", file);
	g_autofree char *two = g_strdup_printf("%s\nsecond-line-XYZ\n", shared.reader);
	g_auto(Run) r = {0};

	g_assert_true(g_file_set_contents(file, two, -1, NULL));
	g_chmod(file, 0600);
	CTL(&r, NULL, shared.url, shared.cacert, opt, "jobs", "list");
	g_assert_cmpint(r.status, ==, 2);
	assert_contains(r.err, "does not hold one token on one line");
	g_assert_null(strstr(r.err, "second-line-XYZ"));
	g_assert_true(g_file_set_contents(file, "", -1, NULL));
	CTL(&r, NULL, shared.url, shared.cacert, opt, "jobs", "list");
	g_assert_cmpint(r.status, ==, 2);
	g_assert_true(g_file_set_contents(file, shared.reader, -1, NULL));
	g_chmod(file, 0644);
	CTL(&r, NULL, shared.url, shared.cacert, opt, "jobs", "list");
	g_assert_cmpint(r.status, ==, 0);
	assert_contains(r.err, "is readable by every user");
	CTL(&r, NULL, shared.url, shared.cacert, "--token-file=/nonexistent/token", "jobs", "list");
	g_assert_cmpint(r.status, ==, 2);
	assert_contains(r.err, "token file:");
}

int
main(int argc, char **argv)
{
	int rc;

	g_test_init(&argc, &argv, NULL);
	shared_start();
	g_test_add_func("/ctlauth/token-line", ctlauth_token_line);
	g_test_add_func("/ctlauth/token-fresh", ctlauth_token_fresh);
	g_test_add_func("/ctlauth/token-json", ctlauth_token_json);
	for (guint i = 0; i < G_N_ELEMENTS(token_bad); i++) {
		g_autofree char *path = g_strdup_printf("/ctlauth/token-bad/%s", token_bad[i].name);
		g_test_add_data_func(path, GUINT_TO_POINTER(i), ctlauth_token_bad);
	}
	g_test_add_func("/ctlauth/token-sources", ctlauth_token_sources);
	g_test_add_func("/ctlauth/missing-and-wrong", ctlauth_missing_and_wrong);
	g_test_add_func("/ctlauth/scope", ctlauth_scope);
	for (guint i = 0; i < G_N_ELEMENTS(scope_cases); i++) {
		g_autofree char *path = g_strdup_printf("/ctlauth/scope/%s", scope_cases[i].name);
		g_test_add_data_func(path, &scope_cases[i], ctlauth_scope_case);
	}
	g_test_add_func("/ctlauth/cacert", ctlauth_cacert);
	g_test_add_func("/ctlauth/token-file-bad", ctlauth_token_file_bad);
	rc = g_test_run();
	{
		g_autofree char *log = sdag_test_svc_log(shared.svc);
		g_assert_null(strstr(log, shared.reader + strlen(SDAG_TOKEN_SECRET_PREFIX)));
		g_assert_null(strstr(log, shared.admin + strlen(SDAG_TOKEN_SECRET_PREFIX)));
	}
	sdag_test_svc_free(shared.svc);
	sdag_test_pki_free(shared.pki);
	g_free(shared.reader);
	g_free(shared.admin);
	g_free(shared.url);
	g_free(shared.cacert);
	return rc;
}
