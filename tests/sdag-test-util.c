/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "sdag-test-util.h"

#include <errno.h>
#include <glib/gstdio.h>

static gpointer
test_init(JsonObject *params, GError **error)
{
	return GINT_TO_POINTER(1);
}

static gboolean
test_process(gpointer instance, const SdagPacket *inputs, SdagPacket *outputs, GError **error)
{
	return TRUE;
}

static void
test_finalize(gpointer instance)
{
}

static gboolean
ranged_validate(JsonObject *params, GError **error)
{
	if (json_object_get_int_member(params, "lo") > json_object_get_int_member(params, "hi")) {
		g_set_error_literal(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "lo > hi");
		return FALSE;
	}
	return TRUE;
}

static const SdagPortSpec frame_in[] = {{"frame", SDAG_PORT_FRAME, FALSE, NULL}};
static const SdagPortSpec det_out[] = {{"detections", SDAG_PORT_DETECTIONS, FALSE, NULL}};
static const SdagPortSpec det_in[] = {{"detections", SDAG_PORT_DETECTIONS, FALSE, NULL}};
static const SdagPortSpec trk_out[] = {{"tracks", SDAG_PORT_TRACKS, FALSE, NULL},
				       {"events", SDAG_PORT_EVENTS, FALSE, NULL}};
static const SdagPortSpec merge_in[] = {{"a", SDAG_PORT_DETECTIONS, FALSE, NULL},
					{"b", SDAG_PORT_DETECTIONS, TRUE, NULL}};

static const SdagParamSpec det_params[] = {
    {"min_score", SDAG_PARAM_DOUBLE, "0.5", TRUE, 0.0, 1.0, NULL},
    {"enabled", SDAG_PARAM_BOOL, "true", FALSE, 0, 0, NULL},
};
static const SdagParamSpec trk_params[] = {
    {"max_age", SDAG_PARAM_INT, "15", TRUE, 1, 1000, NULL},
    {"zone", SDAG_PARAM_POINTS, "[]", TRUE, 0, 8, NULL},
    {"labels", SDAG_PARAM_STRINGS, "[\"person\"]", FALSE, 0, 0, NULL},
};
static const SdagParamSpec needs_params[] = {
    {"path", SDAG_PARAM_STRING, NULL, TRUE, 1, 255, NULL},
};
static const SdagParamSpec ranged_params[] = {
    {"lo", SDAG_PARAM_INT, "0", FALSE, 0, 0, NULL},
    {"hi", SDAG_PARAM_INT, "10", FALSE, 0, 0, NULL},
};

#define TEST_DESC(n, in, out, par)                                                                 \
	{                                                                                          \
		.abi_version = SDAG_NODE_ABI_VERSION, .name = n, .version = "0.0.1", .inputs = in, \
		.n_inputs = G_N_ELEMENTS(in), .outputs = out, .n_outputs = G_N_ELEMENTS(out),      \
		.params = par, .n_params = G_N_ELEMENTS(par), .init = test_init,                   \
		.process = test_process, .finalize = test_finalize,                                \
	}

static const SdagNodeDesc test_descs[] = {
    TEST_DESC("det", frame_in, det_out, det_params),
    TEST_DESC("trk", det_in, trk_out, trk_params),
    TEST_DESC("merge", merge_in, det_out, ranged_params),
    TEST_DESC("needs", frame_in, det_out, needs_params),
    {
	.abi_version = SDAG_NODE_ABI_VERSION,
	.name = "ranged",
	.version = "0.0.1",
	.inputs = frame_in,
	.n_inputs = 1,
	.outputs = det_out,
	.n_outputs = 1,
	.params = ranged_params,
	.n_params = G_N_ELEMENTS(ranged_params),
	.validate = ranged_validate,
	.init = test_init,
	.process = test_process,
	.finalize = test_finalize,
    },
};

void
sdag_test_types_add(SdagNodeTypes *types)
{
	for (guint i = 0; i < G_N_ELEMENTS(test_descs); i++) {
		g_autoptr(GError) error = NULL;
		gboolean ok = sdag_node_types_add(types, &test_descs[i], &error);
		g_assert_no_error(error);
		g_assert_true(ok);
	}
}

char *
sdag_test_mkdtemp(void)
{
	g_autoptr(GError) error = NULL;
	char *dir = g_dir_make_tmp("sdag-test-XXXXXX", &error);

	g_assert_no_error(error);
	return dir;
}

/* Removes a file or a directory tree; does not follow symlinks. */
void
sdag_test_rmtree(const char *path)
{
	if (g_file_test(path, G_FILE_TEST_IS_DIR) && !g_file_test(path, G_FILE_TEST_IS_SYMLINK)) {
		g_autoptr(GDir) dir = g_dir_open(path, 0, NULL);
		const char *name;

		while (dir != NULL && (name = g_dir_read_name(dir)) != NULL) {
			g_autofree char *child = g_build_filename(path, name, NULL);
			sdag_test_rmtree(child);
		}
	}
	if (g_remove(path) != 0)
		g_warning("failed to remove %s: %s", path, g_strerror(errno));
}
