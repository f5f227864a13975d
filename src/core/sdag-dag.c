/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Why one file over 800 lines: the validator reports every problem of a definition at
 * once (ids, params against the schema, ports, types, cycles, outputs) while it
 * builds the execution order; the passes share the half-built DAG.
 */
#define G_LOG_DOMAIN "sdag-dag"

#include "sdag-dag.h"

#include <string.h>

#include "sdag-json.h"

/*
 * The pipeline compiler: JSON definition in, executable DAG or a list of
 * problems out. No I/O.
 *
 * Contract: sdag_dag_compile() reports every problem it can find in one pass,
 * in a stable order (document shape, nodes, params, edges, unconnected
 * inputs, cycles, outputs), so a client fixes a definition in one round trip
 * and tests can assert exact codes. A node whose type is unknown is kept as a
 * placeholder so that edges naming it do not produce a cascade of follow-up
 * problems. It returns a DAG only when there is no problem at all.
 *
 * Complexity: O(N + E) for parsing and linking, O(N + E) for Tarjan's
 * strongly connected components (cycle reporting), O(N^2) for the
 * topological order with its declaration-order tie break; N is bounded by
 * SDAG_DAG_MAX_NODES.
 */

/* An input whose only edge was rejected: neither linked nor "unconnected". */
#define SDAG_DAG_BAD_LINK (-3)

static const char *const sdag_top_members[] =
    {"pipeline_id", "description", "nodes", "edges", "outputs", NULL};
static const char *const sdag_node_members[] = {"id", "type", "params", NULL};
static const char *const sdag_edge_members[] = {"from", "to", NULL};

typedef struct {
	SdagNodeTypes *types;
	GPtrArray *problems;
	GPtrArray *nodes;  /* SdagDagNode; desc NULL when the type is unknown */
	GHashTable *index; /* id -> GINT_TO_POINTER(index + 1) */
	GArray *outputs;
	/* Tarjan state */
	gint *tj_index;
	gint *tj_low;
	gboolean *tj_on_stack;
	GArray *tj_stack;
	gint tj_counter;
} SdagDagCompiler;

static void
sdag_dag_problem_free(SdagDagProblem *p)
{
	g_free(p->node);
	g_free(p->port);
	g_free(p->message);
	g_free(p->expected);
	g_free(p->actual);
	g_free(p->param);
	g_free(p->reason);
	g_strfreev(p->nodes);
	g_free(p);
}

/* Returns: (transfer full): an empty array that owns its SdagDagProblem */
GPtrArray *
sdag_dag_problems_new(void)
{
	return g_ptr_array_new_with_free_func((GDestroyNotify)sdag_dag_problem_free);
}

G_GNUC_PRINTF(5, 6)
static SdagDagProblem *
sdag_dag_problem_add(GPtrArray *problems,
		     const char *code,
		     const char *node,
		     const char *port,
		     const char *fmt,
		     ...)
{
	SdagDagProblem *p = g_new0(SdagDagProblem, 1);
	va_list args;

	p->code = code;
	p->node = g_strdup(node);
	p->port = g_strdup(port);
	va_start(args, fmt);
	p->message = g_strdup_vprintf(fmt, args);
	va_end(args);
	g_ptr_array_add(problems, p);
	return p;
}

static void
sdag_dag_node_free(SdagDagNode *node)
{
	g_free(node->id);
	if (node->params != NULL)
		json_object_unref(node->params);
	if (node->settings != NULL)
		json_object_unref(node->settings);
	g_free(node->inputs);
	g_free(node);
}

void
sdag_dag_free(SdagDag *self)
{
	if (self == NULL)
		return;
	g_free(self->pipeline_id);
	g_free(self->description);
	g_ptr_array_unref(self->nodes);
	g_array_unref(self->order);
	g_array_unref(self->outputs);
	if (self->definition != NULL)
		json_node_unref(self->definition);
	g_free(self);
}

/**
 * sdag_dag_is_valid_id:
 *
 * The one rule for pipeline and node ids: 1 to 64 of [A-Za-z0-9_.-]. Ids share the charset
 * of URL path segments and MQTT topic levels.
 */
