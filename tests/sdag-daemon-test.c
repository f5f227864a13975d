/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The installed programs as an operator runs them: streamdagd started as a
 * process, stopped by signal and started again on the same data; streamdagctl
 * against it.
 */
#include "sdag-test-util.h"

#include <gio/gio.h>
#include <libsoup/soup.h>
#include <signal.h>
#include <string.h>

typedef SdagTestDaemon Daemon;

static Daemon *
daemon_start(const char *data_dir, const char *const *extra)
{
	return sdag_test_daemon_start(data_dir, g_getenv("SDAG_TEST_PLUGIN_DIR"), extra);
}

#define daemon_stop sdag_test_daemon_stop

static guint
http_sync(const char *method, const char *base, const char *path, const char *body, char **reply)
{
	g_autoptr(SoupSession) session = soup_session_new();
	g_autofree char *uri = g_strconcat(base, path, NULL);
	g_autoptr(SoupMessage) msg = soup_message_new(method, uri);
	g_autoptr(GBytes) out = NULL;
	g_autoptr(GError) error = NULL;

	if (body != NULL) {
		g_autoptr(GBytes) b = g_bytes_new(body, strlen(body));
		soup_message_set_request_body_from_bytes(msg, "application/json", b);
	}
	out = soup_session_send_and_read(session, msg, NULL, &error);
	g_assert_no_error(error);
	if (reply != NULL)
		*reply = g_strndup(g_bytes_get_data(out, NULL), g_bytes_get_size(out));
	return soup_message_get_status(msg);
}

static char *
example_path(const char *name)
{
	return g_build_filename(g_getenv("SDAG_TEST_SOURCE_ROOT"), "data", "pipelines", name, NULL);
}

/* A pipeline registered before a restart reads back byte for byte after it. */
static void
daemon_restart_persists(void)
{
	g_autofree char *dir = sdag_test_mkdtemp();
	g_autofree char *path = example_path("passthrough_v1.json");
	g_autofree char *body = NULL;
	g_autofree char *before = NULL;
	g_autofree char *after = NULL;
	g_autofree char *again = NULL;
	Daemon *d;

	g_assert_true(g_file_get_contents(path, &body, NULL, NULL));
	d = daemon_start(dir, NULL);
	g_assert_cmpuint(http_sync("POST", d->base, "/pipelines", body, NULL), ==, 201);
	g_assert_cmpuint(
	    http_sync("GET", d->base, "/pipelines/passthrough_v1", NULL, &before), ==, 200);
	/* SIGHUP does not stop it */
	g_subprocess_send_signal(d->proc, SIGHUP);
	g_assert_cmpuint(http_sync("GET", d->base, "/healthz", NULL, NULL), ==, 200);
	daemon_stop(d, SIGTERM);

	/* --verbose logs go to stderr: stdout still starts with the port line */
	d = daemon_start(dir, (const char *const[]){"--verbose", NULL});
	g_assert_cmpuint(
	    http_sync("GET", d->base, "/pipelines/passthrough_v1", NULL, &after), ==, 200);
	g_assert_cmpstr(after, ==, before);
	/* and it is still the same pipeline, not a new one */
	g_assert_cmpuint(http_sync("POST", d->base, "/pipelines", body, &again), ==, 200);
	g_assert_nonnull(strstr(again, "\"created\":false"));
	daemon_stop(d, SIGINT);
	sdag_test_rmtree(dir);
}

typedef struct {
	int status;
	char *out;
	char *err;
} Run;

static void
run_clear(Run *r)
{
	g_free(r->out);
	g_free(r->err);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(Run, run_clear)

static void
run_argv(Run *r, const char *const *argv)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GSubprocess) p = g_subprocess_newv(
	    argv, G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE, &error);

	g_assert_no_error(error);
	g_assert_true(g_subprocess_communicate_utf8(p, NULL, NULL, &r->out, &r->err, &error));
	g_assert_no_error(error);
	g_assert_true(g_subprocess_get_if_exited(p));
	r->status = g_subprocess_get_exit_status(p);
}

