/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Quality against ground truth, on the synthetic scenes of sdag-scene.c:
 *   - motion -> filter -> tracker -> line_counter + zone, frames fed straight
 *     into the executor: MOTA, IDF1 and ID switches at IoU 0.5, line crossings
 *     counted exactly, zone entries and exits at the right frame (+-1);
 *   - the shipped motion_tracking_v1 pipeline as a real job of a spawned
 *     streamdagd over the scene encoded as H.264, scored from the job's frame
 *     rows as GET /jobs/{id}/frames returns them.
 */
#include "sdag-exec.h"
#include "sdag-json.h"
#include "sdag-node-util.h"
#include "sdag-scene.h"
#include "sdag-score.h"
#include "sdag-test-http.h"
#include "sdag-test-util.h"

#include <glib/gstdio.h>
#include <gst/gst.h>
#include <math.h>
#include <signal.h>
#include <string.h>

#define QW 640
#define QH 360
#define QFRAMES 240

/* the zone of the direct test: the right part of the picture, off its edges */
#define ZONE_X0 (0.55 * QW)
#define ZONE_X1 (0.9 * QW)
#define ZONE_Y0 (0.25 * QH)
#define ZONE_Y1 (0.9 * QH)

static SdagNodeTypes *types;

/* A row of the direct test: the scene's seed and the motion node's downscale */
typedef struct {
	guint32 seed;
	guint downscale;
} DirectCase;

static char *
quality_pipeline(guint downscale)
{
	return g_strdup_printf(
	    "{\"pipeline_id\":\"q\",\"nodes\":["
	    "{\"id\":\"motion\",\"type\":\"motion\",\"params\":{\"min_area\":200,"
	    "\"downscale\":%u}},"
	    "{\"id\":\"size\",\"type\":\"filter\",\"params\":{\"min_area\":200}},"
	    "{\"id\":\"track\",\"type\":\"tracker\"},"
	    "{\"id\":\"gate\",\"type\":\"line_counter\",\"params\":{\"name\":\"middle\","
	    "\"line\":[[%d,0],[%d,%d]],\"anchor\":\"center\"}},"
	    "{\"id\":\"dock\",\"type\":\"zone\",\"params\":{\"name\":\"dock\",\"anchor\":"
	    "\"center\","
	    "\"polygon\":[[%g,%g],[%g,%g],[%g,%g],[%g,%g]]}}],\"edges\":["
	    "{\"from\":\"source.frame\",\"to\":\"motion.frame\"},"
	    "{\"from\":\"motion.detections\",\"to\":\"size.detections\"},"
	    "{\"from\":\"size.detections\",\"to\":\"track.detections\"},"
	    "{\"from\":\"track.tracks\",\"to\":\"gate.tracks\"},"
	    "{\"from\":\"track.tracks\",\"to\":\"dock.tracks\"}],"
	    "\"outputs\":[\"track.tracks\",\"gate.events\",\"gate.counts\",\"dock.events\"]}",
	    downscale,
	    QW / 2,
	    QW / 2,
	    QH,
	    ZONE_X0,
	    ZONE_Y0,
	    ZONE_X1,
	    ZONE_Y0,
	    ZONE_X1,
	    ZONE_Y1,
	    ZONE_X0,
	    ZONE_Y1);
}

/* Pairs of truth objects whose boxes overlap in some frame: each is a crossing. */
static guint
count_crossings(JsonArray *truth)
{
	g_autoptr(GHashTable) pairs = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);

	for (guint f = 0; f < json_array_get_length(truth); f++) {
		JsonArray *objs = json_object_get_array_member(
		    json_array_get_object_element(truth, f), "objects");
		for (guint i = 0; i < json_array_get_length(objs); i++)
			for (guint j = i + 1; j < json_array_get_length(objs); j++) {
				JsonObject *a = json_array_get_object_element(objs, i);
				JsonObject *b = json_array_get_object_element(objs, j);
				JsonArray *ba = json_object_get_array_member(a, "box");
				JsonArray *bb = json_object_get_array_member(b, "box");
				double v[8];

				for (guint k = 0; k < 4; k++) {
					v[k] = json_array_get_double_element(ba, k);
					v[4 + k] = json_array_get_double_element(bb, k);
				}
				if (sdag_box_iou4(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7]) >
				    0)
					g_hash_table_add(
					    pairs,
					    g_strdup_printf("%" G_GINT64_FORMAT
							    "-%" G_GINT64_FORMAT,
							    json_object_get_int_member(a, "id"),
							    json_object_get_int_member(b, "id")));
			}
	}
	return g_hash_table_size(pairs);
}

