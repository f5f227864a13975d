/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "sdag-worker"

#include "sdag-worker.h"

#include <gst/base/gstbasesrc.h>
#include <string.h>

#include "sdag-decode.h"
#include "sdag-element.h"
#include "sdag-error.h"
#include "sdag-framelimit.h"
#include "sdag-results.h"
#include "sdag-source.h"

/*
 * One running job: a GstPipeline
 *
 *   uridecodebin uri=… → queue → videoconvert → sddag → fakesink sync=false
 *
 * where videoconvert stays in passthrough (no copy, no conversion) whenever
 * the decoder already gives a format every frame-reading node accepts. The
 * queue (a few decoded frames, bounded in frames only) gives the DAG a thread
 * of its own, so that decoding the next frames overlaps the analysis of this
 * one: a motion job over 720p H.264 runs at the bare decoder's speed instead
 * of 15% below it (bench/README.md).
 *
 * Threads. The bus is watched on the main context, where the outcome is
 * decided and done() is called. sddag's result callback runs on the
 * streaming thread and goes straight to SdagResults (mutex, batched RocksDB
 * writes): the streaming thread never waits for the main loop. The
 * decodebin's pad-added and no-more-pads also run on streaming threads and
 * only set atomics. Taking the pipeline down (set_state NULL) can wait on
 * network I/O, so it runs in a GTask thread; done() follows on the main
 * context after the last frame row is written.
 *
 * Every decoder uridecodebin plugs refuses frames over max_frame_pixels
 * (sdag-framelimit.c): its error fails the job as frame_too_large.
 *
 * A job whose decoder exposes no video pad fails as no_video_stream as soon
 * as decodebin says it has exposed every stream (no-more-pads, on the
 * streaming thread, forwarded as an application message on the bus); an
 * error that wins that race is classified with the same flags.
 *
 * This is the file runner: sdag-runner.h is how the job manager sees it, and
 * a live source gets the live runner (sdag-live.c) instead.
 */

typedef struct _SdagWorker SdagWorker;

struct _SdagWorker {
	SdagRunner parent;
	char *uri;
	char *display_uri;
	SdagDag *dag; /* until handed to the element */
	SdagRunnerOptions options;

	GstElement *pipeline;
	GstElement *entry;    /* where the decoded video goes in: the hand-over queue */
	SdagElement *element; /* borrowed from the pipeline */
	guint bus_watch;
	guint start_watch;
	gint64 started_us;
	SdagResults *results;
	SdagDecode *decode;
	gint video_linked; /* atomic */
	gint other_pads;   /* atomic: streams exposed that are not video */
	gint no_more_pads; /* atomic */

	char *resolve_host; /* checked against the network policy before opening */
	char *password;	    /* the source's, kept out of logs and messages */
	guint flush_timer;
	GCancellable *resolving; /* non-NULL while that lookup runs */
	gboolean stopping;
	gboolean stopped;
	SdagRunnerOutcome outcome;
	char *error_code;
	char *error_message;
	double progress;
	gint64 duration_ns;
	JsonNode *metrics;
};

#define SDAG_WORKER_NO_VIDEO "sdag-no-video"

static void sdag_worker_finish(SdagWorker *self,
			       SdagRunnerOutcome outcome,
			       const char *code,
			       const char *message);

static const SdagRunnerClass sdag_worker_class;

/**
 * sdag_worker_new:
 * @dag: (transfer full): the job's graph
 *
 * Returns: (transfer full): a file runner for @uri (a file, http or https)
 */
