/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The analysis nodes (motion, tracker, zone, line_counter, filter), loaded
 * from the built plugins through the project's loader and fed frames or
 * detections directly; their shared helpers; the scorer on hand-made cases.
 */
#include "sdag-dag.h"
#include "sdag-exec.h"
#include "sdag-node-util.h"
#include "sdag-nodetypes.h"
#include "sdag-score.h"
#include "sdag-test-util.h"

#include <math.h>
#include <string.h>

static SdagNodeTypes *types;

/* A node instance with its params checked and completed as registration does. */
typedef struct {
	const SdagNodeDesc *desc;
	gpointer inst;
	SdagPacket *in, *out;
} Node;

static JsonObject *
node_params(const SdagNodeDesc *desc, const char *json, GError **error)
{
	g_autoptr(JsonParser) parser = json_parser_new();
	g_autoptr(JsonObject) out = json_object_new();
	JsonObject *given;

	g_assert_true(json_parser_load_from_data(parser, json != NULL ? json : "{}", -1, NULL));
	given = json_node_get_object(json_parser_get_root(parser));
	for (guint i = 0; i < desc->n_params; i++) {
		const SdagParamSpec *spec = &desc->params[i];
		g_autoptr(JsonNode) value = NULL;

		if (json_object_has_member(given, spec->name)) {
			value = json_node_copy(json_object_get_member(given, spec->name));
		} else if (spec->default_json == NULL) {
			g_set_error(error,
				    G_IO_ERROR,
				    G_IO_ERROR_INVALID_ARGUMENT,
				    "required param %s is missing",
				    spec->name);
			return NULL;
		} else {
			g_autoptr(JsonParser) p = json_parser_new();
			g_assert_true(json_parser_load_from_data(p, spec->default_json, -1, NULL));
			value = json_node_copy(json_parser_get_root(p));
		}
		if (!sdag_param_value_check(spec, value, error))
			return NULL;
		json_object_set_member(out, spec->name, sdag_param_value_normalize(spec, value));
	}
	if (desc->validate != NULL && !desc->validate(out, error))
		return NULL;
	return g_steal_pointer(&out);
}

static Node *
node_new(const char *type, const char *params)
{
	Node *n = g_new0(Node, 1);
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonObject) p = NULL;

	n->desc = sdag_node_types_lookup(types, type);
	g_assert_nonnull(n->desc);
	p = node_params(n->desc, params, &error);
	g_assert_no_error(error);
	n->inst = n->desc->init(p, &error);
	g_assert_no_error(error);
	n->in = g_new0(SdagPacket, n->desc->n_inputs);
	n->out = g_new0(SdagPacket, n->desc->n_outputs);
	for (guint i = 0; i < n->desc->n_outputs; i++) {
		SdagPortType t = n->desc->outputs[i].type;
		n->out[i].type = t;
		n->out[i].items = g_array_new(FALSE,
					      FALSE,
					      t == SDAG_PORT_EVENTS   ? sizeof(SdagEvent)
					      : t == SDAG_PORT_COUNTS ? sizeof(SdagCount)
								      : sizeof(SdagDetection));
	}
	return n;
}

