/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "sdag-ws"

#include "sdag-ws.h"

#include <linux/sockios.h>
#include <string.h>
#include <sys/ioctl.h>

#include "sdag-error.h"
#include "sdag-json.h"

/*
 * GET /jobs/{id}/events: the feed's messages of one job as WebSocket text messages,
 * {"type", "topic", "payload"} with the payloads of the MQTT topics (docs/websocket.md).
 *
 * The upgrade is done in the REST route rather than with soup_server_add_websocket_handler():
 * such a handler is looked up by path prefix, and one on "/jobs" would run the handshake on
 * every /jobs request left without a status (a cancel waits paused), answering them 400.
 * The route checks the job first (404 before any upgrade), then lets libsoup answer 101 and
 * takes the connection over once that is written.
 *
 * A slow client never holds anything up: each client has its own queue of at most
 * SDAG_WS_QUEUE_MAX messages, and a message leaves it for libsoup only while the socket's
 * unsent bytes (SIOCOUTQ) are below SDAG_WS_OUTQ_MAX, so libsoup's own queue stays small.
 * When the queue is full the oldest message is dropped; the next message the client gets is
 * {"type": "dropped", "count", "total"}. When the job ends, the client's queue is sent and
 * the socket closed with 1000 (normal).
 *
 * What a client may do is bounded ([rest] in the config): a browser's Origin must be the
 * daemon's own or one of allowed_origins (a page elsewhere must not read feeds with the
 * credentials of whoever opens it); the subprotocol, when the client offers any, must
 * include "streamdag", which is the one answered (never a "bearer." value next to it); a
 * message from the client (the feed expects none) may be ws_max_incoming_bytes at most,
 * or the connection is closed with 1009; and every ws_ping_interval_s the client is pinged
 * and, after two intervals with no pong or message from it, closed with 1001, so that a
 * peer gone without a FIN does not hold its connection for good.
 */

#define SDAG_WS_OUTQ_MAX (256 * 1024)
#define SDAG_WS_RETRY_MS 20

typedef struct {
	SdagWs *ws;
	char *job_id;
	char *camera; /* nullable: the client follows this camera's jobs, not one job */
	SoupWebsocketConnection *conn;
	GSocket *socket;
	GQueue queue; /* char * */
	guint64 dropped_pending;
	guint64 dropped_total;
	gboolean closing;
	gulong closed_id;
	gint64 heard_us; /* the client's last pong or message, monotonic */
	guint idle_id;
} SdagWsClient;

struct _SdagWs {
	SdagJobs *jobs;		  /* borrowed */
	const SdagConfig *config; /* borrowed: [rest] allowed_origins and the WebSocket limits */
	GPtrArray *clients;
	guint retry_id;
};

static void
sdag_ws_client_free(SdagWsClient *c)
{
	g_clear_handle_id(&c->idle_id, g_source_remove);
	if (c->closed_id != 0)
		g_signal_handlers_disconnect_by_data(c->conn, c);
	if (soup_websocket_connection_get_state(c->conn) == SOUP_WEBSOCKET_STATE_OPEN)
		soup_websocket_connection_close(c->conn, SOUP_WEBSOCKET_CLOSE_GOING_AWAY, NULL);
	g_object_unref(c->conn);
	g_clear_object(&c->socket);
	g_queue_clear_full(&c->queue, g_free);
	g_free(c->job_id);
	g_free(c->camera);
	g_free(c);
}

static gsize
sdag_ws_client_outq(SdagWsClient *c)
{
	int pending = 0;

	if (c->socket == NULL || ioctl(g_socket_get_fd(c->socket), SIOCOUTQ, &pending) != 0)
		return 0;
	return (gsize)MAX(pending, 0);
}

static gboolean sdag_ws_retry_cb(gpointer user_data);

