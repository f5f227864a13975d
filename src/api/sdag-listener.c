/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "sdag-listener"

#include "sdag-listener.h"

#include <errno.h>
#include <gio/gnetworking.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sdag-error.h"
#include "sdag-json.h"

/*
 * The REST API's listening socket, and the bounds on its client connections.
 *
 * libsoup's own listener stops for good after one failed accept() (running out of file
 * descriptors was enough to leave the API dead until a restart) and bounds nothing. So the
 * socket is ours: accepted connections are handed to libsoup with
 * soup_server_accept_iostream(), and a failed accept() only pauses accepting, 100 ms at
 * first, doubling up to 1 s, while the kernel's queue (SOMAXCONN long) holds the clients.
 *
 * A connection over [rest] max_connections, or over max_connections_per_client from one
 * client IP address, is answered 503 at once and closed (sdag_listener_refuse()), before
 * libsoup sees it: a client holding its connections open cannot take those of the others.
 * The count per client is by address alone (not port), with an IPv4-mapped IPv6 address
 * counted as the IPv4 address it is, so that a dual-stack socket cannot double a client's
 * share.
 *
 * Each open connection has a record, keyed by the remote address object handed to libsoup,
 * which libsoup hands back as soup_server_message_get_remote_address() of the connection's
 * messages. A connection counts as open until its GSocketConnection is finalized, which
 * covers a WebSocket that took the connection over too. One timer per connection bounds
 * the time spent waiting for the client:
 *
 *   accepted, or first byte of a later request ... headers due within header_timeout_s
 *   got-headers .................................. body due within idle_timeout_s
 *   got-body ..................................... no timer: the handler may wait (paused)
 *   request finished ............................. next request due within idle_timeout_s
 *
 * A connection that runs out of time is shut down; libsoup reads the end of the stream and
 * closes it as if the client had gone. A WebSocket never finishes its upgrade request in
 * libsoup's sense (its connection is stolen), so it never gets a timer.
 *
 * Between requests libsoup 3.2 is of no help: a connection the client closes there is never
 * closed (its next message has not started, so nothing finishes it; fixed in libsoup 3.3),
 * and its descriptor would stay open for good. So while a connection waits for its next
 * request the listener watches the socket itself, and a connection whose client has gone,
 * or that ran out of time, is taken back from libsoup through its last message
 * (soup_server_message_steal_connection(), which makes libsoup forget it) and closed here.
 *
 * HTTPS is on the same socket, for every connection, once a certificate is set. libsoup 3.2
 * does TLS only on the listeners it makes itself, so the listener does it: an accepted
 * connection waits for its first byte (the ClientHello), then its handshake runs, and only a
 * connection whose handshake succeeded is handed to libsoup, as the TLS stream. GIO runs
 * each handshake as a blocking one in a thread of its pool: waiting for the first byte keeps
 * a client that connects and says nothing off those threads. header_timeout_s, from the
 * accept, bounds the wait and the handshake (a timed-out handshake is cancelled and counts
 * as a header timeout); a failed handshake closes the connection and counts in
 * streamdag_http_tls_handshake_failures_total. The record counts the connection as before:
 * the TLS stream holds the GSocketConnection until the end.
 *
 * Every answer over TLS says "Connection: close". Between requests the idle watch can only
 * peek at the raw socket, and with TLS the client's close_notify alert looks like the first
 * bytes of a request: the watch would let libsoup read it, libsoup 3.2 reads the end of the
 * stream in a message that has not started, and the connection is neither closed nor safe to
 * steal any more (measured: five curl requests left five connections open, and the idle
 * timer's soup_server_message_steal_connection() then crashes). Without keep-alive there is
 * no "between requests"; a client pays one handshake per request. WebSocket upgrades are
 * left alone: their connection is stolen by the WebSocket at once.
 */

#define SDAG_LISTENER_BACKOFF_MIN_MS 100
#define SDAG_LISTENER_BACKOFF_MAX_MS 1000
/* accepted per wake-up, so that a flood of connects does not starve the main loop */
#define SDAG_LISTENER_ACCEPT_BATCH 64

typedef enum {
	SDAG_LISTENER_WAIT_HEADERS,
	SDAG_LISTENER_WAIT_BODY,
	SDAG_LISTENER_WAIT_REQUEST,
	SDAG_LISTENER_BUSY,
} SdagListenerStage;

static const char *const sdag_listener_stage_names[] = {"header", "body", "idle", "busy"};