gboolean
sdag_dag_is_valid_id(const char *id)
{
	gsize n = strlen(id);

	if (n == 0 || n > 64)
		return FALSE;
	for (const char *p = id; *p != '\0'; p++) {
		if (!g_ascii_isalnum(*p) && *p != '_' && *p != '-' && *p != '.')
			return FALSE;
	}
	return TRUE;
}

static const char *
sdag_dag_get_string(JsonObject *obj, const char *name)
{
	JsonNode *n = json_object_get_member(obj, name);

	if (n == NULL || !JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_STRING)
		return NULL;
	return json_node_get_string(n);
}

static void
sdag_dag_check_members(SdagDagCompiler *c,
		       JsonObject *obj,
		       const char *const *allowed,
		       const char *node,
		       const char *what)
{
	g_autoptr(GList) members = json_object_get_members(obj);

	for (GList *l = members; l != NULL; l = l->next) {
		if (!g_strv_contains(allowed, l->data))
			sdag_dag_problem_add(c->problems,
					     "bad_json",
					     node,
					     NULL,
					     "unknown member '%s' in %s",
					     (const char *)l->data,
					     what);
	}
}

static SdagDagNode *
sdag_dag_lookup(SdagDagCompiler *c, const char *id, gint *idx)
{
	gpointer v = g_hash_table_lookup(c->index, id);

	if (v == NULL)
		return NULL;
	*idx = GPOINTER_TO_INT(v) - 1;
	return g_ptr_array_index(c->nodes, *idx);
}

/* Fills node->params: the given values checked against the schema, plus defaults. */
static void
sdag_dag_compile_params(SdagDagCompiler *c, SdagDagNode *node, JsonNode *params_in)
{
	const SdagNodeDesc *desc = node->desc;
	JsonObject *given = NULL;
	guint n_before = c->problems->len;

	node->params = json_object_new();
	if (params_in != NULL && !JSON_NODE_HOLDS_NULL(params_in)) {
		if (!JSON_NODE_HOLDS_OBJECT(params_in)) {
			sdag_dag_problem_add(
			    c->problems, "bad_json", node->id, NULL, "params must be an object");
			return;
		}
		given = json_node_get_object(params_in);
	}
	if (given != NULL) {
		g_autoptr(GList) names = json_object_get_members(given);

		for (GList *l = names; l != NULL; l = l->next) {
			const char *name = l->data;
			const SdagParamSpec *spec = NULL;
			g_autoptr(GError) error = NULL;
			SdagDagProblem *p;

			for (guint i = 0; i < desc->n_params; i++) {
				if (g_strcmp0(desc->params[i].name, name) == 0)
					spec = &desc->params[i];
			}
			if (spec == NULL) {
				p = sdag_dag_problem_add(
				    c->problems,
				    "bad_param",
				    node->id,
				    NULL,
				    "node '%s': unknown param '%s' for type '%s'",
				    node->id,
				    name,
				    desc->name);
				p->param = g_strdup(name);
				p->reason = g_strdup("unknown param");
				continue;
			}
			if (!sdag_param_value_check(
				spec, json_object_get_member(given, name), &error)) {
				p = sdag_dag_problem_add(c->problems,
							 "bad_param",
							 node->id,
							 NULL,
							 "node '%s': param '%s': %s",
							 node->id,
							 name,
							 error->message);
				p->param = g_strdup(name);
				p->reason = g_strdup(error->message);
				continue;
			}
			json_object_set_member(
			    node->params,
			    name,
			    sdag_param_value_normalize(spec, json_object_get_member(given, name)));
		}
	}
	for (guint i = 0; i < desc->n_params; i++) {
		const SdagParamSpec *spec = &desc->params[i];

		if (given != NULL && json_object_has_member(given, spec->name))
			continue;
		if (spec->default_json == NULL) {
			SdagDagProblem *p =
			    sdag_dag_problem_add(c->problems,
						 "bad_param",
						 node->id,
						 NULL,
						 "node '%s': param '%s' is required",
						 node->id,
						 spec->name);
			p->param = g_strdup(spec->name);
			p->reason = g_strdup("required");
			continue;
		}
		/* the default was checked when the type was registered */
		{
			g_autoptr(JsonNode) def = sdag_json_parse(spec->default_json, -1, NULL);
			json_object_set_member(
			    node->params, spec->name, sdag_param_value_normalize(spec, def));
		}
	}
	/* cross-param checks only make sense on a schema-valid set */
	if (c->problems->len == n_before &&
	    (desc->validate != NULL || desc->validate_with_settings != NULL)) {
		g_autoptr(GError) error = NULL;
		gboolean valid =
		    desc->validate_with_settings != NULL
			? desc->validate_with_settings(node->params, node->settings, &error)
			: desc->validate(node->params, &error);

		if (!valid) {
			SdagDagProblem *p = sdag_dag_problem_add(c->problems,
								 "bad_param",
								 node->id,
								 NULL,
								 "node '%s': %s",
								 node->id,
								 error->message);
			p->reason = g_strdup(error->message);
		}
	}
}

