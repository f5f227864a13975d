/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * sdag-mqtt-bench: the two ends of bench/mqtt-fanout.sh, with the Eclipse Paho C async
 * client.
 *
 *   sdag-mqtt-bench sub URI FILTER COUNT TIMEOUT_S [SAVE_FILE]
 *       subscribes (QoS 0), prints "ready" once subscribed, then counts messages until
 *       COUNT arrived or TIMEOUT_S passed; prints "<received> <seconds from the first to the
 *       last> <messages/s>" and, with SAVE_FILE, writes the payloads there one a line.
 *   sdag-mqtt-bench pub URI TOPIC PAYLOAD_FILE
 *       publishes each line of PAYLOAD_FILE on TOPIC (QoS 0) from one loop, as fast as
 *       the client takes them, and waits until the last one is written.
 */
#include <MQTTAsync.h>
#include <glib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

typedef struct {
	GMutex lock;
	GCond cond;
	gboolean subscribed;
	gboolean failed;
	guint received;
	guint want;
	gint64 first_us;
	gint64 last_us;
	GPtrArray *saved; /* char *, or NULL */
} Bench;

static int
bench_arrived_cb(void *context, char *topic, int topic_len, MQTTAsync_message *m)
{
	Bench *b = context;
	gint64 now = g_get_monotonic_time();

	g_mutex_lock(&b->lock);
	if (b->received == 0)
		b->first_us = now;
	b->last_us = now;
	b->received++;
	if (b->saved != NULL)
		g_ptr_array_add(b->saved, g_strndup(m->payload, (gsize)m->payloadlen));
	if (b->received >= b->want)
		g_cond_signal(&b->cond);
	g_mutex_unlock(&b->lock);
	MQTTAsync_freeMessage(&m);
	MQTTAsync_free(topic);
	return 1;
}

static void
bench_subscribed_cb(void *context, MQTTAsync_successData *response)
{
	Bench *b = context;

	g_mutex_lock(&b->lock);
	b->subscribed = TRUE;
	g_cond_signal(&b->cond);
	g_mutex_unlock(&b->lock);
}

static void
bench_failed_cb(void *context, MQTTAsync_failureData *response)
{
	Bench *b = context;

	g_mutex_lock(&b->lock);
	b->failed = TRUE;
	g_cond_signal(&b->cond);
	g_mutex_unlock(&b->lock);
}

typedef struct {
	MQTTAsync client;
	const char *filter;
	Bench *bench;
} Conn;

static void
bench_connected_cb(void *context, MQTTAsync_successData *response)
{
	Conn *c = context;
	MQTTAsync_responseOptions ro = MQTTAsync_responseOptions_initializer;

	ro.onSuccess = bench_subscribed_cb;
	ro.onFailure = bench_failed_cb;
	ro.context = c->bench;
	if (c->filter == NULL) {
		bench_subscribed_cb(c->bench, NULL); /* a publisher: connected is enough */
		return;
	}
	if (MQTTAsync_subscribe(c->client, c->filter, 0, &ro) != MQTTASYNC_SUCCESS)
		bench_failed_cb(c->bench, NULL);
}

static MQTTAsync
bench_connect(const char *uri, const char *filter, Bench *b, Conn *c)
{
	MQTTAsync client = NULL;
	MQTTAsync_connectOptions co = MQTTAsync_connectOptions_initializer;
	g_autofree char *id =
	    g_strdup_printf("sdag-bench-%d-%s", (int)getpid(), filter ? "s" : "p");

	if (MQTTAsync_create(&client, uri, id, MQTTCLIENT_PERSISTENCE_NONE, NULL) !=
	    MQTTASYNC_SUCCESS)
		g_error("cannot create a client for %s", uri);
	c->client = client;
	c->filter = filter;
	c->bench = b;
	if (filter != NULL)
		MQTTAsync_setCallbacks(client, b, NULL, bench_arrived_cb, NULL);
	co.cleansession = 1;
	co.keepAliveInterval = 30;
	co.onSuccess = bench_connected_cb;
	co.onFailure = bench_failed_cb;
	co.context = c;
	if (MQTTAsync_connect(client, &co) != MQTTASYNC_SUCCESS)
		g_error("cannot connect to %s", uri);
	g_mutex_lock(&b->lock);
	while (!b->subscribed && !b->failed)
		g_cond_wait(&b->cond, &b->lock);
	g_mutex_unlock(&b->lock);
	if (b->failed)
		g_error("cannot connect or subscribe to %s", uri);
	return client;
}

