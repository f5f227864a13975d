/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "sdag-notify"

#include "config.h"

#include "sdag-notify.h"

#if SDAG_HAVE_SYSTEMD
#include <systemd/sd-daemon.h>
#endif

/*
 * What the service manager hears: READY/RELOADING/STOPPING when the state changes, STATUS=
 * when the status line does (checked each second), and WATCHDOG=1 at half the unit's
 * WatchdogSec=. Both timers run on the main loop on purpose: a main loop that no longer
 * turns (a handler stuck in a lock, a blocking call) stops the pings, and systemd restarts
 * the daemon. Without NOTIFY_SOCKET (not under systemd) nothing is sent and no timer runs.
 */

#define SDAG_NOTIFY_STATUS_INTERVAL_S 1

struct _SdagNotify {
	SdagNotifyStatusFunc status;
	gpointer status_data;
	char *last_status;
	guint status_id;
	guint watchdog_id;
	guint64 watchdog_usec; /* 0: no watchdog */
};

static void
sdag_notify_raw(const char *text)
{
#if SDAG_HAVE_SYSTEMD
	int rc = sd_notify(0, text);

	if (rc < 0)
		g_debug("sd_notify(%s): %s", text, g_strerror(-rc));
#endif
}

static gboolean
sdag_notify_watchdog_cb(gpointer user_data)
{
	sdag_notify_raw("WATCHDOG=1");
	return G_SOURCE_CONTINUE;
}

static gboolean
sdag_notify_status_cb(gpointer user_data)
{
	SdagNotify *self = user_data;
	g_autofree char *status = self->status(self->status_data);

	if (g_strcmp0(status, self->last_status) != 0) {
		g_autofree char *line = g_strdup_printf("STATUS=%s", status);

		sdag_notify_raw(line);
		g_free(self->last_status);
		self->last_status = g_steal_pointer(&status);
	}
	return G_SOURCE_CONTINUE;
}

/**
 * sdag_notify_new:
 * @status: called on the main loop for the STATUS= line
 *
 * Starts the watchdog pings (when the unit asks for them: $WATCHDOG_USEC) and the status
 * line; READY=1 is the caller's to send once it serves.
 */
SdagNotify *
sdag_notify_new(SdagNotifyStatusFunc status, gpointer user_data)
{
	SdagNotify *self = g_new0(SdagNotify, 1);
	const char *socket = g_getenv("NOTIFY_SOCKET");

	self->status = status;
	self->status_data = user_data;
	if (socket == NULL || socket[0] == '\0')
		return self;
#if SDAG_HAVE_SYSTEMD
	{
		uint64_t usec = 0;

		if (sd_watchdog_enabled(0, &usec) > 0 && usec > 0) {
			self->watchdog_usec = usec;
			self->watchdog_id =
			    g_timeout_add(MAX(usec / 2000, 1), sdag_notify_watchdog_cb, self);
			g_info("watchdog: pinging every %" G_GUINT64_FORMAT " ms",
			       (guint64)usec / 2000);
		}
	}
#endif
	self->status_id =
	    g_timeout_add_seconds(SDAG_NOTIFY_STATUS_INTERVAL_S, sdag_notify_status_cb, self);
	return self;
}

/**
 * sdag_notify_send:
 * @state: "READY=1", "RELOADING=1" or "STOPPING=1"
 *
 * Sends @state with the current status line.
 */
void
sdag_notify_send(SdagNotify *self, const char *state)
{
	g_autofree char *status = self->status(self->status_data);
	g_autofree char *text = g_strdup_printf("%s\nSTATUS=%s", state, status);

	sdag_notify_raw(text);
	g_free(self->last_status);
	self->last_status = g_steal_pointer(&status);
}

void
sdag_notify_free(SdagNotify *self)
{
	if (self == NULL)
		return;
	g_clear_handle_id(&self->status_id, g_source_remove);
	g_clear_handle_id(&self->watchdog_id, g_source_remove);
	g_free(self->last_status);
	g_free(self);
}