static void
node_free(Node *n)
{
	n->desc->finalize(n->inst);
	for (guint i = 0; i < n->desc->n_outputs; i++)
		g_array_unref(n->out[i].items);
	g_free(n->in);
	g_free(n->out);
	g_free(n);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC(Node, node_free)

/* Runs one frame with @items on input 0 (and nothing on the others). */
static void
node_run(Node *n, GArray *items, const SdagFrame *frame)
{
	g_autoptr(GError) error = NULL;

	for (guint i = 0; i < n->desc->n_outputs; i++)
		g_array_set_size(n->out[i].items, 0);
	for (guint i = 0; i < n->desc->n_inputs; i++)
		n->in[i] = (SdagPacket){.type = SDAG_PORT_NONE};
	n->in[0].type = n->desc->inputs[0].type;
	n->in[0].items = items;
	n->in[0].frame = frame;
	g_assert_true(n->desc->process(n->inst, n->in, n->out, &error));
	g_assert_no_error(error);
}

/* Saves every state key of @from and loads it into @to. */
static void
node_copy_state(Node *from, Node *to)
{
	for (guint i = 0; i < from->desc->n_state_keys; i++) {
		const char *key = from->desc->state_keys[i].name;
		g_autoptr(GBytes) data = from->desc->save_state(from->inst, key);
		g_autoptr(GError) error = NULL;

		g_assert_true(to->desc->load_state(to->inst, key, data, &error));
		g_assert_no_error(error);
	}
}

static void
node_assert_bad_state(Node *n, const char *text, const char *message)
{
	g_autoptr(GBytes) data = g_bytes_new(text, strlen(text));
	g_autoptr(GError) error = NULL;

	g_assert_false(n->desc->load_state(n->inst, n->desc->state_keys[0].name, data, &error));
	g_assert_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
	g_assert_nonnull(strstr(error->message, message));
}

static SdagDetection
det(const char *label, gint64 id, double x, double y, double w, double h)
{
	SdagDetection d = {
	    .score = 0.9f, .x = (float)x, .y = (float)y, .w = (float)w, .h = (float)h};

	g_strlcpy(d.label, label, sizeof(d.label));
	d.track_id = id;
	return d;
}

static GArray *
dets_new(void)
{
	return g_array_new(FALSE, FALSE, sizeof(SdagDetection));
}

static GString *
events_text(GArray *events)
{
	GString *s = g_string_new(NULL);

	for (guint i = 0; i < events->len; i++) {
		const SdagEvent *e = &g_array_index(events, SdagEvent, i);
		g_string_append_printf(s,
				       "%s%s:%s:%s:%" G_GINT64_FORMAT,
				       s->len > 0 ? " " : "",
				       e->kind,
				       e->name,
				       e->label,
				       e->track_id);
	}
	return s;
}

static void
assert_events(GArray *events, const char *expected)
{
	g_autoptr(GString) s = events_text(events);
	g_assert_cmpstr(s->str, ==, expected);
}

static void
assert_counts(GArray *counts, const char *expected)
{
	g_autoptr(GString) s = g_string_new(NULL);

	for (guint i = 0; i < counts->len; i++) {
		const SdagCount *c = &g_array_index(counts, SdagCount, i);
		g_string_append_printf(s,
				       "%s%s:%s=%" G_GINT64_FORMAT,
				       s->len > 0 ? " " : "",
				       c->name,
				       c->label,
				       c->value);
	}
	g_assert_cmpstr(s->str, ==, expected);
}

/* ---- helpers ---- */

static void
assign_brute(const double *cost, guint n, guint m, double *best)
{
	/* n <= m <= 5: every injective map of rows to columns */
	guint idx[5] = {0};
	*best = G_MAXDOUBLE;
	for (;;) {
		gboolean ok = TRUE;
		double sum = 0;
		for (guint i = 0; i < n && ok; i++)
			for (guint k = 0; k < i; k++)
				if (idx[k] == idx[i])
					ok = FALSE;
		for (guint i = 0; ok && i < n; i++)
			sum += cost[i * m + idx[i]];
		if (ok && sum < *best)
			*best = sum;
		guint i = 0;
		while (i < n && ++idx[i] == m)
			idx[i++] = 0;
		if (i == n)
			break;
	}
}

static void
test_assign(void)
{
	/* the greedy choice (0,0) is wrong: 1 + 9 > 2 + 3 */
	const double c1[] = {1, 2, 3, 9};
	gint r[5];
	GRand *rand = g_rand_new_with_seed(7);

	sdag_assign_min_cost(c1, 2, 2, r);
	g_assert_cmpint(r[0], ==, 1);
	g_assert_cmpint(r[1], ==, 0);
	/* more rows than columns: one row left out */
	{
		const double c2[] = {5, 1, 2};
		sdag_assign_min_cost(c2, 3, 1, r);
		g_assert_cmpint(r[0], ==, -1);
		g_assert_cmpint(r[1], ==, 0);
		g_assert_cmpint(r[2], ==, -1);
	}
	sdag_assign_min_cost(c1, 0, 2, r);
	sdag_assign_min_cost(c1, 2, 0, r);
	g_assert_cmpint(r[0], ==, -1);
	g_assert_cmpint(r[1], ==, -1);
	/* against every assignment, on random matrices of both shapes */
	for (guint trial = 0; trial < 300; trial++) {
		guint rows = (guint)g_rand_int_range(rand, 1, 6),
		      cols = (guint)g_rand_int_range(rand, 1, 6);
		double cost[25], t[25], best, sum = 0;
		gboolean seen[5] = {FALSE};

		for (guint i = 0; i < rows * cols; i++)
			cost[i] = g_rand_int_range(rand, 0, 20);
		sdag_assign_min_cost(cost, rows, cols, r);
		for (guint i = 0; i < rows; i++) {
			if (r[i] < 0)
				continue;
			g_assert_false(seen[r[i]]);
			seen[r[i]] = TRUE;
			sum += cost[i * cols + (guint)r[i]];
		}
		if (rows <= cols) {
			assign_brute(cost, rows, cols, &best);
		} else {
			for (guint i = 0; i < rows; i++)
				for (guint j = 0; j < cols; j++)
					t[j * rows + i] = cost[i * cols + j];
			assign_brute(t, cols, rows, &best);
		}
		g_assert_cmpfloat(sum, ==, best);
	}
	g_rand_free(rand);
}

static void
test_geometry(void)
{
	g_autoptr(JsonParser) p = json_parser_new();
	g_autoptr(GArray) poly = NULL;
	g_autoptr(GError) error = NULL;
	SdagDetection a = det("x", -1, 0, 0, 10, 10), b = det("x", -1, 5, 0, 10, 10);
	SdagAnchor anchor;

	g_assert_cmpfloat_with_epsilon(sdag_box_iou(&a, &b), 50.0 / 150.0, 1e-9);
	b.x = 10;
	g_assert_cmpfloat(sdag_box_iou(&a, &b), ==, 0.0);
	g_assert_true(json_parser_load_from_data(p, "[[0,0],[10,0],[10,10],[0,10]]", -1, NULL));
	poly = sdag_points_from_json(json_node_get_array(json_parser_get_root(p)));
	g_assert_true(sdag_polygon_contains(poly, (SdagPoint){5, 5}));
	g_assert_false(sdag_polygon_contains(poly, (SdagPoint){15, 5}));
	g_assert_false(sdag_polygon_contains(poly, (SdagPoint){5, -1}));
	g_assert_true(sdag_anchor_parse("center", &anchor, NULL));
	g_assert_cmpfloat(sdag_anchor_point(&a, anchor).y, ==, 5.0);
	g_assert_true(sdag_anchor_parse("bottom_center", &anchor, NULL));
	g_assert_cmpfloat(sdag_anchor_point(&a, anchor).y, ==, 10.0);
	g_assert_false(sdag_anchor_parse("top", &anchor, &error));
	g_assert_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
}

/* ---- registration ---- */

typedef struct {
	const char *type;
	const char *params;
	const char *message; /* part of the problem's message */
} BadParams;

static void
test_params_refused(void)
{
	static const BadParams cases[] = {
	    {"zone", "{\"polygon\":[[0,0],[1,1]]}", "polygon"},
	    {"zone", "{\"polygon\":[[0,0],[1,1],[2,2]]}", "no area"},
	    {"zone", "{\"polygon\":[[0,0],[9,0],[9,9]],\"anchor\":\"top\"}", "anchor 'top'"},
	    {"zone", "{\"polygon\":[[0,0],[9,0],[9,9]],\"name\":\"\"}", "MQTT topic level"},
	    {"zone",
	     "{\"polygon\":[[0,0],[9,0],[9,9]],\"name\":"
	     "\"a-zone-name-that-is-longer-than-the-59-bytes-a-count-name-leaves\"}",
	     "name must have"},
	    {"zone", "{}", "polygon"},
	    {"line_counter", "{\"line\":[[0,0],[1,1],[2,2]]}", "line"},
	    {"line_counter", "{\"line\":[[5,5],[5,5]]}", "1 pixel apart"},
	    {"line_counter", "{\"line\":[[0,0],[9,9]],\"margin\":-1}", "margin"},
	    {"line_counter",
	     "{\"line\":[[0,0],[9,9]],\"labels\":[\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"]}",
	     "longer than"},
	    {"filter", "{\"min_score\":0.8,\"max_score\":0.2}", "min_score (0.8) is larger"},
	    {"filter", "{\"min_area\":100,\"max_area\":10}", "min_area"},
	    {"filter", "{\"min_aspect\":2,\"max_aspect\":1}", "min_aspect"},
	    {"filter", "{\"region\":[[0,0],[1,1]]}", "region needs at least 3"},
	    {"motion", "{\"learning_rate\":0.01,\"foreground_rate\":0.1}", "foreground_rate"},
	    {"motion", "{\"downscale\":0}", "downscale"},
	    {"tracker", "{\"min_hits\":0}", "min_hits"},
	    {"tracker", "{\"iou_threshold\":1.5}", "iou_threshold"},
	};

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		const SdagNodeDesc *desc = sdag_node_types_lookup(types, cases[i].type);
		g_autoptr(GError) error = NULL;
		g_autoptr(JsonObject) p = node_params(desc, cases[i].params, &error);
		g_autofree char *json = NULL;
		g_autoptr(JsonParser) parser = json_parser_new();
		g_autoptr(GPtrArray) problems = sdag_dag_problems_new();
		g_autoptr(SdagDag) dag = NULL;
		const SdagDagProblem *pb;

		g_assert_null(p);
		g_assert_nonnull(error);
		if (strstr(error->message, cases[i].message) == NULL &&
		    strstr(cases[i].params, cases[i].message) == NULL)
			g_error("case %u: '%s'", i, error->message);

		/* and a pipeline holding it is refused with one bad_param problem */
		json = g_strdup_printf("{\"pipeline_id\":\"p\",\"nodes\":[{\"id\":\"n\",\"type\":"
				       "\"%s\",\"params\":%s}],"
				       "\"edges\":[],\"outputs\":[]}",
				       cases[i].type,
				       cases[i].params);
		g_assert_true(json_parser_load_from_data(parser, json, -1, NULL));
		dag = sdag_dag_compile(json_parser_get_root(parser), types, problems);
		g_assert_null(dag);
		g_assert_cmpuint(problems->len, >=, 1);
		pb = g_ptr_array_index(problems, 0);
		if (g_strcmp0(pb->code, "invalid_param") != 0 &&
		    g_strcmp0(pb->code, "bad_param") != 0 &&
		    g_strcmp0(pb->code, "missing_param") != 0)
			g_error("case %u: code %s: %s", i, pb->code, pb->message);
		g_assert_cmpstr(pb->node, ==, "n");
	}
}

