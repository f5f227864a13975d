/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "sdag-live"

#include "sdag-live.h"

#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>
#include <string.h>

#include "sdag-element.h"
#include "sdag-error.h"
#include "sdag-framelimit.h"
#include "sdag-json.h"
#include "sdag-results.h"

/*
 * One live job: two GStreamer pipelines joined by an appsink → appsrc hand-off.
 *
 *   source (rebuilt on every connect):
 *     rtspsrc | rtmp2src → decodebin → appsink
 *   tail (built once, lives as long as the job):
 *     appsrc → videoconvert → sddag → fakesink
 *
 * Why a split and not a source bin swapped inside one pipeline: a lost
 * source posts EOS or an error that, in a single pipeline, reaches the sink
 * and the pipeline's state (an EOS'd sink refuses data until a flush, and a
 * flush would reach sddag), and taking a bin out of a playing pipeline races
 * with its streaming threads. With two pipelines the source's EOS, errors and
 * state changes stay in the source pipeline: it is taken down whole (in a
 * thread, since rtspsrc's teardown can wait on the network) and a new one is
 * built, while the tail — and sddag in it, with its executor, track ids,
 * node state and frame numbering — keeps PLAYING and never sees a
 * discontinuity but a possible caps change.
 *
 * Real time: the appsink callback (the source's streaming thread, after the
 * decoder) hands each decoded frame to appsrc, whose own thread runs the DAG.
 * The hand-over queue is bounded in time: a frame that has waited longer
 * than queue_us ([live] max_lag_ms, 300 ms) when the tail takes it is
 * dropped there, by a probe on appsrc's pad, before colour conversion and
 * the DAG; and a new frame is dropped at once when queue_frames
 * (max_queued_frames, 16) already wait. Both count in
 * dropped_frames. So analysis never runs on a frame older than queue_us plus
 * the DAG's time for one frame, whatever the load, while a burst of frames
 * (TCP delivery, a decoder thread that got the CPU late) no longer loses
 * frames the DAG would have had time for: bench/live-capacity.sh measured
 * drops with a 2-frame bound at loads far from the box's limit.
 * Encoded frames are never dropped: a dropped H.264 reference frame would
 * corrupt every frame after it until the next keyframe. The stride applies to
 * the frames that reach sddag. Every frame handed over is restamped with the
 * job's running time, so timestamps stay monotonic across reconnects.
 *
 * Supervision: an SdagSupervisor (pure state machine, sdag-supervisor.c) is
 * fed with each decoded frame and each keyframe entering the decoder (a
 * probe on the decoder's sink pad), on the streaming threads, under
 * self->lock; the main loop feeds it errors and EOS from the source's bus,
 * and a 100 ms tick for its timeouts, and carries out what it answers
 * (connect, tear down). Each connect has a generation number: frames, bus
 * messages and probes of a source being torn down are ignored.
 *
 * Checkpoints: in sddag's result function (the tail's streaming thread,
 * between frames) every checkpoint_interval the executor's state, the next
 * frame id and the counters are written to the state family, after the
 * pending frame rows. A restarted daemon resumes from there; frame rows
 * written after the checkpoint are deleted first, so ids continue from the
 * checkpoint without a duplicate in the summary.
 */

#define SDAG_LIVE_TICK_MS 100
#define SDAG_LIVE_DEFAULT_QUEUE 16
#define SDAG_LIVE_DEFAULT_QUEUE_US (300 * G_TIME_SPAN_MILLISECOND)
#define SDAG_LIVE_RATE_SLOTS 6

typedef struct {
	SdagLive *live;
	guint gen;
	GstElement *pipeline;
	GstElement *sink;
	guint watch;
} SdagLiveSource;

struct _SdagLive {
	SdagStore *store; /* borrowed */
	char *job_id;
	char *uri; /* no credentials: those are in opts */
	char *display_uri;
	SdagDag *dag; /* until handed to the element */
	guint stride;
	guint64 max_frames;
	guint64 max_frame_pixels; /* 0: no limit */
	SdagLiveOptions opts;
	SdagLiveDoneFunc done;
	gpointer user_data;
	SdagLiveFrameFunc frame_func; /* set before the tail starts */
	gpointer frame_data;
	SdagLiveSourceFunc source_func;
	gpointer source_data;

	GstElement *tail;
	GstElement *appsrc;
	SdagElement *element;
	guint tail_watch;
	SdagResults *results;
	guint flush_timer;
	guint tick_timer;
	gint64 started_mono;
	GRand *rand;

	GMutex lock; /* guards what the streaming threads share with the main loop: */
	SdagSupervisor *sup;
	guint gen;
	GstCaps *caps; /* the caps last set on appsrc */
	guint64 frames_in;
	guint64 dropped;
	/* the hand-over queue, for the log: drops when full and when late, the longest wait
	 * of a frame analysed and the most frames waiting */
	guint64 dropped_full;
	guint64 dropped_late;
	gint64 max_wait_us;
	guint max_level;
	gboolean closing; /* no frame is handed over any more */

	SdagLiveSource *source; /* main loop only */
	guint pending_teardowns;
	guint history_logged;

	/* resume: from the checkpoint, added to what this run counts */
	guint64 first_frame_id;
	guint64 base_in;
	guint64 base_processed;
	guint64 base_dropped;
	JsonNode *resume_state;
	gint64 last_checkpoint_us; /* tail streaming thread */
	gboolean checkpoint_failed;

	/* rates, over the last few seconds (main loop) */
	gint64 rate_t[SDAG_LIVE_RATE_SLOTS];
	guint64 rate_in[SDAG_LIVE_RATE_SLOTS];
	guint64 rate_proc[SDAG_LIVE_RATE_SLOTS];
	guint rate_n;
	double input_fps;
	double processed_fps;

	gboolean stopping;
	gboolean tail_down;
	gboolean stopped;
	SdagWorkerOutcome outcome;
	char *error_code;
	char *error_message;
	JsonNode *metrics;
};

static void
sdag_live_finish(SdagLive *self, SdagWorkerOutcome outcome, const char *code, const char *message);
static void sdag_live_act(SdagLive *self, SdagSupervisorAction action);

/* options */

static const char *const sdag_live_option_names[] = {
    "transport",
    "latency_ms",
    "user",
    "password",
    "end_on_eos",
    "fail_fast",
    "max_duration_s",
    "backoff_initial_ms",
    "backoff_max_ms",
    "backoff_factor",
    "stall_timeout_floor_ms",
    "connect_timeout_ms",
    "max_lag_ms",
    "max_queued_frames",
    NULL,
};

gboolean
sdag_live_is_option(const char *name)
{
	return g_strv_contains(sdag_live_option_names, name);
}

static gboolean
sdag_live_option_int(const char *name,
		     JsonNode *value,
		     gint64 lo,
		     gint64 hi,
		     JsonObject *out,
		     GError **error)
{
	gint64 v;

	if (!JSON_NODE_HOLDS_VALUE(value) || json_node_get_value_type(value) != G_TYPE_INT64 ||
	    (v = json_node_get_int(value)) < lo || v > hi) {
		g_set_error(error,
			    SDAG_ERROR,
			    SDAG_ERROR_BAD_OPTION,
			    "option '%s' must be an integer from %" G_GINT64_FORMAT
			    " to %" G_GINT64_FORMAT,
			    name,
			    lo,
			    hi);
		return FALSE;
	}
	json_object_set_int_member(out, name, v);
	return TRUE;
}

/**
 * sdag_live_parse_option:
 * @name: one of the names sdag_live_is_option() knows
 *
 * Checks one live option and copies it into @out.
 *
 * Returns: %FALSE with SDAG_ERROR_BAD_OPTION
 */
