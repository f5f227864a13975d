/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "sdag-test-util.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <string.h>
#include <glib/gstdio.h>
#include <gst/gst.h>

/* GStreamer 1.22's rtspsrc clears its seek seqnum on PAUSED to READY before its task has
 * stopped (gstrtspsrc.c, gst_rtspsrc_change_state), so an EOS the task pushes at that instant
 * logs this critical; the event keeps a valid seqnum of its own. A live job torn down right
 * after its source failed meets it now and then on a loaded machine. It is not the daemon's,
 * so it must not end a test run (tests make criticals fatal); every other critical still does. */
#define SDAG_TEST_RTSPSRC_RACE "gst_event_set_seqnum: assertion 'seqnum != GST_SEQNUM_INVALID'"

gboolean
sdag_test_log_is_fatal(const char *domain, GLogLevelFlags level, const char *message, gpointer data)
{
	return g_strcmp0(domain, "GStreamer") != 0 || message == NULL ||
	       !g_str_has_prefix(message, SDAG_TEST_RTSPSRC_RACE);
}

static void
sdag_test_tolerant_setup(gpointer fixture, gconstpointer data)
{
	g_test_log_set_fatal_handler(sdag_test_log_is_fatal, NULL);
}

/* GLib clears the fatal-log handler as each case starts, so it is set in the case's setup;
 * every case of a binary that tears live sources down this way is added with it, since a
 * teardown runs in a thread and may end in the next case. */
void
sdag_test_add_tolerant(const char *path, gconstpointer data, GTestFixtureFunc func)
{
	g_test_add_vtable(path, 0, data, sdag_test_tolerant_setup, func, NULL);
}

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

/* Node types that run, for the executor and element tests. */

static GMutex exec_log_lock;
static GPtrArray *exec_log;
static gint exec_live;

static void
exec_log_add(const char *entry)
{
	g_mutex_lock(&exec_log_lock);
	if (exec_log == NULL)
		exec_log = g_ptr_array_new_with_free_func(g_free);
	g_ptr_array_add(exec_log, g_strdup(entry));
	g_mutex_unlock(&exec_log_lock);
}

GStrv
sdag_test_log_steal(void)
{
	GStrv out;

	g_mutex_lock(&exec_log_lock);
	if (exec_log == NULL)
		exec_log = g_ptr_array_new_with_free_func(g_free);
	g_ptr_array_add(exec_log, NULL);
	out = (GStrv)g_ptr_array_free(exec_log, FALSE);
	exec_log = NULL;
	g_mutex_unlock(&exec_log_lock);
	return out;
}

gint
sdag_test_live_instances(void)
{
	return g_atomic_int_get(&exec_live);
}

typedef struct {
	char tag[32];
	char label[32];
	gint64 count;
	gint64 fail_on;
	guint64 seen;
} TNode;

static gpointer
tnode_init(JsonObject *params, GError **error)
{
	TNode *self = g_new0(TNode, 1);

	g_strlcpy(self->tag, json_object_get_string_member(params, "tag"), sizeof(self->tag));
	if (json_object_has_member(params, "label"))
		g_strlcpy(self->label,
			  json_object_get_string_member(params, "label"),
			  sizeof(self->label));
	if (json_object_has_member(params, "count"))
		self->count = json_object_get_int_member(params, "count");
	self->fail_on = json_object_has_member(params, "fail_on")
			    ? json_object_get_int_member(params, "fail_on")
			    : -1;
	g_atomic_int_inc(&exec_live);
	return self;
}

static gpointer
tfailinit_init(JsonObject *params, GError **error)
{
	g_set_error_literal(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "no model file");
	return NULL;
}

static void
tnode_finalize(gpointer instance)
{
	g_atomic_int_add(&exec_live, -1);
	g_free(instance);
}

static void
tdet_append(GArray *items, const char *label, float score, float x, float y, gint64 track_id)
{
	SdagDetection d = {.score = score, .x = x, .y = y, .w = 10, .h = 20, .track_id = track_id};

	g_strlcpy(d.label, label, sizeof(d.label));
	g_array_append_val(items, d);
}

