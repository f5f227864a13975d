/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef enum {
	SDAG_SOURCE_CONNECTING,
	SDAG_SOURCE_ONLINE,
	SDAG_SOURCE_STALLED,
	SDAG_SOURCE_BACKOFF,
	SDAG_SOURCE_STOPPED,
	SDAG_SOURCE_N_STATES
} SdagSourceState;

typedef enum {
	SDAG_SOURCE_REASON_START,	    /* the job started (or resumed) */
	SDAG_SOURCE_REASON_RETRY,	    /* the backoff delay is over */
	SDAG_SOURCE_REASON_FRAMES,	    /* decoded frames arrive */
	SDAG_SOURCE_REASON_CONNECT_REFUSED, /* nothing listens, or the host is unreachable */
	SDAG_SOURCE_REASON_AUTH_FAILED,	    /* 401: credentials missing or wrong */
	SDAG_SOURCE_REASON_NOT_FOUND,	    /* 404: no such stream */
	SDAG_SOURCE_REASON_TIMEOUT,	    /* no first frame within the connect timeout */
	SDAG_SOURCE_REASON_EOS,		    /* the server ended the stream */
	SDAG_SOURCE_REASON_STALL,	    /* frames stopped with the connection open */
	SDAG_SOURCE_REASON_DECODE_ERROR,    /* the stream cannot be demuxed or decoded */
	SDAG_SOURCE_REASON_STOPPED,	    /* the job ended */
	SDAG_SOURCE_N_REASONS
} SdagSourceReason;

typedef enum {
	SDAG_SUPERVISOR_NONE,
	SDAG_SUPERVISOR_CONNECT,   /* build the source and start it */
	SDAG_SUPERVISOR_TEAR_DOWN, /* take the source down; a retry follows */
} SdagSupervisorAction;

typedef struct {
	gint64 backoff_initial_us;
	gint64 backoff_max_us;
	double backoff_factor;	   /* >= 1 */
	double backoff_jitter;	   /* 0 to 1: the delay is scaled by 1 ± jitter */
	gint64 stall_floor_us;	   /* the least a stall timeout can be */
	gint64 connect_timeout_us; /* the first patience for a first frame */
} SdagSupervisorParams;

#define SDAG_SUPERVISOR_STALL_MAX_US (120 * G_USEC_PER_SEC)
#define SDAG_SUPERVISOR_HISTORY 16

typedef struct {
	gint64 at_real_us;
	SdagSourceState from;
	SdagSourceState to;
	SdagSourceReason reason;
} SdagSupervisorTransition;

typedef struct _SdagSupervisor SdagSupervisor;

const char *sdag_source_state_to_string(SdagSourceState state);
const char *sdag_source_reason_to_string(SdagSourceReason reason);

gint64
sdag_supervisor_backoff_delay(const SdagSupervisorParams *params, guint attempt, double random01);
gint64 sdag_supervisor_stall_timeout(const SdagSupervisorParams *params,
				     gint64 frame_interval_us,
				     gint64 keyframe_interval_us);
gint64 sdag_supervisor_connect_timeout(const SdagSupervisorParams *params,
				       gint64 keyframe_interval_us,
				       guint consecutive_timeouts);

SdagSupervisor *sdag_supervisor_new(const SdagSupervisorParams *params);
void sdag_supervisor_free(SdagSupervisor *self);
SdagSupervisorAction sdag_supervisor_start(SdagSupervisor *self, gint64 now_us, gint64 real_us);
void sdag_supervisor_frame(SdagSupervisor *self, gint64 now_us, gint64 real_us);
void sdag_supervisor_keyframe(SdagSupervisor *self, gint64 now_us);
SdagSupervisorAction sdag_supervisor_failure(SdagSupervisor *self,
					     SdagSourceReason reason,
					     gint64 now_us,
					     gint64 real_us,
					     double random01);
SdagSupervisorAction
sdag_supervisor_tick(SdagSupervisor *self, gint64 now_us, gint64 real_us, double random01);
void sdag_supervisor_stop(SdagSupervisor *self, gint64 real_us);

SdagSourceState sdag_supervisor_get_state(SdagSupervisor *self);
SdagSourceReason sdag_supervisor_get_reason(SdagSupervisor *self);
guint sdag_supervisor_get_reconnects(SdagSupervisor *self);
void sdag_supervisor_set_reconnects(SdagSupervisor *self, guint reconnects);
gboolean sdag_supervisor_was_online(SdagSupervisor *self);
gint64 sdag_supervisor_get_last_frame_real(SdagSupervisor *self);
gint64 sdag_supervisor_get_keyframe_interval(SdagSupervisor *self);
gint64 sdag_supervisor_get_current_timeout(SdagSupervisor *self);
guint sdag_supervisor_get_n_transitions(SdagSupervisor *self);
guint sdag_supervisor_get_history(SdagSupervisor *self, SdagSupervisorTransition *out);
JsonNode *sdag_supervisor_history_to_json(SdagSupervisor *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(SdagSupervisor, sdag_supervisor_free)

G_END_DECLS
