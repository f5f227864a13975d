/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Why one file over 800 lines: it turns every job event into the payloads MQTT and
 * WebSocket publish (status, progress, detections, tracks, zones, lines, counts); the
 * payload shapes are one contract (docs/mqtt.md) kept in one place.
 */
#define G_LOG_DOMAIN "sdag-feed"

#include "sdag-feed.h"

#include <string.h>

#include "sdag-json.h"

/*
 * SdagFeed: what the publishers (MQTT, WebSocket) send, made once. It listens to the job
 * manager: status changes arrive on the main context; frames arrive on streaming threads,
 * where they are copied into a queue that an idle source drains on the main context. Every
 * status change first drains that queue, so a job's messages keep the order in which things
 * happened and its terminal status is its last message.
 *
 * From the frames it derives, per job:
 *  - detections: one message per frame with detections (or every frame, by option);
 *  - events: the lifecycle of each track (a detection with track_id >= 0), "new" when the id
 *    first shows up (or a track_new event names it), "update" when its top score rises, its
 *    zones change (enter/exit) or it crosses a line (cross_in/cross_out), "end" on track_lost
 *    or when the job ends. Each carries the job's next `seq`;
 *  - counts: one message per SdagCount, or only on change by option.
 * Progress is sampled from the job manager by a timer, at each job's progress_interval_ms.
 *
 * Open tracks and each job's last seq are kept in the store (family `outbox`, keys
 * "t" + job id + NUL + big-endian track id → {"after", "seq"}, and "s" + job id → seq as
 * decimal text), so that after a crash sdag_feed_recover() closes each one with
 * end_reason "restart" and numbering goes on where it stopped.
 *
 * A camera's job (its JSON names a "camera") speaks under the camera's name, so that its
 * topics outlive the job: cameras/<name>/{status,events,detections,snapshot},
 * cameras/<name>/zone/..., cameras/<name>/line/...; its event seq is the camera's, kept
 * under "s@" + name ('@' is in neither a job id nor a name), and goes on across the
 * camera's jobs. Its job status and progress still go to the job's WebSocket clients. The
 * camera's status is published for its current job only (the newest one queued), so that a
 * replaced job ending late does not overwrite it.
 *
 * Sinks are called synchronously on the main context and must not block.
 */

#define SDAG_FEED_TICK_MS 100
/* a camera's status carries its fps: sent on every change, and refreshed this often */
#define SDAG_FEED_CAMERA_REFRESH_US (10 * G_USEC_PER_SEC)
/* how often a camera's snapshot is looked at, and published when it changed */
#define SDAG_FEED_SNAPSHOT_US (2 * G_USEC_PER_SEC)
/* a track whose box centre stays this close (pixels) for SDAG_FEED_STATIONARY_US is
 * stationary, as Frigate calls it */
#define SDAG_FEED_STATIONARY_PX 10.0
#define SDAG_FEED_STATIONARY_US (10 * G_USEC_PER_SEC)

typedef struct {
	SdagFeedFunc func;
	gpointer user_data;
} SdagFeedSink;

typedef struct {
	gint64 track_id;
	char *label;
	double score;
	double top_score;
	double box[4]; /* x, y, w, h in pixels, as the detection has it */
	gint64 start_us;
	gint64 frame_us;  /* when the last frame that saw it entered the DAG */
	double anchor[2]; /* where its box centre was when it last moved */
	gint64 anchor_us; /* since when it has not moved */
	gboolean stationary;
	GPtrArray *current_zones;
	GPtrArray *entered_zones;
	JsonArray *crossed_lines;
	guint64 frame_id;
	gint64 pts_ms;
	JsonNode *published; /* the last "after" sent */
	gboolean is_new;
	gboolean dirty;
	gboolean lost;
	gboolean touched;
} SdagFeedTrack;

typedef struct {
	char *id;
	char *camera; /* nullable: the camera whose job it is */
	SdagPubOpts opts;
	guint64 seq;
	gboolean running;
	gint64 last_progress_us;
	GHashTable *tracks; /* gint64 * -> SdagFeedTrack, open ones */
	GHashTable *counts; /* topic -> gint64 *, last value sent */
} SdagFeedJob;

typedef struct {
	char *job_id;
	guint64 frame_id;
	gint64 pts_ns;
	gint64 wall_us; /* when the frame entered the DAG */
	GArray *detections;
	GArray *events;
	GArray *counts;
} SdagFeedFrame;

struct _SdagFeed {
	SdagJobs *jobs;	  /* borrowed */
	SdagStore *store; /* borrowed */
	SdagPubOpts defaults;
	GMainContext *ctx;
	GMutex lock;
	GQueue pending;	     /* SdagFeedFrame, under lock */
	GSource *idle;	     /* under lock */
	GHashTable *fjobs;   /* id -> SdagFeedJob */
	GHashTable *cameras; /* name -> SdagFeedCamera */
	GArray *sinks;
	guint tick_id;
};

/* What the feed keeps of a camera across its jobs. */
typedef struct {
	char *job_id; /* nullable: its current job, whose status is the camera's */
	guint64 seq;
	gboolean seq_loaded;
	gint64 status_us;   /* monotonic: when its status was last sent */
	gint64 snapshot_us; /* monotonic: when its snapshot was last looked at */
	GBytes *snapshot;   /* nullable: the last one sent */
	/* deleted: what its last job still says goes to that job's WebSocket clients only,
	 * until a job of a camera of that name is queued again */
	gboolean removed;
} SdagFeedCamera;

static void
sdag_feed_camera_free(SdagFeedCamera *c)
{
	g_free(c->job_id);
	if (c->snapshot != NULL)
		g_bytes_unref(c->snapshot);
	g_free(c);
}

static void
sdag_feed_frame_free(SdagFeedFrame *f)
{
	g_free(f->job_id);
	g_array_unref(f->detections);
	g_array_unref(f->events);
	g_array_unref(f->counts);
	g_free(f);
}

static void
sdag_feed_track_free(SdagFeedTrack *t)
{
	g_free(t->label);
	g_ptr_array_unref(t->current_zones);
	g_ptr_array_unref(t->entered_zones);
	json_array_unref(t->crossed_lines);
	if (t->published != NULL)
		json_node_unref(t->published);
	g_free(t);
}

static void
sdag_feed_job_free(SdagFeedJob *fj)
{
	g_free(fj->id);
	g_free(fj->camera);
	g_hash_table_unref(fj->tracks);
	g_hash_table_unref(fj->counts);
	g_free(fj);
}

/* store keys */