typedef struct {
	SdagListener *listener; /* NULL once the listener is gone */
	GSocket *socket;
	GSocketAddress *remote; /* the key in listener->conns */
	char *client;		/* the key in listener->per_client */
	GObject *stream;	/* weak: the GSocketConnection */
	SdagListenerStage stage;
	guint timer_id;
	/* while waiting for the next request: the last request, a handle on the connection,
	 * and the watch that notices the client leave */
	SoupServerMessage *last_msg;
	GSource *idle_watch;
	/* TLS, until the connection is handed to libsoup: the stream and the local address to
	 * hand over, the watch for the ClientHello, then the handshake's cancellable */
	gboolean tls;
	GIOStream *tls_stream;
	GSocketAddress *local;
	GSource *hello_watch;
	GCancellable *handshake;
} SdagListenerConn;

struct _SdagListener {
	SoupServer *server;
	SdagProm *prom; /* borrowed */
	SdagListenerLimits limits;
	GSocket *socket;
	guint16 port;
	GSource *watch; /* NULL while backing off */
	guint retry_id;
	guint backoff_ms; /* 0 while accepts succeed */
	GSocket *keepalive_peer;
	GHashTable *conns;	/* GSocketAddress * (remote) -> SdagListenerConn * (a reference) */
	GHashTable *per_client; /* char * (client IP address) -> open connections, as a pointer */
	char *refusal;		/* the whole 503 answer of a connection over the cap */
	char *refusal_per_client;     /* and of one over the cap of its client */
	GTlsCertificate *certificate; /* NULL: plain HTTP */
	char *plain_refusal;	      /* the whole 400 answer to plain HTTP on the HTTPS port */
};

static void
sdag_listener_conn_unwatch(SdagListenerConn *c)
{
	if (c->idle_watch != NULL) {
		g_source_destroy(c->idle_watch);
		g_clear_pointer(&c->idle_watch, g_source_unref);
	}
	g_clear_object(&c->last_msg);
}

static void
sdag_listener_conn_clear(gpointer data)
{
	SdagListenerConn *c = data;

	g_clear_handle_id(&c->timer_id, g_source_remove);
	sdag_listener_conn_unwatch(c);
	if (c->hello_watch != NULL) {
		g_source_destroy(c->hello_watch);
		g_clear_pointer(&c->hello_watch, g_source_unref);
	}
	g_clear_object(&c->handshake);
	g_clear_object(&c->tls_stream);
	g_clear_object(&c->local);
	g_clear_object(&c->socket);
	g_clear_object(&c->remote);
	g_clear_pointer(&c->client, g_free);
}

static void
sdag_listener_conn_release(gpointer data)
{
	g_rc_box_release_full(data, sdag_listener_conn_clear);
}

static void
sdag_listener_conn_release_notify(gpointer data, GClosure *closure)
{
	sdag_listener_conn_release(data);
}

static void
sdag_listener_count(SdagListener *self)
{
	sdag_prom_set(
	    self->prom, "streamdag_http_connections", NULL, (double)g_hash_table_size(self->conns));
}

/* Closes a connection waiting for its next request, which libsoup would not close. */
static void
sdag_listener_conn_drop(SdagListenerConn *c)
{
	g_autoptr(SoupServerMessage) msg = g_steal_pointer(&c->last_msg);
	g_autoptr(GIOStream) stream = NULL;

	sdag_listener_conn_unwatch(c);
	/* closed: libsoup closed it itself and forgot it, and must not be told twice */
	if (msg == NULL || g_socket_is_closed(c->socket))
		return;
	stream = soup_server_message_steal_connection(msg);
	if (stream != NULL)
		g_io_stream_close(stream, NULL, NULL);
}

static gboolean sdag_listener_tls_expire(SdagListenerConn *c);

static gboolean
sdag_listener_expired_cb(gpointer user_data)
{
	SdagListenerConn *c = g_rc_box_acquire(user_data);
	const char *labels[] = {"timeout", sdag_listener_stage_names[c->stage], NULL};

	c->timer_id = 0;
	g_debug("closing a connection that sent nothing for its %s timeout", labels[1]);
	sdag_prom_add(c->listener->prom, "streamdag_http_connections_timed_out_total", labels, 1);
	if (sdag_listener_tls_expire(c))
		; /* not libsoup's yet */
	else if (c->stage == SDAG_LISTENER_WAIT_REQUEST)
		sdag_listener_conn_drop(c);
	else
		/* not a close: libsoup owns the descriptor, and sees the end of the stream */
		g_socket_shutdown(c->socket, TRUE, TRUE, NULL);
	sdag_listener_conn_release(c);
	return G_SOURCE_REMOVE;
}