/* Returns: TRUE when messages are left waiting */
static gboolean
sdag_ws_client_pump(SdagWsClient *c)
{
	if (soup_websocket_connection_get_state(c->conn) != SOUP_WEBSOCKET_STATE_OPEN)
		return FALSE;
	while (!g_queue_is_empty(&c->queue) && sdag_ws_client_outq(c) < SDAG_WS_OUTQ_MAX) {
		g_autofree char *text = NULL;
		if (c->dropped_pending > 0) {
			text = g_strdup_printf("{\"type\":\"dropped\",\"count\":%" G_GUINT64_FORMAT
					       ",\"total\":%" G_GUINT64_FORMAT "}",
					       c->dropped_pending,
					       c->dropped_total);
			c->dropped_pending = 0;
		} else {
			text = g_queue_pop_head(&c->queue);
		}
		soup_websocket_connection_send_text(c->conn, text);
	}
	if (!g_queue_is_empty(&c->queue))
		return TRUE;
	if (c->closing)
		soup_websocket_connection_close(c->conn, SOUP_WEBSOCKET_CLOSE_NORMAL, "job ended");
	return FALSE;
}

static void
sdag_ws_schedule(SdagWs *self)
{
	if (self->retry_id == 0)
		self->retry_id = g_timeout_add(SDAG_WS_RETRY_MS, sdag_ws_retry_cb, self);
}

