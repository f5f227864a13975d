/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * streamdagctl: the operator's command line for a running streamdagd. It
 * speaks only the public REST API, so anything it does a script can do too.
 */
#define G_LOG_DOMAIN "streamdagctl"

#include "config.h"

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <locale.h>
#include <string.h>

#include "sdag-json.h"

typedef struct {
	SoupSession *session;
	char *base;
} SdagCtl;

/* exit codes: 0 success, 1 the API refused, 2 usage or connection problem */
enum { SDAG_CTL_OK, SDAG_CTL_REFUSED, SDAG_CTL_FAILED };

static void
sdag_ctl_print_body(GBytes *body, gboolean to_stderr)
{
	g_autoptr(JsonParser) parser = json_parser_new();
	gsize len = 0;
	const char *data = g_bytes_get_data(body, &len);
	g_autofree char *pretty = NULL;

	if (len == 0)
		return;
	if (!json_parser_load_from_data(parser, data, len, NULL)) {
		g_autofree char *text = g_strndup(data, len);
		(to_stderr ? g_printerr : g_print)("%s\n", text);
		return;
	}
	pretty = sdag_json_to_string_pretty(json_parser_get_root(parser));
	(to_stderr ? g_printerr : g_print)("%s\n", pretty);
}

/* @label, when set, names what the request is about (a file) in its output */
static int
sdag_ctl_request(SdagCtl *ctl,
		 const char *method,
		 const char *path,
		 GBytes *body,
		 const char *label)
{
	g_autofree char *uri = g_strconcat(ctl->base, path, NULL);
	g_autoptr(SoupMessage) msg = soup_message_new(method, uri);
	g_autoptr(GBytes) reply = NULL;
	g_autoptr(GError) error = NULL;
	guint status;

	if (msg == NULL) {
		g_printerr("streamdagctl: bad URL %s\n", uri);
		return SDAG_CTL_FAILED;
	}
	if (body != NULL)
		soup_message_set_request_body_from_bytes(msg, "application/json", body);
	reply = soup_session_send_and_read(ctl->session, msg, NULL, &error);
	if (reply == NULL) {
		g_printerr("streamdagctl: %s %s: %s\n", method, uri, error->message);
		return SDAG_CTL_FAILED;
	}
	status = soup_message_get_status(msg);
	if (status >= 200 && status < 300) {
		if (label != NULL)
			g_print("%s:\n", label);
		sdag_ctl_print_body(reply, FALSE);
		return SDAG_CTL_OK;
	}
	g_printerr("streamdagctl: %s%s%s %s: HTTP %u\n",
		   label != NULL ? label : "",
		   label != NULL ? ": " : "",
		   method,
		   path,
		   status);
	sdag_ctl_print_body(reply, TRUE);
	return SDAG_CTL_REFUSED;
}

static int
sdag_ctl_pipelines(SdagCtl *ctl, int argc, char **argv, gboolean dry_run)
{
	int rc = SDAG_CTL_OK;

	if (argc < 1) {
		g_printerr("streamdagctl: pipelines list | get ID | add FILE... | delete ID\n");
		return SDAG_CTL_FAILED;
	}
	if (g_strcmp0(argv[0], "list") == 0)
		return sdag_ctl_request(ctl, "GET", "/pipelines", NULL, NULL);
	if ((g_strcmp0(argv[0], "get") == 0 || g_strcmp0(argv[0], "delete") == 0) && argc == 2) {
		g_autofree char *id = g_uri_escape_string(argv[1], NULL, FALSE);
		g_autofree char *path = g_strconcat("/pipelines/", id, NULL);
		return sdag_ctl_request(
		    ctl, argv[0][0] == 'g' ? "GET" : "DELETE", path, NULL, NULL);
	}
	if (g_strcmp0(argv[0], "add") == 0 && argc >= 2) {
		const char *path = dry_run ? "/pipelines?dry_run=true" : "/pipelines";

		for (int i = 1; i < argc; i++) {
			g_autofree char *data = NULL;
			g_autoptr(GError) error = NULL;
			g_autoptr(GBytes) body = NULL;
			gsize len = 0;
			int one;

			/* one bad file does not stop the others */
			if (!g_file_get_contents(argv[i], &data, &len, &error)) {
				g_printerr("streamdagctl: %s\n", error->message);
				rc = SDAG_CTL_FAILED;
				continue;
			}
			body = g_bytes_new_take(g_steal_pointer(&data), len);
			one = sdag_ctl_request(ctl, "POST", path, body, argv[i]);
			rc = MAX(rc, one);
		}
		return rc;
	}
	g_printerr("streamdagctl: unknown pipelines command\n");
	return SDAG_CTL_FAILED;
}

int
main(int argc, char **argv)
{
	g_autofree char *url = NULL;
	gboolean dry_run = FALSE;
	const GOptionEntry entries[] = {
	    {"url",
	     'u',
	     0,
	     G_OPTION_ARG_STRING,
	     &url,
	     "Daemon URL (default $STREAMDAG_URL or http://127.0.0.1:8080)",
	     "URL"},
	    {"dry-run",
	     'n',
	     0,
	     G_OPTION_ARG_NONE,
	     &dry_run,
	     "Validate pipelines without storing them",
	     NULL},
	    {NULL}};
	g_autoptr(GOptionContext) ctx =
	    g_option_context_new("COMMAND - control streamdagd\n\n"
				 "Commands:\n"
				 "  health                 daemon health\n"
				 "  node-types             the node types and their params\n"
				 "  pipelines list         registered pipelines\n"
				 "  pipelines get ID       one pipeline\n"
				 "  pipelines add FILE...  register pipelines from JSON files\n"
				 "  pipelines delete ID    remove a pipeline");
	g_autoptr(GError) error = NULL;
	SdagCtl ctl = {0};
	int rc;

	setlocale(LC_ALL, "");
	g_option_context_add_main_entries(ctx, entries, NULL);
	if (!g_option_context_parse(ctx, &argc, &argv, &error)) {
		g_printerr("streamdagctl: %s\n", error->message);
		return SDAG_CTL_FAILED;
	}
	if (url == NULL)
		url = g_strdup(g_getenv("STREAMDAG_URL") != NULL ? g_getenv("STREAMDAG_URL")
								 : "http://127.0.0.1:8080");
	while (g_str_has_suffix(url, "/"))
		url[strlen(url) - 1] = '\0';
	if (argc < 2) {
		g_autofree char *help = g_option_context_get_help(ctx, TRUE, NULL);
		g_printerr("%s", help);
		return SDAG_CTL_FAILED;
	}
	ctl.base = url;
	ctl.session = soup_session_new_with_options("timeout", 30, NULL);
	if (g_strcmp0(argv[1], "health") == 0)
		rc = sdag_ctl_request(&ctl, "GET", "/healthz", NULL, NULL);
	else if (g_strcmp0(argv[1], "node-types") == 0)
		rc = sdag_ctl_request(&ctl, "GET", "/node-types", NULL, NULL);
	else if (g_strcmp0(argv[1], "pipelines") == 0)
		rc = sdag_ctl_pipelines(&ctl, argc - 2, argv + 2, dry_run);
	else {
		g_printerr("streamdagctl: unknown command '%s'\n", argv[1]);
		rc = SDAG_CTL_FAILED;
	}
	g_object_unref(ctl.session);
	return rc;
}