static void
sdag_dag_compile_nodes(SdagDagCompiler *c, JsonArray *nodes_in)
{
	for (guint i = 0; i < json_array_get_length(nodes_in); i++) {
		JsonNode *el = json_array_get_element(nodes_in, i);
		JsonObject *obj;
		const char *id;
		const char *type;
		SdagDagNode *node;

		if (!JSON_NODE_HOLDS_OBJECT(el)) {
			sdag_dag_problem_add(
			    c->problems, "bad_json", NULL, NULL, "nodes[%u] must be an object", i);
			continue;
		}
		obj = json_node_get_object(el);
		id = sdag_dag_get_string(obj, "id");
		type = sdag_dag_get_string(obj, "type");
		if (id == NULL || !sdag_dag_is_valid_id(id)) {
			sdag_dag_problem_add(c->problems,
					     "bad_json",
					     NULL,
					     NULL,
					     "nodes[%u].id must be 1-64 of [A-Za-z0-9_.-]",
					     i);
			continue;
		}
		sdag_dag_check_members(c, obj, sdag_node_members, id, "a node");
		if (g_strcmp0(id, "source") == 0) {
			sdag_dag_problem_add(c->problems,
					     "duplicate_node_id",
					     id,
					     NULL,
					     "node id 'source' is reserved for the video source");
			continue;
		}
		if (g_hash_table_contains(c->index, id)) {
			sdag_dag_problem_add(c->problems,
					     "duplicate_node_id",
					     id,
					     NULL,
					     "node id '%s' is used more than once",
					     id);
			continue;
		}
		if (type == NULL) {
			sdag_dag_problem_add(c->problems,
					     "bad_json",
					     id,
					     NULL,
					     "node '%s' needs a string 'type'",
					     id);
			continue;
		}
		node = g_new0(SdagDagNode, 1);
		node->id = g_strdup(id);
		node->desc = sdag_node_types_lookup(c->types, type);
		node->settings = json_object_ref(sdag_node_types_get_settings(c->types));
		g_ptr_array_add(c->nodes, node);
		g_hash_table_insert(c->index, node->id, GINT_TO_POINTER(c->nodes->len));
		if (node->desc == NULL) {
			sdag_dag_problem_add(c->problems,
					     "unknown_node_type",
					     id,
					     NULL,
					     "node '%s' has unknown type '%s'",
					     id,
					     type);
			continue;
		}
		node->inputs = g_new(SdagDagLink, node->desc->n_inputs);
		for (guint j = 0; j < node->desc->n_inputs; j++)
			node->inputs[j] = (SdagDagLink){SDAG_DAG_UNCONNECTED, 0};
		sdag_dag_compile_params(c, node, json_object_get_member(obj, "params"));
	}
}

static gint
sdag_dag_find_port(const SdagPortSpec *ports, guint n, const char *name)
{
	for (guint i = 0; i < n; i++) {
		if (g_strcmp0(ports[i].name, name) == 0)
			return (gint)i;
	}
	return -1;
}

/* Splits "node.port" at its last dot: node ids may contain dots, ports may not. */
static gboolean
sdag_dag_split_ref(const char *ref, char **node, char **port)
{
	const char *dot = ref != NULL ? strrchr(ref, '.') : NULL;

	if (dot == NULL || dot == ref || dot[1] == '\0')
		return FALSE;
	*node = g_strndup(ref, dot - ref);
	*port = g_strdup(dot + 1);
	return TRUE;
}

