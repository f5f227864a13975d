/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * tracker: gives detections stable track ids across frames.
 *
 * Each track is a Kalman filter over its box: centre x and y with constant
 * velocity (state position and velocity, process noise a random
 * acceleration of `process_noise` px/frame^2), width and height as random
 * walks. Per frame:
 *   1. every track predicts its box one frame ahead;
 *   2. the cost of pairing track t with detection d is (1 - IoU) + the
 *      distance of their centres in units of t's box diagonal; a pair is
 *      allowed when IoU >= `iou_threshold` or that distance <=
 *      `max_center_distance`, and (with `match_labels`) the labels agree;
 *   3. the optimal assignment (Hungarian algorithm, sdag_assign_min_cost)
 *      pairs tracks and detections at the least total cost; forbidden
 *      pairs it made are undone;
 *   4. a paired track takes the detection as a measurement; a new track is
 *      born tentative from each unpaired detection and is confirmed, with
 *      the next track id and a `track_new` event, after `min_hits`
 *      consecutive pairings; a tentative track that misses once is
 *      dropped silently; a confirmed track that misses more than `max_age`
 *      frames in a row ends with a `track_lost` event.
 * The output `tracks` holds the confirmed tracks paired in this frame, and
 * those missed for at most `coast_frames` frames at their predicted box,
 * in track id order. Cost: O(T x D) for the costs plus O(n^2 m) for the
 * assignment, n = min(T, D), m = max(T, D).
 */
#include <gio/gio.h>
#include <math.h>
#include <string.h>

#include "sdag-node-util.h"

const SdagNodeDesc *sdag_node_describe(void);

#define TRACKER_FORBIDDEN 1e6
#define TRACKER_GROUP_COVERAGE 0.5

/* One coordinate with constant velocity: state (p, v), covariance (a b; b c). */
typedef struct {
	double p, v;
	double a, b, c;
} Kf2;

/* One coordinate as a random walk: state p, variance a. */
typedef struct {
	double p, a;
} Kf1;

typedef struct {
	gint64 id; /* -1 while tentative */
	char label[32];
	float score;
	guint hits;	    /* consecutive frames paired */
	guint misses;	    /* consecutive frames missed */
	guint64 age;	    /* frames since birth */
	gboolean occluded;  /* in this frame: inside a detection shared with another track */
	SdagDetection seen; /* the detection it took in this frame */
	Kf2 cx, cy;
	Kf1 w, h;
} Track;

typedef struct {
	double iou_threshold;
	double max_center_distance;
	guint min_hits;
	guint max_age;
	guint coast_frames;
	gboolean match_labels;
	double q;  /* acceleration variance */
	double qs; /* size random walk variance */
	double r;  /* measurement variance */

	GArray *tracks; /* Track */
	gint64 next_id;
} TrackerNode;

static void
tracker_finalize(gpointer instance)
{
	TrackerNode *self = instance;

	g_array_unref(self->tracks);
	g_free(self);
}

static gpointer
tracker_init(JsonObject *params, GError **error)
{
	TrackerNode *self = g_new0(TrackerNode, 1);
	double pn = json_object_get_double_member(params, "process_noise");
	double mn = json_object_get_double_member(params, "measurement_noise");

	self->iou_threshold = json_object_get_double_member(params, "iou_threshold");
	self->max_center_distance = json_object_get_double_member(params, "max_center_distance");
	self->min_hits = (guint)json_object_get_int_member(params, "min_hits");
	self->max_age = (guint)json_object_get_int_member(params, "max_age");
	self->coast_frames = (guint)json_object_get_int_member(params, "coast_frames");
	self->match_labels = json_object_get_boolean_member(params, "match_labels");
	self->q = pn * pn;
	self->qs = 4.0 * pn * pn;
	self->r = mn * mn;
	self->tracks = g_array_new(FALSE, FALSE, sizeof(Track));
	self->next_id = 1;
	return self;
}

static void
kf2_predict(Kf2 *k, double q)
{
	/* F = (1 1; 0 1), Q = q (1/4 1/2; 1/2 1) */
	k->p += k->v;
	k->a += 2 * k->b + k->c + q / 4;
	k->b += k->c + q / 2;
	k->c += q;
}

static void
kf2_update(Kf2 *k, double z, double r)
{
	double s = k->a + r;
	double g0 = k->a / s, g1 = k->b / s;
	double y = z - k->p;
	double a = k->a, b = k->b;

	k->p += g0 * y;
	k->v += g1 * y;
	k->a = (1 - g0) * a;
	k->b = (1 - g0) * b;
	k->c -= g1 * b;
}