/* The socket of a connection waiting for its next request is readable: either that
 * request, which libsoup reads, or the end of the stream. */
static gboolean
sdag_listener_idle_cb(GSocket *socket, GIOCondition condition, gpointer user_data)
{
	SdagListenerConn *c = g_rc_box_acquire(user_data);
	char byte;
	gssize n = 0;

	if (!g_socket_is_closed(socket)) {
		n = recv(g_socket_get_fd(socket), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
			sdag_listener_conn_release(c);
			return G_SOURCE_CONTINUE;
		}
	}
	if (n > 0) {
		/* the next request: libsoup's request-started follows */
		g_clear_pointer(&c->idle_watch, g_source_unref);
	} else {
		g_debug("a client closed its connection between requests");
		/* the watch is being dispatched: destroying it here is allowed */
		sdag_listener_conn_drop(c);
	}
	sdag_listener_conn_release(c);
	return G_SOURCE_REMOVE;
}

static void
sdag_listener_conn_wait(SdagListenerConn *c, SdagListenerStage stage)
{
	guint seconds = 0;

	g_clear_handle_id(&c->timer_id, g_source_remove);
	sdag_listener_conn_unwatch(c);
	c->stage = stage;
	if (c->listener == NULL)
		return;
	switch (stage) {
	case SDAG_LISTENER_WAIT_HEADERS:
		seconds = c->listener->limits.header_timeout_s;
		break;
	case SDAG_LISTENER_WAIT_BODY:
	case SDAG_LISTENER_WAIT_REQUEST:
		seconds = c->listener->limits.idle_timeout_s;
		break;
	case SDAG_LISTENER_BUSY:
		return;
	}
	c->timer_id = g_timeout_add(seconds * 1000, sdag_listener_expired_cb, c);
}

/* The client's IP address as text, an IPv4-mapped IPv6 address as its IPv4 address;
 * NULL for an address that is not IP. */
static char *
sdag_listener_client_key(GSocketAddress *remote)
{
	GInetAddress *addr;
	const guint8 *bytes;
	static const guint8 mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

	if (!G_IS_INET_SOCKET_ADDRESS(remote))
		return NULL;
	addr = g_inet_socket_address_get_address(G_INET_SOCKET_ADDRESS(remote));
	bytes = g_inet_address_to_bytes(addr);
	if (g_inet_address_get_family(addr) == G_SOCKET_FAMILY_IPV6 &&
	    memcmp(bytes, mapped, sizeof(mapped)) == 0) {
		g_autoptr(GInetAddress) v4 =
		    g_inet_address_new_from_bytes(bytes + sizeof(mapped), G_SOCKET_FAMILY_IPV4);
		return g_inet_address_to_string(v4);
	}
	return g_inet_address_to_string(addr);
}

static guint
sdag_listener_client_count(SdagListener *self, const char *client)
{
	return GPOINTER_TO_UINT(g_hash_table_lookup(self->per_client, client));
}

static void
sdag_listener_client_forget(SdagListener *self, const char *client)
{
	guint n = sdag_listener_client_count(self, client);

	if (n <= 1)
		g_hash_table_remove(self->per_client, client);
	else
		g_hash_table_insert(self->per_client, g_strdup(client), GUINT_TO_POINTER(n - 1));
}

/* The connection's stream is finalized: its descriptor is closed, it no longer counts. */
static void
sdag_listener_conn_gone_cb(gpointer data, GObject *where_the_object_was)
{
	SdagListenerConn *c = data;
	SdagListener *self = c->listener;

	c->stream = NULL;
	g_clear_handle_id(&c->timer_id, g_source_remove);
	sdag_listener_conn_unwatch(c);
	sdag_listener_client_forget(self, c->client);
	g_hash_table_remove(self->conns, c->remote);
	sdag_listener_count(self);
}

static SdagListenerConn *
sdag_listener_lookup(SdagListener *self, SoupServerMessage *msg)
{
	GSocketAddress *remote = soup_server_message_get_remote_address(msg);

	return remote != NULL ? g_hash_table_lookup(self->conns, remote) : NULL;
}

static void sdag_listener_tls_got_headers(SdagListenerConn *c, SoupServerMessage *msg);

static void
sdag_listener_got_headers_cb(SoupServerMessage *msg, gpointer user_data)
{
	sdag_listener_tls_got_headers(user_data, msg);
	sdag_listener_conn_wait(user_data, SDAG_LISTENER_WAIT_BODY);
}

static void
sdag_listener_got_body_cb(SoupServerMessage *msg, gpointer user_data)
{
	sdag_listener_conn_wait(user_data, SDAG_LISTENER_BUSY);
}

