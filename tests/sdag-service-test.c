/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * streamdagd as systemd runs it: the test is the service manager. It owns the notify socket
 * ($NOTIFY_SOCKET, $WATCHDOG_USEC) and hears READY, STATUS, WATCHDOG, RELOADING and
 * STOPPING; it sends SIGHUP after editing the config and its drop-ins, as `systemctl reload`
 * does; and it starts the daemon where GStreamer plugins are missing, as on a box where a
 * package was not installed. The log filter's rows are checked in-process.
 */
#include "sdag-test-http.h"
#include "sdag-test-util.h"

#include <gio/gio.h>
#include <gio/gunixsocketaddress.h>
#include <glib/gstdio.h>
#include <gst/gst.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sdag-elements.h"
#include "sdag-log.h"

#define PASS_PIPELINE                                                                    \
	"{\"pipeline_id\":\"pass\",\"nodes\":[{\"id\":\"p\",\"type\":\"passthrough\"}]," \
	"\"edges\":[{\"from\":\"source.frame\",\"to\":\"p.frame\"}],\"outputs\":[\"p.frame\"]}"

typedef struct {
	char *dir;
	char *conf;	/* the main config file */
	char *dropins;	/* conf.d/ next to it */
	char *err_path; /* the daemon's stderr */
	GSocket *notify;
	GSubprocess *proc;
	char *base;
	SoupSession *session;
	GPtrArray *heard; /* every notify datagram, in order */
} Svc;

/* A directory with streamdag.conf (@conf_text), conf.d/ and the notify socket. */
static Svc *
svc_new(const char *conf_text)
{
	Svc *s = g_new0(Svc, 1);
	g_autoptr(GError) error = NULL;
	g_autofree char *sock_path = NULL;
	g_autoptr(GSocketAddress) addr = NULL;

	s->dir = sdag_test_mkdtemp();
	s->conf = g_build_filename(s->dir, "streamdag.conf", NULL);
	s->dropins = g_build_filename(s->dir, "conf.d", NULL);
	s->err_path = g_build_filename(s->dir, "stderr.log", NULL);
	s->heard = g_ptr_array_new_with_free_func(g_free);
	s->session = soup_session_new();
	g_assert_cmpint(g_mkdir(s->dropins, 0700), ==, 0);
	g_assert_true(g_file_set_contents(s->conf, conf_text, -1, &error));
	sock_path = g_build_filename(s->dir, "notify", NULL);
	s->notify = g_socket_new(
	    G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_DEFAULT, &error);
	g_assert_no_error(error);
	addr = g_unix_socket_address_new(sock_path);
	g_assert_true(g_socket_bind(s->notify, addr, TRUE, &error));
	g_assert_no_error(error);
	return s;
}

static void
svc_write_dropin(Svc *s, const char *name, const char *text)
{
	g_autofree char *path = g_build_filename(s->dropins, name, NULL);
	g_autoptr(GError) error = NULL;

	g_assert_true(g_file_set_contents(path, text, -1, &error));
}

static void
svc_remove_dropin(Svc *s, const char *name)
{
	g_autofree char *path = g_build_filename(s->dropins, name, NULL);

	g_assert_cmpint(g_unlink(path), ==, 0);
}

/* A daemon the test aborts, as systemd's watchdog does, leaves no core file behind. */
static void
svc_child_setup(gpointer user_data)
{
	struct rlimit none = {0, 0};

	setrlimit(RLIMIT_CORE, &none);
	/* and dies with the test, whatever assertion ends it */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
}

/*
 * Starts streamdagd on @s's config with the test's node plugins, its own data directory and
 * the environment systemd would give it (@env: more NAME=VALUE pairs); returns once its
 * REST port is known.
 */
static void
svc_start(Svc *s, const char *const *env)
{
	g_autoptr(GSubprocessLauncher) l =
	    g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_STDOUT_PIPE);
	g_autoptr(GError) error = NULL;
	g_autofree char *data = g_build_filename(s->dir, "data", NULL);
	g_autofree char *sock_path = g_build_filename(s->dir, "notify", NULL);

	g_subprocess_launcher_setenv(l, "NOTIFY_SOCKET", sock_path, TRUE);
	for (guint i = 0; env != NULL && env[i] != NULL; i++) {
		g_auto(GStrv) kv = g_strsplit(env[i], "=", 2);
		g_subprocess_launcher_setenv(l, kv[0], kv[1], TRUE);
	}
	g_subprocess_launcher_set_stderr_file_path(l, s->err_path);
	g_subprocess_launcher_set_child_setup(l, svc_child_setup, NULL, NULL);
	s->proc = g_subprocess_launcher_spawn(l,
					      &error,
					      g_getenv("SDAG_TEST_STREAMDAGD"),
					      "--config",
					      s->conf,
					      "--listen",
					      "127.0.0.1:0",
					      "--data-dir",
					      data,
					      "--plugin-dir",
					      g_getenv("SDAG_TEST_PLUGIN_DIR"),
					      NULL);
	g_assert_no_error(error);
	s->base = sdag_test_daemon_read_url(s->proc);
}

