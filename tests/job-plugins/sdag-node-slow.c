/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * slow: a node for the job tests that takes a known time per frame and emits
 * predictable detections, so that a job is reliably still running when a test
 * cancels it or kills the daemon, and its summary can be checked against the
 * frames. Frame f gives `boxes` detections labelled "thing", box (f, i, 10,
 * 10), score 0.5 on even and 0.75 on odd frames, track id (f + i) % 3. With
 * `digest`, one more, labelled "digest", says what the frame's first plane
 * holds: x the sum of its bytes modulo 2^20, y their FNV-1a hash modulo 2^20
 * (two frames with the same digest are, for a test, the same picture). With
 * `spin`, the time per frame is spent on the CPU (by the thread's CPU clock) instead of asleep.
 */
#include "sdag-node.h"

#include <time.h>

const SdagNodeDesc *sdag_node_describe(void);

typedef struct {
	gint64 sleep_ms;
	gint64 boxes;
	gboolean digest;
	gboolean spin;
} SlowNode;

static gpointer
slow_init(JsonObject *params, GError **error)
{
	SlowNode *self = g_new0(SlowNode, 1);

	self->sleep_ms = json_object_get_int_member(params, "sleep_ms");
	self->boxes = json_object_get_int_member(params, "boxes");
	self->digest = json_object_get_boolean_member(params, "digest");
	self->spin = json_object_get_boolean_member(params, "spin");
	return self;
}

static gint64
slow_thread_cpu_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (gint64)ts.tv_sec * G_USEC_PER_SEC + ts.tv_nsec / 1000;
}

static gboolean
slow_process(gpointer instance, const SdagPacket *inputs, SdagPacket *outputs, GError **error)
{
	SlowNode *self = instance;
	guint64 f = inputs[0].frame->frame_id;

	if (self->sleep_ms > 0 && self->spin) {
		/* by the thread's own CPU clock, so that a loaded machine preempting it does
		 * not make the time it spends on the CPU shorter */
		gint64 until = slow_thread_cpu_us() + self->sleep_ms * 1000;
		volatile guint64 sink = 0;

		while (slow_thread_cpu_us() < until)
			sink++;
	} else if (self->sleep_ms > 0) {
		g_usleep((gulong)self->sleep_ms * 1000);
	}
	for (gint64 i = 0; i < self->boxes; i++) {
		SdagDetection d = {.label = "thing",
				   .score = (f % 2 == 0) ? 0.5f : 0.75f,
				   .x = (float)f,
				   .y = (float)i,
				   .w = 10,
				   .h = 10,
				   .track_id = (gint64)((f + (guint64)i) % 3)};
		g_array_append_val(outputs[0].items, d);
	}
	if (self->digest) {
		const SdagFrame *frame = inputs[0].frame;
		guint32 sum = 0, fnv = 2166136261u;
		SdagDetection d = {
		    .label = "digest", .score = 1.0f, .w = 1, .h = 1, .track_id = -1};

		/* packed RGB or BGR: three bytes a pixel; otherwise the luma plane */
		const guint32 bytes = frame->width * (frame->format == SDAG_FRAME_FORMAT_RGB ||
							      frame->format == SDAG_FRAME_FORMAT_BGR
							  ? 3
							  : 1);

		for (guint32 y = 0; y < frame->height; y++) {
			const guint8 *row = frame->planes[0] + (gsize)y * (gsize)frame->strides[0];
			for (guint32 x = 0; x < bytes; x++) {
				sum += row[x];
				fnv = (fnv ^ row[x]) * 16777619u;
			}
		}
		d.x = (float)(sum & 0xfffffu);
		d.y = (float)(fnv & 0xfffffu);
		g_array_append_val(outputs[0].items, d);
	}
	return TRUE;
}

static void
slow_finalize(gpointer instance)
{
	g_free(instance);
}

static const SdagPortSpec slow_inputs[] = {
    {"frame", SDAG_PORT_FRAME, FALSE, "any decoded frame"},
};

static const SdagPortSpec slow_outputs[] = {
    {"detections", SDAG_PORT_DETECTIONS, FALSE, "predictable boxes"},
};

static const SdagParamSpec slow_params[] = {
    {"sleep_ms", SDAG_PARAM_INT, "0", TRUE, 0, 1000, "time taken per frame"},
    {"boxes", SDAG_PARAM_INT, "1", TRUE, 0, 100, "detections per frame"},
    {"digest", SDAG_PARAM_BOOL, "false", FALSE, 0, 0, "one more detection: the frame's digest"},
    {"spin", SDAG_PARAM_BOOL, "false", FALSE, 0, 0, "spend sleep_ms on the CPU, not asleep"},
};

static const SdagNodeDesc slow_desc = {
    .abi_version = SDAG_NODE_ABI_VERSION,
    .name = "slow",
    .version = "1.0.0",
    .description = "Takes a known time per frame (tests only)",
    .inputs = slow_inputs,
    .n_inputs = G_N_ELEMENTS(slow_inputs),
    .outputs = slow_outputs,
    .n_outputs = G_N_ELEMENTS(slow_outputs),
    .params = slow_params,
    .n_params = G_N_ELEMENTS(slow_params),
    .init = slow_init,
    .process = slow_process,
    .finalize = slow_finalize,
};

G_MODULE_EXPORT const SdagNodeDesc *
sdag_node_describe(void)
{
	return &slow_desc;
}
