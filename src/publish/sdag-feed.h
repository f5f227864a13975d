/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

#include "sdag-jobs.h"
#include "sdag-mqtt-config.h"
#include "sdag-store.h"

G_BEGIN_DECLS

typedef struct _SdagFeed SdagFeed;

/**
 * SdagFeedMessage:
 * @klass: which volume class it belongs to
 * @type: "status", "progress", "detections", "event" or "count"
 * @job_id: the job it is about
 * @topic: the MQTT topic below the root ("jobs/<id>/status", "events", ...)
 * @payload: the JSON payload (an object)
 * @opts: the job's volume options (config defaults overridden by options.mqtt)
 * @last: TRUE on the job's terminal status, its last message
 *
 * One message for the publishers; everything is borrowed for the call.
 */
typedef struct {
	SdagPubClass klass;
	const char *type;
	const char *job_id;
	const char *topic;
	JsonNode *payload;
	const SdagPubOpts *opts;
	gboolean last;
} SdagFeedMessage;

typedef void (*SdagFeedFunc)(const SdagFeedMessage *msg, gpointer user_data);

SdagFeed *sdag_feed_new(SdagJobs *jobs, SdagStore *store, const SdagPubOpts *defaults);
void sdag_feed_free(SdagFeed *self);
void sdag_feed_add_sink(SdagFeed *self, SdagFeedFunc func, gpointer user_data);
void sdag_feed_remove_sink(SdagFeed *self, SdagFeedFunc func, gpointer user_data);
void sdag_feed_recover(SdagFeed *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(SdagFeed, sdag_feed_free)

G_END_DECLS