/*
 * Resolves the producing end of an edge or an output. Returns FALSE with a
 * problem added when it does not exist; TRUE with *type NONE when it names a
 * node of unknown type (already reported).
 */
static gboolean
sdag_dag_resolve_output(SdagDagCompiler *c,
			const char *code,
			const char *node_id,
			const char *port,
			SdagDagLink *link,
			SdagPortType *type)
{
	SdagDagNode *node;
	gint idx = 0;
	gint p;

	*type = SDAG_PORT_NONE;
	if (g_strcmp0(node_id, "source") == 0) {
		if (g_strcmp0(port, "frame") != 0) {
			sdag_dag_problem_add(c->problems,
					     code,
					     node_id,
					     port,
					     "the source has only the output 'frame', not '%s'",
					     port);
			return FALSE;
		}
		*link = (SdagDagLink){SDAG_DAG_FROM_SOURCE, 0};
		*type = SDAG_PORT_FRAME;
		return TRUE;
	}
	node = sdag_dag_lookup(c, node_id, &idx);
	if (node == NULL) {
		sdag_dag_problem_add(c->problems, code, node_id, port, "no node '%s'", node_id);
		return FALSE;
	}
	if (node->desc == NULL)
		return TRUE;
	p = sdag_dag_find_port(node->desc->outputs, node->desc->n_outputs, port);
	if (p < 0) {
		gboolean is_input =
		    sdag_dag_find_port(node->desc->inputs, node->desc->n_inputs, port) >= 0;
		sdag_dag_problem_add(c->problems,
				     code,
				     node_id,
				     port,
				     is_input ? "'%s.%s' is an input, not an output"
					      : "node type '%s' has no output '%s'",
				     is_input ? node_id : node->desc->name,
				     port);
		return FALSE;
	}
	*link = (SdagDagLink){idx, (guint)p};
	*type = node->desc->outputs[p].type;
	return TRUE;
}

static void
sdag_dag_compile_edge(SdagDagCompiler *c, guint i, JsonNode *el)
{
	JsonObject *obj;
	g_autofree char *from_node = NULL;
	g_autofree char *from_port = NULL;
	g_autofree char *to_node = NULL;
	g_autofree char *to_port = NULL;
	SdagDagLink link = {SDAG_DAG_UNCONNECTED, 0};
	SdagPortType from_type = SDAG_PORT_NONE;
	SdagDagNode *target;
	gboolean from_ok;
	gint idx = 0;
	gint p;

	if (!JSON_NODE_HOLDS_OBJECT(el)) {
		sdag_dag_problem_add(
		    c->problems, "bad_json", NULL, NULL, "edges[%u] must be an object", i);
		return;
	}
	obj = json_node_get_object(el);
	sdag_dag_check_members(c, obj, sdag_edge_members, NULL, "an edge");
	if (!sdag_dag_split_ref(sdag_dag_get_string(obj, "from"), &from_node, &from_port) ||
	    !sdag_dag_split_ref(sdag_dag_get_string(obj, "to"), &to_node, &to_port)) {
		sdag_dag_problem_add(c->problems,
				     "bad_json",
				     NULL,
				     NULL,
				     "edges[%u] needs 'from' and 'to' as \"node.port\"",
				     i);
		return;
	}
	from_ok =
	    sdag_dag_resolve_output(c, "unknown_port", from_node, from_port, &link, &from_type);

	if (g_strcmp0(to_node, "source") == 0) {
		sdag_dag_problem_add(
		    c->problems, "unknown_port", to_node, to_port, "the source has no inputs");
		return;
	}
	target = sdag_dag_lookup(c, to_node, &idx);
	if (target == NULL) {
		sdag_dag_problem_add(
		    c->problems, "unknown_port", to_node, to_port, "no node '%s'", to_node);
		return;
	}
	if (target->desc == NULL)
		return;
	p = sdag_dag_find_port(target->desc->inputs, target->desc->n_inputs, to_port);
	if (p < 0) {
		gboolean is_output =
		    sdag_dag_find_port(target->desc->outputs, target->desc->n_outputs, to_port) >=
		    0;
		sdag_dag_problem_add(c->problems,
				     "unknown_port",
				     to_node,
				     to_port,
				     is_output ? "'%s.%s' is an output, not an input"
					       : "node type '%s' has no input '%s'",
				     is_output ? to_node : target->desc->name,
				     to_port);
		return;
	}
	if (!from_ok || from_type == SDAG_PORT_NONE) {
		/* an edge was meant for this input: "no edge" would mislead */
		if (target->inputs[p].node == SDAG_DAG_UNCONNECTED)
			target->inputs[p].node = SDAG_DAG_BAD_LINK;
		return;
	}
	if (from_type != target->desc->inputs[p].type) {
		const char *expected = sdag_port_type_to_string(target->desc->inputs[p].type);
		const char *actual = sdag_port_type_to_string(from_type);
		SdagDagProblem *prob =
		    sdag_dag_problem_add(c->problems,
					 "type_mismatch",
					 to_node,
					 to_port,
					 "'%s.%s' expects %s but '%s.%s' gives %s",
					 to_node,
					 to_port,
					 expected,
					 from_node,
					 from_port,
					 actual);
		prob->expected = g_strdup(expected);
		prob->actual = g_strdup(actual);
		if (target->inputs[p].node == SDAG_DAG_UNCONNECTED)
			target->inputs[p].node = SDAG_DAG_BAD_LINK;
		return;
	}
	if (target->inputs[p].node >= SDAG_DAG_FROM_SOURCE) {
		sdag_dag_problem_add(c->problems,
				     "duplicate_input",
				     to_node,
				     to_port,
				     "input '%s.%s' has more than one edge",
				     to_node,
				     to_port);
		return;
	}
	target->inputs[p] = link;
}