static void
test_node_types(void)
{
	static const char *const names[] = {"motion", "tracker", "zone", "line_counter", "filter"};

	g_assert_cmpuint(sdag_node_types_get_skipped(types)->len, ==, 0);
	for (guint i = 0; i < G_N_ELEMENTS(names); i++) {
		const SdagNodeDesc *d = sdag_node_types_lookup(types, names[i]);
		g_assert_nonnull(d);
		g_assert_cmpuint(d->abi_version, ==, SDAG_NODE_ABI_VERSION);
		/* every node with state declares it */
		g_assert_true((d->n_state_keys > 0) == (d->save_state != NULL));
	}
	g_assert_cmpuint(sdag_node_types_lookup(types, "motion")->frame_formats,
			 ==,
			 SDAG_FRAME_FORMAT_BIT(SDAG_FRAME_FORMAT_I420) |
			     SDAG_FRAME_FORMAT_BIT(SDAG_FRAME_FORMAT_NV12) |
			     SDAG_FRAME_FORMAT_BIT(SDAG_FRAME_FORMAT_GRAY8));
}

/* ---- motion ---- */

#define MW 160
#define MH 120

/* A grey frame with a bright square at (@sx, @sy), stride @stride. */
static guint8 *
motion_picture(guint stride, gint sx, gint sy, gint size)
{
	guint8 *buf = g_malloc((gsize)stride * MH * 2);

	memset(buf, 100, (gsize)stride * MH * 2);
	for (gint y = MAX(0, sy); y < MIN(MH, sy + size); y++)
		for (gint x = MAX(0, sx); x < MIN(MW, sx + size); x++)
			buf[(gsize)y * stride + x] = 200;
	return buf;
}

static SdagFrame
motion_frame(const guint8 *buf, guint stride, SdagFrameFormat fmt)
{
	SdagFrame f = {.width = MW, .height = MH, .format = fmt};

	f.planes[0] = buf;
	f.strides[0] = (gint)stride;
	f.planes[1] = buf + (gsize)stride * MH;
	f.strides[1] = (gint)stride;
	return f;
}

static void
test_motion(void)
{
	const SdagFrameFormat formats[] = {
	    SDAG_FRAME_FORMAT_I420, SDAG_FRAME_FORMAT_NV12, SDAG_FRAME_FORMAT_GRAY8};

	for (guint k = 0; k < G_N_ELEMENTS(formats); k++) {
		g_autoptr(Node) n = node_new("motion", "{\"min_area\":64}");
		guint stride = k == 1 ? MW + 32 : MW; /* padded rows are not read */
		g_autofree guint8 *empty = motion_picture(stride, 0, 0, 0);
		GArray *out = n->out[0].items;
		SdagFrame f = motion_frame(empty, stride, formats[k]);

		/* the first frame seeds the model; a still picture gives nothing */
		node_run(n, NULL, &f);
		g_assert_cmpuint(out->len, ==, 0);
		node_run(n, NULL, &f);
		g_assert_cmpuint(out->len, ==, 0);
		for (gint i = 0; i < 3; i++) {
			g_autofree guint8 *buf = motion_picture(stride, 40 + 8 * i, 32, 24);
			SdagFrame g = motion_frame(buf, stride, formats[k]);
			const SdagDetection *d;

			node_run(n, NULL, &g);
			g_assert_cmpuint(out->len, ==, 1);
			d = &g_array_index(out, SdagDetection, 0);
			g_assert_cmpstr(d->label, ==, "motion");
			g_assert_cmpint(d->track_id, ==, -1);
			/* the box, within one block of the downscale (4) */
			g_assert_cmpfloat(fabs(d->x - (40 + 8 * i)), <=, 4);
			g_assert_cmpfloat(fabs(d->y - 32), <=, 4);
			g_assert_cmpfloat(fabs(d->w - 24), <=, 4);
			g_assert_cmpfloat(fabs(d->h - 24), <=, 4);
			g_assert_cmpfloat(d->score, >, 0.5);
			g_assert_cmpfloat(d->score, <=, 1.0);
		}
	}
}

