/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

#include "sdag-dag.h"
#include "sdag-nodetypes.h"
#include "sdag-store.h"

G_BEGIN_DECLS

typedef struct _SdagRegistry SdagRegistry;

typedef enum {
	SDAG_REGISTER_CREATED,	 /* stored now */
	SDAG_REGISTER_UNCHANGED, /* the same definition was stored before */
	SDAG_REGISTER_VALID,	 /* dry run: valid, nothing stored */
} SdagRegisterOutcome;

SdagRegistry *sdag_registry_new(SdagStore *store, SdagNodeTypes *types);
void sdag_registry_free(SdagRegistry *self);
JsonNode *sdag_registry_register(SdagRegistry *self,
				 JsonNode *definition,
				 gboolean dry_run,
				 SdagRegisterOutcome *outcome,
				 GPtrArray *problems,
				 GError **error);
GBytes *sdag_registry_get(SdagRegistry *self, const char *pipeline_id, GError **error);
JsonNode *sdag_registry_list(SdagRegistry *self, GError **error);
gboolean sdag_registry_delete(SdagRegistry *self, const char *pipeline_id, GError **error);
SdagDag *sdag_registry_load_dag(SdagRegistry *self, const char *pipeline_id, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(SdagRegistry, sdag_registry_free)

G_END_DECLS
