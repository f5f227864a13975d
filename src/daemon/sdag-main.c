/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "streamdagd"

#include "config.h"

#include <errno.h>
#include <glib-unix.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "sdag-admin.h"
#include "sdag-daemon.h"
#include "sdag-log.h"
#include "sdag-notify.h"
#include "sdag-rest.h"

/* The command line, kept: a reload builds the config again from the same options. */
typedef struct {
	char *config_path;
	char *listen;
	char *data_dir;
	char *plugin_dir;
	char *mqtt;
	GStrv media_roots;
	char *log_level;
	gboolean verbose;
} SdagMainOptions;

/* What the signal handlers need; it lives on main()'s stack for as long as the loop runs. */
typedef struct {
	SdagMainOptions *opts;
	SdagLog *log;
	SdagDaemon *daemon;
	SdagNotify *notify;
	GMainLoop *loop;
} SdagMain;

/*
 * The effective config: the embedded defaults, the file and its drop-ins, then the command
 * line. The same at start-up and on SIGHUP.
 */
static SdagConfig *
sdag_main_build_config(const SdagMainOptions *opts, GError **error)
{
	g_autoptr(SdagConfig) config = sdag_config_new();

	if (opts->config_path != NULL && !sdag_config_load(config, opts->config_path, error)) {
		g_prefix_error(error, "config: ");
		return NULL;
	}
	if (opts->listen != NULL && !sdag_config_set_listen(config, opts->listen, error)) {
		g_prefix_error(error, "--listen: ");
		return NULL;
	}
	if (opts->data_dir != NULL && opts->data_dir[0] == '\0') {
		g_set_error_literal(error,
				    G_OPTION_ERROR,
				    G_OPTION_ERROR_BAD_VALUE,
				    "--data-dir must not be empty");
		return NULL;
	}
	if (opts->data_dir != NULL)
		sdag_config_set_data_dir(config, opts->data_dir);
	for (guint i = 0; opts->media_roots != NULL && opts->media_roots[i] != NULL; i++)
		sdag_config_add_media_root(config, opts->media_roots[i]);
	if (opts->mqtt != NULL &&
	    !sdag_mqtt_config_set(&config->mqtt, "broker", opts->mqtt, error)) {
		g_prefix_error(error, "--mqtt: ");
		return NULL;
	}
	/* as in the config file, an empty plugin dir means the installed one */
	if (opts->plugin_dir != NULL)
		sdag_config_set_plugin_dir(
		    config, opts->plugin_dir[0] != '\0' ? opts->plugin_dir : SDAG_NODEDIR);
	if (opts->log_level != NULL &&
	    !sdag_config_parse_log_level(opts->log_level, &config->log_level, error)) {
		g_prefix_error(error, "--log-level: ");
		return NULL;
	}
	if (opts->verbose)
		config->log_level = SDAG_LOG_DEBUG;
	return g_steal_pointer(&config);
}

/* SIGHUP (systemctl reload): the config read again, what can change applied, the rest
 * named; a config that does not load changes nothing. */
static gboolean
sdag_main_hup_cb(gpointer user_data)
{
	SdagMain *m = user_data;
	g_autoptr(SdagConfig) next = NULL;
	g_autoptr(GError) error = NULL;

	sdag_notify_send(m->notify, "RELOADING=1");
	next = sdag_main_build_config(m->opts, &error);
	/* the new level first, so that what the reload says is logged by it */
	if (next != NULL)
		sdag_log_set_level(m->log, next->log_level);
	if (next == NULL || !sdag_daemon_reload(m->daemon, next, &error)) {
		sdag_log_set_level(m->log, m->daemon->config->log_level);
		g_warning("reload refused, the running configuration stays: %s", error->message);
	} else {
		g_message("reloaded %s",
			  m->opts->config_path != NULL ? m->opts->config_path
						       : "the command line (no config file)");
	}
	sdag_notify_send(m->notify, "READY=1");
	return G_SOURCE_CONTINUE;
}

/*
 * STREAMDAG_DEBUG=block-loop: SIGUSR1 then wedges the main loop for good, as a deadlock
 * would, so that the watchdog can be seen to restart the daemon. Never set in production.
 */
static gboolean
sdag_main_block_loop_cb(gpointer user_data)
{
	g_warning("debug hook: the main loop is blocked from now on (STREAMDAG_DEBUG=block-loop)");
	for (;;)
		g_usleep(G_USEC_PER_SEC);
	return G_SOURCE_REMOVE;
}

static gboolean
sdag_main_quit_cb(gpointer user_data)
{
	GMainLoop *loop = user_data;

	g_info("stopping on signal");
	g_main_loop_quit(loop);
	return G_SOURCE_REMOVE;
}