static GBytes *
sdag_feed_track_key(const char *job_id, gint64 track_id)
{
	GByteArray *k = g_byte_array_new();
	guint64 be = GUINT64_TO_BE((guint64)track_id);

	g_byte_array_append(k, (const guint8 *)"t", 1);
	g_byte_array_append(k, (const guint8 *)job_id, strlen(job_id) + 1);
	g_byte_array_append(k, (const guint8 *)&be, sizeof(be));
	return g_byte_array_free_to_bytes(k);
}

static char *
sdag_feed_seq_key(const char *job_id)
{
	return g_strconcat("s", job_id, NULL);
}

static guint64
sdag_feed_load_seq(SdagFeed *self, const char *job_id)
{
	g_autofree char *key = sdag_feed_seq_key(job_id);
	g_autoptr(GBytes) v =
	    sdag_store_get(self->store, SDAG_STORE_OUTBOX, (const guint8 *)key, strlen(key), NULL);
	g_autofree char *text = NULL;
	guint64 seq = 0;

	if (v == NULL)
		return 0;
	text = g_strndup(g_bytes_get_data(v, NULL), g_bytes_get_size(v));
	if (!g_ascii_string_to_unsigned(text, 10, 0, G_MAXUINT64, &seq, NULL))
		return 0;
	return seq;
}

static void
sdag_feed_save_seq(SdagFeed *self, const char *job_id, guint64 seq)
{
	g_autofree char *key = sdag_feed_seq_key(job_id);
	g_autofree char *text = g_strdup_printf("%" G_GUINT64_FORMAT, seq);
	g_autoptr(GError) error = NULL;

	if (!sdag_store_put(self->store,
			    SDAG_STORE_OUTBOX,
			    (const guint8 *)key,
			    strlen(key),
			    (const guint8 *)text,
			    strlen(text),
			    FALSE,
			    &error))
		g_warning("job %s: cannot keep the event seq: %s", job_id, error->message);
}

static SdagFeedCamera *
sdag_feed_camera_get(SdagFeed *self, const char *name)
{
	SdagFeedCamera *c = g_hash_table_lookup(self->cameras, name);

	if (c == NULL) {
		c = g_new0(SdagFeedCamera, 1);
		g_hash_table_insert(self->cameras, g_strdup(name), c);
	}
	return c;
}

/* The next event seq of the job: its own, or its camera's, which goes on across jobs. */
static guint64
sdag_feed_next_seq(SdagFeed *self, SdagFeedJob *fj)
{
	if (fj->camera != NULL) {
		SdagFeedCamera *c = sdag_feed_camera_get(self, fj->camera);
		g_autofree char *key = g_strconcat("@", fj->camera, NULL);

		if (!c->seq_loaded) {
			c->seq = sdag_feed_load_seq(self, key);
			c->seq_loaded = TRUE;
		}
		c->seq++;
		sdag_feed_save_seq(self, key, c->seq);
		return c->seq;
	}
	fj->seq++;
	sdag_feed_save_seq(self, fj->id, fj->seq);
	return fj->seq;
}

/* jobs */

static void
sdag_feed_opts_for(SdagFeed *self, JsonNode *job, SdagPubOpts *opts)
{
	JsonObject *o = job != NULL && JSON_NODE_HOLDS_OBJECT(job) ? json_node_get_object(job)
								   : NULL;
	JsonObject *options = o != NULL && json_object_has_member(o, "options")
				  ? json_object_get_object_member(o, "options")
				  : NULL;

	*opts = self->defaults;
	if (options != NULL && json_object_has_member(options, "mqtt")) {
		g_autoptr(GError) error = NULL;
		/* checked at submission */
		if (!sdag_pub_opts_apply_json(
			opts, json_object_get_member(options, "mqtt"), &error))
			g_warning("%s", error->message);
	}
}

static SdagFeedJob *
sdag_feed_job_get(SdagFeed *self, const char *job_id, JsonNode *job)
{
	SdagFeedJob *fj = g_hash_table_lookup(self->fjobs, job_id);
	g_autoptr(JsonNode) fetched = NULL;

	if (fj != NULL)
		return fj;
	if (job == NULL)
		job = fetched = sdag_jobs_get(self->jobs, job_id, NULL);
	fj = g_new0(SdagFeedJob, 1);
	fj->id = g_strdup(job_id);
	if (job != NULL && JSON_NODE_HOLDS_OBJECT(job))
		fj->camera = g_strdup(json_object_get_string_member_with_default(
		    json_node_get_object(job), "camera", NULL));
	sdag_feed_opts_for(self, job, &fj->opts);
	fj->seq = sdag_feed_load_seq(self, job_id);
	fj->tracks = g_hash_table_new_full(
	    g_int64_hash, g_int64_equal, NULL, (GDestroyNotify)sdag_feed_track_free);
	fj->counts = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	g_hash_table_insert(self->fjobs, fj->id, fj);
	return fj;
}

static void
sdag_feed_dispatch(SdagFeed *self, const SdagFeedMessage *m)
{
	SdagFeedCamera *c = m->camera != NULL ? g_hash_table_lookup(self->cameras, m->camera)
					      : NULL;
	SdagFeedMessage only_ws;

	if (c != NULL && c->removed) {
		if (m->target == SDAG_FEED_TO_MQTT)
			return;
		only_ws = *m;
		only_ws.target = SDAG_FEED_TO_WS;
		m = &only_ws;
	}
	for (guint i = 0; i < self->sinks->len; i++) {
		SdagFeedSink *s = &g_array_index(self->sinks, SdagFeedSink, i);
		s->func(m, s->user_data);
	}
}

static void
sdag_feed_emit(SdagFeed *self,
	       SdagFeedJob *fj,
	       SdagPubClass klass,
	       const char *type,
	       const char *topic,
	       JsonNode *payload,
	       SdagFeedTarget target,
	       gboolean last)
{
	SdagFeedMessage m = {
	    .klass = klass,
	    .type = type,
	    .job_id = fj->id,
	    .camera = fj->camera,
	    .topic = topic,
	    .payload = payload,
	    .opts = &fj->opts,
	    .last = last,
	    .target = target,
	};

	sdag_feed_dispatch(self, &m);
}

/* Where a job's own topics start: "cameras/<name>" for a camera's job, else "jobs/<id>" */
static char *
sdag_feed_prefix(SdagFeedJob *fj)
{
	return fj->camera != NULL ? g_strconcat("cameras/", fj->camera, NULL)
				  : g_strconcat("jobs/", fj->id, NULL);
}

/* events */

static double
sdag_feed_epoch(gint64 unix_us)
{
	return (double)(unix_us / 1000) / 1000.0;
}

static void
sdag_feed_add_strings(JsonBuilder *b, GPtrArray *names)
{
	json_builder_begin_array(b);
	for (guint i = 0; i < names->len; i++)
		json_builder_add_string_value(b, g_ptr_array_index(names, i));
	json_builder_end_array(b);
}