/* The daemon's stderr so far. */
static char *
svc_stderr(Svc *s)
{
	char *text = NULL;

	if (!g_file_get_contents(s->err_path, &text, NULL, NULL))
		return g_strdup("");
	return text;
}

/* Waits up to @ms for the daemon's stderr to hold @needle. */
static gboolean
svc_wait_stderr(Svc *s, const char *needle, guint ms)
{
	gint64 deadline = g_get_monotonic_time() + (gint64)ms * 1000;

	do {
		g_autofree char *text = svc_stderr(s);
		if (strstr(text, needle) != NULL)
			return TRUE;
		g_usleep(20000);
	} while (g_get_monotonic_time() < deadline);
	return FALSE;
}

/* The next notify datagram within @ms, or NULL; each is kept in s->heard too. */
static const char *
svc_hear(Svc *s, guint ms)
{
	char buf[4096];
	gssize n;
	g_autoptr(GError) error = NULL;

	g_socket_set_timeout(s->notify, 0);
	if (!g_socket_condition_timed_wait(s->notify, G_IO_IN, (gint64)ms * 1000, NULL, NULL))
		return NULL;
	n = g_socket_receive(s->notify, buf, sizeof(buf) - 1, NULL, &error);
	g_assert_no_error(error);
	buf[n] = '\0';
	g_ptr_array_add(s->heard, g_strdup(buf));
	return g_ptr_array_index(s->heard, s->heard->len - 1);
}

/* Waits up to @ms for a datagram that holds @needle; returns it (owned by @s) or NULL. */
static const char *
svc_hear_until(Svc *s, const char *needle, guint ms)
{
	gint64 deadline = g_get_monotonic_time() + (gint64)ms * 1000;

	while (g_get_monotonic_time() < deadline) {
		gint64 left = (deadline - g_get_monotonic_time()) / 1000;
		const char *msg = svc_hear(s, (guint)MAX(left, 1));

		if (msg != NULL && strstr(msg, needle) != NULL)
			return msg;
	}
	return NULL;
}

/* SIGHUP as `systemctl reload` sends it; returns the READY=1 datagram that ends it. */
static const char *
svc_reload(Svc *s)
{
	const char *ready;

	g_subprocess_send_signal(s->proc, SIGHUP);
	g_assert_nonnull(svc_hear_until(s, "RELOADING=1", 5000));
	ready = svc_hear_until(s, "READY=1", 10000);
	g_assert_nonnull(ready);
	return ready;
}

static SdagTestReply *
svc_http(Svc *s, const char *method, const char *path, const char *body)
{
	return sdag_test_http(
	    s->session, s->base, method, path, body != NULL ? "application/json" : NULL, body, -1);
}

static void
svc_free(Svc *s)
{
	if (s->proc != NULL) {
		g_subprocess_send_signal(s->proc, SIGKILL);
		g_subprocess_wait(s->proc, NULL, NULL);
		g_object_unref(s->proc);
	}
	g_object_unref(s->notify);
	g_object_unref(s->session);
	g_ptr_array_unref(s->heard);
	sdag_test_rmtree(s->dir);
	g_free(s->dir);
	g_free(s->conf);
	g_free(s->dropins);
	g_free(s->err_path);
	g_free(s->base);
	g_free(s);
}

/* SIGTERM: STOPPING=1 is heard and the exit is clean. */
static void
svc_stop(Svc *s)
{
	g_autoptr(GError) error = NULL;

	g_subprocess_send_signal(s->proc, SIGTERM);
	g_assert_nonnull(svc_hear_until(s, "STOPPING=1", 30000));
	g_assert_true(g_subprocess_wait(s->proc, NULL, &error));
	g_assert_true(g_subprocess_get_if_exited(s->proc));
	g_assert_cmpint(g_subprocess_get_exit_status(s->proc), ==, 0);
	g_clear_object(&s->proc);
}

/* READY=1 comes with the first status line; no watchdog is pinged unless asked for. */
static void
notify_ready_status(void)
{
	Svc *s = svc_new("[daemon]\nlog_level=info\n");
	const char *ready;

	svc_start(s, NULL);
	ready = svc_hear_until(s, "READY=1", 10000);
	g_assert_nonnull(ready);
	g_assert_nonnull(strstr(ready, "STATUS=0 running, 0 queued, MQTT off"));
	/* a second's status tick changes nothing, so nothing more is sent */
	g_assert_null(svc_hear(s, 1500));
	svc_stop(s);
	for (guint i = 0; i < s->heard->len; i++)
		g_assert_null(strstr(g_ptr_array_index(s->heard, i), "WATCHDOG=1"));
	svc_free(s);
}