gboolean
sdag_live_parse_option(const char *name, JsonNode *value, JsonObject *out, GError **error)
{
	gboolean is_string =
	    JSON_NODE_HOLDS_VALUE(value) && json_node_get_value_type(value) == G_TYPE_STRING;
	gboolean is_bool =
	    JSON_NODE_HOLDS_VALUE(value) && json_node_get_value_type(value) == G_TYPE_BOOLEAN;

	if (g_strcmp0(name, "transport") == 0) {
		const char *s = is_string ? json_node_get_string(value) : NULL;
		if (g_strcmp0(s, "auto") != 0 && g_strcmp0(s, "tcp") != 0 &&
		    g_strcmp0(s, "udp") != 0) {
			g_set_error_literal(
			    error,
			    SDAG_ERROR,
			    SDAG_ERROR_BAD_OPTION,
			    "option 'transport' must be \"auto\", \"tcp\" or \"udp\"");
			return FALSE;
		}
		json_object_set_string_member(out, name, s);
		return TRUE;
	}
	if (g_strcmp0(name, "user") == 0 || g_strcmp0(name, "password") == 0) {
		if (!is_string || json_node_get_string(value)[0] == '\0') {
			g_set_error(error,
				    SDAG_ERROR,
				    SDAG_ERROR_BAD_OPTION,
				    "option '%s' must be a non-empty string",
				    name);
			return FALSE;
		}
		json_object_set_string_member(out, name, json_node_get_string(value));
		return TRUE;
	}
	if (g_strcmp0(name, "end_on_eos") == 0 || g_strcmp0(name, "fail_fast") == 0) {
		if (!is_bool) {
			g_set_error(error,
				    SDAG_ERROR,
				    SDAG_ERROR_BAD_OPTION,
				    "option '%s' must be true or false",
				    name);
			return FALSE;
		}
		json_object_set_boolean_member(out, name, json_node_get_boolean(value));
		return TRUE;
	}
	if (g_strcmp0(name, "backoff_factor") == 0) {
		double v = 0;
		if (!JSON_NODE_HOLDS_VALUE(value) ||
		    (json_node_get_value_type(value) != G_TYPE_INT64 &&
		     json_node_get_value_type(value) != G_TYPE_DOUBLE) ||
		    (v = json_node_get_double(value)) < 1.0 || v > 10.0) {
			g_set_error_literal(
			    error,
			    SDAG_ERROR,
			    SDAG_ERROR_BAD_OPTION,
			    "option 'backoff_factor' must be a number from 1 to 10");
			return FALSE;
		}
		json_object_set_double_member(out, name, v);
		return TRUE;
	}
	if (g_strcmp0(name, "latency_ms") == 0)
		return sdag_live_option_int(name, value, 0, 60000, out, error);
	if (g_strcmp0(name, "max_duration_s") == 0)
		return sdag_live_option_int(name, value, 0, G_GINT64_CONSTANT(1) << 40, out, error);
	if (g_strcmp0(name, "backoff_initial_ms") == 0 || g_strcmp0(name, "backoff_max_ms") == 0)
		return sdag_live_option_int(name, value, 10, 3600000, out, error);
	if (g_strcmp0(name, "max_lag_ms") == 0)
		return sdag_live_option_int(name, value, 10, 60000, out, error);
	if (g_strcmp0(name, "max_queued_frames") == 0)
		return sdag_live_option_int(name, value, 1, 1000, out, error);
	/* stall_timeout_floor_ms, connect_timeout_ms */
	return sdag_live_option_int(name, value, 100, 600000, out, error);
}

/* Returns: (transfer full): a copy of a job's options as clients see them: no password */
JsonNode *
sdag_live_redact_options(JsonObject *options)
{
	JsonObject *copy = json_object_new();
	g_autoptr(GList) names = json_object_get_members(options);
	JsonNode *node = json_node_new(JSON_NODE_OBJECT);

	for (GList *l = names; l != NULL; l = l->next) {
		if (g_strcmp0(l->data, "password") == 0)
			json_object_set_string_member(copy, l->data, "***");
		else
			json_object_set_member(
			    copy,
			    l->data,
			    json_node_copy(json_object_get_member(options, l->data)));
	}
	json_node_take_object(node, copy);
	return node;
}

static gint64
sdag_live_opt_ms(JsonObject *o, const char *name, guint fallback_ms)
{
	return json_object_get_int_member_with_default(o, name, fallback_ms) * 1000;
}

/**
 * sdag_live_options_init:
 * @job_options: the job's options, checked at submission
 * @source: the parsed source: its kind and its URL's credentials
 *
 * The job's options over the [live] defaults. Options' credentials win over the URL's.
 */
void
sdag_live_options_init(SdagLiveOptions *opts,
		       const SdagLiveConfig *config,
		       JsonObject *job_options,
		       const SdagSource *source)
{
	JsonObject *o = job_options;

	memset(opts, 0, sizeof(*opts));
	opts->kind = source->kind;
	opts->supervisor.backoff_initial_us =
	    sdag_live_opt_ms(o, "backoff_initial_ms", config->backoff_initial_ms);
	opts->supervisor.backoff_max_us =
	    MAX(sdag_live_opt_ms(o, "backoff_max_ms", config->backoff_max_ms),
		opts->supervisor.backoff_initial_us);
	opts->supervisor.backoff_factor =
	    json_object_get_double_member_with_default(o, "backoff_factor", config->backoff_factor);
	opts->supervisor.backoff_jitter = 0.2;
	opts->supervisor.stall_floor_us =
	    sdag_live_opt_ms(o, "stall_timeout_floor_ms", config->stall_timeout_floor_ms);
	opts->supervisor.connect_timeout_us =
	    sdag_live_opt_ms(o, "connect_timeout_ms", config->connect_timeout_ms);
	opts->transport = g_strdup(json_object_get_string_member_with_default(
	    o, "transport", config->transport != NULL ? config->transport : "auto"));
	opts->latency_ms =
	    (guint)json_object_get_int_member_with_default(o, "latency_ms", config->latency_ms);
	opts->user = g_strdup(json_object_get_string_member_with_default(o, "user", source->user));
	opts->password =
	    g_strdup(json_object_get_string_member_with_default(o, "password", source->password));
	opts->end_on_eos = json_object_get_boolean_member_with_default(o, "end_on_eos", FALSE);
	opts->fail_fast = json_object_get_boolean_member_with_default(o, "fail_fast", FALSE);
	opts->max_duration_us =
	    json_object_get_int_member_with_default(o, "max_duration_s", 0) * G_USEC_PER_SEC;
	opts->checkpoint_interval_us = (gint64)config->checkpoint_interval_ms * 1000;
	opts->queue_frames = (guint)json_object_get_int_member_with_default(
	    o, "max_queued_frames", config->max_queued_frames);
	opts->queue_us = sdag_live_opt_ms(o, "max_lag_ms", config->max_lag_ms);
}

void
sdag_live_options_clear(SdagLiveOptions *opts)
{
	g_clear_pointer(&opts->transport, g_free);
	g_clear_pointer(&opts->user, g_free);
	if (opts->password != NULL)
		memset(opts->password, 0, strlen(opts->password));
	g_clear_pointer(&opts->password, g_free);
}

/**
 * sdag_live_classify_error:
 * @error: an error from the source pipeline's bus
 * @debug: (nullable): its debug text
 *
 * Returns: the reason the source is lost
 */