static void
sdag_dag_check_unconnected(SdagDagCompiler *c)
{
	for (guint i = 0; i < c->nodes->len; i++) {
		SdagDagNode *node = g_ptr_array_index(c->nodes, i);

		if (node->desc == NULL)
			continue;
		for (guint j = 0; j < node->desc->n_inputs; j++) {
			if (node->inputs[j].node == SDAG_DAG_UNCONNECTED &&
			    !node->desc->inputs[j].optional)
				sdag_dag_problem_add(c->problems,
						     "unconnected_input",
						     node->id,
						     node->desc->inputs[j].name,
						     "required input '%s.%s' has no edge",
						     node->id,
						     node->desc->inputs[j].name);
		}
	}
}

static gint
sdag_dag_cmp_index_cb(gconstpointer a, gconstpointer b)
{
	return *(const gint *)a - *(const gint *)b;
}

/* Tarjan's SCC: every component of more than one node, or a node feeding
 * itself, is a cycle; its members are reported in declaration order. */
static void
sdag_dag_tarjan(SdagDagCompiler *c, gint v)
{
	SdagDagNode *node = g_ptr_array_index(c->nodes, v);
	gboolean self_loop = FALSE;

	c->tj_index[v] = c->tj_low[v] = c->tj_counter++;
	g_array_append_val(c->tj_stack, v);
	c->tj_on_stack[v] = TRUE;

	/* the graph is walked against the edges (node -> its producers): the
	 * components are the same */
	for (guint j = 0; node->desc != NULL && j < node->desc->n_inputs; j++) {
		gint w = node->inputs[j].node;

		if (w < 0)
			continue;
		if (w == v)
			self_loop = TRUE;
		if (c->tj_index[w] < 0) {
			sdag_dag_tarjan(c, w);
			c->tj_low[v] = MIN(c->tj_low[v], c->tj_low[w]);
		} else if (c->tj_on_stack[w]) {
			c->tj_low[v] = MIN(c->tj_low[v], c->tj_index[w]);
		}
	}
	if (c->tj_low[v] == c->tj_index[v]) {
		g_autoptr(GArray) members = g_array_new(FALSE, FALSE, sizeof(gint));
		gint w;

		do {
			w = g_array_index(c->tj_stack, gint, c->tj_stack->len - 1);
			g_array_set_size(c->tj_stack, c->tj_stack->len - 1);
			c->tj_on_stack[w] = FALSE;
			g_array_append_val(members, w);
		} while (w != v);
		if (members->len > 1 || self_loop) {
			g_autoptr(GStrvBuilder) ids = g_strv_builder_new();
			g_auto(GStrv) nodes = NULL;
			g_autofree char *joined = NULL;
			SdagDagProblem *p;

			g_array_sort(members, sdag_dag_cmp_index_cb);
			for (guint k = 0; k < members->len; k++) {
				SdagDagNode *m =
				    g_ptr_array_index(c->nodes, g_array_index(members, gint, k));
				g_strv_builder_add(ids, m->id);
			}
			nodes = g_strv_builder_end(ids);
			joined = g_strjoinv(", ", nodes);
			p = sdag_dag_problem_add(
			    c->problems, "cycle", nodes[0], NULL, "nodes form a cycle: %s", joined);
			p->nodes = g_steal_pointer(&nodes);
		}
	}
}