static gboolean
tdet_process(gpointer instance, const SdagPacket *inputs, SdagPacket *outputs, GError **error)
{
	TNode *self = instance;
	const SdagFrame *frame = inputs[0].frame;

	exec_log_add(self->tag);
	if (frame == NULL) {
		g_set_error_literal(error, G_IO_ERROR, G_IO_ERROR_FAILED, "no frame");
		return FALSE;
	}
	if (self->fail_on >= 0 && frame->frame_id == (guint64)self->fail_on) {
		g_set_error(error,
			    G_IO_ERROR,
			    G_IO_ERROR_FAILED,
			    "boom on frame %" G_GUINT64_FORMAT,
			    frame->frame_id);
		return FALSE;
	}
	for (gint64 i = 0; i < self->count; i++)
		tdet_append(outputs[0].items, self->label, 0.75f, frame->frame_id, i, -1);
	return TRUE;
}

static void
tevent_append(GArray *items, const char *kind, const char *name, const char *label, gint64 id)
{
	SdagEvent e = {.track_id = id};

	g_strlcpy(e.kind, kind, sizeof(e.kind));
	g_strlcpy(e.name, name, sizeof(e.name));
	g_strlcpy(e.label, label, sizeof(e.label));
	g_array_append_val(items, e);
}

static gboolean
ttrk_process(gpointer instance, const SdagPacket *inputs, SdagPacket *outputs, GError **error)
{
	TNode *self = instance;
	GArray *dets = inputs[0].items;

	exec_log_add(self->tag);
	if (self->seen == 0)
		tevent_append(outputs[1].items, "start", "zone_a", "", -1);
	for (guint i = 0; i < dets->len; i++) {
		SdagDetection d = g_array_index(dets, SdagDetection, i);

		d.track_id = 100 + i;
		g_array_append_val(outputs[0].items, d);
		tevent_append(outputs[1].items, "track", "", d.label, d.track_id);
	}
	self->seen++;
	return TRUE;
}

static GBytes *
ttrk_save_state(gpointer instance, const char *key)
{
	TNode *self = instance;
	g_autofree char *text = g_strdup_printf("%" G_GUINT64_FORMAT, self->seen);

	return g_bytes_new(text, strlen(text));
}

static gboolean
ttrk_load_state(gpointer instance, const char *key, GBytes *data, GError **error)
{
	TNode *self = instance;
	g_autofree char *text = g_strndup(g_bytes_get_data(data, NULL), g_bytes_get_size(data));

	return g_ascii_string_to_unsigned(text, 10, 0, G_MAXUINT64, &self->seen, error);
}

static gboolean
tmerge_process(gpointer instance, const SdagPacket *inputs, SdagPacket *outputs, GError **error)
{
	TNode *self = instance;
	g_autofree char *entry = g_strdup_printf(
	    "%s:b=%s", self->tag, inputs[1].type == SDAG_PORT_NONE ? "none" : "det");

	exec_log_add(entry);
	g_array_append_vals(outputs[0].items, inputs[0].items->data, inputs[0].items->len);
	if (inputs[1].type != SDAG_PORT_NONE)
		g_array_append_vals(outputs[0].items, inputs[1].items->data, inputs[1].items->len);
	return TRUE;
}

static gboolean
tfirst_byte_process(gpointer instance,
		    const SdagPacket *inputs,
		    SdagPacket *outputs,
		    const char *label)
{
	TNode *self = instance;
	const SdagFrame *frame = inputs[0].frame;

	exec_log_add(self->tag);
	tdet_append(outputs[0].items, label, frame->planes[0][0] / 255.0f, 0, 0, -1);
	return TRUE;
}

static gboolean
tluma_process(gpointer instance, const SdagPacket *inputs, SdagPacket *outputs, GError **error)
{
	return tfirst_byte_process(instance, inputs, outputs, "luma");
}

static gboolean
trgb_process(gpointer instance, const SdagPacket *inputs, SdagPacket *outputs, GError **error)
{
	return tfirst_byte_process(instance, inputs, outputs, "rgb");
}

static const SdagPortSpec trk_in_out[] = {{"tracks", SDAG_PORT_TRACKS, FALSE, NULL},
					  {"events", SDAG_PORT_EVENTS, FALSE, NULL}};