SdagSourceReason
sdag_live_classify_error(const GError *error, const char *debug)
{
	const char *d = debug != NULL ? debug : "";

	if (error->domain == GST_RESOURCE_ERROR) {
		/* The code decides first: the debug text carries the URL, and a port
		 * such as 40123 must not read as a 401. Text only breaks ties for
		 * sources that report a refusal as a generic open failure. */
		if (error->code == GST_RESOURCE_ERROR_NOT_AUTHORIZED)
			return SDAG_SOURCE_REASON_AUTH_FAILED;
		if (error->code == GST_RESOURCE_ERROR_NOT_FOUND)
			return SDAG_SOURCE_REASON_NOT_FOUND;
		if (strstr(error->message, "Unauthorized") != NULL ||
		    strstr(d, "401 Unauthorized") != NULL)
			return SDAG_SOURCE_REASON_AUTH_FAILED;
		if (strstr(error->message, "Not Found") != NULL ||
		    strstr(d, "404 Not Found") != NULL)
			return SDAG_SOURCE_REASON_NOT_FOUND;
		if (strstr(d, "timed out") != NULL || strstr(d, "Timeout") != NULL ||
		    strstr(d, "timeout") != NULL)
			return SDAG_SOURCE_REASON_TIMEOUT;
		return SDAG_SOURCE_REASON_CONNECT_REFUSED;
	}
	if (error->domain == GST_STREAM_ERROR) {
		/* a source that cannot deliver says only "streaming stopped, reason error" */
		if (error->code == GST_STREAM_ERROR_FAILED &&
		    (strstr(d, "reason error") != NULL || strstr(d, "reason not-linked") != NULL))
			return SDAG_SOURCE_REASON_CONNECT_REFUSED;
		return SDAG_SOURCE_REASON_DECODE_ERROR;
	}
	if (error->domain == GST_CORE_ERROR && error->code == GST_CORE_ERROR_MISSING_PLUGIN)
		return SDAG_SOURCE_REASON_DECODE_ERROR;
	return SDAG_SOURCE_REASON_CONNECT_REFUSED;
}

/* life cycle */

SdagLive *
sdag_live_new(SdagStore *store,
	      const char *job_id,
	      const char *uri,
	      SdagDag *dag,
	      const SdagWorkerOptions *wopts,
	      SdagLiveDoneFunc done,
	      gpointer user_data)
{
	SdagLive *self = g_new0(SdagLive, 1);
	const SdagLiveOptions *o = wopts->live;

	self->store = store;
	self->job_id = g_strdup(job_id);
	self->uri = g_strdup(uri);
	self->display_uri = g_strdup(wopts->display_uri != NULL ? wopts->display_uri : uri);
	self->dag = dag;
	self->stride = MAX(wopts->stride, 1u);
	self->max_frames = wopts->max_frames;
	self->max_frame_pixels = wopts->max_frame_pixels;
	self->opts = *o;
	self->opts.transport = g_strdup(o->transport);
	self->opts.user = g_strdup(o->user);
	self->opts.password = g_strdup(o->password);
	if (self->opts.queue_frames == 0)
		self->opts.queue_frames = SDAG_LIVE_DEFAULT_QUEUE;
	if (self->opts.queue_us <= 0)
		self->opts.queue_us = SDAG_LIVE_DEFAULT_QUEUE_US;
	self->done = done;
	self->user_data = user_data;
	self->results = sdag_results_new(store, job_id);
	self->rand = g_rand_new();
	g_mutex_init(&self->lock);
	self->sup = sdag_supervisor_new(&o->supervisor);
	return self;
}

/**
 * sdag_live_set_frame_func:
 *
 * Sets who hears of every processed frame; only before sdag_live_start().
 */
void
sdag_live_set_frame_func(SdagLive *self, SdagLiveFrameFunc func, gpointer user_data)
{
	self->frame_func = func;
	self->frame_data = user_data;
}

/**
 * sdag_live_set_source_func:
 *
 * Sets who hears, on the main context, that the source changed state: the transitions are
 * noticed where they are logged, at the latest one supervision tick after they happen.
 */
void
sdag_live_set_source_func(SdagLive *self, SdagLiveSourceFunc func, gpointer user_data)
{
	self->source_func = func;
	self->source_data = user_data;
}

void
sdag_live_free(SdagLive *self)
{
	if (self == NULL)
		return;
	g_warn_if_fail(self->tail == NULL || self->stopped);
	g_warn_if_fail(self->pending_teardowns == 0);
	g_clear_handle_id(&self->tail_watch, g_source_remove);
	g_clear_handle_id(&self->flush_timer, g_source_remove);
	g_clear_handle_id(&self->tick_timer, g_source_remove);
	if (self->tail != NULL) {
		gst_element_set_state(self->tail, GST_STATE_NULL);
		gst_object_unref(self->tail);
	}
	g_clear_pointer(&self->dag, sdag_dag_free);
	sdag_results_free(self->results);
	g_clear_pointer(&self->metrics, json_node_unref);
	g_clear_pointer(&self->resume_state, json_node_unref);
	g_clear_pointer(&self->caps, gst_caps_unref);
	sdag_supervisor_free(self->sup);
	g_rand_free(self->rand);
	g_mutex_clear(&self->lock);
	sdag_live_options_clear(&self->opts);
	g_free(self->error_code);
	g_free(self->error_message);
	g_free(self->job_id);
	g_free(self->uri);
	g_free(self->display_uri);
	g_free(self);
}

gboolean
sdag_live_is_stopping(SdagLive *self)
{
	return self->stopping;
}

SdagWorkerOutcome
sdag_live_get_outcome(SdagLive *self)
{
	return self->outcome;
}

const char *
sdag_live_get_error_code(SdagLive *self)
{
	return self->error_code;
}

const char *
sdag_live_get_error_message(SdagLive *self)
{
	return self->error_message;
}

GstElement *
sdag_live_get_pipeline(SdagLive *self)
{
	return self->tail;
}

/* Replaces the password, wherever it appears in *text, with "***". */
static void
sdag_live_redact(SdagLive *self, char **text)
{
	g_auto(GStrv) parts = NULL;

	if (self->opts.password == NULL || *text == NULL ||
	    strstr(*text, self->opts.password) == NULL)
		return;
	parts = g_strsplit(*text, self->opts.password, -1);
	g_free(*text);
	*text = g_strjoinv("***", parts);
}

/* checkpoints */

static void
sdag_live_checkpoint(SdagLive *self, guint64 next_frame_id, guint64 processed, guint64 decoded)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonNode) state = NULL;
	g_autoptr(JsonBuilder) b = json_builder_new();
	g_autoptr(JsonNode) root = NULL;
	g_autofree char *text = NULL;
	SdagExec *exec = sdag_element_get_exec(self->element);
	guint64 in;
	guint64 dropped;
	guint reconnects;

	if (exec == NULL)
		return;
	state = sdag_exec_save_state(exec, &error);
	if (state == NULL || !sdag_results_flush(self->results, &error)) {
		if (!self->checkpoint_failed)
			g_warning("job %s: no checkpoint: %s", self->job_id, error->message);
		self->checkpoint_failed = TRUE;
		return;
	}
	g_mutex_lock(&self->lock);
	in = self->frames_in;
	dropped = self->dropped;
	reconnects = sdag_supervisor_get_reconnects(self->sup);
	g_mutex_unlock(&self->lock);
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "next_frame_id");
	json_builder_add_int_value(b, (gint64)next_frame_id);
	json_builder_set_member_name(b, "frames_in");
	json_builder_add_int_value(b, (gint64)(self->base_in + in));
	json_builder_set_member_name(b, "frames_processed");
	json_builder_add_int_value(b, (gint64)(self->base_processed + processed));
	json_builder_set_member_name(b, "dropped_frames");
	json_builder_add_int_value(b, (gint64)(self->base_dropped + dropped));
	json_builder_set_member_name(b, "reconnects");
	json_builder_add_int_value(b, reconnects);
	json_builder_set_member_name(b, "exec");
	json_builder_add_value(b, g_steal_pointer(&state));
	json_builder_end_object(b);
	root = json_builder_get_root(b);
	text = sdag_json_to_string(root);
	if (!sdag_store_put(self->store,
			    SDAG_STORE_STATE,
			    (const guint8 *)self->job_id,
			    strlen(self->job_id),
			    (const guint8 *)text,
			    strlen(text),
			    FALSE,
			    &error)) {
		if (!self->checkpoint_failed)
			g_warning("job %s: no checkpoint: %s", self->job_id, error->message);
		self->checkpoint_failed = TRUE;
		return;
	}
	self->checkpoint_failed = FALSE;
	(void)decoded;
}