/* WatchdogSec=0.4s: pings come at half of it, from the main loop. */
static void
notify_watchdog_pings(void)
{
	Svc *s = svc_new("");
	const char *env[] = {"WATCHDOG_USEC=400000", NULL};
	guint pings = 0;
	gint64 start;

	svc_start(s, env);
	g_assert_nonnull(svc_hear_until(s, "READY=1", 10000));
	start = g_get_monotonic_time();
	while (g_get_monotonic_time() - start < 2 * G_USEC_PER_SEC) {
		const char *msg = svc_hear(s, 500);
		if (msg != NULL && strcmp(msg, "WATCHDOG=1") == 0)
			pings++;
	}
	/* 2 s at 200 ms: about 10; a loaded machine (sanitizers) may delay some */
	g_assert_cmpuint(pings, >=, 4);
	g_assert_cmpuint(pings, <=, 12);
	svc_stop(s);
	svc_free(s);
}

/*
 * The debug hook wedges the main loop: the pings stop, so systemd would kill and restart
 * the daemon after WatchdogSec. The test does what systemd does: SIGABRT.
 */
static void
notify_watchdog_wedged(void)
{
	Svc *s = svc_new("");
	const char *env[] = {"WATCHDOG_USEC=400000", "STREAMDAG_DEBUG=block-loop", NULL};
	g_autoptr(GError) error = NULL;

	svc_start(s, env);
	g_assert_nonnull(svc_hear_until(s, "WATCHDOG=1", 5000));
	g_subprocess_send_signal(s->proc, SIGUSR1);
	g_assert_true(svc_wait_stderr(s, "the main loop is blocked", 5000));
	/* what was sent before the hook ran may still be queued */
	while (svc_hear(s, 100) != NULL)
		;
	/* two WatchdogSec periods: not one ping */
	g_assert_null(svc_hear_until(s, "WATCHDOG=1", 800));
	/* the REST API is just as stuck */
	g_subprocess_send_signal(s->proc, SIGABRT);
	g_assert_true(g_subprocess_wait(s->proc, NULL, &error));
	g_assert_false(g_subprocess_get_if_exited(s->proc));
	g_assert_cmpint(g_subprocess_get_term_sig(s->proc), ==, SIGABRT);
	g_clear_object(&s->proc);
	svc_free(s);
}

/* Without STREAMDAG_DEBUG=block-loop, SIGUSR1 is not a hook: the default action ends it. */
static void
notify_no_hook_by_default(void)
{
	Svc *s = svc_new("");
	g_autoptr(GError) error = NULL;

	svc_start(s, NULL);
	g_assert_nonnull(svc_hear_until(s, "READY=1", 10000));
	g_subprocess_send_signal(s->proc, SIGUSR1);
	g_assert_true(g_subprocess_wait(s->proc, NULL, &error));
	g_assert_cmpint(g_subprocess_get_term_sig(s->proc), ==, SIGUSR1);
	g_clear_object(&s->proc);
	svc_free(s);
}

/* Returns: (transfer full): the id of a job of pipeline "pass" over @path, or NULL with
 * *status set to what the API answered */
static char *
svc_submit(Svc *s, const char *path, guint *status)
{
	g_autofree char *body =
	    g_strdup_printf("{\"pipeline_id\":\"pass\",\"video_url\":\"file://%s\"}", path);
	g_autoptr(SdagTestReply) r = svc_http(s, "POST", "/jobs", body);

	*status = r->status;
	if (r->status != 202)
		return NULL;
	return g_strdup(json_object_get_string_member(sdag_test_reply_object(r), "job_id"));
}

static void
svc_add_pipeline(Svc *s)
{
	g_autoptr(SdagTestReply) r = svc_http(s, "POST", "/pipelines", PASS_PIPELINE);

	g_assert_cmpuint(r->status, ==, 201);
}

/* The status line follows the jobs: one runs while the others wait, then none is left. */
static void
notify_status_follows_jobs(void)
{
	g_autofree char *media = g_path_get_dirname(g_getenv("SDAG_TEST_VTEST"));
	g_autofree char *conf =
	    g_strdup_printf("[jobs]\nmedia_roots=%s\nmax_concurrent_jobs=1\n", media);
	Svc *s = svc_new(conf);
	guint status = 0;

	svc_start(s, NULL);
	g_assert_nonnull(svc_hear_until(s, "READY=1", 10000));
	svc_add_pipeline(s);
	/* A passthrough job over the clip can take under half a second and the line is
	 * checked each second: ten in a row keep one running across several checks. */
	for (guint i = 0; i < 10; i++) {
		g_autofree char *id = svc_submit(s, g_getenv("SDAG_TEST_VTEST"), &status);
		g_assert_cmpuint(status, ==, 202);
	}
	g_assert_nonnull(svc_hear_until(s, "STATUS=1 running, ", 20000));
	g_assert_nonnull(svc_hear_until(s, "STATUS=0 running, 0 queued, MQTT off", 120000));
	svc_stop(s);
	svc_free(s);
}

