/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A test detector: reports one box per frame, labelled by its param, so that
 * pipelines with detections can be built and run before real detectors.
 */
#include "sdag-node.h"

const SdagNodeDesc *sdag_node_describe(void);

typedef struct {
	char label[32];
} Detector;

static gpointer
detector_init(JsonObject *params, GError **error)
{
	Detector *self = g_new0(Detector, 1);
	g_strlcpy(self->label, json_object_get_string_member(params, "label"), sizeof(self->label));
	return self;
}

static gboolean
detector_process(gpointer instance, const SdagPacket *inputs, SdagPacket *outputs, GError **error)
{
	Detector *self = instance;
	SdagDetection d = {.score = 0.9f, .x = 1, .y = 2, .w = 3, .h = 4, .track_id = -1};

	g_strlcpy(d.label, self->label, sizeof(d.label));
	g_array_append_val(outputs[0].items, d);
	return TRUE;
}

static void
detector_finalize(gpointer instance)
{
	g_free(instance);
}

static const SdagPortSpec detector_inputs[] = {{"frame", SDAG_PORT_FRAME, FALSE, "frame"}};
static const SdagPortSpec detector_outputs[] = {
    {"detections", SDAG_PORT_DETECTIONS, FALSE, "one box"}};
static const SdagParamSpec detector_params[] = {
    {"label", SDAG_PARAM_STRING, "\"thing\"", TRUE, 1, 31, "label of the box"}};

static const SdagNodeDesc detector_desc = {
    .abi_version = SDAG_NODE_ABI_VERSION,
    .name = "test_detector",
    .version = "0.0.1",
    .description = "Reports one fixed box per frame (tests only)",
    .inputs = detector_inputs,
    .n_inputs = 1,
    .outputs = detector_outputs,
    .n_outputs = 1,
    .params = detector_params,
    .n_params = 1,
    .init = detector_init,
    .process = detector_process,
    .finalize = detector_finalize,
};

G_MODULE_EXPORT const SdagNodeDesc *
sdag_node_describe(void)
{
	return &detector_desc;
}