typedef struct {
	gint64 obj; /* truth id, or track id for produced events */
	guint frame;
	gboolean enter;
} ZoneEv;

static gboolean
in_zone(double cx, double cy)
{
	SdagPoint p = {cx, cy};
	g_autoptr(GArray) poly = g_array_new(FALSE, FALSE, sizeof(SdagPoint));
	SdagPoint pts[] = {
	    {ZONE_X0, ZONE_Y0}, {ZONE_X1, ZONE_Y0}, {ZONE_X1, ZONE_Y1}, {ZONE_X0, ZONE_Y1}};

	g_array_append_vals(poly, pts, 4);
	return sdag_polygon_contains(poly, p);
}

/* Mean distance in pixels between the edges of each truth box and those of the motion
 * node's box that overlaps it best (IoU >= 0.5), over every frame; @matched gets the pairs. */
static double
edge_error(JsonArray *truth_rows, JsonArray *rows, guint *matched)
{
	double sum = 0;

	*matched = 0;
	for (guint f = 0; f < json_array_get_length(truth_rows); f++) {
		JsonArray *objs = json_object_get_array_member(
		    json_array_get_object_element(truth_rows, f), "objects");
		JsonArray *dets = json_object_get_array_member(
		    json_array_get_object_element(rows, f), "detections");

		for (guint i = 0; i < json_array_get_length(objs); i++) {
			JsonArray *t = json_object_get_array_member(
			    json_array_get_object_element(objs, i), "box");
			double tb[4], best = 0.5, err = 0;
			gboolean found = FALSE;

			for (guint c = 0; c < 4; c++)
				tb[c] = json_array_get_double_element(t, c);
			for (guint k = 0; k < json_array_get_length(dets); k++) {
				JsonObject *d = json_array_get_object_element(dets, k);
				JsonArray *b = json_object_get_array_member(d, "box");
				double db[4], iou;

				if (g_strcmp0(
					json_object_get_string_member_with_default(d, "label", ""),
					"motion") != 0)
					continue;
				for (guint c = 0; c < 4; c++)
					db[c] = json_array_get_double_element(b, c);
				iou = sdag_box_iou4(
				    tb[0], tb[1], tb[2], tb[3], db[0], db[1], db[2], db[3]);
				if (iou < best)
					continue;
				best = iou;
				found = TRUE;
				/* boxes are x, y, w, h: the four edges are x, y, x + w, y + h */
				err = (fabs(tb[0] - db[0]) + fabs(tb[1] - db[1]) +
				       fabs(tb[0] + tb[2] - db[0] - db[2]) +
				       fabs(tb[1] + tb[3] - db[1] - db[3])) /
				      4;
			}
			if (found) {
				sum += err;
				(*matched)++;
			}
		}
	}
	return *matched > 0 ? sum / *matched : INFINITY;
}

