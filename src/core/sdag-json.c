/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "sdag-json"

#include "sdag-json.h"

#include "sdag-error.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/*
 * The checker below runs over the raw bytes before json-glib sees them, for
 * three reasons: json-glib recurses once per nesting level (80,000 nested
 * arrays overflow the stack); it turns a lone UTF-16 surrogate escape into
 * bytes that are not UTF-8 and a \u0000 into a truncated C string, both of
 * which it then accepts; and its parse errors quote the input, which may
 * hold a password.
 *
 * Contract: accepts exactly one RFC 8259 JSON text (surrounded by white
 * space) whose nesting depth is at most SDAG_JSON_MAX_DEPTH and whose
 * strings and member names, once unescaped, are valid UTF-8 without NUL.
 * Anything else is SDAG_ERROR_BAD_JSON with a message that gives a position
 * (line and column) or the member's path ($.nodes[1].params.zone), never
 * the offending text. One pass, O(len) time, O(SDAG_JSON_MAX_DEPTH) memory.
 */

typedef struct {
	const char *key; /* the member name as written between its quotes */
	gsize key_len;
	guint index; /* arrays: the element being read */
	gboolean is_object;
} SdagJsonFrame;

typedef struct {
	const guchar *p;
	const guchar *start;
	const guchar *end;
	SdagJsonFrame stack[SDAG_JSON_MAX_DEPTH];
	guint depth;
	gboolean in_key; /* the string being read is a member name */
} SdagJsonChecker;

static void
sdag_json_check_position(SdagJsonChecker *c, guint *line, guint *column)
{
	*line = 1;
	*column = 1;
	for (const guchar *q = c->start; q < c->p && q < c->end; q++) {
		if (*q == '\n') {
			(*line)++;
			*column = 1;
		} else if ((*q & 0xC0) != 0x80) {
			(*column)++;
		}
	}
}

static gboolean
sdag_json_check_syntax_error(SdagJsonChecker *c, GError **error, const char *what)
{
	guint line, column;

	sdag_json_check_position(c, &line, &column);
	g_set_error(error,
		    SDAG_ERROR,
		    SDAG_ERROR_BAD_JSON,
		    "not valid JSON at line %u, column %u: %s",
		    line,
		    column,
		    what);
	return FALSE;
}

/* The path of the value being read, such as $.nodes[1].params; member names are
 * shown with anything but printable ASCII replaced, and cut at 40 bytes. */
static char *
sdag_json_check_path(SdagJsonChecker *c)
{
	GString *out = g_string_new("$");

	for (guint i = 0; i < c->depth; i++) {
		SdagJsonFrame *f = &c->stack[i];

		if (!f->is_object) {
			g_string_append_printf(out, "[%u]", f->index);
			continue;
		}
		if (f->key == NULL || (i + 1 == c->depth && c->in_key))
			break;
		g_string_append_c(out, '.');
		for (gsize k = 0; k < f->key_len && k < 40; k++) {
			guchar ch = (guchar)f->key[k];
			g_string_append_c(out, ch >= 0x20 && ch < 0x7F ? (char)ch : '?');
		}
		if (f->key_len > 40)
			g_string_append(out, "...");
	}
	return g_string_free(out, FALSE);
}

static gboolean
sdag_json_check_string_error(SdagJsonChecker *c, GError **error, const char *what)
{
	g_autofree char *path = sdag_json_check_path(c);

	g_set_error(error,
		    SDAG_ERROR,
		    SDAG_ERROR_BAD_JSON,
		    "%s %s at %s",
		    c->in_key ? "a member name" : "the string",
		    what,
		    path);
	return FALSE;
}

static void
sdag_json_check_skip_space(SdagJsonChecker *c)
{
	while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r'))
		c->p++;
}

static int
sdag_json_check_hex4(const guchar *p)
{
	int v = 0;

	for (int i = 0; i < 4; i++) {
		int d = g_ascii_xdigit_value((gchar)p[i]);
		if (d < 0)
			return -1;
		v = v * 16 + d;
	}
	return v;
}