static void
kf1_update(Kf1 *k, double z, double r)
{
	double g = k->a / (k->a + r);

	k->p += g * (z - k->p);
	k->a = (1 - g) * k->a;
}

static void
track_box(const Track *t, SdagDetection *d)
{
	double w = MAX(1.0, t->w.p), h = MAX(1.0, t->h.p);

	d->x = (float)(t->cx.p - w / 2);
	d->y = (float)(t->cy.p - h / 2);
	d->w = (float)w;
	d->h = (float)h;
}

static void
tracker_birth(TrackerNode *self, const SdagDetection *d)
{
	Track t = {.id = -1, .score = d->score, .hits = 1};
	const double vel0 = 100.0; /* (10 px/frame)^2: the speed is unknown */

	g_strlcpy(t.label, d->label, sizeof(t.label));
	t.cx = (Kf2){d->x + d->w / 2.0, 0, self->r, 0, vel0};
	t.cy = (Kf2){d->y + d->h / 2.0, 0, self->r, 0, vel0};
	t.w = (Kf1){d->w, self->r};
	t.h = (Kf1){d->h, self->r};
	g_array_append_val(self->tracks, t);
}

static gint
tracker_cmp_id_cb(gconstpointer a, gconstpointer b)
{
	gint64 x = ((const SdagDetection *)a)->track_id, y = ((const SdagDetection *)b)->track_id;
	return x < y ? -1 : x > y;
}

static double
tracker_pair_cost(TrackerNode *self,
		  const Track *t,
		  const SdagDetection *pred,
		  const SdagDetection *d)
{
	double iou, dx, dy, diag, dist;

	if (self->match_labels && strcmp(t->label, d->label) != 0)
		return TRACKER_FORBIDDEN;
	iou = sdag_box_iou(pred, d);
	dx = (pred->x + pred->w / 2.0) - (d->x + d->w / 2.0);
	dy = (pred->y + pred->h / 2.0) - (d->y + d->h / 2.0);
	diag = MAX(1.0, sqrt((double)pred->w * pred->w + (double)pred->h * pred->h));
	dist = sqrt(dx * dx + dy * dy) / diag;
	if (iou < self->iou_threshold && dist > self->max_center_distance)
		return TRACKER_FORBIDDEN;
	return (1.0 - iou) + dist;
}

/* Share of @a's area inside @b. */
static double
tracker_coverage(const SdagDetection *a, const SdagDetection *b)
{
	double ix = MIN(a->x + a->w, b->x + b->w) - MAX(a->x, b->x);
	double iy = MIN(a->y + a->h, b->y + b->h) - MAX(a->y, b->y);

	if (ix <= 0 || iy <= 0 || a->w <= 0 || a->h <= 0)
		return 0.0;
	return ix * iy / ((double)a->w * a->h);
}

/* Whether @d holds enough of confirmed track @t's predicted box to count it in a group */
static gboolean
tracker_group_covers(TrackerNode *self, const Track *t, const SdagDetection *d)
{
	SdagDetection pred;

	if (t->id < 0 || (self->match_labels && strcmp(t->label, d->label) != 0))
		return FALSE;
	track_box(t, &pred);
	return tracker_coverage(&pred, d) >= TRACKER_GROUP_COVERAGE;
}

/*
 * Occlusion: objects that overlap in the picture give one detection for
 * all of them. A detection that holds at least TRACKER_GROUP_COVERAGE of
 * the predicted boxes of two or more confirmed tracks is such a group: it
 * is paired with none of them, and they go on at their predictions,
 * reported and not counted as missed, until they come apart. Pairing the
 * group to one of them would drag that track's box and velocity to the
 * group's and lose who is who when they separate.
 */
static void
tracker_find_groups(TrackerNode *self, GArray *dets, gboolean *det_used)
{
	guint nt = self->tracks->len;

	for (guint i = 0; i < nt; i++)
		g_array_index(self->tracks, Track, i).occluded = FALSE;
	for (guint j = 0; dets != NULL && j < dets->len; j++) {
		const SdagDetection *d = &g_array_index(dets, SdagDetection, j);
		guint inside = 0;

		for (guint i = 0; i < nt; i++)
			if (tracker_group_covers(self, &g_array_index(self->tracks, Track, i), d))
				inside++;
		if (inside < 2)
			continue;
		det_used[j] = TRUE;
		for (guint i = 0; i < nt; i++) {
			Track *t = &g_array_index(self->tracks, Track, i);
			if (tracker_group_covers(self, t, d))
				t->occluded = TRUE;
		}
	}
}

