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

/* Who a message is for: a camera's job says things twice, once per job for the WebSocket
 * of that job, once under the camera's name for MQTT, whose topics outlive the job. */
typedef enum {
	SDAG_FEED_TO_ALL,
	SDAG_FEED_TO_MQTT,
	SDAG_FEED_TO_WS,
} SdagFeedTarget;

/**
 * SdagFeedMessage:
 * @klass: which volume class it belongs to
 * @type: "status", "progress", "detections", "event", "count", "camera_status" or
 *   "snapshot"
 * @job_id: the job it is about
 * @camera: (nullable): the camera whose job it is
 * @topic: the MQTT topic below the root ("jobs/<id>/status", "events",
 *   "cameras/<name>/status", ...)
 * @payload: the JSON payload (an object); NULL for a snapshot
 * @image: (nullable): a snapshot's JPEG, published as raw bytes
 * @opts: the job's volume options (config defaults overridden by options.mqtt)
 * @last: TRUE on the job's terminal status, its last message
 * @target: which sinks take it
 *
 * One message for the publishers; everything is borrowed for the call.
 */
typedef struct {
	SdagPubClass klass;
	const char *type;
	const char *job_id;
	const char *camera;
	const char *topic;
	JsonNode *payload;
	GBytes *image;
	const SdagPubOpts *opts;
	gboolean last;
	SdagFeedTarget target;
} SdagFeedMessage;

typedef void (*SdagFeedFunc)(const SdagFeedMessage *msg, gpointer user_data);

SdagFeed *sdag_feed_new(SdagJobs *jobs, SdagStore *store, const SdagPubOpts *defaults);
void sdag_feed_free(SdagFeed *self);
void sdag_feed_add_sink(SdagFeed *self, SdagFeedFunc func, gpointer user_data);
void sdag_feed_remove_sink(SdagFeed *self, SdagFeedFunc func, gpointer user_data);
void sdag_feed_recover(SdagFeed *self);
void sdag_feed_forget_camera(SdagFeed *self, const char *camera);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(SdagFeed, sdag_feed_free)

G_END_DECLS