/* A string, from its opening quote; leaves c->p after the closing one. */
static gboolean
sdag_json_check_string(SdagJsonChecker *c, GError **error)
{
	const guchar *run;

	c->p++;
	run = c->p;
	for (;;) {
		guchar ch;

		if (c->p >= c->end)
			return sdag_json_check_syntax_error(c, error, "unterminated string");
		ch = *c->p;
		if (ch == '"' || ch == '\\') {
			const gchar *bad = NULL;
			if (!g_utf8_validate((const gchar *)run, c->p - run, &bad)) {
				g_autofree char *what = g_strdup_printf(
				    "is not valid UTF-8 (byte 0x%02x)", *(guchar *)bad);
				return sdag_json_check_string_error(c, error, what);
			}
		}
		if (ch == '"') {
			c->p++;
			return TRUE;
		}
		if (ch < 0x20)
			return sdag_json_check_syntax_error(
			    c, error, "a control character in a string must be escaped");
		if (ch != '\\') {
			c->p++;
			continue;
		}
		if (c->p + 1 >= c->end)
			return sdag_json_check_syntax_error(c, error, "unterminated string");
		switch (c->p[1]) {
		case '"':
		case '\\':
		case '/':
		case 'b':
		case 'f':
		case 'n':
		case 'r':
		case 't':
			c->p += 2;
			break;
		case 'u': {
			int u = c->end - c->p >= 6 ? sdag_json_check_hex4(c->p + 2) : -1;

			if (u < 0)
				return sdag_json_check_syntax_error(c, error, "bad \\u escape");
			if (u == 0)
				return sdag_json_check_string_error(
				    c, error, "holds a NUL character");
			if (u >= 0xDC00 && u <= 0xDFFF)
				return sdag_json_check_string_error(
				    c, error, "holds a lone UTF-16 surrogate");
			if (u >= 0xD800 && u <= 0xDBFF) {
				int lo = c->end - c->p >= 12 && c->p[6] == '\\' && c->p[7] == 'u'
					     ? sdag_json_check_hex4(c->p + 8)
					     : -1;
				if (lo < 0xDC00 || lo > 0xDFFF)
					return sdag_json_check_string_error(
					    c, error, "holds a lone UTF-16 surrogate");
				c->p += 6;
			}
			c->p += 6;
			break;
		}
		default:
			return sdag_json_check_syntax_error(c, error, "bad escape in a string");
		}
		run = c->p;
	}
}

static gboolean
sdag_json_check_number(SdagJsonChecker *c, GError **error)
{
	const guchar *p = c->p;

	if (p < c->end && *p == '-')
		p++;
	if (p >= c->end || !g_ascii_isdigit(*p))
		return sdag_json_check_syntax_error(c, error, "unexpected character");
	if (*p == '0')
		p++;
	else
		while (p < c->end && g_ascii_isdigit(*p))
			p++;
	if (p < c->end && *p == '.') {
		p++;
		if (p >= c->end || !g_ascii_isdigit(*p)) {
			c->p = p;
			return sdag_json_check_syntax_error(c, error, "bad number");
		}
		while (p < c->end && g_ascii_isdigit(*p))
			p++;
	}
	if (p < c->end && (*p == 'e' || *p == 'E')) {
		p++;
		if (p < c->end && (*p == '+' || *p == '-'))
			p++;
		if (p >= c->end || !g_ascii_isdigit(*p)) {
			c->p = p;
			return sdag_json_check_syntax_error(c, error, "bad number");
		}
		while (p < c->end && g_ascii_isdigit(*p))
			p++;
	}
	c->p = p;
	return TRUE;
}

static gboolean
sdag_json_check_literal(SdagJsonChecker *c, const char *word, GError **error)
{
	gsize n = strlen(word);

	if ((gsize)(c->end - c->p) < n || memcmp(c->p, word, n) != 0)
		return sdag_json_check_syntax_error(c, error, "unexpected character");
	c->p += n;
	return TRUE;
}

