/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Why one file over 800 lines: every piece here (connection, the outbox pump, dead
 * letters, discovery, telemetry) runs against one Paho client and its callbacks on
 * Paho's threads, marshalled to the main loop through one struct; they cannot be
 * reasoned about apart.
 */
#define G_LOG_DOMAIN "sdag-mqtt"

#include "config.h"

#include "sdag-mqtt.h"

#include <MQTTAsync.h>
#include <string.h>

#include "sdag-error.h"
#include "sdag-camera.h"
#include "sdag-hass.h"
#include "sdag-json.h"
#include "sdag-outbox.h"
#include "sdag-topic.h"

/*
 * SdagMqtt: the Paho async client and the topics of docs/mqtt.md.
 *
 * Two delivery classes. Durable (status, events, counts): each message is written to the
 * outbox (sdag-outbox.c) before it is handed to Paho and removed when Paho reports the
 * broker's acknowledgement (onSuccess; for QoS 1 that is the PUBACK). At every connect the
 * outbox is sent again from its start, at most SDAG_MQTT_WINDOW at a time, so a broker
 * outage or a crash of the daemon loses none; a consumer may see a message twice, with the
 * same seq. Telemetry (progress, detections): a bounded queue in memory; when it is full
 * the oldest is dropped and counted.
 *
 * Threads: Paho calls back on its own threads. Each callback only copies what it got and
 * hands it to the main context through an idle source; the SdagMqttLink it goes
 * through is reference counted and forgets its owner when the client is freed, so a late
 * callback finds nothing to touch. Everything else runs on the main context.
 *
 * Dead letters: a durable message that cannot be delivered must not hold back the ones after
 * it (they are sent in order, from the outbox's start, at every connect). A topic that is not
 * a valid topic name is never sent: checked before the message is written to the outbox and
 * again when the outbox is read (a daemon before the check may have written one). A message
 * the broker refuses (MQTT 5 reason code >= 0x80), or that is the oldest one unacknowledged
 * when the broker drops the connection, gets a strike; at SDAG_MQTT_MAX_STRIKES it goes to
 * the dead letters (sdag-outbox.c) and delivery goes on. A broker outage alone rarely
 * strikes one message that often: after each reconnect the oldest is sent first and is
 * acknowledged at once unless it is the cause.
 *
 * Connecting: Paho's automatic reconnect (minRetryInterval doubling to maxRetryInterval)
 * takes over once a connection was made; a first connect that fails (broker down, bad
 * password) is retried from here with the same backoff, its error kept for /healthz.
 */

#define SDAG_MQTT_WINDOW 64
#define SDAG_MQTT_MAX_STRIKES 3
#define SDAG_MQTT_HEALTH_DEAD_LETTERS 5

typedef struct {
	GMutex lock;
	gpointer owner; /* SdagMqtt, NULL once freed */
	GMainContext *ctx;
	GHashTable *sends; /* SdagMqttSend owned, until their callback */
	GCond cond;
	gboolean disconnected;
} SdagMqttLink;

typedef struct {
	SdagMqttLink *link;
	guint64 id; /* outbox id; 0 for telemetry */
	guint generation;
} SdagMqttSend;

typedef enum {
	SDAG_MQTT_EV_CONNECTED,
	SDAG_MQTT_EV_CONNECT_FAILED,
	SDAG_MQTT_EV_LOST,
	SDAG_MQTT_EV_SENT,
	SDAG_MQTT_EV_SEND_FAILED,
	SDAG_MQTT_EV_MESSAGE,
	SDAG_MQTT_EV_TLS_ERROR,
} SdagMqttEvKind;

typedef struct {
	SdagMqttLink *link;
	SdagMqttEvKind kind;
	guint64 id;
	guint generation;
	gboolean durable;
	gboolean refused; /* a send the broker answered with an MQTT 5 failure reason code */
	char *text;	  /* error, or the payload of a message */
	char *topic;	  /* of a message */
} SdagMqttEv;

typedef struct {
	char *topic;
	char *payload;
	guint qos;
	gboolean retain;
	guint expiry_s;
} SdagMqttTele;

struct _SdagMqtt {
	SdagMqttConfig cfg; /* shallow: strings borrowed from the daemon's config */
	char *device_id;
	char *root;
	char *client_id;
	char *will_topic;
	GStrv uris;
	SdagFeed *feed; /* borrowed */
	SdagOutbox *outbox;
	SdagMqttLink *link;
	MQTTAsync client;
	gboolean tls;
	gboolean connected;
	gboolean ever_connected;
	char *last_error;
	char *tls_error; /* OpenSSL's first word on the connect attempt under way */
	guint64 dropped;
	guint64 published;
	guint64 failed;	  /* publishes the broker did not acknowledge */
	GQueue telemetry; /* SdagMqttTele */
	guint tele_inflight;
	guint out_inflight;
	guint64 send_cursor; /* the next outbox id to send in this connection */
	guint generation;
	guint retry_id;
	guint retry_s;
	GHashTable *ha;	      /* config topic -> payload text: every discovery config announced */
	GHashTable *ha_owner; /* config topic -> camera: what a deleted camera retracts */
	char *rest_url;	      /* nullable: the device's configuration_url */
	SdagMqttStatsFunc stats_func;
	gpointer stats_data;
	guint stats_id;
	GHashTable *images;    /* topic -> GBytes: each camera's latest snapshot, sent again at
				* each connection */
	GHashTable *strikes;   /* outbox id (guint64 *) -> strikes (guint) */
	gint64 dead_logged_us; /* monotonic time a dead letter was last logged as a message */
};

/* link */

static SdagMqttLink *
sdag_mqtt_link_new(gpointer owner)
{
	SdagMqttLink *link = g_atomic_rc_box_new0(SdagMqttLink);

	g_mutex_init(&link->lock);
	g_cond_init(&link->cond);
	link->owner = owner;
	link->ctx = g_main_context_ref_thread_default();
	link->sends = g_hash_table_new_full(g_direct_hash, g_direct_equal, g_free, NULL);
	return link;
}

static void
sdag_mqtt_link_clear(SdagMqttLink *link)
{
	g_hash_table_unref(link->sends);
	g_main_context_unref(link->ctx);
	g_mutex_clear(&link->lock);
	g_cond_clear(&link->cond);
}

static void
sdag_mqtt_link_unref(SdagMqttLink *link)
{
	g_atomic_rc_box_release_full(link, (GDestroyNotify)sdag_mqtt_link_clear);
}