/*
 * One track as it is now, in the shape of Frigate's event object (docs/mqtt.md has the table
 * of Frigate's fields and ours): box and region [x1, y1, x2, y2] in pixels, area in square
 * pixels, times in seconds since 1970; `camera` is the camera's name, or the job id for a job
 * no camera runs. Then streamdag's own: job_id, track_id, crossed_lines, frame_id, pts_ms.
 */
static JsonNode *
sdag_feed_track_json(SdagFeedJob *fj, SdagFeedTrack *t, gint64 end_us, const char *end_reason)
{
	g_autoptr(JsonBuilder) b = json_builder_new_immutable();
	g_autofree char *id = g_strdup_printf("%s-%" G_GINT64_FORMAT, fj->id, t->track_id);
	const double corners[4] = {
	    t->box[0], t->box[1], t->box[0] + t->box[2], t->box[1] + t->box[3]};

	json_builder_begin_object(b);
	json_builder_set_member_name(b, "id");
	json_builder_add_string_value(b, id);
	json_builder_set_member_name(b, "camera");
	json_builder_add_string_value(b, fj->camera != NULL ? fj->camera : fj->id);
	json_builder_set_member_name(b, "frame_time");
	json_builder_add_double_value(b, sdag_feed_epoch(t->frame_us));
	json_builder_set_member_name(b, "label");
	json_builder_add_string_value(b, t->label);
	json_builder_set_member_name(b, "score");
	json_builder_add_double_value(b, t->score);
	json_builder_set_member_name(b, "top_score");
	json_builder_add_double_value(b, t->top_score);
	for (guint k = 0; k < 2; k++) {
		/* lacking a detector region, the region is the box */
		json_builder_set_member_name(b, k == 0 ? "box" : "region");
		json_builder_begin_array(b);
		for (guint i = 0; i < 4; i++)
			json_builder_add_int_value(b, (gint64)(corners[i] + 0.5));
		json_builder_end_array(b);
	}
	json_builder_set_member_name(b, "area");
	json_builder_add_int_value(b, (gint64)(t->box[2] * t->box[3] + 0.5));
	json_builder_set_member_name(b, "ratio");
	json_builder_add_double_value(b, t->box[3] > 0 ? t->box[2] / t->box[3] : 0);
	json_builder_set_member_name(b, "sub_label");
	json_builder_add_null_value(b);
	json_builder_set_member_name(b, "start_time");
	json_builder_add_double_value(b, sdag_feed_epoch(t->start_us));
	json_builder_set_member_name(b, "end_time");
	if (end_us > 0)
		json_builder_add_double_value(b, sdag_feed_epoch(end_us));
	else
		json_builder_add_null_value(b);
	json_builder_set_member_name(b, "current_zones");
	sdag_feed_add_strings(b, t->current_zones);
	json_builder_set_member_name(b, "entered_zones");
	sdag_feed_add_strings(b, t->entered_zones);
	/* no snapshot is kept per event: the camera's latest is GET /cameras/{name}/snapshot.jpg
	 * and its MQTT snapshot topic */
	json_builder_set_member_name(b, "has_snapshot");
	json_builder_add_boolean_value(b, FALSE);
	json_builder_set_member_name(b, "has_clip");
	json_builder_add_boolean_value(b, FALSE);
	json_builder_set_member_name(b, "false_positive");
	json_builder_add_boolean_value(b, FALSE);
	json_builder_set_member_name(b, "stationary");
	json_builder_add_boolean_value(b, t->stationary);
	/* Frigate's "active" is "not stationary"; an ended track is not active either */
	json_builder_set_member_name(b, "active");
	json_builder_add_boolean_value(b, end_us == 0 && !t->stationary);
	json_builder_set_member_name(b, "job_id");
	json_builder_add_string_value(b, fj->id);
	json_builder_set_member_name(b, "track_id");
	json_builder_add_int_value(b, t->track_id);
	json_builder_set_member_name(b, "crossed_lines");
	{
		JsonNode *lines = json_node_new(JSON_NODE_ARRAY);
		json_node_set_array(lines, t->crossed_lines);
		json_builder_add_value(b, lines);
	}
	json_builder_set_member_name(b, "frame_id");
	json_builder_add_int_value(b, (gint64)t->frame_id);
	json_builder_set_member_name(b, "pts_ms");
	if (t->pts_ms >= 0)
		json_builder_add_int_value(b, t->pts_ms);
	else
		json_builder_add_null_value(b);
	if (end_reason != NULL) {
		json_builder_set_member_name(b, "end_reason");
		json_builder_add_string_value(b, end_reason);
	}
	json_builder_end_object(b);
	return json_builder_get_root(b);
}

/* Sends one event: @before NULL: the same as @after (a new track). A camera's event goes to
 * the camera's events topic too. */
static void
sdag_feed_send_event(SdagFeed *self,
		     SdagFeedJob *fj,
		     guint64 seq,
		     const char *type,
		     JsonNode *before,
		     JsonNode *after)
{
	g_autoptr(JsonBuilder) b = json_builder_new_immutable();
	g_autoptr(JsonNode) payload = NULL;
	JsonObject *ao = json_node_get_object(after);

	json_builder_begin_object(b);
	json_builder_set_member_name(b, "type");
	json_builder_add_string_value(b, type);
	json_builder_set_member_name(b, "job_id");
	json_builder_add_string_value(b, fj->id);
	if (fj->camera != NULL) {
		json_builder_set_member_name(b, "camera");
		json_builder_add_string_value(b, fj->camera);
	}
	json_builder_set_member_name(b, "track_id");
	json_builder_add_int_value(b, json_object_get_int_member(ao, "track_id"));
	json_builder_set_member_name(b, "seq");
	json_builder_add_int_value(b, (gint64)seq);
	if (json_object_has_member(ao, "end_reason")) {
		json_builder_set_member_name(b, "end_reason");
		json_builder_add_string_value(b, json_object_get_string_member(ao, "end_reason"));
	}
	json_builder_set_member_name(b, "before");
	json_builder_add_value(b, json_node_copy(before != NULL ? before : after));
	json_builder_set_member_name(b, "after");
	json_builder_add_value(b, json_node_copy(after));
	json_builder_end_object(b);
	payload = json_builder_get_root(b);
	sdag_feed_emit(
	    self, fj, SDAG_PUB_EVENTS, "event", "events", payload, SDAG_FEED_TO_ALL, FALSE);
	if (fj->camera != NULL) {
		g_autofree char *topic = g_strdup_printf("cameras/%s/events", fj->camera);
		sdag_feed_emit(
		    self, fj, SDAG_PUB_EVENTS, "event", topic, payload, SDAG_FEED_TO_MQTT, FALSE);
	}
}