static const SdagParamSpec tdet_params[] = {
    {"tag", SDAG_PARAM_STRING, "\"tdet\"", TRUE, 1, 31, NULL},
    {"label", SDAG_PARAM_STRING, "\"person\"", TRUE, 1, 31, NULL},
    {"count", SDAG_PARAM_INT, "1", TRUE, 0, 100, NULL},
    {"fail_on", SDAG_PARAM_INT, "-1", TRUE, -1, 1e9, NULL},
};
static const SdagParamSpec ttrk_params[] = {{"tag", SDAG_PARAM_STRING, "\"ttrk\"", TRUE, 1, 31}};
static const SdagParamSpec tmerge_params[] = {
    {"tag", SDAG_PARAM_STRING, "\"tmerge\"", TRUE, 1, 31}};
static const SdagParamSpec tluma_params[] = {{"tag", SDAG_PARAM_STRING, "\"tluma\"", TRUE, 1, 31}};
static const SdagParamSpec trgb_params[] = {{"tag", SDAG_PARAM_STRING, "\"trgb\"", TRUE, 1, 31}};
static const SdagStateKeySpec ttrk_state[] = {{"seen", "frames seen"}};

#define TEXEC_DESC_FULL(n, in, out, par, ini, proc)                                        \
	.abi_version = SDAG_NODE_ABI_VERSION, .name = n, .version = "0.0.1", .inputs = in, \
	.n_inputs = G_N_ELEMENTS(in), .outputs = out, .n_outputs = G_N_ELEMENTS(out),      \
	.params = par, .n_params = G_N_ELEMENTS(par), .init = ini, .process = proc,        \
	.finalize = tnode_finalize
#define TEXEC_DESC(n, in, out, par, proc) TEXEC_DESC_FULL(n, in, out, par, tnode_init, proc)

static const SdagNodeDesc texec_descs[] = {
    {TEXEC_DESC("tdet", frame_in, det_out, tdet_params, tdet_process)},
    {TEXEC_DESC("ttrk", det_in, trk_in_out, ttrk_params, ttrk_process),
     .state_keys = ttrk_state,
     .n_state_keys = 1,
     .save_state = ttrk_save_state,
     .load_state = ttrk_load_state},
    {TEXEC_DESC("tmerge", merge_in, det_out, tmerge_params, tmerge_process)},
    {TEXEC_DESC("tluma", frame_in, det_out, tluma_params, tluma_process),
     .frame_formats = SDAG_FRAME_FORMAT_BIT(SDAG_FRAME_FORMAT_I420) |
		      SDAG_FRAME_FORMAT_BIT(SDAG_FRAME_FORMAT_NV12) |
		      SDAG_FRAME_FORMAT_BIT(SDAG_FRAME_FORMAT_GRAY8)},
    {TEXEC_DESC("trgb", frame_in, det_out, trgb_params, trgb_process),
     .frame_formats = SDAG_FRAME_FORMAT_BIT(SDAG_FRAME_FORMAT_RGB)},
    {TEXEC_DESC_FULL("tfailinit", frame_in, det_out, tdet_params, tfailinit_init, tdet_process)},
};

void
sdag_test_exec_types_add(SdagNodeTypes *types)
{
	for (guint i = 0; i < G_N_ELEMENTS(texec_descs); i++) {
		g_autoptr(GError) error = NULL;
		gboolean ok = sdag_node_types_add(types, &texec_descs[i], &error);
		g_assert_no_error(error);
		g_assert_true(ok);
	}
}

SdagDag *
sdag_test_compile(SdagNodeTypes *types, const char *json)
{
	g_autoptr(JsonParser) parser = json_parser_new();
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) problems = sdag_dag_problems_new();
	SdagDag *dag;

	json_parser_load_from_data(parser, json, -1, &error);
	g_assert_no_error(error);
	dag = sdag_dag_compile(json_parser_get_root(parser), types, problems);
	for (guint i = 0; i < problems->len; i++)
		g_printerr("%s\n", ((SdagDagProblem *)g_ptr_array_index(problems, i))->message);
	g_assert_cmpuint(problems->len, ==, 0);
	g_assert_nonnull(dag);
	return dag;
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

typedef struct {
	GSpawnChildSetupFunc func;
	gpointer data;
} SdagTestChildSetup;

static void
sdag_test_daemon_child_setup(gpointer user_data)
{
	SdagTestChildSetup *setup = user_data;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (setup->func != NULL)
		setup->func(setup->data);
}

