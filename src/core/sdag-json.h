/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* Containers nest at most this deep in any JSON the daemon reads. */
#define SDAG_JSON_MAX_DEPTH 64

gboolean sdag_json_check(const char *data, gsize len, GError **error);
JsonNode *sdag_json_parse(const char *data, gssize len, GError **error);
char *sdag_json_make_valid(const char *text);
int sdag_json_shortest(char *buf, gsize size, double v, gboolean single);
JsonNode *sdag_json_canonicalize(JsonNode *node);
char *sdag_json_to_string(JsonNode *node);
char *sdag_json_to_string_pretty(JsonNode *node);
char *sdag_json_timestamp(gint64 unix_us);
JsonNode *sdag_json_error_new(const char *code, const char *message, JsonNode *details);

G_END_DECLS
