/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "sdag-nodetypes"

#include "sdag-nodetypes.h"

#include <gmodule.h>
#include <string.h>

#include "sdag-error.h"
#include "sdag-json.h"
#include "sdag-topic.h"

/*
 * The node types known to the daemon. A plugin is trusted only as far as its
 * description is consistent: every plugin is checked here before its type is
 * usable, and a plugin that fails is remembered with the reason (served by
 * /healthz) instead of crashing or half-registering.
 */

struct _SdagNodeTypes {
	GHashTable *types;    /* name -> const SdagNodeDesc * */
	GPtrArray *modules;   /* GModule, kept open for the process's life */
	GPtrArray *skipped;   /* SdagSkippedPlugin */
	JsonObject *settings; /* the nodes' settings, handed read-only to their hooks */
};

static const char *sdag_port_type_names[SDAG_PORT_N_TYPES] =
    {"none", "frame", "detections", "tracks", "events", "counts", "image"};

static const char *sdag_param_type_names[SDAG_PARAM_N_TYPES] =
    {NULL, "int", "double", "bool", "string", "points", "strings", "name", "names"};

const char *
sdag_port_type_to_string(SdagPortType type)
{
	if ((guint)type >= SDAG_PORT_N_TYPES)
		return "invalid";
	return sdag_port_type_names[type];
}

const char *
sdag_param_type_to_string(SdagParamType type)
{
	if (type < SDAG_PARAM_INT || type >= SDAG_PARAM_N_TYPES)
		return "invalid";
	return sdag_param_type_names[type];
}

static void
sdag_skipped_plugin_free(SdagSkippedPlugin *skipped)
{
	g_free(skipped->file);
	g_free(skipped->reason);
	g_free(skipped);
}

static gboolean
sdag_is_identifier(const char *name)
{
	if (name == NULL || name[0] == '\0' || strlen(name) > 63)
		return FALSE;
	for (const char *p = name; *p != '\0'; p++) {
		if (!g_ascii_islower(*p) && !g_ascii_isdigit(*p) && *p != '_')
			return FALSE;
	}
	return TRUE;
}

static gboolean
sdag_number_in_range(const SdagParamSpec *spec, double v, const char *what, GError **error)
{
	if (spec->has_range && (v < spec->min || v > spec->max)) {
		g_set_error(error,
			    SDAG_ERROR,
			    SDAG_ERROR_INVALID_PIPELINE,
			    "%s %g is outside %g..%g",
			    what,
			    v,
			    spec->min,
			    spec->max);
		return FALSE;
	}
	return TRUE;
}

static gboolean
sdag_is_number(JsonNode *node)
{
	GType t;

	if (!JSON_NODE_HOLDS_VALUE(node))
		return FALSE;
	t = json_node_get_value_type(node);
	return t == G_TYPE_INT64 || t == G_TYPE_DOUBLE;
}

static gboolean
sdag_param_array_check(const SdagParamSpec *spec, JsonNode *value, GError **error)
{
	JsonArray *arr;
	guint n;

	if (!JSON_NODE_HOLDS_ARRAY(value)) {
		g_set_error_literal(error,
				    SDAG_ERROR,
				    SDAG_ERROR_INVALID_PIPELINE,
				    spec->type == SDAG_PARAM_POINTS ? "expected [[x, y], ...]"
								    : "expected [\"text\", ...]");
		return FALSE;
	}
	arr = json_node_get_array(value);
	n = json_array_get_length(arr);
	for (guint i = 0; i < n; i++) {
		JsonNode *el = json_array_get_element(arr, i);

		if (spec->type == SDAG_PARAM_STRINGS || spec->type == SDAG_PARAM_NAMES) {
			g_autoptr(GError) level_error = NULL;

			if (!JSON_NODE_HOLDS_VALUE(el) ||
			    json_node_get_value_type(el) != G_TYPE_STRING) {
				g_set_error(error,
					    SDAG_ERROR,
					    SDAG_ERROR_INVALID_PIPELINE,
					    "item %u is not a string",
					    i);
				return FALSE;
			}
			if (spec->type == SDAG_PARAM_NAMES &&
			    !sdag_topic_check_level(json_node_get_string(el), -1, &level_error)) {
				g_set_error(error,
					    SDAG_ERROR,
					    SDAG_ERROR_INVALID_PIPELINE,
					    "item %u is %s",
					    i,
					    level_error->message);
				return FALSE;
			}
		} else {
			JsonArray *pt = JSON_NODE_HOLDS_ARRAY(el) ? json_node_get_array(el) : NULL;

			if (pt == NULL || json_array_get_length(pt) != 2 ||
			    !sdag_is_number(json_array_get_element(pt, 0)) ||
			    !sdag_is_number(json_array_get_element(pt, 1))) {
				g_set_error(error,
					    SDAG_ERROR,
					    SDAG_ERROR_INVALID_PIPELINE,
					    "point %u is not [x, y]",
					    i);
				return FALSE;
			}
		}
	}
	return sdag_number_in_range(spec, n, "item count", error);
}

