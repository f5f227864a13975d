/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * haar: objects by an OpenCV cascade classifier (Viola-Jones), by default
 * Debian's frontal face cascade from opencv-data. Reads the luma plane only.
 *
 * The cascade is loaded at registration (validate) as well as at init, so a
 * missing or unreadable file is a bad_param when the pipeline is registered,
 * not a failure at run time. A box's score is n / (n + 5), n being the number
 * of raw hits OpenCV grouped into it (min_neighbors is the least n kept).
 */
#include <stdlib.h>
#include <string.h>

#include "sdag-cv-shim.h"
#include "sdag-node.h"

const SdagNodeDesc *sdag_node_describe(void);

#define HAAR_DEFAULT_CASCADE "/usr/share/opencv4/haarcascades/haarcascade_frontalface_default.xml"
#define HAAR_ERROR (g_quark_from_static_string("sdag-node-haar"))

typedef struct {
	SdagCvCascade *cascade;
	SdagCvCascadeParams cv;
	char label[32];
} HaarNode;

static void
haar_finalize(gpointer instance)
{
	HaarNode *self = instance;

	sdag_cv_cascade_free(self->cascade);
	g_free(self);
}

static SdagCvCascade *
haar_load(const char *path, GError **error)
{
	char *cv_error = NULL;
	SdagCvCascade *cascade;

	/* OpenCV's loader says little about a file it cannot open */
	if (!g_file_test(path, G_FILE_TEST_IS_REGULAR)) {
		g_set_error(error,
			    G_IO_ERROR,
			    G_IO_ERROR_NOT_FOUND,
			    "cascade file '%s' does not exist",
			    path);
		return NULL;
	}
	cascade = sdag_cv_cascade_new(path, &cv_error);
	if (cascade == NULL) {
		g_set_error(error,
			    G_IO_ERROR,
			    G_IO_ERROR_INVALID_DATA,
			    "cascade file '%s' cannot be used: %s",
			    path,
			    cv_error);
		free(cv_error);
	}
	return cascade;
}

static gpointer
haar_init(JsonObject *params, GError **error)
{
	HaarNode *self = g_new0(HaarNode, 1);

	self->cascade = haar_load(json_object_get_string_member(params, "cascade"), error);
	if (self->cascade == NULL) {
		g_free(self);
		return NULL;
	}
	self->cv.scale_factor = json_object_get_double_member(params, "scale_factor");
	self->cv.min_neighbors = (int)json_object_get_int_member(params, "min_neighbors");
	self->cv.min_size = (int)json_object_get_int_member(params, "min_size");
	self->cv.equalize = json_object_get_boolean_member(params, "equalize");
	g_strlcpy(self->label, json_object_get_string_member(params, "label"), sizeof(self->label));
	return self;
}

static gboolean
haar_process(gpointer instance, const SdagPacket *inputs, SdagPacket *outputs, GError **error)
{
	HaarNode *self = instance;
	const SdagFrame *f = inputs[0].frame;
	SdagCvGray img;
	SdagCvRect *rects = NULL;
	size_t n = 0;
	char *cv_error = NULL;

	if (f == NULL || f->planes[0] == NULL || f->width == 0 || f->height == 0)
		return TRUE;
	img.data = f->planes[0];
	img.width = (int)f->width;
	img.height = (int)f->height;
	img.stride = f->strides[0];
	if (sdag_cv_cascade_detect(self->cascade, &img, &self->cv, &rects, &n, &cv_error) != 0) {
		g_set_error(error, HAAR_ERROR, 1, "cascade: %s", cv_error);
		free(cv_error);
		return FALSE;
	}
	for (size_t i = 0; i < n; i++) {
		SdagDetection d = {.track_id = -1};

		memcpy(d.label, self->label, sizeof(d.label));
		d.score = rects[i].weight / (rects[i].weight + 5.0f);
		d.x = rects[i].x;
		d.y = rects[i].y;
		d.w = rects[i].w;
		d.h = rects[i].h;
		g_array_append_val(outputs[0].items, d);
	}
	free(rects);
	return TRUE;
}

static gboolean
haar_validate(JsonObject *params, GError **error)
{
	const char *label = json_object_get_string_member(params, "label");
	SdagCvCascade *cascade;

	if (label[0] == '\0' || strlen(label) >= sizeof(((SdagDetection *)NULL)->label)) {
		g_set_error(error,
			    G_IO_ERROR,
			    G_IO_ERROR_INVALID_ARGUMENT,
			    "label must have 1 to %zu bytes",
			    sizeof(((SdagDetection *)NULL)->label) - 1);
		return FALSE;
	}
	cascade = haar_load(json_object_get_string_member(params, "cascade"), error);
	if (cascade == NULL)
		return FALSE;
	sdag_cv_cascade_free(cascade);
	return TRUE;
}

static const SdagPortSpec haar_inputs[] = {
    {"frame", SDAG_PORT_FRAME, FALSE, "the frame; only its luma plane is read"},
};

static const SdagPortSpec haar_outputs[] = {
    {"detections", SDAG_PORT_DETECTIONS, FALSE, "the objects found, labelled 'label'"},
};

static const SdagParamSpec haar_params[] = {
    {"cascade",
     SDAG_PARAM_STRING,
     "\"" HAAR_DEFAULT_CASCADE "\"",
     FALSE,
     0,
     0,
     "an OpenCV cascade XML file, read when the pipeline is registered and when a job starts"},
    {"label", SDAG_PARAM_NAME, "\"face\"", FALSE, 0, 0, "the label of the detections"},
    {"scale_factor",
     SDAG_PARAM_DOUBLE,
     "1.1",
     TRUE,
     1.01,
     2.0,
     "step between the image pyramid's levels; larger is faster and misses more"},
    {"min_neighbors",
     SDAG_PARAM_INT,
     "3",
     TRUE,
     0,
     100,
     "raw hits a box needs; higher gives fewer false positives"},
    {"min_size",
     SDAG_PARAM_INT,
     "30",
     TRUE,
     1,
     4096,
     "pixels: the smallest object searched for; larger is faster"},
    {"equalize",
     SDAG_PARAM_BOOL,
     "true",
     FALSE,
     0,
     0,
     "equalise the grey histogram first (helps dim or flat frames)"},
};

static const SdagNodeDesc haar_desc = {
    .abi_version = SDAG_NODE_ABI_VERSION,
    .name = "haar",
    .version = "1.0.0",
    .description = "Object detector: an OpenCV Haar/LBP cascade (frontal faces by default)",
    .inputs = haar_inputs,
    .n_inputs = G_N_ELEMENTS(haar_inputs),
    .outputs = haar_outputs,
    .n_outputs = G_N_ELEMENTS(haar_outputs),
    .params = haar_params,
    .n_params = G_N_ELEMENTS(haar_params),
    .validate = haar_validate,
    .init = haar_init,
    .process = haar_process,
    .finalize = haar_finalize,
    .frame_formats = SDAG_FRAME_FORMAT_BIT(SDAG_FRAME_FORMAT_I420) |
		     SDAG_FRAME_FORMAT_BIT(SDAG_FRAME_FORMAT_NV12) |
		     SDAG_FRAME_FORMAT_BIT(SDAG_FRAME_FORMAT_GRAY8),
};

G_MODULE_EXPORT const SdagNodeDesc *
sdag_node_describe(void)
{
	return &haar_desc;
}
