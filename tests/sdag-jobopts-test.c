/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The job options' table without a daemon: one case per value accepted or refused, the
 * defaults, the refusal that lists the known options, and the documents that must name
 * exactly the table's options (docs/api.md, docs/live.md, openapi.json).
 */
#include "sdag-error.h"
#include "sdag-jobopts.h"

#include <string.h>

typedef struct {
	const char *option;
	const char *value;   /* JSON */
	const char *message; /* NULL: accepted */
} OptCase;

static const OptCase opt_cases[] = {
    {"stride", "5", NULL},
    {"stride", "0", "option 'stride' must be an integer from 1 to 10000"},
    {"stride", "2.5", "option 'stride' must be an integer from 1 to 10000"},
    {"max_frames", "9007199254740992", NULL},
    {"max_frames",
     "-1",
     "option 'max_frames' must be an integer from 0 (no limit) to 9007199254740992"},
    {"on_interrupt", "\"requeue\"", NULL},
    {"on_interrupt", "\"retry\"", "option 'on_interrupt' must be \"fail\" or \"requeue\""},
    {"mqtt", "{\"qos_events\":2}", NULL},
    {"transport", "\"tcp\"", NULL},
    {"transport", "1", "option 'transport' must be \"auto\", \"tcp\" or \"udp\""},
    {"latency_ms", "60000", NULL},
    {"latency_ms", "60001", "option 'latency_ms' must be an integer from 0 to 60000"},
    {"user", "\"admin\"", NULL},
    {"password", "\"\"", "option 'password' must be a non-empty string"},
    {"end_on_eos", "true", NULL},
    {"fail_fast", "\"yes\"", "option 'fail_fast' must be true or false"},
    {"max_duration_s", "1099511627776", NULL},
    {"max_duration_s",
     "1099511627777",
     "option 'max_duration_s' must be an integer from 0 to 1099511627776"},
    {"backoff_initial_ms",
     "9",
     "option 'backoff_initial_ms' must be an integer from 10 to 3600000"},
    {"backoff_max_ms", "3600000", NULL},
    {"backoff_factor", "1.5", NULL},
    {"backoff_factor", "3", NULL},
    {"backoff_factor", "0.5", "option 'backoff_factor' must be a number from 1 to 10"},
    {"stall_timeout_floor_ms",
     "99",
     "option 'stall_timeout_floor_ms' must be an integer from 100 to 600000"},
    {"connect_timeout_ms", "600000", NULL},
    {"max_lag_ms", "10", NULL},
    {"max_queued_frames", "1001", "option 'max_queued_frames' must be an integer from 1 to 1000"},
};

static void
test_option(gconstpointer data)
{
	const OptCase *c = data;
	const SdagJobOptSpec *spec = sdag_jobopts_lookup(c->option);
	g_autoptr(JsonNode) value = json_from_string(c->value, NULL);
	g_autoptr(JsonObject) out = json_object_new();
	g_autoptr(GError) error = NULL;
	gboolean ok;

	g_assert_nonnull(spec);
	g_assert_nonnull(value);
	ok = sdag_jobopts_parse(spec, value, out, &error);
	if (c->message == NULL) {
		g_assert_no_error(error);
		g_assert_true(ok);
		g_assert_true(json_object_has_member(out, c->option));
		return;
	}
	g_assert_false(ok);
	g_assert_error(error, SDAG_ERROR, SDAG_ERROR_BAD_OPTION);
	g_assert_cmpstr(error->message, ==, c->message);
	g_assert_false(json_object_has_member(out, c->option));
}

static void
test_defaults(void)
{
	g_autoptr(JsonObject) out = json_object_new();
	g_autoptr(JsonNode) node = json_node_new(JSON_NODE_OBJECT);
	g_autoptr(JsonGenerator) gen = json_generator_new();
	g_autofree char *text = NULL;

	sdag_jobopts_set_defaults(out);
	json_node_set_object(node, out);
	json_generator_set_root(gen, node);
	text = json_generator_to_data(gen, NULL);
	/* the bytes every stored job has had: the record layout does not change */
	g_assert_cmpstr(
	    text,
	    ==,
	    "{\"stride\":1,\"max_frames\":0,\"on_interrupt\":\"fail\",\"decode\":\"all\"}");
}

static void
test_known_text(void)
{
	g_autofree char *text = sdag_jobopts_known_text();

	g_assert_cmpstr(
	    text,
	    ==,
	    "stride, max_frames, on_interrupt, decode, mqtt; for live sources also transport, "
	    "latency_ms, user, password, end_on_eos, fail_fast, max_duration_s, "
	    "backoff_initial_ms, backoff_max_ms, backoff_factor, stall_timeout_floor_ms, "
	    "connect_timeout_ms, max_lag_ms, max_queued_frames");
	g_assert_null(sdag_jobopts_lookup("max_frame"));
}

