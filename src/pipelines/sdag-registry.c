/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "sdag-registry"

#include "sdag-registry.h"

#include <string.h>

#include "sdag-error.h"
#include "sdag-json.h"
#include "sdag-quarantine.h"

/*
 * Registered pipelines. Key layout, family "pipelines":
 *
 *   key   = pipeline_id (UTF-8, no terminator)
 *   value = compact JSON record, members sorted:
 *           {"created_at", "definition", "order", "pipeline_id"}
 *
 * The record is written once with a synced put and served as stored, so a
 * pipeline reads back byte for byte across restarts. All calls run on the
 * main loop, which makes check-then-put free of races between requests.
 */

struct _SdagRegistry {
	SdagStore *store;
	SdagNodeTypes *types;
};

SdagRegistry *
sdag_registry_new(SdagStore *store, SdagNodeTypes *types)
{
	SdagRegistry *self = g_new0(SdagRegistry, 1);

	self->store = store;
	self->types = types;
	return self;
}

void
sdag_registry_free(SdagRegistry *self)
{
	g_free(self);
}

static JsonNode *
sdag_registry_parse_record(GBytes *blob, GError **error)
{
	gsize len = 0;
	const char *data = g_bytes_get_data(blob, &len);
	g_autoptr(JsonNode) node = sdag_json_parse(data, len, error);

	if (node == NULL || !JSON_NODE_HOLDS_OBJECT(node)) {
		g_clear_error(error);
		g_set_error_literal(
		    error, SDAG_ERROR, SDAG_ERROR_STORE, "stored pipeline record is corrupt");
		return NULL;
	}
	return g_steal_pointer(&node);
}

static JsonNode *
sdag_registry_answer(const char *pipeline_id,
		     SdagRegisterOutcome outcome,
		     const char *created_at,
		     JsonNode *order)
{
	g_autoptr(JsonBuilder) b = json_builder_new_immutable();

	json_builder_begin_object(b);
	json_builder_set_member_name(b, "pipeline_id");
	json_builder_add_string_value(b, pipeline_id);
	if (outcome == SDAG_REGISTER_VALID) {
		json_builder_set_member_name(b, "valid");
		json_builder_add_boolean_value(b, TRUE);
	} else {
		json_builder_set_member_name(b, "created");
		json_builder_add_boolean_value(b, outcome == SDAG_REGISTER_CREATED);
		json_builder_set_member_name(b, "created_at");
		json_builder_add_string_value(b, created_at);
	}
	json_builder_set_member_name(b, "order");
	json_builder_add_value(b, json_node_copy(order));
	json_builder_end_object(b);
	return json_builder_get_root(b);
}

/**
 * sdag_registry_register:
 * @problems: receives the validation problems, when there are any
 *
 * Validates @definition and, unless @dry_run, stores it. The same id with an
 * identical definition (after canonicalisation) is not an error; with a
 * different one it is SDAG_ERROR_CONFLICT. Invalid definitions fail with
 * SDAG_ERROR_INVALID_PIPELINE and @problems filled.
 *
 * Returns: (transfer full): the answer for the client
 */