static void
sdag_dag_check_cycles(SdagDagCompiler *c)
{
	guint n = c->nodes->len;

	c->tj_index = g_new(gint, n);
	c->tj_low = g_new(gint, n);
	c->tj_on_stack = g_new0(gboolean, n);
	c->tj_stack = g_array_new(FALSE, FALSE, sizeof(gint));
	for (guint i = 0; i < n; i++)
		c->tj_index[i] = -1;
	for (guint i = 0; i < n; i++) {
		if (c->tj_index[i] < 0)
			sdag_dag_tarjan(c, (gint)i);
	}
	g_free(c->tj_index);
	g_free(c->tj_low);
	g_free(c->tj_on_stack);
	g_array_unref(c->tj_stack);
}

static void
sdag_dag_compile_outputs(SdagDagCompiler *c, JsonArray *outputs_in)
{
	for (guint i = 0; outputs_in != NULL && i < json_array_get_length(outputs_in); i++) {
		JsonNode *el = json_array_get_element(outputs_in, i);
		const char *ref = NULL;
		g_autofree char *node = NULL;
		g_autofree char *port = NULL;
		SdagDagLink link = {SDAG_DAG_UNCONNECTED, 0};
		SdagPortType type;

		if (JSON_NODE_HOLDS_VALUE(el) && json_node_get_value_type(el) == G_TYPE_STRING)
			ref = json_node_get_string(el);
		if (!sdag_dag_split_ref(ref, &node, &port)) {
			sdag_dag_problem_add(c->problems,
					     "unknown_output",
					     NULL,
					     NULL,
					     "outputs[%u] must be \"node.port\"",
					     i);
			continue;
		}
		if (g_strcmp0(node, "source") == 0) {
			sdag_dag_problem_add(c->problems,
					     "unknown_output",
					     node,
					     port,
					     "the source is not a pipeline output");
			continue;
		}
		if (sdag_dag_resolve_output(c, "unknown_output", node, port, &link, &type))
			g_array_append_val(c->outputs, link);
	}
}

/* Kahn's algorithm, always taking the earliest-declared ready node, so the
 * order is a pure function of the definition. */
static GArray *
sdag_dag_topo_order(GPtrArray *nodes)
{
	guint n = nodes->len;
	g_autofree guint *pending = g_new0(guint, n);
	g_autofree gboolean *done = g_new0(gboolean, n);
	GArray *order = g_array_sized_new(FALSE, FALSE, sizeof(guint), n);

	for (guint i = 0; i < n; i++) {
		SdagDagNode *node = g_ptr_array_index(nodes, i);
		for (guint j = 0; j < node->desc->n_inputs; j++)
			pending[i] += node->inputs[j].node >= 0 ? 1 : 0;
	}
	while (order->len < n) {
		guint pick = n;

		for (guint i = 0; i < n && pick == n; i++) {
			if (!done[i] && pending[i] == 0)
				pick = i;
		}
		g_assert(pick < n); /* cycles were rejected before */
		done[pick] = TRUE;
		g_array_append_val(order, pick);
		for (guint i = 0; i < n; i++) {
			SdagDagNode *node = g_ptr_array_index(nodes, i);
			for (guint j = 0; j < node->desc->n_inputs; j++) {
				if (node->inputs[j].node == (gint)pick)
					pending[i]--;
			}
		}
	}
	return order;
}

