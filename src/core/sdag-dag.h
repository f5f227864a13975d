/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

#include "sdag-nodetypes.h"

G_BEGIN_DECLS

/* Where an input port takes its packet from. */
#define SDAG_DAG_FROM_SOURCE (-1)
#define SDAG_DAG_UNCONNECTED (-2)

/* The most nodes one pipeline may have: bounds validation work per request. */
#define SDAG_DAG_MAX_NODES 1024

typedef struct {
	gint node; /* index into SdagDag.nodes, or SDAG_DAG_FROM_SOURCE / _UNCONNECTED */
	guint port;
} SdagDagLink;

typedef struct {
	char *id;
	const SdagNodeDesc *desc;
	JsonObject *params;   /* validated, completed with defaults */
	SdagDagLink *inputs;  /* desc->n_inputs entries */
	JsonObject *settings; /* the node types' settings, for init_with_settings */
} SdagDagNode;

typedef struct {
	char *pipeline_id;
	char *description;
	GPtrArray *nodes;     /* SdagDagNode, in declaration order */
	GArray *order;	      /* guint node indices, topological */
	GArray *outputs;      /* SdagDagLink */
	JsonNode *definition; /* canonical definition, params completed */
} SdagDag;

/**
 * SdagDagProblem:
 * @code: a stable string of the API ("cycle", "type_mismatch", ...)
 *
 * One thing wrong with a pipeline. Optional fields are NULL when they do not
 * apply to @code.
 */
typedef struct {
	const char *code;
	char *node;
	char *port;
	char *message;
	char *expected;
	char *actual;
	char *param;
	char *reason;
	GStrv nodes;
} SdagDagProblem;

SdagDag *sdag_dag_compile(JsonNode *root, SdagNodeTypes *types, GPtrArray *problems);
void sdag_dag_free(SdagDag *self);
GPtrArray *sdag_dag_problems_new(void);
JsonNode *sdag_dag_problems_to_json(GPtrArray *problems);
JsonNode *sdag_dag_order_to_json(SdagDag *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(SdagDag, sdag_dag_free)

gboolean sdag_dag_is_valid_id(const char *id);

G_END_DECLS