static void
test_motion_small_and_edges(void)
{
	g_autoptr(Node) n = node_new("motion", "{\"min_area\":600,\"downscale\":2}");
	g_autoptr(Node) tiny = node_new("motion", "{\"downscale\":4,\"min_area\":1}");
	g_autofree guint8 *empty = motion_picture(MW, 0, 0, 0);
	g_autofree guint8 *small = motion_picture(MW, 10, 10, 20);	      /* 400 px < 600 */
	g_autofree guint8 *corner = motion_picture(MW, MW - 30, MH - 30, 40); /* cut by the edges */
	SdagFrame f = motion_frame(empty, MW, SDAG_FRAME_FORMAT_GRAY8);
	SdagFrame g = motion_frame(small, MW, SDAG_FRAME_FORMAT_GRAY8);
	SdagFrame h = motion_frame(corner, MW, SDAG_FRAME_FORMAT_GRAY8);
	SdagFrame one = {.width = 2, .height = 2, .format = SDAG_FRAME_FORMAT_GRAY8};
	const SdagDetection *d;
	guint8 px[4] = {0, 0, 0, 0};

	node_run(n, NULL, &f);
	node_run(n, NULL, &g);
	g_assert_cmpuint(n->out[0].items->len, ==, 0);
	node_run(n, NULL, &h);
	g_assert_cmpuint(n->out[0].items->len, ==, 1);
	d = &g_array_index(n->out[0].items, SdagDetection, 0);
	/* reaches the picture's edges exactly */
	g_assert_cmpfloat(d->x + d->w, ==, MW);
	g_assert_cmpfloat(d->y + d->h, ==, MH);
	/* no frame at all, and a frame smaller than one block */
	node_run(n, NULL, NULL);
	g_assert_cmpuint(n->out[0].items->len, ==, 0);
	one.planes[0] = px;
	one.strides[0] = 2;
	node_run(tiny, NULL, &one);
	px[0] = 255;
	node_run(tiny, NULL, &one);
	g_assert_cmpuint(tiny->out[0].items->len, ==, 1);
	d = &g_array_index(tiny->out[0].items, SdagDetection, 0);
	g_assert_cmpfloat(d->w, ==, 2);
}

static void
test_motion_state(void)
{
	g_autoptr(Node) a = node_new("motion", "{\"min_area\":64}");
	g_autoptr(Node) b = node_new("motion", "{\"min_area\":64}");
	g_autoptr(Node) other = node_new("motion", "{\"downscale\":8}");
	g_autofree guint8 *empty = motion_picture(MW, 0, 0, 0);
	g_autofree guint8 *moving = motion_picture(MW, 60, 60, 30);
	SdagFrame f = motion_frame(empty, MW, SDAG_FRAME_FORMAT_I420);
	SdagFrame g = motion_frame(moving, MW, SDAG_FRAME_FORMAT_I420);
	g_autoptr(GBytes) none = a->desc->save_state(a->inst, "background");
	g_autoptr(GBytes) saved = NULL;
	g_autoptr(GError) error = NULL;
	SdagFrame big = motion_frame(empty, MW / 2, SDAG_FRAME_FORMAT_I420);

	g_assert_cmpuint(g_bytes_get_size(none), ==, 0);
	node_run(a, NULL, &f);
	node_copy_state(a, b);
	/* b resumes a's model: the moving square shows at once, no seeding frame */
	node_run(b, NULL, &g);
	g_assert_cmpuint(b->out[0].items->len, ==, 1);
	/* a model for another downscale is refused, and so is garbage */
	saved = a->desc->save_state(a->inst, "background");
	g_assert_false(other->desc->load_state(other->inst, "background", saved, &error));
	g_assert_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
	node_assert_bad_state(b, "not a model at all, no", "not a motion model");
	{
		GByteArray *cut = g_byte_array_new();
		g_autoptr(GBytes) cut_bytes = NULL;
		g_byte_array_append(cut, g_bytes_get_data(saved, NULL), 40);
		cut_bytes = g_byte_array_free_to_bytes(cut);
		g_clear_error(&error);
		g_assert_false(b->desc->load_state(b->inst, "background", cut_bytes, &error));
		g_assert_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
	}
	/* empty data clears the model: the next frame seeds it again */
	g_assert_true(b->desc->load_state(b->inst, "background", none, NULL));
	node_run(b, NULL, &g);
	g_assert_cmpuint(b->out[0].items->len, ==, 0);
	/* a new frame size resets the model: nothing on the first frame of it */
	big.width = MW / 2;
	big.height = MH / 2;
	node_run(b, NULL, &big);
	g_assert_cmpuint(b->out[0].items->len, ==, 0);
}

/* ---- tracker ---- */

