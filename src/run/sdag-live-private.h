/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "sdag-decode.h"
#include "sdag-element.h"
#include "sdag-live-queue.h"
#include "sdag-live.h"
#include "sdag-results.h"

/* What the live runner's files (sdag-live*.c) share; nothing outside them includes it. */

G_BEGIN_DECLS

typedef struct _SdagLive SdagLive;

#define SDAG_LIVE_TICK_MS 100
#define SDAG_LIVE_RATE_SLOTS 6

typedef struct {
	SdagLive *live;
	guint gen;
	GstElement *pipeline;
	GstElement *sink;
	guint watch;
} SdagLiveSource;

struct _SdagLive {
	SdagRunner parent;
	char *uri; /* no credentials: those are in opts */
	char *display_uri;
	SdagDag *dag; /* until handed to the element */
	guint stride;
	guint64 max_frames;
	guint64 max_frame_pixels; /* 0: no limit */
	SdagDecode *decode;	  /* what the decoders of each source decode */
	SdagLiveOptions opts;

	GstElement *tail;
	GstElement *appsrc;
	SdagElement *element;
	guint tail_watch;
	SdagResults *results;
	guint flush_timer;
	guint tick_timer;
	gint64 started_mono;
	GRand *rand;

	GMutex lock; /* guards what the streaming threads share with the main loop: */
	SdagSupervisor *sup;
	guint gen;
	GstCaps *caps;	     /* the caps last set on appsrc */
	SdagLiveQueue queue; /* the hand-over queue's policy and counts */
	gboolean closing;    /* no frame is handed over any more */

	SdagLiveSource *source; /* main loop only */
	guint pending_teardowns;
	guint history_logged;

	/* resume: from the checkpoint, added to what this run counts */
	guint64 first_frame_id;
	guint64 base_in;
	guint64 base_processed;
	guint64 base_dropped;
	JsonNode *resume_state;
	gint64 last_checkpoint_us; /* tail streaming thread */
	gboolean checkpoint_failed;

	/* rates, over the last few seconds (main loop) */
	gint64 rate_t[SDAG_LIVE_RATE_SLOTS];
	guint64 rate_in[SDAG_LIVE_RATE_SLOTS];
	guint64 rate_proc[SDAG_LIVE_RATE_SLOTS];
	guint rate_n;
	double input_fps;
	double processed_fps;

	gboolean stopping;
	gboolean tail_down;
	gboolean stopped;
	SdagRunnerOutcome outcome;
	char *error_code;
	char *error_message;
	JsonNode *metrics;
};

/* sdag-live.c: the runner */
void
sdag_live_finish(SdagLive *self, SdagRunnerOutcome outcome, const char *code, const char *message);
void sdag_live_act(SdagLive *self, SdagSupervisorAction action);
void sdag_live_maybe_stopped(SdagLive *self);
void sdag_live_redact(SdagLive *self, char **text);

/* sdag-live-checkpoint.c */
void
sdag_live_checkpoint(SdagLive *self, guint64 next_frame_id, guint64 processed, guint64 decoded);
gboolean sdag_live_resume(SdagLive *self, GError **error);

/* sdag-live-tail.c */
gboolean sdag_live_build_tail(SdagLive *self, GError **error);

/* sdag-live-source.c */
void sdag_live_connect(SdagLive *self);
void sdag_live_teardown(SdagLive *self);
void sdag_live_source_free(SdagLiveSource *src);

G_END_DECLS