static char *
sdag_main_status_cb(gpointer user_data)
{
	return sdag_daemon_status_text(user_data);
}

/*
 * Every client connection, RocksDB file and GStreamer source costs a descriptor, and the
 * usual soft limit (1024) is far below the hard one: take all there is. The REST listener
 * then checks [rest] max_connections against what this leaves.
 */
static void
sdag_main_raise_fd_limit(void)
{
	struct rlimit rl;
	rlim_t was;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0) {
		g_warning("cannot read the open-file limit: %s", g_strerror(errno));
		return;
	}
	was = rl.rlim_cur;
	if (rl.rlim_cur != rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) != 0) {
			g_warning("cannot raise the open-file limit from %" G_GUINT64_FORMAT
				  " to %" G_GUINT64_FORMAT ": %s",
				  (guint64)was,
				  (guint64)rl.rlim_max,
				  g_strerror(errno));
			return;
		}
	}
	g_message("open-file limit %" G_GUINT64_FORMAT " (was %" G_GUINT64_FORMAT ")",
		  (guint64)rl.rlim_cur,
		  (guint64)was);
}

/*
 * GLib before 2.76 hands out small blocks (JSON nodes, list links, GStreamer's structures)
 * from its slice allocator, which keeps freed blocks in per-thread magazines and never
 * gives its slabs back: every job's streaming threads left a few kilobytes behind, 8.5 MB
 * after 3000 short jobs (tests/sdag-soak-test.c, /soak/burst), 1.4 MB with the plain
 * allocator. The slice allocator reads G_SLICE once, and GLib's own constructors have used
 * it before main(): the daemon starts itself again, same process, with G_SLICE set. An
 * operator's own G_SLICE is kept; GLib 2.76 and later have no slices to avoid.
 */
static void
sdag_main_plain_slices(char **argv)
{
	g_autofree char *path = NULL;

	if (g_getenv("G_SLICE") != NULL || glib_check_version(2, 76, 0) == NULL)
		return;
	g_setenv("G_SLICE", "always-malloc", TRUE);
	/* by the binary's own path, so that the process keeps its name ("exe" otherwise) */
	path = g_file_read_link("/proc/self/exe", NULL);
	if (path != NULL && g_file_test(path, G_FILE_TEST_IS_EXECUTABLE))
		execv(path, argv);
	/* replaced or deleted since it started (an upgrade): the running image itself */
	execv("/proc/self/exe", argv);
	/* no /proc: on with the slices */
}