/**
 * sdag_test_daemon_start:
 * @extra: (nullable): more arguments
 *
 * Starts streamdagd with --listen 127.0.0.1:0, @data_dir and @plugin_dir, and waits for
 * its "listening on URL" line.
 */
/* The base URL (without the final '/') from the daemon's "listening on URL" line. */
char *
sdag_test_daemon_read_url(GSubprocess *proc)
{
	g_autoptr(GDataInputStream) out =
	    g_data_input_stream_new(g_subprocess_get_stdout_pipe(proc));
	g_autoptr(GError) error = NULL;
	g_autofree char *line = g_data_input_stream_read_line(out, NULL, NULL, &error);
	const char *url;

	g_assert_no_error(error);
	g_assert_nonnull(line);
	url = strstr(line, "listening on ");
	g_assert_nonnull(url);
	url += strlen("listening on ");
	g_assert_true(g_str_has_prefix(url, "http://") || g_str_has_prefix(url, "https://"));
	return g_strndup(url, strlen(url) - 1);
}

SdagTestDaemon *
sdag_test_daemon_start(const char *data_dir, const char *plugin_dir, const char *const *extra)
{
	return sdag_test_daemon_start_full(data_dir, plugin_dir, extra, NULL, NULL);
}

/**
 * sdag_test_daemon_start_full:
 * @setup: (nullable): run in the child before exec, after the descriptors not to be
 *   inherited were marked close-on-exec (so what it opens is inherited)
 *
 * As sdag_test_daemon_start(), with a child setup of the test's own.
 */
SdagTestDaemon *
sdag_test_daemon_start_full(const char *data_dir,
			    const char *plugin_dir,
			    const char *const *extra,
			    GSpawnChildSetupFunc setup,
			    gpointer setup_data)
{
	SdagTestChildSetup child_setup = {setup, setup_data};
	g_autoptr(GError) error = NULL;
	g_autoptr(GStrvBuilder) b = g_strv_builder_new();
	g_auto(GStrv) argv = NULL;
	g_autoptr(GSubprocessLauncher) launcher = NULL;
	SdagTestDaemon *d = g_new0(SdagTestDaemon, 1);

	g_strv_builder_add_many(b,
				g_getenv("SDAG_TEST_STREAMDAGD"),
				"--listen",
				"127.0.0.1:0",
				"--data-dir",
				data_dir,
				"--plugin-dir",
				plugin_dir,
				NULL);
	if (extra != NULL)
		g_strv_builder_addv(b, (const char **)extra);
	argv = g_strv_builder_end(b);
	launcher = g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_STDOUT_PIPE);
	/* a failed assertion here must not leave a daemon holding the test's pipes */
	g_subprocess_launcher_set_child_setup(
	    launcher, sdag_test_daemon_child_setup, &child_setup, NULL);
	d->proc = g_subprocess_launcher_spawnv(launcher, (const char *const *)argv, &error);
	g_assert_no_error(error);
	d->base = sdag_test_daemon_read_url(d->proc);
	d->port = (guint16)g_ascii_strtoull(strrchr(d->base, ':') + 1, NULL, 10);
	g_assert_cmpuint(d->port, >, 0);
	return d;
}

static void
sdag_test_daemon_free(SdagTestDaemon *d)
{
	g_object_unref(d->proc);
	g_free(d->base);
	g_free(d);
}

/* Stops the daemon with @sig and asserts that it exits cleanly. */
void
sdag_test_daemon_stop(SdagTestDaemon *d, int sig)
{
	g_autoptr(GError) error = NULL;

	g_subprocess_send_signal(d->proc, sig);
	g_assert_true(g_subprocess_wait(d->proc, NULL, &error));
	g_assert_no_error(error);
	g_assert_true(g_subprocess_get_if_exited(d->proc));
	g_assert_cmpint(g_subprocess_get_exit_status(d->proc), ==, 0);
	sdag_test_daemon_free(d);
}

/* Kills the daemon as a crash would: no clean-up of its own. */
void
sdag_test_daemon_kill(SdagTestDaemon *d)
{
	g_subprocess_force_exit(d->proc);
	g_assert_true(g_subprocess_wait(d->proc, NULL, NULL));
	g_assert_true(g_subprocess_get_if_signaled(d->proc));
	sdag_test_daemon_free(d);
}

static gboolean
sdag_test_spin_done_cb(gpointer user_data)
{
	*(gboolean *)user_data = TRUE;
	return G_SOURCE_REMOVE;
}