/* The stored form: what was given, params completed, members sorted. */
static JsonNode *
sdag_dag_build_definition(SdagDagCompiler *c, JsonObject *root)
{
	g_autoptr(JsonObject) def = json_object_new();
	g_autoptr(JsonNode) node = json_node_new(JSON_NODE_OBJECT);
	JsonArray *nodes_out = json_array_new();
	g_autoptr(GList) members = json_object_get_members(root);

	for (GList *l = members; l != NULL; l = l->next) {
		if (g_strcmp0(l->data, "nodes") != 0)
			json_object_set_member(
			    def, l->data, json_node_copy(json_object_get_member(root, l->data)));
	}
	for (guint i = 0; i < c->nodes->len; i++) {
		SdagDagNode *n = g_ptr_array_index(c->nodes, i);
		JsonObject *o = json_object_new();

		json_object_set_string_member(o, "id", n->id);
		json_object_set_string_member(o, "type", n->desc->name);
		json_object_set_object_member(o, "params", json_object_ref(n->params));
		json_array_add_object_element(nodes_out, o);
	}
	json_object_set_array_member(def, "nodes", nodes_out);
	json_node_set_object(node, def);
	return sdag_json_canonicalize(node);
}

/**
 * sdag_dag_compile:
 * @root: the pipeline definition
 * @problems: (out caller-allocates): receives every SdagDagProblem found
 *
 * Returns: (transfer full) (nullable): the DAG, or NULL when @problems grew
 */
SdagDag *
sdag_dag_compile(JsonNode *root, SdagNodeTypes *types, GPtrArray *problems)
{
	SdagDagCompiler c = {types, problems};
	g_autoptr(SdagDag) dag = NULL;
	g_autoptr(GPtrArray) nodes =
	    g_ptr_array_new_with_free_func((GDestroyNotify)sdag_dag_node_free);
	g_autoptr(GHashTable) index = g_hash_table_new(g_str_hash, g_str_equal);
	g_autoptr(GArray) outputs = g_array_new(FALSE, FALSE, sizeof(SdagDagLink));
	guint n_before = problems->len;
	JsonObject *obj;
	JsonNode *member;
	const char *pipeline_id;
	JsonArray *outputs_in = NULL;

	c.nodes = nodes;
	c.index = index;
	c.outputs = outputs;
	if (root == NULL || !JSON_NODE_HOLDS_OBJECT(root)) {
		sdag_dag_problem_add(
		    problems, "bad_json", NULL, NULL, "a pipeline must be a JSON object");
		return NULL;
	}
	obj = json_node_get_object(root);
	sdag_dag_check_members(&c, obj, sdag_top_members, NULL, "the pipeline");
	pipeline_id = sdag_dag_get_string(obj, "pipeline_id");
	if (pipeline_id == NULL || !sdag_dag_is_valid_id(pipeline_id))
		sdag_dag_problem_add(
		    problems, "bad_json", NULL, NULL, "pipeline_id must be 1-64 of [A-Za-z0-9_.-]");
	member = json_object_get_member(obj, "description");
	if (member != NULL && sdag_dag_get_string(obj, "description") == NULL)
		sdag_dag_problem_add(
		    problems, "bad_json", NULL, NULL, "description must be a string");

	member = json_object_get_member(obj, "nodes");
	if (member == NULL || (JSON_NODE_HOLDS_ARRAY(member) &&
			       json_array_get_length(json_node_get_array(member)) == 0)) {
		sdag_dag_problem_add(
		    problems, "empty_pipeline", NULL, NULL, "the pipeline has no nodes");
		return NULL;
	}
	if (!JSON_NODE_HOLDS_ARRAY(member)) {
		sdag_dag_problem_add(problems, "bad_json", NULL, NULL, "nodes must be an array");
		return NULL;
	}
	if (json_array_get_length(json_node_get_array(member)) > SDAG_DAG_MAX_NODES) {
		sdag_dag_problem_add(problems,
				     "bad_json",
				     NULL,
				     NULL,
				     "a pipeline has at most %u nodes",
				     (guint)SDAG_DAG_MAX_NODES);
		return NULL;
	}
	sdag_dag_compile_nodes(&c, json_node_get_array(member));

	member = json_object_get_member(obj, "edges");
	if (member != NULL && !JSON_NODE_HOLDS_ARRAY(member)) {
		sdag_dag_problem_add(problems, "bad_json", NULL, NULL, "edges must be an array");
	} else if (member != NULL) {
		JsonArray *edges = json_node_get_array(member);
		for (guint i = 0; i < json_array_get_length(edges); i++)
			sdag_dag_compile_edge(&c, i, json_array_get_element(edges, i));
	}
	sdag_dag_check_unconnected(&c);
	sdag_dag_check_cycles(&c);

	member = json_object_get_member(obj, "outputs");
	if (member != NULL && !JSON_NODE_HOLDS_ARRAY(member))
		sdag_dag_problem_add(problems, "bad_json", NULL, NULL, "outputs must be an array");
	else if (member != NULL)
		outputs_in = json_node_get_array(member);
	sdag_dag_compile_outputs(&c, outputs_in);

	if (problems->len > n_before)
		return NULL;

	dag = g_new0(SdagDag, 1);
	dag->pipeline_id = g_strdup(pipeline_id);
	dag->description = g_strdup(sdag_dag_get_string(obj, "description"));
	dag->order = sdag_dag_topo_order(nodes);
	dag->definition = sdag_dag_build_definition(&c, obj);
	dag->nodes = g_steal_pointer(&nodes);
	dag->outputs = g_steal_pointer(&outputs);
	return g_steal_pointer(&dag);
}