SdagRunner *
sdag_worker_new(SdagStore *store,
		const char *job_id,
		const char *uri,
		SdagDag *dag,
		const SdagRunnerOptions *options,
		SdagRunnerDoneFunc done,
		gpointer user_data)
{
	SdagWorker *self = g_new0(SdagWorker, 1);

	sdag_runner_init(&self->parent, &sdag_worker_class, store, job_id, done, user_data);
	self->uri = g_strdup(uri);
	self->dag = dag;
	self->options = *options;
	self->display_uri = g_strdup(options->display_uri != NULL ? options->display_uri : uri);
	self->options.display_uri = self->display_uri;
	self->resolve_host = g_strdup(options->resolve_host);
	self->options.resolve_host = self->resolve_host;
	{
		g_autoptr(GUri) parsed =
		    g_uri_parse(uri, G_URI_FLAGS_HAS_PASSWORD | G_URI_FLAGS_ENCODED, NULL);
		if (parsed != NULL && g_uri_get_password(parsed) != NULL &&
		    g_uri_get_password(parsed)[0] != '\0')
			self->password = g_strdup(g_uri_get_password(parsed));
	}
	self->results = sdag_results_new(store, job_id);
	self->decode = sdag_decode_new(options->decode, options->stride, options->decoder_threads);
	self->options.decode = NULL; /* borrowed from the caller: the mode is in self->decode */
	self->progress = -1;
	self->duration_ns = -1;
	return &self->parent;
}

static void
sdag_worker_free(SdagRunner *runner)
{
	SdagWorker *self = (SdagWorker *)runner;

	/* the owner waits for done() or calls stop_sync() first */
	g_warn_if_fail(self->pipeline == NULL || self->stopped);
	g_clear_handle_id(&self->bus_watch, g_source_remove);
	g_clear_handle_id(&self->start_watch, g_source_remove);
	g_clear_handle_id(&self->flush_timer, g_source_remove);
	if (self->pipeline != NULL) {
		gst_element_set_state(self->pipeline, GST_STATE_NULL);
		gst_object_unref(self->pipeline);
	}
	g_clear_pointer(&self->dag, sdag_dag_free);
	sdag_results_free(self->results);
	sdag_decode_unref(self->decode);
	g_clear_pointer(&self->metrics, json_node_unref);
	g_free(self->error_code);
	g_free(self->error_message);
	sdag_runner_clear(&self->parent);
	g_free(self->uri);
	g_free(self->display_uri);
	g_free(self->resolve_host);
	g_free(self->password);
	g_free(self);
}

static gboolean
sdag_worker_is_stopping(SdagRunner *runner)
{
	return ((SdagWorker *)runner)->stopping;
}

static SdagRunnerOutcome
sdag_worker_get_outcome(SdagRunner *runner)
{
	return ((SdagWorker *)runner)->outcome;
}

static const char *
sdag_worker_get_error_code(SdagRunner *runner)
{
	return ((SdagWorker *)runner)->error_code;
}

static const char *
sdag_worker_get_error_message(SdagRunner *runner)
{
	return ((SdagWorker *)runner)->error_message;
}