int
main(int argc, char **argv)
{
	sdag_main_plain_slices(argv);
	SdagMainOptions opts = {0};
	gboolean version = FALSE;
	gboolean fsck = FALSE;
	g_autofree char *restore = NULL;
	const GOptionEntry entries[] = {
	    {"config", 'c', 0, G_OPTION_ARG_FILENAME, &opts.config_path, "Config file", "PATH"},
	    {"listen", 'l', 0, G_OPTION_ARG_STRING, &opts.listen, "REST address", "ADDR:PORT"},
	    {"data-dir", 'd', 0, G_OPTION_ARG_FILENAME, &opts.data_dir, "Data directory", "DIR"},
	    {"plugin-dir", 'p', 0, G_OPTION_ARG_FILENAME, &opts.plugin_dir, "Node plugins", "DIR"},
	    {"media-root",
	     'm',
	     0,
	     G_OPTION_ARG_FILENAME_ARRAY,
	     &opts.media_roots,
	     "Allow file sources under DIR (repeatable; adds to the config's media_roots)",
	     "DIR"},
	    {"mqtt",
	     0,
	     0,
	     G_OPTION_ARG_STRING,
	     &opts.mqtt,
	     "MQTT broker (overrides [mqtt] broker)",
	     "URI"},
	    {"log-level",
	     0,
	     0,
	     G_OPTION_ARG_STRING,
	     &opts.log_level,
	     "error, warning, info or debug (overrides [daemon] log_level)",
	     "LEVEL"},
	    {"verbose",
	     'v',
	     0,
	     G_OPTION_ARG_NONE,
	     &opts.verbose,
	     "Same as --log-level=debug",
	     NULL},
	    {"fsck",
	     0,
	     0,
	     G_OPTION_ARG_NONE,
	     &fsck,
	     "Check the store of the data directory (the daemon stopped), print each problem, "
	     "exit 0 if none, 1 if any",
	     NULL},
	    {"restore",
	     0,
	     0,
	     G_OPTION_ARG_FILENAME,
	     &restore,
	     "Restore a backup (streamdagctl admin backup) into the data directory, which must "
	     "have no store yet; checked before and after",
	     "DIR"},
	    {"version", 0, 0, G_OPTION_ARG_NONE, &version, "Print the version", NULL},
	    {NULL}};
	g_autoptr(GOptionContext) ctx = g_option_context_new("- streamdag ingest daemon");
	g_autoptr(GError) error = NULL;
	g_autoptr(SdagConfig) config = NULL;
	g_autoptr(SdagDaemon) daemon = NULL;
	g_autoptr(GMainLoop) loop = NULL;
	g_autoptr(SdagNotify) notify = NULL;
	SdagLog *log = NULL;
	SdagMain m = {&opts, NULL, NULL, NULL, NULL};
	const char *debug = g_getenv("STREAMDAG_DEBUG");
	int rc = 0;

	setlocale(LC_ALL, "");
	/* stdout carries only the "listening on" line; every log goes to stderr
	 * (or the journal) */
	g_log_writer_default_set_use_stderr(TRUE);
	g_option_context_add_main_entries(ctx, entries, NULL);
	if (!g_option_context_parse(ctx, &argc, &argv, &error)) {
		g_printerr("streamdagd: %s\n", error->message);
		rc = 2;
		goto out;
	}
	if (argc > 1) {
		g_printerr("streamdagd: unexpected argument '%s'\n", argv[1]);
		rc = 2;
		goto out;
	}
	if (version) {
		g_print("streamdagd %s\n", SDAG_VERSION);
		goto out;
	}
	if (opts.log_level != NULL &&
	    !sdag_config_parse_log_level(opts.log_level, &(SdagLogLevel){0}, &error)) {
		g_printerr("streamdagd: --log-level: %s\n", error->message);
		rc = 2;
		goto out;
	}

	config = sdag_main_build_config(&opts, &error);
	if (config == NULL) {
		g_printerr("streamdagd: %s\n", error->message);
		rc = 1;
		goto out;
	}
	/* the bad day's tools: on the data directory, without a daemon */
	if (fsck && restore != NULL) {
		g_printerr("streamdagd: --fsck and --restore go apart\n");
		rc = 2;
		goto out;
	}
	if (fsck || restore != NULL) {
		rc = fsck ? sdag_admin_fsck_offline(config->data_dir)
			  : sdag_admin_restore(config->data_dir, restore);
		goto out;
	}
	/* The filter is ours (sdag-log.c): GLib's own would drop info and debug before
	 * it. Never freed: the log writer may run until the process is gone. */
	log = g_new0(SdagLog, 1);
	m.log = log;
	sdag_log_init(log, config->log_level, g_getenv("G_MESSAGES_DEBUG"));
	g_log_set_writer_func(sdag_log_writer, log, NULL);
	g_log_set_debug_enabled(TRUE);

	sdag_main_raise_fd_limit();
	daemon = sdag_daemon_new(g_steal_pointer(&config), &error);
	if (daemon == NULL) {
		g_printerr("streamdagd: %s\n", error->message);
		rc = 1;
		goto out;
	}
	loop = g_main_loop_new(NULL, FALSE);
	notify = sdag_notify_new(sdag_main_status_cb, daemon);
	m.daemon = daemon;
	m.notify = notify;
	m.loop = loop;
	g_unix_signal_add(SIGINT, sdag_main_quit_cb, loop);
	g_unix_signal_add(SIGTERM, sdag_main_quit_cb, loop);
	g_unix_signal_add(SIGHUP, sdag_main_hup_cb, &m);
	if (debug != NULL && strstr(debug, "block-loop") != NULL)
		g_unix_signal_add(SIGUSR1, sdag_main_block_loop_cb, NULL);

	/* the one line a supervisor or a test reads to find an ephemeral port */
	g_print(strchr(daemon->config->listen_host, ':') != NULL
		    ? "streamdagd: listening on %s://[%s]:%u/\n"
		    : "streamdagd: listening on %s://%s:%u/\n",
		sdag_rest_is_tls(daemon->rest) ? "https" : "http",
		daemon->config->listen_host,
		sdag_daemon_get_port(daemon));
	fflush(stdout);
	sdag_notify_send(notify, "READY=1");
	g_main_loop_run(loop);
	sdag_notify_send(notify, "STOPPING=1");
	g_clear_pointer(&notify, sdag_notify_free);
	g_clear_pointer(&daemon, sdag_daemon_free);
	g_info("stopped");
out:
	g_free(opts.config_path);
	g_free(opts.listen);
	g_free(opts.data_dir);
	g_free(opts.plugin_dir);
	g_free(opts.mqtt);
	g_strfreev(opts.media_roots);
	g_free(opts.log_level);
	return rc;
}
