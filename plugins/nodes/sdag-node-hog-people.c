/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * hog_people: pedestrians by OpenCV's HOG descriptor and its default people
 * SVM (Dalal-Triggs, 64x128 windows; no model file). It reads the luma plane
 * only, so a decoder's I420 or NV12 is used as it is, without conversion.
 *
 * The detector's raw windows go through greedy non-maximum suppression here:
 * windows sorted by score, each kept unless it overlaps a kept one by more
 * than nms_threshold (intersection over union). A window's score is
 * 1 - exp(-margin), margin being the SVM's distance past the hit threshold's
 * plane, so 0 means "just at the plane" and scores approach 1 for strong
 * hits; min_score filters on it.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sdag-cv-shim.h"
#include "sdag-node.h"

const SdagNodeDesc *sdag_node_describe(void);

typedef struct {
	SdagCvHog *hog;
	SdagCvHogParams cv;
	double min_score;
	double nms_threshold;
	double resize;
	guint max_detections;
	gboolean has_roi;
	double roi[4]; /* x0, y0, x1, y1 */
} HogNode;

#define HOG_ERROR (g_quark_from_static_string("sdag-node-hog-people"))

static void
hog_finalize(gpointer instance)
{
	HogNode *self = instance;

	sdag_cv_hog_free(self->hog);
	g_free(self);
}

/* [[x0, y0], [x1, y1]] into x0, y0, x1, y1; FALSE unless it is 2 points. */
static gboolean
hog_read_roi(JsonObject *params, double roi[4])
{
	JsonArray *pts = json_object_get_array_member(params, "roi");

	if (json_array_get_length(pts) != 2)
		return FALSE;
	for (guint i = 0; i < 2; i++) {
		JsonArray *p = json_array_get_array_element(pts, i);
		roi[2 * i] = json_array_get_double_element(p, 0);
		roi[2 * i + 1] = json_array_get_double_element(p, 1);
	}
	return TRUE;
}

static gpointer
hog_init(JsonObject *params, GError **error)
{
	HogNode *self = g_new0(HogNode, 1);
	char *cv_error = NULL;

	self->hog = sdag_cv_hog_new(&cv_error);
	if (self->hog == NULL) {
		g_set_error(error, HOG_ERROR, 1, "HOG detector: %s", cv_error);
		free(cv_error);
		g_free(self);
		return NULL;
	}
	self->cv.scale = json_object_get_double_member(params, "scale");
	self->cv.hit_threshold = json_object_get_double_member(params, "hit_threshold");
	self->cv.win_stride = (int)json_object_get_int_member(params, "win_stride");
	self->cv.padding = (int)json_object_get_int_member(params, "padding");
	self->min_score = json_object_get_double_member(params, "min_score");
	self->nms_threshold = json_object_get_double_member(params, "nms_threshold");
	self->resize = json_object_get_double_member(params, "resize");
	self->max_detections = (guint)json_object_get_int_member(params, "max_detections");
	self->has_roi = hog_read_roi(params, self->roi);
	return self;
}

static float
hog_iou(const SdagCvRect *a, const SdagCvRect *b)
{
	float ix = MIN(a->x + a->w, b->x + b->w) - MAX(a->x, b->x);
	float iy = MIN(a->y + a->h, b->y + b->h) - MAX(a->y, b->y);
	float inter;

	if (ix <= 0 || iy <= 0)
		return 0;
	inter = ix * iy;
	return inter / (a->w * a->h + b->w * b->h - inter);
}

static gint
hog_by_weight_cb(gconstpointer a, gconstpointer b)
{
	const SdagCvRect *ra = a;
	const SdagCvRect *rb = b;

	if (ra->weight != rb->weight)
		return ra->weight > rb->weight ? -1 : 1;
	/* OpenCV gathers the windows from its worker threads in no fixed order: equal scores
	 * are ordered by place, so that suppression keeps the same one every run */
	if (ra->x != rb->x)
		return ra->x < rb->x ? -1 : 1;
	if (ra->y != rb->y)
		return ra->y < rb->y ? -1 : 1;
	if (ra->w != rb->w)
		return ra->w < rb->w ? -1 : 1;
	return ra->h < rb->h ? -1 : ra->h > rb->h ? 1 : 0;
}