static void
sdag_mqtt_ev_free(SdagMqttEv *ev)
{
	sdag_mqtt_link_unref(ev->link);
	g_free(ev->text);
	g_free(ev->topic);
	g_free(ev);
}

static gboolean sdag_mqtt_ev_cb(gpointer user_data);

/* Any thread: hands @ev to the main context, or drops it once the owner is gone. Always
 * through a source: g_main_context_invoke() would run the callback right here, on Paho's
 * thread, whenever no thread owns the context (the daemon's start-up, before its loop
 * runs), concurrently with the main thread. */
static void
sdag_mqtt_post(SdagMqttLink *link, SdagMqttEv *ev)
{
	GSource *source = g_idle_source_new();

	ev->link = g_atomic_rc_box_acquire(link);
	g_source_set_priority(source, G_PRIORITY_DEFAULT);
	g_source_set_callback(source, sdag_mqtt_ev_cb, ev, (GDestroyNotify)sdag_mqtt_ev_free);
	g_source_attach(source, link->ctx);
	g_source_unref(source);
}

/* Paho threads */

static void
sdag_mqtt_connected_cb(void *context, char *cause)
{
	SdagMqttEv *ev = g_new0(SdagMqttEv, 1);

	ev->kind = SDAG_MQTT_EV_CONNECTED;
	sdag_mqtt_post(context, ev);
}

static void
sdag_mqtt_connect_ok_cb(void *context, MQTTAsync_successData *response)
{
	sdag_mqtt_connected_cb(context, NULL);
}

static void
sdag_mqtt_connect_ok5_cb(void *context, MQTTAsync_successData5 *response)
{
	sdag_mqtt_connected_cb(context, NULL);
}

static char *
sdag_mqtt_failure_text(int code, const char *message)
{
	static const char *const connack[] = {
	    NULL,
	    "unacceptable protocol version",
	    "identifier rejected",
	    "server unavailable",
	    "bad user name or password",
	    "not authorized",
	};

	if (message != NULL && message[0] != '\0')
		return g_strdup_printf("%s (code %d)", message, code);
	if (code > 0 && code < (int)G_N_ELEMENTS(connack))
		return g_strdup_printf("connection refused: %s (code %d)", connack[code], code);
	if (code == 0x86 || code == 0x87)
		return g_strdup_printf("connection refused: not authorized (code %d)", code);
	return g_strdup_printf("connect failed (code %d)", code);
}

static void
sdag_mqtt_connect_fail_cb(void *context, MQTTAsync_failureData *response)
{
	SdagMqttEv *ev = g_new0(SdagMqttEv, 1);

	ev->kind = SDAG_MQTT_EV_CONNECT_FAILED;
	ev->text = sdag_mqtt_failure_text(response != NULL ? response->code : -1,
					  response != NULL ? response->message : NULL);
	sdag_mqtt_post(context, ev);
}

static void
sdag_mqtt_connect_fail5_cb(void *context, MQTTAsync_failureData5 *response)
{
	SdagMqttEv *ev = g_new0(SdagMqttEv, 1);

	ev->kind = SDAG_MQTT_EV_CONNECT_FAILED;
	ev->text = sdag_mqtt_failure_text(
	    response != NULL
		? (response->reasonCode != 0 ? (int)response->reasonCode : response->code)
		: -1,
	    response != NULL ? response->message : NULL);
	sdag_mqtt_post(context, ev);
}

/* OpenSSL's reason (an unknown CA, a name mismatch, ...), which the connect failure that
 * follows does not carry */
static int
sdag_mqtt_ssl_error_cb(const char *str, size_t len, void *u)
{
	SdagMqttEv *ev = g_new0(SdagMqttEv, 1);
	/* without OpenSSL's thread id before it */
	const char *from = g_strstr_len(str, (gssize)len, "error:");

	if (from == NULL)
		from = str;
	ev->kind = SDAG_MQTT_EV_TLS_ERROR;
	ev->text = g_strstrip(g_strndup(from, len - (gsize)(from - str)));
	sdag_mqtt_post(u, ev);
	return 0;
}

static void
sdag_mqtt_lost_cb(void *context, char *cause)
{
	SdagMqttEv *ev = g_new0(SdagMqttEv, 1);

	ev->kind = SDAG_MQTT_EV_LOST;
	ev->text = g_strdup_printf(
	    "connection lost%s%s", cause != NULL ? ": " : "", cause != NULL ? cause : "");
	sdag_mqtt_post(context, ev);
}

static int
sdag_mqtt_arrived_cb(void *context, char *topic, int topic_len, MQTTAsync_message *message)
{
	SdagMqttEv *ev = g_new0(SdagMqttEv, 1);

	ev->kind = SDAG_MQTT_EV_MESSAGE;
	ev->topic = topic_len > 0 ? g_strndup(topic, topic_len) : g_strdup(topic);
	ev->text = g_strndup(message->payload, message->payloadlen);
	sdag_mqtt_post(context, ev);
	MQTTAsync_freeMessage(&message);
	MQTTAsync_free(topic);
	return 1;
}

static void
sdag_mqtt_send_done(SdagMqttSend *send, gboolean ok, int reason)
{
	SdagMqttLink *link = send->link;
	SdagMqttEv *ev = g_new0(SdagMqttEv, 1);

	ev->kind = ok ? SDAG_MQTT_EV_SENT : SDAG_MQTT_EV_SEND_FAILED;
	ev->refused = reason >= 0x80;
	if (ev->refused)
		ev->text = g_strdup_printf("refused by the broker: %s (reason code 0x%02x)",
					   MQTTReasonCode_toString((enum MQTTReasonCodes)reason),
					   (guint)reason);
	ev->id = send->id;
	ev->durable = send->id != 0;
	ev->generation = send->generation;
	g_mutex_lock(&link->lock);
	g_hash_table_remove(link->sends, send); /* frees it */
	g_mutex_unlock(&link->lock);
	sdag_mqtt_post(link, ev);
}

static void
sdag_mqtt_sent_cb(void *context, MQTTAsync_successData *response)
{
	sdag_mqtt_send_done(context, TRUE, 0);
}

static void
sdag_mqtt_sent5_cb(void *context, MQTTAsync_successData5 *response)
{
	sdag_mqtt_send_done(context, TRUE, 0);
}

static void
sdag_mqtt_send_fail_cb(void *context, MQTTAsync_failureData *response)
{
	sdag_mqtt_send_done(context, FALSE, 0);
}