static void
sdag_feed_track_event(SdagFeed *self,
		      SdagFeedJob *fj,
		      SdagFeedTrack *t,
		      const char *type,
		      gint64 end_us,
		      const char *end_reason)
{
	g_autoptr(JsonNode) after = sdag_feed_track_json(fj, t, end_us, end_reason);
	g_autoptr(GBytes) key = sdag_feed_track_key(fj->id, t->track_id);
	g_autoptr(GError) error = NULL;
	gboolean ok;
	guint64 seq = sdag_feed_next_seq(self, fj);

	if (end_us == 0) {
		g_autoptr(JsonBuilder) b = json_builder_new_immutable();
		g_autoptr(JsonNode) rec = NULL;
		g_autofree char *text = NULL;

		json_builder_begin_object(b);
		json_builder_set_member_name(b, "after");
		json_builder_add_value(b, json_node_copy(after));
		json_builder_end_object(b);
		rec = json_builder_get_root(b);
		text = sdag_json_to_string(rec);
		ok = sdag_store_put(self->store,
				    SDAG_STORE_OUTBOX,
				    g_bytes_get_data(key, NULL),
				    g_bytes_get_size(key),
				    (const guint8 *)text,
				    strlen(text),
				    FALSE,
				    &error);
	} else {
		ok = sdag_store_delete(self->store,
				       SDAG_STORE_OUTBOX,
				       g_bytes_get_data(key, NULL),
				       g_bytes_get_size(key),
				       FALSE,
				       &error);
	}
	if (!ok)
		g_warning("job %s: cannot keep track %" G_GINT64_FORMAT ": %s",
			  fj->id,
			  t->track_id,
			  error->message);
	sdag_feed_send_event(self, fj, seq, type, t->published, after);
	if (t->published != NULL)
		json_node_unref(t->published);
	t->published = g_steal_pointer(&after);
}

static SdagFeedTrack *
sdag_feed_track_get(SdagFeedJob *fj,
		    gint64 track_id,
		    const char *label,
		    const SdagFeedFrame *f,
		    GPtrArray *touched)
{
	SdagFeedTrack *t = g_hash_table_lookup(fj->tracks, &track_id);

	if (t == NULL) {
		t = g_new0(SdagFeedTrack, 1);
		t->track_id = track_id;
		t->label = g_strdup(label);
		t->start_us = f->wall_us;
		t->current_zones = g_ptr_array_new_with_free_func(g_free);
		t->entered_zones = g_ptr_array_new_with_free_func(g_free);
		t->crossed_lines = json_array_new();
		t->is_new = TRUE;
		/* the frame it was first heard of, until a detection gives its box */
		t->frame_id = f->frame_id;
		t->pts_ms = f->pts_ns >= 0 ? f->pts_ns / 1000000 : -1;
		t->frame_us = f->wall_us;
		g_hash_table_insert(fj->tracks, &t->track_id, t);
	}
	if (!t->touched) {
		t->touched = TRUE;
		g_ptr_array_add(touched, t);
	}
	return t;
}

/* Stationary as Frigate means it: its box centre has stayed within a few pixels for a while.
 * A change either way is an update. */
static void
sdag_feed_track_moved(SdagFeedTrack *t, gint64 now_us)
{
	double cx = t->box[0] + t->box[2] / 2;
	double cy = t->box[1] + t->box[3] / 2;
	double dx = cx - t->anchor[0];
	double dy = cy - t->anchor[1];
	gboolean stationary;

	if (t->anchor_us == 0 ||
	    dx * dx + dy * dy > SDAG_FEED_STATIONARY_PX * SDAG_FEED_STATIONARY_PX) {
		t->anchor[0] = cx;
		t->anchor[1] = cy;
		t->anchor_us = now_us;
	}
	stationary = now_us - t->anchor_us >= SDAG_FEED_STATIONARY_US;
	if (stationary != t->stationary) {
		t->stationary = stationary;
		t->dirty = TRUE;
	}
}

static gboolean
sdag_feed_strv_has(GPtrArray *names, const char *name, guint *index)
{
	for (guint i = 0; i < names->len; i++) {
		if (g_strcmp0(g_ptr_array_index(names, i), name) == 0) {
			if (index != NULL)
				*index = i;
			return TRUE;
		}
	}
	return FALSE;
}

static void
sdag_feed_apply_event(SdagFeedJob *fj,
		      const SdagEvent *e,
		      const SdagFeedFrame *f,
		      GPtrArray *touched)
{
	SdagFeedTrack *t;
	guint idx = 0;

	if (e->track_id < 0)
		return;
	t = sdag_feed_track_get(fj, e->track_id, e->label, f, touched);
	if (g_strcmp0(e->kind, "track_lost") == 0) {
		t->lost = TRUE;
	} else if (g_strcmp0(e->kind, "enter") == 0) {
		if (!sdag_feed_strv_has(t->current_zones, e->name, NULL))
			g_ptr_array_add(t->current_zones, g_strdup(e->name));
		if (!sdag_feed_strv_has(t->entered_zones, e->name, NULL))
			g_ptr_array_add(t->entered_zones, g_strdup(e->name));
		t->dirty = TRUE;
	} else if (g_strcmp0(e->kind, "exit") == 0) {
		if (sdag_feed_strv_has(t->current_zones, e->name, &idx))
			g_ptr_array_remove_index(t->current_zones, idx);
		t->dirty = TRUE;
	} else if (g_strcmp0(e->kind, "cross_in") == 0 || g_strcmp0(e->kind, "cross_out") == 0) {
		JsonObject *c = json_object_new();
		json_object_set_string_member(c, "line", e->name);
		json_object_set_string_member(
		    c, "direction", g_strcmp0(e->kind, "cross_in") == 0 ? "in" : "out");
		json_object_set_int_member(c, "frame_id", (gint64)f->frame_id);
		json_array_add_object_element(t->crossed_lines, c);
		t->dirty = TRUE;
	}
	/* track_new: the track exists now; anything else is not about its lifecycle */
}

/* The topic of a count: "zone/<z>" and "line/<l>/in|out" names have their own shape. */
static char *
sdag_feed_count_topic(SdagFeedJob *fj, const SdagCount *c)
{
	g_auto(GStrv) parts = g_strsplit(c->name, "/", 3);
	/* a job's counts are "<job id>/...", a camera's "cameras/<name>/..." */
	g_autofree char *prefix = fj->camera != NULL ? g_strconcat("cameras/", fj->camera, NULL)
						     : g_strdup(fj->id);

	if (g_strv_length(parts) == 2 && g_strcmp0(parts[0], "zone") == 0)
		return g_strdup_printf("%s/zone/%s/%s", prefix, parts[1], c->label);
	if (g_strv_length(parts) == 3 && g_strcmp0(parts[0], "line") == 0 &&
	    (g_strcmp0(parts[2], "in") == 0 || g_strcmp0(parts[2], "out") == 0))
		return g_strdup_printf("%s/line/%s/%s/%s", prefix, parts[1], c->label, parts[2]);
	return g_strdup_printf("%s/count/%s/%s", prefix, c->name, c->label);
}

