/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "sdag-supervisor"

#include "sdag-supervisor.h"

#include <math.h>

#include "sdag-json.h"

/*
 * The per-source supervisor of a live job: a pure state machine, with no I/O
 * and no clock of its own (every call is given the monotonic and the wall
 * time, and a random number for the jitter), so that it is tested directly.
 *
 *   stopped ──start──▶ connecting ──frames──▶ online ◀──frames── stalled
 *                        ▲    │                 │  └──no frame for T──▶ │
 *                   retry│    │ timeout,        │ eos, errors           │ no frame
 *                        │    ▼ refused, 401…   ▼                       ▼ for 2T
 *                       backoff ◀───────────────┴──────────────── (stall)
 *
 * Every transition has a reason and goes into a short history. Whoever owns
 * the supervisor acts on what a call returns: CONNECT builds the source,
 * TEAR_DOWN takes it down (the retry comes from tick() once the jittered
 * backoff delay is over). The owner serialises the calls (one lock).
 *
 * Timeouts adapt to the stream:
 *  - T, the stall timeout while online, is the largest of the configured
 *    floor, 4 frame intervals and 2 keyframe intervals (both measured), at
 *    most SDAG_SUPERVISOR_STALL_MAX_US: a 1 fps camera or a 10 s GOP is not
 *    taken for a stalled one;
 *  - the connect timeout (start to first frame) is the configured one or 2
 *    keyframe intervals when a GOP was measured, doubled after each
 *    consecutive timeout (up to 8×): a camera that takes long to start is
 *    given more patience each time instead of being cut off in a loop.
 *
 * Backoff: initial × factor^(failures since last online - 1), capped at max,
 * scaled by a uniform jitter in [1 - j, 1 + j] and capped at max again.
 */

struct _SdagSupervisor {
	SdagSupervisorParams params;
	SdagSourceState state;
	SdagSourceReason reason;
	gint64 since_us;
	gint64 last_frame_us;
	gint64 last_frame_real;
	gint64 frame_interval_us;
	gint64 last_keyframe_us;
	gint64 keyframe_interval_us;
	guint consecutive_failures;
	guint consecutive_timeouts;
	gint64 retry_at_us;
	gboolean was_online;
	guint reconnects;
	SdagSupervisorTransition history[SDAG_SUPERVISOR_HISTORY];
	guint n_history; /* total ever recorded */
};

static const char *const sdag_source_state_names[SDAG_SOURCE_N_STATES] = {
    [SDAG_SOURCE_CONNECTING] = "connecting",
    [SDAG_SOURCE_ONLINE] = "online",
    [SDAG_SOURCE_STALLED] = "stalled",
    [SDAG_SOURCE_BACKOFF] = "backoff",
    [SDAG_SOURCE_STOPPED] = "stopped",
};

static const char *const sdag_source_reason_names[SDAG_SOURCE_N_REASONS] = {
    [SDAG_SOURCE_REASON_START] = "start",
    [SDAG_SOURCE_REASON_RETRY] = "retry",
    [SDAG_SOURCE_REASON_FRAMES] = "frames",
    [SDAG_SOURCE_REASON_CONNECT_REFUSED] = "connect_refused",
    [SDAG_SOURCE_REASON_AUTH_FAILED] = "auth_failed",
    [SDAG_SOURCE_REASON_NOT_FOUND] = "not_found",
    [SDAG_SOURCE_REASON_TIMEOUT] = "timeout",
    [SDAG_SOURCE_REASON_EOS] = "eos",
    [SDAG_SOURCE_REASON_STALL] = "stall",
    [SDAG_SOURCE_REASON_DECODE_ERROR] = "decode_error",
    [SDAG_SOURCE_REASON_STOPPED] = "stopped",
};

const char *
sdag_source_state_to_string(SdagSourceState state)
{
	g_return_val_if_fail((guint)state < SDAG_SOURCE_N_STATES, NULL);
	return sdag_source_state_names[state];
}