static void
test_tracker(void)
{
	g_autoptr(Node) n = node_new("tracker", "{\"min_hits\":3,\"max_age\":2}");
	g_autoptr(GArray) in = dets_new();
	GArray *tracks = n->out[0].items, *events = n->out[1].items;

	/* empty input, nothing known */
	node_run(n, NULL, NULL);
	g_assert_cmpuint(tracks->len, ==, 0);
	/* two objects moving apart; reported from the third frame on */
	for (guint f = 0; f < 10; f++) {
		g_array_set_size(in, 0);
		g_array_append_val(in, ((SdagDetection){0}));
		g_array_index(in, SdagDetection, 0) = det("car", -1, 10 + 5 * f, 50, 20, 10);
		g_array_append_val(in, ((SdagDetection){0}));
		g_array_index(in, SdagDetection, 1) = det("person", -1, 100, 10 + 4 * f, 10, 30);
		node_run(n, in, NULL);
		if (f < 2) {
			g_assert_cmpuint(tracks->len, ==, 0);
			g_assert_cmpuint(events->len, ==, 0);
			continue;
		}
		if (f == 2)
			assert_events(events, "track_new::car:1 track_new::person:2");
		else
			g_assert_cmpuint(events->len, ==, 0);
		g_assert_cmpuint(tracks->len, ==, 2);
		g_assert_cmpint(g_array_index(tracks, SdagDetection, 0).track_id, ==, 1);
		g_assert_cmpstr(g_array_index(tracks, SdagDetection, 0).label, ==, "car");
		g_assert_cmpfloat(g_array_index(tracks, SdagDetection, 0).x, ==, 10 + 5 * f);
		g_assert_cmpint(g_array_index(tracks, SdagDetection, 1).track_id, ==, 2);
	}
	/* the car goes; the person is still seen. Lost after max_age + 1 misses */
	for (guint f = 10; f < 13; f++) {
		g_array_set_size(in, 1);
		g_array_index(in, SdagDetection, 0) = det("person", -1, 100, 10 + 4 * f, 10, 30);
		node_run(n, in, NULL);
		g_assert_cmpuint(tracks->len, ==, 1);
		g_assert_cmpint(g_array_index(tracks, SdagDetection, 0).track_id, ==, 2);
		if (f < 12)
			g_assert_cmpuint(events->len, ==, 0);
		else
			assert_events(events, "track_lost::car:1");
	}
}

/* Two objects cross, merged into one detection for a few frames: each
 * keeps its id, and the merged detection makes no new track. */
static void
test_tracker_crossing(void)
{
	g_autoptr(Node) n = node_new("tracker", NULL);
	g_autoptr(GArray) in = dets_new();
	GArray *tracks = n->out[0].items;

	for (guint f = 0; f < 40; f++) {
		double ax = 10 + 6 * f, bx = 250 - 6 * f;

		g_array_set_size(in, 0);
		if (fabs(ax - bx) < 20) {
			SdagDetection m =
			    det("motion", -1, MIN(ax, bx), 100, fabs(ax - bx) + 20, 40);
			g_array_append_val(in, m);
		} else {
			SdagDetection a = det("motion", -1, ax, 100, 20, 40);
			SdagDetection b = det("motion", -1, bx, 102, 20, 40);
			g_array_append_val(in, a);
			g_array_append_val(in, b);
		}
		node_run(n, in, NULL);
		if (f < 2)
			continue;
		g_assert_cmpuint(tracks->len, ==, 2);
		for (guint i = 0; i < 2; i++) {
			const SdagDetection *t = &g_array_index(tracks, SdagDetection, i);
			/* track 1 follows a, track 2 follows b, through the crossing */
			double want = t->track_id == 1 ? ax : bx;
			g_assert_cmpint(t->track_id, ==, i + 1);
			g_assert_cmpfloat(fabs(t->x - want), <, 3.0);
		}
	}
}

static void
test_tracker_state(void)
{
	g_autoptr(Node) a = node_new("tracker", "{\"min_hits\":1,\"coast_frames\":1}");
	g_autoptr(Node) b = node_new("tracker", "{\"min_hits\":1,\"coast_frames\":1}");
	g_autoptr(GArray) in = dets_new();
	g_autoptr(GBytes) saved = NULL;

	for (guint f = 0; f < 4; f++) {
		g_array_set_size(in, 0);
		g_array_append_val(in, ((SdagDetection){0}));
		g_array_index(in, SdagDetection, 0) = det("motion", -1, 10 * f, 0, 20, 20);
		if (f == 2) {
			SdagDetection other = det("motion", -1, 300, 300, 20, 20);
			g_array_append_val(in, other);
		}
		node_run(a, in, NULL);
	}
	/* the second object (id 2) was seen once and is coasting */
	g_assert_cmpuint(a->out[0].items->len, ==, 2);
	node_copy_state(a, b);
	saved = b->desc->save_state(b->inst, "tracks");
	g_assert_nonnull(strstr(g_bytes_get_data(saved, NULL), "\"next_id\":3"));
	g_array_set_size(in, 1);
	g_array_index(in, SdagDetection, 0) = det("motion", -1, 40, 0, 20, 20);
	node_run(b, in, NULL);
	g_assert_cmpuint(b->out[0].items->len, ==, 1);
	g_assert_cmpint(g_array_index(b->out[0].items, SdagDetection, 0).track_id, ==, 1);
	/* a new object gets the next id, not 1 again */
	g_array_index(in, SdagDetection, 0) = det("motion", -1, 500, 500, 20, 20);
	node_run(b, in, NULL);
	assert_events(b->out[1].items, "track_new::motion:3");

	node_assert_bad_state(b, "[]", "not a JSON object");
	/* an empty checkpoint: no JSON root at all */
	node_assert_bad_state(b, "", "not a JSON object");
	node_assert_bad_state(b, "{\"next_id\":0,\"tracks\":[]}", "next_id");
	node_assert_bad_state(b, "{\"next_id\":2}", "tracks must be an array");
	node_assert_bad_state(b, "{\"next_id\":2,\"tracks\":[1]}", "malformed");
	node_assert_bad_state(
	    b,
	    "{\"next_id\":2,\"tracks\":[{\"id\":5,\"label\":\"a\",\"hits\":1,\"misses\":0,"
	    "\"age\":1,\"kf\":[]}]}",
	    "not below next_id");
	node_assert_bad_state(
	    b,
	    "{\"next_id\":2,\"tracks\":[{\"id\":1,\"label\":\"a\",\"hits\":1,\"misses\":0,"
	    "\"age\":1,\"kf\":[1,2]}]}",
	    "14 numbers");
	node_assert_bad_state(
	    b,
	    "{\"next_id\":2,\"tracks\":[{\"id\":1,\"label\":\"a\",\"hits\":1,\"misses\":0,"
	    "\"age\":1,\"kf\":[1,2,3,4,5,6,7,8,9,10,11,12,13,\"x\"]}]}",
	    "14 numbers");
	/* a failed load leaves the table as it was: id 3 is still there */
	node_run(b, in, NULL);
	g_assert_cmpint(g_array_index(b->out[0].items, SdagDetection, 0).track_id, ==, 3);
}

