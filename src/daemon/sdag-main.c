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
#if SDAG_HAVE_SYSTEMD
#include <systemd/sd-daemon.h>
#endif

#include "sdag-daemon.h"

static gboolean
sdag_main_hup_cb(gpointer user_data)
{
	/* SIGHUP would otherwise end the daemon: there is nothing to reload yet */
	g_message("SIGHUP ignored: restart the daemon to apply config changes");
	return G_SOURCE_CONTINUE;
}

static gboolean
sdag_main_quit_cb(gpointer user_data)
{
	GMainLoop *loop = user_data;

	g_info("stopping on signal");
	g_main_loop_quit(loop);
	return G_SOURCE_REMOVE;
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

int
main(int argc, char **argv)
{
	g_autofree char *config_path = NULL;
	g_autofree char *listen = NULL;
	g_autofree char *data_dir = NULL;
	g_autofree char *plugin_dir = NULL;
	g_autofree char *mqtt = NULL;
	g_auto(GStrv) media_roots = NULL;
	gboolean version = FALSE;
	gboolean verbose = FALSE;
	const GOptionEntry entries[] = {
	    {"config", 'c', 0, G_OPTION_ARG_FILENAME, &config_path, "Config file", "PATH"},
	    {"listen", 'l', 0, G_OPTION_ARG_STRING, &listen, "REST address", "ADDR:PORT"},
	    {"data-dir", 'd', 0, G_OPTION_ARG_FILENAME, &data_dir, "Data directory", "DIR"},
	    {"plugin-dir", 'p', 0, G_OPTION_ARG_FILENAME, &plugin_dir, "Node plugins", "DIR"},
	    {"media-root",
	     'm',
	     0,
	     G_OPTION_ARG_FILENAME_ARRAY,
	     &media_roots,
	     "Allow file sources under DIR (repeatable; adds to the config's media_roots)",
	     "DIR"},
	    {"mqtt",
	     0,
	     0,
	     G_OPTION_ARG_STRING,
	     &mqtt,
	     "MQTT broker (overrides [mqtt] broker)",
	     "URI"},
	    {"verbose", 'v', 0, G_OPTION_ARG_NONE, &verbose, "Log debug messages", NULL},
	    {"version", 0, 0, G_OPTION_ARG_NONE, &version, "Print the version", NULL},
	    {NULL}};
	g_autoptr(GOptionContext) ctx = g_option_context_new("- streamdag ingest daemon");
	g_autoptr(GError) error = NULL;
	g_autoptr(SdagConfig) config = NULL;
	g_autoptr(SdagDaemon) daemon = NULL;
	g_autoptr(GMainLoop) loop = NULL;

	setlocale(LC_ALL, "");
	/* stdout carries only the "listening on" line; every log goes to stderr
	 * (or the journal) */
	g_log_writer_default_set_use_stderr(TRUE);
	g_option_context_add_main_entries(ctx, entries, NULL);
	if (!g_option_context_parse(ctx, &argc, &argv, &error)) {
		g_printerr("streamdagd: %s\n", error->message);
		return 2;
	}
	if (argc > 1) {
		g_printerr("streamdagd: unexpected argument '%s'\n", argv[1]);
		return 2;
	}
	if (version) {
		g_print("streamdagd %s\n", SDAG_VERSION);
		return 0;
	}
	if (verbose)
		g_log_set_debug_enabled(TRUE);

	config = sdag_config_new();
	if (config_path != NULL && !sdag_config_load_file(config, config_path, &error)) {
		g_printerr("streamdagd: config: %s\n", error->message);
		return 1;
	}
	if (listen != NULL && !sdag_config_set_listen(config, listen, &error)) {
		g_printerr("streamdagd: --listen: %s\n", error->message);
		return 1;
	}
	if (data_dir != NULL && data_dir[0] == '\0') {
		g_printerr("streamdagd: --data-dir must not be empty\n");
		return 1;
	}
	if (data_dir != NULL)
		sdag_config_set_data_dir(config, data_dir);
	/* as in the config file, an empty plugin dir means the installed one */
	for (guint i = 0; media_roots != NULL && media_roots[i] != NULL; i++)
		sdag_config_add_media_root(config, media_roots[i]);
	if (mqtt != NULL && !sdag_mqtt_config_set(&config->mqtt, "broker", mqtt, &error)) {
		g_printerr("streamdagd: --mqtt: %s\n", error->message);
		return 1;
	}
	if (plugin_dir != NULL)
		sdag_config_set_plugin_dir(config,
					   plugin_dir[0] != '\0' ? plugin_dir : SDAG_NODEDIR);

	sdag_main_raise_fd_limit();
	daemon = sdag_daemon_new(g_steal_pointer(&config), &error);
	if (daemon == NULL) {
		g_printerr("streamdagd: %s\n", error->message);
		return 1;
	}
	loop = g_main_loop_new(NULL, FALSE);
	g_unix_signal_add(SIGINT, sdag_main_quit_cb, loop);
	g_unix_signal_add(SIGTERM, sdag_main_quit_cb, loop);
	g_unix_signal_add(SIGHUP, sdag_main_hup_cb, NULL);

	/* the one line a supervisor or a test reads to find an ephemeral port */
	g_print(strchr(daemon->config->listen_host, ':') != NULL
		    ? "streamdagd: listening on http://[%s]:%u/\n"
		    : "streamdagd: listening on http://%s:%u/\n",
		daemon->config->listen_host,
		sdag_daemon_get_port(daemon));
	fflush(stdout);
#if SDAG_HAVE_SYSTEMD
	sd_notify(0, "READY=1");
#endif
	g_main_loop_run(loop);
#if SDAG_HAVE_SYSTEMD
	sd_notify(0, "STOPPING=1");
#endif
	g_clear_pointer(&daemon, sdag_daemon_free);
	g_info("stopped");
	return 0;
}