/* SIGHUP: a media root added in a drop-in lets a file through that was refused before. */
static void
reload_media_roots(void)
{
	g_autofree char *media = g_path_get_dirname(g_getenv("SDAG_TEST_VTEST"));
	g_autofree char *dropin = g_strdup_printf("[jobs]\nmedia_roots=%s\n", media);
	Svc *s = svc_new("[jobs]\nmedia_roots=\n");
	g_autofree char *id = NULL;
	guint status = 0;

	svc_start(s, NULL);
	g_assert_nonnull(svc_hear_until(s, "READY=1", 10000));
	svc_add_pipeline(s);
	g_assert_null(svc_submit(s, g_getenv("SDAG_TEST_VTEST"), &status));
	g_assert_cmpuint(status, ==, 403);
	svc_write_dropin(s, "50-media.conf", dropin);
	svc_reload(s);
	g_assert_true(svc_wait_stderr(s, "reload: media roots are now 1 directory", 5000));
	id = svc_submit(s, g_getenv("SDAG_TEST_VTEST"), &status);
	g_assert_cmpuint(status, ==, 202);
	g_assert_nonnull(id);
	svc_stop(s);
	svc_free(s);
}

/*
 * A config that does not load, or names a media root that does not exist, is refused as a
 * whole: the reason is logged with the file and line, and everything stays as it was (the
 * media root, the log level: a message at info still shows).
 */
typedef struct {
	const char *name;
	const char *dropin;
	const char *logged;
} ReloadBadCase;

static const ReloadBadCase reload_bad_cases[] = {
    {"unknown-key",
     "[daemon]\nlog_level=warning\n\n[jobs]\nnope=1\n",
     "50-bad.conf:5: [jobs] nope: unknown key"},
    {"bad-value",
     "[daemon]\nlog_level=loud\n",
     "50-bad.conf:2: [daemon] log_level: expected error, warning, info or debug"},
    {"syntax", "[daemon]\nlog_level=warning\nthis is no key\n", "50-bad.conf:3: "},
    {"missing-media-root",
     "[daemon]\nlog_level=warning\n[jobs]\nmedia_roots=/nonexistent/media\n",
     "media root '/nonexistent/media'"},
    {"bad-broker",
     "[daemon]\nlog_level=warning\n[mqtt]\nbroker=http://127.0.0.1:1883\n",
     "50-bad.conf:4: [mqtt] broker: 'http://127.0.0.1:1883' is not a tcp://"},
    {"password-twice",
     "[mqtt]\npassword=a\npassword_file=/etc/hostname\n",
     "[mqtt] password_file: give the password or its file, not both"},
};

static void
reload_bad(gconstpointer data)
{
	const ReloadBadCase *tc = data;
	g_autofree char *media = g_path_get_dirname(g_getenv("SDAG_TEST_VTEST"));
	g_autofree char *conf = g_strdup_printf("[jobs]\nmedia_roots=%s\n", media);
	Svc *s = svc_new(conf);
	g_autofree char *id = NULL;
	g_autofree char *err = NULL;
	guint status = 0;

	svc_start(s, NULL);
	g_assert_nonnull(svc_hear_until(s, "READY=1", 10000));
	svc_add_pipeline(s);
	svc_write_dropin(s, "50-bad.conf", tc->dropin);
	svc_reload(s);
	g_assert_true(svc_wait_stderr(s, "reload refused, the running configuration stays", 5000));
	err = svc_stderr(s);
	if (strstr(err, tc->logged) == NULL)
		g_error("stderr lacks '%s':\n%s", tc->logged, err);
	/* still the old media root */
	id = svc_submit(s, g_getenv("SDAG_TEST_VTEST"), &status);
	g_assert_cmpuint(status, ==, 202);
	/* still at info: the next good reload's message shows */
	svc_remove_dropin(s, "50-bad.conf");
	svc_reload(s);
	g_assert_true(svc_wait_stderr(s, "reloaded ", 5000));
	svc_stop(s);
	svc_free(s);
}