/**
 * sdag_param_value_check:
 *
 * Checks one value against its schema entry: type, then range. Any JSON
 * number is accepted for a double param; an int param takes only numbers
 * written without a fraction or exponent (2, not 2.0).
 */
gboolean
sdag_param_value_check(const SdagParamSpec *spec, JsonNode *value, GError **error)
{
	GType t = JSON_NODE_HOLDS_VALUE(value) ? json_node_get_value_type(value) : G_TYPE_INVALID;

	switch (spec->type) {
	case SDAG_PARAM_INT:
		if (t != G_TYPE_INT64) {
			g_set_error_literal(
			    error, SDAG_ERROR, SDAG_ERROR_INVALID_PIPELINE, "expected an integer");
			return FALSE;
		}
		return sdag_number_in_range(spec, json_node_get_int(value), "value", error);
	case SDAG_PARAM_DOUBLE:
		if (t != G_TYPE_INT64 && t != G_TYPE_DOUBLE) {
			g_set_error_literal(
			    error, SDAG_ERROR, SDAG_ERROR_INVALID_PIPELINE, "expected a number");
			return FALSE;
		}
		return sdag_number_in_range(spec,
					    t == G_TYPE_INT64 ? (double)json_node_get_int(value)
							      : json_node_get_double(value),
					    "value",
					    error);
	case SDAG_PARAM_BOOL:
		if (t != G_TYPE_BOOLEAN) {
			g_set_error_literal(error,
					    SDAG_ERROR,
					    SDAG_ERROR_INVALID_PIPELINE,
					    "expected true or false");
			return FALSE;
		}
		return TRUE;
	case SDAG_PARAM_STRING:
	case SDAG_PARAM_NAME:
		if (t != G_TYPE_STRING) {
			g_set_error_literal(
			    error, SDAG_ERROR, SDAG_ERROR_INVALID_PIPELINE, "expected a string");
			return FALSE;
		}
		/* a name is published as one topic level: a broker drops a client that sends
		 * a wildcard in a topic name */
		if (spec->type == SDAG_PARAM_NAME &&
		    !sdag_topic_check_level(json_node_get_string(value), -1, error))
			return FALSE;
		return sdag_number_in_range(
		    spec, strlen(json_node_get_string(value)), "length", error);
	case SDAG_PARAM_POINTS:
	case SDAG_PARAM_STRINGS:
	case SDAG_PARAM_NAMES:
		return sdag_param_array_check(spec, value, error);
	default:
		g_set_error_literal(error,
				    SDAG_ERROR,
				    SDAG_ERROR_INVALID_PIPELINE,
				    "param has an invalid type in its schema");
		return FALSE;
	}
}

static JsonNode *
sdag_json_double_new(JsonNode *number)
{
	JsonNode *n = json_node_new(JSON_NODE_VALUE);

	json_node_set_double(n,
			     json_node_get_value_type(number) == G_TYPE_INT64
				 ? (double)json_node_get_int(number)
				 : json_node_get_double(number));
	return n;
}

/**
 * sdag_param_value_normalize:
 * @value: a value that passed sdag_param_value_check()
 *
 * Numbers of double and points params become doubles, so that `1` and `1.0`
 * store alike and two spellings of one pipeline compare equal.
 *
 * Returns: (transfer full): the normalised copy
 */
