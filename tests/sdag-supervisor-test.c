/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The live-source supervisor without I/O: its backoff, its timeouts and its
 * state machine, driven by a scripted clock. One case per table row.
 */
#include "sdag-supervisor.h"

#define MS (G_USEC_PER_SEC / 1000)

static const SdagSupervisorParams params = {
    .backoff_initial_us = 1000 * MS,
    .backoff_max_us = 30000 * MS,
    .backoff_factor = 2.0,
    .backoff_jitter = 0.2,
    .stall_floor_us = 5000 * MS,
    .connect_timeout_us = 10000 * MS,
};

typedef struct {
	guint attempt;
	double r;
	gint64 want_ms;
} BackoffCase;

static const BackoffCase backoff_cases[] = {
    {0, 0.5, 1000}, /* no jitter at the middle */
    {1, 0.5, 2000},
    {2, 0.5, 4000},
    {4, 0.5, 16000},
    {5, 0.5, 30000}, /* capped */
    {40, 0.5, 30000},
    {0, 0.0, 800},   /* -20% */
    {0, 1.0, 1200},  /* +20% */
    {5, 1.0, 30000}, /* the jitter never passes the max */
    {5, 0.0, 24000},
};

static void
test_backoff_delay(gconstpointer data)
{
	const BackoffCase *c = data;
	gint64 d = sdag_supervisor_backoff_delay(&params, c->attempt, c->r);

	g_assert_cmpint(d / MS, ==, c->want_ms);
}

typedef struct {
	gint64 frame_ms;
	gint64 key_ms;
	gint64 want_ms;
} StallCase;

static const StallCase stall_cases[] = {
    {0, 0, 5000},	  /* nothing measured: the floor */
    {66, 1000, 5000},	  /* 15 fps, 1 s GOP: the floor */
    {2000, 0, 8000},	  /* 0.5 fps: 4 frame intervals */
    {66, 10000, 20000},	  /* 10 s GOP: 2 keyframe intervals */
    {66, 100000, 120000}, /* capped */
};

typedef struct {
	gint64 key_ms;
	guint timeouts;
	gint64 want_ms;
} ConnectCase;

static const ConnectCase connect_cases[] = {
    {0, 0, 10000},
    {0, 1, 20000},
    {0, 2, 40000},
    {0, 3, 80000},
    {0, 9, 80000}, /* at most 8x */
    {8000, 0, 16000},
};

static void
test_stall_timeout(gconstpointer data)
{
	const StallCase *c = data;

	g_assert_cmpint(sdag_supervisor_stall_timeout(&params, c->frame_ms * MS, c->key_ms * MS) /
			    MS,
			==,
			c->want_ms);
}

static void
test_connect_timeout(gconstpointer data)
{
	const ConnectCase *c = data;

	g_assert_cmpint(sdag_supervisor_connect_timeout(&params, c->key_ms * MS, c->timeouts) / MS,
			==,
			c->want_ms);
}

typedef enum { EV_START, EV_FRAME, EV_KEY, EV_FAIL, EV_TICK } Ev;