const char *
sdag_source_reason_to_string(SdagSourceReason reason)
{
	g_return_val_if_fail((guint)reason < SDAG_SOURCE_N_REASONS, NULL);
	return sdag_source_reason_names[reason];
}

/**
 * sdag_supervisor_backoff_delay:
 * @attempt: 0 for the first retry after the source was last online
 * @random01: uniform in [0, 1]
 *
 * Returns: the delay before retry number @attempt + 1, in µs
 */
gint64
sdag_supervisor_backoff_delay(const SdagSupervisorParams *params, guint attempt, double random01)
{
	double max = (double)params->backoff_max_us;
	double d = (double)params->backoff_initial_us;
	double factor = MAX(params->backoff_factor, 1.0);
	double jitter = CLAMP(params->backoff_jitter, 0.0, 1.0);

	for (guint i = 0; i < attempt && d < max; i++)
		d *= factor;
	d = MIN(d, max);
	d *= 1.0 - jitter + 2.0 * jitter * CLAMP(random01, 0.0, 1.0);
	return (gint64)CLAMP(d, 0.0, max);
}

/**
 * sdag_supervisor_stall_timeout:
 * @frame_interval_us: measured, 0 when unknown
 * @keyframe_interval_us: measured, 0 when unknown
 *
 * Returns: how long an online source may go without a frame before it is stalled
 */
gint64
sdag_supervisor_stall_timeout(const SdagSupervisorParams *params,
			      gint64 frame_interval_us,
			      gint64 keyframe_interval_us)
{
	gint64 t = params->stall_floor_us;

	t = MAX(t, 4 * frame_interval_us);
	t = MAX(t, 2 * keyframe_interval_us);
	return MIN(t, MAX(params->stall_floor_us, SDAG_SUPERVISOR_STALL_MAX_US));
}

/**
 * sdag_supervisor_connect_timeout:
 * @consecutive_timeouts: connects that timed out since the source was last online
 *
 * Returns: how long a connect may take to its first decoded frame
 */
gint64
sdag_supervisor_connect_timeout(const SdagSupervisorParams *params,
				gint64 keyframe_interval_us,
				guint consecutive_timeouts)
{
	gint64 t = MAX(params->connect_timeout_us, 2 * keyframe_interval_us);

	return t << MIN(consecutive_timeouts, 3u);
}

SdagSupervisor *
sdag_supervisor_new(const SdagSupervisorParams *params)
{
	SdagSupervisor *self = g_new0(SdagSupervisor, 1);

	self->params = *params;
	self->state = SDAG_SOURCE_STOPPED;
	self->reason = SDAG_SOURCE_REASON_STOPPED;
	return self;
}

void
sdag_supervisor_free(SdagSupervisor *self)
{
	g_free(self);
}

static void
sdag_supervisor_go(SdagSupervisor *self,
		   SdagSourceState to,
		   SdagSourceReason reason,
		   gint64 now_us,
		   gint64 real_us)
{
	SdagSupervisorTransition *t = &self->history[self->n_history % SDAG_SUPERVISOR_HISTORY];

	t->at_real_us = real_us;
	t->from = self->state;
	t->to = to;
	t->reason = reason;
	self->n_history++;
	self->state = to;
	self->reason = reason;
	self->since_us = now_us;
}

SdagSupervisorAction
sdag_supervisor_start(SdagSupervisor *self, gint64 now_us, gint64 real_us)
{
	g_return_val_if_fail(self->state == SDAG_SOURCE_STOPPED, SDAG_SUPERVISOR_NONE);
	self->last_keyframe_us = 0;
	sdag_supervisor_go(self, SDAG_SOURCE_CONNECTING, SDAG_SOURCE_REASON_START, now_us, real_us);
	return SDAG_SUPERVISOR_CONNECT;
}