/* A key that needs a restart is named, and nothing of it is applied. */
static void
reload_restart_keys(void)
{
	Svc *s = svc_new("[rest]\nmax_connections=100\n");
	g_autoptr(JsonNode) health = NULL;

	svc_start(s, NULL);
	g_assert_nonnull(svc_hear_until(s, "READY=1", 10000));
	svc_write_dropin(s, "50-more.conf", "[rest]\nmax_connections=200\n[live]\nlatency_ms=50\n");
	svc_reload(s);
	g_assert_true(svc_wait_stderr(s, "reloaded ", 5000));
	g_assert_true(svc_wait_stderr(
	    s, "reload: [rest] max_connections changed; it applies at the next start", 1000));
	g_assert_true(svc_wait_stderr(s, "reload: [live] latency_ms changed", 1000));
	health = sdag_test_http_get_json(s->session, s->base, "/healthz");
	g_assert_cmpstr(
	    json_object_get_string_member(json_node_get_object(health), "status"), ==, "ok");
	svc_stop(s);
	svc_free(s);
}

/* A level lowered by a reload hides what it shows no more; raised again, it shows. */
static void
reload_log_level(void)
{
	Svc *s = svc_new("[daemon]\nlog_level=info\n");
	g_autofree char *after_quiet = NULL;

	svc_start(s, NULL);
	g_assert_nonnull(svc_hear_until(s, "READY=1", 10000));
	g_assert_true(svc_wait_stderr(s, "open-file limit", 1000));
	svc_write_dropin(s, "50-quiet.conf", "[daemon]\nlog_level=warning\n");
	svc_reload(s);
	svc_add_pipeline(s);
	/* "registered pipeline" is an info message: not logged at warning */
	g_usleep(200000);
	after_quiet = svc_stderr(s);
	g_assert_null(strstr(after_quiet, "registered pipeline pass"));
	g_assert_null(strstr(after_quiet, "reloaded "));
	svc_remove_dropin(s, "50-quiet.conf");
	svc_reload(s);
	g_assert_true(svc_wait_stderr(s, "reloaded ", 5000));
	svc_stop(s);
	svc_free(s);
}

/* A mosquitto of the test's own on a free loopback port. */
typedef struct {
	char *dir;
	guint16 port;
	GSubprocess *proc;
} Broker;

static Broker *
broker_start(const char *extra)
{
	Broker *b = g_new0(Broker, 1);
	g_autoptr(GError) error = NULL;
	g_autofree char *conf = NULL;
	g_autofree char *text = NULL;
	gint64 deadline = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;

	b->dir = sdag_test_mkdtemp();
	b->port = sdag_test_free_port();
	conf = g_build_filename(b->dir, "mosquitto.conf", NULL);
	/* as root mosquitto would switch to its own user, who cannot read our temp dirs */
	text = g_strdup_printf("listener %u 127.0.0.1\nuser %s\n%s\n",
			       b->port,
			       g_get_user_name(),
			       extra != NULL ? extra : "allow_anonymous true");
	g_assert_true(g_file_set_contents(conf, text, -1, &error));
	b->proc =
	    g_subprocess_new(G_SUBPROCESS_FLAGS_STDERR_SILENCE | G_SUBPROCESS_FLAGS_STDOUT_SILENCE,
			     &error,
			     "mosquitto",
			     "-c",
			     conf,
			     NULL);
	g_assert_no_error(error);
	for (;;) {
		g_autoptr(GSocketClient) c = g_socket_client_new();
		g_autoptr(GSocketConnection) conn =
		    g_socket_client_connect_to_host(c, "127.0.0.1", b->port, NULL, NULL);
		if (conn != NULL)
			break;
		g_assert_cmpint(g_get_monotonic_time(), <, deadline);
		g_usleep(20000);
	}
	return b;
}

static void
broker_free(Broker *b)
{
	g_subprocess_send_signal(b->proc, SIGTERM);
	g_subprocess_wait(b->proc, NULL, NULL);
	g_object_unref(b->proc);
	sdag_test_rmtree(b->dir);
	g_free(b->dir);
	g_free(b);
}

static gboolean
svc_mqtt_connected(Svc *s, guint ms)
{
	gint64 deadline = g_get_monotonic_time() + (gint64)ms * 1000;

	do {
		g_autoptr(JsonNode) h = sdag_test_http_get_json(s->session, s->base, "/healthz");
		JsonObject *mqtt = json_object_get_object_member(json_node_get_object(h), "mqtt");

		if (json_object_get_boolean_member(mqtt, "connected"))
			return TRUE;
		g_usleep(50000);
	} while (g_get_monotonic_time() < deadline);
	return FALSE;
}

/*
 * The broker moves: a reload with the new address reconnects without a restart, the status
 * line says so, and a reload that empties the broker turns MQTT off.
 */