static gboolean
tracker_process(gpointer instance, const SdagPacket *inputs, SdagPacket *outputs, GError **error)
{
	TrackerNode *self = instance;
	GArray *dets = inputs[0].items;
	guint nd = dets != NULL ? dets->len : 0;
	guint nt = self->tracks->len;
	g_autofree double *cost = g_new(double, (gsize)MAX(1u, nt) * MAX(1u, nd));
	g_autofree gint *t2d = g_new(gint, MAX(1u, nt));
	g_autofree gboolean *det_used = g_new0(gboolean, MAX(1u, nd));
	GArray *out = outputs[0].items;
	GArray *events = outputs[1].items;

	for (guint i = 0; i < nt; i++) {
		Track *t = &g_array_index(self->tracks, Track, i);
		SdagDetection pred;

		kf2_predict(&t->cx, self->q);
		kf2_predict(&t->cy, self->q);
		t->w.a += self->qs;
		t->h.a += self->qs;
		t->age++;
		track_box(t, &pred);
		for (guint j = 0; j < nd; j++)
			cost[(gsize)i * nd + j] = tracker_pair_cost(
			    self, t, &pred, &g_array_index(dets, SdagDetection, j));
	}
	tracker_find_groups(self, dets, det_used);
	for (guint i = 0; i < nt; i++) {
		const Track *t = &g_array_index(self->tracks, Track, i);
		for (guint j = 0; j < nd; j++)
			if (t->occluded || det_used[j])
				cost[(gsize)i * nd + j] = TRACKER_FORBIDDEN;
	}
	sdag_assign_min_cost(cost, nt, nd, t2d);

	for (guint i = 0; i < nt; i++) {
		Track *t = &g_array_index(self->tracks, Track, i);
		const SdagDetection *d;

		if (t->occluded)
			continue;
		if (t2d[i] < 0 || cost[(gsize)i * nd + (guint)t2d[i]] >= TRACKER_FORBIDDEN) {
			t2d[i] = -1;
			t->hits = 0;
			t->misses++;
			continue;
		}
		d = &g_array_index(dets, SdagDetection, t2d[i]);
		det_used[t2d[i]] = TRUE;
		t->seen = *d;
		kf2_update(&t->cx, d->x + d->w / 2.0, self->r);
		kf2_update(&t->cy, d->y + d->h / 2.0, self->r);
		kf1_update(&t->w, d->w, self->r);
		kf1_update(&t->h, d->h, self->r);
		t->score = d->score;
		t->hits++;
		t->misses = 0;
		if (t->id < 0 && t->hits >= self->min_hits) {
			t->id = self->next_id++;
			sdag_event_append(events, "track_new", NULL, t->label, t->id);
		}
	}

	/* ends, in table order; the table keeps birth order */
	for (guint i = self->tracks->len; i-- > 0;) {
		Track *t = &g_array_index(self->tracks, Track, i);

		if (t->misses == 0 || t->occluded)
			continue;
		if (t->id < 0) {
			g_array_remove_index(self->tracks, i);
		} else if (t->misses > self->max_age) {
			sdag_event_append(events, "track_lost", NULL, t->label, t->id);
			g_array_remove_index(self->tracks, i);
		}
	}
	for (guint j = 0; j < nd; j++) {
		if (det_used[j])
			continue;
		tracker_birth(self, &g_array_index(dets, SdagDetection, j));
		if (self->min_hits <= 1) {
			Track *t = &g_array_index(self->tracks, Track, self->tracks->len - 1);
			t->id = self->next_id++;
			sdag_event_append(events, "track_new", NULL, t->label, t->id);
		}
	}

	for (guint i = 0; i < self->tracks->len; i++) {
		const Track *t = &g_array_index(self->tracks, Track, i);
		SdagDetection d = {.score = t->score, .track_id = t->id};

		if (t->id < 0 || t->misses > self->coast_frames)
			continue;
		g_strlcpy(d.label, t->label, sizeof(d.label));
		if (t->misses == 0 && !t->occluded) {
			/* the measurement itself: the filter's box lags where
			 * an object changes size (entering, leaving the picture) */
			d.x = t->seen.x;
			d.y = t->seen.y;
			d.w = t->seen.w;
			d.h = t->seen.h;
		} else {
			track_box(t, &d);
		}
		g_array_append_val(out, d);
	}
	g_array_sort(out, tracker_cmp_id_cb);
	return TRUE;
}