void
sdag_test_spin(guint ms)
{
	gboolean done = FALSE;
	g_timeout_add(ms, sdag_test_spin_done_cb, &done);
	while (!done)
		g_main_context_iteration(NULL, TRUE);
}

guint16
sdag_test_free_port(void)
{
	g_autoptr(GSocket) s =
	    g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL);
	g_autoptr(GInetAddress) lo = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
	g_autoptr(GSocketAddress) any = g_inet_socket_address_new(lo, 0);
	g_autoptr(GSocketAddress) bound = NULL;

	g_assert_true(g_socket_bind(s, any, TRUE, NULL));
	bound = g_socket_get_local_address(s, NULL);
	return g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(bound));
}

gboolean
sdag_test_job_is_terminal(const char *status)
{
	return g_strcmp0(status, "completed") == 0 || g_strcmp0(status, "failed") == 0 ||
	       g_strcmp0(status, "cancelled") == 0;
}

void
sdag_test_gst_launch(const char *description)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GstElement) pipeline = gst_parse_launch(description, &error);
	g_autoptr(GstBus) bus = NULL;
	g_autoptr(GstMessage) msg = NULL;

	g_assert_no_error(error);
	bus = gst_element_get_bus(pipeline);
	gst_element_set_state(pipeline, GST_STATE_PLAYING);
	msg = gst_bus_timed_pop_filtered(bus, 60 * GST_SECOND, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
	g_assert_nonnull(msg);
	g_assert_cmpint(GST_MESSAGE_TYPE(msg), ==, GST_MESSAGE_EOS);
	gst_element_set_state(pipeline, GST_STATE_NULL);
}

SdagDaemon *
sdag_test_daemon_open(SdagConfig *cfg, char **base)
{
	g_autoptr(GError) error = NULL;
	SdagDaemon *daemon = sdag_daemon_new(cfg, &error);

	/* for the case that opens it; a daemon shared by a binary's cases needs
	 * sdag_test_add_tolerant(), since GLib clears the handler as each case starts */
	sdag_test_tolerant_setup(NULL, NULL);
	g_assert_no_error(error);
	g_assert_true(
	    sdag_node_types_load_dir(daemon->types, g_getenv("SDAG_TEST_JOB_PLUGIN_DIR"), &error));
	g_assert_no_error(error);
	*base = g_strdup_printf("http://127.0.0.1:%u", sdag_daemon_get_port(daemon));
	return daemon;
}

void
sdag_test_daemon_close(SdagDaemon *daemon)
{
	g_clear_pointer(&daemon, sdag_daemon_free);
	while (g_main_context_iteration(NULL, FALSE))
		;
}

/* A field of /proc/self/status, in kB; 0 when it cannot be read. */
static guint64
sdag_test_proc_status_kb(const char *field)
{
	g_autofree char *text = NULL;
	const char *line;

	if (!g_file_get_contents("/proc/self/status", &text, NULL, NULL))
		return 0;
	line = strstr(text, field);
	if (line == NULL)
		return 0;
	return g_ascii_strtoull(line + strlen(field), NULL, 10);
}

guint64
sdag_test_peak_rss_reset(void)
{
	/* "5" resets VmHWM (Linux 4.0); written in place: the file cannot be replaced */
	FILE *fp = fopen("/proc/self/clear_refs", "w");
	gboolean ok;

	if (fp == NULL)
		return 0;
	ok = fputs("5", fp) >= 0;
	if (fclose(fp) != 0 || !ok)
		return 0;
	return sdag_test_proc_status_kb("VmRSS:");
}

guint64
sdag_test_peak_rss(void)
{
	return sdag_test_proc_status_kb("VmHWM:");
}

/**
 * sdag_test_svc_spawn:
 * @conf: the text of its config file
 * @listen: ADDR:PORT
 * @env: (nullable): NAME=VALUE pairs for its environment
 *
 * Starts streamdagd as its unit would, on a config file of its own in a fresh directory,
 * with the test's node plugins and every log line (debug included) in a file: what a test
 * of what a daemon logs, refuses or serves needs. Does not wait for it to listen: see
 * sdag_test_svc_start().
 */