/* Emitted when a connection opens and at the first byte of each later request. */
static void
sdag_listener_request_started_cb(SoupServer *server, SoupServerMessage *msg, gpointer user_data)
{
	SdagListenerConn *c = sdag_listener_lookup(user_data, msg);

	if (c == NULL)
		return;
	sdag_listener_conn_wait(c, SDAG_LISTENER_WAIT_HEADERS);
	/* the message may outlive the listener; the record knows when it has */
	g_signal_connect_data(msg,
			      "got-headers",
			      G_CALLBACK(sdag_listener_got_headers_cb),
			      g_rc_box_acquire(c),
			      sdag_listener_conn_release_notify,
			      0);
	g_signal_connect_data(msg,
			      "got-body",
			      G_CALLBACK(sdag_listener_got_body_cb),
			      g_rc_box_acquire(c),
			      sdag_listener_conn_release_notify,
			      0);
}

/* Whether libsoup keeps the connection after this answer, by the rules it applies
 * (soup_server_message_is_keepalive() is not public); when this is wrong, the idle watch
 * still sees the socket closed. */
static gboolean
sdag_listener_keeps_alive(SoupServerMessage *msg)
{
	SoupMessageHeaders *req = soup_server_message_get_request_headers(msg);
	SoupMessageHeaders *resp = soup_server_message_get_response_headers(msg);

	if (soup_message_headers_header_contains(req, "Connection", "close") ||
	    soup_message_headers_header_contains(resp, "Connection", "close"))
		return FALSE;
	if (soup_server_message_get_http_version(msg) == SOUP_HTTP_1_0)
		return soup_message_headers_header_contains(req, "Connection", "Keep-Alive");
	return TRUE;
}

static void
sdag_listener_request_ended_cb(SoupServer *server, SoupServerMessage *msg, gpointer user_data)
{
	SdagListenerConn *c = sdag_listener_lookup(user_data, msg);

	if (c == NULL)
		return;
	if (!sdag_listener_keeps_alive(msg)) {
		/* libsoup closes it now */
		sdag_listener_conn_wait(c, SDAG_LISTENER_BUSY);
		return;
	}
	sdag_listener_conn_wait(c, SDAG_LISTENER_WAIT_REQUEST);
	/* kept only as a handle on the connection: its bodies are done with (the handlers of
	 * request-finished connected before this one have run) */
	soup_message_body_truncate(soup_server_message_get_request_body(msg));
	soup_message_body_truncate(soup_server_message_get_response_body(msg));
	c->last_msg = g_object_ref(msg);
	c->idle_watch = g_socket_create_source(c->socket, G_IO_IN | G_IO_HUP | G_IO_ERR, NULL);
	/* Before libsoup's own source on the socket: once libsoup has read the end of the
	 * stream its next message is gone, and soup_server_message_steal_connection() would
	 * dereference it (libsoup 3.2). */
	g_source_set_priority(c->idle_watch, G_PRIORITY_DEFAULT - 1);
	g_source_set_callback(c->idle_watch,
			      G_SOURCE_FUNC(sdag_listener_idle_cb),
			      g_rc_box_acquire(c),
			      sdag_listener_conn_release);
	g_source_attach(c->idle_watch, g_main_context_get_thread_default());
}

/* Over a cap: the client hears why at once, and its descriptor is back before the next
 * accept. @reason is the label of the refusal counter: "total" or "per_client". */
static void
sdag_listener_refuse(SdagListener *self, GSocket *client, const char *answer, const char *reason)
{
	const char *labels[] = {"reason", reason, NULL};

	g_socket_set_blocking(client, FALSE);
	/* a few hundred bytes into an empty socket buffer: this does not block or fall short */
	g_socket_send(client, answer, strlen(answer), NULL, NULL);
	g_socket_shutdown(client, FALSE, TRUE, NULL);
	g_socket_close(client, NULL);
	sdag_prom_add(self->prom, "streamdag_http_connections_refused_total", labels, 1);
}

static void sdag_listener_tls_accept(SdagListener *self,
				     SdagListenerConn *c,
				     GSocketConnection *stream,
				     GSocketAddress *local);