JsonNode *
sdag_param_value_normalize(const SdagParamSpec *spec, JsonNode *value)
{
	if (spec->type == SDAG_PARAM_DOUBLE)
		return sdag_json_double_new(value);
	if (spec->type == SDAG_PARAM_POINTS) {
		JsonArray *in = json_node_get_array(value);
		JsonArray *out = json_array_sized_new(json_array_get_length(in));
		JsonNode *res = json_node_new(JSON_NODE_ARRAY);

		for (guint i = 0; i < json_array_get_length(in); i++) {
			JsonArray *pt = json_array_get_array_element(in, i);
			JsonArray *npt = json_array_sized_new(2);

			json_array_add_element(npt,
					       sdag_json_double_new(json_array_get_element(pt, 0)));
			json_array_add_element(npt,
					       sdag_json_double_new(json_array_get_element(pt, 1)));
			json_array_add_array_element(out, npt);
		}
		json_node_take_array(res, out);
		return res;
	}
	return json_node_copy(value);
}

static gboolean
sdag_ports_check(const SdagPortSpec *ports, guint n, const char *dir, GError **error)
{
	if (n > 0 && ports == NULL) {
		g_set_error(error, SDAG_ERROR, SDAG_ERROR_PLUGIN, "%s ports missing", dir);
		return FALSE;
	}
	for (guint i = 0; i < n; i++) {
		if (!sdag_is_identifier(ports[i].name)) {
			g_set_error(error,
				    SDAG_ERROR,
				    SDAG_ERROR_PLUGIN,
				    "%s port %u has an invalid name",
				    dir,
				    i);
			return FALSE;
		}
		if (ports[i].type <= SDAG_PORT_NONE || ports[i].type >= SDAG_PORT_N_TYPES) {
			g_set_error(error,
				    SDAG_ERROR,
				    SDAG_ERROR_PLUGIN,
				    "%s port '%s' has an invalid type",
				    dir,
				    ports[i].name);
			return FALSE;
		}
		for (guint j = 0; j < i; j++) {
			if (g_strcmp0(ports[i].name, ports[j].name) == 0) {
				g_set_error(error,
					    SDAG_ERROR,
					    SDAG_ERROR_PLUGIN,
					    "%s port '%s' is declared twice",
					    dir,
					    ports[i].name);
				return FALSE;
			}
		}
	}
	return TRUE;
}

static gboolean
sdag_params_check(const SdagNodeDesc *desc, GError **error)
{
	if (desc->n_params > 0 && desc->params == NULL) {
		g_set_error_literal(error, SDAG_ERROR, SDAG_ERROR_PLUGIN, "params missing");
		return FALSE;
	}
	for (guint i = 0; i < desc->n_params; i++) {
		const SdagParamSpec *spec = &desc->params[i];
		g_autoptr(JsonNode) def = NULL;
		g_autoptr(GError) error_local = NULL;

		if (!sdag_is_identifier(spec->name) || spec->type < SDAG_PARAM_INT ||
		    spec->type >= SDAG_PARAM_N_TYPES) {
			g_set_error(error,
				    SDAG_ERROR,
				    SDAG_ERROR_PLUGIN,
				    "param %u has an invalid name or type",
				    i);
			return FALSE;
		}
		for (guint j = 0; j < i; j++) {
			if (g_strcmp0(desc->params[j].name, spec->name) == 0) {
				g_set_error(error,
					    SDAG_ERROR,
					    SDAG_ERROR_PLUGIN,
					    "param '%s' is declared twice",
					    spec->name);
				return FALSE;
			}
		}
		if (spec->has_range && spec->min > spec->max) {
			g_set_error(error,
				    SDAG_ERROR,
				    SDAG_ERROR_PLUGIN,
				    "param '%s' has min %g above max %g",
				    spec->name,
				    spec->min,
				    spec->max);
			return FALSE;
		}
		if (spec->default_json == NULL)
			continue;
		def = sdag_json_parse(spec->default_json, -1, &error_local);
		if (def == NULL || !sdag_param_value_check(spec, def, &error_local)) {
			g_set_error(error,
				    SDAG_ERROR,
				    SDAG_ERROR_PLUGIN,
				    "param '%s' has an invalid default: %s",
				    spec->name,
				    error_local->message);
			return FALSE;
		}
	}
	return TRUE;
}