JsonNode *
sdag_registry_register(SdagRegistry *self,
		       JsonNode *definition,
		       gboolean dry_run,
		       SdagRegisterOutcome *outcome,
		       GPtrArray *problems,
		       GError **error)
{
	g_autoptr(SdagDag) dag = sdag_dag_compile(definition, self->types, problems);
	g_autoptr(JsonNode) order = NULL;
	g_autoptr(GBytes) existing = NULL;
	g_autoptr(GError) error_local = NULL;
	g_autoptr(JsonBuilder) b = NULL;
	g_autoptr(JsonNode) record = NULL;
	g_autofree char *created_at = NULL;
	g_autofree char *text = NULL;

	if (dag == NULL) {
		g_set_error(error,
			    SDAG_ERROR,
			    SDAG_ERROR_INVALID_PIPELINE,
			    "the pipeline has %u problem(s)",
			    problems->len);
		return NULL;
	}
	order = sdag_dag_order_to_json(dag);
	if (dry_run) {
		*outcome = SDAG_REGISTER_VALID;
		return sdag_registry_answer(dag->pipeline_id, *outcome, NULL, order);
	}

	existing = sdag_registry_get(self, dag->pipeline_id, &error_local);
	if (existing == NULL && !g_error_matches(error_local, SDAG_ERROR, SDAG_ERROR_NOT_FOUND)) {
		g_propagate_error(error, g_steal_pointer(&error_local));
		return NULL;
	}
	if (existing != NULL) {
		g_autoptr(JsonNode) old = sdag_registry_parse_record(existing, error);
		g_autofree char *old_def = NULL;
		g_autofree char *new_def = NULL;
		JsonObject *old_obj;

		if (old == NULL)
			return NULL;
		old_obj = json_node_get_object(old);
		old_def = sdag_json_to_string(json_object_get_member(old_obj, "definition"));
		new_def = sdag_json_to_string(dag->definition);
		if (g_strcmp0(old_def, new_def) != 0) {
			g_set_error(error,
				    SDAG_ERROR,
				    SDAG_ERROR_CONFLICT,
				    "pipeline '%s' exists with a different definition; "
				    "pipeline ids are immutable, register under a new id",
				    dag->pipeline_id);
			return NULL;
		}
		*outcome = SDAG_REGISTER_UNCHANGED;
		return sdag_registry_answer(dag->pipeline_id,
					    *outcome,
					    json_object_get_string_member(old_obj, "created_at"),
					    order);
	}

	created_at = sdag_json_timestamp(g_get_real_time());
	b = json_builder_new_immutable();
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "created_at");
	json_builder_add_string_value(b, created_at);
	json_builder_set_member_name(b, "definition");
	json_builder_add_value(b, json_node_copy(dag->definition));
	json_builder_set_member_name(b, "order");
	json_builder_add_value(b, json_node_copy(order));
	json_builder_set_member_name(b, "pipeline_id");
	json_builder_add_string_value(b, dag->pipeline_id);
	json_builder_end_object(b);
	record = json_builder_get_root(b);
	text = sdag_json_to_string(record);
	if (!sdag_store_put(self->store,
			    SDAG_STORE_PIPELINES,
			    (const guint8 *)dag->pipeline_id,
			    strlen(dag->pipeline_id),
			    (const guint8 *)text,
			    strlen(text),
			    TRUE,
			    error))
		return NULL;
	g_info("registered pipeline %s (%u nodes)", dag->pipeline_id, dag->nodes->len);
	*outcome = SDAG_REGISTER_CREATED;
	return sdag_registry_answer(dag->pipeline_id, *outcome, created_at, order);
}

/**
 * sdag_registry_get:
 *
 * Returns: (transfer full): the stored record, or NULL with SDAG_ERROR_NOT_FOUND
 */
GBytes *
sdag_registry_get(SdagRegistry *self, const char *pipeline_id, GError **error)
{
	GBytes *blob = sdag_store_get(self->store,
				      SDAG_STORE_PIPELINES,
				      (const guint8 *)pipeline_id,
				      strlen(pipeline_id),
				      error);

	if (blob == NULL && error != NULL && *error != NULL &&
	    (*error)->code == SDAG_ERROR_NOT_FOUND) {
		g_clear_error(error);
		if (sdag_quarantine_contains(self->store, SDAG_STORE_PIPELINES, pipeline_id))
			g_set_error(error,
				    SDAG_ERROR,
				    SDAG_ERROR_NOT_FOUND,
				    "pipeline '%s' was quarantined: its stored record cannot be "
				    "read (see /healthz); DELETE removes it",
				    pipeline_id);
		else
			g_set_error(error,
				    SDAG_ERROR,
				    SDAG_ERROR_NOT_FOUND,
				    "no pipeline '%s'",
				    pipeline_id);
	}
	return blob;
}

typedef struct {
	JsonArray *list;
	GError *error;
} SdagRegistryListCtx;