static gboolean
sdag_ws_retry_cb(gpointer user_data)
{
	SdagWs *self = user_data;
	gboolean again = FALSE;

	for (guint i = 0; i < self->clients->len; i++)
		again |= sdag_ws_client_pump(g_ptr_array_index(self->clients, i));
	if (!again)
		self->retry_id = 0;
	return again ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

static void
sdag_ws_client_push(SdagWsClient *c, char *text, gboolean last)
{
	if (c->closing) {
		g_free(text);
		return;
	}
	if (g_queue_get_length(&c->queue) >= SDAG_WS_QUEUE_MAX) {
		g_free(g_queue_pop_head(&c->queue));
		c->dropped_pending++;
		c->dropped_total++;
	}
	g_queue_push_tail(&c->queue, text);
	c->closing = last;
	if (sdag_ws_client_pump(c))
		sdag_ws_schedule(c->ws);
}

static char *
sdag_ws_envelope(const char *type, const char *topic, JsonNode *payload)
{
	g_autoptr(JsonBuilder) b = json_builder_new_immutable();
	g_autoptr(JsonNode) root = NULL;

	json_builder_begin_object(b);
	json_builder_set_member_name(b, "type");
	json_builder_add_string_value(b, type);
	json_builder_set_member_name(b, "topic");
	json_builder_add_string_value(b, topic);
	json_builder_set_member_name(b, "payload");
	json_builder_add_value(b, json_node_copy(payload));
	json_builder_end_object(b);
	root = json_builder_get_root(b);
	return sdag_json_to_string(root);
}

static void
sdag_ws_feed_cb(const SdagFeedMessage *msg, gpointer user_data)
{
	SdagWs *self = user_data;
	g_autofree char *text = NULL;

	if (msg->target == SDAG_FEED_TO_MQTT || msg->payload == NULL)
		return;
	for (guint i = 0; i < self->clients->len; i++) {
		SdagWsClient *c = g_ptr_array_index(self->clients, i);
		if (c->camera != NULL ? g_strcmp0(c->camera, msg->camera) != 0
				      : g_strcmp0(c->job_id, msg->job_id) != 0)
			continue;
		if (text == NULL)
			text = sdag_ws_envelope(msg->type, msg->topic, msg->payload);
		sdag_ws_client_push(c, g_strdup(text), msg->last && c->camera == NULL);
	}
}

static void
sdag_ws_closed_cb(SoupWebsocketConnection *conn, gpointer user_data)
{
	SdagWsClient *c = user_data;
	SdagWs *self = c->ws;

	g_debug("job %s: websocket client gone", c->job_id);
	g_ptr_array_remove(self->clients, c);
}

typedef struct {
	SdagWs *ws;
	char *job_id;
	char *camera;
	GSocket *socket;
} SdagWsUpgrade;

static void
sdag_ws_upgrade_free(gpointer data, GClosure *closure)
{
	SdagWsUpgrade *u = data;

	g_free(u->job_id);
	g_free(u->camera);
	g_clear_object(&u->socket);
	g_free(u);
}

static void
sdag_ws_heard_cb(SoupWebsocketConnection *conn, gint type, GBytes *data, gpointer user_data)
{
	SdagWsClient *c = user_data;

	c->heard_us = g_get_monotonic_time();
}

static void
sdag_ws_pong_cb(SoupWebsocketConnection *conn, GBytes *data, gpointer user_data)
{
	SdagWsClient *c = user_data;

	c->heard_us = g_get_monotonic_time();
}

/* Each ping interval: a client silent for two of them is gone. */
static gboolean
sdag_ws_idle_cb(gpointer user_data)
{
	SdagWsClient *c = user_data;
	gint64 interval_us = (gint64)c->ws->config->ws_ping_interval_s * G_USEC_PER_SEC;

	if (g_get_monotonic_time() - c->heard_us <= 2 * interval_us)
		return G_SOURCE_CONTINUE;
	g_debug("job %s: websocket client answers no ping: closing it", c->job_id);
	c->idle_id = 0;
	if (soup_websocket_connection_get_state(c->conn) == SOUP_WEBSOCKET_STATE_OPEN)
		soup_websocket_connection_close(
		    c->conn, SOUP_WEBSOCKET_CLOSE_GOING_AWAY, "no answer to pings");
	return G_SOURCE_REMOVE;
}

/* After the 101 is written: the connection is ours. */
static void
sdag_ws_upgraded_cb(SoupServerMessage *msg, gpointer user_data)
{
	SdagWsUpgrade *u = user_data;
	SdagWs *self = u->ws;
	g_autoptr(GIOStream) stream = soup_server_message_steal_connection(msg);
	SoupMessageHeaders *req = soup_server_message_get_request_headers(msg);
	SdagWsClient *c = g_new0(SdagWsClient, 1);
	g_autoptr(JsonNode) job = NULL;
	g_autoptr(GError) error = NULL;

	c->ws = self;
	c->job_id = g_strdup(u->job_id);
	c->camera = g_strdup(u->camera);
	c->socket = g_steal_pointer(&u->socket);
	g_queue_init(&c->queue);
	c->conn = soup_websocket_connection_new(
	    stream,
	    soup_server_message_get_uri(msg),
	    SOUP_WEBSOCKET_CONNECTION_SERVER,
	    soup_message_headers_get_one(req, "Origin"),
	    soup_message_headers_get_one(soup_server_message_get_response_headers(msg),
					 "Sec-WebSocket-Protocol"),
	    NULL);
	soup_websocket_connection_set_max_incoming_payload_size(
	    c->conn, self->config->ws_max_incoming_bytes);
	soup_websocket_connection_set_keepalive_interval(c->conn, self->config->ws_ping_interval_s);
	c->heard_us = g_get_monotonic_time();
	g_signal_connect(c->conn, "message", G_CALLBACK(sdag_ws_heard_cb), c);
	g_signal_connect(c->conn, "pong", G_CALLBACK(sdag_ws_pong_cb), c);
	c->idle_id = g_timeout_add_seconds(self->config->ws_ping_interval_s, sdag_ws_idle_cb, c);
	c->closed_id = g_signal_connect(c->conn, "closed", G_CALLBACK(sdag_ws_closed_cb), c);
	g_ptr_array_add(self->clients, c);
	/* where the job is now; a job already over ends the stream at once */
	job = sdag_jobs_get(self->jobs, c->job_id, &error);
	if (job != NULL) {
		JsonObject *o = json_node_get_object(job);
		SdagJobStatus st = SDAG_JOB_QUEUED;
		g_autofree char *topic = g_strdup_printf("jobs/%s/status", c->job_id);
		gboolean terminal =
		    sdag_job_status_from_string(json_object_get_string_member(o, "status"), &st) &&
		    sdag_job_status_is_terminal(st);

		json_object_remove_member(o, "pipeline");
		/* a camera's client stays for the camera's next job */
		sdag_ws_client_push(
		    c, sdag_ws_envelope("status", topic, job), terminal && c->camera == NULL);
	}
}

/*
 * A browser's Origin: the daemon's own (the scheme of the connection and the Host the
 * browser asked for) or one of [rest] allowed_origins. No Origin: not a browser, allowed.
 */
static gboolean
sdag_ws_origin_allowed(SdagWs *self, SoupServerMessage *msg, gboolean tls, const char *origin)
{
	const char *host =
	    soup_message_headers_get_one(soup_server_message_get_request_headers(msg), "Host");
	g_autofree char *own = NULL;

	if (origin == NULL)
		return TRUE;
	if (host != NULL) {
		own = g_strconcat(tls ? "https://" : "http://", host, NULL);
		if (g_ascii_strcasecmp(origin, own) == 0)
			return TRUE;
	}
	for (guint i = 0; self->config->allowed_origins[i] != NULL; i++) {
		if (g_ascii_strcasecmp(origin, self->config->allowed_origins[i]) == 0)
			return TRUE;
	}
	return FALSE;
}

/**
 * sdag_ws_accept:
 *
 * @socket: (nullable): the connection's socket, whose unsent bytes pace the client's queue
 * @tls: the connection is HTTPS: the daemon's own origin is https://
 *
 * @camera: (nullable): GET /cameras/{name}/events: the client follows the camera from its
 *   current job @job_id to its next ones, and is not closed when one ends
 *
 * Called by the REST route for GET /jobs/{id}/events: checks the job, the origin and the
 * handshake and lets libsoup answer 101; on error nothing is answered and @error says why.
 */
gboolean
sdag_ws_accept(SdagWs *self,
	       SoupServerMessage *msg,
	       GSocket *socket,
	       gboolean tls,
	       const char *job_id,
	       const char *camera,
	       GError **error)
{
	static const char *const protocols[] = {SDAG_WS_PROTOCOL, NULL};
	g_autoptr(JsonNode) job = sdag_jobs_get(self->jobs, job_id, error);
	g_autoptr(GError) error_local = NULL;
	const char *origin =
	    soup_message_headers_get_one(soup_server_message_get_request_headers(msg), "Origin");
	SdagWsUpgrade *u;

	if (job == NULL)
		return FALSE;
	if (!sdag_ws_origin_allowed(self, msg, tls, origin)) {
		g_set_error(
		    error,
		    SDAG_ERROR,
		    SDAG_ERROR_ORIGIN_FORBIDDEN,
		    "a page of %s may not open this feed: it is not the daemon's own origin "
		    "nor in [rest] allowed_origins",
		    origin);
		return FALSE;
	}
	/* a client offering protocols must offer ours; one offering none gets none */
	if (!soup_websocket_server_check_handshake(
		msg, NULL, (char **)protocols, NULL, &error_local)) {
		g_set_error(error,
			    SDAG_ERROR,
			    SDAG_ERROR_BAD_REQUEST,
			    "GET /jobs/%s/events is a WebSocket (subprotocol \"" SDAG_WS_PROTOCOL
			    "\", if any): %s",
			    job_id,
			    error_local->message);
		return FALSE;
	}
	soup_websocket_server_process_handshake(msg, NULL, (char **)protocols, NULL, NULL);
	u = g_new0(SdagWsUpgrade, 1);
	u->ws = self;
	u->job_id = g_strdup(job_id);
	u->camera = g_strdup(camera);
	u->socket = socket != NULL ? g_object_ref(socket) : NULL;
	g_signal_connect_data(msg,
			      "wrote-informational",
			      G_CALLBACK(sdag_ws_upgraded_cb),
			      u,
			      sdag_ws_upgrade_free,
			      0);
	return TRUE;
}

SdagWs *
sdag_ws_new(SdagJobs *jobs, SdagFeed *feed, const SdagConfig *config)
{
	SdagWs *self = g_new0(SdagWs, 1);

	self->jobs = jobs;
	self->config = config;
	self->clients = g_ptr_array_new_with_free_func((GDestroyNotify)sdag_ws_client_free);
	sdag_feed_add_sink(feed, sdag_ws_feed_cb, self);
	return self;
}

void
sdag_ws_free(SdagWs *self)
{
	if (self == NULL)
		return;
	if (self->retry_id != 0)
		g_source_remove(self->retry_id);
	g_ptr_array_unref(self->clients);
	g_free(self);
}