static void
quality_direct(gconstpointer data)
{
	const DirectCase *tc = data;
	guint32 seed = tc->seed;
	g_autoptr(SdagScene) scene = sdag_scene_new_standard(QW, QH, QFRAMES, seed);
	g_autofree char *def = quality_pipeline(tc->downscale);
	g_autoptr(SdagExec) exec = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree guint8 *buf = g_malloc((gsize)QW * QH * 3 / 2);
	g_autoptr(JsonNode) truth = sdag_scene_truth_to_json(scene);
	JsonArray *truth_rows = json_object_get_array_member(json_node_get_object(truth), "truth");
	g_autoptr(JsonArray) rows = json_array_new();
	g_autoptr(JsonNode) rows_node = json_node_init_array(json_node_alloc(), rows);
	g_autoptr(SdagScoreSeq) gt = NULL;
	g_autoptr(SdagScoreSeq) hyp = NULL;
	g_autoptr(GArray) produced = g_array_new(FALSE, FALSE, sizeof(ZoneEv));
	g_autoptr(GArray) expected = g_array_new(FALSE, FALSE, sizeof(ZoneEv));
	/* truth id -> (track id -> frames matched) for the zone check */
	g_autoptr(GHashTable) last_side = g_hash_table_new(g_direct_hash, g_direct_equal);
	g_autoptr(GHashTable) was_in = g_hash_table_new(g_direct_hash, g_direct_equal);
	gint64 want_in = 0, want_out = 0, got_in = -1, got_out = -1;
	guint crossings;
	SdagScore s;
	g_autofree char *text = NULL;
	double edge;
	guint matched;

	exec = sdag_exec_new(sdag_test_compile(types, def), &error);
	g_assert_no_error(error);
	for (guint f = 0; f < QFRAMES; f++) {
		SdagFrame frame = {.width = QW,
				   .height = QH,
				   .format = SDAG_FRAME_FORMAT_I420,
				   .frame_id = f,
				   .pts_ns = -1};
		const SdagFrameResult *r;

		sdag_scene_render_i420(scene, f, buf);
		frame.planes[0] = buf;
		frame.strides[0] = QW;
		frame.planes[1] = buf + QW * QH;
		frame.strides[1] = QW / 2;
		frame.planes[2] = buf + QW * QH * 5 / 4;
		frame.strides[2] = QW / 2;
		r = sdag_exec_run(exec, &frame, &error);
		g_assert_no_error(error);
		json_array_add_element(rows, sdag_frame_result_to_json(r));
		for (guint i = 0; i < r->events->len; i++) {
			const SdagEvent *e = &g_array_index(r->events, SdagEvent, i);
			ZoneEv z = {e->track_id, f, strcmp(e->kind, "enter") == 0};
			if (strcmp(e->name, "dock") == 0)
				g_array_append_val(produced, z);
		}
		for (guint i = 0; i < r->counts->len; i++) {
			const SdagCount *c = &g_array_index(r->counts, SdagCount, i);
			if (strcmp(c->name, "line/middle/in") == 0)
				got_in = c->value;
			if (strcmp(c->name, "line/middle/out") == 0)
				got_out = c->value;
		}
	}

	/* tracking */
	gt = sdag_score_seq_from_truth_json(truth, &error);
	g_assert_no_error(error);
	hyp = sdag_score_seq_from_frames_json(rows_node, "motion", &error);
	g_assert_no_error(error);
	sdag_score_compute(gt, hyp, 0.5, &s);
	text = sdag_score_to_string(&s);
	g_test_message("seed %u: %s", seed, text);
	crossings = count_crossings(truth_rows);
	g_assert_cmpuint(crossings, >=, 3);
	g_assert_cmpfloat(s.mota, >=, 0.85);
	g_assert_cmpfloat(s.idf1, >=, 0.85);
	g_assert_cmpuint(s.id_switches, <=, crossings);
	edge = edge_error(truth_rows, rows, &matched);
	g_test_message("seed %u downscale %u: mean edge error %.2f px over %u boxes",
		       seed,
		       tc->downscale,
		       edge,
		       matched);
	/* the model works on d x d blocks and maps its boxes back to full-frame pixels, so
	 * each edge lands on a d-pixel grid: a quarter of d off on average, plus a quarter
	 * pixel for the scene's anti-aliased borders */
	g_assert_cmpuint(matched, >=, s.tp);
	g_assert_cmpfloat(edge, <=, tc->downscale / 4.0 + 0.25);

	/* the truth's crossings of the line x = QW / 2 and its zone events, by
	 * box centre; the line goes downwards, so its right on screen is x <
	 * QW / 2 and moving left to right is "out" */
	for (guint f = 0; f < QFRAMES; f++) {
		JsonArray *objs = json_object_get_array_member(
		    json_array_get_object_element(truth_rows, f), "objects");
		g_autoptr(GHashTable) present = g_hash_table_new(g_direct_hash, g_direct_equal);

		for (guint i = 0; i < json_array_get_length(objs); i++) {
			JsonObject *o = json_array_get_object_element(objs, i);
			JsonArray *b = json_object_get_array_member(o, "box");
			gpointer id = GINT_TO_POINTER(json_object_get_int_member(o, "id"));
			double cx = json_array_get_double_element(b, 0) +
				    json_array_get_double_element(b, 2) / 2;
			double cy = json_array_get_double_element(b, 1) +
				    json_array_get_double_element(b, 3) / 2;
			gint side = cx < QW / 2.0 ? -1 : 1;
			gint prev = GPOINTER_TO_INT(g_hash_table_lookup(last_side, id));
			gboolean in = in_zone(cx, cy);

			g_hash_table_add(present, id);
			if (prev != 0 && prev != side) {
				if (side > 0)
					want_out++;
				else
					want_in++;
			}
			g_hash_table_insert(last_side, id, GINT_TO_POINTER(side));
			if (in != g_hash_table_contains(was_in, id)) {
				ZoneEv z = {GPOINTER_TO_INT(id), f, in};
				g_array_append_val(expected, z);
				if (in)
					g_hash_table_add(was_in, id);
				else
					g_hash_table_remove(was_in, id);
			}
		}
	}
	g_test_message("seed %u: line in %" G_GINT64_FORMAT " out %" G_GINT64_FORMAT
		       ", zone events %u",
		       seed,
		       want_in,
		       want_out,
		       expected->len);
	g_assert_cmpint(want_in + want_out, >=, 3);
	g_assert_cmpint(got_in, ==, want_in);
	g_assert_cmpint(got_out, ==, want_out);

	/* zone: as many events, each at its truth frame +-1, from the track that
	 * follows that object (the one matched to it in the frame of the event) */
	g_assert_cmpuint(expected->len, >=, 4);
	g_assert_cmpuint(produced->len, ==, expected->len);
	for (guint i = 0; i < expected->len; i++) {
		const ZoneEv *want = &g_array_index(expected, ZoneEv, i);
		gboolean found = FALSE;

		for (guint j = 0; j < produced->len && !found; j++) {
			const ZoneEv *got = &g_array_index(produced, ZoneEv, j);
			JsonArray *dets;
			JsonArray *objs;
			double gb[4] = {0};

			if (got->enter != want->enter || got->frame + 1 < want->frame ||
			    got->frame > want->frame + 1)
				continue;
			/* the track's box in that frame overlaps the object's */
			dets = json_object_get_array_member(
			    json_array_get_object_element(rows, got->frame), "detections");
			objs = json_object_get_array_member(
			    json_array_get_object_element(truth_rows, got->frame), "objects");
			for (guint k = 0; k < json_array_get_length(objs); k++) {
				JsonObject *o = json_array_get_object_element(objs, k);
				if (json_object_get_int_member(o, "id") != want->obj)
					continue;
				for (guint c = 0; c < 4; c++)
					gb[c] = json_array_get_double_element(
					    json_object_get_array_member(o, "box"), c);
			}
			for (guint k = 0; k < json_array_get_length(dets); k++) {
				JsonObject *d = json_array_get_object_element(dets, k);
				JsonArray *b = json_object_get_array_member(d, "box");
				if (json_object_get_int_member_with_default(d, "track_id", -1) !=
				    got->obj)
					continue;
				found = sdag_box_iou4(gb[0],
						      gb[1],
						      gb[2],
						      gb[3],
						      json_array_get_double_element(b, 0),
						      json_array_get_double_element(b, 1),
						      json_array_get_double_element(b, 2),
						      json_array_get_double_element(b, 3)) >= 0.5;
			}
		}
		if (!found)
			g_error("seed %u: no %s of object %" G_GINT64_FORMAT " at frame %u +-1",
				seed,
				want->enter ? "enter" : "exit",
				want->obj,
				want->frame);
	}
}