/* A scalar, or the opening of a container (pushed on the stack). */
static gboolean
sdag_json_check_value_start(SdagJsonChecker *c, gboolean *opened, GError **error)
{
	*opened = FALSE;
	if (c->p >= c->end)
		return sdag_json_check_syntax_error(c, error, "unexpected end of the document");
	switch (*c->p) {
	case '{':
	case '[':
		if (c->depth == SDAG_JSON_MAX_DEPTH) {
			g_autofree char *what =
			    g_strdup_printf("nested deeper than %d levels", SDAG_JSON_MAX_DEPTH);
			return sdag_json_check_syntax_error(c, error, what);
		}
		c->stack[c->depth] = (SdagJsonFrame){.is_object = *c->p == '{'};
		c->depth++;
		c->p++;
		*opened = TRUE;
		return TRUE;
	case '"':
		return sdag_json_check_string(c, error);
	case 't':
		return sdag_json_check_literal(c, "true", error);
	case 'f':
		return sdag_json_check_literal(c, "false", error);
	case 'n':
		return sdag_json_check_literal(c, "null", error);
	default:
		return sdag_json_check_number(c, error);
	}
}

/* In an object, after '{' or ',': a member name and its ':'. */
static gboolean
sdag_json_check_member_name(SdagJsonChecker *c, GError **error)
{
	SdagJsonFrame *f = &c->stack[c->depth - 1];
	const guchar *name;

	sdag_json_check_skip_space(c);
	if (c->p >= c->end || *c->p != '"')
		return sdag_json_check_syntax_error(c, error, "expected a member name");
	name = c->p + 1;
	c->in_key = TRUE;
	f->key = (const char *)name;
	f->key_len = 0;
	if (!sdag_json_check_string(c, error))
		return FALSE;
	c->in_key = FALSE;
	f->key_len = (gsize)(c->p - 1 - name);
	sdag_json_check_skip_space(c);
	if (c->p >= c->end || *c->p != ':')
		return sdag_json_check_syntax_error(c, error, "expected ':'");
	c->p++;
	return TRUE;
}

/**
 * sdag_json_check:
 * @data: JSON text, not necessarily NUL-terminated
 * @len: its length in bytes
 *
 * Returns: %TRUE when @data is one JSON text the daemon accepts, see above;
 * else %FALSE with SDAG_ERROR_BAD_JSON
 */
gboolean
sdag_json_check(const char *data, gsize len, GError **error)
{
	SdagJsonChecker c = {0};

	c.start = c.p = (const guchar *)data;
	c.end = c.start + len;
	sdag_json_check_skip_space(&c);
	if (c.p == c.end) {
		g_set_error_literal(error, SDAG_ERROR, SDAG_ERROR_BAD_JSON, "empty document");
		return FALSE;
	}
	for (;;) {
		gboolean opened;

		/* a value is expected here */
		sdag_json_check_skip_space(&c);
		if (!sdag_json_check_value_start(&c, &opened, error))
			return FALSE;
		if (opened) {
			SdagJsonFrame *f = &c.stack[c.depth - 1];
			char close = f->is_object ? '}' : ']';

			sdag_json_check_skip_space(&c);
			if (c.p < c.end && *c.p == close) {
				c.p++;
				c.depth--;
			} else if (f->is_object) {
				if (!sdag_json_check_member_name(&c, error))
					return FALSE;
				continue;
			} else {
				continue;
			}
		}
		/* a value ended: close containers until one goes on */
		for (;;) {
			SdagJsonFrame *f;

			if (c.depth == 0) {
				sdag_json_check_skip_space(&c);
				if (c.p != c.end)
					return sdag_json_check_syntax_error(
					    &c, error, "unexpected content after the document");
				return TRUE;
			}
			f = &c.stack[c.depth - 1];
			sdag_json_check_skip_space(&c);
			if (c.p < c.end && *c.p == ',') {
				c.p++;
				if (f->is_object) {
					if (!sdag_json_check_member_name(&c, error))
						return FALSE;
				} else {
					f->index++;
				}
				break;
			}
			if (c.p < c.end && *c.p == (f->is_object ? '}' : ']')) {
				c.p++;
				c.depth--;
				continue;
			}
			return sdag_json_check_syntax_error(&c,
							    error,
							    f->is_object ? "expected ',' or '}'"
									 : "expected ',' or ']'");
		}
	}
}