/* Everything the DAG validator and the executor take for granted. */
static gboolean
sdag_node_desc_check(const SdagNodeDesc *desc, GError **error)
{
	if (desc->abi_version != SDAG_NODE_ABI_VERSION) {
		g_set_error(error,
			    SDAG_ERROR,
			    SDAG_ERROR_PLUGIN,
			    "ABI version %u, expected %u",
			    desc->abi_version,
			    SDAG_NODE_ABI_VERSION);
		return FALSE;
	}
	if (!sdag_is_identifier(desc->name)) {
		g_set_error_literal(error,
				    SDAG_ERROR,
				    SDAG_ERROR_PLUGIN,
				    "node type name must be 1-63 of [a-z0-9_]");
		return FALSE;
	}
	if (desc->version == NULL || (desc->init == NULL && desc->init_with_settings == NULL) ||
	    desc->process == NULL || desc->finalize == NULL) {
		g_set_error_literal(error,
				    SDAG_ERROR,
				    SDAG_ERROR_PLUGIN,
				    "version, init, process and finalize are required");
		return FALSE;
	}
	if (desc->n_state_keys > 0 &&
	    (desc->state_keys == NULL || desc->save_state == NULL || desc->load_state == NULL)) {
		g_set_error_literal(error,
				    SDAG_ERROR,
				    SDAG_ERROR_PLUGIN,
				    "declared state keys need save_state and load_state");
		return FALSE;
	}
	for (guint i = 0; i < desc->n_state_keys; i++) {
		if (!sdag_is_identifier(desc->state_keys[i].name)) {
			g_set_error(error,
				    SDAG_ERROR,
				    SDAG_ERROR_PLUGIN,
				    "state key %u has an invalid name",
				    i);
			return FALSE;
		}
	}
	/* a bit the executor does not know would be silently ignored, and the
	 * node would then be handed frames in a format it never asked for */
	if ((desc->frame_formats & ~(guint32)SDAG_FRAME_FORMATS_KNOWN) != 0) {
		g_set_error(error,
			    SDAG_ERROR,
			    SDAG_ERROR_PLUGIN,
			    "frame_formats 0x%x has bits of no known frame format",
			    desc->frame_formats);
		return FALSE;
	}
	if (!sdag_ports_check(desc->inputs, desc->n_inputs, "input", error) ||
	    !sdag_ports_check(desc->outputs, desc->n_outputs, "output", error) ||
	    !sdag_params_check(desc, error))
		return FALSE;
	return TRUE;
}

static void
sdag_module_close(gpointer module)
{
	g_module_close(module);
}

SdagNodeTypes *
sdag_node_types_new(void)
{
	SdagNodeTypes *self = g_new0(SdagNodeTypes, 1);

	self->types = g_hash_table_new(g_str_hash, g_str_equal);
	self->modules = g_ptr_array_new_with_free_func(sdag_module_close);
	self->skipped = g_ptr_array_new_with_free_func((GDestroyNotify)sdag_skipped_plugin_free);
	self->settings = json_object_new();
	return self;
}

/**
 * sdag_node_types_set_settings:
 * @settings: (transfer none): the nodes' settings ([nodes] of the config)
 *
 * Sets what validate_with_settings and init_with_settings get; before any pipeline is
 * compiled, since compiled pipelines keep the settings they were compiled with.
 */
void
sdag_node_types_set_settings(SdagNodeTypes *self, JsonObject *settings)
{
	json_object_ref(settings);
	json_object_unref(self->settings);
	self->settings = settings;
}

/* Returns: (transfer none): the nodes' settings, an empty object unless set */
JsonObject *
sdag_node_types_get_settings(SdagNodeTypes *self)
{
	return self->settings;
}

void
sdag_node_types_free(SdagNodeTypes *self)
{
	if (self == NULL)
		return;
	g_hash_table_unref(self->types);
	g_ptr_array_unref(self->modules);
	g_ptr_array_unref(self->skipped);
	json_object_unref(self->settings);
	g_free(self);
}

/**
 * sdag_node_types_add:
 * @desc: (transfer none): must outlive @self
 *
 * Adds a node type after checking its description.
 */
