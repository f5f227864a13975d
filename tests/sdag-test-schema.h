/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

JsonNode *sdag_test_schema_load(const char *name);
gboolean sdag_test_schema_check(JsonNode *schema, JsonNode *value, GString *problems);

G_END_DECLS