static void
sdag_listener_take(SdagListener *self, GSocket *client)
{
	g_autoptr(GSocketAddress) local = NULL;
	g_autoptr(GSocketAddress) remote = NULL;
	g_autoptr(GSocketConnection) stream = NULL;
	g_autofree char *key = NULL;
	SdagListenerConn *c;

	if (g_hash_table_size(self->conns) >= self->limits.max_connections) {
		g_debug("refusing a connection: %u open", g_hash_table_size(self->conns));
		sdag_listener_refuse(self, client, self->refusal, "total");
		return;
	}
	local = g_socket_get_local_address(client, NULL);
	remote = g_socket_get_remote_address(client, NULL);
	if (local == NULL || remote == NULL) {
		/* the client is gone already */
		g_socket_close(client, NULL);
		return;
	}
	key = sdag_listener_client_key(remote);
	if (key != NULL && self->limits.max_per_client > 0 &&
	    sdag_listener_client_count(self, key) >= self->limits.max_per_client) {
		g_debug("refusing a connection from %s: %u open from there",
			key,
			sdag_listener_client_count(self, key));
		sdag_listener_refuse(self, client, self->refusal_per_client, "per_client");
		return;
	}
	g_socket_set_option(client, IPPROTO_TCP, TCP_NODELAY, TRUE, NULL);
	stream = g_socket_connection_factory_create_connection(client);
	c = g_rc_box_new0(SdagListenerConn);
	c->listener = self;
	c->socket = g_object_ref(client);
	c->remote = g_object_ref(remote);
	/* a non-IP client (none yet) is counted under "" */
	c->client = key != NULL ? g_steal_pointer(&key) : g_strdup("");
	g_hash_table_insert(self->per_client,
			    g_strdup(c->client),
			    GUINT_TO_POINTER(sdag_listener_client_count(self, c->client) + 1));
	c->stream = G_OBJECT(stream);
	g_object_weak_ref(c->stream, sdag_listener_conn_gone_cb, c);
	g_hash_table_insert(self->conns, c->remote, c);
	sdag_listener_count(self);
	sdag_listener_conn_wait(c, SDAG_LISTENER_WAIT_HEADERS);
	if (self->certificate != NULL)
		sdag_listener_tls_accept(self, c, stream, local);
	else
		/* emits request-started, which finds the record */
		soup_server_accept_iostream(self->server, G_IO_STREAM(stream), local, remote, NULL);
}

static void sdag_listener_watch(SdagListener *self);

static gboolean
sdag_listener_retry_cb(gpointer user_data)
{
	SdagListener *self = user_data;

	self->retry_id = 0;
	sdag_listener_watch(self);
	return G_SOURCE_REMOVE;
}

static gboolean
sdag_listener_accept_cb(GSocket *socket, GIOCondition condition, gpointer user_data)
{
	SdagListener *self = user_data;

	for (guint i = 0; i < SDAG_LISTENER_ACCEPT_BATCH; i++) {
		g_autoptr(GError) error = NULL;
		g_autoptr(GSocket) client = g_socket_accept(self->socket, NULL, &error);

		if (client != NULL) {
			if (self->backoff_ms != 0)
				g_message("accepting connections again");
			self->backoff_ms = 0;
			sdag_listener_take(self, client);
			continue;
		}
		if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
			break;
		/* EMFILE, ENFILE, ENOBUFS...: the clients wait in the kernel's queue meanwhile */
		sdag_prom_add(self->prom, "streamdag_http_accept_errors_total", NULL, 1);
		if (self->backoff_ms == 0)
			g_warning("accept failed (%s): pausing the REST listener", error->message);
		self->backoff_ms = CLAMP(self->backoff_ms * 2,
					 SDAG_LISTENER_BACKOFF_MIN_MS,
					 SDAG_LISTENER_BACKOFF_MAX_MS);
		g_clear_pointer(&self->watch, g_source_unref);
		self->retry_id = g_timeout_add(self->backoff_ms, sdag_listener_retry_cb, self);
		return G_SOURCE_REMOVE;
	}
	return G_SOURCE_CONTINUE;
}

static void
sdag_listener_watch(SdagListener *self)
{
	self->watch = g_socket_create_source(self->socket, G_IO_IN, NULL);
	g_source_set_callback(self->watch, G_SOURCE_FUNC(sdag_listener_accept_cb), self, NULL);
	g_source_attach(self->watch, g_main_context_get_thread_default());
}

/*
 * libsoup 3.2 keeps a connection open after an answer only while the server has a listener
 * of its own (request_finished() in soup-server.c); connections from
 * soup_server_accept_iostream() would be closed after every answer otherwise. It gets one
 * that can never accept anything: one end of a socket pair whose other end is kept, silent.
 */