gboolean
sdag_node_types_add(SdagNodeTypes *self, const SdagNodeDesc *desc, GError **error)
{
	if (!sdag_node_desc_check(desc, error))
		return FALSE;
	if (g_hash_table_contains(self->types, desc->name)) {
		g_set_error(error,
			    SDAG_ERROR,
			    SDAG_ERROR_PLUGIN,
			    "node type '%s' is already registered",
			    desc->name);
		return FALSE;
	}
	g_hash_table_insert(self->types, (gpointer)desc->name, (gpointer)desc);
	return TRUE;
}

/**
 * sdag_node_types_load_file:
 *
 * Loads one plugin. On failure the module is closed again and the error
 * says why; the caller decides whether that is fatal.
 */
static gboolean
sdag_node_types_load_file(SdagNodeTypes *self, const char *path, GError **error)
{
	/* no G_MODULE_BIND_LAZY: an unresolved symbol refuses the plugin here
	 * rather than killing the daemon on the first frame that calls it */
	GModule *module = g_module_open(path, G_MODULE_BIND_LOCAL);
	SdagNodeDescribeFunc describe = NULL;
	const SdagNodeDesc *desc;

	if (module == NULL) {
		g_set_error(error, SDAG_ERROR, SDAG_ERROR_PLUGIN, "%s", g_module_error());
		return FALSE;
	}
	if (!g_module_symbol(module, SDAG_NODE_ENTRY_SYMBOL, (gpointer *)&describe) ||
	    describe == NULL) {
		g_set_error(
		    error, SDAG_ERROR, SDAG_ERROR_PLUGIN, "no symbol %s", SDAG_NODE_ENTRY_SYMBOL);
		g_module_close(module);
		return FALSE;
	}
	desc = describe();
	if (desc == NULL) {
		g_set_error(error,
			    SDAG_ERROR,
			    SDAG_ERROR_PLUGIN,
			    "%s returned no description",
			    SDAG_NODE_ENTRY_SYMBOL);
		g_module_close(module);
		return FALSE;
	}
	if (!sdag_node_types_add(self, desc, error)) {
		g_module_close(module);
		return FALSE;
	}
	g_ptr_array_add(self->modules, module);
	return TRUE;
}

static gint
sdag_strcmp_cb(gconstpointer a, gconstpointer b)
{
	return g_strcmp0(*(const char *const *)a, *(const char *const *)b);
}

/**
 * sdag_node_types_load_dir:
 *
 * Loads every `*.so` in @dir, in name order so that which of two plugins
 * declaring the same type wins is predictable. A plugin that fails is skipped
 * with a logged reason; only an unreadable directory is an error.
 */
gboolean
sdag_node_types_load_dir(SdagNodeTypes *self, const char *dir, GError **error)
{
	g_autoptr(GError) error_local = NULL;
	g_autoptr(GDir) d = g_dir_open(dir, 0, &error_local);
	g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
	const char *name;

	if (d == NULL) {
		g_set_error(error,
			    SDAG_ERROR,
			    SDAG_ERROR_PLUGIN,
			    "plugin directory: %s",
			    error_local->message);
		return FALSE;
	}
	while ((name = g_dir_read_name(d)) != NULL) {
		if (g_str_has_suffix(name, ".so"))
			g_ptr_array_add(names, g_strdup(name));
	}
	g_ptr_array_sort(names, sdag_strcmp_cb);
	for (guint i = 0; i < names->len; i++) {
		g_autofree char *path = g_build_filename(dir, g_ptr_array_index(names, i), NULL);
		g_autoptr(GError) error_plugin = NULL;
		SdagSkippedPlugin *skipped;

		if (sdag_node_types_load_file(self, path, &error_plugin))
			continue;
		g_warning("skipping node plugin %s: %s", path, error_plugin->message);
		skipped = g_new0(SdagSkippedPlugin, 1);
		skipped->file = g_steal_pointer(&path);
		skipped->reason = g_strdup(error_plugin->message);
		g_ptr_array_add(self->skipped, skipped);
	}
	return TRUE;
}

const SdagNodeDesc *
sdag_node_types_lookup(SdagNodeTypes *self, const char *name)
{
	return g_hash_table_lookup(self->types, name);
}

static gint
sdag_desc_cmp_cb(gconstpointer a, gconstpointer b)
{
	const SdagNodeDesc *da = *(const SdagNodeDesc *const *)a;
	const SdagNodeDesc *db = *(const SdagNodeDesc *const *)b;
	return g_strcmp0(da->name, db->name);
}