/* A scripted run: each step an event at a time (ms) and what must follow. */
static void
test_state_machine(void)
{
	const struct {
		Ev ev;
		gint64 at_ms;
		SdagSourceReason reason; /* for EV_FAIL */
		SdagSupervisorAction want_action;
		SdagSourceState want_state;
		SdagSourceReason want_reason;
		guint want_reconnects;
	} steps[] = {
	    {EV_START,
	     0,
	     0,
	     SDAG_SUPERVISOR_CONNECT,
	     SDAG_SOURCE_CONNECTING,
	     SDAG_SOURCE_REASON_START,
	     0},
	    /* refused at once: backoff 1 s (r = 0.5), then retry */
	    {EV_FAIL,
	     10,
	     SDAG_SOURCE_REASON_CONNECT_REFUSED,
	     SDAG_SUPERVISOR_TEAR_DOWN,
	     SDAG_SOURCE_BACKOFF,
	     SDAG_SOURCE_REASON_CONNECT_REFUSED,
	     0},
	    {EV_TICK,
	     900,
	     0,
	     SDAG_SUPERVISOR_NONE,
	     SDAG_SOURCE_BACKOFF,
	     SDAG_SOURCE_REASON_CONNECT_REFUSED,
	     0},
	    {EV_TICK,
	     1010,
	     0,
	     SDAG_SUPERVISOR_CONNECT,
	     SDAG_SOURCE_CONNECTING,
	     SDAG_SOURCE_REASON_RETRY,
	     0},
	    /* 401 twice: the second backoff is 2 s */
	    {EV_FAIL,
	     1100,
	     SDAG_SOURCE_REASON_AUTH_FAILED,
	     SDAG_SUPERVISOR_TEAR_DOWN,
	     SDAG_SOURCE_BACKOFF,
	     SDAG_SOURCE_REASON_AUTH_FAILED,
	     0},
	    {EV_TICK,
	     3000,
	     0,
	     SDAG_SUPERVISOR_NONE,
	     SDAG_SOURCE_BACKOFF,
	     SDAG_SOURCE_REASON_AUTH_FAILED,
	     0},
	    {EV_TICK,
	     3100,
	     0,
	     SDAG_SUPERVISOR_CONNECT,
	     SDAG_SOURCE_CONNECTING,
	     SDAG_SOURCE_REASON_RETRY,
	     0},
	    /* no first frame within 10 s: timeout */
	    {EV_TICK,
	     13000,
	     0,
	     SDAG_SUPERVISOR_NONE,
	     SDAG_SOURCE_CONNECTING,
	     SDAG_SOURCE_REASON_RETRY,
	     0},
	    {EV_TICK,
	     13200,
	     0,
	     SDAG_SUPERVISOR_TEAR_DOWN,
	     SDAG_SOURCE_BACKOFF,
	     SDAG_SOURCE_REASON_TIMEOUT,
	     0},
	    {EV_TICK,
	     17200,
	     0,
	     SDAG_SUPERVISOR_CONNECT,
	     SDAG_SOURCE_CONNECTING,
	     SDAG_SOURCE_REASON_RETRY,
	     0},
	    /* the next connect has 20 s: a slow camera is not cut off at 10 s again */
	    {EV_TICK,
	     30000,
	     0,
	     SDAG_SUPERVISOR_NONE,
	     SDAG_SOURCE_CONNECTING,
	     SDAG_SOURCE_REASON_RETRY,
	     0},
	    {EV_KEY,
	     30500,
	     0,
	     SDAG_SUPERVISOR_NONE,
	     SDAG_SOURCE_CONNECTING,
	     SDAG_SOURCE_REASON_RETRY,
	     0},
	    {EV_FRAME,
	     31000,
	     0,
	     SDAG_SUPERVISOR_NONE,
	     SDAG_SOURCE_ONLINE,
	     SDAG_SOURCE_REASON_FRAMES,
	     0},
	    {EV_FRAME,
	     32000,
	     0,
	     SDAG_SUPERVISOR_NONE,
	     SDAG_SOURCE_ONLINE,
	     SDAG_SOURCE_REASON_FRAMES,
	     0},
	    {EV_KEY,
	     40500,
	     0,
	     SDAG_SUPERVISOR_NONE,
	     SDAG_SOURCE_ONLINE,
	     SDAG_SOURCE_REASON_FRAMES,
	     0},
	    {EV_FRAME,
	     41000,
	     0,
	     SDAG_SUPERVISOR_NONE,
	     SDAG_SOURCE_ONLINE,
	     SDAG_SOURCE_REASON_FRAMES,
	     0},
	    /* a 10 s GOP makes the stall timeout 20 s: 15 s without a frame is fine */
	    {EV_TICK,
	     56000,
	     0,
	     SDAG_SUPERVISOR_NONE,
	     SDAG_SOURCE_ONLINE,
	     SDAG_SOURCE_REASON_FRAMES,
	     0},
	    {EV_TICK,
	     61100,
	     0,
	     SDAG_SUPERVISOR_NONE,
	     SDAG_SOURCE_STALLED,
	     SDAG_SOURCE_REASON_STALL,
	     0},
	    /* frames come back while stalled: online again, no reconnect */
	    {EV_FRAME,
	     62000,
	     0,
	     SDAG_SUPERVISOR_NONE,
	     SDAG_SOURCE_ONLINE,
	     SDAG_SOURCE_REASON_FRAMES,
	     0},
	    {EV_TICK,
	     90000,
	     0,
	     SDAG_SUPERVISOR_NONE,
	     SDAG_SOURCE_STALLED,
	     SDAG_SOURCE_REASON_STALL,
	     0},
	    /* 2 timeouts without a frame: given up as a stall */
	    {EV_TICK,
	     102100,
	     0,
	     SDAG_SUPERVISOR_TEAR_DOWN,
	     SDAG_SOURCE_BACKOFF,
	     SDAG_SOURCE_REASON_STALL,
	     0},
	    /* a second report of the loss changes nothing */
	    {EV_FAIL,
	     102200,
	     SDAG_SOURCE_REASON_EOS,
	     SDAG_SUPERVISOR_NONE,
	     SDAG_SOURCE_BACKOFF,
	     SDAG_SOURCE_REASON_STALL,
	     0},
	    /* it was online since the last failure: the backoff starts again at 1 s */
	    {EV_TICK,
	     103200,
	     0,
	     SDAG_SUPERVISOR_CONNECT,
	     SDAG_SOURCE_CONNECTING,
	     SDAG_SOURCE_REASON_RETRY,
	     0},
	    {EV_FRAME,
	     104000,
	     0,
	     SDAG_SUPERVISOR_NONE,
	     SDAG_SOURCE_ONLINE,
	     SDAG_SOURCE_REASON_FRAMES,
	     1},
	    {EV_FAIL,
	     105000,
	     SDAG_SOURCE_REASON_EOS,
	     SDAG_SUPERVISOR_TEAR_DOWN,
	     SDAG_SOURCE_BACKOFF,
	     SDAG_SOURCE_REASON_EOS,
	     1},
	    {EV_TICK,
	     106000,
	     0,
	     SDAG_SUPERVISOR_CONNECT,
	     SDAG_SOURCE_CONNECTING,
	     SDAG_SOURCE_REASON_RETRY,
	     1},
	    {EV_FRAME,
	     106100,
	     0,
	     SDAG_SUPERVISOR_NONE,
	     SDAG_SOURCE_ONLINE,
	     SDAG_SOURCE_REASON_FRAMES,
	     2},
	};
	g_autoptr(SdagSupervisor) sup = sdag_supervisor_new(&params);
	SdagSupervisorTransition h[SDAG_SUPERVISOR_HISTORY];
	g_autoptr(JsonNode) json = NULL;
	guint n;

	g_assert_cmpint(sdag_supervisor_get_state(sup), ==, SDAG_SOURCE_STOPPED);
	for (guint i = 0; i < G_N_ELEMENTS(steps); i++) {
		gint64 now = steps[i].at_ms * MS;
		SdagSupervisorAction action = SDAG_SUPERVISOR_NONE;

		switch (steps[i].ev) {
		case EV_START:
			action = sdag_supervisor_start(sup, now, now);
			break;
		case EV_FRAME:
			sdag_supervisor_frame(sup, now, now);
			break;
		case EV_KEY:
			sdag_supervisor_keyframe(sup, now);
			break;
		case EV_FAIL:
			action = sdag_supervisor_failure(sup, steps[i].reason, now, now, 0.5);
			break;
		case EV_TICK:
			action = sdag_supervisor_tick(sup, now, now, 0.5);
			break;
		}
		g_test_message("step %u at %" G_GINT64_FORMAT " ms", i, steps[i].at_ms);
		g_assert_cmpint(action, ==, steps[i].want_action);
		g_assert_cmpstr(sdag_source_state_to_string(sdag_supervisor_get_state(sup)),
				==,
				sdag_source_state_to_string(steps[i].want_state));
		g_assert_cmpstr(sdag_source_reason_to_string(sdag_supervisor_get_reason(sup)),
				==,
				sdag_source_reason_to_string(steps[i].want_reason));
		g_assert_cmpuint(sdag_supervisor_get_reconnects(sup), ==, steps[i].want_reconnects);
	}
	g_assert_cmpint(sdag_supervisor_get_keyframe_interval(sup) / MS, ==, 10000);
	g_assert_true(sdag_supervisor_was_online(sup));
	sdag_supervisor_stop(sup, 0);
	g_assert_cmpint(sdag_supervisor_get_state(sup), ==, SDAG_SOURCE_STOPPED);
	/* the history keeps the last 16 transitions, oldest first, the stop last */
	n = sdag_supervisor_get_history(sup, h);
	g_assert_cmpuint(n, ==, SDAG_SUPERVISOR_HISTORY);
	g_assert_cmpuint(sdag_supervisor_get_n_transitions(sup), >, n);
	g_assert_cmpint(h[n - 1].to, ==, SDAG_SOURCE_STOPPED);
	g_assert_cmpint(h[n - 1].from, ==, SDAG_SOURCE_ONLINE);
	json = sdag_supervisor_history_to_json(sup);
	g_assert_cmpuint(json_array_get_length(json_node_get_array(json)), ==, n);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	for (guint i = 0; i < G_N_ELEMENTS(backoff_cases); i++) {
		g_autofree char *path = g_strdup_printf("/sdag/supervisor/backoff/attempt-%u-r%.1f",
							backoff_cases[i].attempt,
							backoff_cases[i].r);
		g_test_add_data_func(path, &backoff_cases[i], test_backoff_delay);
	}
	for (guint i = 0; i < G_N_ELEMENTS(stall_cases); i++) {
		g_autofree char *path =
		    g_strdup_printf("/sdag/supervisor/stall-timeout/frame-%" G_GINT64_FORMAT
				    "ms-key-%" G_GINT64_FORMAT "ms",
				    stall_cases[i].frame_ms,
				    stall_cases[i].key_ms);
		g_test_add_data_func(path, &stall_cases[i], test_stall_timeout);
	}
	for (guint i = 0; i < G_N_ELEMENTS(connect_cases); i++) {
		g_autofree char *path = g_strdup_printf(
		    "/sdag/supervisor/connect-timeout/key-%" G_GINT64_FORMAT "ms-after-%u",
		    connect_cases[i].key_ms,
		    connect_cases[i].timeouts);
		g_test_add_data_func(path, &connect_cases[i], test_connect_timeout);
	}
	g_test_add_func("/sdag/supervisor/state-machine", test_state_machine);
	return g_test_run();
}