static void
daemon_ctl(void)
{
	g_autofree char *dir = sdag_test_mkdtemp();
	g_autofree char *example = example_path("passthrough_v1.json");
	g_autofree char *cyclic = g_build_filename(dir, "cyclic.json", NULL);
	const char *ctl = g_getenv("SDAG_TEST_STREAMDAGCTL");
	Daemon *d = daemon_start(dir, NULL);
	g_autofree char *url = g_strdup_printf("--url=%s/", d->base);
	g_auto(Run) health = {0};
	g_auto(Run) types = {0};
	g_auto(Run) add = {0};
	g_auto(Run) dry = {0};
	g_auto(Run) bad = {0};
	g_auto(Run) list = {0};
	g_auto(Run) get = {0};
	g_auto(Run) del = {0};
	g_auto(Run) del2 = {0};
	g_auto(Run) unknown = {0};
	g_auto(Run) missing = {0};
	g_auto(Run) down = {0};

	g_assert_true(g_file_set_contents(
	    cyclic,
	    "{\"pipeline_id\":\"cyc\",\"nodes\":[{\"id\":\"a\",\"type\":\"passthrough\"},{\"id\":"
	    "\"b\",\"type\":\"passthrough\"}],\"edges\":[{\"from\":\"a.frame\",\"to\":\"b.frame\"},"
	    "{\"from\":\"b.frame\",\"to\":\"a.frame\"}]}",
	    -1,
	    NULL));

	run_argv(&health, (const char *const[]){ctl, url, "health", NULL});
	g_assert_cmpint(health.status, ==, 0);
	g_assert_nonnull(strstr(health.out, "\"status\": \"ok\""));

	run_argv(&types, (const char *const[]){ctl, url, "--json", "node-types", NULL});
	g_assert_cmpint(types.status, ==, 0);
	g_assert_nonnull(strstr(types.out, "\"name\":\"passthrough\""));

	run_argv(&dry,
		 (const char *const[]){ctl, url, "--dry-run", "pipelines", "add", example, NULL});
	g_assert_cmpint(dry.status, ==, 0);
	g_assert_nonnull(strstr(dry.out, "\"valid\": true"));

	run_argv(&add, (const char *const[]){ctl, url, "pipelines", "add", example, NULL});
	g_assert_cmpint(add.status, ==, 0);
	g_assert_nonnull(strstr(add.out, "\"created\": true"));

	run_argv(&bad, (const char *const[]){ctl, url, "pipelines", "add", cyclic, NULL});
	g_assert_cmpint(bad.status, ==, 1);
	g_assert_nonnull(strstr(bad.err, "HTTP 400"));
	g_assert_nonnull(strstr(bad.err, cyclic));
	g_assert_nonnull(strstr(bad.err, "\"code\": \"cycle\""));

	run_argv(&list, (const char *const[]){ctl, url, "--json", "pipelines", "list", NULL});
	g_assert_cmpint(list.status, ==, 0);
	g_assert_nonnull(strstr(list.out, "\"pipeline_id\":\"passthrough_v1\""));
	g_assert_null(strstr(list.out, "cyc"));

	run_argv(&get, (const char *const[]){ctl, url, "pipelines", "get", "passthrough_v1", NULL});
	g_assert_cmpint(get.status, ==, 0);
	g_assert_nonnull(strstr(get.out, "\"definition\""));

	run_argv(&del,
		 (const char *const[]){ctl, url, "pipelines", "delete", "passthrough_v1", NULL});
	g_assert_cmpint(del.status, ==, 0);
	run_argv(&del2,
		 (const char *const[]){ctl, url, "pipelines", "delete", "passthrough_v1", NULL});
	g_assert_cmpint(del2.status, ==, 1);
	g_assert_nonnull(strstr(del2.err, "not_found"));

	run_argv(&unknown, (const char *const[]){ctl, url, "reboot", NULL});
	g_assert_cmpint(unknown.status, ==, 2);
	/* a file that cannot be read does not stop the files after it */
	run_argv(&missing,
		 (const char *const[]){
		     ctl, url, "pipelines", "add", "/nonexistent.json", example, NULL});
	g_assert_cmpint(missing.status, ==, 2);
	g_assert_nonnull(strstr(missing.err, "/nonexistent.json"));
	g_assert_true(g_str_has_prefix(missing.out, example));
	g_assert_nonnull(strstr(missing.out, "\"created\": true"));

	daemon_stop(d, SIGTERM);
	/* nothing listens any more */
	run_argv(&down, (const char *const[]){ctl, url, "health", NULL});
	g_assert_cmpint(down.status, ==, 2);
	sdag_test_rmtree(dir);
}

typedef struct {
	const char *name;
	const char *conf; /* written to a file and passed with --config, when set */
	const char *arg;
	const char *arg2;
	int status;
	const char *err;
} StartCase;