/**
 * sdag_json_parse:
 * @data: JSON text, not necessarily NUL-terminated
 * @len: its length, or -1 when NUL-terminated
 *
 * Every JSON the daemon reads, from a request body or from its own store,
 * comes through here and through sdag_json_check() first.
 *
 * Returns: (transfer full): the root node, or NULL with SDAG_ERROR_BAD_JSON
 */
JsonNode *
sdag_json_parse(const char *data, gssize len, GError **error)
{
	g_autoptr(JsonParser) parser = json_parser_new_immutable();
	JsonNode *root;

	if (data != NULL && len < 0)
		len = (gssize)strlen(data);
	if (data == NULL || len == 0) {
		g_set_error_literal(error, SDAG_ERROR, SDAG_ERROR_BAD_JSON, "empty body");
		return NULL;
	}
	if (!sdag_json_check(data, (gsize)len, error))
		return NULL;
	/* json-glib's own message would quote the text */
	if (!json_parser_load_from_data(parser, data, len, NULL)) {
		g_set_error_literal(error, SDAG_ERROR, SDAG_ERROR_BAD_JSON, "not valid JSON");
		return NULL;
	}
	root = json_parser_get_root(parser);
	if (root == NULL) {
		g_set_error_literal(error, SDAG_ERROR, SDAG_ERROR_BAD_JSON, "empty document");
		return NULL;
	}
	return json_node_copy(root);
}

/**
 * sdag_json_make_valid:
 * @text: bytes from outside, such as a request path, that may not be UTF-8
 *
 * What may be echoed in an answer or stored in a record: @text with every
 * byte that is not part of valid UTF-8 written as %XX (as a URL would carry
 * it), and NUL-free since @text is a C string.
 *
 * Returns: (transfer full): valid UTF-8
 */
char *
sdag_json_make_valid(const char *text)
{
	GString *out;
	const char *p = text;
	const char *end;

	if (g_utf8_validate(text, -1, NULL))
		return g_strdup(text);
	out = g_string_new(NULL);
	end = text + strlen(text);
	while (p < end) {
		const char *bad = NULL;

		if (g_utf8_validate(p, end - p, &bad)) {
			g_string_append(out, p);
			break;
		}
		g_string_append_len(out, p, bad - p);
		g_string_append_printf(out, "%%%02X", (guchar)*bad);
		p = bad + 1;
	}
	return g_string_free(out, FALSE);
}

static gint
sdag_json_strcmp_cb(gconstpointer a, gconstpointer b)
{
	return g_strcmp0(*(const char *const *)a, *(const char *const *)b);
}

/**
 * sdag_json_canonicalize:
 *
 * A deep copy whose objects have their members sorted by name, so that two
 * documents that differ only in member order or white space serialise to the
 * same bytes. Arrays keep their order: it is meaningful.
 *
 * Returns: (transfer full): a new node
 */
JsonNode *
sdag_json_canonicalize(JsonNode *node)
{
	if (JSON_NODE_HOLDS_OBJECT(node)) {
		JsonObject *obj = json_node_get_object(node);
		g_autoptr(JsonObject) sorted = json_object_new();
		g_autoptr(GPtrArray) names = g_ptr_array_new();
		g_autoptr(GList) members = json_object_get_members(obj);
		JsonNode *res;

		for (GList *l = members; l != NULL; l = l->next)
			g_ptr_array_add(names, l->data);
		g_ptr_array_sort(names, sdag_json_strcmp_cb);
		for (guint i = 0; i < names->len; i++) {
			const char *name = g_ptr_array_index(names, i);
			json_object_set_member(
			    sorted,
			    name,
			    sdag_json_canonicalize(json_object_get_member(obj, name)));
		}
		res = json_node_new(JSON_NODE_OBJECT);
		json_node_set_object(res, sorted);
		return res;
	}
	if (JSON_NODE_HOLDS_ARRAY(node)) {
		JsonArray *arr = json_node_get_array(node);
		g_autoptr(JsonArray) copy = json_array_sized_new(json_array_get_length(arr));
		JsonNode *res;

		for (guint i = 0; i < json_array_get_length(arr); i++)
			json_array_add_element(
			    copy, sdag_json_canonicalize(json_array_get_element(arr, i)));
		res = json_node_new(JSON_NODE_ARRAY);
		json_node_set_array(res, copy);
		return res;
	}
	return json_node_copy(node);
}

