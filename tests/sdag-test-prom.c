/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "sdag-test-prom.h"

#include <math.h>
#include <string.h>

static gboolean
valid_name(const char *s, gsize len, gboolean colon)
{
	if (len == 0 || !(g_ascii_isalpha(s[0]) || s[0] == '_' || (colon && s[0] == ':')))
		return FALSE;
	for (gsize i = 1; i < len; i++) {
		if (!(g_ascii_isalnum(s[i]) || s[i] == '_' || (colon && s[i] == ':')))
			return FALSE;
	}
	return TRUE;
}

static double
parse_value(const char *s)
{
	char *end = NULL;
	double v;

	if (g_strcmp0(s, "+Inf") == 0)
		return INFINITY;
	if (g_strcmp0(s, "-Inf") == 0)
		return -INFINITY;
	if (g_strcmp0(s, "NaN") == 0)
		return NAN;
	v = g_ascii_strtod(s, &end);
	if (end == s || *end != '\0')
		g_error("prometheus: bad value '%s'", s);
	return v;
}

/* Parses `{a="x",b="y"}` at *p; returns the raw text between the braces, and the le value
 * (decoded) when there is one; the text without the le label in *rest. */
static char *
parse_labels(const char **p, char **le, char **rest)
{
	const char *s = *p;
	const char *start;
	GString *without = g_string_new(NULL);
	g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);

	*le = NULL;
	g_assert_true(*s == '{');
	s++;
	start = s;
	while (*s != '}') {
		const char *n = s;
		GString *value = g_string_new(NULL);
		g_autofree char *name = NULL;
		const char *pair = s;

		while (*s != '=' && *s != '\0')
			s++;
		name = g_strndup(n, (gsize)(s - n));
		if (!valid_name(name, strlen(name), FALSE) || g_str_has_prefix(name, "__"))
			g_error("prometheus: bad label name '%s'", name);
		if (!g_hash_table_add(seen, g_strdup(name)))
			g_error("prometheus: label '%s' twice", name);
		if (s[0] != '=' || s[1] != '"')
			g_error("prometheus: label '%s' without a quoted value", name);
		s += 2;
		while (*s != '"') {
			if (*s == '\0' || *s == '\n')
				g_error("prometheus: unterminated label value");
			if (*s == '\\') {
				s++;
				if (*s == '\\')
					g_string_append_c(value, '\\');
				else if (*s == '"')
					g_string_append_c(value, '"');
				else if (*s == 'n')
					g_string_append_c(value, '\n');
				else
					g_error("prometheus: bad escape \\%c", *s);
			} else {
				g_string_append_c(value, *s);
			}
			s++;
		}
		s++;
		if (g_strcmp0(name, "le") == 0) {
			*le = g_strdup(value->str);
		} else {
			if (without->len > 0)
				g_string_append_c(without, ',');
			g_string_append_len(without, pair, s - pair);
		}
		g_string_free(value, TRUE);
		if (*s == ',') {
			s++;
			if (*s == '}')
				g_error("prometheus: trailing comma in labels");
		} else if (*s != '}') {
			g_error("prometheus: bad label list at '%s'", s);
		}
	}
	*p = s + 1;
	*rest = g_string_free(without, FALSE);
	return g_strndup(start, (gsize)(s - start));
}

typedef struct {
	double le;
	double count;
} Bucket;

static void
check_histograms(SdagTestProm *p, const char *family, GHashTable *buckets)
{
	GHashTableIter iter;
	gpointer key;
	gpointer value;

	g_hash_table_iter_init(&iter, buckets);
	while (g_hash_table_iter_next(&iter, &key, &value)) {
		GArray *b = value;
		g_autofree char *count_key = g_strdup_printf("%s_count{%s}", family, (char *)key);
		g_autofree char *sum_key = g_strdup_printf("%s_sum{%s}", family, (char *)key);
		double *count = g_hash_table_lookup(p->samples, count_key);

		g_assert_cmpuint(b->len, >, 0);
		for (guint i = 1; i < b->len; i++) {
			Bucket *prev = &g_array_index(b, Bucket, i - 1);
			Bucket *cur = &g_array_index(b, Bucket, i);
			if (!(cur->le > prev->le))
				g_error(
				    "prometheus: %s{%s}: le not increasing", family, (char *)key);
			if (cur->count < prev->count)
				g_error("prometheus: %s{%s}: buckets not cumulative",
					family,
					(char *)key);
		}
		if (!isinf(g_array_index(b, Bucket, b->len - 1).le))
			g_error("prometheus: %s{%s}: no +Inf bucket", family, (char *)key);
		if (count == NULL || g_hash_table_lookup(p->samples, sum_key) == NULL)
			g_error("prometheus: %s{%s}: no _count or _sum", family, (char *)key);
		g_assert_cmpfloat(*count, ==, g_array_index(b, Bucket, b->len - 1).count);
	}
}