static const StartCase start_cases[] = {
    {"unknown-key",
     "[daemon]\nlisten_addr=1\n",
     NULL,
     NULL,
     1,
     "[daemon] listen_addr: unknown key"},
    {"bad-value", "[rest]\nmax_body_bytes=huge\n", NULL, NULL, 1, "[rest] max_body_bytes:"},
    {"bad-listen", NULL, "--listen", "nowhere", 1, "--listen: expected ADDR:PORT"},
    {"missing-config", NULL, "--config", "/nonexistent.conf", 1, "/nonexistent.conf"},
    {"missing-plugin-dir", NULL, "--plugin-dir", "/nonexistent/nodes", 1, "plugin directory"},
    {"bad-option", NULL, "--frobnicate", NULL, 2, "Unknown option --frobnicate"},
    {"empty-data-dir", NULL, "--data-dir", "", 1, "--data-dir must not be empty"},
    {"extra-argument", NULL, "start", NULL, 2, "unexpected argument 'start'"},
    {"not-loopback",
     NULL,
     "--listen",
     "0.0.0.0:0",
     1,
     "0.0.0.0 can be reached from other machines, and no API token"},
};

static void
daemon_start_error(gconstpointer data)
{
	const StartCase *tc = data;
	g_autofree char *dir = sdag_test_mkdtemp();
	g_autofree char *conf = g_build_filename(dir, "bad.conf", NULL);
	g_autoptr(GStrvBuilder) b = g_strv_builder_new();
	g_auto(GStrv) argv = NULL;
	g_auto(Run) r = {0};

	g_strv_builder_add_many(b, g_getenv("SDAG_TEST_STREAMDAGD"), "--data-dir", dir, NULL);
	if (tc->conf != NULL) {
		g_assert_true(g_file_set_contents(conf, tc->conf, -1, NULL));
		g_strv_builder_add_many(b, "--config", conf, NULL);
	}
	if (tc->arg != NULL)
		g_strv_builder_add(b, tc->arg);
	if (tc->arg2 != NULL)
		g_strv_builder_add(b, tc->arg2);
	argv = g_strv_builder_end(b);
	run_argv(&r, (const char *const *)argv);
	g_assert_cmpint(r.status, ==, tc->status);
	if (strstr(r.err, tc->err) == NULL)
		g_error("stderr '%s' lacks '%s'", r.err, tc->err);
	sdag_test_rmtree(dir);
}

/* A data directory that cannot hold a database is a start-up error. */
static void
daemon_bad_data_dir(void)
{
	g_autofree char *dir = sdag_test_mkdtemp();
	g_autofree char *file = g_build_filename(dir, "file", NULL);
	g_autofree char *db = g_build_filename(file, "sub", NULL);
	g_auto(Run) r = {0};

	g_assert_true(g_file_set_contents(file, "x", -1, NULL));
	run_argv(&r,
		 (const char *const[]){g_getenv("SDAG_TEST_STREAMDAGD"),
				       "--data-dir",
				       db,
				       "--plugin-dir",
				       g_getenv("SDAG_TEST_PLUGIN_DIR"),
				       NULL});
	g_assert_cmpint(r.status, ==, 1);
	g_assert_nonnull(strstr(r.err, "streamdagd: "));
	sdag_test_rmtree(dir);
}

/* exactly the project's version, as streamdagctl --version prints it (sdag-ctl-test.c) */
static void
daemon_version(void)
{
	const char *version = g_getenv("SDAG_TEST_VERSION");
	g_autofree char *expected = NULL;
	g_auto(Run) r = {0};

	g_assert_nonnull(version);
	expected = g_strdup_printf("streamdagd %s\n", version);
	run_argv(&r, (const char *const[]){g_getenv("SDAG_TEST_STREAMDAGD"), "--version", NULL});
	g_assert_cmpint(r.status, ==, 0);
	g_assert_cmpstr(r.out, ==, expected);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/sdag/daemon/restart-persists", daemon_restart_persists);
	g_test_add_func("/sdag/daemon/ctl", daemon_ctl);
	g_test_add_func("/sdag/daemon/bad-data-dir", daemon_bad_data_dir);
	g_test_add_func("/sdag/daemon/version", daemon_version);
	for (guint i = 0; i < G_N_ELEMENTS(start_cases); i++) {
		g_autofree char *path =
		    g_strdup_printf("/sdag/daemon/start-error/%s", start_cases[i].name);
		g_test_add_data_func(path, &start_cases[i], daemon_start_error);
	}
	return g_test_run();
}