static void
sdag_worker_result_cb(SdagElement *element, const SdagFrameResult *result, gpointer user_data)
{
	SdagWorker *self = user_data;
	g_autoptr(GError) error = NULL;

	if (!sdag_results_add(self->results, result, &error)) {
		/* the bus carries it to the main loop, which fails the job; a full disk keeps
		 * its own code (storage_full), anything else is a store error */
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
	sdag_runner_frame_done(&self->parent, result);
}

static void
sdag_worker_pad_added_cb(GstElement *decodebin, GstPad *pad, gpointer user_data)
{
	SdagWorker *self = user_data;
	g_autoptr(GstCaps) caps = gst_pad_get_current_caps(pad);
	g_autoptr(GstPad) sinkpad = NULL;
	const char *name;

	if (caps == NULL)
		caps = gst_pad_query_caps(pad, NULL);
	name = gst_structure_get_name(gst_caps_get_structure(caps, 0));
	/* other streams stay unlinked: decodebin then stops decoding them */
	if (!g_str_has_prefix(name, "video/")) {
		g_atomic_int_inc(&self->other_pads);
		return;
	}
	sinkpad = gst_element_get_static_pad(self->entry, "sink");
	if (gst_pad_is_linked(sinkpad))
		return;
	if (GST_PAD_LINK_FAILED(gst_pad_link(pad, sinkpad))) {
		g_warning("job %s: cannot link the %s stream", self->parent.job_id, name);
		return;
	}
	g_atomic_int_set(&self->video_linked, 1);
}

static void
sdag_worker_no_more_pads_cb(GstElement *decodebin, gpointer user_data)
{
	SdagWorker *self = user_data;

	g_atomic_int_set(&self->no_more_pads, 1);
	/* Every stream is exposed and none is video: say so now rather than wait for the
	 * not-linked error, which decodebin does not always let through. */
	if (!g_atomic_int_get(&self->video_linked))
		gst_element_post_message(
		    decodebin,
		    gst_message_new_application(GST_OBJECT(decodebin),
						gst_structure_new_empty(SDAG_WORKER_NO_VIDEO)));
}

static void
sdag_worker_source_setup_cb(GstElement *decodebin, GstElement *source, gpointer user_data)
{
	SdagWorker *self = user_data;

	if (g_object_class_find_property(G_OBJECT_GET_CLASS(source), "automatic-redirect"))
		g_object_set(source, "automatic-redirect", self->options.follow_redirects, NULL);
	/* a stalled server fails the job instead of holding a worker slot forever */
	if (g_object_class_find_property(G_OBJECT_GET_CLASS(source), "timeout"))
		g_object_set(source, "timeout", 15u, NULL);
}

/* Replaces the source's password, wherever it appears in *text, with "***". */
static void
sdag_worker_redact(SdagWorker *self, char **text)
{
	g_auto(GStrv) parts = NULL;

	if (self->password == NULL || *text == NULL || strstr(*text, self->password) == NULL)
		return;
	parts = g_strsplit(*text, self->password, -1);
	g_free(*text);
	*text = g_strjoinv("***", parts);
}

static gboolean
sdag_worker_bus_cb(GstBus *bus, GstMessage *msg, gpointer user_data)
{
	SdagWorker *self = user_data;

	switch (GST_MESSAGE_TYPE(msg)) {
	case GST_MESSAGE_EOS: {
		guint64 decoded = 0;

		/* A source that ends without one frame (an MP4 whose index names frames that
		 * are not in the file) holds no video to analyse: not a completed job. */
		sdag_element_get_counts(self->element, &decoded, NULL);
		if (decoded == 0) {
			g_autofree char *m =
			    g_strdup_printf("%s: the source ended before a video frame was decoded",
					    self->display_uri);
			sdag_worker_finish(self, SDAG_RUNNER_FAILED, "no_video_stream", m);
			break;
		}
		sdag_worker_finish(self, SDAG_RUNNER_COMPLETED, NULL, NULL);
		break;
	}
	case GST_MESSAGE_ERROR: {
		g_autoptr(GError) error = NULL;
		g_autofree char *debug = NULL;
		SdagRunnerErrorOrigin origin = SDAG_RUNNER_FROM_PIPELINE;
		gboolean no_video =
		    g_atomic_int_get(&self->no_more_pads) && !g_atomic_int_get(&self->video_linked);
		const char *code;

		if (GST_MESSAGE_SRC(msg) == GST_OBJECT(self->element))
			origin = SDAG_RUNNER_FROM_DAG;
		else if (GST_IS_BASE_SRC(GST_MESSAGE_SRC(msg)))
			origin = SDAG_RUNNER_FROM_SOURCE;
		gst_message_parse_error(msg, &error, &debug);
		code = sdag_runner_classify_error(error, origin, no_video);
		/* GStreamer's texts may quote the URL it opened, password and all */
		sdag_worker_redact(self, &error->message);
		sdag_worker_redact(self, &debug);
		g_info("job %s: %s: %s (%s)",
		       self->parent.job_id,
		       code,
		       error->message,
		       debug != NULL ? debug : "");
		if (g_strcmp0(code, "no_video_stream") == 0 && no_video) {
			g_autofree char *m =
			    g_strdup_printf("%s has no video stream", self->display_uri);
			sdag_worker_finish(self, SDAG_RUNNER_FAILED, code, m);
		} else if (origin == SDAG_RUNNER_FROM_DAG) {
			sdag_worker_finish(self, SDAG_RUNNER_FAILED, code, error->message);
		} else {
			/* GStreamer's messages do not say which source they are about */
			g_autofree char *m =
			    g_strdup_printf("%s: %s", self->display_uri, error->message);
			sdag_worker_finish(self, SDAG_RUNNER_FAILED, code, m);
		}
		break;
	}
	case GST_MESSAGE_APPLICATION:
		if (gst_message_has_name(msg, SDAG_WORKER_NO_VIDEO)) {
			g_autofree char *m =
			    g_strdup_printf("%s has no video stream", self->display_uri);
			sdag_worker_finish(self, SDAG_RUNNER_FAILED, "no_video_stream", m);
		}
		break;
	case GST_MESSAGE_WARNING: {
		g_autoptr(GError) error = NULL;
		gst_message_parse_warning(msg, &error, NULL);
		sdag_worker_redact(self, &error->message);
		g_info("job %s: warning: %s", self->parent.job_id, error->message);
		break;
	}
	default:
		break;
	}
	return G_SOURCE_CONTINUE;
}

static gboolean
sdag_worker_build(SdagWorker *self, GError **error)
{
	g_autofree char *name = g_strdup_printf("job-%s", self->parent.job_id);
	GstElement *decode = gst_element_factory_make("uridecodebin", "source");
	/* by type, not by factory name: an installed copy of the GStreamer plugin must not
	 * stand in for the element linked into this binary */
	GstElement *element = g_object_new(SDAG_TYPE_ELEMENT, "name", "dag", NULL);
	GstElement *sink = gst_element_factory_make("fakesink", "sink");
	GstElement *convert = gst_element_factory_make("videoconvert", "convert");
	g_autoptr(GstBus) bus = NULL;

	self->entry = gst_element_factory_make("queue", "handover");
	if (decode == NULL || element == NULL || sink == NULL || convert == NULL ||
	    self->entry == NULL) {
		g_clear_pointer(&decode, gst_object_unref);
		g_clear_pointer(&element, gst_object_unref);
		g_clear_pointer(&sink, gst_object_unref);
		g_clear_pointer(&convert, gst_object_unref);
		g_clear_pointer(&self->entry, gst_object_unref);
		g_set_error_literal(
		    error,
		    SDAG_ERROR,
		    SDAG_ERROR_INTERNAL,
		    "a GStreamer element is missing (uridecodebin, queue, videoconvert, "
		    "fakesink or sddag)");
		return FALSE;
	}
	/* a file decodes faster than real time: the decoder waits when 4 frames are ahead */
	g_object_set(self->entry,
		     "max-size-buffers",
		     4,
		     "max-size-bytes",
		     0,
		     "max-size-time",
		     (guint64)0,
		     NULL);
	self->pipeline = gst_pipeline_new(name);
	gst_bin_add_many(
	    GST_BIN(self->pipeline), decode, self->entry, convert, element, sink, NULL);
	if (!gst_element_link_many(self->entry, convert, element, sink, NULL)) {
		g_set_error_literal(error,
				    SDAG_ERROR,
				    SDAG_ERROR_INTERNAL,
				    "cannot link queue ! videoconvert ! sddag");
		return FALSE;
	}
	self->element = SDAG_ELEMENT(element);
	g_object_set(decode, "uri", self->uri, NULL);
	g_object_set(
	    element, "stride", self->options.stride, "max-frames", self->options.max_frames, NULL);
	g_object_set(sink, "sync", FALSE, NULL);
	sdag_element_set_dag(self->element, g_steal_pointer(&self->dag));
	sdag_element_set_result_func(self->element, sdag_worker_result_cb, self, NULL);
	g_signal_connect(decode, "pad-added", G_CALLBACK(sdag_worker_pad_added_cb), self);
	g_signal_connect(decode, "no-more-pads", G_CALLBACK(sdag_worker_no_more_pads_cb), self);
	g_signal_connect(decode, "source-setup", G_CALLBACK(sdag_worker_source_setup_cb), self);
	/* a stream that claims huge frames fails before one is allocated */
	sdag_framelimit_watch(decode, self->options.max_frame_pixels);
	/* the frames the job does not analyse are not decoded, when it says so */
	sdag_decode_watch(self->decode, decode);

	bus = gst_pipeline_get_bus(GST_PIPELINE(self->pipeline));
	self->bus_watch = gst_bus_add_watch(bus, sdag_worker_bus_cb, self);
	return TRUE;
}

/*
 * decodebin keeps back an error of an element it is still plugging (to try the next one);
 * with some broken files, under load, that error is never posted and the pipeline waits in
 * preroll forever. A job that has not decoded a frame within start_timeout_s fails instead
 * of holding its slot.
 */
static gboolean
sdag_worker_start_watch_cb(gpointer user_data)
{
	SdagWorker *self = user_data;
	guint64 decoded = 0;
	guint64 processed = 0;
	g_autofree char *message = NULL;

	sdag_element_get_counts(self->element, &decoded, &processed);
	if (decoded > 0 || self->stopping) {
		self->start_watch = 0;
		return G_SOURCE_REMOVE;
	}
	if (g_get_monotonic_time() - self->started_us <
	    (gint64)self->options.start_timeout_s * G_USEC_PER_SEC)
		return G_SOURCE_CONTINUE;
	self->start_watch = 0;
	message = g_strdup_printf("%s: no video frame decoded within %u s",
				  self->display_uri,
				  self->options.start_timeout_s);
	sdag_worker_finish(self,
			   SDAG_RUNNER_FAILED,
			   g_atomic_int_get(&self->other_pads) > 0 &&
				   !g_atomic_int_get(&self->video_linked)
			       ? "no_video_stream"
			       : "decode_error",
			   message);
	return G_SOURCE_REMOVE;
}

/**
 * sdag_worker_start:
 *
 * Builds the pipeline and sets it playing. A source that cannot be opened is not an error
 * here: it arrives on the bus and ends the job through done().
 *
 * Returns: %FALSE only when the pipeline cannot be built
 */
/* A source that stalls mid-stream must not keep frame rows in memory: they are written
 * within SDAG_RESULTS_BATCH_US even when no further frame comes to push them out. A batch of
 * at most SDAG_RESULTS_BATCH_FRAMES unsynced rows is a sub-millisecond write. */
static gboolean
sdag_worker_flush_cb(gpointer user_data)
{
	SdagWorker *self = user_data;
	g_autoptr(GError) error = NULL;

	if (!sdag_results_flush(self->results, &error))
		g_warning("job %s: %s", self->parent.job_id, error->message);
	return G_SOURCE_CONTINUE;
}

static gboolean
sdag_worker_play(SdagWorker *self, GError **error)
{
	if (!sdag_worker_build(self, error))
		return FALSE;
	/* FAILURE comes with an error message on the bus, handled there */
	gst_element_set_state(self->pipeline, GST_STATE_PLAYING);
	self->flush_timer = g_timeout_add(SDAG_RESULTS_BATCH_US / 1000, sdag_worker_flush_cb, self);
	if (self->options.start_timeout_s > 0)
		self->start_watch = g_timeout_add_seconds(1, sdag_worker_start_watch_cb, self);
	self->started_us = g_get_monotonic_time();
	return TRUE;
}

/* Ends a job that never had a pipeline. done() is the last thing that touches self. */
static void
sdag_worker_end_unstarted(SdagWorker *self,
			  SdagRunnerOutcome outcome,
			  const char *code,
			  const char *message)
{
	if (!self->stopping) {
		self->stopping = TRUE;
		self->outcome = outcome;
		self->error_code = g_strdup(code);
		self->error_message = g_strdup(message);
	}
	self->stopped = TRUE;
	sdag_runner_done(&self->parent);
}

/*
 * A host name could resolve to an address the policy refuses (a name for
 * 127.0.0.1, or "127.1", which getaddrinfo reads as 127.0.0.1): every address
 * it resolves to is checked before GStreamer opens anything.
 */
static void
sdag_worker_resolved_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	SdagWorker *self = user_data;
	g_autoptr(GError) error = NULL;
	g_autoptr(GError) play_error = NULL;
	GList *addrs = g_resolver_lookup_by_name_finish(G_RESOLVER(source), res, &error);
	g_autofree char *refused = NULL;

	g_clear_object(&self->resolving);
	for (GList *l = addrs; l != NULL && refused == NULL; l = l->next) {
		if (sdag_source_address_is_private(l->data))
			refused = g_inet_address_to_string(l->data);
	}
	g_resolver_free_addresses(addrs);
	if (self->stopped)
		return; /* stop_sync() ended it meanwhile */
	if (self->stopping) {
		sdag_worker_end_unstarted(self, self->outcome, NULL, NULL);
	} else if (error != NULL) {
		g_autofree char *m = g_strdup_printf("%s: cannot resolve '%s': %s",
						     self->display_uri,
						     self->resolve_host,
						     error->message);
		sdag_worker_end_unstarted(self, SDAG_RUNNER_FAILED, "source_unreachable", m);
	} else if (refused != NULL) {
		g_autofree char *m = g_strdup_printf(
		    "'%s' resolves to %s, a loopback, private or link-local address; set "
		    "[sources] allow_private_networks=true to allow it",
		    self->resolve_host,
		    refused);
		sdag_worker_end_unstarted(self, SDAG_RUNNER_FAILED, "source_forbidden", m);
	} else if (!sdag_worker_play(self, &play_error)) {
		sdag_worker_end_unstarted(
		    self, SDAG_RUNNER_FAILED, "internal", play_error->message);
	}
}