static void
sdag_test_svc_launch(SdagTestSvc *s)
{
	SdagTestChildSetup child_setup = {NULL, NULL};
	g_autoptr(GSubprocessLauncher) l =
	    g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_STDOUT_PIPE);
	g_autoptr(GError) error = NULL;
	g_autofree char *data = g_build_filename(s->dir, "data", NULL);

	g_subprocess_launcher_setenv(l, "G_MESSAGES_DEBUG", "all", TRUE);
	for (guint i = 0; s->env != NULL && s->env[i] != NULL; i++) {
		g_auto(GStrv) kv = g_strsplit(s->env[i], "=", 2);
		g_subprocess_launcher_setenv(l, kv[0], kv[1], TRUE);
	}
	g_subprocess_launcher_set_stderr_file_path(l, s->err_path);
	/* the daemon dies with the test, whatever assertion ends it */
	g_subprocess_launcher_set_child_setup(l, sdag_test_daemon_child_setup, &child_setup, NULL);
	s->proc = g_subprocess_launcher_spawn(l,
					      &error,
					      g_getenv("SDAG_TEST_STREAMDAGD"),
					      "--config",
					      s->conf,
					      "--listen",
					      s->listen,
					      "--data-dir",
					      data,
					      "--plugin-dir",
					      g_getenv("SDAG_TEST_PLUGIN_DIR"),
					      "--log-level",
					      "debug",
					      NULL);
	g_assert_no_error(error);
}

SdagTestSvc *
sdag_test_svc_spawn(const char *conf, const char *listen, const char *const *env)
{
	g_autoptr(GError) error = NULL;
	SdagTestSvc *s = g_new0(SdagTestSvc, 1);

	s->dir = sdag_test_mkdtemp();
	s->conf = g_build_filename(s->dir, "streamdag.conf", NULL);
	s->err_path = g_build_filename(s->dir, "stderr", NULL);
	s->listen = g_strdup(listen);
	s->env = g_strdupv((char **)env);
	s->earlier = g_string_new(NULL);
	g_assert_true(g_file_set_contents(s->conf, conf, -1, &error));
	sdag_test_svc_launch(s);
	return s;
}

/* A daemon that did not exit cleanly: the end of its log, so that the failure says why. */
static void
sdag_test_svc_assert_clean_exit(SdagTestSvc *s)
{
	if (g_subprocess_get_exit_status(s->proc) != 0) {
		g_autofree char *log = sdag_test_svc_log(s);
		const char *report = strstr(log, "==ERROR: ");
		gsize len = strlen(log);

		/* a sanitizer's report whole, from its first line; otherwise the log's end */
		if (report != NULL)
			g_printerr("the daemon's sanitizer report:\n%.30000s\n", report);
		else
			g_printerr("the daemon's log, its end:\n%s\n",
				   log + (len > 6000 ? len - 6000 : 0));
	}
	g_assert_cmpint(g_subprocess_get_exit_status(s->proc), ==, 0);
}

/**
 * sdag_test_svc_stop:
 * @sig: SIGTERM (a clean exit asserted) or SIGKILL
 *
 * Stops the daemon and waits for it; its log is kept for sdag_test_svc_log(), and
 * sdag_test_svc_respawn() starts it again.
 */
void
sdag_test_svc_stop(SdagTestSvc *s, int sig)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *log = NULL;

	g_subprocess_send_signal(s->proc, sig);
	g_assert_true(g_subprocess_wait(s->proc, NULL, &error));
	if (sig == SIGTERM)
		sdag_test_svc_assert_clean_exit(s);
	g_clear_object(&s->proc);
	log = sdag_test_svc_log(s);
	g_string_assign(s->earlier, log);
}

/* Starts the daemon again on the same config and data directory, and waits for it to listen
 * (on a new port when its listen address asks for port 0). Its log goes on. */
void
sdag_test_svc_respawn(SdagTestSvc *s)
{
	sdag_test_svc_launch(s);
	g_free(s->base);
	s->base = sdag_test_daemon_read_url(s->proc);
}

/* sdag_test_svc_stop() with @sig, then sdag_test_svc_respawn() */
void
sdag_test_svc_restart(SdagTestSvc *s, int sig)
{
	sdag_test_svc_stop(s, sig);
	sdag_test_svc_respawn(s);
}