static gboolean
sdag_listener_keep_alive(SdagListener *self, GError **error)
{
	g_autoptr(GSocket) given = NULL;
	int fds[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) {
		int saved = errno;
		g_set_error(
		    error, G_IO_ERROR, g_io_error_from_errno(saved), "%s", g_strerror(saved));
		return FALSE;
	}
	self->keepalive_peer = g_socket_new_from_fd(fds[0], error);
	if (self->keepalive_peer == NULL) {
		close(fds[0]);
		close(fds[1]);
		return FALSE;
	}
	given = g_socket_new_from_fd(fds[1], error);
	if (given == NULL) {
		close(fds[1]);
		return FALSE;
	}
	return soup_server_listen_socket(self->server, given, 0, error);
}

static gboolean
sdag_listener_check_fd_limit(const SdagListenerLimits *limits, GError **error)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY)
		return TRUE;
	if ((guint64)limits->max_connections + SDAG_LISTENER_FD_RESERVE > (guint64)rl.rlim_cur) {
		g_set_error(
		    error,
		    SDAG_ERROR,
		    SDAG_ERROR_CONFIG,
		    "[rest] max_connections=%u does not fit in the open-file limit of "
		    "%" G_GUINT64_FORMAT
		    " (%u are kept for the store, GStreamer and MQTT): lower it or raise the "
		    "limit (LimitNOFILE= in the unit)",
		    limits->max_connections,
		    (guint64)rl.rlim_cur,
		    SDAG_LISTENER_FD_RESERVE);
		return FALSE;
	}
	return TRUE;
}

/* The whole answer to a connection refused before libsoup sees it (a cap, plain HTTP on
 * the HTTPS port), with @code's status and @message. */
static char *
sdag_listener_refusal_new(SdagError code, const char *message)
{
	g_autoptr(JsonNode) node =
	    sdag_json_error_new(sdag_error_code_to_string(code), message, NULL);
	g_autofree char *body = sdag_json_to_string(node);

	guint status = sdag_error_code_to_http_status(code);

	return g_strdup_printf("HTTP/1.1 %u %s\r\n"
			       "Content-Type: application/json\r\n"
			       "Content-Length: %zu\r\n"
			       "%s"
			       "Connection: close\r\n"
			       "\r\n"
			       "%s",
			       status,
			       soup_status_get_phrase(status),
			       strlen(body),
			       status == 503 ? "Retry-After: 1\r\n" : "",
			       body);
}

/**
 * sdag_listener_new:
 * @server: the server the accepted connections go to
 * @address: where to listen; port 0 picks a free port
 * @limits: the bounds on client connections, each at least 1 (max_per_client: 0 for none)
 * @prom: where the listener's series go
 *
 * Listens with a backlog of SOMAXCONN and starts accepting on the thread-default main
 * context. Fails when @limits->max_connections does not fit in the open-file limit.
 *
 * Returns: (transfer full): the listener, or NULL with @error set
 */
SdagListener *
sdag_listener_new(SoupServer *server,
		  GSocketAddress *address,
		  const SdagListenerLimits *limits,
		  SdagProm *prom,
		  GError **error)
{
	SdagListener *self;
	g_autoptr(GSocketAddress) local = NULL;
	g_autofree char *message = NULL;
	GSocketFamily family = g_socket_address_get_family(address);

	g_return_val_if_fail(limits->max_connections > 0, NULL);
	if (!sdag_listener_check_fd_limit(limits, error))
		return NULL;
	self = g_new0(SdagListener, 1);
	self->server = g_object_ref(server);
	self->prom = prom;
	self->limits = *limits;
	self->conns = g_hash_table_new_full(NULL, NULL, NULL, sdag_listener_conn_release);
	self->per_client = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	message = g_strdup_printf("[rest] max_connections (%u) connections are open; try again "
				  "shortly",
				  limits->max_connections);
	self->refusal = sdag_listener_refusal_new(SDAG_ERROR_TOO_MANY_CONNECTIONS, message);
	g_free(message);
	message = g_strdup_printf("[rest] max_connections_per_client (%u) connections are open "
				  "from this address; close one or try again shortly",
				  limits->max_per_client);
	self->refusal_per_client =
	    sdag_listener_refusal_new(SDAG_ERROR_TOO_MANY_CONNECTIONS, message);
	self->plain_refusal = sdag_listener_refusal_new(SDAG_ERROR_BAD_REQUEST,
							"this port speaks HTTPS: use https://");
	self->socket = g_socket_new(family, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, error);
	if (self->socket == NULL) {
		sdag_listener_free(self);
		return NULL;
	}
	if (family == G_SOCKET_FAMILY_IPV6)
		g_socket_set_option(self->socket, IPPROTO_IPV6, IPV6_V6ONLY, TRUE, NULL);
	g_socket_set_blocking(self->socket, FALSE);
	g_socket_set_listen_backlog(self->socket, SOMAXCONN);
	if (!g_socket_bind(self->socket, address, TRUE, error) ||
	    !g_socket_listen(self->socket, error) || !sdag_listener_keep_alive(self, error)) {
		sdag_listener_free(self);
		return NULL;
	}
	local = g_socket_get_local_address(self->socket, NULL);
	if (local != NULL)
		self->port = g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(local));
	g_signal_connect(
	    server, "request-started", G_CALLBACK(sdag_listener_request_started_cb), self);
	g_signal_connect(
	    server, "request-finished", G_CALLBACK(sdag_listener_request_ended_cb), self);
	g_signal_connect(
	    server, "request-aborted", G_CALLBACK(sdag_listener_request_ended_cb), self);
	sdag_listener_count(self);
	sdag_listener_watch(self);
	return self;
}

