/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

#include "sdag-node.h"

G_BEGIN_DECLS

typedef struct _SdagNodeTypes SdagNodeTypes;

typedef struct {
	char *file;
	char *reason;
} SdagSkippedPlugin;

const char *sdag_port_type_to_string(SdagPortType type);
const char *sdag_param_type_to_string(SdagParamType type);
gboolean sdag_param_value_check(const SdagParamSpec *spec, JsonNode *value, GError **error);
JsonNode *sdag_param_value_normalize(const SdagParamSpec *spec, JsonNode *value);

SdagNodeTypes *sdag_node_types_new(void);
void sdag_node_types_free(SdagNodeTypes *self);
gboolean sdag_node_types_add(SdagNodeTypes *self, const SdagNodeDesc *desc, GError **error);
gboolean sdag_node_types_load_dir(SdagNodeTypes *self, const char *dir, GError **error);
const SdagNodeDesc *sdag_node_types_lookup(SdagNodeTypes *self, const char *name);
GPtrArray *sdag_node_types_list(SdagNodeTypes *self);
GPtrArray *sdag_node_types_get_skipped(SdagNodeTypes *self);
void sdag_node_types_set_settings(SdagNodeTypes *self, JsonObject *settings);
JsonObject *sdag_node_types_get_settings(SdagNodeTypes *self);
JsonNode *sdag_node_desc_to_json(const SdagNodeDesc *desc);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(SdagNodeTypes, sdag_node_types_free)

G_END_DECLS