static GPtrArray *
table_names(void)
{
	guint n = 0;
	const SdagJobOptSpec *table = sdag_jobopts_get_table(&n);
	GPtrArray *names = g_ptr_array_new_with_free_func(g_free);

	for (guint i = 0; i < n; i++)
		g_ptr_array_add(names, g_strdup(table[i].name));
	return names;
}

static gint
cmp_cb(gconstpointer a, gconstpointer b)
{
	return g_strcmp0(*(const char *const *)a, *(const char *const *)b);
}

static char *
joined_sorted(GPtrArray *names)
{
	g_ptr_array_sort(names, cmp_cb);
	g_ptr_array_add(names, NULL);
	return g_strjoinv(" ", (char **)names->pdata);
}

/* The `names` of the first column of the first table under @heading in docs/@file. */
static void
doc_names(const char *file, const char *heading, GPtrArray *into)
{
	g_autofree char *path =
	    g_build_filename(g_getenv("SDAG_TEST_SOURCE_ROOT"), "docs", file, NULL);
	g_autofree char *text = NULL;
	g_auto(GStrv) lines = NULL;
	gboolean in = FALSE;
	gboolean seen = FALSE; /* rows of the first table */

	g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
	lines = g_strsplit(text, "\n", -1);
	for (guint i = 0; lines[i] != NULL; i++) {
		const char *l = lines[i];
		g_auto(GStrv) cells = NULL;
		const char *p;

		if (g_str_has_prefix(l, "#")) {
			in = g_strcmp0(l, heading) == 0;
			continue;
		}
		if (!in)
			continue;
		if (seen && !g_str_has_prefix(l, "|"))
			break;
		if (!g_str_has_prefix(l, "| `"))
			continue;
		seen = TRUE;
		cells = g_strsplit(l + 1, "|", 2);
		for (p = cells[0]; (p = strchr(p, '`')) != NULL;) {
			const char *end = strchr(p + 1, '`');
			g_assert_nonnull(end);
			g_ptr_array_add(into, g_strndup(p + 1, end - p - 1));
			p = end + 1;
		}
	}
}

static void
test_docs(void)
{
	g_autoptr(GPtrArray) docs = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GPtrArray) table = table_names();
	g_autofree char *want = NULL;
	g_autofree char *got = NULL;

	doc_names("api.md", "### Options", docs);
	doc_names("live.md", "## Options", docs);
	/* live.md lists max_frames again, for live jobs */
	for (guint i = 0; i < docs->len; i++)
		for (guint j = docs->len - 1; j > i; j--)
			if (g_strcmp0(docs->pdata[i], docs->pdata[j]) == 0)
				g_ptr_array_remove_index(docs, j);
	want = joined_sorted(table);
	got = joined_sorted(docs);
	g_assert_cmpstr(got, ==, want);
}

static void
test_openapi(void)
{
	g_autofree char *path =
	    g_build_filename(g_getenv("SDAG_TEST_SOURCE_ROOT"), "data", "openapi.json", NULL);
	g_autoptr(JsonParser) parser = json_parser_new();
	g_autoptr(GPtrArray) table = table_names();
	g_autoptr(GPtrArray) api = g_ptr_array_new_with_free_func(g_free);
	g_autofree char *want = NULL;
	g_autofree char *got = NULL;
	JsonObject *props;
	g_autoptr(GList) members = NULL;

	g_assert_true(json_parser_load_from_file(parser, path, NULL));
	props = json_object_get_object_member(
	    json_object_get_object_member(
		json_object_get_object_member(
		    json_object_get_object_member(
			json_node_get_object(json_parser_get_root(parser)), "components"),
		    "schemas"),
		"JobOptions"),
	    "properties");
	members = json_object_get_members(props);
	for (GList *l = members; l != NULL; l = l->next)
		g_ptr_array_add(api, g_strdup(l->data));
	want = joined_sorted(table);
	got = joined_sorted(api);
	g_assert_cmpstr(got, ==, want);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	for (guint i = 0; i < G_N_ELEMENTS(opt_cases); i++) {
		g_autofree char *path =
		    g_strdup_printf("/sdag/jobopts/%s/%s-%u",
				    opt_cases[i].option,
				    opt_cases[i].message == NULL ? "accepts" : "refuses",
				    i);
		g_test_add_data_func(path, &opt_cases[i], test_option);
	}
	g_test_add_func("/sdag/jobopts/defaults", test_defaults);
	g_test_add_func("/sdag/jobopts/known", test_known_text);
	g_test_add_func("/sdag/jobopts/docs", test_docs);
	g_test_add_func("/sdag/jobopts/openapi", test_openapi);
	return g_test_run();
}
