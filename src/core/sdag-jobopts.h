/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef enum {
	SDAG_JOBOPT_INT,    /* an integer from lo to hi */
	SDAG_JOBOPT_NUMBER, /* an integer or a double from dlo to dhi */
	SDAG_JOBOPT_BOOL,
	SDAG_JOBOPT_CHOICE, /* one of choices */
	SDAG_JOBOPT_TEXT,   /* a non-empty string */
	SDAG_JOBOPT_OBJECT, /* checked by its owner (mqtt: sdag_pub_opts_apply_json) */
} SdagJobOptType;

typedef enum {
	SDAG_JOBOPT_ANY_SOURCE,
	SDAG_JOBOPT_LIVE_ONLY, /* rtsp, rtmp; refused for files and http(s) */
} SdagJobOptScope;

/**
 * SdagJobOptSpec:
 * @default_json: (nullable): set on every job that does not give the option
 * @lo_note: (nullable): what @lo means, in the refusal (max_frames: " (no limit)")
 *
 * One job option: the one table (sdag-jobopts.c) that parsing, the refusal that lists the
 * known options, and the test that holds docs/api.md, docs/live.md and openapi.json to it
 * all read.
 */
typedef struct {
	const char *name;
	SdagJobOptType type;
	SdagJobOptScope scope;
	gint64 lo;
	gint64 hi;
	double dlo;
	double dhi;
	const char *const *choices;
	const char *default_json;
	const char *lo_note;
} SdagJobOptSpec;

const SdagJobOptSpec *sdag_jobopts_get_table(guint *n);
const SdagJobOptSpec *sdag_jobopts_lookup(const char *name);
void sdag_jobopts_set_defaults(JsonObject *out);
gboolean
sdag_jobopts_parse(const SdagJobOptSpec *spec, JsonNode *value, JsonObject *out, GError **error);
char *sdag_jobopts_known_text(void);

G_END_DECLS