SdagTestProm *
sdag_test_prom_parse(const char *text)
{
	SdagTestProm *p = g_new0(SdagTestProm, 1);
	g_auto(GStrv) lines = NULL;
	g_autofree char *family = NULL; /* the family whose samples may come now */
	g_autoptr(GHashTable) buckets = NULL;
	g_autoptr(GHashTable) helped = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	guint n = 0;

	p->types = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	p->samples = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	g_assert_true(g_str_has_suffix(text, "\n"));
	lines = g_strsplit(text, "\n", -1);
	n = g_strv_length(lines);
	for (guint i = 0; i + 1 < n; i++) {
		const char *line = lines[i];
		g_autofree char *name = NULL;
		g_autofree char *labels = NULL;
		g_autofree char *le = NULL;
		g_autofree char *rest = NULL;
		g_autofree char *key = NULL;
		const char *s = line;
		const char *type;
		const char *base;

		if (g_str_has_prefix(line, "# HELP ") || g_str_has_prefix(line, "# TYPE ")) {
			g_auto(GStrv) parts = g_strsplit(line + 7, " ", 2);
			if (parts[0] == NULL || parts[1] == NULL ||
			    !valid_name(parts[0], strlen(parts[0]), TRUE))
				g_error("prometheus: bad line '%s'", line);
			if (line[2] == 'H') {
				if (!g_hash_table_add(helped, g_strdup(parts[0])))
					g_error("prometheus: HELP %s twice", parts[0]);
				continue;
			}
			if (g_hash_table_contains(p->types, parts[0]))
				g_error("prometheus: TYPE %s twice", parts[0]);
			if (!g_strv_contains(
				(const char *const[]){
				    "counter", "gauge", "histogram", "summary", "untyped", NULL},
				parts[1]))
				g_error("prometheus: bad type '%s'", parts[1]);
			if (buckets != NULL)
				check_histograms(p, family, buckets);
			g_clear_pointer(&buckets, g_hash_table_unref);
			if (g_strcmp0(parts[1], "histogram") == 0)
				buckets = g_hash_table_new_full(
				    g_str_hash, g_str_equal, g_free, (GDestroyNotify)g_array_unref);
			if (g_strcmp0(parts[1], "counter") == 0 &&
			    !g_str_has_suffix(parts[0], "_total"))
				g_error("prometheus: counter %s does not end in _total", parts[0]);
			g_hash_table_insert(p->types, g_strdup(parts[0]), g_strdup(parts[1]));
			g_free(family);
			family = g_strdup(parts[0]);
			continue;
		}
		if (line[0] == '#')
			continue;
		if (line[0] == '\0')
			g_error("prometheus: empty line");
		while (*s != '{' && *s != ' ' && *s != '\0')
			s++;
		name = g_strndup(line, (gsize)(s - line));
		if (!valid_name(name, strlen(name), TRUE))
			g_error("prometheus: bad metric name '%s'", name);
		if (*s == '{')
			labels = parse_labels(&s, &le, &rest);
		else
			labels = g_strdup(""), rest = g_strdup("");
		if (*s != ' ')
			g_error("prometheus: no value in '%s'", line);
		s++;
		/* the sample belongs to the family declared last */
		type = family != NULL ? g_hash_table_lookup(p->types, family) : NULL;
		base = family;
		if (type == NULL)
			g_error("prometheus: sample %s before its TYPE", name);
		if (g_strcmp0(type, "histogram") == 0) {
			g_autofree char *b = g_strconcat(base, "_bucket", NULL);
			g_autofree char *su = g_strconcat(base, "_sum", NULL);
			g_autofree char *co = g_strconcat(base, "_count", NULL);
			if (g_strcmp0(name, b) == 0) {
				GArray *arr;
				Bucket bk;
				if (le == NULL)
					g_error("prometheus: bucket without le");
				arr = g_hash_table_lookup(buckets, rest);
				if (arr == NULL) {
					arr = g_array_new(FALSE, FALSE, sizeof(Bucket));
					g_hash_table_insert(buckets, g_strdup(rest), arr);
				}
				bk.le = parse_value(le);
				bk.count = parse_value(s);
				g_array_append_val(arr, bk);
			} else if (g_strcmp0(name, su) != 0 && g_strcmp0(name, co) != 0) {
				g_error(
				    "prometheus: %s is not a sample of histogram %s", name, base);
			}
		} else if (g_strcmp0(name, base) != 0) {
			g_error("prometheus: %s is not a sample of %s", name, base);
		}
		key = g_strdup_printf("%s{%s}", name, labels);
		{
			double *v = g_new(double, 1);
			*v = parse_value(s);
			if (!g_hash_table_insert(p->samples, g_steal_pointer(&key), v))
				g_error("prometheus: sample %s twice", line);
		}
	}
	if (buckets != NULL)
		check_histograms(p, family, buckets);
	return p;
}

void
sdag_test_prom_free(SdagTestProm *p)
{
	g_hash_table_unref(p->types);
	g_hash_table_unref(p->samples);
	g_free(p);
}

double
sdag_test_prom_value(SdagTestProm *p, const char *name, const char *labels)
{
	g_autofree char *key = g_strdup_printf("%s{%s}", name, labels != NULL ? labels : "");
	double *v = g_hash_table_lookup(p->samples, key);
	return v != NULL ? *v : NAN;
}