static void
sdag_json_append_string(GString *out, const char *str)
{
	g_string_append_c(out, '"');
	for (const unsigned char *p = (const unsigned char *)str; *p != '\0'; p++) {
		switch (*p) {
		case '"':
			g_string_append(out, "\\\"");
			break;
		case '\\':
			g_string_append(out, "\\\\");
			break;
		case '\n':
			g_string_append(out, "\\n");
			break;
		case '\r':
			g_string_append(out, "\\r");
			break;
		case '\t':
			g_string_append(out, "\\t");
			break;
		default:
			if (*p < 0x20)
				g_string_append_printf(out, "\\u%04x", *p);
			else
				g_string_append_c(out, (char)*p);
		}
	}
	g_string_append_c(out, '"');
}

/*
 * The shortest "%.Ng" that reads back as the same double, so that 0.3 is
 * written 0.3 and not 0.29999999999999999; a ".0" keeps integral doubles
 * doubles. Non-finite values have no JSON form and are written as null.
 * Like Python's repr, the exponent form is kept for exponents below -4 or
 * above 15 only: "%g" alone would write 10.0 as 1e+01 and a box of 640
 * pixels as 6.4e+02.
 */
/**
 * sdag_json_shortest:
 * @buf: (out): at least G_ASCII_DTOSTR_BUF_SIZE bytes
 * @v: a finite value
 * @single: whether the text has to read back only as the same float (9 digits at most)
 *   rather than the same double (17)
 *
 * The one "shortest decimal" of the project: writes "%.Ng" of @v with the least N whose
 * text reads back as @v, so that 0.3 is written 0.3 and not 0.29999999999999999.
 *
 * Returns: N
 */
int
sdag_json_shortest(char *buf, gsize size, double v, gboolean single)
{
	int max = single ? 9 : 17;
	int prec;

	for (prec = 1; prec <= max; prec++) {
		char fmt[8];
		double back;

		g_snprintf(fmt, sizeof(fmt), "%%.%dg", prec);
		g_ascii_formatd(buf, size, fmt, v);
		back = g_ascii_strtod(buf, NULL);
		if (single ? (float)back == (float)v : back == v)
			return prec;
	}
	return max;
}

static void
sdag_json_append_double(GString *out, double v)
{
	char buf[G_ASCII_DTOSTR_BUF_SIZE];
	const char *e;
	int prec;

	if (!isfinite(v)) {
		g_string_append(out, "null");
		return;
	}
	prec = sdag_json_shortest(buf, sizeof(buf), v, FALSE);
	e = strchr(buf, 'e');
	if (e != NULL) {
		int exp10 = atoi(e + 1);

		if (exp10 >= -4 && exp10 < 16) {
			char fmt[8];

			/* the same prec significant digits, written out */
			g_snprintf(fmt, sizeof(fmt), "%%.%df", MAX(0, prec - 1 - exp10));
			g_ascii_formatd(buf, sizeof(buf), fmt, v);
		}
	}
	g_string_append(out, buf);
	if (strpbrk(buf, ".eEn") == NULL)
		g_string_append(out, ".0");
}

