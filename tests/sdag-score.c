/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * CLEAR MOT (Bernardin and Stiefelhagen 2008) and IDF1 (Ristani et al. 2016).
 *
 * Per frame: a truth object keeps the identity it was matched to last time
 * when that identity is present and still overlaps it at the IoU
 * threshold; the rest are paired by the optimal assignment on 1 - IoU among
 * pairs at the threshold. A truth object matched to an identity other than
 * its last one is an ID switch. Unmatched truth boxes are misses (fn),
 * unmatched results false positives (fp).
 * IDF1: truth objects and result identities are paired one to one, over the
 * whole sequence, so that the frames where a pair overlaps at the threshold
 * (idtp) are as many as possible; IDF1 = 2 idtp / (truth boxes + result
 * boxes). Cost: O(F x n^3) for F frames of at most n boxes, plus the
 * assignment over all identities once.
 */
#include "sdag-score.h"

#include "sdag-node-util.h"

#include <string.h>

#define SCORE_FORBIDDEN 1e6

typedef struct {
	gint64 id;
	double x, y, w, h;
} ScoreBox;

struct _SdagScoreSeq {
	GPtrArray *frames; /* GArray of ScoreBox, index = frame */
};

SdagScoreSeq *
sdag_score_seq_new(void)
{
	SdagScoreSeq *seq = g_new0(SdagScoreSeq, 1);
	seq->frames = g_ptr_array_new_with_free_func((GDestroyNotify)g_array_unref);
	return seq;
}

void
sdag_score_seq_free(SdagScoreSeq *seq)
{
	g_ptr_array_unref(seq->frames);
	g_free(seq);
}

void
sdag_score_seq_add(SdagScoreSeq *seq,
		   guint frame,
		   gint64 id,
		   double x,
		   double y,
		   double w,
		   double h)
{
	ScoreBox b = {id, x, y, w, h};

	while (seq->frames->len <= frame)
		g_ptr_array_add(seq->frames, g_array_new(FALSE, FALSE, sizeof(ScoreBox)));
	g_array_append_val(g_ptr_array_index(seq->frames, frame), b);
}

guint
sdag_score_seq_get_n_frames(const SdagScoreSeq *seq)
{
	return seq->frames->len;
}

static const GArray *
score_frame(const SdagScoreSeq *seq, guint frame)
{
	static const GArray empty = {NULL, 0};
	return frame < seq->frames->len ? g_ptr_array_index(seq->frames, frame) : &empty;
}

static gboolean
score_box(JsonNode *node, double v[4])
{
	JsonArray *a;

	if (node == NULL || !JSON_NODE_HOLDS_ARRAY(node))
		return FALSE;
	a = json_node_get_array(node);
	if (json_array_get_length(a) != 4)
		return FALSE;
	for (guint i = 0; i < 4; i++) {
		JsonNode *n = json_array_get_element(a, i);
		if (!JSON_NODE_HOLDS_VALUE(n))
			return FALSE;
		v[i] = json_node_get_double(n);
	}
	return TRUE;
}

static JsonArray *
score_array_member(JsonObject *o, const char *name)
{
	JsonNode *n = o != NULL ? json_object_get_member(o, name) : NULL;
	return n != NULL && JSON_NODE_HOLDS_ARRAY(n) ? json_node_get_array(n) : NULL;
}

static gboolean
score_frame_id(JsonObject *row, guint *frame)
{
	JsonNode *n = row != NULL ? json_object_get_member(row, "frame_id") : NULL;

	if (n == NULL || !JSON_NODE_HOLDS_VALUE(n) || json_node_get_int(n) < 0 ||
	    json_node_get_int(n) > G_MAXINT)
		return FALSE;
	*frame = (guint)json_node_get_int(n);
	return TRUE;
}

SdagScoreSeq *
sdag_score_seq_from_truth_json(JsonNode *node, GError **error)
{
	g_autoptr(SdagScoreSeq) seq = sdag_score_seq_new();
	JsonObject *root = JSON_NODE_HOLDS_OBJECT(node) ? json_node_get_object(node) : NULL;
	JsonArray *truth = score_array_member(root, "truth");

	if (truth == NULL) {
		g_set_error_literal(
		    error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "truth: no \"truth\" array");
		return NULL;
	}
	for (guint i = 0; i < json_array_get_length(truth); i++) {
		JsonNode *rn = json_array_get_element(truth, i);
		JsonObject *row = JSON_NODE_HOLDS_OBJECT(rn) ? json_node_get_object(rn) : NULL;
		JsonArray *objs = score_array_member(row, "objects");
		guint frame;

		if (objs == NULL || !score_frame_id(row, &frame)) {
			g_set_error(error,
				    G_IO_ERROR,
				    G_IO_ERROR_INVALID_DATA,
				    "truth: row %u is malformed",
				    i);
			return NULL;
		}
		sdag_score_seq_add(seq, frame, 0, 0, 0, 0, 0);
		g_array_set_size(g_ptr_array_index(seq->frames, frame), 0);
		for (guint j = 0; j < json_array_get_length(objs); j++) {
			JsonNode *on = json_array_get_element(objs, j);
			JsonObject *o = JSON_NODE_HOLDS_OBJECT(on) ? json_node_get_object(on)
								   : NULL;
			double v[4];

			if (o == NULL || !json_object_has_member(o, "id") ||
			    !score_box(json_object_get_member(o, "box"), v)) {
				g_set_error(error,
					    G_IO_ERROR,
					    G_IO_ERROR_INVALID_DATA,
					    "truth: frame %u object %u is malformed",
					    frame,
					    j);
				return NULL;
			}
			sdag_score_seq_add(seq,
					   frame,
					   json_object_get_int_member(o, "id"),
					   v[0],
					   v[1],
					   v[2],
					   v[3]);
		}
	}
	return g_steal_pointer(&seq);
}