static void
sdag_feed_send_detections(SdagFeed *self, SdagFeedJob *fj, const SdagFeedFrame *f)
{
	g_autoptr(JsonBuilder) b = json_builder_new_immutable();
	g_autoptr(JsonNode) payload = NULL;
	g_autofree char *prefix = sdag_feed_prefix(fj);
	g_autofree char *topic = g_strconcat(prefix, "/detections", NULL);
	g_autofree char *wall = sdag_json_timestamp(f->wall_us);
	gint64 now = g_get_real_time();

	json_builder_begin_object(b);
	json_builder_set_member_name(b, "job_id");
	json_builder_add_string_value(b, fj->id);
	json_builder_set_member_name(b, "frame_id");
	json_builder_add_int_value(b, (gint64)f->frame_id);
	json_builder_set_member_name(b, "pts_ms");
	if (f->pts_ns >= 0)
		json_builder_add_int_value(b, f->pts_ns / 1000000);
	else
		json_builder_add_null_value(b);
	json_builder_set_member_name(b, "wall_time");
	json_builder_add_string_value(b, wall);
	json_builder_set_member_name(b, "latency_ms");
	json_builder_add_double_value(b, (double)((now - f->wall_us) / 10) / 100.0);
	json_builder_set_member_name(b, "detections");
	json_builder_begin_array(b);
	for (guint i = 0; i < f->detections->len; i++) {
		const SdagDetection *d = &g_array_index(f->detections, SdagDetection, i);
		json_builder_begin_object(b);
		json_builder_set_member_name(b, "label");
		json_builder_add_string_value(b, d->label);
		json_builder_set_member_name(b, "score");
		json_builder_add_double_value(b, d->score);
		json_builder_set_member_name(b, "box");
		json_builder_begin_array(b);
		json_builder_add_double_value(b, d->x);
		json_builder_add_double_value(b, d->y);
		json_builder_add_double_value(b, d->w);
		json_builder_add_double_value(b, d->h);
		json_builder_end_array(b);
		if (d->track_id >= 0) {
			json_builder_set_member_name(b, "track_id");
			json_builder_add_int_value(b, d->track_id);
		}
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
	json_builder_end_object(b);
	payload = json_builder_get_root(b);
	sdag_feed_emit(
	    self, fj, SDAG_PUB_DETECTIONS, "detections", topic, payload, SDAG_FEED_TO_ALL, FALSE);
}

static void
sdag_feed_send_count(SdagFeed *self, SdagFeedJob *fj, const SdagFeedFrame *f, const SdagCount *c)
{
	g_autofree char *topic = sdag_feed_count_topic(fj, c);
	gint64 *last = g_hash_table_lookup(fj->counts, topic);
	g_autoptr(JsonBuilder) b = NULL;
	g_autoptr(JsonNode) payload = NULL;

	if (last != NULL && *last == c->value && fj->opts.counts_on_change)
		return;
	if (last == NULL) {
		last = g_new(gint64, 1);
		g_hash_table_insert(fj->counts, g_strdup(topic), last);
	}
	*last = c->value;
	b = json_builder_new_immutable();
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "job_id");
	json_builder_add_string_value(b, fj->id);
	json_builder_set_member_name(b, "name");
	json_builder_add_string_value(b, c->name);
	json_builder_set_member_name(b, "label");
	json_builder_add_string_value(b, c->label);
	json_builder_set_member_name(b, "value");
	json_builder_add_int_value(b, c->value);
	json_builder_set_member_name(b, "frame_id");
	json_builder_add_int_value(b, (gint64)f->frame_id);
	json_builder_end_object(b);
	payload = json_builder_get_root(b);
	sdag_feed_emit(self, fj, SDAG_PUB_COUNTS, "count", topic, payload, SDAG_FEED_TO_ALL, FALSE);
}

static void
sdag_feed_process(SdagFeed *self, const SdagFeedFrame *f)
{
	SdagFeedJob *fj = sdag_feed_job_get(self, f->job_id, NULL);
	g_autoptr(GPtrArray) touched = g_ptr_array_new();

	for (guint i = 0; i < f->detections->len; i++) {
		const SdagDetection *d = &g_array_index(f->detections, SdagDetection, i);
		SdagFeedTrack *t;

		if (d->track_id < 0)
			continue;
		t = sdag_feed_track_get(fj, d->track_id, d->label, f, touched);
		t->score = d->score;
		t->box[0] = d->x;
		t->box[1] = d->y;
		t->box[2] = d->w;
		t->box[3] = d->h;
		/* the frame of the box: an event of a later frame (a zone exit, a loss) does
		 * not move it, so that box, frame_id and frame_time describe one frame */
		t->frame_id = f->frame_id;
		t->pts_ms = f->pts_ns >= 0 ? f->pts_ns / 1000000 : -1;
		t->frame_us = f->wall_us;
		if (d->score > t->top_score) {
			t->top_score = d->score;
			t->dirty = TRUE;
		}
		sdag_feed_track_moved(t, f->wall_us);
	}
	for (guint i = 0; i < f->events->len; i++)
		sdag_feed_apply_event(fj, &g_array_index(f->events, SdagEvent, i), f, touched);

	if (f->detections->len > 0 || fj->opts.detections_every_frame)
		sdag_feed_send_detections(self, fj, f);
	for (guint i = 0; i < touched->len; i++) {
		SdagFeedTrack *t = g_ptr_array_index(touched, i);

		if (t->is_new)
			sdag_feed_track_event(self, fj, t, "new", 0, NULL);
		else if (t->dirty && !t->lost)
			sdag_feed_track_event(self, fj, t, "update", 0, NULL);
		t->is_new = t->dirty = t->touched = FALSE;
		if (t->lost) {
			sdag_feed_track_event(self, fj, t, "end", f->wall_us, "lost");
			g_hash_table_remove(fj->tracks, &t->track_id);
		}
	}
	for (guint i = 0; i < f->counts->len; i++)
		sdag_feed_send_count(self, fj, f, &g_array_index(f->counts, SdagCount, i));
}

/* the frame queue */

static GQueue
sdag_feed_steal_pending(SdagFeed *self)
{
	GQueue q = G_QUEUE_INIT;

	g_mutex_lock(&self->lock);
	q = self->pending;
	g_queue_init(&self->pending);
	if (self->idle != NULL) {
		g_source_destroy(self->idle);
		g_source_unref(self->idle);
		self->idle = NULL;
	}
	g_mutex_unlock(&self->lock);
	return q;
}