/*
 * State "tracks", JSON:
 *   {"next_id": N, "tracks": [{"id": ID or -1, "label": L, "score": S,
 *     "hits": H, "misses": M, "age": A,
 *     "kf": [cx, vx, cx_a, cx_b, cx_c, cy, vy, cy_a, cy_b, cy_c, w, w_a, h, h_a]}]}
 * Tracks in table order (birth order).
 */
static GBytes *
tracker_save_state(gpointer instance, const char *key)
{
	TrackerNode *self = instance;
	g_autoptr(JsonBuilder) b = json_builder_new();

	json_builder_begin_object(b);
	json_builder_set_member_name(b, "next_id");
	json_builder_add_int_value(b, self->next_id);
	json_builder_set_member_name(b, "tracks");
	json_builder_begin_array(b);
	for (guint i = 0; i < self->tracks->len; i++) {
		const Track *t = &g_array_index(self->tracks, Track, i);
		const double kf[] = {t->cx.p,
				     t->cx.v,
				     t->cx.a,
				     t->cx.b,
				     t->cx.c,
				     t->cy.p,
				     t->cy.v,
				     t->cy.a,
				     t->cy.b,
				     t->cy.c,
				     t->w.p,
				     t->w.a,
				     t->h.p,
				     t->h.a};

		json_builder_begin_object(b);
		json_builder_set_member_name(b, "id");
		json_builder_add_int_value(b, t->id);
		json_builder_set_member_name(b, "label");
		json_builder_add_string_value(b, t->label);
		json_builder_set_member_name(b, "score");
		json_builder_add_double_value(b, t->score);
		json_builder_set_member_name(b, "hits");
		json_builder_add_int_value(b, t->hits);
		json_builder_set_member_name(b, "misses");
		json_builder_add_int_value(b, t->misses);
		json_builder_set_member_name(b, "age");
		json_builder_add_int_value(b, (gint64)t->age);
		json_builder_set_member_name(b, "kf");
		json_builder_begin_array(b);
		for (guint k = 0; k < G_N_ELEMENTS(kf); k++)
			json_builder_add_double_value(b, kf[k]);
		json_builder_end_array(b);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
	json_builder_end_object(b);
	return sdag_json_builder_to_bytes(b);
}

static gboolean
tracker_bad_state(GError **error, const char *what)
{
	g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "tracks: %s", what);
	return FALSE;
}

static gboolean
tracker_load_state(gpointer instance, const char *key, GBytes *data, GError **error)
{
	TrackerNode *self = instance;
	g_autoptr(JsonParser) parser = json_parser_new();
	g_autoptr(GArray) tracks = g_array_new(FALSE, FALSE, sizeof(Track));
	JsonObject *root = sdag_json_object_from_bytes(parser, data);
	JsonArray *arr;
	gint64 next_id;

	if (root == NULL)
		return tracker_bad_state(error, "not a JSON object");
	if (!sdag_json_int_member(root, "next_id", 1, &next_id))
		return tracker_bad_state(error, "next_id must be an integer >= 1");
	if (!json_object_has_member(root, "tracks") ||
	    !JSON_NODE_HOLDS_ARRAY(json_object_get_member(root, "tracks")))
		return tracker_bad_state(error, "tracks must be an array");
	arr = json_object_get_array_member(root, "tracks");
	for (guint i = 0; i < json_array_get_length(arr); i++) {
		JsonNode *el = json_array_get_element(arr, i);
		JsonObject *o = JSON_NODE_HOLDS_OBJECT(el) ? json_node_get_object(el) : NULL;
		JsonArray *kf;
		double v[14];
		Track t = {0};

		if (o == NULL || !sdag_json_int_member(o, "id", -1, NULL) ||
		    !sdag_json_int_member(o, "hits", 0, NULL) ||
		    !sdag_json_int_member(o, "misses", 0, NULL) ||
		    !sdag_json_int_member(o, "age", 0, NULL) ||
		    !json_object_has_member(o, "label") || !json_object_has_member(o, "kf") ||
		    !JSON_NODE_HOLDS_ARRAY(json_object_get_member(o, "kf")) ||
		    json_node_get_value_type(json_object_get_member(o, "label")) != G_TYPE_STRING)
			return tracker_bad_state(error, "a track is malformed");
		t.id = json_object_get_int_member(o, "id");
		if (t.id >= next_id)
			return tracker_bad_state(error, "a track id is not below next_id");
		kf = json_object_get_array_member(o, "kf");
		if (json_array_get_length(kf) != G_N_ELEMENTS(v))
			return tracker_bad_state(error, "a track's kf must have 14 numbers");
		for (guint k = 0; k < G_N_ELEMENTS(v); k++) {
			JsonNode *n = json_array_get_element(kf, k);
			if (!JSON_NODE_HOLDS_VALUE(n) ||
			    (json_node_get_value_type(n) != G_TYPE_DOUBLE &&
			     json_node_get_value_type(n) != G_TYPE_INT64))
				return tracker_bad_state(error,
							 "a track's kf must have 14 numbers");
			v[k] = json_node_get_double(n);
		}
		g_strlcpy(t.label, json_object_get_string_member(o, "label"), sizeof(t.label));
		t.score = json_object_has_member(o, "score")
			      ? (float)json_object_get_double_member(o, "score")
			      : 0.0f;
		t.hits = (guint)json_object_get_int_member(o, "hits");
		t.misses = (guint)json_object_get_int_member(o, "misses");
		t.age = (guint64)json_object_get_int_member(o, "age");
		t.cx = (Kf2){v[0], v[1], v[2], v[3], v[4]};
		t.cy = (Kf2){v[5], v[6], v[7], v[8], v[9]};
		t.w = (Kf1){v[10], v[11]};
		t.h = (Kf1){v[12], v[13]};
		g_array_append_val(tracks, t);
	}
	g_array_set_size(self->tracks, 0);
	g_array_append_vals(self->tracks, tracks->data, tracks->len);
	self->next_id = next_id;
	return TRUE;
}