SdagScoreSeq *
sdag_score_seq_from_frames_json(JsonNode *node, const char *label, GError **error)
{
	g_autoptr(SdagScoreSeq) seq = sdag_score_seq_new();
	JsonArray *rows = NULL;

	if (JSON_NODE_HOLDS_ARRAY(node))
		rows = json_node_get_array(node);
	else if (JSON_NODE_HOLDS_OBJECT(node))
		rows = score_array_member(json_node_get_object(node), "frames");
	if (rows == NULL) {
		g_set_error_literal(error,
				    G_IO_ERROR,
				    G_IO_ERROR_INVALID_DATA,
				    "results: expected frame rows or {\"frames\": [...]}");
		return NULL;
	}
	for (guint i = 0; i < json_array_get_length(rows); i++) {
		JsonNode *rn = json_array_get_element(rows, i);
		JsonObject *row = JSON_NODE_HOLDS_OBJECT(rn) ? json_node_get_object(rn) : NULL;
		JsonArray *dets = score_array_member(row, "detections");
		guint frame;

		if (dets == NULL || !score_frame_id(row, &frame)) {
			g_set_error(error,
				    G_IO_ERROR,
				    G_IO_ERROR_INVALID_DATA,
				    "results: row %u is malformed",
				    i);
			return NULL;
		}
		for (guint j = 0; j < json_array_get_length(dets); j++) {
			JsonNode *dn = json_array_get_element(dets, j);
			JsonObject *d = JSON_NODE_HOLDS_OBJECT(dn) ? json_node_get_object(dn)
								   : NULL;
			JsonNode *tid = d != NULL ? json_object_get_member(d, "track_id") : NULL;
			double v[4];

			if (d == NULL || !score_box(json_object_get_member(d, "box"), v)) {
				g_set_error(error,
					    G_IO_ERROR,
					    G_IO_ERROR_INVALID_DATA,
					    "results: frame %u detection %u is malformed",
					    frame,
					    j);
				return NULL;
			}
			if (label != NULL &&
			    g_strcmp0(json_object_get_string_member_with_default(d, "label", ""),
				      label) != 0)
				continue;
			sdag_score_seq_add(
			    seq,
			    frame,
			    tid != NULL && JSON_NODE_HOLDS_VALUE(tid) ? json_node_get_int(tid) : -1,
			    v[0],
			    v[1],
			    v[2],
			    v[3]);
		}
	}
	return g_steal_pointer(&seq);
}

static double
score_iou(const ScoreBox *a, const ScoreBox *b)
{
	return sdag_box_iou4(a->x, a->y, a->w, a->h, b->x, b->y, b->w, b->h);
}

/* Index of @id in @ids, added when new. */
static guint
score_index(GHashTable *ids, gint64 id)
{
	gpointer v;

	if (g_hash_table_lookup_extended(ids, &id, NULL, &v))
		return GPOINTER_TO_UINT(v);
	g_hash_table_insert(
	    ids, g_memdup2(&id, sizeof(id)), GUINT_TO_POINTER(g_hash_table_size(ids)));
	return g_hash_table_size(ids) - 1;
}