/**
 * sdag_feed_flush:
 *
 * Processes every frame queued so far, now (main context).
 */
static void
sdag_feed_flush(SdagFeed *self)
{
	GQueue q = sdag_feed_steal_pending(self);
	SdagFeedFrame *f;

	while ((f = g_queue_pop_head(&q)) != NULL) {
		sdag_feed_process(self, f);
		sdag_feed_frame_free(f);
	}
}

static gboolean
sdag_feed_idle_cb(gpointer user_data)
{
	sdag_feed_flush(user_data);
	return G_SOURCE_REMOVE;
}

static GArray *
sdag_feed_copy_items(GArray *items, gsize size)
{
	GArray *copy = g_array_sized_new(FALSE, FALSE, size, items != NULL ? items->len : 0);

	if (items != NULL && items->len > 0)
		g_array_append_vals(copy, items->data, items->len);
	return copy;
}

/* A streaming thread: copy, queue, wake the main context. */
static void
sdag_feed_frame_cb(const char *job_id, const SdagFrameResult *result, gpointer user_data)
{
	SdagFeed *self = user_data;
	SdagFeedFrame *f = g_new0(SdagFeedFrame, 1);

	f->job_id = g_strdup(job_id);
	f->frame_id = result->frame_id;
	f->pts_ns = result->pts_ns;
	f->wall_us = g_get_real_time() - result->dag_ns / 1000;
	f->detections = sdag_feed_copy_items(result->detections, sizeof(SdagDetection));
	f->events = sdag_feed_copy_items(result->events, sizeof(SdagEvent));
	f->counts = sdag_feed_copy_items(result->counts, sizeof(SdagCount));
	g_mutex_lock(&self->lock);
	g_queue_push_tail(&self->pending, f);
	if (self->idle == NULL) {
		self->idle = g_idle_source_new();
		g_source_set_callback(self->idle, sdag_feed_idle_cb, self, NULL);
		g_source_attach(self->idle, self->ctx);
	}
	g_mutex_unlock(&self->lock);
}

/* cameras */

/* The camera's status: what its current job is doing, in the words of GET /cameras/{name}. */
static JsonNode *
sdag_feed_camera_status_json(SdagFeedJob *fj, JsonObject *job)
{
	static const char *const figures[] = {"input_fps",
					      "processed_fps",
					      "fps",
					      "last_frame_at",
					      "reconnects",
					      "dropped_frames",
					      "frames_processed"};
	const char *status = json_object_get_string_member_with_default(job, "status", "");
	g_autofree char *now = sdag_json_timestamp(g_get_real_time());
	JsonObject *o = json_object_new();
	JsonNode *node;
	const char *state;
	const char *reason = NULL;

	if (g_strcmp0(status, "running") == 0) {
		state =
		    json_object_get_string_member_with_default(job, "source_state", "connecting");
		reason = json_object_get_string_member_with_default(job, "source_reason", NULL);
	} else if (g_strcmp0(status, "queued") == 0) {
		state = "queued";
	} else {
		state = "stopped";
		reason = status;
	}
	json_object_set_string_member(o, "camera", fj->camera);
	json_object_set_string_member(o, "state", state);
	if (reason != NULL)
		json_object_set_string_member(o, "reason", reason);
	else
		json_object_set_null_member(o, "reason");
	json_object_set_string_member(o, "job_id", fj->id);
	json_object_set_string_member(o, "job_status", status);
	for (guint i = 0; i < G_N_ELEMENTS(figures); i++) {
		JsonNode *v = json_object_get_member(job, figures[i]);
		json_object_set_member(
		    o, figures[i], v != NULL ? json_node_copy(v) : json_node_new(JSON_NODE_NULL));
	}
	json_object_set_string_member(o, "time", now);
	/* taken, not referenced: json_node_init_object() would keep a second ref */
	node = json_node_new(JSON_NODE_OBJECT);
	json_node_take_object(node, o);
	return node;
}

/*
 * Publishes the camera's status from its job @job, when that job is the camera's current
 * one: the newest queued, or any live one when the camera has none running.
 */
static void
sdag_feed_camera_status(SdagFeed *self, SdagFeedJob *fj, JsonNode *job)
{
	SdagFeedCamera *c = sdag_feed_camera_get(self, fj->camera);
	JsonObject *o = json_node_get_object(job);
	const char *status = json_object_get_string_member_with_default(o, "status", "");
	SdagJobStatus st = SDAG_JOB_FAILED;
	g_autofree char *topic = g_strdup_printf("cameras/%s/status", fj->camera);
	g_autoptr(JsonNode) payload = NULL;

	sdag_job_status_from_string(status, &st);
	if (st == SDAG_JOB_QUEUED)
		c->removed = FALSE;
	if (c->removed)
		return;
	if (!sdag_job_status_is_terminal(st) && (c->job_id == NULL || st == SDAG_JOB_QUEUED ||
						 !sdag_jobs_is_active(self->jobs, c->job_id))) {
		if (g_strcmp0(c->job_id, fj->id) != 0) {
			g_free(c->job_id);
			c->job_id = g_strdup(fj->id);
			g_clear_pointer(&c->snapshot, g_bytes_unref);
		}
	}
	if (g_strcmp0(c->job_id, fj->id) != 0)
		return;
	payload = sdag_feed_camera_status_json(fj, o);
	c->status_us = g_get_monotonic_time();
	sdag_feed_emit(
	    self, fj, SDAG_PUB_STATUS, "camera_status", topic, payload, SDAG_FEED_TO_MQTT, FALSE);
}

/* The tick of a running camera job: its status refreshed, its snapshot sent when new. */
static void
sdag_feed_camera_tick(SdagFeed *self, SdagFeedJob *fj, gint64 now)
{
	SdagFeedCamera *c = sdag_feed_camera_get(self, fj->camera);
	g_autoptr(GBytes) jpeg = NULL;
	g_autofree char *topic = NULL;

	if (g_strcmp0(c->job_id, fj->id) != 0)
		return;
	if (now - c->status_us >= SDAG_FEED_CAMERA_REFRESH_US) {
		g_autoptr(JsonNode) job = sdag_jobs_get(self->jobs, fj->id, NULL);
		if (job != NULL)
			sdag_feed_camera_status(self, fj, job);
	}
	if (now - c->snapshot_us < SDAG_FEED_SNAPSHOT_US)
		return;
	c->snapshot_us = now;
	jpeg = sdag_jobs_dup_snapshot(self->jobs, fj->id, NULL);
	if (jpeg == NULL || (c->snapshot != NULL && g_bytes_equal(jpeg, c->snapshot)))
		return;
	topic = g_strdup_printf("cameras/%s/snapshot", fj->camera);
	{
		SdagFeedMessage m = {
		    .klass = SDAG_PUB_STATUS,
		    .type = "snapshot",
		    .job_id = fj->id,
		    .camera = fj->camera,
		    .topic = topic,
		    .image = jpeg,
		    .opts = &fj->opts,
		    .target = SDAG_FEED_TO_MQTT,
		};
		sdag_feed_dispatch(self, &m);
	}
	if (c->snapshot != NULL)
		g_bytes_unref(c->snapshot);
	c->snapshot = g_steal_pointer(&jpeg);
}