static void
sdag_mqtt_send_fail5_cb(void *context, MQTTAsync_failureData5 *response)
{
	sdag_mqtt_send_done(context, FALSE, response != NULL ? (int)response->reasonCode : 0);
}

static void
sdag_mqtt_disconnected_cb(void *context, MQTTAsync_successData *response)
{
	SdagMqttLink *link = context;

	g_mutex_lock(&link->lock);
	link->disconnected = TRUE;
	g_cond_signal(&link->cond);
	g_mutex_unlock(&link->lock);
}

static void
sdag_mqtt_disconnect_fail_cb(void *context, MQTTAsync_failureData *response)
{
	sdag_mqtt_disconnected_cb(context, NULL);
}

static void
sdag_mqtt_disconnected5_cb(void *context, MQTTAsync_successData5 *response)
{
	sdag_mqtt_disconnected_cb(context, NULL);
}

static void
sdag_mqtt_disconnect_fail5_cb(void *context, MQTTAsync_failureData5 *response)
{
	sdag_mqtt_disconnected_cb(context, NULL);
}

/* sending (main context) */

static void
sdag_mqtt_tele_free(SdagMqttTele *t)
{
	g_free(t->topic);
	g_free(t->payload);
	g_free(t);
}

static void sdag_mqtt_pump(SdagMqtt *self);

/* Hands one message to Paho. @id: its outbox id, 0 for telemetry, G_MAXUINT64 for a message
 * sent without any callback (availability, discovery). */
/* @len: the payload's length; -1 for a text payload */
static gboolean
sdag_mqtt_send_data(SdagMqtt *self,
		    const char *topic,
		    const char *payload,
		    gssize len,
		    guint qos,
		    gboolean retain,
		    guint expiry_s,
		    guint64 id)
{
	MQTTAsync_message m = MQTTAsync_message_initializer;
	MQTTAsync_responseOptions ro = MQTTAsync_responseOptions_initializer;
	SdagMqttSend *send = NULL;
	int rc;

	m.payload = (void *)payload;
	m.payloadlen = len >= 0 ? (int)len : (int)strlen(payload);
	m.qos = (int)qos;
	m.retained = retain;
	if (self->cfg.protocol_version == 5 && expiry_s > 0) {
		MQTTProperty p = {.identifier = MQTTPROPERTY_CODE_MESSAGE_EXPIRY_INTERVAL};
		p.value.integer4 = expiry_s;
		MQTTProperties_add(&m.properties, &p);
	}
	if (id != G_MAXUINT64) {
		send = g_new0(SdagMqttSend, 1);
		send->link = self->link;
		send->id = id;
		send->generation = self->generation;
		g_mutex_lock(&self->link->lock);
		g_hash_table_add(self->link->sends, send);
		g_mutex_unlock(&self->link->lock);
		if (self->cfg.protocol_version == 5) {
			ro.onSuccess5 = sdag_mqtt_sent5_cb;
			ro.onFailure5 = sdag_mqtt_send_fail5_cb;
		} else {
			ro.onSuccess = sdag_mqtt_sent_cb;
			ro.onFailure = sdag_mqtt_send_fail_cb;
		}
		ro.context = send;
	}
	rc = MQTTAsync_sendMessage(self->client, topic, &m, &ro);
	MQTTProperties_free(&m.properties);
	if (rc != MQTTASYNC_SUCCESS) {
		g_debug("send to %s: rc %d", topic, rc);
		if (send != NULL) {
			g_mutex_lock(&self->link->lock);
			g_hash_table_remove(self->link->sends, send);
			g_mutex_unlock(&self->link->lock);
		}
		return FALSE;
	}
	self->published++;
	return TRUE;
}

static gboolean
sdag_mqtt_send(SdagMqtt *self,
	       const char *topic,
	       const char *payload,
	       guint qos,
	       gboolean retain,
	       guint expiry_s,
	       guint64 id)
{
	return sdag_mqtt_send_data(self, topic, payload, -1, qos, retain, expiry_s, id);
}

/* A camera's snapshot: raw JPEG bytes, retained, as Frigate publishes its snapshots. Only
 * the latest counts, so it is kept in memory, not in the outbox. */
static void
sdag_mqtt_send_image(SdagMqtt *self, const char *topic, GBytes *jpeg)
{
	gsize len = 0;
	const char *data = g_bytes_get_data(jpeg, &len);

	sdag_mqtt_send_data(self, topic, data, (gssize)len, 0, TRUE, 0, G_MAXUINT64);
}

/* Moves @msg to the dead letters (@msg->id 0: it was never written to the outbox). */
static void
sdag_mqtt_dead_letter(SdagMqtt *self, const SdagOutboxMsg *msg, const char *reason)
{
	g_autoptr(GError) error = NULL;
	gint64 now = g_get_monotonic_time();
	/* a detector's bad label makes one per frame: the log gets one a minute */
	GLogLevelFlags level =
	    now - self->dead_logged_us >= 60 * G_USEC_PER_SEC || self->dead_logged_us == 0
		? G_LOG_LEVEL_MESSAGE
		: G_LOG_LEVEL_DEBUG;

	if (level == G_LOG_LEVEL_MESSAGE)
		self->dead_logged_us = now;
	g_log(G_LOG_DOMAIN,
	      level,
	      "mqtt: message %" G_GUINT64_FORMAT " to '%s' moved to the dead letters: %s",
	      msg->id,
	      msg->topic != NULL ? msg->topic : "",
	      reason);
	if (!sdag_outbox_dead_letter(self->outbox, msg, reason, &error))
		g_warning("outbox: %s", error->message);
	g_hash_table_remove(self->strikes, &msg->id);
}

/* Returns: (transfer full) (nullable): why @msg can never be published, or NULL */
static char *
sdag_mqtt_undeliverable(const SdagOutboxMsg *msg)
{
	g_autoptr(GError) error = NULL;

	if (msg->topic == NULL)
		return g_strdup("the stored record does not parse");
	if (!sdag_topic_check(msg->topic, &error))
		return g_strdup_printf("invalid topic: %s", error->message);
	/* Paho refuses to send it at all, every time */
	if (msg->qos > 2)
		return g_strdup_printf("invalid QoS %u", msg->qos);
	return NULL;
}

