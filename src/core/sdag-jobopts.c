/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The job options: one table of names, types, ranges, defaults and the sources each applies
 * to. Pure: the job manager parses POST /jobs options with it, and
 * tests/sdag-jobopts-test.c checks every row and that the documents name exactly these.
 */
#define G_LOG_DOMAIN "sdag-jobopts"

#include "sdag-jobopts.h"

#include "sdag-error.h"

static const char *const sdag_jobopts_interrupt[] = {"fail", "requeue", NULL};
static const char *const sdag_jobopts_transport[] = {"auto", "tcp", "udp", NULL};
static const char *const sdag_jobopts_decode[] = {"all", "reference", "keyframes", NULL};

#define INT(n, s, l, h)                                                          \
	{                                                                        \
		.name = n, .type = SDAG_JOBOPT_INT, .scope = s, .lo = l, .hi = h \
	}
#define LIVE SDAG_JOBOPT_LIVE_ONLY

/* In the order the refusal of an unknown option lists them: every source's, then live's. */
static const SdagJobOptSpec sdag_jobopts_table[] = {
    {.name = "stride", .type = SDAG_JOBOPT_INT, .lo = 1, .hi = 10000, .default_json = "1"},
    /* the largest integer a JSON double holds exactly */
    {.name = "max_frames",
     .type = SDAG_JOBOPT_INT,
     .lo = 0,
     .hi = G_GINT64_CONSTANT(1) << 53,
     .default_json = "0",
     .lo_note = " (no limit)"},
    {.name = "on_interrupt",
     .type = SDAG_JOBOPT_CHOICE,
     .choices = sdag_jobopts_interrupt,
     .default_json = "\"fail\""},
    {.name = "decode",
     .type = SDAG_JOBOPT_CHOICE,
     .choices = sdag_jobopts_decode,
     .default_json = "\"all\""},
    {.name = "mqtt", .type = SDAG_JOBOPT_OBJECT},
    {.name = "transport",
     .type = SDAG_JOBOPT_CHOICE,
     .scope = LIVE,
     .choices = sdag_jobopts_transport},
    INT("latency_ms", LIVE, 0, 60000),
    {.name = "user", .type = SDAG_JOBOPT_TEXT, .scope = LIVE},
    {.name = "password", .type = SDAG_JOBOPT_TEXT, .scope = LIVE},
    {.name = "end_on_eos", .type = SDAG_JOBOPT_BOOL, .scope = LIVE},
    {.name = "fail_fast", .type = SDAG_JOBOPT_BOOL, .scope = LIVE},
    INT("max_duration_s", LIVE, 0, G_GINT64_CONSTANT(1) << 40),
    INT("backoff_initial_ms", LIVE, 10, 3600000),
    INT("backoff_max_ms", LIVE, 10, 3600000),
    {.name = "backoff_factor", .type = SDAG_JOBOPT_NUMBER, .scope = LIVE, .dlo = 1.0, .dhi = 10.0},
    INT("stall_timeout_floor_ms", LIVE, 100, 600000),
    INT("connect_timeout_ms", LIVE, 100, 600000),
    INT("max_lag_ms", LIVE, 10, 60000),
    INT("max_queued_frames", LIVE, 1, 1000),
};

const SdagJobOptSpec *
sdag_jobopts_get_table(guint *n)
{
	*n = G_N_ELEMENTS(sdag_jobopts_table);
	return sdag_jobopts_table;
}

/* Returns: (nullable): the option named @name */
const SdagJobOptSpec *
sdag_jobopts_lookup(const char *name)
{
	for (guint i = 0; i < G_N_ELEMENTS(sdag_jobopts_table); i++) {
		if (g_strcmp0(sdag_jobopts_table[i].name, name) == 0)
			return &sdag_jobopts_table[i];
	}
	return NULL;
}

/* The options every job shows even when it did not give them. */
void
sdag_jobopts_set_defaults(JsonObject *out)
{
	for (guint i = 0; i < G_N_ELEMENTS(sdag_jobopts_table); i++) {
		const SdagJobOptSpec *spec = &sdag_jobopts_table[i];
		g_autoptr(JsonNode) node = NULL;

		if (spec->default_json == NULL)
			continue;
		node = json_from_string(spec->default_json, NULL);
		json_object_set_member(out, spec->name, g_steal_pointer(&node));
	}
}