typedef struct {
	GPtrArray *keys;
} SdagLiveCollect;

static gboolean
sdag_live_collect_cb(const guint8 *key,
		     gsize key_len,
		     const guint8 *value,
		     gsize value_len,
		     gpointer user_data)
{
	GPtrArray *keys = user_data;
	g_ptr_array_add(keys, g_bytes_new(key, key_len));
	return TRUE;
}

/* Reads the last checkpoint, drops the frame rows after it and rebuilds the summary. */
static gboolean
sdag_live_resume(SdagLive *self, GError **error)
{
	g_autoptr(GBytes) blob = NULL;
	g_autoptr(JsonNode) node = NULL;
	g_autoptr(GPtrArray) keys = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
	g_autoptr(SdagStoreBatch) batch = NULL;
	g_autoptr(GBytes) start = NULL;
	g_autofree char *prefix = NULL;
	JsonObject *o;
	gsize len = 0;
	const char *data;

	blob = sdag_store_get(self->store,
			      SDAG_STORE_STATE,
			      (const guint8 *)self->job_id,
			      strlen(self->job_id),
			      NULL);
	if (blob == NULL)
		return sdag_results_load(self->results, error);
	data = g_bytes_get_data(blob, &len);
	node = sdag_json_parse(data, (gssize)len, NULL);
	if (node == NULL || !JSON_NODE_HOLDS_OBJECT(node)) {
		g_warning("job %s: the checkpoint does not parse; starting afresh", self->job_id);
		return sdag_results_load(self->results, error);
	}
	o = json_node_get_object(node);
	self->first_frame_id =
	    (guint64)json_object_get_int_member_with_default(o, "next_frame_id", 0);
	self->base_in = (guint64)json_object_get_int_member_with_default(o, "frames_in", 0);
	self->base_processed =
	    (guint64)json_object_get_int_member_with_default(o, "frames_processed", 0);
	self->base_dropped =
	    (guint64)json_object_get_int_member_with_default(o, "dropped_frames", 0);
	sdag_supervisor_set_reconnects(
	    self->sup, (guint)json_object_get_int_member_with_default(o, "reconnects", 0));
	if (json_object_has_member(o, "exec"))
		self->resume_state = json_node_copy(json_object_get_member(o, "exec"));

	/* the rows the checkpoint does not cover are written again under the same ids */
	prefix = g_strdup_printf("%s/", self->job_id);
	start = sdag_results_frame_key(self->job_id, self->first_frame_id);
	if (!sdag_store_iter_prefix_from(self->store,
					 SDAG_STORE_FRAMES,
					 (const guint8 *)prefix,
					 strlen(prefix),
					 g_bytes_get_data(start, NULL),
					 g_bytes_get_size(start),
					 sdag_live_collect_cb,
					 keys,
					 error))
		return FALSE;
	if (keys->len > 0) {
		batch = sdag_store_batch_new();
		for (guint i = 0; i < keys->len; i++) {
			GBytes *k = g_ptr_array_index(keys, i);
			sdag_store_batch_delete(batch,
						SDAG_STORE_FRAMES,
						g_bytes_get_data(k, NULL),
						g_bytes_get_size(k));
		}
		if (!sdag_store_write(self->store, batch, TRUE, error))
			return FALSE;
	}
	g_message("job %s: resuming from frame %" G_GUINT64_FORMAT " (%u later rows dropped)",
		  self->job_id,
		  self->first_frame_id,
		  keys->len);
	return sdag_results_load(self->results, error);
}

/* the tail */

static void
sdag_live_result_cb(SdagElement *element, const SdagFrameResult *result, gpointer user_data)
{
	SdagLive *self = user_data;
	g_autoptr(GError) error = NULL;
	gint64 now = g_get_monotonic_time();

	if (!sdag_results_add(self->results, result, &error)) {
		/* a full disk keeps its own code (storage_full) */
		g_autoptr(GError) store_error =
		    g_error_new_literal(SDAG_ERROR,
					g_error_matches(error, SDAG_ERROR, SDAG_ERROR_STORAGE_FULL)
					    ? SDAG_ERROR_STORAGE_FULL
					    : SDAG_ERROR_STORE,
					error->message);
		gst_element_post_message(
		    GST_ELEMENT(element),
		    gst_message_new_error(GST_OBJECT(element), store_error, NULL));
		return;
	}
	if (self->frame_func != NULL)
		self->frame_func(result, self->frame_data);
	if (self->last_checkpoint_us == 0)
		self->last_checkpoint_us = now;
	if (now - self->last_checkpoint_us >= self->opts.checkpoint_interval_us) {
		guint64 decoded = 0;
		guint64 processed = 0;

		sdag_element_get_counts(element, &decoded, &processed);
		sdag_live_checkpoint(self, result->frame_id + 1, processed, decoded);
		self->last_checkpoint_us = now;
	}
}

static gboolean
sdag_live_tail_bus_cb(GstBus *bus, GstMessage *msg, gpointer user_data)
{
	SdagLive *self = user_data;

	switch (GST_MESSAGE_TYPE(msg)) {
	case GST_MESSAGE_EOS:
		/* max_frames reached, or the source ended with end_on_eos */
		sdag_live_finish(self, SDAG_WORKER_COMPLETED, NULL, NULL);
		break;
	case GST_MESSAGE_ERROR: {
		g_autoptr(GError) error = NULL;
		g_autofree char *debug = NULL;
		gboolean from_dag = GST_MESSAGE_SRC(msg) == GST_OBJECT(self->element);
		const char *code;

		gst_message_parse_error(msg, &error, &debug);
		code = sdag_worker_classify_error(
		    error, from_dag ? SDAG_WORKER_FROM_DAG : SDAG_WORKER_FROM_PIPELINE, FALSE);
		sdag_live_redact(self, &error->message);
		sdag_live_redact(self, &debug);
		g_info("job %s: %s: %s (%s)",
		       self->job_id,
		       code,
		       error->message,
		       debug != NULL ? debug : "");
		sdag_live_finish(self, SDAG_WORKER_FAILED, code, error->message);
		break;
	}
	default:
		break;
	}
	return G_SOURCE_CONTINUE;
}

/* The tail's streaming thread, as appsrc lets a frame go to the DAG: one that waited too
 * long is dropped here. Its PTS is its arrival on the job's running time. */
static GstPadProbeReturn
sdag_live_queue_probe_cb(GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
	SdagLive *self = user_data;
	GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER(info);
	gint64 wait;

	if (buf == NULL || !GST_BUFFER_PTS_IS_VALID(buf))
		return GST_PAD_PROBE_OK;
	wait = g_get_monotonic_time() - self->started_mono -
	       (gint64)(GST_BUFFER_PTS(buf) / GST_USECOND);
	g_mutex_lock(&self->lock);
	if (wait > self->opts.queue_us) {
		self->dropped++;
		self->dropped_late++;
		g_mutex_unlock(&self->lock);
		return GST_PAD_PROBE_DROP;
	}
	self->max_wait_us = MAX(self->max_wait_us, wait);
	g_mutex_unlock(&self->lock);
	return GST_PAD_PROBE_OK;
}