/* ---- zone ---- */

static void
test_zone(void)
{
	g_autoptr(Node) n =
	    node_new("zone",
		     "{\"name\":\"dock\",\"polygon\":[[100,0],[200,0],[200,100],[100,100]],"
		     "\"anchor\":\"center\",\"forget_after\":2,\"labels\":[\"car\",\"van\"]}");
	g_autoptr(Node) copy = node_new("zone",
					"{\"name\":\"dock\",\"polygon\":[[100,0],[200,0],"
					"[200,100],[100,100]],\"anchor\":\"center\","
					"\"forget_after\":2,\"labels\":[\"car\",\"van\"]}");
	g_autoptr(GArray) in = dets_new();
	GArray *ev = n->out[0].items, *counts = n->out[1].items;
	SdagDetection car = det("car", 7, 80, 40, 20, 20);	  /* centre x 90: outside */
	SdagDetection van = det("van", 3, 150, 40, 20, 20);	  /* inside from the start */
	SdagDetection person = det("person", 4, 150, 40, 10, 10); /* not counted */
	SdagDetection untracked = det("car", -1, 150, 40, 10, 10);

	node_run(n, NULL, NULL);
	g_assert_cmpuint(ev->len, ==, 0);
	g_assert_cmpuint(counts->len, ==, 0);
	g_array_append_val(in, car);
	g_array_append_val(in, van);
	g_array_append_val(in, person);
	g_array_append_val(in, untracked);
	node_run(n, in, NULL);
	assert_events(ev, "enter:dock:van:3");
	assert_counts(counts, "zone/dock:van=1");
	g_array_index(in, SdagDetection, 0).x = 95; /* centre 105: in */
	node_run(n, in, NULL);
	assert_events(ev, "enter:dock:car:7");
	assert_counts(counts, "zone/dock:car=1 zone/dock:van=1");
	node_copy_state(n, copy);
	/* the car leaves; the van disappears and exits after forget_after */
	g_array_index(in, SdagDetection, 0).x = 195;
	g_array_set_size(in, 1);
	for (guint f = 0; f < 3; f++) {
		node_run(n, in, NULL);
		node_run(copy, in, NULL);
		if (f == 0) {
			assert_events(ev, "exit:dock:car:7");
			assert_counts(counts, "zone/dock:car=0 zone/dock:van=1");
		} else if (f == 1) {
			g_assert_cmpuint(ev->len, ==, 0);
		} else {
			assert_events(ev, "exit:dock:van:3");
			assert_counts(counts, "zone/dock:car=0 zone/dock:van=0");
		}
		/* the restored copy says the same */
		{
			g_autoptr(GString) a = events_text(ev);
			g_autoptr(GString) b = events_text(copy->out[0].items);
			g_assert_cmpstr(a->str, ==, b->str);
		}
	}
	node_assert_bad_state(n, "{}", "expected");
	node_assert_bad_state(n, "{\"frame\":3,\"labels\":[1],\"tracks\":[]}", "bad label");
	node_assert_bad_state(
	    n, "{\"frame\":3,\"labels\":[],\"tracks\":[{\"id\":1,\"last_seen\":9}]}", "malformed");
}

/* ---- line_counter ---- */

static void
test_line_counter(void)
{
	/* a vertical line at x = 100 from y 0 to 200, drawn downwards: its
	 * right on screen is x < 100, so moving left to right on screen is out */
	g_autoptr(Node) n = node_new(
	    "line_counter",
	    "{\"name\":\"gate\",\"line\":[[100,0],[100,200]],\"margin\":5,\"anchor\":\"center\"}");
	g_autoptr(Node) copy = node_new(
	    "line_counter",
	    "{\"name\":\"gate\",\"line\":[[100,0],[100,200]],\"margin\":5,\"anchor\":\"center\"}");
	g_autoptr(GArray) in = dets_new();
	GArray *ev = n->out[0].items;
	/* centre x of track 1 over time: wobbles on the line, then goes through */
	const double xs[] = {80, 90, 97, 103, 98, 104, 101, 96, 110, 120, 104, 98, 94, 90};
	GString *log = g_string_new(NULL);
	g_autofree char *text = NULL;

	node_run(n, NULL, NULL);
	g_assert_cmpuint(n->out[1].items->len, ==, 0);
	for (guint f = 0; f < G_N_ELEMENTS(xs); f++) {
		SdagDetection d = det("person", 1, xs[f] - 5, 50, 10, 10);
		/* track 2 passes below the segment's end: no crossing */
		SdagDetection e = det("person", 2, xs[f] - 5, 300, 10, 10);
		g_autoptr(GString) s = NULL;

		g_array_set_size(in, 0);
		g_array_append_val(in, d);
		g_array_append_val(in, e);
		node_run(n, in, NULL);
		s = events_text(ev);
		if (s->len > 0)
			g_string_append_printf(log, "%u:%s ", f, s->str);
		if (f == 9)
			node_copy_state(n, copy);
	}
	text = g_string_free(log, FALSE);
	/* one out when it gets past 105, one in when it is back under 95 */
	g_assert_cmpstr(text, ==, "8:cross_out:gate:person:1 12:cross_in:gate:person:1 ");
	assert_counts(n->out[1].items, "line/gate/in:person=1 line/gate/out:person=1");
	/* the copy, restored at frame 9, goes on from there */
	{
		SdagDetection d = det("person", 1, 85, 50, 10, 10);
		g_array_set_size(in, 1);
		g_array_index(in, SdagDetection, 0) = d;
		node_run(copy, in, NULL);
		assert_events(copy->out[0].items, "cross_in:gate:person:1");
		assert_counts(copy->out[1].items, "line/gate/in:person=1 line/gate/out:person=1");
	}
	node_assert_bad_state(n, "[]", "expected");
	node_assert_bad_state(
	    n,
	    "{\"frame\":1,\"totals\":[{\"label\":\"a\",\"in\":-1,\"out\":0}],\"tracks\":[]}",
	    "expected");
	node_assert_bad_state(n,
			      "{\"frame\":1,\"totals\":[],\"tracks\":[{\"id\":1,\"side\":2,\"x\":0,"
			      "\"y\":0,\"last_seen\":1}]}",
			      "expected");
}