/* One more failure of outbox message @id; at SDAG_MQTT_MAX_STRIKES it is a dead letter. */
static void
sdag_mqtt_strike(SdagMqtt *self, guint64 id, const char *why)
{
	guint n = GPOINTER_TO_UINT(g_hash_table_lookup(self->strikes, &id)) + 1;
	g_autoptr(SdagOutboxMsg) msg = NULL;
	g_autofree char *reason = NULL;

	g_info("mqtt: message %" G_GUINT64_FORMAT " failed (%u of %d): %s",
	       id,
	       n,
	       SDAG_MQTT_MAX_STRIKES,
	       why);
	if (n < SDAG_MQTT_MAX_STRIKES) {
		g_hash_table_insert(self->strikes, g_memdup2(&id, sizeof(id)), GUINT_TO_POINTER(n));
		return;
	}
	g_hash_table_remove(self->strikes, &id);
	msg = sdag_outbox_get(self->outbox, id, NULL);
	if (msg == NULL)
		return;
	reason = g_strdup_printf("failed %d times; last: %s", SDAG_MQTT_MAX_STRIKES, why);
	sdag_mqtt_dead_letter(self, msg, reason);
}

static void
sdag_mqtt_pump(SdagMqtt *self)
{
	if (!self->connected)
		return;
	while (self->out_inflight < SDAG_MQTT_WINDOW) {
		g_autoptr(GError) error = NULL;
		g_autoptr(GPtrArray) msgs = sdag_outbox_read(
		    self->outbox, self->send_cursor, SDAG_MQTT_WINDOW - self->out_inflight, &error);

		if (msgs == NULL) {
			g_warning("outbox: %s", error->message);
			break;
		}
		if (msgs->len == 0)
			break;
		for (guint i = 0; i < msgs->len; i++) {
			SdagOutboxMsg *m = g_ptr_array_index(msgs, i);
			g_autofree char *why = sdag_mqtt_undeliverable(m);

			if (why != NULL) {
				sdag_mqtt_dead_letter(self, m, why);
				self->send_cursor = m->id + 1;
				continue;
			}
			if (!sdag_mqtt_send(
				self, m->topic, m->payload, m->qos, m->retain, m->expiry_s, m->id))
				return;
			self->send_cursor = m->id + 1;
			self->out_inflight++;
		}
	}
	while (self->tele_inflight < SDAG_MQTT_WINDOW && !g_queue_is_empty(&self->telemetry)) {
		SdagMqttTele *t = g_queue_peek_head(&self->telemetry);
		if (!sdag_mqtt_send(self, t->topic, t->payload, t->qos, t->retain, t->expiry_s, 0))
			return;
		g_queue_pop_head(&self->telemetry);
		sdag_mqtt_tele_free(t);
		self->tele_inflight++;
	}
}

static void
sdag_mqtt_publish_durable(SdagMqtt *self,
			  const char *topic,
			  const char *payload,
			  guint qos,
			  gboolean retain,
			  guint expiry_s)
{
	g_autoptr(GError) error = NULL;
	guint64 id = sdag_outbox_add(self->outbox, topic, payload, qos, retain, expiry_s, &error);

	if (id == 0) {
		g_warning("outbox: %s", error->message);
		return;
	}
	/* everything before it already handed over: no need to read it back */
	if (self->connected && self->out_inflight < SDAG_MQTT_WINDOW && self->send_cursor == id) {
		if (sdag_mqtt_send(self, topic, payload, qos, retain, expiry_s, id)) {
			self->send_cursor = id + 1;
			self->out_inflight++;
		}
		return;
	}
	sdag_mqtt_pump(self);
}

static void
sdag_mqtt_publish_telemetry(SdagMqtt *self,
			    const char *topic,
			    const char *payload,
			    guint qos,
			    gboolean retain,
			    guint expiry_s)
{
	SdagMqttTele *t = g_new0(SdagMqttTele, 1);

	if (g_queue_get_length(&self->telemetry) >= self->cfg.buffer_size) {
		sdag_mqtt_tele_free(g_queue_pop_head(&self->telemetry));
		self->dropped++;
	}
	t->topic = g_strdup(topic);
	t->payload = g_strdup(payload);
	t->qos = qos;
	t->retain = retain;
	t->expiry_s = expiry_s;
	g_queue_push_tail(&self->telemetry, t);
	sdag_mqtt_pump(self);
}

/* Home Assistant */

static gint
sdag_mqtt_strcmp_indirect(gconstpointer a, gconstpointer b)
{
	return g_strcmp0(*(const char *const *)a, *(const char *const *)b);
}

static void
sdag_mqtt_ha_put(SdagMqtt *self, char *topic, JsonNode *config)
{
	g_autofree char *text = sdag_json_to_string(config);

	if (g_strcmp0(g_hash_table_lookup(self->ha, topic), text) == 0) {
		g_free(topic);
		return;
	}
	if (self->connected)
		sdag_mqtt_send(self, topic, text, 1, TRUE, 0, G_MAXUINT64);
	g_hash_table_replace(self->ha, topic, g_steal_pointer(&text));
}

static void
sdag_mqtt_ha_announce_all(SdagMqtt *self)
{
	GHashTableIter iter;
	const char *topic;
	const char *text;

	g_hash_table_iter_init(&iter, self->ha);
	while (g_hash_table_iter_next(&iter, (gpointer *)&topic, (gpointer *)&text))
		sdag_mqtt_send(self, topic, text, 1, TRUE, 0, G_MAXUINT64);
}

/* Announces the discovery configs of @msg's camera: its own entities on its status, a
 * count's on each count. */
static void
sdag_mqtt_ha_camera(SdagMqtt *self, const SdagFeedMessage *msg)
{
	const SdagHassCamera cam = {
	    .prefix = self->cfg.ha_prefix,
	    .root = self->root,
	    .device_id = self->device_id,
	    .camera = msg->camera,
	    .sw_version = SDAG_VERSION,
	    .configuration_url = self->rest_url,
	};
	g_autoptr(GPtrArray) configs = msg->klass == SDAG_PUB_COUNTS
					   ? sdag_hass_camera_count_configs(&cam, msg->topic)
					   : sdag_hass_camera_configs(&cam, sdag_camera_states);

	for (guint i = 0; i < configs->len; i++) {
		SdagHassConfig *c = g_ptr_array_index(configs, i);

		g_hash_table_replace(self->ha_owner, g_strdup(c->topic), g_strdup(msg->camera));
		sdag_mqtt_ha_put(self, g_steal_pointer(&c->topic), c->config);
	}
}

/**
 * sdag_mqtt_forget_camera:
 *
 * A camera was deleted: every discovery config of its device is replaced by an empty retained
 * message, which makes Home Assistant remove the entity, and so are its retained status and
 * snapshot. Through the outbox, so that a broker away now still learns of it.
 */
