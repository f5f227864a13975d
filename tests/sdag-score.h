/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Tracking quality against ground truth: CLEAR MOT (MOTA, ID switches,
 * precision, recall) and IDF1, all at one IoU threshold (0.5 by default).
 * Class-agnostic: labels are not compared.
 */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* Boxes per frame with an identity: the truth, or what a job produced. */
typedef struct _SdagScoreSeq SdagScoreSeq;

typedef struct {
	guint gt;	   /* truth boxes over all frames */
	guint hyp;	   /* result boxes over all frames */
	guint tp, fp, fn;  /* per-frame matches at the IoU threshold */
	guint id_switches; /* a truth object matched to another identity than before */
	guint idtp;	   /* frames where a truth object and the identity paired with it match */
	double mota;	   /* 1 - (fn + fp + id_switches) / gt */
	double idf1;	   /* 2 idtp / (gt + hyp) */
	double precision;  /* tp / (tp + fp) */
	double recall;	   /* tp / gt */
} SdagScore;

SdagScoreSeq *sdag_score_seq_new(void);
void sdag_score_seq_free(SdagScoreSeq *seq);
/* @id: the identity (a truth object id or a track id); < 0 for an untracked
 * detection, which counts for precision and recall but has no identity. */
void sdag_score_seq_add(SdagScoreSeq *seq,
			guint frame,
			gint64 id,
			double x,
			double y,
			double w,
			double h);
guint sdag_score_seq_get_n_frames(const SdagScoreSeq *seq);

/* The "truth" of sdag_scene_truth_to_json(). */
SdagScoreSeq *sdag_score_seq_from_truth_json(JsonNode *node, GError **error);
/* Frame rows as GET /jobs/{id}/frames returns them: an object with a
 * "frames" array, or the array itself; each row {"frame_id", "detections":
 * [{"box": [x, y, w, h], "track_id"?}]}. @label: only detections with this
 * label, or NULL for all. */
SdagScoreSeq *sdag_score_seq_from_frames_json(JsonNode *node, const char *label, GError **error);

/* Scores @hyp against @gt over the frames of @gt. */
void sdag_score_compute(const SdagScoreSeq *gt,
			const SdagScoreSeq *hyp,
			double iou_threshold,
			SdagScore *out);
char *sdag_score_to_string(const SdagScore *score);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(SdagScoreSeq, sdag_score_seq_free)

G_END_DECLS