/* "\"a\", \"b\" or \"c\"" */
static char *
sdag_jobopts_choices_text(const char *const *choices)
{
	GString *out = g_string_new(NULL);
	guint n = g_strv_length((char **)choices);

	for (guint i = 0; i < n; i++) {
		if (i > 0)
			g_string_append(out, i + 1 == n ? " or " : ", ");
		g_string_append_printf(out, "\"%s\"", choices[i]);
	}
	return g_string_free(out, FALSE);
}

/**
 * sdag_jobopts_parse:
 *
 * Checks one option's value against its row and copies it into @out. An OBJECT option is
 * copied as it is: its owner checks it.
 *
 * Returns: %FALSE with SDAG_ERROR_BAD_OPTION
 */
gboolean
sdag_jobopts_parse(const SdagJobOptSpec *spec, JsonNode *value, JsonObject *out, GError **error)
{
	GType type = JSON_NODE_HOLDS_VALUE(value) ? json_node_get_value_type(value)
						  : G_TYPE_INVALID;

	switch (spec->type) {
	case SDAG_JOBOPT_INT: {
		gint64 v = type == G_TYPE_INT64 ? json_node_get_int(value) : 0;
		if (type != G_TYPE_INT64 || v < spec->lo || v > spec->hi) {
			g_set_error(error,
				    SDAG_ERROR,
				    SDAG_ERROR_BAD_OPTION,
				    "option '%s' must be an integer from %" G_GINT64_FORMAT
				    "%s to %" G_GINT64_FORMAT,
				    spec->name,
				    spec->lo,
				    spec->lo_note != NULL ? spec->lo_note : "",
				    spec->hi);
			return FALSE;
		}
		json_object_set_int_member(out, spec->name, v);
		return TRUE;
	}
	case SDAG_JOBOPT_NUMBER: {
		double v = 0;
		if ((type != G_TYPE_INT64 && type != G_TYPE_DOUBLE) ||
		    (v = json_node_get_double(value)) < spec->dlo || v > spec->dhi) {
			g_set_error(error,
				    SDAG_ERROR,
				    SDAG_ERROR_BAD_OPTION,
				    "option '%s' must be a number from %g to %g",
				    spec->name,
				    spec->dlo,
				    spec->dhi);
			return FALSE;
		}
		json_object_set_double_member(out, spec->name, v);
		return TRUE;
	}
	case SDAG_JOBOPT_BOOL:
		if (type != G_TYPE_BOOLEAN) {
			g_set_error(error,
				    SDAG_ERROR,
				    SDAG_ERROR_BAD_OPTION,
				    "option '%s' must be true or false",
				    spec->name);
			return FALSE;
		}
		json_object_set_boolean_member(out, spec->name, json_node_get_boolean(value));
		return TRUE;
	case SDAG_JOBOPT_CHOICE: {
		const char *s = type == G_TYPE_STRING ? json_node_get_string(value) : NULL;
		if (s == NULL || !g_strv_contains(spec->choices, s)) {
			g_autofree char *choices = sdag_jobopts_choices_text(spec->choices);
			g_set_error(error,
				    SDAG_ERROR,
				    SDAG_ERROR_BAD_OPTION,
				    "option '%s' must be %s",
				    spec->name,
				    choices);
			return FALSE;
		}
		json_object_set_string_member(out, spec->name, s);
		return TRUE;
	}
	case SDAG_JOBOPT_TEXT:
		if (type != G_TYPE_STRING || json_node_get_string(value)[0] == '\0') {
			g_set_error(error,
				    SDAG_ERROR,
				    SDAG_ERROR_BAD_OPTION,
				    "option '%s' must be a non-empty string",
				    spec->name);
			return FALSE;
		}
		json_object_set_string_member(out, spec->name, json_node_get_string(value));
		return TRUE;
	case SDAG_JOBOPT_OBJECT:
	default:
		json_object_set_member(out, spec->name, json_node_copy(value));
		return TRUE;
	}
}

/* "stride, max_frames, on_interrupt, decode, mqtt; for live sources also transport, ...", for the
 * refusal of an unknown option */
char *
sdag_jobopts_known_text(void)
{
	GString *any = g_string_new(NULL);
	GString *live = g_string_new(NULL);

	for (guint i = 0; i < G_N_ELEMENTS(sdag_jobopts_table); i++) {
		const SdagJobOptSpec *spec = &sdag_jobopts_table[i];
		GString *to = spec->scope == SDAG_JOBOPT_LIVE_ONLY ? live : any;

		if (to->len > 0)
			g_string_append(to, ", ");
		g_string_append(to, spec->name);
	}
	g_string_append_printf(any, "; for live sources also %s", live->str);
	g_string_free(live, TRUE);
	return g_string_free(any, FALSE);
}