static gboolean
sdag_live_build_tail(SdagLive *self, GError **error)
{
	g_autofree char *name = g_strdup_printf("job-%s", self->job_id);
	GstElement *src = gst_element_factory_make("appsrc", "in");
	GstElement *convert = gst_element_factory_make("videoconvert", "convert");
	GstElement *element = g_object_new(SDAG_TYPE_ELEMENT, "name", "dag", NULL);
	GstElement *sink = gst_element_factory_make("fakesink", "sink");
	g_autoptr(GstBus) bus = NULL;
	guint64 max_frames = self->max_frames;

	if (src == NULL || convert == NULL || sink == NULL) {
		g_clear_pointer(&src, gst_object_unref);
		g_clear_pointer(&convert, gst_object_unref);
		g_clear_pointer(&sink, gst_object_unref);
		gst_object_unref(element);
		g_set_error_literal(
		    error,
		    SDAG_ERROR,
		    SDAG_ERROR_INTERNAL,
		    "a GStreamer element is missing (appsrc, videoconvert, fakesink)");
		return FALSE;
	}
	self->tail = gst_pipeline_new(name);
	gst_bin_add_many(GST_BIN(self->tail), src, convert, element, sink, NULL);
	if (!gst_element_link_many(src, convert, element, sink, NULL)) {
		g_set_error_literal(error,
				    SDAG_ERROR,
				    SDAG_ERROR_INTERNAL,
				    "cannot link appsrc ! videoconvert ! sddag");
		return FALSE;
	}
	self->appsrc = src;
	self->element = SDAG_ELEMENT(element);
	{
		g_autoptr(GstPad) pad = gst_element_get_static_pad(src, "src");
		gst_pad_add_probe(
		    pad, GST_PAD_PROBE_TYPE_BUFFER, sdag_live_queue_probe_cb, self, NULL);
	}
	g_object_set(src,
		     "is-live",
		     TRUE,
		     "format",
		     GST_FORMAT_TIME,
		     "block",
		     FALSE,
		     "max-bytes",
		     (guint64)0,
		     NULL);
	/* a resumed job counts max_frames over all its runs */
	if (max_frames > 0)
		max_frames = max_frames > self->base_processed ? max_frames - self->base_processed
							       : 1;
	g_object_set(element,
		     "stride",
		     self->stride,
		     "max-frames",
		     max_frames,
		     "first-frame-id",
		     self->first_frame_id,
		     NULL);
	g_object_set(sink, "sync", FALSE, NULL);
	sdag_element_set_dag(self->element, g_steal_pointer(&self->dag));
	if (self->resume_state != NULL)
		sdag_element_set_resume_state(self->element, self->resume_state);
	sdag_element_set_result_func(self->element, sdag_live_result_cb, self, NULL);
	bus = gst_pipeline_get_bus(GST_PIPELINE(self->tail));
	self->tail_watch = gst_bus_add_watch(bus, sdag_live_tail_bus_cb, self);
	return TRUE;
}

/* the source */

static void
sdag_live_source_free(SdagLiveSource *src)
{
	g_clear_handle_id(&src->watch, g_source_remove);
	g_clear_object(&src->pipeline);
	g_free(src);
}

static GstFlowReturn
sdag_live_new_sample_cb(GstAppSink *sink, gpointer user_data)
{
	SdagLiveSource *src = user_data;
	SdagLive *self = src->live;
	g_autoptr(GstSample) sample = gst_app_sink_pull_sample(sink);
	GstBuffer *buf;
	GstCaps *caps;
	GstBuffer *out;
	guint64 level;
	gint64 now = g_get_monotonic_time();

	if (sample == NULL)
		return GST_FLOW_EOS;
	buf = gst_sample_get_buffer(sample);
	caps = gst_sample_get_caps(sample);
	if (buf == NULL || caps == NULL)
		return GST_FLOW_OK;

	g_mutex_lock(&self->lock);
	if (src->gen != self->gen || self->closing) {
		g_mutex_unlock(&self->lock);
		return GST_FLOW_OK;
	}
	sdag_supervisor_frame(self->sup, now, g_get_real_time());
	self->frames_in++;
	level = gst_app_src_get_current_level_buffers(GST_APP_SRC(self->appsrc));
	self->max_level = MAX(self->max_level, (guint)level);
	if (level >= self->opts.queue_frames) {
		/* the DAG is far behind: this frame goes, no conversion or analysis spent on it */
		self->dropped++;
		self->dropped_full++;
		g_mutex_unlock(&self->lock);
		return GST_FLOW_OK;
	}
	if (self->caps == NULL || !gst_caps_is_equal(self->caps, caps)) {
		gst_caps_replace(&self->caps, caps);
		gst_app_src_set_caps(GST_APP_SRC(self->appsrc), caps);
	}
	/* the memory is shared, not copied; only the timestamps are the tail's own */
	out = gst_buffer_copy(buf);
	GST_BUFFER_PTS(out) = (GstClockTime)(now - self->started_mono) * GST_USECOND;
	GST_BUFFER_DTS(out) = GST_CLOCK_TIME_NONE;
	gst_app_src_push_buffer(GST_APP_SRC(self->appsrc), out);
	g_mutex_unlock(&self->lock);
	return GST_FLOW_OK;
}

static GstPadProbeReturn
sdag_live_keyframe_probe_cb(GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
	SdagLiveSource *src = user_data;
	SdagLive *self = src->live;
	GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER(info);

	if (buf == NULL || GST_BUFFER_FLAG_IS_SET(buf, GST_BUFFER_FLAG_DELTA_UNIT))
		return GST_PAD_PROBE_OK;
	g_mutex_lock(&self->lock);
	if (src->gen == self->gen)
		sdag_supervisor_keyframe(self->sup, g_get_monotonic_time());
	g_mutex_unlock(&self->lock);
	return GST_PAD_PROBE_OK;
}

/* Every video decoder decodebin plugs gets a probe that sees its keyframes go in. */
static void
sdag_live_deep_element_added_cb(GstBin *bin, GstBin *sub, GstElement *element, gpointer user_data)
{
	SdagLiveSource *src = user_data;
	const char *klass = gst_element_get_metadata(element, GST_ELEMENT_METADATA_KLASS);
	g_autoptr(GstPad) pad = NULL;

	if (klass == NULL || strstr(klass, "Decoder") == NULL || strstr(klass, "Video") == NULL)
		return;
	pad = gst_element_get_static_pad(element, "sink");
	if (pad != NULL)
		gst_pad_add_probe(
		    pad, GST_PAD_PROBE_TYPE_BUFFER, sdag_live_keyframe_probe_cb, src, NULL);
}

static void
sdag_live_link_or_discard(GstElement *pipeline, GstPad *pad, GstElement *target)
{
	g_autoptr(GstPad) sinkpad = NULL;

	if (target == NULL) {
		/* other streams go nowhere, without holding the video back */
		target = gst_element_factory_make("fakesink", NULL);
		g_object_set(target, "sync", FALSE, "async", FALSE, NULL);
		gst_bin_add(GST_BIN(pipeline), target);
		gst_element_sync_state_with_parent(target);
	}
	sinkpad = gst_element_get_static_pad(target, "sink");
	if (!gst_pad_is_linked(sinkpad))
		gst_pad_link(pad, sinkpad);
}