/**
 * sdag_listener_free:
 *
 * Stops listening. The connections open go on, unbounded by timers, until libsoup closes
 * them (soup_server_disconnect()).
 */
void
sdag_listener_free(SdagListener *self)
{
	GHashTableIter iter;
	gpointer value;

	if (self == NULL)
		return;
	if (self->watch != NULL) {
		g_source_destroy(self->watch);
		g_clear_pointer(&self->watch, g_source_unref);
	}
	g_clear_handle_id(&self->retry_id, g_source_remove);
	g_clear_object(&self->certificate);
	g_signal_handlers_disconnect_by_data(self->server, self);
	g_hash_table_iter_init(&iter, self->conns);
	while (g_hash_table_iter_next(&iter, NULL, &value)) {
		SdagListenerConn *c = value;
		g_object_weak_unref(c->stream, sdag_listener_conn_gone_cb, c);
		g_clear_handle_id(&c->timer_id, g_source_remove);
		sdag_listener_conn_unwatch(c);
		/* a connection not handed to libsoup yet is closed: nothing would bound it */
		sdag_listener_tls_expire(c);
		c->listener = NULL;
	}
	g_hash_table_unref(self->conns);
	g_hash_table_unref(self->per_client);
	if (self->socket != NULL)
		g_socket_close(self->socket, NULL);
	g_clear_object(&self->socket);
	g_clear_object(&self->keepalive_peer);
	g_object_unref(self->server);
	g_free(self->refusal);
	g_free(self->refusal_per_client);
	g_free(self->plain_refusal);
	g_free(self);
}

guint16
sdag_listener_get_port(SdagListener *self)
{
	return self->port;
}

/**
 * sdag_listener_get_socket:
 *
 * soup_server_message_get_socket() is NULL for connections handed over as streams: this is
 * the socket of @msg's connection, for what needs it (a WebSocket's send queue).
 *
 * Returns: (transfer none) (nullable): the socket, or NULL for a connection not from here
 */
GSocket *
sdag_listener_get_socket(SdagListener *self, SoupServerMessage *msg)
{
	SdagListenerConn *c = sdag_listener_lookup(self, msg);

	return c != NULL ? c->socket : NULL;
}

/**
 * sdag_listener_set_certificate:
 * @certificate: (nullable): with its private key; NULL for plain HTTP
 *
 * The certificate of the connections accepted from now on; those open keep theirs.
 */
void
sdag_listener_set_certificate(SdagListener *self, GTlsCertificate *certificate)
{
	g_set_object(&self->certificate, certificate);
}

gboolean
sdag_listener_is_tls(SdagListener *self)
{
	return self->certificate != NULL;
}
/* HTTPS: see the comment at the top. */

/* Closes a TLS connection that libsoup does not have yet; FALSE for one libsoup has. Its
 * record goes when the streams are finalized, as for any connection. */
static gboolean
sdag_listener_tls_expire(SdagListenerConn *c)
{
	if (c->handshake != NULL) {
		/* the handshake's callback closes it */
		g_cancellable_cancel(c->handshake);
		return TRUE;
	}
	if (c->hello_watch == NULL)
		return FALSE;
	g_source_destroy(c->hello_watch);
	g_clear_pointer(&c->hello_watch, g_source_unref);
	g_socket_close(c->socket, NULL);
	g_clear_object(&c->local);
	g_clear_object(&c->tls_stream);
	return TRUE;
}