/* the shipped default downscale (4) on three scenes, then full and half resolution; at 8
 * the boxes' centres move enough that a zone event comes two frames late on seed 1 */
static const DirectCase direct_cases[] = {{1, 4}, {2, 4}, {3, 4}, {1, 1}, {2, 1}, {1, 2}, {3, 2}};

/* ---- through the daemon ---- */

/* Registers the shipped pipeline @name and runs a job of it over @url to completion.
 * Returns: (transfer full): the job's frame rows; @job_out gets the finished job */
static JsonNode *
run_shipped(SdagTestDaemon *d,
	    SoupSession *session,
	    const char *name,
	    const char *url,
	    const char *options,
	    JsonNode **job_out)
{
	g_autofree char *file = g_strdup_printf("%s.json", name);
	g_autofree char *pipeline_path =
	    g_build_filename(g_getenv("SDAG_TEST_SOURCE_ROOT"), "data", "pipelines", file, NULL);
	g_autofree char *pipeline = NULL;
	g_autofree char *body = NULL;
	g_autofree char *job_path = NULL;
	gint64 limit_s = g_getenv("SDAG_TEST_SLOW") != NULL ? 1200 : 180;
	gint64 deadline = g_get_monotonic_time() + limit_s * G_USEC_PER_SEC;

	g_assert_true(g_file_get_contents(pipeline_path, &pipeline, NULL, NULL));
	{
		g_autoptr(SdagTestReply) r = sdag_test_http(
		    session, d->base, "POST", "/pipelines", "application/json", pipeline, -1);
		g_assert_cmpuint(r->status, ==, 201);
	}
	body = g_strdup_printf(
	    "{\"pipeline_id\":\"%s\",\"video_url\":\"%s\",\"options\":%s}", name, url, options);
	{
		g_autoptr(SdagTestReply) r =
		    sdag_test_http(session, d->base, "POST", "/jobs", "application/json", body, -1);
		g_assert_cmpuint(r->status, ==, 202);
		job_path = g_strdup_printf(
		    "/jobs/%s", json_object_get_string_member(sdag_test_reply_object(r), "job_id"));
	}
	for (;;) {
		g_autoptr(SdagTestReply) r =
		    sdag_test_http(session, d->base, "GET", job_path, NULL, NULL, -1);
		const char *status =
		    json_object_get_string_member(sdag_test_reply_object(r), "status");

		g_assert_cmpuint(r->status, ==, 200);
		if (g_strcmp0(status, "completed") == 0) {
			*job_out = json_node_ref(r->json);
			break;
		}
		g_assert_cmpstr(status, !=, "failed");
		g_assert_cmpint(g_get_monotonic_time(), <, deadline);
		g_usleep(50000);
	}
	{
		g_autoptr(JsonArray) frames =
		    sdag_test_job_frames(session, d->base, job_path + strlen("/jobs/"), 100);
		return json_node_init_array(json_node_alloc(), frames);
	}
}

