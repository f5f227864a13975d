/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * haar: objects by an OpenCV cascade classifier (Viola-Jones), by default
 * Debian's frontal face cascade from opencv-data. Reads the luma plane only.
 *
 * Registration (validate, on the daemon's main loop) does no more than find
 * the cascade file and read its first 64 KiB to recognise an OpenCV cascade, so
 * a missing file or one that is not a cascade is a bad_param then; the cascade
 * itself is loaded at init, in the job's streaming thread. A box's score is n / (n + 5), n being
 * the number of raw hits OpenCV grouped into it (min_neighbors is the least n kept).
 *
 * Cascades come only from the directories of the daemon's [nodes]
 * cascade_dirs (settings, ABI 3; Debian's opencv-data directory when none is
 * given): by file name, or by a path that lies under one of them once
 * symlinks and ".." are resolved. Anything else gets one answer, whether or
 * not a file is there, so that the param cannot be used to learn what exists
 * elsewhere on the box.
 */
#include <stdlib.h>
#include <string.h>

#include "sdag-cv-shim.h"
#include "sdag-node.h"

const SdagNodeDesc *sdag_node_describe(void);

#define HAAR_DEFAULT_DIR "/usr/share/opencv4/haarcascades"
#define HAAR_DEFAULT_CASCADE HAAR_DEFAULT_DIR "/haarcascade_frontalface_default.xml"
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

/* The directories cascades may come from: the settings' cascade_dirs, else opencv-data's. */
static GStrv
haar_dirs(JsonObject *settings)
{
	g_autoptr(GStrvBuilder) builder = g_strv_builder_new();
	JsonNode *node = settings != NULL ? json_object_get_member(settings, "cascade_dirs") : NULL;

	if (node == NULL || !JSON_NODE_HOLDS_ARRAY(node)) {
		g_strv_builder_add(builder, HAAR_DEFAULT_DIR);
		return g_strv_builder_end(builder);
	}
	for (guint i = 0; i < json_array_get_length(json_node_get_array(node)); i++) {
		JsonNode *dir = json_array_get_element(json_node_get_array(node), i);
		if (JSON_NODE_HOLDS_VALUE(dir) && json_node_get_value_type(dir) == G_TYPE_STRING)
			g_strv_builder_add(builder, json_node_get_string(dir));
	}
	return g_strv_builder_end(builder);
}

static gboolean
haar_is_under(const char *path, const char *dir)
{
	gsize n = strlen(dir);

	if (strcmp(dir, "/") == 0)
		return TRUE;
	return strncmp(path, dir, n) == 0 && path[n] == '/';
}

/* @candidate, symlinks and ".." resolved, when it is a file under @real_dir */
static char *
haar_try(const char *candidate, const char *real_dir)
{
	char *real = realpath(candidate, NULL);

	if (real != NULL && haar_is_under(real, real_dir) &&
	    g_file_test(real, G_FILE_TEST_IS_REGULAR))
		return real;
	free(real);
	return NULL;
}

/*
 * Returns: (transfer full): the real path of the file @cascade names under the cascade
 * directories: a file name or a relative path is looked up in each directory in turn (with
 * ".xml" added when it has no such ending), an absolute path must lie under one. NULL, with
 * the same message whatever @cascade names outside them, when there is none.
 */
static char *
haar_resolve(const char *cascade, JsonObject *settings, GError **error)
{
	g_auto(GStrv) dirs = haar_dirs(settings);
	g_autofree char *listed = g_strjoinv(";", dirs);

	for (guint i = 0; cascade[0] != '\0' && dirs[i] != NULL; i++) {
		g_autofree char *real_dir = realpath(dirs[i], NULL);
		g_autofree char *joined = NULL;
		g_autofree char *with_xml = NULL;
		char *found;

		if (real_dir == NULL)
			continue;
		if (g_path_is_absolute(cascade)) {
			found = haar_try(cascade, real_dir);
		} else {
			joined = g_build_filename(real_dir, cascade, NULL);
			found = haar_try(joined, real_dir);
			if (found == NULL && !g_str_has_suffix(cascade, ".xml")) {
				with_xml = g_strconcat(joined, ".xml", NULL);
				found = haar_try(with_xml, real_dir);
			}
		}
		if (found != NULL) {
			/* realpath() allocates with malloc(): hand back g_free()-able memory */
			char *copy = g_strdup(found);
			free(found);
			return copy;
		}
	}
	g_set_error(error,
		    G_IO_ERROR,
		    G_IO_ERROR_NOT_FOUND,
		    "cascade '%s' is not a cascade file under [nodes] cascade_dirs (%s)",
		    cascade,
		    listed);
	return NULL;
}

/* The cascade @cascade names, found by haar_resolve() and loaded. */
static SdagCvCascade *
haar_load(const char *cascade, JsonObject *settings, GError **error)
{
	g_autofree char *path = haar_resolve(cascade, settings, error);
	char *cv_error = NULL;
	SdagCvCascade *cascade_cv;

	if (path == NULL)
		return NULL;
	cascade_cv = sdag_cv_cascade_new(path, &cv_error);
	if (cascade_cv == NULL) {
		g_set_error(error,
			    G_IO_ERROR,
			    G_IO_ERROR_INVALID_DATA,
			    "cascade '%s' cannot be used: %s",
			    cascade,
			    cv_error);
		free(cv_error);
	}
	return cascade_cv;
}

static gpointer
haar_init(JsonObject *params, JsonObject *settings, GError **error)
{
	HaarNode *self = g_new0(HaarNode, 1);

	self->cascade =
	    haar_load(json_object_get_string_member(params, "cascade"), settings, error);
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

/* What validate may read of a file: enough to recognise an OpenCV cascade, never to
 * load one (see sdag-node.h). */
#define HAAR_SNIFF_BYTES 65536

static gboolean
haar_sniff(const char *cascade, JsonObject *settings, GError **error)
{
	g_autofree char *path = haar_resolve(cascade, settings, error);
	g_autoptr(GFile) file = NULL;
	g_autoptr(GFileInputStream) in = NULL;
	g_autoptr(GError) error_local = NULL;
	g_autofree char *head = g_malloc(HAAR_SNIFF_BYTES + 1);
	gsize n = 0;

	if (path == NULL)
		return FALSE;
	file = g_file_new_for_path(path);
	in = g_file_read(file, NULL, &error_local);
	if (in == NULL || !g_input_stream_read_all(
			      G_INPUT_STREAM(in), head, HAAR_SNIFF_BYTES, &n, NULL, &error_local)) {
		g_set_error(error,
			    G_IO_ERROR,
			    G_IO_ERROR_INVALID_DATA,
			    "cascade '%s' cannot be used: %s",
			    cascade,
			    error_local->message);
		return FALSE;
	}
	head[n] = '\0';
	if (strstr(head, "<opencv_storage>") == NULL ||
	    (strstr(head, "<cascade") == NULL && strstr(head, "opencv-haar-classifier") == NULL)) {
		g_set_error(error,
			    G_IO_ERROR,
			    G_IO_ERROR_INVALID_DATA,
			    "cascade '%s' cannot be used: not an OpenCV cascade classifier file",
			    cascade);
		return FALSE;
	}
	return TRUE;
}

static gboolean
haar_validate(JsonObject *params, JsonObject *settings, GError **error)
{
	const char *label = json_object_get_string_member(params, "label");

	if (label[0] == '\0' || strlen(label) >= sizeof(((SdagDetection *)NULL)->label)) {
		g_set_error(error,
			    G_IO_ERROR,
			    G_IO_ERROR_INVALID_ARGUMENT,
			    "label must have 1 to %zu bytes",
			    sizeof(((SdagDetection *)NULL)->label) - 1);
		return FALSE;
	}
	return haar_sniff(json_object_get_string_member(params, "cascade"), settings, error);
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
     "an OpenCV cascade XML file under [nodes] cascade_dirs: its name (\".xml\" may be left "
     "out) or its path; recognised when the pipeline is registered, loaded when a job "
     "starts"},
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
    .validate_with_settings = haar_validate,
    .init_with_settings = haar_init,
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