void
sdag_mqtt_forget_camera(SdagMqtt *self, const char *camera)
{
	GHashTableIter iter;
	const char *topic;
	const char *owner;
	g_autoptr(GPtrArray) gone = g_ptr_array_new_with_free_func(g_free);
	const char *own[] = {"status", "snapshot"};

	g_hash_table_iter_init(&iter, self->ha_owner);
	while (g_hash_table_iter_next(&iter, (gpointer *)&topic, (gpointer *)&owner)) {
		if (g_strcmp0(owner, camera) == 0)
			g_ptr_array_add(gone, g_strdup(topic));
	}
	/* in a stable order, so that a test (or a person) reads the same thing each time */
	g_ptr_array_sort(gone, (GCompareFunc)sdag_mqtt_strcmp_indirect);
	for (guint i = 0; i < gone->len; i++) {
		const char *t = g_ptr_array_index(gone, i);

		sdag_mqtt_publish_durable(self, t, "", 1, TRUE, 0);
		g_hash_table_remove(self->ha, t);
		g_hash_table_remove(self->ha_owner, t);
	}
	for (guint i = 0; i < G_N_ELEMENTS(own); i++) {
		g_autofree char *t =
		    g_strdup_printf("%s/cameras/%s/%s", self->root, camera, own[i]);

		g_hash_table_remove(self->images, t);
		sdag_mqtt_publish_durable(self, t, "", 1, TRUE, 0);
	}
	g_message("mqtt: camera %s retracted (%u discovery config%s)",
		  camera,
		  gone->len,
		  gone->len == 1 ? "" : "s");
}

static gboolean
sdag_mqtt_stats_cb(gpointer user_data)
{
	SdagMqtt *self = user_data;
	g_autoptr(JsonNode) stats = self->stats_func(self->stats_data);
	g_autofree char *text = sdag_json_to_string(stats);
	g_autofree char *topic = g_strdup_printf("%s/stats", self->root);

	/* telemetry: the next one says it again */
	sdag_mqtt_publish_telemetry(self, topic, text, 0, FALSE, 0);
	return G_SOURCE_CONTINUE;
}

/**
 * sdag_mqtt_set_stats_func:
 *
 * @func makes the `<root>/stats` payload, published every [mqtt] stats_interval_s (none
 * when 0) as telemetry, like Frigate's stats.
 */
void
sdag_mqtt_set_stats_func(SdagMqtt *self, SdagMqttStatsFunc func, gpointer user_data)
{
	self->stats_func = func;
	self->stats_data = user_data;
	g_clear_handle_id(&self->stats_id, g_source_remove);
	if (func != NULL && self->cfg.stats_interval_s > 0)
		self->stats_id =
		    g_timeout_add_seconds(self->cfg.stats_interval_s, sdag_mqtt_stats_cb, self);
}

/* The REST address Home Assistant links each camera's device to. */
void
sdag_mqtt_set_rest_url(SdagMqtt *self, const char *url)
{
	g_free(self->rest_url);
	self->rest_url = g_strdup(url);
}

/* the feed's sink */

/* Returns: (transfer full) (nullable): why @topic, built from @msg, must not be published. A
 * count's label comes from whatever detector ran: it must be one level, not just make a
 * valid topic. */
static char *
sdag_mqtt_check_topic(const SdagFeedMessage *msg, const char *topic)
{
	g_autoptr(GError) error = NULL;

	if (msg->klass == SDAG_PUB_COUNTS) {
		const char *label = json_object_get_string_member_with_default(
		    json_node_get_object(msg->payload), "label", "");
		if (!sdag_topic_check_level(label, -1, &error))
			return g_strdup_printf("invalid topic: label: %s", error->message);
	}
	if (!sdag_topic_check(topic, &error))
		return g_strdup_printf("invalid topic: %s", error->message);
	return NULL;
}

static void
sdag_mqtt_feed_cb(const SdagFeedMessage *msg, gpointer user_data)
{
	SdagMqtt *self = user_data;
	g_autofree char *topic = g_strdup_printf("%s/%s", self->root, msg->topic);
	g_autofree char *payload = NULL;
	guint qos = msg->opts->qos[msg->klass];
	gboolean retain = msg->opts->retain[msg->klass];
	guint expiry = msg->opts->message_expiry_s;
	gboolean durable = msg->klass != SDAG_PUB_PROGRESS && msg->klass != SDAG_PUB_DETECTIONS;
	g_autofree char *bad = NULL;

	if (msg->target == SDAG_FEED_TO_WS)
		return;
	if (msg->image != NULL) {
		if (!msg->opts->publish[SDAG_PUB_STATUS])
			return;
		g_hash_table_replace(self->images, g_strdup(topic), g_bytes_ref(msg->image));
		if (self->connected)
			sdag_mqtt_send_image(self, topic, msg->image);
		return;
	}
	bad = sdag_mqtt_check_topic(msg, topic);
	if (bad != NULL) {
		if (!msg->opts->publish[msg->klass])
			return;
		if (durable) {
			g_autofree char *text = sdag_json_to_string(msg->payload);
			SdagOutboxMsg m = {0, topic, text, qos, retain, expiry};
			sdag_mqtt_dead_letter(self, &m, bad);
		} else {
			self->dropped++;
		}
		return;
	}
	/* Home Assistant: a device per camera, created with the first message under its name */
	if (self->cfg.ha_discovery && msg->camera != NULL &&
	    (g_strcmp0(msg->type, "camera_status") == 0 || msg->klass == SDAG_PUB_COUNTS) &&
	    msg->opts->publish[msg->klass])
		sdag_mqtt_ha_camera(self, msg);
	if (!msg->opts->publish[msg->klass])
		return;
	if (msg->klass == SDAG_PUB_COUNTS) {
		/* like Frigate's counts: the number alone */
		payload = g_strdup_printf(
		    "%" G_GINT64_FORMAT,
		    json_object_get_int_member(json_node_get_object(msg->payload), "value"));
	} else {
		payload = sdag_json_to_string(msg->payload);
	}
	if (!durable)
		sdag_mqtt_publish_telemetry(self, topic, payload, qos, retain, expiry);
	else
		sdag_mqtt_publish_durable(self, topic, payload, qos, retain, expiry);
}

/* connection (main context) */

static void sdag_mqtt_connect(SdagMqtt *self);

static gboolean
sdag_mqtt_retry_cb(gpointer user_data)
{
	SdagMqtt *self = user_data;

	self->retry_id = 0;
	sdag_mqtt_connect(self);
	return G_SOURCE_REMOVE;
}