/* ---- filter ---- */

static void
test_filter(void)
{
	g_autoptr(Node) n =
	    node_new("filter",
		     "{\"labels\":[\"person\",\"car\"],\"min_score\":0.5,\"max_area\":"
		     "1000,\"min_aspect\":0.2,\"max_aspect\":2,\"region\":[[0,0],["
		     "100,0],[100,100],[0,100]]}");
	g_autoptr(Node) all = node_new("filter", NULL);
	g_autoptr(GArray) in = dets_new();
	SdagDetection keep = det("person", 4, 10, 10, 10, 20);
	SdagDetection cases[] = {
	    det("dog", 1, 10, 10, 10, 20),   /* label */
	    det("car", 2, 10, 10, 40, 40),   /* area */
	    det("car", 3, 10, 10, 30, 5),    /* aspect 6 */
	    det("car", 5, 150, 10, 10, 10),  /* outside the region */
	    det("person", 6, 10, 10, 10, 0), /* no height */
	};

	cases[0].score = 0.9f;
	g_array_append_val(in, keep);
	g_array_append_vals(in, cases, G_N_ELEMENTS(cases));
	keep.score = 0.4f; /* score */
	g_array_append_val(in, keep);
	node_run(n, in, NULL);
	g_assert_cmpuint(n->out[0].items->len, ==, 1);
	g_assert_cmpint(g_array_index(n->out[0].items, SdagDetection, 0).track_id, ==, 4);
	g_assert_cmpuint(n->out[1].items->len, ==, 0);
	node_run(all, in, NULL);
	g_assert_cmpuint(all->out[0].items->len, ==, in->len);
	node_run(all, NULL, NULL);
	g_assert_cmpuint(all->out[0].items->len, ==, 0);
	/* tracks go through the tracks port */
	for (guint i = 0; i < 2; i++)
		n->in[i] = (SdagPacket){.type = SDAG_PORT_NONE};
	n->in[1].type = SDAG_PORT_TRACKS;
	n->in[1].items = in;
	g_array_set_size(n->out[0].items, 0);
	g_assert_true(n->desc->process(n->inst, n->in, n->out, NULL));
	g_assert_cmpuint(n->out[0].items->len, ==, 0);
	g_assert_cmpuint(n->out[1].items->len, ==, 1);
}

/* ---- the scorer ---- */

static void
test_score_cases(void)
{
	g_autoptr(SdagScoreSeq) gt = sdag_score_seq_new();
	g_autoptr(SdagScoreSeq) same = sdag_score_seq_new();
	g_autoptr(SdagScoreSeq) swap = sdag_score_seq_new();
	g_autoptr(SdagScoreSeq) missing = sdag_score_seq_new();
	g_autoptr(SdagScoreSeq) extra = sdag_score_seq_new();
	g_autoptr(SdagScoreSeq) untracked = sdag_score_seq_new();
	g_autoptr(SdagScoreSeq) empty = sdag_score_seq_new();
	g_autofree char *text = NULL;
	SdagScore s;

	/* two objects over 10 frames, far apart */
	for (guint f = 0; f < 10; f++) {
		sdag_score_seq_add(gt, f, 1, 10 * f, 0, 20, 20);
		sdag_score_seq_add(gt, f, 2, 10 * f, 100, 20, 20);
		sdag_score_seq_add(same, f, 7, 10 * f + 1, 0, 20, 20);
		sdag_score_seq_add(same, f, 8, 10 * f, 101, 20, 20);
		/* the ids swap at frame 5 */
		sdag_score_seq_add(swap, f, f < 5 ? 7 : 8, 10 * f, 0, 20, 20);
		sdag_score_seq_add(swap, f, f < 5 ? 8 : 7, 10 * f, 100, 20, 20);
		/* object 2 missed in frames 0..3 */
		sdag_score_seq_add(missing, f, 7, 10 * f, 0, 20, 20);
		if (f >= 4)
			sdag_score_seq_add(missing, f, 8, 10 * f, 100, 20, 20);
		/* a false positive in each frame, and boxes off by too much */
		sdag_score_seq_add(extra, f, 7, 10 * f, 0, 20, 20);
		sdag_score_seq_add(extra, f, 8, 10 * f + 10, 110, 20, 20); /* IoU 1/7 */
		sdag_score_seq_add(extra, f, 9, 500, 500, 20, 20);
		sdag_score_seq_add(untracked, f, -1, 10 * f, 0, 20, 20);
	}

	sdag_score_compute(gt, same, 0.5, &s);
	g_assert_cmpfloat(s.mota, ==, 1.0);
	g_assert_cmpfloat(s.idf1, ==, 1.0);
	g_assert_cmpfloat(s.precision, ==, 1.0);
	g_assert_cmpfloat(s.recall, ==, 1.0);
	g_assert_cmpuint(s.id_switches, ==, 0);

	sdag_score_compute(gt, swap, 0.5, &s);
	/* one switch per object at the swap */
	g_assert_cmpuint(s.id_switches, ==, 2);
	g_assert_cmpfloat_with_epsilon(s.mota, 1.0 - 2.0 / 20, 1e-9);
	g_assert_cmpfloat_with_epsilon(s.idf1, 0.5, 1e-9);
	g_assert_cmpfloat(s.recall, ==, 1.0);

	sdag_score_compute(gt, missing, 0.5, &s);
	g_assert_cmpuint(s.fn, ==, 4);
	g_assert_cmpfloat_with_epsilon(s.recall, 16.0 / 20, 1e-9);
	g_assert_cmpfloat(s.precision, ==, 1.0);
	g_assert_cmpuint(s.id_switches, ==, 0);
	g_assert_cmpfloat_with_epsilon(s.idf1, 2.0 * 16 / (20 + 16), 1e-9);

	sdag_score_compute(gt, extra, 0.5, &s);
	g_assert_cmpuint(s.tp, ==, 10);
	g_assert_cmpuint(s.fp, ==, 20);
	g_assert_cmpuint(s.fn, ==, 10);
	g_assert_cmpfloat_with_epsilon(s.precision, 1.0 / 3, 1e-9);
	g_assert_cmpfloat_with_epsilon(s.mota, 1.0 - 30.0 / 20, 1e-9);
	/* at a lower threshold the shifted boxes match */
	sdag_score_compute(gt, extra, 0.1, &s);
	g_assert_cmpuint(s.tp, ==, 20);

	/* untracked detections count for recall and precision, not identity */
	sdag_score_compute(gt, untracked, 0.5, &s);
	g_assert_cmpuint(s.tp, ==, 10);
	g_assert_cmpuint(s.idtp, ==, 0);
	g_assert_cmpuint(s.id_switches, ==, 0);

	sdag_score_compute(gt, empty, 0.5, &s);
	g_assert_cmpfloat(s.recall, ==, 0.0);
	g_assert_cmpfloat(s.precision, ==, 1.0);
	text = sdag_score_to_string(&s);
	g_assert_true(g_str_has_prefix(text, "MOTA 0.0000  IDF1 0.0000  ID switches 0"));
	sdag_score_compute(empty, empty, 0.5, &s);
	g_assert_cmpfloat(s.mota, ==, 1.0);
}