static gboolean
sdag_live_caps_are_video(GstPad *pad, const char *prefix)
{
	g_autoptr(GstCaps) caps = gst_pad_get_current_caps(pad);
	const GstStructure *s;
	const char *media;

	if (caps == NULL)
		caps = gst_pad_query_caps(pad, NULL);
	if (caps == NULL || gst_caps_is_empty(caps))
		return FALSE;
	s = gst_caps_get_structure(caps, 0);
	if (g_str_has_prefix(gst_structure_get_name(s), prefix))
		return TRUE;
	media = gst_structure_get_string(s, "media");
	return g_strcmp0(media, "video") == 0;
}

static void
sdag_live_decode_pad_added_cb(GstElement *decodebin, GstPad *pad, gpointer user_data)
{
	SdagLiveSource *src = user_data;

	if (sdag_live_caps_are_video(pad, "video/"))
		sdag_live_link_or_discard(src->pipeline, pad, src->sink);
	else
		sdag_live_link_or_discard(src->pipeline, pad, NULL);
}

/* rtspsrc: one pad per stream; video goes to a decodebin, the rest nowhere */
static void
sdag_live_rtsp_pad_added_cb(GstElement *rtspsrc, GstPad *pad, gpointer user_data)
{
	SdagLiveSource *src = user_data;
	GstElement *decode;

	if (!sdag_live_caps_are_video(pad, "video/")) {
		sdag_live_link_or_discard(src->pipeline, pad, NULL);
		return;
	}
	decode = gst_element_factory_make("decodebin", NULL);
	g_signal_connect(decode, "pad-added", G_CALLBACK(sdag_live_decode_pad_added_cb), src);
	gst_bin_add(GST_BIN(src->pipeline), decode);
	gst_element_sync_state_with_parent(decode);
	sdag_live_link_or_discard(src->pipeline, pad, decode);
}

static gboolean sdag_live_source_bus_cb(GstBus *bus, GstMessage *msg, gpointer user_data);

static void
sdag_live_connect(SdagLive *self)
{
	SdagLiveSource *src = g_new0(SdagLiveSource, 1);
	g_autofree char *name = g_strdup_printf("job-%s-source", self->job_id);
	GstAppSinkCallbacks callbacks = {.new_sample = sdag_live_new_sample_cb};
	g_autoptr(GstCaps) raw = gst_caps_new_empty_simple("video/x-raw");
	g_autoptr(GstBus) bus = NULL;
	GstElement *in;

	g_mutex_lock(&self->lock);
	src->gen = ++self->gen;
	g_mutex_unlock(&self->lock);
	src->live = self;
	src->pipeline = gst_object_ref_sink(gst_pipeline_new(name));
	src->sink = gst_element_factory_make("appsink", "out");
	g_object_set(src->sink, "sync", FALSE, "max-buffers", 1u, "drop", TRUE, "caps", raw, NULL);
	gst_app_sink_set_callbacks(GST_APP_SINK(src->sink), &callbacks, src, NULL);
	g_signal_connect(
	    src->pipeline, "deep-element-added", G_CALLBACK(sdag_live_deep_element_added_cb), src);
	sdag_framelimit_watch(src->pipeline, self->max_frame_pixels);

	if (self->opts.kind == SDAG_SOURCE_RTSP) {
		guint protocols = 0x7; /* udp, udp-mcast, tcp */
		in = gst_element_factory_make("rtspsrc", "src");
		if (g_strcmp0(self->opts.transport, "tcp") == 0)
			protocols = 0x4;
		else if (g_strcmp0(self->opts.transport, "udp") == 0)
			protocols = 0x3;
		g_object_set(in,
			     "location",
			     self->uri,
			     "latency",
			     self->opts.latency_ms,
			     "tcp-timeout",
			     (guint64)(self->opts.supervisor.connect_timeout_us),
			     NULL);
		gst_util_set_object_arg(G_OBJECT(in),
					"protocols",
					protocols == 0x4   ? "tcp"
					: protocols == 0x3 ? "udp+udp-mcast"
							   : "udp+udp-mcast+tcp");
		if (self->opts.user != NULL)
			g_object_set(in, "user-id", self->opts.user, NULL);
		if (self->opts.password != NULL)
			g_object_set(in, "user-pw", self->opts.password, NULL);
		gst_bin_add_many(GST_BIN(src->pipeline), in, src->sink, NULL);
		g_signal_connect(in, "pad-added", G_CALLBACK(sdag_live_rtsp_pad_added_cb), src);
	} else {
		GstElement *decode = gst_element_factory_make("decodebin", "decode");
		in = gst_element_factory_make("rtmp2src", "src");
		g_object_set(in, "location", self->uri, NULL);
		if (self->opts.user != NULL)
			g_object_set(in, "username", self->opts.user, NULL);
		if (self->opts.password != NULL)
			g_object_set(in, "password", self->opts.password, NULL);
		gst_bin_add_many(GST_BIN(src->pipeline), in, decode, src->sink, NULL);
		gst_element_link(in, decode);
		g_signal_connect(
		    decode, "pad-added", G_CALLBACK(sdag_live_decode_pad_added_cb), src);
	}
	bus = gst_pipeline_get_bus(GST_PIPELINE(src->pipeline));
	src->watch = gst_bus_add_watch(bus, sdag_live_source_bus_cb, src);
	self->source = src;
	/* a failure comes as an error message on the bus */
	gst_element_set_state(src->pipeline, GST_STATE_PLAYING);
}

static void sdag_live_maybe_stopped(SdagLive *self);

static void
sdag_live_teardown_thread(GTask *task, gpointer object, gpointer task_data, GCancellable *cancel)
{
	SdagLiveSource *src = task_data;
	gst_element_set_state(src->pipeline, GST_STATE_NULL);
	g_task_return_boolean(task, TRUE);
}

static void
sdag_live_teardown_done_cb(GObject *object, GAsyncResult *res, gpointer user_data)
{
	SdagLive *self = user_data;

	self->pending_teardowns--;
	sdag_live_maybe_stopped(self);
}

/* Takes the current source down in a thread; its frames are ignored from now on. */
static void
sdag_live_teardown(SdagLive *self)
{
	SdagLiveSource *src = g_steal_pointer(&self->source);
	g_autoptr(GTask) task = NULL;

	if (src == NULL)
		return;
	g_clear_handle_id(&src->watch, g_source_remove);
	g_mutex_lock(&self->lock);
	self->gen++;
	g_mutex_unlock(&self->lock);
	self->pending_teardowns++;
	task = g_task_new(NULL, NULL, sdag_live_teardown_done_cb, self);
	g_task_set_task_data(task, src, (GDestroyNotify)sdag_live_source_free);
	g_task_run_in_thread(task, sdag_live_teardown_thread);
}

/* Logs the transitions since the last call: the operator's record of the source. */
static void
sdag_live_log_transitions(SdagLive *self)
{
	SdagSupervisorTransition h[SDAG_SUPERVISOR_HISTORY];
	guint n;
	guint total;

	g_mutex_lock(&self->lock);
	n = sdag_supervisor_get_history(self->sup, h);
	total = sdag_supervisor_get_n_transitions(self->sup);
	g_mutex_unlock(&self->lock);
	for (guint i = 0; i < n; i++) {
		if (total - n + i < self->history_logged)
			continue;
		g_message("job %s: source %s -> %s (%s)",
			  self->job_id,
			  sdag_source_state_to_string(h[i].from),
			  sdag_source_state_to_string(h[i].to),
			  sdag_source_reason_to_string(h[i].reason));
	}
	if (total == self->history_logged)
		return;
	self->history_logged = total;
	if (self->source_func != NULL)
		self->source_func(self->source_data);
}

