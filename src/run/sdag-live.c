/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "sdag-live"

#include "sdag-live.h"

#include <string.h>

#include "sdag-error.h"
#include "sdag-json.h"
#include "sdag-live-private.h"

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
 *
 * The live runner (sdag-runner.h) is this file: options, life cycle,
 * supervision, ending and figures; sdag-live-source.c builds and watches the
 * source pipeline, sdag-live-tail.c the tail, sdag-live-checkpoint.c writes
 * and reads the checkpoints.
 */

/* options */

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

/* life cycle */

static const SdagRunnerClass sdag_live_class;

/**
 * sdag_live_new:
 * @dag: (transfer full): the job's graph
 * @o: the job's live options (sdag_live_options_init()), copied
 *
 * Returns: (transfer full): a live runner for @uri (rtsp, rtmp)
 */
SdagRunner *
sdag_live_new(SdagStore *store,
	      const char *job_id,
	      const char *uri,
	      SdagDag *dag,
	      const SdagRunnerOptions *wopts,
	      const SdagLiveOptions *o,
	      SdagRunnerDoneFunc done,
	      gpointer user_data)
{
	SdagLive *self = g_new0(SdagLive, 1);

	sdag_runner_init(&self->parent, &sdag_live_class, store, job_id, done, user_data);
	self->uri = g_strdup(uri);
	self->display_uri = g_strdup(wopts->display_uri != NULL ? wopts->display_uri : uri);
	self->dag = dag;
	self->stride = MAX(wopts->stride, 1u);
	self->max_frames = wopts->max_frames;
	self->max_frame_pixels = wopts->max_frame_pixels;
	self->decode = sdag_decode_new(wopts->decode, self->stride, wopts->decoder_threads);
	self->opts = *o;
	self->opts.transport = g_strdup(o->transport);
	self->opts.user = g_strdup(o->user);
	self->opts.password = g_strdup(o->password);
	sdag_live_queue_init(&self->queue, o->queue_frames, o->queue_us);
	self->results = sdag_results_new(store, job_id);
	self->rand = g_rand_new();
	g_mutex_init(&self->lock);
	self->sup = sdag_supervisor_new(&o->supervisor);
	return &self->parent;
}

static void
sdag_live_free(SdagRunner *runner)
{
	SdagLive *self = (SdagLive *)runner;

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
	sdag_decode_unref(self->decode);
	g_clear_pointer(&self->metrics, json_node_unref);
	g_clear_pointer(&self->resume_state, json_node_unref);
	g_clear_pointer(&self->caps, gst_caps_unref);
	sdag_supervisor_free(self->sup);
	g_rand_free(self->rand);
	g_mutex_clear(&self->lock);
	sdag_live_options_clear(&self->opts);
	g_free(self->error_code);
	g_free(self->error_message);
	sdag_runner_clear(&self->parent);
	g_free(self->uri);
	g_free(self->display_uri);
	g_free(self);
}

static gboolean
sdag_live_is_stopping(SdagRunner *runner)
{
	return ((SdagLive *)runner)->stopping;
}

static SdagRunnerOutcome
sdag_live_get_outcome(SdagRunner *runner)
{
	return ((SdagLive *)runner)->outcome;
}

static const char *
sdag_live_get_error_code(SdagRunner *runner)
{
	return ((SdagLive *)runner)->error_code;
}

static const char *
sdag_live_get_error_message(SdagRunner *runner)
{
	return ((SdagLive *)runner)->error_message;
}

/* Replaces the password, wherever it appears in *text, with "***". */
void
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
			  self->parent.job_id,
			  sdag_source_state_to_string(h[i].from),
			  sdag_source_state_to_string(h[i].to),
			  sdag_source_reason_to_string(h[i].reason));
	}
	if (total == self->history_logged)
		return;
	self->history_logged = total;
	sdag_runner_source_changed(&self->parent);
}