static void
score_clear_mot(const SdagScoreSeq *gt, const SdagScoreSeq *hyp, double thr, SdagScore *out)
{
	/* truth id -> the result identity it was last matched to */
	g_autoptr(GHashTable) last =
	    g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, g_free);

	for (guint f = 0; f < gt->frames->len; f++) {
		const GArray *g = score_frame(gt, f), *h = score_frame(hyp, f);
		g_autofree gint *g2h = g_new(gint, MAX(1u, g->len));
		g_autofree gboolean *h_used = g_new0(gboolean, MAX(1u, h->len));
		g_autofree double *cost = g_new(double, (gsize)MAX(1u, g->len) * MAX(1u, h->len));
		g_autofree gint *assign = g_new(gint, MAX(1u, g->len));
		guint matches = 0;

		out->gt += g->len;
		out->hyp += h->len;
		/* keep last frame's pairs that still hold */
		for (guint i = 0; i < g->len; i++) {
			const ScoreBox *gb = &g_array_index(g, ScoreBox, i);
			gint64 *prev = g_hash_table_lookup(last, &gb->id);

			g2h[i] = -1;
			for (guint j = 0; prev != NULL && j < h->len; j++) {
				const ScoreBox *hb = &g_array_index(h, ScoreBox, j);
				if (!h_used[j] && hb->id >= 0 && hb->id == *prev &&
				    score_iou(gb, hb) >= thr) {
					g2h[i] = (gint)j;
					h_used[j] = TRUE;
					break;
				}
			}
		}
		for (guint i = 0; i < g->len; i++)
			for (guint j = 0; j < h->len; j++) {
				double iou = score_iou(&g_array_index(g, ScoreBox, i),
						       &g_array_index(h, ScoreBox, j));
				cost[(gsize)i * h->len + j] = g2h[i] >= 0 || h_used[j] || iou < thr
								  ? SCORE_FORBIDDEN
								  : 1.0 - iou;
			}
		sdag_assign_min_cost(cost, g->len, h->len, assign);
		for (guint i = 0; i < g->len; i++) {
			const ScoreBox *gb = &g_array_index(g, ScoreBox, i);
			const ScoreBox *hb;
			gint64 *prev;

			if (g2h[i] < 0 && assign[i] >= 0 &&
			    cost[(gsize)i * h->len + (guint)assign[i]] < SCORE_FORBIDDEN)
				g2h[i] = assign[i];
			if (g2h[i] < 0)
				continue;
			matches++;
			hb = &g_array_index(h, ScoreBox, g2h[i]);
			if (hb->id < 0)
				continue;
			prev = g_hash_table_lookup(last, &gb->id);
			if (prev != NULL && *prev != hb->id)
				out->id_switches++;
			g_hash_table_insert(last,
					    g_memdup2(&gb->id, sizeof(gint64)),
					    g_memdup2(&hb->id, sizeof(gint64)));
		}
		out->tp += matches;
		out->fn += g->len - matches;
		out->fp += h->len - matches;
	}
}

static void
score_idf1(const SdagScoreSeq *gt, const SdagScoreSeq *hyp, double thr, SdagScore *out)
{
	g_autoptr(GHashTable) gids =
	    g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
	g_autoptr(GHashTable) hids =
	    g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
	g_autoptr(GArray) pairs = g_array_new(FALSE, FALSE, sizeof(guint) * 2);
	g_autofree double *cost = NULL;
	g_autofree gint *assign = NULL;
	guint ng, nh;

	for (guint f = 0; f < gt->frames->len; f++) {
		const GArray *g = score_frame(gt, f), *h = score_frame(hyp, f);
		for (guint i = 0; i < g->len; i++) {
			guint gi = score_index(gids, g_array_index(g, ScoreBox, i).id);
			for (guint j = 0; j < h->len; j++) {
				const ScoreBox *hb = &g_array_index(h, ScoreBox, j);
				guint pair[2];
				if (hb->id < 0 ||
				    score_iou(&g_array_index(g, ScoreBox, i), hb) < thr)
					continue;
				pair[0] = gi;
				pair[1] = score_index(hids, hb->id);
				g_array_append_val(pairs, pair);
			}
		}
	}
	ng = g_hash_table_size(gids);
	nh = g_hash_table_size(hids);
	cost = g_new0(double, (gsize)MAX(1u, ng) * MAX(1u, nh));
	assign = g_new(gint, MAX(1u, ng));
	for (guint k = 0; k < pairs->len; k++) {
		const guint *pair = (const guint *)(pairs->data + (gsize)k * sizeof(guint) * 2);
		cost[(gsize)pair[0] * nh + pair[1]] -= 1.0;
	}
	sdag_assign_min_cost(cost, ng, nh, assign);
	for (guint i = 0; i < ng; i++)
		if (assign[i] >= 0)
			out->idtp += (guint)(-cost[(gsize)i * nh + (guint)assign[i]]);
}

void
sdag_score_compute(const SdagScoreSeq *gt,
		   const SdagScoreSeq *hyp,
		   double iou_threshold,
		   SdagScore *out)
{
	memset(out, 0, sizeof(*out));
	score_clear_mot(gt, hyp, iou_threshold, out);
	score_idf1(gt, hyp, iou_threshold, out);
	out->mota = out->gt > 0 ? 1.0 - (double)(out->fn + out->fp + out->id_switches) / out->gt
				: (out->hyp == 0 ? 1.0 : 0.0);
	out->idf1 = out->gt + out->hyp > 0 ? 2.0 * out->idtp / (out->gt + out->hyp) : 1.0;
	out->precision = out->tp + out->fp > 0 ? (double)out->tp / (out->tp + out->fp) : 1.0;
	out->recall = out->gt > 0 ? (double)out->tp / out->gt : 1.0;
}

char *
sdag_score_to_string(const SdagScore *s)
{
	return g_strdup_printf("MOTA %.4f  IDF1 %.4f  ID switches %u  precision %.4f  recall %.4f  "
			       "(truth %u, results %u, tp %u, fp %u, fn %u, idtp %u)",
			       s->mota,
			       s->idf1,
			       s->id_switches,
			       s->precision,
			       s->recall,
			       s->gt,
			       s->hyp,
			       s->tp,
			       s->fp,
			       s->fn,
			       s->idtp);
}