static void
sdag_live_act(SdagLive *self, SdagSupervisorAction action)
{
	sdag_live_log_transitions(self);
	if (self->stopping)
		return;
	if (action == SDAG_SUPERVISOR_TEAR_DOWN) {
		sdag_live_teardown(self);
	} else if (action == SDAG_SUPERVISOR_CONNECT) {
		sdag_live_teardown(self);
		sdag_live_connect(self);
	}
}

static void
sdag_live_source_lost(SdagLive *self, SdagSourceReason reason, const char *detail)
{
	SdagSupervisorAction action;
	gboolean was_online;

	g_mutex_lock(&self->lock);
	was_online = sdag_supervisor_was_online(self->sup);
	g_mutex_unlock(&self->lock);
	if (self->opts.fail_fast && !was_online &&
	    (reason == SDAG_SOURCE_REASON_AUTH_FAILED || reason == SDAG_SOURCE_REASON_NOT_FOUND)) {
		g_autofree char *m = g_strdup_printf("%s: %s", self->display_uri, detail);
		sdag_live_finish(self,
				 SDAG_WORKER_FAILED,
				 reason == SDAG_SOURCE_REASON_AUTH_FAILED ? "source_unauthorized"
									  : "source_not_found",
				 m);
		return;
	}
	g_mutex_lock(&self->lock);
	action = sdag_supervisor_failure(self->sup,
					 reason,
					 g_get_monotonic_time(),
					 g_get_real_time(),
					 g_rand_double(self->rand));
	g_mutex_unlock(&self->lock);
	sdag_live_act(self, action);
}

static gboolean
sdag_live_source_bus_cb(GstBus *bus, GstMessage *msg, gpointer user_data)
{
	SdagLiveSource *src = user_data;
	SdagLive *self = src->live;

	if (self->source != src || self->stopping)
		return G_SOURCE_CONTINUE;
	switch (GST_MESSAGE_TYPE(msg)) {
	case GST_MESSAGE_EOS:
		if (self->opts.end_on_eos) {
			/* the frames handed over are analysed, then the tail ends the job */
			g_mutex_lock(&self->lock);
			self->closing = TRUE;
			g_mutex_unlock(&self->lock);
			gst_app_src_end_of_stream(GST_APP_SRC(self->appsrc));
			sdag_live_teardown(self);
		} else {
			sdag_live_source_lost(self, SDAG_SOURCE_REASON_EOS, "end of stream");
		}
		break;
	case GST_MESSAGE_ERROR: {
		g_autoptr(GError) error = NULL;
		g_autofree char *debug = NULL;
		SdagSourceReason reason;

		gst_message_parse_error(msg, &error, &debug);
		/* the camera sends frames over the limit: reconnecting would get the same */
		if (g_error_matches(error, SDAG_ERROR, SDAG_ERROR_FRAME_TOO_LARGE)) {
			g_autofree char *m =
			    g_strdup_printf("%s: %s", self->display_uri, error->message);
			sdag_live_finish(self, SDAG_WORKER_FAILED, "frame_too_large", m);
			break;
		}
		reason = sdag_live_classify_error(error, debug);
		sdag_live_redact(self, &error->message);
		sdag_live_redact(self, &debug);
		g_info("job %s: source: %s: %s (%s)",
		       self->job_id,
		       sdag_source_reason_to_string(reason),
		       error->message,
		       debug != NULL ? debug : "");
		sdag_live_source_lost(self, reason, error->message);
		break;
	}
	case GST_MESSAGE_WARNING: {
		g_autoptr(GError) error = NULL;
		gst_message_parse_warning(msg, &error, NULL);
		sdag_live_redact(self, &error->message);
		g_info("job %s: source warning: %s", self->job_id, error->message);
		break;
	}
	default:
		break;
	}
	return G_SOURCE_CONTINUE;
}

/* the clock */

static void
sdag_live_update_rates(SdagLive *self, gint64 now)
{
	guint64 in;
	guint64 processed = 0;
	guint last = (self->rate_n + SDAG_LIVE_RATE_SLOTS - 1) % SDAG_LIVE_RATE_SLOTS;
	guint slot = self->rate_n % SDAG_LIVE_RATE_SLOTS;
	guint oldest;
	double dt;

	if (self->rate_n > 0 && now - self->rate_t[last] < G_USEC_PER_SEC)
		return;
	g_mutex_lock(&self->lock);
	in = self->frames_in;
	g_mutex_unlock(&self->lock);
	sdag_element_get_counts(self->element, NULL, &processed);
	self->rate_t[slot] = now;
	self->rate_in[slot] = in;
	self->rate_proc[slot] = processed;
	self->rate_n++;
	oldest = self->rate_n <= SDAG_LIVE_RATE_SLOTS ? 0 : self->rate_n % SDAG_LIVE_RATE_SLOTS;
	dt = (double)(now - self->rate_t[oldest]) / G_USEC_PER_SEC;
	if (dt > 0) {
		self->input_fps = (double)(in - self->rate_in[oldest]) / dt;
		self->processed_fps = (double)(processed - self->rate_proc[oldest]) / dt;
	}
}

static gboolean
sdag_live_tick_cb(gpointer user_data)
{
	SdagLive *self = user_data;
	gint64 now = g_get_monotonic_time();
	SdagSupervisorAction action;

	if (self->opts.max_duration_us > 0 &&
	    g_get_real_time() - self->opts.started_real_us >= self->opts.max_duration_us) {
		self->tick_timer = 0;
		sdag_live_finish(self, SDAG_WORKER_COMPLETED, NULL, NULL);
		return G_SOURCE_REMOVE;
	}
	sdag_live_update_rates(self, now);
	g_mutex_lock(&self->lock);
	action = sdag_supervisor_tick(self->sup, now, g_get_real_time(), g_rand_double(self->rand));
	g_mutex_unlock(&self->lock);
	sdag_live_act(self, action);
	return G_SOURCE_CONTINUE;
}

static gboolean
sdag_live_flush_cb(gpointer user_data)
{
	SdagLive *self = user_data;
	g_autoptr(GError) error = NULL;

	if (!sdag_results_flush(self->results, &error))
		g_warning("job %s: %s", self->job_id, error->message);
	return G_SOURCE_CONTINUE;
}

/**
 * sdag_live_start:
 *
 * Resumes from the job's checkpoint if it has one, starts the tail and the first connect.
 * A source that cannot be reached is not an error: the supervisor retries it.
 *
 * Returns: %FALSE when the tail cannot be built or the checkpoint cannot be read
 */
gboolean
sdag_live_start(SdagLive *self, GError **error)
{
	SdagSupervisorAction action;

	if (!sdag_live_resume(self, error))
		return FALSE;
	if (!sdag_live_build_tail(self, error)) {
		g_clear_pointer(&self->tail, gst_object_unref);
		return FALSE;
	}
	self->started_mono = g_get_monotonic_time();
	if (self->opts.started_real_us == 0)
		self->opts.started_real_us = g_get_real_time();
	gst_element_set_state(self->tail, GST_STATE_PLAYING);
	self->flush_timer = g_timeout_add(SDAG_RESULTS_BATCH_US / 1000, sdag_live_flush_cb, self);
	self->tick_timer = g_timeout_add(SDAG_LIVE_TICK_MS, sdag_live_tick_cb, self);
	g_mutex_lock(&self->lock);
	action = sdag_supervisor_start(self->sup, self->started_mono, g_get_real_time());
	g_mutex_unlock(&self->lock);
	sdag_live_act(self, action);
	return TRUE;
}

/* ending */

/* Main context, everything down: the last rows and, for a job that goes on after a
 * restart, the last checkpoint. */