/* A decoded frame from the current source. */
void
sdag_supervisor_frame(SdagSupervisor *self, gint64 now_us, gint64 real_us)
{
	if (self->state == SDAG_SOURCE_BACKOFF || self->state == SDAG_SOURCE_STOPPED)
		return;
	if (self->state == SDAG_SOURCE_ONLINE && self->last_frame_us > 0) {
		gint64 gap = now_us - self->last_frame_us;
		self->frame_interval_us =
		    self->frame_interval_us == 0 ? gap : (7 * self->frame_interval_us + gap) / 8;
	}
	self->last_frame_us = now_us;
	self->last_frame_real = real_us;
	if (self->state == SDAG_SOURCE_CONNECTING) {
		if (self->was_online)
			self->reconnects++;
		self->was_online = TRUE;
		self->consecutive_failures = 0;
		self->consecutive_timeouts = 0;
		sdag_supervisor_go(
		    self, SDAG_SOURCE_ONLINE, SDAG_SOURCE_REASON_FRAMES, now_us, real_us);
	} else if (self->state == SDAG_SOURCE_STALLED) {
		sdag_supervisor_go(
		    self, SDAG_SOURCE_ONLINE, SDAG_SOURCE_REASON_FRAMES, now_us, real_us);
	}
}

/* A keyframe went into the decoder of the current source. */
void
sdag_supervisor_keyframe(SdagSupervisor *self, gint64 now_us)
{
	if (self->state == SDAG_SOURCE_BACKOFF || self->state == SDAG_SOURCE_STOPPED)
		return;
	if (self->last_keyframe_us > 0) {
		gint64 gap = now_us - self->last_keyframe_us;
		self->keyframe_interval_us = self->keyframe_interval_us == 0
						 ? gap
						 : (3 * self->keyframe_interval_us + gap) / 4;
	}
	self->last_keyframe_us = now_us;
}

/**
 * sdag_supervisor_failure:
 * @reason: why the source is lost
 *
 * Returns: TEAR_DOWN when the source was connecting, online or stalled; NONE when it was
 * already down (a second report of the same loss)
 */
SdagSupervisorAction
sdag_supervisor_failure(SdagSupervisor *self,
			SdagSourceReason reason,
			gint64 now_us,
			gint64 real_us,
			double random01)
{
	if (self->state == SDAG_SOURCE_BACKOFF || self->state == SDAG_SOURCE_STOPPED)
		return SDAG_SUPERVISOR_NONE;
	if (reason == SDAG_SOURCE_REASON_TIMEOUT)
		self->consecutive_timeouts++;
	self->retry_at_us = now_us + sdag_supervisor_backoff_delay(
					 &self->params, self->consecutive_failures, random01);
	self->consecutive_failures++;
	sdag_supervisor_go(self, SDAG_SOURCE_BACKOFF, reason, now_us, real_us);
	return SDAG_SUPERVISOR_TEAR_DOWN;
}

gint64
sdag_supervisor_get_current_timeout(SdagSupervisor *self)
{
	switch (self->state) {
	case SDAG_SOURCE_CONNECTING:
		return sdag_supervisor_connect_timeout(
		    &self->params, self->keyframe_interval_us, self->consecutive_timeouts);
	case SDAG_SOURCE_ONLINE:
	case SDAG_SOURCE_STALLED:
		return sdag_supervisor_stall_timeout(
		    &self->params, self->frame_interval_us, self->keyframe_interval_us);
	default:
		return 0;
	}
}

/**
 * sdag_supervisor_tick:
 *
 * The clock: call it often (every 100 ms or so). Moves on timeouts.
 *
 * Returns: CONNECT when the backoff is over, TEAR_DOWN when a connect timed out or a stall
 * lasted, NONE otherwise
 */