static int
bench_sub(const char *uri, const char *filter, guint want, guint timeout_s, const char *save)
{
	Bench b = {.want = want};
	Conn c;
	MQTTAsync client;
	gint64 deadline;
	guint received;

	g_mutex_init(&b.lock);
	g_cond_init(&b.cond);
	if (save != NULL)
		b.saved = g_ptr_array_new_with_free_func(g_free);
	client = bench_connect(uri, filter, &b, &c);
	printf("ready\n");
	fflush(stdout);
	deadline = g_get_monotonic_time() + (gint64)timeout_s * G_USEC_PER_SEC;
	g_mutex_lock(&b.lock);
	while (b.received < b.want)
		if (!g_cond_wait_until(&b.cond, &b.lock, deadline))
			break;
	received = b.received;
	g_mutex_unlock(&b.lock);
	MQTTAsync_disconnect(client, NULL);
	MQTTAsync_destroy(&client);
	{
		double secs = (double)(b.last_us - b.first_us) / G_USEC_PER_SEC;
		printf("%u %.4f %.1f\n", received, secs, secs > 0 ? (received - 1) / secs : 0.0);
	}
	if (b.saved != NULL) {
		g_autoptr(GString) text = g_string_new(NULL);
		for (guint i = 0; i < b.saved->len; i++)
			g_string_append_printf(text, "%s\n", (char *)g_ptr_array_index(b.saved, i));
		if (!g_file_set_contents(save, text->str, (gssize)text->len, NULL))
			g_error("cannot write %s", save);
		g_ptr_array_unref(b.saved);
	}
	g_mutex_clear(&b.lock);
	g_cond_clear(&b.cond);
	return received == want ? 0 : 1;
}

static int
bench_pub(const char *uri, const char *topic, const char *file)
{
	Bench b = {0};
	Conn c;
	MQTTAsync client;
	g_autofree char *text = NULL;
	g_auto(GStrv) lines = NULL;
	MQTTAsync_token last = 0;

	if (!g_file_get_contents(file, &text, NULL, NULL))
		g_error("cannot read %s", file);
	lines = g_strsplit(text, "\n", -1);
	g_mutex_init(&b.lock);
	g_cond_init(&b.cond);
	client = bench_connect(uri, NULL, &b, &c);
	for (guint i = 0; lines[i] != NULL; i++) {
		MQTTAsync_responseOptions ro = MQTTAsync_responseOptions_initializer;
		int rc;

		if (lines[i][0] == '\0')
			continue;
		rc = MQTTAsync_send(client, topic, (int)strlen(lines[i]), lines[i], 0, 0, &ro);
		if (rc != MQTTASYNC_SUCCESS)
			g_error("send failed: %d", rc);
		last = ro.token;
	}
	MQTTAsync_waitForCompletion(client, last, 60000);
	MQTTAsync_disconnect(client, NULL);
	g_usleep(100000);
	MQTTAsync_destroy(&client);
	g_mutex_clear(&b.lock);
	g_cond_clear(&b.cond);
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc >= 6 && strcmp(argv[1], "sub") == 0)
		return bench_sub(argv[2],
				 argv[3],
				 (guint)g_ascii_strtoull(argv[4], NULL, 10),
				 (guint)g_ascii_strtoull(argv[5], NULL, 10),
				 argc >= 7 ? argv[6] : NULL);
	if (argc == 5 && strcmp(argv[1], "pub") == 0)
		return bench_pub(argv[2], argv[3], argv[4]);
	fprintf(stderr,
		"usage: sdag-mqtt-bench sub URI FILTER COUNT TIMEOUT_S [SAVE_FILE]\n"
		"       sdag-mqtt-bench pub URI TOPIC PAYLOAD_FILE\n");
	return 2;
}