/**
 * sdag_feed_forget_camera:
 *
 * The camera was deleted: nothing more goes out under its name on MQTT (its last job's end
 * included), so that what was retracted stays retracted. A new camera of that name starts
 * afresh with its first job.
 */
void
sdag_feed_forget_camera(SdagFeed *self, const char *camera)
{
	SdagFeedCamera *c = sdag_feed_camera_get(self, camera);

	c->removed = TRUE;
	g_clear_pointer(&c->job_id, g_free);
	g_clear_pointer(&c->snapshot, g_bytes_unref);
}

/* progress */

static void
sdag_feed_send_progress(SdagFeed *self, SdagFeedJob *fj)
{
	g_autoptr(JsonNode) job = sdag_jobs_get(self->jobs, fj->id, NULL);
	g_autoptr(JsonBuilder) b = json_builder_new_immutable();
	g_autoptr(JsonNode) payload = NULL;
	g_autofree char *topic = g_strdup_printf("jobs/%s/progress", fj->id);
	g_autofree char *now = sdag_json_timestamp(g_get_real_time());
	static const char *const members[] = {"frames_decoded", "frames_processed", "fps"};
	JsonObject *o;

	if (job == NULL)
		return;
	o = json_node_get_object(job);
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "job_id");
	json_builder_add_string_value(b, fj->id);
	json_builder_set_member_name(b, "status");
	json_builder_add_string_value(b, json_object_get_string_member(o, "status"));
	json_builder_set_member_name(b, "progress");
	if (json_object_has_member(o, "progress"))
		json_builder_add_value(b, json_node_copy(json_object_get_member(o, "progress")));
	else
		json_builder_add_null_value(b);
	for (guint i = 0; i < G_N_ELEMENTS(members); i++) {
		json_builder_set_member_name(b, members[i]);
		if (json_object_has_member(o, members[i]))
			json_builder_add_value(
			    b, json_node_copy(json_object_get_member(o, members[i])));
		else
			json_builder_add_int_value(b, 0);
	}
	json_builder_set_member_name(b, "time");
	json_builder_add_string_value(b, now);
	json_builder_end_object(b);
	payload = json_builder_get_root(b);
	/* a camera's figures are in its status */
	sdag_feed_emit(self,
		       fj,
		       SDAG_PUB_PROGRESS,
		       "progress",
		       topic,
		       payload,
		       fj->camera != NULL ? SDAG_FEED_TO_WS : SDAG_FEED_TO_ALL,
		       FALSE);
}