void
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
	in = self->queue.frames_in;
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
		sdag_live_finish(self, SDAG_RUNNER_COMPLETED, NULL, NULL);
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
		g_warning("job %s: %s", self->parent.job_id, error->message);
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
static gboolean
sdag_live_start(SdagRunner *runner, GError **error)
{
	SdagLive *self = (SdagLive *)runner;
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
	       self->parent.job_id,
	       self->queue.frames_in,
	       self->queue.dropped_late,
	       self->queue.dropped_full,
	       self->queue.longest_wait_us / 1000,
	       self->queue.most_waiting);
	if (checkpoint && self->element != NULL && sdag_element_get_exec(self->element) != NULL) {
		guint64 decoded = 0;
		guint64 processed = 0;

		sdag_element_get_counts(self->element, &decoded, &processed);
		/* past the frames skipped undecoded too (sdag-decode.c) */
		sdag_live_checkpoint(
		    self, sdag_element_get_next_frame_id(self->element), processed, decoded);
	}
	if (!sdag_results_flush(self->results, &error)) {
		g_warning("job %s: %s", self->parent.job_id, error->message);
		if (self->outcome != SDAG_RUNNER_FAILED && self->outcome != SDAG_RUNNER_RUNNING) {
			self->outcome = SDAG_RUNNER_FAILED;
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

void
sdag_live_maybe_stopped(SdagLive *self)
{
	if (!self->stopping || self->stopped || !self->tail_down || self->pending_teardowns > 0)
		return;
	sdag_live_stopped(self, FALSE);
	sdag_runner_done(&self->parent);
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

void
sdag_live_finish(SdagLive *self, SdagRunnerOutcome outcome, const char *code, const char *message)
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

static void
sdag_live_cancel(SdagRunner *runner)
{
	sdag_live_finish((SdagLive *)runner, SDAG_RUNNER_CANCELLED, NULL, NULL);
}

/**
 * sdag_live_stop_sync:
 *
 * The daemon's shutdown: takes everything down now, writes the pending rows and a last
 * checkpoint, without calling done(). The outcome stays RUNNING: the job resumes at the next
 * start.
 */
static void
sdag_live_stop_sync(SdagRunner *runner)
{
	SdagLive *self = (SdagLive *)runner;
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

/* a live source has no duration */
static double
sdag_live_get_progress(SdagRunner *runner)
{
	return -1;
}

static void
sdag_live_get_counts(SdagRunner *runner, guint64 *frames_decoded, guint64 *frames_processed)
{
	SdagLive *self = (SdagLive *)runner;
	guint64 processed = 0;

	g_mutex_lock(&self->lock);
	*frames_decoded = self->base_in + self->queue.frames_in;
	g_mutex_unlock(&self->lock);
	if (self->element != NULL)
		sdag_element_get_counts(self->element, NULL, &processed);
	*frames_processed = self->base_processed + processed;
}

static JsonNode *
sdag_live_dup_summary(SdagRunner *runner)
{
	SdagLive *self = (SdagLive *)runner;
	JsonNode *summary = sdag_results_dup_summary(self->results);

	sdag_decode_add_summary(self->decode, json_node_get_object(summary));
	return summary;
}

static JsonNode *
sdag_live_dup_metrics(SdagRunner *runner)
{
	SdagLive *self = (SdagLive *)runner;

	return self->metrics != NULL ? json_node_copy(self->metrics) : NULL;
}

/**
 * sdag_live_add_json:
 *
 * Adds the live members of a job's answer: source_state, source_reason, reconnects,
 * last_frame_at, input_fps, processed_fps, dropped_frames, stall_timeout_ms,
 * source_history.
 */
static void
sdag_live_add_json(SdagRunner *runner, JsonObject *out)
{
	SdagLive *self = (SdagLive *)runner;
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
	dropped = self->base_dropped + self->queue.dropped;
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
	sdag_decode_add_json(self->decode, out);
}

static const SdagRunnerClass sdag_live_class = {
    .start = sdag_live_start,
    .cancel = sdag_live_cancel,
    .stop_sync = sdag_live_stop_sync,
    .is_stopping = sdag_live_is_stopping,
    .get_outcome = sdag_live_get_outcome,
    .get_error_code = sdag_live_get_error_code,
    .get_error_message = sdag_live_get_error_message,
    .get_progress = sdag_live_get_progress,
    .get_counts = sdag_live_get_counts,
    .dup_summary = sdag_live_dup_summary,
    .dup_metrics = sdag_live_dup_metrics,
    .add_json = sdag_live_add_json,
    .free = sdag_live_free,
};