static void
sdag_json_append(GString *out, JsonNode *node, int indent)
{
	const char *nl = indent >= 0 ? "\n" : "";
	const char *sep = indent >= 0 ? ": " : ":";

	switch (JSON_NODE_TYPE(node)) {
	case JSON_NODE_OBJECT: {
		JsonObject *obj = json_node_get_object(node);
		g_autoptr(GList) members = json_object_get_members(obj);

		if (members == NULL) {
			g_string_append(out, "{}");
			break;
		}
		g_string_append_printf(out, "{%s", nl);
		for (GList *l = members; l != NULL; l = l->next) {
			if (indent >= 0)
				g_string_append_printf(out, "%*s", (indent + 1) * 2, "");
			sdag_json_append_string(out, l->data);
			g_string_append(out, sep);
			sdag_json_append(out,
					 json_object_get_member(obj, l->data),
					 indent >= 0 ? indent + 1 : -1);
			g_string_append_printf(out, "%s%s", l->next != NULL ? "," : "", nl);
		}
		if (indent >= 0)
			g_string_append_printf(out, "%*s", indent * 2, "");
		g_string_append_c(out, '}');
		break;
	}
	case JSON_NODE_ARRAY: {
		JsonArray *arr = json_node_get_array(node);
		guint n = json_array_get_length(arr);

		if (n == 0) {
			g_string_append(out, "[]");
			break;
		}
		g_string_append_printf(out, "[%s", nl);
		for (guint i = 0; i < n; i++) {
			if (indent >= 0)
				g_string_append_printf(out, "%*s", (indent + 1) * 2, "");
			sdag_json_append(
			    out, json_array_get_element(arr, i), indent >= 0 ? indent + 1 : -1);
			g_string_append_printf(out, "%s%s", i + 1 < n ? "," : "", nl);
		}
		if (indent >= 0)
			g_string_append_printf(out, "%*s", indent * 2, "");
		g_string_append_c(out, ']');
		break;
	}
	case JSON_NODE_NULL:
		g_string_append(out, "null");
		break;
	case JSON_NODE_VALUE:
		switch (json_node_get_value_type(node)) {
		case G_TYPE_INT64:
			g_string_append_printf(out, "%" G_GINT64_FORMAT, json_node_get_int(node));
			break;
		case G_TYPE_DOUBLE:
			sdag_json_append_double(out, json_node_get_double(node));
			break;
		case G_TYPE_BOOLEAN:
			g_string_append(out, json_node_get_boolean(node) ? "true" : "false");
			break;
		case G_TYPE_STRING:
			sdag_json_append_string(out, json_node_get_string(node));
			break;
		default:
			g_string_append(out, "null");
			break;
		}
		break;
	}
}

/**
 * sdag_json_to_string:
 *
 * Serialises without json-glib's generator, which writes every double with
 * 17 significant digits; see sdag_json_append_double().
 *
 * Returns: (transfer full): compact JSON text
 */
char *
sdag_json_to_string(JsonNode *node)
{
	GString *out = g_string_new(NULL);

	sdag_json_append(out, node, -1);
	return g_string_free(out, FALSE);
}

/* Returns: (transfer full): JSON text indented by two spaces per level */
char *
sdag_json_to_string_pretty(JsonNode *node)
{
	GString *out = g_string_new(NULL);

	sdag_json_append(out, node, 0);
	return g_string_free(out, FALSE);
}

/* Returns: (transfer full): RFC 3339 UTC time with milliseconds */
char *
sdag_json_timestamp(gint64 unix_us)
{
	g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc(unix_us / G_USEC_PER_SEC);
	g_autofree char *base = g_date_time_format(dt, "%Y-%m-%dT%H:%M:%S");
	return g_strdup_printf("%s.%03dZ", base, (int)((unix_us % G_USEC_PER_SEC) / 1000));
}

/**
 * sdag_json_error_new:
 * @details: (transfer full) (nullable): extra data for the client
 *
 * Returns: (transfer full): `{"error": {"code", "message", "details"}}`
 */
JsonNode *
sdag_json_error_new(const char *code, const char *message, JsonNode *details)
{
	g_autoptr(JsonBuilder) b = json_builder_new_immutable();

	json_builder_begin_object(b);
	json_builder_set_member_name(b, "error");
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "code");
	json_builder_add_string_value(b, code);
	json_builder_set_member_name(b, "message");
	json_builder_add_string_value(b, message);
	json_builder_set_member_name(b, "details");
	if (details != NULL)
		json_builder_add_value(b, details);
	else
		json_builder_add_null_value(b);
	json_builder_end_object(b);
	json_builder_end_object(b);
	return json_builder_get_root(b);
}
