/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

#include "sdag-dag.h"

G_BEGIN_DECLS

typedef struct _SdagExec SdagExec;

/* Bitmask of (1u << SdagFrameFormat). */
#define SDAG_EXEC_FORMAT_BIT(fmt) (1u << (fmt))
#define SDAG_EXEC_ALL_FORMATS                            \
	(SDAG_EXEC_FORMAT_BIT(SDAG_FRAME_FORMAT_I420) |  \
	 SDAG_EXEC_FORMAT_BIT(SDAG_FRAME_FORMAT_NV12) |  \
	 SDAG_EXEC_FORMAT_BIT(SDAG_FRAME_FORMAT_GRAY8) | \
	 SDAG_EXEC_FORMAT_BIT(SDAG_FRAME_FORMAT_RGB) |   \
	 SDAG_EXEC_FORMAT_BIT(SDAG_FRAME_FORMAT_BGR))

/*
 * What one processed frame produced: the packets on the DAG's declared outputs, gathered by
 * port type, and how long each node took. Owned by the SdagExec and valid until the next
 * sdag_exec_run() or sdag_exec_free().
 */
typedef struct {
	guint64 frame_id;   /* the decoded frame's index, from 0 */
	gint64 pts_ns;	    /* -1 when unknown */
	GArray *detections; /* SdagDetection: every DETECTIONS and TRACKS output, in output order */
	GArray *events;	    /* SdagEvent */
	GArray *counts;	    /* SdagCount */
	/* the first image on the declared outputs this frame (a node's memory, like the rest
	 * of the result valid until the next run), NULL when none carried one */
	const SdagFrame *image;
	gint64 dag_ns;	       /* monotonic wall time of the whole DAG for this frame */
	const gint64 *node_ns; /* per node, in SdagDag.nodes order; dag->nodes->len entries */
} SdagFrameResult;

SdagExec *sdag_exec_new(SdagDag *dag, GError **error);
void sdag_exec_free(SdagExec *self);
SdagDag *sdag_exec_free_to_dag(SdagExec *self);
SdagDag *sdag_exec_get_dag(SdagExec *self);
guint32 sdag_exec_get_frame_formats(SdagExec *self);
const SdagFrameResult *sdag_exec_run(SdagExec *self, const SdagFrame *frame, GError **error);
JsonNode *sdag_frame_result_to_json(const SdagFrameResult *result);

/* The state manager: what the job keeps across frames. */
guint64 sdag_exec_get_frame_count(SdagExec *self);
guint sdag_exec_get_track_count(SdagExec *self);
double sdag_exec_get_duration_ms(SdagExec *self);
JsonNode *sdag_exec_get_node_metrics(SdagExec *self);
JsonNode *sdag_exec_save_state(SdagExec *self, GError **error);
gboolean sdag_exec_load_state(SdagExec *self, JsonNode *state, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(SdagExec, sdag_exec_free)

G_END_DECLS