/* Returns: (transfer container): the node descriptions, by name */
GPtrArray *
sdag_node_types_list(SdagNodeTypes *self)
{
	GPtrArray *list = g_ptr_array_new();
	GHashTableIter iter;
	gpointer value;

	g_hash_table_iter_init(&iter, self->types);
	while (g_hash_table_iter_next(&iter, NULL, &value))
		g_ptr_array_add(list, value);
	g_ptr_array_sort(list, sdag_desc_cmp_cb);
	return list;
}

/* Returns: (transfer none): SdagSkippedPlugin entries */
GPtrArray *
sdag_node_types_get_skipped(SdagNodeTypes *self)
{
	return self->skipped;
}

static void
sdag_ports_to_json(JsonBuilder *b, const SdagPortSpec *ports, guint n, gboolean inputs)
{
	json_builder_begin_array(b);
	for (guint i = 0; i < n; i++) {
		json_builder_begin_object(b);
		json_builder_set_member_name(b, "name");
		json_builder_add_string_value(b, ports[i].name);
		json_builder_set_member_name(b, "type");
		json_builder_add_string_value(b, sdag_port_type_to_string(ports[i].type));
		if (inputs) {
			json_builder_set_member_name(b, "optional");
			json_builder_add_boolean_value(b, ports[i].optional);
		}
		json_builder_set_member_name(b, "description");
		json_builder_add_string_value(b, ports[i].description ? ports[i].description : "");
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
}

/* Returns: (transfer full): the description as served by GET /node-types */
JsonNode *
sdag_node_desc_to_json(const SdagNodeDesc *desc)
{
	g_autoptr(JsonBuilder) b = json_builder_new_immutable();

	json_builder_begin_object(b);
	json_builder_set_member_name(b, "name");
	json_builder_add_string_value(b, desc->name);
	json_builder_set_member_name(b, "version");
	json_builder_add_string_value(b, desc->version);
	json_builder_set_member_name(b, "description");
	json_builder_add_string_value(b, desc->description ? desc->description : "");
	json_builder_set_member_name(b, "inputs");
	sdag_ports_to_json(b, desc->inputs, desc->n_inputs, TRUE);
	json_builder_set_member_name(b, "outputs");
	sdag_ports_to_json(b, desc->outputs, desc->n_outputs, FALSE);
	json_builder_set_member_name(b, "params");
	json_builder_begin_array(b);
	for (guint i = 0; i < desc->n_params; i++) {
		const SdagParamSpec *spec = &desc->params[i];

		json_builder_begin_object(b);
		json_builder_set_member_name(b, "name");
		json_builder_add_string_value(b, spec->name);
		json_builder_set_member_name(b, "type");
		json_builder_add_string_value(b, sdag_param_type_to_string(spec->type));
		json_builder_set_member_name(b, "required");
		json_builder_add_boolean_value(b, spec->default_json == NULL);
		if (spec->default_json != NULL) {
			/* checked parseable when the type was added */
			g_autoptr(JsonNode) def = sdag_json_parse(spec->default_json, -1, NULL);
			json_builder_set_member_name(b, "default");
			json_builder_add_value(b, sdag_param_value_normalize(spec, def));
		}
		if (spec->has_range && spec->type != SDAG_PARAM_BOOL) {
			json_builder_set_member_name(b, "min");
			json_builder_add_double_value(b, spec->min);
			json_builder_set_member_name(b, "max");
			json_builder_add_double_value(b, spec->max);
		}
		json_builder_set_member_name(b, "description");
		json_builder_add_string_value(b, spec->description ? spec->description : "");
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
	json_builder_set_member_name(b, "state_keys");
	json_builder_begin_array(b);
	for (guint i = 0; i < desc->n_state_keys; i++) {
		json_builder_begin_object(b);
		json_builder_set_member_name(b, "name");
		json_builder_add_string_value(b, desc->state_keys[i].name);
		json_builder_set_member_name(b, "description");
		json_builder_add_string_value(
		    b, desc->state_keys[i].description ? desc->state_keys[i].description : "");
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
	json_builder_end_object(b);
	return json_builder_get_root(b);
}