/* As sdag_test_svc_spawn(), and waits for its listening line. */
SdagTestSvc *
sdag_test_svc_start(const char *conf, const char *listen, const char *const *env)
{
	SdagTestSvc *s = sdag_test_svc_spawn(conf, listen, env);

	s->base = sdag_test_daemon_read_url(s->proc);
	return s;
}

/* Everything the daemon logged so far, restarts included. */
char *
sdag_test_svc_log(SdagTestSvc *s)
{
	g_autofree char *text = NULL;

	if (!g_file_get_contents(s->err_path, &text, NULL, NULL))
		return g_strdup(s->earlier->str);
	return g_strconcat(s->earlier->str, text, NULL);
}

/* Waits up to @ms for the daemon's log to hold @needle. */
gboolean
sdag_test_svc_wait_log(SdagTestSvc *s, const char *needle, guint ms)
{
	for (guint waited = 0; waited <= ms; waited += 20) {
		g_autofree char *text = sdag_test_svc_log(s);
		if (strstr(text, needle) != NULL)
			return TRUE;
		g_usleep(20 * 1000);
	}
	return FALSE;
}

/* Waits for a daemon that is to refuse to start; returns its exit status. */
int
sdag_test_svc_wait_exit(SdagTestSvc *s)
{
	g_autoptr(GError) error = NULL;

	g_assert_true(g_subprocess_wait(s->proc, NULL, &error));
	g_assert_true(g_subprocess_get_if_exited(s->proc));
	return g_subprocess_get_exit_status(s->proc);
}

/* Stops the daemon (SIGTERM, a clean exit asserted unless it has exited already) and removes
 * its directory. */
void
sdag_test_svc_free(SdagTestSvc *s)
{
	g_autoptr(GError) error = NULL;

	if (s == NULL)
		return;
	if (s->proc != NULL && g_subprocess_get_identifier(s->proc) != NULL) {
		g_subprocess_send_signal(s->proc, SIGTERM);
		g_assert_true(g_subprocess_wait(s->proc, NULL, &error));
		sdag_test_svc_assert_clean_exit(s);
	}
	g_clear_object(&s->proc);
	sdag_test_rmtree(s->dir);
	g_free(s->dir);
	g_free(s->conf);
	g_free(s->err_path);
	g_free(s->base);
	g_free(s->listen);
	g_strfreev(s->env);
	g_string_free(s->earlier, TRUE);
	g_free(s);
}

static void
sdag_test_pki_run(SdagTestPki *pki, const char *const *argv)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *out = NULL;
	g_autofree char *err = NULL;
	int status = 0;

	g_assert_true(g_spawn_sync(pki->dir,
				   (char **)argv,
				   NULL,
				   G_SPAWN_SEARCH_PATH,
				   NULL,
				   NULL,
				   &out,
				   &err,
				   &status,
				   &error));
	g_assert_no_error(error);
	if (!g_spawn_check_wait_status(status, NULL))
		g_error("%s failed: %s", argv[0], err);
}

/**
 * sdag_test_pki_leaf:
 *
 * Makes NAME.pem and NAME.key in @pki's directory: a certificate for 127.0.0.1 and
 * 127.0.0.2 signed by its CA, with @serial ("0x1001").
 */
void
sdag_test_pki_leaf(SdagTestPki *pki, const char *name, const char *serial)
{
	g_autofree char *key = g_strdup_printf("%s.key", name);
	g_autofree char *csr = g_strdup_printf("%s.csr", name);
	g_autofree char *pem = g_strdup_printf("%s.pem", name);
	const char *req[] = {"openssl",
			     "req",
			     "-newkey",
			     "rsa:2048",
			     "-nodes",
			     "-keyout",
			     key,
			     "-out",
			     csr,
			     "-subj",
			     "/CN=streamdag",
			     NULL};
	const char *sign[] = {"openssl",
			      "x509",
			      "-req",
			      "-in",
			      csr,
			      "-CA",
			      "ca.pem",
			      "-CAkey",
			      "ca.key",
			      "-set_serial",
			      serial,
			      "-out",
			      pem,
			      "-days",
			      "2",
			      "-extfile",
			      "ext",
			      NULL};

	sdag_test_pki_run(pki, req);
	sdag_test_pki_run(pki, sign);
}

/**
 * sdag_test_pki_new:
 *
 * A CA of the test's own, made with the openssl command as an operator would, and a
 * server certificate "srv" (serial 0x1001) for the loopback addresses.
 */