static void
sdag_mqtt_set_error(SdagMqtt *self, const char *text)
{
	if (g_strcmp0(self->last_error, text) != 0)
		g_message("mqtt: %s", text);
	g_free(self->last_error);
	self->last_error = g_strdup(text);
}

static void
sdag_mqtt_on_connected(SdagMqtt *self)
{
	g_autofree char *avail = NULL;

	if (self->connected)
		return;
	g_info("mqtt: connected");
	self->connected = TRUE;
	self->ever_connected = TRUE;
	self->retry_s = self->cfg.reconnect_min_s;
	self->generation++;
	self->out_inflight = 0;
	self->tele_inflight = 0;
	self->send_cursor = 0;
	sdag_mqtt_send(self, self->will_topic, "online", 1, TRUE, 0, G_MAXUINT64);
	if (self->cfg.ha_discovery) {
		g_autofree char *ha_status = sdag_hass_status_topic(self->cfg.ha_prefix);
		MQTTAsync_subscribe(self->client, ha_status, 1, NULL);
		sdag_mqtt_ha_announce_all(self);
	}
	{
		GHashTableIter iter;
		const char *topic;
		GBytes *jpeg;

		g_hash_table_iter_init(&iter, self->images);
		while (g_hash_table_iter_next(&iter, (gpointer *)&topic, (gpointer *)&jpeg))
			sdag_mqtt_send_image(self, topic, jpeg);
	}
	sdag_mqtt_pump(self);
}

static void
sdag_mqtt_on_sent(SdagMqtt *self, SdagMqttEv *ev)
{
	gboolean current = ev->generation == self->generation;

	if (ev->durable && ev->kind == SDAG_MQTT_EV_SENT) {
		g_autoptr(GError) error = NULL;
		if (!sdag_outbox_remove(self->outbox, ev->id, &error))
			g_warning("outbox: %s", error->message);
		g_hash_table_remove(self->strikes, &ev->id);
	}
	if (ev->durable && ev->refused)
		sdag_mqtt_strike(self, ev->id, ev->text);
	if (!current)
		return;
	if (ev->kind == SDAG_MQTT_EV_SEND_FAILED)
		self->failed++;
	if (ev->durable) {
		self->out_inflight--;
		/* not acknowledged: sent again from the outbox */
		if (ev->kind == SDAG_MQTT_EV_SEND_FAILED)
			self->send_cursor = MIN(self->send_cursor, ev->id);
	} else {
		self->tele_inflight--;
	}
	sdag_mqtt_pump(self);
}

/* The oldest message unacknowledged, when it was handed over in this connection, may be
 * what made the broker drop it. */
static void
sdag_mqtt_on_lost(SdagMqtt *self, const char *why)
{
	g_autoptr(GPtrArray) head = NULL;
	SdagOutboxMsg *m;

	if (!self->connected || self->out_inflight == 0)
		return;
	head = sdag_outbox_read(self->outbox, 0, 1, NULL);
	if (head == NULL || head->len == 0)
		return;
	m = g_ptr_array_index(head, 0);
	if (m->id < self->send_cursor)
		sdag_mqtt_strike(self, m->id, why);
}

static gboolean
sdag_mqtt_ev_cb(gpointer user_data)
{
	SdagMqttEv *ev = user_data;
	SdagMqtt *self = ev->link->owner; /* only changed on this context */

	if (self == NULL)
		return G_SOURCE_REMOVE;
	switch (ev->kind) {
	case SDAG_MQTT_EV_CONNECTED:
		g_clear_pointer(&self->tls_error, g_free);
		sdag_mqtt_on_connected(self);
		break;
	case SDAG_MQTT_EV_TLS_ERROR:
		if (self->tls_error == NULL)
			self->tls_error = g_strdup(ev->text);
		break;
	case SDAG_MQTT_EV_CONNECT_FAILED:
		if (self->tls_error != NULL) {
			g_autofree char *text =
			    g_strdup_printf("TLS: %s; %s", self->tls_error, ev->text);
			sdag_mqtt_set_error(self, text);
			g_clear_pointer(&self->tls_error, g_free);
		} else {
			sdag_mqtt_set_error(self, ev->text);
		}
		self->connected = FALSE;
		if (!self->ever_connected && self->retry_id == 0) {
			self->retry_id =
			    g_timeout_add_seconds(self->retry_s, sdag_mqtt_retry_cb, self);
			self->retry_s = MIN(self->retry_s * 2, self->cfg.reconnect_max_s);
		}
		break;
	case SDAG_MQTT_EV_LOST:
		sdag_mqtt_set_error(self, ev->text);
		sdag_mqtt_on_lost(self, ev->text);
		self->connected = FALSE;
		break;
	case SDAG_MQTT_EV_SENT:
	case SDAG_MQTT_EV_SEND_FAILED:
		sdag_mqtt_on_sent(self, ev);
		break;
	case SDAG_MQTT_EV_MESSAGE:
	default:
		if (self->cfg.ha_discovery && g_strcmp0(ev->text, "online") == 0) {
			g_autofree char *ha_status = sdag_hass_status_topic(self->cfg.ha_prefix);
			if (g_strcmp0(ev->topic, ha_status) == 0 && self->connected) {
				g_info("mqtt: Home Assistant is online: discovery announced again");
				sdag_mqtt_ha_announce_all(self);
			}
		}
		break;
	}
	return G_SOURCE_REMOVE;
}