/* The region to search, clipped to the frame; FALSE when nothing is left. */
static gboolean
hog_region(HogNode *self, const SdagFrame *f, int *x, int *y, int *w, int *h)
{
	double x0 = 0, y0 = 0, x1 = f->width, y1 = f->height;

	if (self->has_roi) {
		x0 = CLAMP(self->roi[0], 0, f->width);
		y0 = CLAMP(self->roi[1], 0, f->height);
		x1 = CLAMP(self->roi[2], 0, f->width);
		y1 = CLAMP(self->roi[3], 0, f->height);
	}
	*x = (int)x0;
	*y = (int)y0;
	*w = (int)x1 - *x;
	*h = (int)y1 - *y;
	return *w > 0 && *h > 0;
}

static gboolean
hog_process(gpointer instance, const SdagPacket *inputs, SdagPacket *outputs, GError **error)
{
	HogNode *self = instance;
	const SdagFrame *f = inputs[0].frame;
	SdagCvGray img;
	SdagCvRect *rects = NULL;
	size_t n = 0;
	char *cv_error = NULL;
	int x, y, w, h;
	guint kept = 0;

	if (f == NULL || f->planes[0] == NULL || !hog_region(self, f, &x, &y, &w, &h))
		return TRUE;
	img.data = f->planes[0] + (gsize)y * f->strides[0] + x;
	img.width = w;
	img.height = h;
	img.stride = f->strides[0];
	if (sdag_cv_hog_detect(
		self->hog, &img, 1.0 / self->resize, &self->cv, &rects, &n, &cv_error) != 0) {
		g_set_error(error, HOG_ERROR, 2, "HOG detector: %s", cv_error);
		free(cv_error);
		return FALSE;
	}
	if (n > 1)
		qsort(rects,
		      n,
		      sizeof(SdagCvRect),
		      (int (*)(const void *, const void *))hog_by_weight_cb);
	for (size_t i = 0; i < n && kept < self->max_detections; i++) {
		SdagDetection d = {.track_id = -1};
		gboolean suppressed = FALSE;
		float score = 1.0f - expf(-MAX(rects[i].weight, 0.0f));

		if (score < self->min_score)
			break; /* sorted: every later one scores lower */
		/* the kept windows are moved to the front, rects[0 .. kept) */
		for (guint j = 0; j < kept && !suppressed; j++)
			suppressed = hog_iou(&rects[i], &rects[j]) > self->nms_threshold;
		if (suppressed)
			continue;
		rects[kept] = rects[i];
		g_strlcpy(d.label, "person", sizeof(d.label));
		d.score = score;
		d.x = rects[i].x + x;
		d.y = rects[i].y + y;
		d.w = rects[i].w;
		d.h = rects[i].h;
		g_array_append_val(outputs[0].items, d);
		kept++;
	}
	free(rects);
	return TRUE;
}

static gboolean
hog_validate(JsonObject *params, GError **error)
{
	double roi[4];

	if (json_object_get_int_member(params, "win_stride") % 8 != 0) {
		g_set_error_literal(error,
				    G_IO_ERROR,
				    G_IO_ERROR_INVALID_ARGUMENT,
				    "win_stride must be a multiple of 8 (the HOG block stride)");
		return FALSE;
	}
	if (json_object_get_int_member(params, "padding") % 8 != 0) {
		g_set_error_literal(error,
				    G_IO_ERROR,
				    G_IO_ERROR_INVALID_ARGUMENT,
				    "padding must be a multiple of 8 (the HOG block stride)");
		return FALSE;
	}
	if (json_array_get_length(json_object_get_array_member(params, "roi")) == 0)
		return TRUE;
	if (!hog_read_roi(params, roi) || roi[0] < 0 || roi[1] < 0 || roi[2] <= roi[0] ||
	    roi[3] <= roi[1]) {
		g_set_error_literal(error,
				    G_IO_ERROR,
				    G_IO_ERROR_INVALID_ARGUMENT,
				    "roi must be [] or [[x0, y0], [x1, y1]] with 0 <= x0 < x1 and "
				    "0 <= y0 < y1");
		return FALSE;
	}
	return TRUE;
}