static gboolean
sdag_worker_start(SdagRunner *runner, GError **error)
{
	SdagWorker *self = (SdagWorker *)runner;

	if (self->resolve_host != NULL) {
		g_autoptr(GResolver) resolver = g_resolver_get_default();
		self->resolving = g_cancellable_new();
		g_resolver_lookup_by_name_async(
		    resolver, self->resolve_host, self->resolving, sdag_worker_resolved_cb, self);
		return TRUE;
	}
	return sdag_worker_play(self, error);
}

/* Reads position/duration while the pipeline still has them; keeps the last answer. */
static void
sdag_worker_update_progress(SdagWorker *self)
{
	gint64 pos = -1;

	if (self->pipeline == NULL || self->stopping)
		return;
	if (self->duration_ns <= 0 &&
	    !gst_element_query_duration(self->pipeline, GST_FORMAT_TIME, &self->duration_ns))
		self->duration_ns = -1;
	if (self->duration_ns > 0 &&
	    gst_element_query_position(self->pipeline, GST_FORMAT_TIME, &pos) && pos >= 0)
		self->progress = CLAMP((double)pos / (double)self->duration_ns, 0.0, 1.0);
}

/* Returns: position/duration from 0 to 1; 1 once completed; -1 while the duration is
 * unknown */