static void
sdag_listener_tls_handshake_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	SdagListenerConn *c = user_data; /* a reference */
	SdagListener *self = c->listener;
	g_autoptr(GIOStream) stream = g_steal_pointer(&c->tls_stream);
	g_autoptr(GSocketAddress) local = g_steal_pointer(&c->local);
	g_autoptr(GError) error = NULL;
	gboolean ok = g_tls_connection_handshake_finish(G_TLS_CONNECTION(source), res, &error);

	g_clear_object(&c->handshake);
	if (ok && self != NULL) {
		/* emits request-started, which finds the record and restarts the header timer */
		soup_server_accept_iostream(self->server, stream, local, c->remote, NULL);
	} else {
		/* cancelled: the header timeout (counted there) or the listener's end */
		if (self != NULL && !g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
			g_debug("TLS handshake failed: %s", error->message);
			sdag_prom_add(
			    self->prom, "streamdag_http_tls_handshake_failures_total", NULL, 1);
		}
		g_socket_close(c->socket, NULL);
	}
	sdag_listener_conn_release(c);
}

/* The client's first bytes (or its end) are there: the handshake may start. */
static gboolean
sdag_listener_tls_hello_cb(GSocket *socket, GIOCondition condition, gpointer user_data)
{
	SdagListenerConn *c = user_data;
	char byte;

	g_clear_pointer(&c->hello_watch, g_source_unref);
	if (recv(g_socket_get_fd(socket), &byte, 1, MSG_PEEK | MSG_DONTWAIT) == 0) {
		/* gone without a word (a port check): no handshake failed */
		g_socket_close(socket, NULL);
		g_clear_object(&c->local);
		g_clear_object(&c->tls_stream);
		return G_SOURCE_REMOVE;
	}
	/* A TLS record starts with its type (22 for a handshake); a letter is the method of a
	 * plain HTTP request: the client hears, in plain HTTP, which scheme to use. */
	if (g_ascii_isupper(byte) && c->listener != NULL) {
		const char *answer = c->listener->plain_refusal;

		sdag_prom_add(
		    c->listener->prom, "streamdag_http_tls_handshake_failures_total", NULL, 1);
		g_socket_send(socket, answer, strlen(answer), NULL, NULL);
		g_socket_shutdown(socket, FALSE, TRUE, NULL);
		g_socket_close(socket, NULL);
		g_clear_object(&c->local);
		g_clear_object(&c->tls_stream);
		return G_SOURCE_REMOVE;
	}
	c->handshake = g_cancellable_new();
	g_tls_connection_handshake_async(G_TLS_CONNECTION(c->tls_stream),
					 G_PRIORITY_DEFAULT,
					 c->handshake,
					 sdag_listener_tls_handshake_cb,
					 g_rc_box_acquire(c));
	return G_SOURCE_REMOVE;
}

static void
sdag_listener_tls_accept(SdagListener *self,
			 SdagListenerConn *c,
			 GSocketConnection *stream,
			 GSocketAddress *local)
{
	/* as libsoup's own listener offers; HTTP/2 is not spoken on streams handed to it */
	const char *const protocols[] = {"http/1.1", "http/1.0", NULL};
	g_autoptr(GError) error = NULL;
	GIOStream *tls =
	    g_tls_server_connection_new(G_IO_STREAM(stream), self->certificate, &error);

	c->tls = TRUE;
	if (tls == NULL) {
		g_warning("cannot start TLS on a connection: %s", error->message);
		sdag_prom_add(self->prom, "streamdag_http_tls_handshake_failures_total", NULL, 1);
		g_socket_close(c->socket, NULL);
		return;
	}
	/* a client that closes without close_notify has nothing left to say: not an error */
	g_tls_connection_set_require_close_notify(G_TLS_CONNECTION(tls), FALSE);
	g_tls_connection_set_advertised_protocols(G_TLS_CONNECTION(tls), protocols);
	c->tls_stream = tls;
	c->local = g_object_ref(local);
	c->hello_watch = g_socket_create_source(c->socket, G_IO_IN | G_IO_HUP | G_IO_ERR, NULL);
	g_source_set_callback(c->hello_watch,
			      G_SOURCE_FUNC(sdag_listener_tls_hello_cb),
			      g_rc_box_acquire(c),
			      sdag_listener_conn_release);
	g_source_attach(c->hello_watch, g_main_context_get_thread_default());
}

/* No keep-alive over TLS (see the comment at the top), but for a WebSocket's upgrade. */
static void
sdag_listener_tls_got_headers(SdagListenerConn *c, SoupServerMessage *msg)
{
	SoupMessageHeaders *req = soup_server_message_get_request_headers(msg);

	if (!c->tls || soup_message_headers_header_contains(req, "Connection", "upgrade"))
		return;
	soup_message_headers_replace(
	    soup_server_message_get_response_headers(msg), "Connection", "close");
}
