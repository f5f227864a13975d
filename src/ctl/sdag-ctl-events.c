/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The WebSocket feeds of streamdagctl: jobs tail, cameras tail (every message printed) and
 * jobs watch (each message drawn as a progress line) share this one client.
 */
#define G_LOG_DOMAIN "streamdagctl"

#include <signal.h>
#include <stdio.h>

#include <glib-unix.h>

#include "sdag-ctl-private.h"

typedef struct {
	GMainLoop *loop;
	SdagCtlEventFunc func;
	gpointer user_data;
	guint status;	 /* the refused handshake's HTTP status, 0 when it was not answered */
	gboolean opened; /* the handshake succeeded */
	char *reason;	 /* why there is no feed, when there is none */
} SdagCtlFollow;

static void
sdag_ctl_follow_message_cb(SoupWebsocketConnection *conn,
			   gint type,
			   GBytes *message,
			   gpointer user_data)
{
	SdagCtlFollow *f = user_data;

	f->func(message, f->user_data);
}

static void
sdag_ctl_follow_closed_cb(SoupWebsocketConnection *conn, gpointer user_data)
{
	SdagCtlFollow *f = user_data;

	g_main_loop_quit(f->loop);
}

static void
sdag_ctl_follow_connected_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	SdagCtlFollow *f = user_data;
	g_autoptr(GError) error = NULL;
	SoupWebsocketConnection *conn =
	    soup_session_websocket_connect_finish(SOUP_SESSION(source), res, &error);

	if (conn == NULL) {
		SoupMessage *msg = soup_session_get_async_result_message(SOUP_SESSION(source), res);

		f->status = msg != NULL ? soup_message_get_status(msg) : 0;
		f->reason = g_strdup(error->message);
		g_main_loop_quit(f->loop);
		return;
	}
	f->opened = TRUE;
	g_signal_connect(conn, "message", G_CALLBACK(sdag_ctl_follow_message_cb), f);
	g_signal_connect(conn, "closed", G_CALLBACK(sdag_ctl_follow_closed_cb), f);
	/* the connection lives as long as the loop */
	g_object_set_data_full(G_OBJECT(source), "sdag-follow", conn, g_object_unref);
}

static gboolean
sdag_ctl_follow_sigint_cb(gpointer user_data)
{
	SdagCtlFollow *f = user_data;

	g_main_loop_quit(f->loop);
	/* removed by sdag_ctl_events_follow() */
	return G_SOURCE_CONTINUE;
}

/* A tail's: each message on its own line, as it came. */
static void
sdag_ctl_events_print(GBytes *message, gpointer user_data)
{
	gsize len = 0;
	const char *data = g_bytes_get_data(message, &len);

	fwrite(data, 1, len, stdout);
	fputc('\n', stdout);
	fflush(stdout);
}

int
sdag_ctl_events_follow(SdagCtl *ctl,
		       const char *path,
		       SdagCtlEventFunc func,
		       gpointer user_data,
		       guint *refused_status,
		       char **reason)
{
	const char *protocols[] = {"streamdag", NULL};
	g_autofree char *uri = g_strconcat(ctl->base, path, NULL);
	g_autoptr(SoupMessage) msg = soup_message_new("GET", uri);
	g_autoptr(GMainLoop) loop = g_main_loop_new(NULL, FALSE);
	SdagCtlFollow f = {.loop = loop, .func = func, .user_data = user_data};
	guint sigint = 0;

	*refused_status = 0;
	if (msg == NULL) {
		*reason = g_strdup_printf("bad URL %s", uri);
		return SDAG_CTL_FAILED;
	}
	if (ctl->token != NULL) {
		g_autofree char *authz = g_strconcat("Bearer ", ctl->token, NULL);
		soup_message_headers_replace(
		    soup_message_get_request_headers(msg), "Authorization", authz);
	}
	/* Ctrl-C ends a tail (exit 0); a watch keeps the default (or its own handler,
	 * which ends a redrawn line): stopping to look is not the job's end */
	if (func == sdag_ctl_events_print)
		sigint = g_unix_signal_add(SIGINT, sdag_ctl_follow_sigint_cb, &f);
	soup_session_websocket_connect_async(ctl->session,
					     msg,
					     NULL,
					     (char **)protocols,
					     G_PRIORITY_DEFAULT,
					     NULL,
					     sdag_ctl_follow_connected_cb,
					     &f);
	g_main_loop_run(loop);
	if (sigint != 0)
		g_source_remove(sigint);
	g_object_set_data(G_OBJECT(ctl->session), "sdag-follow", NULL);
	if (f.opened)
		return SDAG_CTL_OK;
	*refused_status = f.status;
	*reason = g_steal_pointer(&f.reason);
	return f.status >= 400 && f.status < 500 ? SDAG_CTL_REFUSED : SDAG_CTL_FAILED;
}

int
sdag_ctl_events_tail(SdagCtl *ctl, const char *path)
{
	g_autofree char *reason = NULL;
	guint status = 0;
	int rc = sdag_ctl_events_follow(ctl, path, sdag_ctl_events_print, NULL, &status, &reason);

	if (rc == SDAG_CTL_REFUSED) {
		/* the handshake's refusal carries no body to a WebSocket client: the same path
		 * as a plain GET answers the API's error (404 before 400 for the handshake) */
		g_auto(SdagCtlReply) reply = {0};

		if (sdag_ctl_send(ctl, "GET", path, NULL, &reply) == SDAG_CTL_OK &&
		    !sdag_ctl_reply_ok(&reply) && reply.status == status)
			return sdag_ctl_refused(ctl, "GET", path, NULL, &reply, FALSE);
	}
	if (rc != SDAG_CTL_OK)
		g_printerr("streamdagctl: GET %s: %s\n", path, reason);
	return rc;
}