static const SdagPortSpec hog_inputs[] = {
    {"frame", SDAG_PORT_FRAME, FALSE, "the frame; only its luma plane is read"},
};

static const SdagPortSpec hog_outputs[] = {
    {"detections", SDAG_PORT_DETECTIONS, FALSE, "people, labelled 'person', after NMS"},
};

static const SdagParamSpec hog_params[] = {
    {"min_score",
     SDAG_PARAM_DOUBLE,
     "0.3",
     TRUE,
     0.0,
     1.0,
     "keep detections scored at least this (score = 1 - exp(-SVM margin))"},
    {"hit_threshold",
     SDAG_PARAM_DOUBLE,
     "0.0",
     TRUE,
     -1.0,
     5.0,
     "SVM margin a window needs to be a hit at all; higher is stricter and faster"},
    {"scale",
     SDAG_PARAM_DOUBLE,
     "1.05",
     TRUE,
     1.01,
     2.0,
     "step between the image pyramid's levels; larger is faster and misses more"},
    {"win_stride",
     SDAG_PARAM_INT,
     "8",
     TRUE,
     8,
     64,
     "pixels between windows, a multiple of 8; larger is faster and misses more"},
    {"padding",
     SDAG_PARAM_INT,
     "8",
     TRUE,
     0,
     32,
     "pixels of padding around the image, a multiple of 8"},
    {"nms_threshold",
     SDAG_PARAM_DOUBLE,
     "0.3",
     TRUE,
     0.0,
     1.0,
     "a window overlapping a better one by more than this (IoU) is dropped"},
    {"resize",
     SDAG_PARAM_DOUBLE,
     "1.0",
     TRUE,
     0.25,
     4.0,
     "divide the image by this before detecting: 2 is about 4x faster and finds only "
     "people at least 256 px tall; below 1 enlarges it to find smaller people"},
    {"roi",
     SDAG_PARAM_POINTS,
     "[]",
     TRUE,
     0,
     2,
     "[[x0, y0], [x1, y1]]: search only this rectangle (clipped to the frame); [] is "
     "the whole frame"},
    {"max_detections",
     SDAG_PARAM_INT,
     "100",
     TRUE,
     1,
     1000,
     "keep at most this many detections, the best ones"},
};

static const SdagNodeDesc hog_desc = {
    .abi_version = SDAG_NODE_ABI_VERSION,
    .name = "hog_people",
    .version = "1.0.0",
    .description = "People detector: OpenCV HOG with the default people SVM, with NMS",
    .inputs = hog_inputs,
    .n_inputs = G_N_ELEMENTS(hog_inputs),
    .outputs = hog_outputs,
    .n_outputs = G_N_ELEMENTS(hog_outputs),
    .params = hog_params,
    .n_params = G_N_ELEMENTS(hog_params),
    .validate = hog_validate,
    .init = hog_init,
    .process = hog_process,
    .finalize = hog_finalize,
    .frame_formats = SDAG_FRAME_FORMAT_BIT(SDAG_FRAME_FORMAT_I420) |
		     SDAG_FRAME_FORMAT_BIT(SDAG_FRAME_FORMAT_NV12) |
		     SDAG_FRAME_FORMAT_BIT(SDAG_FRAME_FORMAT_GRAY8),
};

G_MODULE_EXPORT const SdagNodeDesc *
sdag_node_describe(void)
{
	return &hog_desc;
}
