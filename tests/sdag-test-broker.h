/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* A real mosquitto on a free loopback port, and mosquitto_sub subscribers whose messages
 * (payloads in hex, so binary ones and ones with newlines read whole) come in while the
 * test runs its main context. */
typedef struct {
	GSubprocess *proc;
	guint16 port;
	char *dir;
} SdagTestBroker;

typedef struct {
	gboolean retain;
	char *topic;
	GBytes *payload;
	char *text; /* the payload as text, NUL-terminated */
} SdagTestMsg;

typedef struct {
	GSubprocess *proc;
	GDataInputStream *out;
	GPtrArray *msgs; /* SdagTestMsg */
	GCancellable *cancel;
} SdagTestSub;

void sdag_test_broker_start(SdagTestBroker *b);
void sdag_test_broker_stop(SdagTestBroker *b);
SdagTestSub *sdag_test_sub_start(SdagTestBroker *broker, const char *topic);
void sdag_test_sub_free(SdagTestSub *s);
SdagTestMsg *sdag_test_sub_last(SdagTestSub *s, const char *topic, guint from);
guint sdag_test_sub_count(SdagTestSub *s, const char *topic, guint from);

G_END_DECLS