static JsonNode *
parse(const char *text)
{
	g_autoptr(JsonParser) p = json_parser_new();
	g_assert_true(json_parser_load_from_data(p, text, -1, NULL));
	return json_node_copy(json_parser_get_root(p));
}

static void
test_score_json(void)
{
	g_autoptr(JsonNode) truth =
	    parse("{\"truth\":[{\"frame_id\":0,\"objects\":[{\"id\":1,\"box\":[0,0,10,10]}]},"
		  "{\"frame_id\":1,\"objects\":[]}]}");
	g_autoptr(JsonNode) rows =
	    parse("{\"frames\":[{\"frame_id\":0,\"detections\":[{\"label\":\"a\",\"box\":[0,0,10,"
		  "10],\"track_id\":4},{\"label\":\"b\",\"box\":[50,50,10,10]}]}]}");
	g_autoptr(SdagScoreSeq) gt = sdag_score_seq_from_truth_json(truth, NULL);
	g_autoptr(SdagScoreSeq) all = sdag_score_seq_from_frames_json(rows, NULL, NULL);
	g_autoptr(SdagScoreSeq) only_a = sdag_score_seq_from_frames_json(rows, "a", NULL);
	static const char *const bad_truth[] = {
	    "[]", "{\"truth\":[1]}", "{\"truth\":[{\"frame_id\":0,\"objects\":[{\"id\":1}]}]}"};
	static const char *const bad_rows[] = {
	    "3",
	    "[{\"frame_id\":-1,\"detections\":[]}]",
	    "[{\"frame_id\":0,\"detections\":[{\"box\":[1,2]}]}]"};
	SdagScore s;

	g_assert_cmpuint(sdag_score_seq_get_n_frames(gt), ==, 2);
	sdag_score_compute(gt, all, 0.5, &s);
	g_assert_cmpuint(s.tp, ==, 1);
	g_assert_cmpuint(s.fp, ==, 1);
	sdag_score_compute(gt, only_a, 0.5, &s);
	g_assert_cmpfloat(s.mota, ==, 1.0);
	g_assert_cmpfloat(s.idf1, ==, 1.0);
	for (guint i = 0; i < G_N_ELEMENTS(bad_truth); i++) {
		g_autoptr(JsonNode) n = parse(bad_truth[i]);
		g_autoptr(GError) error = NULL;
		g_assert_null(sdag_score_seq_from_truth_json(n, &error));
		g_assert_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
	}
	for (guint i = 0; i < G_N_ELEMENTS(bad_rows); i++) {
		g_autoptr(JsonNode) n = parse(bad_rows[i]);
		g_autoptr(GError) error = NULL;
		g_assert_null(sdag_score_seq_from_frames_json(n, NULL, &error));
		g_assert_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
	}
}

int
main(int argc, char **argv)
{
	g_autoptr(GError) error = NULL;
	int rc;

	g_test_init(&argc, &argv, NULL);
	types = sdag_node_types_new();
	g_assert_true(sdag_node_types_load_dir(types, g_getenv("SDAG_TEST_PLUGIN_DIR"), &error));
	g_assert_no_error(error);

	g_test_add_func("/sdag/nodes/types", test_node_types);
	g_test_add_func("/sdag/nodes/assign", test_assign);
	g_test_add_func("/sdag/nodes/geometry", test_geometry);
	g_test_add_func("/sdag/nodes/params-refused", test_params_refused);
	g_test_add_func("/sdag/nodes/motion/moving-square", test_motion);
	g_test_add_func("/sdag/nodes/motion/small-and-edges", test_motion_small_and_edges);
	g_test_add_func("/sdag/nodes/motion/state", test_motion_state);
	g_test_add_func("/sdag/nodes/tracker/birth-and-death", test_tracker);
	g_test_add_func("/sdag/nodes/tracker/crossing", test_tracker_crossing);
	g_test_add_func("/sdag/nodes/tracker/state", test_tracker_state);
	g_test_add_func("/sdag/nodes/zone", test_zone);
	g_test_add_func("/sdag/nodes/line-counter", test_line_counter);
	g_test_add_func("/sdag/nodes/filter", test_filter);
	g_test_add_func("/sdag/score/cases", test_score_cases);
	g_test_add_func("/sdag/score/json", test_score_json);
	rc = g_test_run();
	sdag_node_types_free(types);
	return rc;
}