static const SdagPortSpec tracker_inputs[] = {
    {"detections", SDAG_PORT_DETECTIONS, FALSE, "detections of this frame"},
};

static const SdagPortSpec tracker_outputs[] = {
    {"tracks", SDAG_PORT_TRACKS, FALSE, "confirmed tracks of this frame, with track_id"},
    {"events", SDAG_PORT_EVENTS, FALSE, "track_new and track_lost"},
};

static const SdagParamSpec tracker_params[] = {
    {"iou_threshold",
     SDAG_PARAM_DOUBLE,
     "0.2",
     TRUE,
     0.0,
     1.0,
     "a detection may continue a track when their boxes overlap at least this much (IoU)"},
    {"max_center_distance",
     SDAG_PARAM_DOUBLE,
     "0.5",
     TRUE,
     0.0,
     10.0,
     "... or when their centres are at most this far apart, in track box diagonals"},
    {"min_hits",
     SDAG_PARAM_INT,
     "3",
     TRUE,
     1,
     1000,
     "consecutive frames a new track must be seen before it is reported"},
    {"max_age",
     SDAG_PARAM_INT,
     "15",
     TRUE,
     0,
     100000,
     "frames a track may go unseen before it ends"},
    {"coast_frames",
     SDAG_PARAM_INT,
     "0",
     TRUE,
     0,
     100000,
     "report a track missed for up to this many frames at its predicted box"},
    {"match_labels",
     SDAG_PARAM_BOOL,
     "true",
     FALSE,
     0,
     0,
     "a detection continues only a track with the same label"},
    {"process_noise",
     SDAG_PARAM_DOUBLE,
     "0.5",
     TRUE,
     0.001,
     1000.0,
     "standard deviation of the change of speed, px/frame^2"},
    {"measurement_noise",
     SDAG_PARAM_DOUBLE,
     "4.0",
     TRUE,
     0.001,
     1000.0,
     "standard deviation of a detection's box coordinates, px"},
};

static const SdagStateKeySpec tracker_state[] = {
    {"tracks", "the track table (boxes, filters, counters) and the next track id"},
};

static const SdagNodeDesc tracker_desc = {
    .abi_version = SDAG_NODE_ABI_VERSION,
    .name = "tracker",
    .version = "1.0.0",
    .description = "Multi-object tracker: Kalman prediction, IoU and distance cost, "
		   "optimal assignment",
    .inputs = tracker_inputs,
    .n_inputs = G_N_ELEMENTS(tracker_inputs),
    .outputs = tracker_outputs,
    .n_outputs = G_N_ELEMENTS(tracker_outputs),
    .params = tracker_params,
    .n_params = G_N_ELEMENTS(tracker_params),
    .state_keys = tracker_state,
    .n_state_keys = G_N_ELEMENTS(tracker_state),
    .init = tracker_init,
    .process = tracker_process,
    .finalize = tracker_finalize,
    .save_state = tracker_save_state,
    .load_state = tracker_load_state,
};

G_MODULE_EXPORT const SdagNodeDesc *
sdag_node_describe(void)
{
	return &tracker_desc;
}