static gboolean
sdag_registry_list_cb(const guint8 *key,
		      gsize key_len,
		      const guint8 *value,
		      gsize value_len,
		      gpointer user_data)
{
	SdagRegistryListCtx *ctx = user_data;
	g_autoptr(GBytes) blob = NULL;
	g_autoptr(JsonNode) record = NULL;
	JsonObject *rec;
	JsonObject *def;
	JsonObject *item;

	if (sdag_quarantine_is_key(key, key_len))
		return TRUE;
	blob = g_bytes_new_static(value, value_len);
	record = sdag_registry_parse_record(blob, &ctx->error);
	if (record == NULL)
		return FALSE;
	rec = json_node_get_object(record);
	def = json_object_get_object_member(rec, "definition");
	item = json_object_new();
	json_object_set_string_member(
	    item, "pipeline_id", json_object_get_string_member(rec, "pipeline_id"));
	json_object_set_string_member(
	    item,
	    "description",
	    json_object_get_string_member_with_default(def, "description", ""));
	json_object_set_string_member(
	    item, "created_at", json_object_get_string_member(rec, "created_at"));
	json_object_set_int_member(
	    item, "nodes", json_array_get_length(json_object_get_array_member(def, "nodes")));
	json_array_add_object_element(ctx->list, item);
	return TRUE;
}

/* Returns: (transfer full): `{"pipelines": [...]}`, ordered by id */
JsonNode *
sdag_registry_list(SdagRegistry *self, GError **error)
{
	SdagRegistryListCtx ctx = {json_array_new(), NULL};
	g_autoptr(JsonObject) obj = json_object_new();
	JsonNode *node;

	json_object_set_array_member(obj, "pipelines", ctx.list);
	if (!sdag_store_iter_prefix(
		self->store, SDAG_STORE_PIPELINES, NULL, 0, sdag_registry_list_cb, &ctx, error))
		return NULL;
	if (ctx.error != NULL) {
		g_propagate_error(error, ctx.error);
		return NULL;
	}
	node = json_node_new(JSON_NODE_OBJECT);
	json_node_set_object(node, obj);
	return node;
}

gboolean
sdag_registry_delete(SdagRegistry *self, const char *pipeline_id, GError **error)
{
	g_autoptr(GBytes) existing = NULL;

	if (sdag_quarantine_contains(self->store, SDAG_STORE_PIPELINES, pipeline_id)) {
		g_autoptr(SdagStoreBatch) batch = sdag_store_batch_new();

		sdag_quarantine_batch_delete(batch, SDAG_STORE_PIPELINES, pipeline_id);
		if (!sdag_store_write(self->store, batch, TRUE, error))
			return FALSE;
		g_info("deleted quarantined pipeline %s", pipeline_id);
		return TRUE;
	}
	existing = sdag_registry_get(self, pipeline_id, error);
	if (existing == NULL)
		return FALSE;
	if (!sdag_store_delete(self->store,
			       SDAG_STORE_PIPELINES,
			       (const guint8 *)pipeline_id,
			       strlen(pipeline_id),
			       TRUE,
			       error))
		return FALSE;
	g_info("deleted pipeline %s", pipeline_id);
	return TRUE;
}

/**
 * sdag_registry_load_dag:
 *
 * Compiles a stored pipeline for execution. A stored pipeline can stop
 * compiling when a plugin it needs was removed; that is reported as
 * SDAG_ERROR_INVALID_PIPELINE naming the first problem.
 *
 * Returns: (transfer full): the DAG
 */
SdagDag *
sdag_registry_load_dag(SdagRegistry *self, const char *pipeline_id, GError **error)
{
	g_autoptr(GBytes) blob = sdag_registry_get(self, pipeline_id, error);
	g_autoptr(JsonNode) record = NULL;
	g_autoptr(GPtrArray) problems = sdag_dag_problems_new();
	SdagDag *dag;

	if (blob == NULL)
		return NULL;
	record = sdag_registry_parse_record(blob, error);
	if (record == NULL)
		return NULL;
	dag = sdag_dag_compile(json_object_get_member(json_node_get_object(record), "definition"),
			       self->types,
			       problems);
	if (dag == NULL) {
		SdagDagProblem *p = g_ptr_array_index(problems, 0);
		g_set_error(error,
			    SDAG_ERROR,
			    SDAG_ERROR_INVALID_PIPELINE,
			    "stored pipeline '%s' no longer compiles: %s",
			    pipeline_id,
			    p->message);
		return NULL;
	}
	return dag;
}