static void
reload_mqtt(void)
{
	Svc *s = svc_new("[mqtt]\nbroker=tcp://127.0.0.1:1\nreconnect_max_s=1\n");
	Broker *b = broker_start(NULL);
	g_autofree char *dropin = g_strdup_printf("[mqtt]\nbroker=tcp://127.0.0.1:%u\n", b->port);
	g_autoptr(JsonNode) off = NULL;

	svc_start(s, NULL);
	g_assert_nonnull(svc_hear_until(s, "MQTT disconnected", 10000));
	g_assert_false(svc_mqtt_connected(s, 0));
	svc_write_dropin(s, "50-broker.conf", dropin);
	svc_reload(s);
	g_assert_true(svc_mqtt_connected(s, 10000));
	g_assert_nonnull(svc_hear_until(s, "MQTT connected", 5000));
	svc_write_dropin(s, "50-broker.conf", "[mqtt]\nbroker=\n");
	g_assert_nonnull(strstr(svc_reload(s), "STATUS=0 running, 0 queued, MQTT off"));
	g_assert_true(svc_wait_stderr(s, "reload: MQTT is off", 5000));
	off = sdag_test_http_get_json(s->session, s->base, "/healthz");
	g_assert_false(json_object_get_boolean_member(
	    json_object_get_object_member(json_node_get_object(off), "mqtt"), "configured"));
	svc_stop(s);
	broker_free(b);
	svc_free(s);
}

/*
 * The MQTT password from a systemd credential: the daemon logs in to a broker that wants
 * it. The password's text appears nowhere in /healthz.
 */
static void
reload_mqtt_credential(void)
{
	Broker *b = NULL;
	Svc *s = NULL;
	g_autofree char *creds = sdag_test_mkdtemp();
	g_autofree char *secret = g_build_filename(creds, "mqtt_password", NULL);
	g_autofree char *conf = NULL;
	g_autofree char *env_creds = g_strdup_printf("CREDENTIALS_DIRECTORY=%s", creds);
	const char *env[] = {env_creds, NULL};
	g_autoptr(SdagTestReply) health = NULL;

	g_autofree char *pfile = g_build_filename(creds, "mosquitto.passwd", NULL);
	g_autofree char *extra = g_strdup_printf("allow_anonymous false\npassword_file %s", pfile);
	const char *argv[] = {"mosquitto_passwd", "-b", "-c", pfile, "box", "c0rrect-h0rse", NULL};
	g_autoptr(GSubprocess) p = g_subprocess_newv(argv, G_SUBPROCESS_FLAGS_NONE, NULL);

	g_assert_true(g_subprocess_wait_check(p, NULL, NULL));
	g_assert_true(g_file_set_contents(secret, "c0rrect-h0rse\n", -1, NULL));
	b = broker_start(extra);
	conf = g_strdup_printf("[mqtt]\nbroker=tcp://127.0.0.1:%u\nusername=box\n"
			       "password_file=mqtt_password\n",
			       b->port);
	s = svc_new(conf);
	svc_start(s, env);
	g_assert_true(svc_mqtt_connected(s, 10000));
	health = svc_http(s, "GET", "/healthz", NULL);
	g_assert_null(strstr(health->text, "c0rrect"));
	svc_stop(s);
	svc_free(s);
	broker_free(b);
	sdag_test_rmtree(creds);
}

/* The log filter, row by row: level x message level x G_MESSAGES_DEBUG. */
typedef struct {
	const char *name;
	SdagLogLevel level;
	GLogLevelFlags flags;
	const char *domain;
	const char *debug_env; /* G_MESSAGES_DEBUG, or NULL */
	gboolean passes;
} LogCase;

static const LogCase log_cases[] = {
    {"error-shows-critical", SDAG_LOG_ERROR, G_LOG_LEVEL_CRITICAL, "sdag-jobs", NULL, TRUE},
    {"error-hides-warning", SDAG_LOG_ERROR, G_LOG_LEVEL_WARNING, "sdag-jobs", NULL, FALSE},
    {"warning-shows-warning", SDAG_LOG_WARNING, G_LOG_LEVEL_WARNING, "sdag-jobs", NULL, TRUE},
    {"warning-hides-message", SDAG_LOG_WARNING, G_LOG_LEVEL_MESSAGE, "sdag-jobs", NULL, FALSE},
    {"warning-hides-info", SDAG_LOG_WARNING, G_LOG_LEVEL_INFO, "sdag-jobs", NULL, FALSE},
    {"info-shows-message", SDAG_LOG_INFO, G_LOG_LEVEL_MESSAGE, "sdag-jobs", NULL, TRUE},
    {"info-shows-info", SDAG_LOG_INFO, G_LOG_LEVEL_INFO, "sdag-jobs", NULL, TRUE},
    {"info-hides-debug", SDAG_LOG_INFO, G_LOG_LEVEL_DEBUG, "sdag-jobs", NULL, FALSE},
    {"debug-shows-debug", SDAG_LOG_DEBUG, G_LOG_LEVEL_DEBUG, "sdag-jobs", NULL, TRUE},
    {"domain-listed-shows-debug",
     SDAG_LOG_INFO,
     G_LOG_LEVEL_DEBUG,
     "sdag-mqtt",
     "sdag-live,sdag-mqtt",
     TRUE},
    {"domain-unlisted-hides-debug",
     SDAG_LOG_INFO,
     G_LOG_LEVEL_DEBUG,
     "sdag-jobs",
     "sdag-live,sdag-mqtt",
     FALSE},
    {"domain-listed-shows-info-at-error",
     SDAG_LOG_ERROR,
     G_LOG_LEVEL_INFO,
     "sdag-live",
     "sdag-live",
     TRUE},
    {"all-shows-every-domain", SDAG_LOG_WARNING, G_LOG_LEVEL_DEBUG, "sdag-store", "all", TRUE},
    {"no-domain-unlisted", SDAG_LOG_WARNING, G_LOG_LEVEL_DEBUG, NULL, "sdag-live", FALSE},
    {"space-separated-list",
     SDAG_LOG_WARNING,
     G_LOG_LEVEL_DEBUG,
     "sdag-ws",
     "sdag-live sdag-ws",
     TRUE},
};