/* Returns: (transfer full): a JSON array of node ids in execution order */
JsonNode *
sdag_dag_order_to_json(SdagDag *self)
{
	JsonArray *arr = json_array_sized_new(self->order->len);
	JsonNode *node = json_node_new(JSON_NODE_ARRAY);

	for (guint i = 0; i < self->order->len; i++) {
		SdagDagNode *n =
		    g_ptr_array_index(self->nodes, g_array_index(self->order, guint, i));
		json_array_add_string_element(arr, n->id);
	}
	json_node_take_array(node, arr);
	return node;
}

static void
sdag_dag_add_opt_string(JsonBuilder *b, const char *name, const char *value)
{
	json_builder_set_member_name(b, name);
	if (value != NULL)
		json_builder_add_string_value(b, value);
	else
		json_builder_add_null_value(b);
}

/* Returns: (transfer full): `{"problems": [...]}` for an error's details */
JsonNode *
sdag_dag_problems_to_json(GPtrArray *problems)
{
	g_autoptr(JsonBuilder) b = json_builder_new_immutable();

	json_builder_begin_object(b);
	json_builder_set_member_name(b, "problems");
	json_builder_begin_array(b);
	for (guint i = 0; i < problems->len; i++) {
		SdagDagProblem *p = g_ptr_array_index(problems, i);

		json_builder_begin_object(b);
		json_builder_set_member_name(b, "code");
		json_builder_add_string_value(b, p->code);
		sdag_dag_add_opt_string(b, "node", p->node);
		sdag_dag_add_opt_string(b, "port", p->port);
		json_builder_set_member_name(b, "message");
		json_builder_add_string_value(b, p->message);
		if (p->expected != NULL) {
			sdag_dag_add_opt_string(b, "expected", p->expected);
			sdag_dag_add_opt_string(b, "actual", p->actual);
		}
		if (g_strcmp0(p->code, "bad_param") == 0) {
			sdag_dag_add_opt_string(b, "param", p->param);
			sdag_dag_add_opt_string(b, "reason", p->reason);
		}
		if (p->nodes != NULL) {
			json_builder_set_member_name(b, "nodes");
			json_builder_begin_array(b);
			for (guint k = 0; p->nodes[k] != NULL; k++)
				json_builder_add_string_value(b, p->nodes[k]);
			json_builder_end_array(b);
		}
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
	json_builder_end_object(b);
	return json_builder_get_root(b);
}