static void
sdag_mqtt_connect(SdagMqtt *self)
{
	MQTTAsync_connectOptions co = MQTTAsync_connectOptions_initializer;
	MQTTAsync_connectOptions co5 = MQTTAsync_connectOptions_initializer5;
	MQTTAsync_willOptions will = MQTTAsync_willOptions_initializer;
	MQTTAsync_SSLOptions ssl = MQTTAsync_SSLOptions_initializer;
	MQTTAsync_connectOptions *o = self->cfg.protocol_version == 5 ? &co5 : &co;
	int rc;

	will.topicName = self->will_topic;
	will.message = "offline";
	will.retained = 1;
	will.qos = 1;
	o->will = &will;
	o->keepAliveInterval = (int)self->cfg.keepalive_s;
	o->cleansession = self->cfg.protocol_version == 5 ? 0 : 1;
	if (self->cfg.protocol_version == 5)
		o->cleanstart = 1;
	o->connectTimeout = 10;
	o->automaticReconnect = 1;
	o->minRetryInterval = (int)self->cfg.reconnect_min_s;
	o->maxRetryInterval = (int)self->cfg.reconnect_max_s;
	o->serverURIcount = (int)g_strv_length(self->uris);
	o->serverURIs = self->uris;
	o->context = self->link;
	if (self->cfg.protocol_version == 5) {
		o->onSuccess5 = sdag_mqtt_connect_ok5_cb;
		o->onFailure5 = sdag_mqtt_connect_fail5_cb;
	} else {
		o->onSuccess = sdag_mqtt_connect_ok_cb;
		o->onFailure = sdag_mqtt_connect_fail_cb;
	}
	if (self->cfg.username != NULL && self->cfg.username[0] != '\0')
		o->username = self->cfg.username;
	if (self->cfg.password != NULL && self->cfg.password[0] != '\0')
		o->password = self->cfg.password;
	if (self->tls) {
		if (self->cfg.ca_file[0] != '\0')
			ssl.trustStore = self->cfg.ca_file;
		if (self->cfg.cert_file[0] != '\0')
			ssl.keyStore = self->cfg.cert_file;
		if (self->cfg.key_file[0] != '\0')
			ssl.privateKey = self->cfg.key_file;
		ssl.enableServerCertAuth = 1;
		ssl.verify = self->cfg.tls_verify ? 1 : 0;
		ssl.ssl_error_cb = sdag_mqtt_ssl_error_cb;
		ssl.ssl_error_context = self->link;
		o->ssl = &ssl;
	}
	rc = MQTTAsync_connect(self->client, o);
	if (rc != MQTTASYNC_SUCCESS) {
		g_autofree char *text = g_strdup_printf("connect failed to start (rc %d)", rc);
		sdag_mqtt_set_error(self, text);
		self->retry_id = g_timeout_add_seconds(self->retry_s, sdag_mqtt_retry_cb, self);
		self->retry_s = MIN(self->retry_s * 2, self->cfg.reconnect_max_s);
	}
}

/**
 * sdag_mqtt_new:
 * @config: the [mqtt] group, with a broker; borrowed for the life of the client
 * @feed: the messages to publish
 *
 * Creates the client and starts connecting; publishing starts at once (into the outbox and
 * the telemetry buffer until the broker answers).
 */
SdagMqtt *
sdag_mqtt_new(const SdagMqttConfig *config,
	      const char *device_id,
	      SdagStore *store,
	      SdagFeed *feed,
	      GError **error)
{
	g_autoptr(SdagMqtt) self = g_new0(SdagMqtt, 1);
	MQTTAsync_createOptions co = MQTTAsync_createOptions_initializer;
	g_auto(GStrv) parts = g_strsplit(config->broker, ",", -1);
	g_autoptr(GPtrArray) uris = g_ptr_array_new();
	int rc;

	self->cfg = *config;
	self->device_id = g_strdup(device_id);
	self->root = config->topic_root[0] != '\0' ? g_strdup(config->topic_root)
						   : g_strdup_printf("streamdag/%s", device_id);
	while (g_str_has_suffix(self->root, "/"))
		self->root[strlen(self->root) - 1] = '\0';
	self->client_id = g_strdup(config->client_id[0] != '\0' ? config->client_id : device_id);
	self->will_topic = g_strdup_printf("%s/available", self->root);
	self->retry_s = config->reconnect_min_s;
	self->ha = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	self->ha_owner = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	self->images =
	    g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)g_bytes_unref);
	self->strikes = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
	g_queue_init(&self->telemetry);
	if (!sdag_mqtt_config_check_broker(config->broker, error)) {
		g_prefix_error(error, "[mqtt] broker: ");
		return NULL;
	}
	for (guint i = 0; parts[i] != NULL; i++) {
		char *uri = g_strstrip(parts[i]);
		if (uri[0] == '\0')
			continue;
		if (g_str_has_prefix(uri, "ssl://") || g_str_has_prefix(uri, "mqtts://"))
			self->tls = TRUE;
		g_ptr_array_add(uris, g_strdup(uri));
	}
	if (uris->len == 0) {
		g_set_error_literal(
		    error, SDAG_ERROR, SDAG_ERROR_CONFIG, "[mqtt] broker: no URI given");
		return NULL;
	}
	g_ptr_array_add(uris, NULL);
	self->uris = (GStrv)g_ptr_array_free(g_steal_pointer(&uris), FALSE);
	self->outbox = sdag_outbox_new(store, error);
	if (self->outbox == NULL)
		return NULL;
	self->link = sdag_mqtt_link_new(self);
	co.sendWhileDisconnected = 0;
	co.MQTTVersion = self->cfg.protocol_version == 5 ? MQTTVERSION_5 : MQTTVERSION_3_1_1;
	rc = MQTTAsync_createWithOptions(
	    &self->client, self->uris[0], self->client_id, MQTTCLIENT_PERSISTENCE_NONE, NULL, &co);
	if (rc != MQTTASYNC_SUCCESS) {
		g_set_error(error,
			    SDAG_ERROR,
			    SDAG_ERROR_CONFIG,
			    "[mqtt] cannot create the client for %s (rc %d)",
			    self->uris[0],
			    rc);
		return NULL;
	}
	MQTTAsync_setCallbacks(
	    self->client, self->link, sdag_mqtt_lost_cb, sdag_mqtt_arrived_cb, NULL);
	MQTTAsync_setConnected(self->client, self->link, sdag_mqtt_connected_cb);
	sdag_feed_add_sink(feed, sdag_mqtt_feed_cb, self);
	self->feed = feed;
	if (sdag_outbox_get_depth(self->outbox) > 0)
		g_message("mqtt: %" G_GUINT64_FORMAT " messages in the outbox from before",
			  sdag_outbox_get_depth(self->outbox));
	sdag_mqtt_connect(self);
	return g_steal_pointer(&self);
}

/*
 * Says goodbye (available = offline, retained) when connected, disconnects, waits up to two
 * seconds for that, and destroys the client; what the outbox holds stays for the next start.
 */