static void
log_filter(gconstpointer data)
{
	const LogCase *tc = data;
	SdagLog log = {0};

	sdag_log_init(&log, tc->level, tc->debug_env);
	g_assert_cmpint(sdag_log_passes(&log, tc->flags, tc->domain), ==, tc->passes);
	/* a reload's level applies at once */
	sdag_log_set_level(&log, tc->passes ? SDAG_LOG_ERROR : SDAG_LOG_DEBUG);
	g_assert_cmpint(sdag_log_get_level(&log), ==, tc->passes ? SDAG_LOG_ERROR : SDAG_LOG_DEBUG);
	sdag_log_clear(&log);
}

/* --log-level: a bad value is a usage error; warning hides the start-up messages. */
static void
log_level_option(void)
{
	g_autofree char *dir = sdag_test_mkdtemp();
	g_autofree char *data = g_build_filename(dir, "data", NULL);
	g_autofree char *out = NULL;
	g_autofree char *err = NULL;
	g_autoptr(GError) error = NULL;
	int status = 0;
	const char *bad[] = {
	    g_getenv("SDAG_TEST_STREAMDAGD"), "--log-level", "loud", "--data-dir", data, NULL};

	g_assert_true(g_spawn_sync(
	    NULL, (char **)bad, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err, &status, &error));
	g_assert_true(WIFEXITED(status));
	g_assert_cmpint(WEXITSTATUS(status), ==, 2);
	g_assert_nonnull(
	    strstr(err, "--log-level: expected error, warning, info or debug, got 'loud'"));
	sdag_test_rmtree(dir);
}

/*
 * Each needed element missing in turn (its plugin file left out of an otherwise complete
 * plugin directory, with a fresh registry): the daemon refuses to start and names the
 * element and the Debian package that has it.
 */