static gboolean
sdag_feed_tick_cb(gpointer user_data)
{
	SdagFeed *self = user_data;
	GHashTableIter iter;
	SdagFeedJob *fj;
	gint64 now = g_get_monotonic_time();
	gboolean any = FALSE;

	g_hash_table_iter_init(&iter, self->fjobs);
	while (g_hash_table_iter_next(&iter, NULL, (gpointer *)&fj)) {
		if (!fj->running)
			continue;
		any = TRUE;
		if (fj->camera != NULL)
			sdag_feed_camera_tick(self, fj, now);
		if (now - fj->last_progress_us < (gint64)fj->opts.progress_interval_ms * 1000)
			continue;
		fj->last_progress_us = now;
		sdag_feed_send_progress(self, fj);
	}
	if (!any)
		self->tick_id = 0;
	return any ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

/* status */

static gint
sdag_feed_track_cmp(gconstpointer a, gconstpointer b)
{
	const SdagFeedTrack *ta = a;
	const SdagFeedTrack *tb = b;

	return ta->track_id < tb->track_id ? -1 : ta->track_id > tb->track_id;
}

/**
 * sdag_feed_publish_status:
 * @job: the job's public JSON
 *
 * Publishes a job's status now: what the job manager's listener does on every stored status
 * change, and what a live source's state change calls to say so at once.
 */
static void
sdag_feed_publish_status(SdagFeed *self, const char *job_id, JsonNode *job)
{
	JsonObject *o = json_node_get_object(job);
	const char *status = json_object_get_string_member_with_default(o, "status", "");
	SdagJobStatus st = SDAG_JOB_QUEUED;
	g_autofree char *topic = g_strdup_printf("jobs/%s/status", job_id);
	gboolean terminal;
	gboolean ws_only;
	SdagFeedJob *fj;

	sdag_feed_flush(self);
	fj = sdag_feed_job_get(self, job_id, job);
	terminal = sdag_job_status_from_string(status, &st) && sdag_job_status_is_terminal(st);
	fj->running = st == SDAG_JOB_RUNNING;
	if (fj->running && self->tick_id == 0)
		self->tick_id = g_timeout_add(SDAG_FEED_TICK_MS, sdag_feed_tick_cb, self);
	if (terminal) {
		g_autoptr(GList) tracks = g_hash_table_get_values(fj->tracks);
		gint64 now = g_get_real_time();

		/* by track id, so that the order is the same every time */
		tracks = g_list_sort(tracks, sdag_feed_track_cmp);
		for (GList *l = tracks; l != NULL; l = l->next)
			sdag_feed_track_event(self, fj, l->data, "end", now, "job_end");
		g_hash_table_remove_all(fj->tracks);
	}
	/* a camera's job speaks on MQTT as the camera (its topics outlive the job); its own
	 * status is for the job's WebSocket clients */
	ws_only = fj->camera != NULL;
	sdag_feed_emit(self,
		       fj,
		       SDAG_PUB_STATUS,
		       "status",
		       topic,
		       job,
		       ws_only ? SDAG_FEED_TO_WS : SDAG_FEED_TO_ALL,
		       terminal);
	if (fj->camera != NULL)
		sdag_feed_camera_status(self, fj, job);
	if (terminal)
		g_hash_table_remove(self->fjobs, job_id);
}

static void
sdag_feed_status_cb(const char *job_id, JsonNode *job, gpointer user_data)
{
	sdag_feed_publish_status(user_data, job_id, job);
}

/* recovery */

typedef struct {
	char *job_id;
	JsonNode *after;
} SdagFeedOpen;

static void
sdag_feed_open_free(SdagFeedOpen *o)
{
	g_free(o->job_id);
	if (o->after != NULL)
		json_node_unref(o->after);
	g_free(o);
}

static gboolean
sdag_feed_open_cb(const guint8 *key,
		  gsize key_len,
		  const guint8 *value,
		  gsize value_len,
		  gpointer user_data)
{
	GPtrArray *out = user_data;
	const guint8 *nul = memchr(key + 1, 0, key_len - 1);
	g_autoptr(JsonNode) rec = sdag_json_parse((const char *)value, (gssize)value_len, NULL);
	SdagFeedOpen *o;

	if (nul == NULL || rec == NULL || !JSON_NODE_HOLDS_OBJECT(rec) ||
	    !json_object_has_member(json_node_get_object(rec), "after"))
		return TRUE;
	o = g_new0(SdagFeedOpen, 1);
	o->job_id = g_strndup((const char *)key + 1, nul - (key + 1));
	o->after = json_node_copy(json_object_get_member(json_node_get_object(rec), "after"));
	g_ptr_array_add(out, o);
	return TRUE;
}

/**
 * sdag_feed_recover:
 *
 * Closes, with end_reason "restart", every track a previous run left open, and publishes
 * the status again of each job concerned that is already terminal. Call once the sinks are
 * in place and before sdag_jobs_start().
 */
void
sdag_feed_recover(SdagFeed *self)
{
	g_autoptr(GPtrArray) open =
	    g_ptr_array_new_with_free_func((GDestroyNotify)sdag_feed_open_free);
	g_autoptr(GError) error = NULL;
	g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);
	const guint8 prefix = 't';
	gint64 now = g_get_real_time();

	if (!sdag_store_iter_prefix(
		self->store, SDAG_STORE_OUTBOX, &prefix, 1, sdag_feed_open_cb, open, &error)) {
		g_warning("cannot read the open tracks: %s", error->message);
		return;
	}
	for (guint i = 0; i < open->len; i++) {
		SdagFeedOpen *o = g_ptr_array_index(open, i);
		JsonObject *ao = json_node_get_object(o->after);
		SdagFeedJob *fj = sdag_feed_job_get(self, o->job_id, NULL);
		g_autoptr(JsonNode) after = json_node_copy(o->after);
		g_autoptr(GBytes) key =
		    sdag_feed_track_key(o->job_id, json_object_get_int_member(ao, "track_id"));
		JsonObject *end = json_node_get_object(after);

		json_object_set_double_member(end, "end_time", sdag_feed_epoch(now));
		json_object_set_boolean_member(end, "active", FALSE);
		json_object_set_string_member(end, "end_reason", "restart");
		guint64 seq = sdag_feed_next_seq(self, fj);

		sdag_store_delete(self->store,
				  SDAG_STORE_OUTBOX,
				  g_bytes_get_data(key, NULL),
				  g_bytes_get_size(key),
				  FALSE,
				  NULL);
		g_message("job %s: track %" G_GINT64_FORMAT " closed after a restart",
			  o->job_id,
			  json_object_get_int_member(ao, "track_id"));
		sdag_feed_send_event(self, fj, seq, "end", o->after, after);
		g_hash_table_add(seen, fj->id);
	}
	/* a job already terminal gets its status again, its last message; the others change
	 * status in sdag_jobs_start(), called next, and that change is published */
	{
		GHashTableIter iter;
		const char *job_id;
		g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func(g_free);

		g_hash_table_iter_init(&iter, seen);
		while (g_hash_table_iter_next(&iter, (gpointer *)&job_id, NULL))
			g_ptr_array_add(ids, g_strdup(job_id));
		for (guint i = 0; i < ids->len; i++) {
			const char *id = g_ptr_array_index(ids, i);
			g_autoptr(JsonNode) job = sdag_jobs_get(self->jobs, id, NULL);
			if (job == NULL) {
				g_hash_table_remove(self->fjobs, id);
				continue;
			}
			SdagJobStatus st;

			if (!sdag_job_status_from_string(
				json_object_get_string_member(json_node_get_object(job), "status"),
				&st) ||
			    !sdag_job_status_is_terminal(st))
				continue;
			json_object_remove_member(json_node_get_object(job), "pipeline");
			sdag_feed_publish_status(self, id, job);
		}
	}
}

/* life */

SdagFeed *
sdag_feed_new(SdagJobs *jobs, SdagStore *store, const SdagPubOpts *defaults)
{
	SdagFeed *self = g_new0(SdagFeed, 1);
	const SdagJobsListener listener = {
	    .status_changed = sdag_feed_status_cb,
	    .frame = sdag_feed_frame_cb,
	    /* a live job's connection state is part of its status message */
	    .source_changed = sdag_feed_status_cb,
	};

	self->jobs = jobs;
	self->store = store;
	self->defaults = *defaults;
	self->ctx = g_main_context_ref_thread_default();
	g_mutex_init(&self->lock);
	g_queue_init(&self->pending);
	self->fjobs = g_hash_table_new_full(
	    g_str_hash, g_str_equal, NULL, (GDestroyNotify)sdag_feed_job_free);
	self->cameras = g_hash_table_new_full(
	    g_str_hash, g_str_equal, g_free, (GDestroyNotify)sdag_feed_camera_free);
	self->sinks = g_array_new(FALSE, FALSE, sizeof(SdagFeedSink));
	sdag_jobs_add_listener(jobs, &listener, self);
	return self;
}

void
sdag_feed_add_sink(SdagFeed *self, SdagFeedFunc func, gpointer user_data)
{
	SdagFeedSink s = {func, user_data};

	g_array_append_val(self->sinks, s);
}

/* Removes the sink added with @func and @user_data (on the main loop, where sinks are called). */
void
sdag_feed_remove_sink(SdagFeed *self, SdagFeedFunc func, gpointer user_data)
{
	for (guint i = 0; i < self->sinks->len; i++) {
		SdagFeedSink *s = &g_array_index(self->sinks, SdagFeedSink, i);

		if (s->func == func && s->user_data == user_data) {
			g_array_remove_index(self->sinks, i);
			return;
		}
	}
}

/* After the job manager is gone: no frame or status comes any more. */
void
sdag_feed_free(SdagFeed *self)
{
	GQueue q;

	if (self == NULL)
		return;
	q = sdag_feed_steal_pending(self);
	g_queue_clear_full(&q, (GDestroyNotify)sdag_feed_frame_free);
	if (self->tick_id != 0)
		g_source_remove(self->tick_id);
	g_hash_table_unref(self->fjobs);
	g_hash_table_unref(self->cameras);
	g_array_unref(self->sinks);
	g_main_context_unref(self->ctx);
	g_mutex_clear(&self->lock);
	g_free(self);
}