SdagSupervisorAction
sdag_supervisor_tick(SdagSupervisor *self, gint64 now_us, gint64 real_us, double random01)
{
	gint64 timeout = sdag_supervisor_get_current_timeout(self);

	switch (self->state) {
	case SDAG_SOURCE_CONNECTING:
		if (now_us - self->since_us > timeout)
			return sdag_supervisor_failure(
			    self, SDAG_SOURCE_REASON_TIMEOUT, now_us, real_us, random01);
		break;
	case SDAG_SOURCE_ONLINE:
		if (now_us - self->last_frame_us > timeout)
			sdag_supervisor_go(
			    self, SDAG_SOURCE_STALLED, SDAG_SOURCE_REASON_STALL, now_us, real_us);
		break;
	case SDAG_SOURCE_STALLED:
		if (now_us - self->last_frame_us > 2 * timeout)
			return sdag_supervisor_failure(
			    self, SDAG_SOURCE_REASON_STALL, now_us, real_us, random01);
		break;
	case SDAG_SOURCE_BACKOFF:
		if (now_us >= self->retry_at_us) {
			self->last_keyframe_us = 0;
			sdag_supervisor_go(self,
					   SDAG_SOURCE_CONNECTING,
					   SDAG_SOURCE_REASON_RETRY,
					   now_us,
					   real_us);
			return SDAG_SUPERVISOR_CONNECT;
		}
		break;
	default:
		break;
	}
	return SDAG_SUPERVISOR_NONE;
}

void
sdag_supervisor_stop(SdagSupervisor *self, gint64 real_us)
{
	if (self->state != SDAG_SOURCE_STOPPED)
		sdag_supervisor_go(
		    self, SDAG_SOURCE_STOPPED, SDAG_SOURCE_REASON_STOPPED, self->since_us, real_us);
}

SdagSourceState
sdag_supervisor_get_state(SdagSupervisor *self)
{
	return self->state;
}

SdagSourceReason
sdag_supervisor_get_reason(SdagSupervisor *self)
{
	return self->reason;
}

guint
sdag_supervisor_get_reconnects(SdagSupervisor *self)
{
	return self->reconnects;
}

/* A resumed job carries on counting; it has been online before. */
void
sdag_supervisor_set_reconnects(SdagSupervisor *self, guint reconnects)
{
	self->reconnects = reconnects;
}

gboolean
sdag_supervisor_was_online(SdagSupervisor *self)
{
	return self->was_online;
}

gint64
sdag_supervisor_get_last_frame_real(SdagSupervisor *self)
{
	return self->last_frame_real;
}

gint64
sdag_supervisor_get_keyframe_interval(SdagSupervisor *self)
{
	return self->keyframe_interval_us;
}

/* Returns: how many transitions there were since new() */
guint
sdag_supervisor_get_n_transitions(SdagSupervisor *self)
{
	return self->n_history;
}

/**
 * sdag_supervisor_get_history:
 * @out: room for SDAG_SUPERVISOR_HISTORY transitions
 *
 * Returns: how many of the last transitions were copied, oldest first
 */
guint
sdag_supervisor_get_history(SdagSupervisor *self, SdagSupervisorTransition *out)
{
	guint n = MIN(self->n_history, SDAG_SUPERVISOR_HISTORY);
	guint first = self->n_history - n;

	for (guint i = 0; i < n; i++)
		out[i] = self->history[(first + i) % SDAG_SUPERVISOR_HISTORY];
	return n;
}

/* Returns: (transfer full): `[{"at", "from", "to", "reason"}, …]`, oldest first */
JsonNode *
sdag_supervisor_history_to_json(SdagSupervisor *self)
{
	SdagSupervisorTransition h[SDAG_SUPERVISOR_HISTORY];
	guint n = sdag_supervisor_get_history(self, h);
	JsonArray *arr = json_array_new();
	JsonNode *node = json_node_new(JSON_NODE_ARRAY);

	for (guint i = 0; i < n; i++) {
		JsonObject *o = json_object_new();
		g_autofree char *at = sdag_json_timestamp(h[i].at_real_us);

		json_object_set_string_member(o, "at", at);
		json_object_set_string_member(o, "from", sdag_source_state_names[h[i].from]);
		json_object_set_string_member(o, "to", sdag_source_state_names[h[i].to]);
		json_object_set_string_member(o, "reason", sdag_source_reason_names[h[i].reason]);
		json_array_add_object_element(arr, o);
	}
	json_node_take_array(node, arr);
	return node;
}