static void
elements_missing(gconstpointer data)
{
	const SdagElementNeed *need = data;
	g_autoptr(GstElementFactory) f = gst_element_factory_find(need->element);
	g_autoptr(GstPlugin) plugin = NULL;
	g_autofree char *dir = sdag_test_mkdtemp();
	g_autofree char *plugins = g_build_filename(dir, "plugins", NULL);
	g_autofree char *reg = g_build_filename(dir, "registry.bin", NULL);
	g_autofree char *data_dir = g_build_filename(dir, "data", NULL);
	g_autofree char *sys = g_strdup(g_getenv("SDAG_TEST_GST_SYSTEM_PLUGIN_DIR"));
	g_autofree char *expected = g_strdup_printf("%s (%s, for", need->element, need->package);
	g_autofree char *err = NULL;
	g_autoptr(GDir) d = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(GSubprocessLauncher) l = g_subprocess_launcher_new(
	    G_SUBPROCESS_FLAGS_STDERR_PIPE | G_SUBPROCESS_FLAGS_STDOUT_SILENCE);
	g_autoptr(GSubprocess) p = NULL;
	const char *name;
	g_autofree char *left_out = NULL;

	g_assert_nonnull(f);
	plugin = gst_plugin_feature_get_plugin(GST_PLUGIN_FEATURE(f));
	g_assert_nonnull(plugin);
	/* by name: the registry may hold the path through /lib rather than /usr/lib */
	g_assert_nonnull(gst_plugin_get_filename(plugin));
	left_out = g_path_get_basename(gst_plugin_get_filename(plugin));
	g_assert_cmpint(g_mkdir(plugins, 0700), ==, 0);
	d = g_dir_open(sys, 0, &error);
	g_assert_no_error(error);
	while ((name = g_dir_read_name(d)) != NULL) {
		g_autofree char *src = g_build_filename(sys, name, NULL);
		g_autofree char *dst = g_build_filename(plugins, name, NULL);

		if (!g_str_has_suffix(name, ".so") || g_strcmp0(name, left_out) == 0)
			continue;
		g_assert_cmpint(symlink(src, dst), ==, 0);
	}
	g_subprocess_launcher_setenv(l, "GST_PLUGIN_SYSTEM_PATH_1_0", plugins, TRUE);
	g_subprocess_launcher_setenv(l, "GST_PLUGIN_PATH_1_0", "", TRUE);
	g_subprocess_launcher_setenv(l, "GST_REGISTRY_1_0", reg, TRUE);
	g_subprocess_launcher_unsetenv(l, "GST_PLUGIN_PATH");
	g_subprocess_launcher_set_child_setup(l, svc_child_setup, NULL, NULL);
	p = g_subprocess_launcher_spawn(l,
					&error,
					g_getenv("SDAG_TEST_STREAMDAGD"),
					"--listen",
					"127.0.0.1:0",
					"--data-dir",
					data_dir,
					"--plugin-dir",
					g_getenv("SDAG_TEST_PLUGIN_DIR"),
					NULL);
	g_assert_no_error(error);
	g_assert_true(g_subprocess_communicate_utf8(p, NULL, NULL, NULL, &err, &error));
	g_assert_true(g_subprocess_get_if_exited(p));
	g_assert_cmpint(g_subprocess_get_exit_status(p), ==, 1);
	if (strstr(err, expected) == NULL)
		g_error("stderr lacks '%s':\n%s", expected, err);
	g_assert_nonnull(strstr(err, "install them with: apt-get install"));
	g_assert_nonnull(strstr(strstr(err, "apt-get install"), need->package));
	/* refused before the store was opened: nothing was written */
	g_assert_false(g_file_test(data_dir, G_FILE_TEST_EXISTS));
	sdag_test_rmtree(dir);
}

/* A name no plugin has: the check is a lookup, not a list of known names. */
static void
elements_unknown(void)
{
	const SdagElementNeed needs[] = {
	    {"videoconvert", "gstreamer1.0-plugins-base", "frames"},
	    {"sdag-no-such-element", "streamdag-test-package", "nothing"},
	};
	g_autoptr(GError) error = NULL;

	g_assert_true(sdag_elements_check(needs, 1, &error));
	g_assert_false(sdag_elements_check(needs, 2, &error));
	g_assert_nonnull(error);
	g_assert_cmpstr(error->message,
			==,
			"GStreamer elements missing: sdag-no-such-element "
			"(streamdag-test-package, for nothing); install them with: apt-get "
			"install streamdag-test-package");
}

int
main(int argc, char **argv)
{
	gsize n = 0;
	const SdagElementNeed *needs;

	g_test_init(&argc, &argv, NULL);
	gst_init(&argc, &argv);
	g_test_add_func("/sdag/service/notify/ready-status", notify_ready_status);
	g_test_add_func("/sdag/service/notify/watchdog-pings", notify_watchdog_pings);
	g_test_add_func("/sdag/service/notify/watchdog-wedged", notify_watchdog_wedged);
	g_test_add_func("/sdag/service/notify/no-hook-by-default", notify_no_hook_by_default);
	g_test_add_func("/sdag/service/notify/status-follows-jobs", notify_status_follows_jobs);
	g_test_add_func("/sdag/service/reload/media-roots", reload_media_roots);
	for (guint i = 0; i < G_N_ELEMENTS(reload_bad_cases); i++) {
		g_autofree char *path =
		    g_strdup_printf("/sdag/service/reload/refused/%s", reload_bad_cases[i].name);
		g_test_add_data_func(path, &reload_bad_cases[i], reload_bad);
	}
	g_test_add_func("/sdag/service/reload/restart-keys", reload_restart_keys);
	g_test_add_func("/sdag/service/reload/log-level", reload_log_level);
	g_test_add_func("/sdag/service/reload/mqtt", reload_mqtt);
	g_test_add_func("/sdag/service/mqtt-credential", reload_mqtt_credential);
	for (guint i = 0; i < G_N_ELEMENTS(log_cases); i++) {
		g_autofree char *path = g_strdup_printf("/sdag/service/log/%s", log_cases[i].name);
		g_test_add_data_func(path, &log_cases[i], log_filter);
	}
	g_test_add_func("/sdag/service/log/option", log_level_option);
	needs = sdag_elements_needed(&n);
	for (gsize i = 0; i < n; i++) {
		g_autofree char *path =
		    g_strdup_printf("/sdag/service/elements/missing/%s", needs[i].element);
		g_test_add_data_func(path, &needs[i], elements_missing);
	}
	g_test_add_func("/sdag/service/elements/unknown", elements_unknown);
	return g_test_run();
}