static void
quality_job(void)
{
	g_autofree char *dir = sdag_test_mkdtemp();
	g_autofree char *media = g_build_filename(dir, "media", NULL);
	g_autofree char *data = g_build_filename(dir, "data", NULL);
	g_autofree char *clip = g_build_filename(media, "scene.mp4", NULL);
	g_autofree char *clip_url = NULL;
	g_autofree char *text = NULL;
	g_autoptr(SdagScene) scene = sdag_scene_new_standard(QW, QH, QFRAMES, 1);
	g_autoptr(GError) error = NULL;
	g_autoptr(SoupSession) session = soup_session_new();
	g_autoptr(JsonNode) truth = sdag_scene_truth_to_json(scene);
	g_autoptr(JsonNode) rows = NULL;
	g_autoptr(JsonNode) job = NULL;
	g_autoptr(SdagScoreSeq) gt = NULL;
	g_autoptr(SdagScoreSeq) hyp = NULL;
	const char *const extra[] = {"--media-root", media, NULL};
	SdagTestDaemon *d;
	SdagScore s;

	g_assert_cmpint(g_mkdir(media, 0700), ==, 0);
	g_assert_true(sdag_scene_write_clip(scene, clip, &error));
	g_assert_no_error(error);
	clip_url = g_filename_to_uri(clip, NULL, NULL);

	d = sdag_test_daemon_start(data, g_getenv("SDAG_TEST_PLUGIN_DIR"), extra);
	rows = run_shipped(d, session, "motion_tracking_v1", clip_url, "{}", &job);
	sdag_test_daemon_stop(d, SIGTERM);
	g_assert_cmpint(
	    json_object_get_int_member(json_node_get_object(job), "frames_processed"), ==, QFRAMES);

	gt = sdag_score_seq_from_truth_json(truth, &error);
	g_assert_no_error(error);
	hyp = sdag_score_seq_from_frames_json(rows, "motion", &error);
	g_assert_no_error(error);
	sdag_score_compute(gt, hyp, 0.5, &s);
	text = sdag_score_to_string(&s);
	g_test_message("job over H.264: %s", text);
	g_assert_cmpfloat(s.mota, >=, 0.85);
	g_assert_cmpfloat(s.idf1, >=, 0.85);
	g_assert_cmpuint(
	    s.id_switches,
	    <=,
	    count_crossings(json_object_get_array_member(json_node_get_object(truth), "truth")));
	sdag_test_rmtree(dir);
}

#define PEOPLE_FRAMES 120

/* The shipped people pipeline on real footage: there is no ground truth for vtest.avi, so
 * this checks what must hold of any good result: person tracks that last, ids that keep
 * their label, a summary that agrees with the rows, and counts of the line's shape. */