static double
sdag_worker_get_progress(SdagRunner *runner)
{
	SdagWorker *self = (SdagWorker *)runner;

	if (self->outcome == SDAG_RUNNER_COMPLETED)
		return 1.0;
	sdag_worker_update_progress(self);
	return self->progress;
}

static void
sdag_worker_get_counts(SdagRunner *runner, guint64 *frames_decoded, guint64 *frames_processed)
{
	SdagWorker *self = (SdagWorker *)runner;

	*frames_decoded = 0;
	*frames_processed = 0;
	if (self->element != NULL)
		sdag_element_get_counts(self->element, frames_decoded, frames_processed);
}

static JsonNode *
sdag_worker_dup_summary(SdagRunner *runner)
{
	SdagWorker *self = (SdagWorker *)runner;
	JsonNode *summary = sdag_results_dup_summary(self->results);

	sdag_decode_add_summary(self->decode, json_node_get_object(summary));
	return summary;
}

static JsonNode *
sdag_worker_dup_metrics(SdagRunner *runner)
{
	SdagWorker *self = (SdagWorker *)runner;

	return self->metrics != NULL ? json_node_copy(self->metrics) : NULL;
}

/* Main context, pipeline down: no streaming thread touches the results any more. */
static void
sdag_worker_stopped(SdagWorker *self)
{
	g_autoptr(GError) error = NULL;
	SdagExec *exec;

	self->stopped = TRUE;
	if (!sdag_results_flush(self->results, &error)) {
		g_warning("job %s: %s", self->parent.job_id, error->message);
		if (self->outcome != SDAG_RUNNER_FAILED) {
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

static void
sdag_worker_stop_thread(GTask *task, gpointer source, gpointer task_data, GCancellable *cancel)
{
	SdagWorker *self = task_data;
	gst_element_set_state(self->pipeline, GST_STATE_NULL);
	g_task_return_boolean(task, TRUE);
}

static void
sdag_worker_stop_done_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	SdagWorker *self = user_data;

	sdag_worker_stopped(self);
	sdag_runner_done(&self->parent);
}

/* The last progress reading, then no more bus messages, watches or timers. */
static void
sdag_worker_begin_stop(SdagWorker *self)
{
	sdag_worker_update_progress(self);
	self->stopping = TRUE;
	g_clear_handle_id(&self->bus_watch, g_source_remove);
	g_clear_handle_id(&self->start_watch, g_source_remove);
	g_clear_handle_id(&self->flush_timer, g_source_remove);
}

static void
sdag_worker_finish(SdagWorker *self,
		   SdagRunnerOutcome outcome,
		   const char *code,
		   const char *message)
{
	g_autoptr(GTask) task = NULL;

	if (self->stopping)
		return;
	sdag_worker_begin_stop(self);
	self->outcome = outcome;
	self->error_code = g_strdup(code);
	self->error_message = g_strdup(message);
	if (self->resolving != NULL) {
		/* the lookup's callback ends the job */
		g_cancellable_cancel(self->resolving);
		return;
	}
	task = g_task_new(NULL, NULL, sdag_worker_stop_done_cb, self);
	g_task_set_task_data(task, self, NULL);
	g_task_run_in_thread(task, sdag_worker_stop_thread);
}

static void
sdag_worker_cancel(SdagRunner *runner)
{
	sdag_worker_finish((SdagWorker *)runner, SDAG_RUNNER_CANCELLED, NULL, NULL);
}

static void
sdag_worker_stop_sync(SdagRunner *runner)
{
	SdagWorker *self = (SdagWorker *)runner;

	/* an asynchronous stop in flight ends with done(): the owner waits for that instead */
	g_return_if_fail(!self->stopping);
	sdag_worker_begin_stop(self);
	if (self->resolving != NULL) {
		g_cancellable_cancel(self->resolving);
		self->stopped = TRUE;
		while (self->resolving != NULL)
			g_main_context_iteration(NULL, TRUE);
		self->stopped = FALSE;
	}
	if (self->pipeline != NULL)
		gst_element_set_state(self->pipeline, GST_STATE_NULL);
	sdag_worker_stopped(self);
}

/* a file has no members beyond the figures every job has, and what it did not decode */
static void
sdag_worker_add_json(SdagRunner *runner, JsonObject *out)
{
	SdagWorker *self = (SdagWorker *)runner;

	sdag_decode_add_json(self->decode, out);
	if (self->element != NULL)
		json_object_set_double_member(
		    out,
		    "analysis_cpu_s",
		    (double)sdag_element_get_thread_cpu_ns(self->element) / 1e9);
}

static const SdagRunnerClass sdag_worker_class = {
    .start = sdag_worker_start,
    .cancel = sdag_worker_cancel,
    .stop_sync = sdag_worker_stop_sync,
    .is_stopping = sdag_worker_is_stopping,
    .get_outcome = sdag_worker_get_outcome,
    .get_error_code = sdag_worker_get_error_code,
    .get_error_message = sdag_worker_get_error_message,
    .get_progress = sdag_worker_get_progress,
    .get_counts = sdag_worker_get_counts,
    .dup_summary = sdag_worker_dup_summary,
    .dup_metrics = sdag_worker_dup_metrics,
    .add_json = sdag_worker_add_json,
    .free = sdag_worker_free,
};