static void
sdag_live_stopped(SdagLive *self, gboolean checkpoint)
{
	g_autoptr(GError) error = NULL;
	SdagExec *exec;

	self->stopped = TRUE;
	g_info("job %s: hand-over queue: %" G_GUINT64_FORMAT " frames in, %" G_GUINT64_FORMAT
	       " dropped late, %" G_GUINT64_FORMAT " dropped full; longest wait %" G_GINT64_FORMAT
	       " ms, most frames waiting %u",
	       self->job_id,
	       self->frames_in,
	       self->dropped_late,
	       self->dropped_full,
	       self->max_wait_us / 1000,
	       self->max_level);
	if (checkpoint && self->element != NULL && sdag_element_get_exec(self->element) != NULL) {
		guint64 decoded = 0;
		guint64 processed = 0;

		sdag_element_get_counts(self->element, &decoded, &processed);
		sdag_live_checkpoint(self, self->first_frame_id + decoded, processed, decoded);
	}
	if (!sdag_results_flush(self->results, &error)) {
		g_warning("job %s: %s", self->job_id, error->message);
		if (self->outcome != SDAG_WORKER_FAILED && self->outcome != SDAG_WORKER_RUNNING) {
			self->outcome = SDAG_WORKER_FAILED;
			g_free(self->error_code);
			g_free(self->error_message);
			self->error_code =
			    g_strdup(g_error_matches(error, SDAG_ERROR, SDAG_ERROR_STORAGE_FULL)
					 ? sdag_error_code_to_string(SDAG_ERROR_STORAGE_FULL)
					 : "store_error");
			self->error_message = g_strdup(error->message);
		}
	}
	exec = self->element != NULL ? sdag_element_get_exec(self->element) : NULL;
	if (exec != NULL)
		self->metrics = sdag_exec_get_node_metrics(exec);
}

static void
sdag_live_maybe_stopped(SdagLive *self)
{
	if (!self->stopping || self->stopped || !self->tail_down || self->pending_teardowns > 0)
		return;
	sdag_live_stopped(self, FALSE);
	self->done(self, self->user_data);
}

static void
sdag_live_tail_thread(GTask *task, gpointer object, gpointer task_data, GCancellable *cancel)
{
	SdagLive *self = task_data;
	gst_element_set_state(self->tail, GST_STATE_NULL);
	g_task_return_boolean(task, TRUE);
}

static void
sdag_live_tail_done_cb(GObject *object, GAsyncResult *res, gpointer user_data)
{
	SdagLive *self = user_data;

	self->tail_down = TRUE;
	sdag_live_maybe_stopped(self);
}

static void
sdag_live_begin_stop(SdagLive *self)
{
	sdag_live_update_rates(self, g_get_monotonic_time());
	self->stopping = TRUE;
	g_clear_handle_id(&self->tail_watch, g_source_remove);
	g_clear_handle_id(&self->flush_timer, g_source_remove);
	g_clear_handle_id(&self->tick_timer, g_source_remove);
	g_mutex_lock(&self->lock);
	self->closing = TRUE;
	sdag_supervisor_stop(self->sup, g_get_real_time());
	g_mutex_unlock(&self->lock);
	sdag_live_log_transitions(self);
}

static void
sdag_live_finish(SdagLive *self, SdagWorkerOutcome outcome, const char *code, const char *message)
{
	g_autoptr(GTask) task = NULL;

	if (self->stopping)
		return;
	sdag_live_begin_stop(self);
	self->outcome = outcome;
	self->error_code = g_strdup(code);
	self->error_message = g_strdup(message);
	sdag_live_teardown(self);
	task = g_task_new(NULL, NULL, sdag_live_tail_done_cb, self);
	g_task_set_task_data(task, self, NULL);
	g_task_run_in_thread(task, sdag_live_tail_thread);
}

/**
 * sdag_live_cancel:
 *
 * Stops the job; done() follows with CANCELLED unless it had already ended otherwise.
 */
void
sdag_live_cancel(SdagLive *self)
{
	sdag_live_finish(self, SDAG_WORKER_CANCELLED, NULL, NULL);
}

/**
 * sdag_live_stop_sync:
 *
 * The daemon's shutdown: takes everything down now, writes the pending rows and a last
 * checkpoint, without calling done(). The outcome stays RUNNING: the job resumes at the next
 * start.
 */
void
sdag_live_stop_sync(SdagLive *self)
{
	SdagLiveSource *src;

	g_return_if_fail(!self->stopping);
	sdag_live_begin_stop(self);
	src = g_steal_pointer(&self->source);
	if (src != NULL) {
		g_clear_handle_id(&src->watch, g_source_remove);
		gst_element_set_state(src->pipeline, GST_STATE_NULL);
		sdag_live_source_free(src);
	}
	while (self->pending_teardowns > 0)
		g_main_context_iteration(NULL, TRUE);
	if (self->tail != NULL)
		gst_element_set_state(self->tail, GST_STATE_NULL);
	self->tail_down = TRUE;
	sdag_live_stopped(self, TRUE);
}

/* figures */

void
sdag_live_get_counts(SdagLive *self, guint64 *frames_decoded, guint64 *frames_processed)
{
	guint64 processed = 0;

	g_mutex_lock(&self->lock);
	*frames_decoded = self->base_in + self->frames_in;
	g_mutex_unlock(&self->lock);
	if (self->element != NULL)
		sdag_element_get_counts(self->element, NULL, &processed);
	*frames_processed = self->base_processed + processed;
}

JsonNode *
sdag_live_dup_summary(SdagLive *self)
{
	return sdag_results_dup_summary(self->results);
}

JsonNode *
sdag_live_dup_metrics(SdagLive *self)
{
	return self->metrics != NULL ? json_node_copy(self->metrics) : NULL;
}

/**
 * sdag_live_add_json:
 *
 * Adds the live members of a job's answer: source_state, source_reason, reconnects,
 * last_frame_at, input_fps, processed_fps, dropped_frames, stall_timeout_ms,
 * source_history.
 */
void
sdag_live_add_json(SdagLive *self, JsonObject *out)
{
	SdagSourceState state;
	SdagSourceReason reason;
	guint reconnects;
	gint64 last_frame;
	gint64 timeout;
	guint64 dropped;
	g_autoptr(JsonNode) history = NULL;

	if (!self->stopping)
		sdag_live_update_rates(self, g_get_monotonic_time());
	g_mutex_lock(&self->lock);
	state = sdag_supervisor_get_state(self->sup);
	reason = sdag_supervisor_get_reason(self->sup);
	reconnects = sdag_supervisor_get_reconnects(self->sup);
	last_frame = sdag_supervisor_get_last_frame_real(self->sup);
	timeout = sdag_supervisor_get_current_timeout(self->sup);
	dropped = self->base_dropped + self->dropped;
	history = sdag_supervisor_history_to_json(self->sup);
	g_mutex_unlock(&self->lock);

	json_object_set_null_member(out, "progress");
	json_object_set_string_member(out, "source_state", sdag_source_state_to_string(state));
	json_object_set_string_member(out, "source_reason", sdag_source_reason_to_string(reason));
	json_object_set_int_member(out, "reconnects", reconnects);
	if (last_frame > 0) {
		g_autofree char *at = sdag_json_timestamp(last_frame);
		json_object_set_string_member(out, "last_frame_at", at);
	} else if (!json_object_has_member(out, "last_frame_at")) {
		json_object_set_null_member(out, "last_frame_at");
	}
	json_object_set_double_member(out, "input_fps", self->input_fps);
	json_object_set_double_member(out, "processed_fps", self->processed_fps);
	json_object_set_int_member(out, "dropped_frames", (gint64)dropped);
	json_object_set_int_member(out, "stall_timeout_ms", timeout / 1000);
	json_object_set_member(out, "source_history", g_steal_pointer(&history));
}