static void
quality_people_vtest(void)
{
	g_autofree char *dir = sdag_test_mkdtemp();
	g_autofree char *data = g_build_filename(dir, "data", NULL);
	g_autofree char *media = g_path_get_dirname(g_getenv("SDAG_TEST_VTEST"));
	g_autofree char *url = g_filename_to_uri(g_getenv("SDAG_TEST_VTEST"), NULL, NULL);
	g_autofree char *options = g_strdup_printf("{\"max_frames\":%u}", PEOPLE_FRAMES);
	g_autoptr(SoupSession) session = soup_session_new();
	g_autoptr(JsonNode) rows = NULL;
	g_autoptr(JsonNode) job = NULL;
	/* track id -> rows it is in */
	g_autoptr(GHashTable) lengths =
	    g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
	const char *const extra[] = {"--media-root", media, NULL};
	JsonObject *summary;
	JsonArray *frames;
	SdagTestDaemon *d;
	guint lasting = 0;
	guint64 total = 0;

	d = sdag_test_daemon_start(data, g_getenv("SDAG_TEST_PLUGIN_DIR"), extra);
	rows = run_shipped(d, session, "player_tracking_v1", url, options, &job);
	sdag_test_daemon_stop(d, SIGTERM);

	frames = json_node_get_array(rows);
	g_assert_cmpuint(json_array_get_length(frames), ==, PEOPLE_FRAMES);
	for (guint i = 0; i < json_array_get_length(frames); i++) {
		JsonArray *dets = json_object_get_array_member(
		    json_array_get_object_element(frames, i), "detections");
		for (guint k = 0; k < json_array_get_length(dets); k++) {
			JsonObject *det = json_array_get_object_element(dets, k);
			gint64 id = json_object_get_int_member(det, "track_id");
			guint n = GPOINTER_TO_UINT(g_hash_table_lookup(lengths, &id));

			g_assert_cmpstr(json_object_get_string_member(det, "label"), ==, "person");
			g_assert_cmpint(id, >=, 0);
			g_hash_table_insert(
			    lengths, g_memdup2(&id, sizeof(id)), GUINT_TO_POINTER(n + 1));
			total++;
		}
	}
	{
		GHashTableIter iter;
		gpointer value;

		g_hash_table_iter_init(&iter, lengths);
		while (g_hash_table_iter_next(&iter, NULL, &value))
			if (GPOINTER_TO_UINT(value) >= 30)
				lasting++;
	}
	g_test_message("vtest.avi, %u frames: %u person tracks, %u of them over 30 frames, "
		       "%.1f frames long on average",
		       PEOPLE_FRAMES,
		       g_hash_table_size(lengths),
		       lasting,
		       g_hash_table_size(lengths) > 0 ? (double)total / g_hash_table_size(lengths)
						      : 0.0);
	/* several people walk through the first 12 s, most of them for seconds */
	g_assert_cmpuint(g_hash_table_size(lengths), >=, 3);
	g_assert_cmpuint(lasting, >=, 3);
	summary = json_object_get_object_member(json_node_get_object(job), "summary");
	g_assert_cmpint(
	    json_object_get_int_member(summary, "tracks"), ==, g_hash_table_size(lengths));
	g_assert_cmpint(json_object_get_int_member(summary, "total_detections"), ==, total);
	sdag_test_rmtree(dir);
}

int
main(int argc, char **argv)
{
	g_autoptr(GError) error = NULL;
	int rc;

	gst_init(&argc, &argv);
	g_test_init(&argc, &argv, NULL);
	types = sdag_node_types_new();
	g_assert_true(sdag_node_types_load_dir(types, g_getenv("SDAG_TEST_PLUGIN_DIR"), &error));
	g_assert_no_error(error);

	for (guint i = 0; i < G_N_ELEMENTS(direct_cases); i++) {
		const DirectCase *tc = &direct_cases[i];
		g_autofree char *path =
		    tc->downscale == 4
			? g_strdup_printf("/sdag/quality/direct/seed-%u", tc->seed)
			: g_strdup_printf(
			      "/sdag/quality/direct/downscale-%u/seed-%u", tc->downscale, tc->seed);
		g_test_add_data_func(path, tc, quality_direct);
	}
	g_test_add_func("/sdag/quality/job", quality_job);
	g_test_add_func("/sdag/quality/people-vtest", quality_people_vtest);
	rc = g_test_run();
	sdag_node_types_free(types);
	return rc;
}