SdagTestPki *
sdag_test_pki_new(void)
{
	const char *ca[] = {"openssl",
			    "req",
			    "-x509",
			    "-newkey",
			    "rsa:2048",
			    "-nodes",
			    "-keyout",
			    "ca.key",
			    "-out",
			    "ca.pem",
			    "-days",
			    "2",
			    "-subj",
			    "/CN=streamdag test CA",
			    NULL};
	SdagTestPki *pki = g_new0(SdagTestPki, 1);
	g_autofree char *ext = NULL;

	pki->dir = sdag_test_mkdtemp();
	ext = g_build_filename(pki->dir, "ext", NULL);
	g_assert_true(
	    g_file_set_contents(ext, "subjectAltName=IP:127.0.0.1,IP:127.0.0.2\n", -1, NULL));
	sdag_test_pki_run(pki, ca);
	sdag_test_pki_leaf(pki, "srv", "0x1001");
	pki->ca = g_build_filename(pki->dir, "ca.pem", NULL);
	pki->cert = g_build_filename(pki->dir, "srv.pem", NULL);
	pki->key = g_build_filename(pki->dir, "srv.key", NULL);
	return pki;
}

void
sdag_test_pki_free(SdagTestPki *pki)
{
	if (pki == NULL)
		return;
	sdag_test_rmtree(pki->dir);
	g_free(pki->dir);
	g_free(pki->ca);
	g_free(pki->cert);
	g_free(pki->key);
	g_free(pki);
}

/* The domain whose warnings sdag_test_warnings_capture() keeps, and where. */
static const char *capture_domain;
static GPtrArray *capture_into;

static GLogWriterOutput
sdag_test_capture_writer(GLogLevelFlags level,
			 const GLogField *fields,
			 gsize n_fields,
			 gpointer user_data)
{
	const char *domain = NULL;
	const char *message = NULL;

	for (gsize i = 0; i < n_fields; i++) {
		if (g_strcmp0(fields[i].key, "GLIB_DOMAIN") == 0)
			domain = fields[i].value;
		else if (g_strcmp0(fields[i].key, "MESSAGE") == 0)
			message = fields[i].value;
	}
	if ((level & G_LOG_LEVEL_WARNING) && g_strcmp0(domain, capture_domain) == 0) {
		g_ptr_array_add(capture_into, g_strdup(message));
		return G_LOG_WRITER_HANDLED;
	}
	return g_log_writer_default(level, fields, n_fields, user_data);
}

/**
 * sdag_test_warnings_capture:
 * @into: (element-type utf8): where the messages go, strings it frees
 *
 * Keeps the warnings of log domain @domain in @into instead of aborting the test
 * (structured logging bypasses g_test_expect_message()). Once per test program.
 */
void
sdag_test_warnings_capture(const char *domain, GPtrArray *into)
{
	capture_domain = domain;
	capture_into = into;
	g_log_set_writer_func(sdag_test_capture_writer, NULL, NULL);
}

/**
 * sdag_test_make_clip:
 *
 * Writes @path: @frames frames of a moving ball, @width x @height at @fps, H.264 in MP4,
 * made with gst-launch-1.0 (x264enc, mp4mux), as a camera would send them.
 */
void
sdag_test_make_clip(const char *path, guint frames, guint width, guint height, guint fps)
{
	g_autofree char *num = g_strdup_printf("num-buffers=%u", frames);
	g_autofree char *caps = g_strdup_printf(
	    "video/x-raw,format=I420,width=%u,height=%u,framerate=%u/1", width, height, fps);
	g_autofree char *location = g_strdup_printf("location=%s", path);
	const char *argv[] = {"gst-launch-1.0",
			      "-q",
			      "videotestsrc",
			      num,
			      "pattern=ball",
			      "!",
			      caps,
			      "!",
			      "x264enc",
			      "speed-preset=ultrafast",
			      "!",
			      "mp4mux",
			      "!",
			      "filesink",
			      location,
			      NULL};
	g_autoptr(GError) error = NULL;
	g_autoptr(GSubprocess) p = g_subprocess_newv(argv, G_SUBPROCESS_FLAGS_NONE, &error);

	g_assert_no_error(error);
	g_assert_true(g_subprocess_wait_check(p, NULL, &error));
	g_assert_no_error(error);
}