void
sdag_mqtt_free(SdagMqtt *self)
{
	if (self == NULL)
		return;
	/* a reload makes a new client while the feed goes on */
	if (self->feed != NULL)
		sdag_feed_remove_sink(self->feed, sdag_mqtt_feed_cb, self);
	if (self->retry_id != 0)
		g_source_remove(self->retry_id);
	g_clear_handle_id(&self->stats_id, g_source_remove);
	if (self->client != NULL) {
		MQTTAsync_disconnectOptions dopts = MQTTAsync_disconnectOptions_initializer;
		MQTTAsync_disconnectOptions dopts5 = MQTTAsync_disconnectOptions_initializer5;
		MQTTAsync_disconnectOptions *d = self->cfg.protocol_version == 5 ? &dopts5 : &dopts;
		gint64 deadline = g_get_monotonic_time() + 2 * G_USEC_PER_SEC;

		if (self->connected)
			sdag_mqtt_send(self, self->will_topic, "offline", 1, TRUE, 0, G_MAXUINT64);
		d->timeout = 1000;
		d->context = self->link;
		if (self->cfg.protocol_version == 5) {
			d->onSuccess5 = sdag_mqtt_disconnected5_cb;
			d->onFailure5 = sdag_mqtt_disconnect_fail5_cb;
		} else {
			d->onSuccess = sdag_mqtt_disconnected_cb;
			d->onFailure = sdag_mqtt_disconnect_fail_cb;
		}
		if (MQTTAsync_disconnect(self->client, d) == MQTTASYNC_SUCCESS) {
			g_mutex_lock(&self->link->lock);
			while (!self->link->disconnected)
				if (!g_cond_wait_until(
					&self->link->cond, &self->link->lock, deadline))
					break;
			g_mutex_unlock(&self->link->lock);
		}
		self->link->owner = NULL;
		MQTTAsync_destroy(&self->client);
	}
	if (self->link != NULL) {
		g_mutex_lock(&self->link->lock);
		self->link->owner = NULL;
		g_hash_table_remove_all(self->link->sends);
		g_mutex_unlock(&self->link->lock);
		sdag_mqtt_link_unref(self->link);
	}
	g_queue_clear_full(&self->telemetry, (GDestroyNotify)sdag_mqtt_tele_free);
	if (self->ha != NULL)
		g_hash_table_unref(self->ha);
	if (self->images != NULL)
		g_hash_table_unref(self->images);
	if (self->ha_owner != NULL)
		g_hash_table_unref(self->ha_owner);
	g_free(self->rest_url);
	if (self->strikes != NULL)
		g_hash_table_unref(self->strikes);
	sdag_outbox_free(self->outbox);
	g_strfreev(self->uris);
	g_free(self->device_id);
	g_free(self->root);
	g_free(self->client_id);
	g_free(self->will_topic);
	g_free(self->last_error);
	g_free(self->tls_error);
	g_free(self);
}

/**
 * sdag_mqtt_get_counters:
 * @outbox_depth: (out): durable messages not yet acknowledged
 * @failed: (out): publishes that failed since the daemon started
 */
void
sdag_mqtt_get_counters(SdagMqtt *self, guint64 *outbox_depth, guint64 *failed)
{
	*outbox_depth = sdag_outbox_get_depth(self->outbox);
	*failed = self->failed;
}

/* "dead_letters": how many are kept, how many there ever were, the newest few */
static void
sdag_mqtt_add_dead_letters(SdagMqtt *self, JsonBuilder *b)
{
	g_autoptr(GPtrArray) newest = NULL;
	g_autoptr(GError) error = NULL;

	if (self != NULL) {
		newest = sdag_outbox_read_dead(self->outbox, SDAG_MQTT_HEALTH_DEAD_LETTERS, &error);
		if (newest == NULL)
			g_warning("outbox: %s", error->message);
	}
	json_builder_set_member_name(b, "dead_letters");
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "count");
	json_builder_add_int_value(
	    b, self != NULL ? (gint64)sdag_outbox_get_dead_count(self->outbox) : 0);
	json_builder_set_member_name(b, "total");
	json_builder_add_int_value(
	    b, self != NULL ? (gint64)sdag_outbox_get_dead_total(self->outbox) : 0);
	json_builder_set_member_name(b, "newest");
	json_builder_begin_array(b);
	for (guint i = 0; newest != NULL && i < newest->len; i++) {
		JsonObject *o = json_node_get_object(g_ptr_array_index(newest, i));
		const char *const members[] = {"topic", "reason", "time"};

		json_builder_begin_object(b);
		json_builder_set_member_name(b, "id");
		json_builder_add_int_value(b, json_object_get_int_member(o, "id"));
		for (guint k = 0; k < G_N_ELEMENTS(members); k++) {
			json_builder_set_member_name(b, members[k]);
			json_builder_add_string_value(
			    b, json_object_get_string_member_with_default(o, members[k], ""));
		}
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
	json_builder_end_object(b);
}

/**
 * sdag_mqtt_add_health:
 * @self: (nullable): the client, NULL when no broker is configured
 *
 * Adds the "mqtt" member of /healthz to @b (inside an object).
 */
void
sdag_mqtt_add_health(SdagMqtt *self, JsonBuilder *b)
{
	json_builder_set_member_name(b, "mqtt");
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "configured");
	json_builder_add_boolean_value(b, self != NULL);
	json_builder_set_member_name(b, "connected");
	json_builder_add_boolean_value(b, self != NULL && self->connected);
	if (self != NULL) {
		json_builder_set_member_name(b, "root");
		json_builder_add_string_value(b, self->root);
	}
	json_builder_set_member_name(b, "last_error");
	if (self != NULL && self->last_error != NULL)
		json_builder_add_string_value(b, self->last_error);
	else
		json_builder_add_null_value(b);
	json_builder_set_member_name(b, "outbox_depth");
	json_builder_add_int_value(b,
				   self != NULL ? (gint64)sdag_outbox_get_depth(self->outbox) : 0);
	json_builder_set_member_name(b, "buffered");
	json_builder_add_int_value(b, self != NULL ? g_queue_get_length(&self->telemetry) : 0);
	json_builder_set_member_name(b, "dropped");
	json_builder_add_int_value(b, self != NULL ? (gint64)self->dropped : 0);
	json_builder_set_member_name(b, "published");
	json_builder_add_int_value(b, self != NULL ? (gint64)self->published : 0);
	sdag_mqtt_add_dead_letters(self, b);
	json_builder_end_object(b);
}

/**
 * sdag_mqtt_is_connected:
 * @self: (nullable): the client, NULL when no broker is configured
 */
gboolean
sdag_mqtt_is_connected(SdagMqtt *self)
{
	return self != NULL && self->connected;
}

/**
 * sdag_mqtt_get_dead_letters:
 *
 * Returns: the messages ever moved to the dead letters in this store
 */
guint64
sdag_mqtt_get_dead_letters(SdagMqtt *self)
{
	return sdag_outbox_get_dead_total(self->outbox);
}
