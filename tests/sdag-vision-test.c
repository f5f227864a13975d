/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The OpenCV detector nodes (hog_people, haar) and the snapshot node, loaded
 * from the build's plugin directory and fed real frames directly, without a
 * daemon: Debian's vtest.avi (pedestrians), messi5.jpg (a face), generated
 * frames.
 */
#include "sdag-error.h"
#include "sdag-exec.h"
#include "sdag-test-media.h"
#include "sdag-test-util.h"

#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

static SdagNodeTypes *types;
/* [nodes] cascade_dirs of these tests: cascades/ (then opencv-data's), next to outside/ */
static char *cascade_base;
static char *cascade_dir;
static char *cascade_dirs_listed;

static const char *
media(const char *name)
{
	static char path[4096];
	const char *vtest = g_getenv("SDAG_TEST_VTEST");
	g_autofree char *dir = NULL;

	if (vtest == NULL || !g_file_test(vtest, G_FILE_TEST_IS_REGULAR))
		g_error("%s is missing: run scripts/fetch-media.sh (make deps)",
			vtest != NULL ? vtest : "SDAG_TEST_VTEST");
	dir = g_path_get_dirname(vtest);
	g_snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (!g_file_test(path, G_FILE_TEST_IS_REGULAR))
		g_error("%s is missing: run scripts/fetch-media.sh (make deps)", path);
	return path;
}

static SdagExec *
exec_new(const char *json)
{
	g_autoptr(GError) error = NULL;
	SdagExec *exec = sdag_exec_new(sdag_test_compile(types, json), &error);

	g_assert_no_error(error);
	g_assert_nonnull(exec);
	return exec;
}

static const SdagFrameResult *
run(SdagExec *exec, const SdagFrame *frame)
{
	g_autoptr(GError) error = NULL;
	const SdagFrameResult *r = sdag_exec_run(exec, frame, &error);

	g_assert_no_error(error);
	g_assert_nonnull(r);
	return r;
}

/* The first problem's code when @json does not compile, NULL when it does. */
static char *
compile_problem(const char *json)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonNode) root = json_from_string(json, &error);
	g_autoptr(GPtrArray) problems = sdag_dag_problems_new();
	SdagDag *dag;

	g_assert_no_error(error);
	dag = sdag_dag_compile(root, types, problems);
	if (dag != NULL) {
		sdag_dag_free(dag);
		return NULL;
	}
	g_assert_cmpuint(problems->len, >, 0);
	return g_strdup(((SdagDagProblem *)g_ptr_array_index(problems, 0))->code);
}

#define HOG_JSON                                                        \
	"{\"pipeline_id\":\"people\",\"nodes\":[{\"id\":\"p\","         \
	"\"type\":\"hog_people\",\"params\":%s}],\"edges\":[{\"from\":" \
	"\"source.frame\",\"to\":\"p.frame\"}],\"outputs\":[\"p.detections\"]}"

static SdagExec *
hog_new(const char *params)
{
	g_autofree char *json = g_strdup_printf(HOG_JSON, params);
	return exec_new(json);
}

static void
assert_boxes_in(const SdagFrameResult *r, double x0, double y0, double x1, double y1)
{
	for (guint i = 0; i < r->detections->len; i++) {
		const SdagDetection *d = &g_array_index(r->detections, SdagDetection, i);
		g_assert_cmpfloat(d->x, >=, x0 - 1);
		g_assert_cmpfloat(d->y, >=, y0 - 1);
		g_assert_cmpfloat(d->x + d->w, <=, x1 + 1);
		g_assert_cmpfloat(d->y + d->h, <=, y1 + 1);
	}
}

/* Pedestrians of vtest.avi: people found, boxes upright and inside the frame,
 * scores ordered and above min_score, and NMS leaves no two boxes overlapping much. */
static void
test_hog_vtest(void)
{
	g_autoptr(SdagExec) exec = hog_new("{}");
	guint total = 0;
	const guint indices[] = {60, 200, 400};

	for (guint k = 0; k < G_N_ELEMENTS(indices); k++) {
		g_autoptr(GstSample) s =
		    sdag_test_media_decode_frame(media("vtest.avi"), indices[k], "I420");
		g_autoptr(SdagTestFrame) f = sdag_test_frame_map(s, indices[k]);
		const SdagFrameResult *r = run(exec, &f->frame);

		g_assert_cmpuint(f->frame.width, ==, 768);
		g_assert_cmpuint(f->frame.height, ==, 576);
		g_test_message("frame %u: %u people", indices[k], r->detections->len);
		g_assert_cmpuint(r->detections->len, >=, 1);
		g_assert_cmpuint(r->detections->len, <=, 20);
		assert_boxes_in(r, 0, 0, 768, 576);
		for (guint i = 0; i < r->detections->len; i++) {
			const SdagDetection *d = &g_array_index(r->detections, SdagDetection, i);
			g_assert_cmpstr(d->label, ==, "person");
			g_assert_cmpint(d->track_id, ==, -1);
			g_assert_cmpfloat(d->score, >=, 0.3);
			g_assert_cmpfloat(d->score, <=, 1.0);
			/* the 64x128 window: twice as tall as wide, at least 128 px */
			g_assert_cmpfloat_with_epsilon(d->h / d->w, 2.0, 0.05);
			g_assert_cmpfloat(d->h, >=, 127);
			g_assert_cmpfloat(d->h, <=, 576);
			if (i > 0)
				g_assert_cmpfloat(
				    d->score,
				    <=,
				    g_array_index(r->detections, SdagDetection, i - 1).score);
			for (guint j = 0; j < i; j++) {
				const SdagDetection *e =
				    &g_array_index(r->detections, SdagDetection, j);
				float ix = MIN(d->x + d->w, e->x + e->w) - MAX(d->x, e->x);
				float iy = MIN(d->y + d->h, e->y + e->h) - MAX(d->y, e->y);
				float inter = ix > 0 && iy > 0 ? ix * iy : 0;
				g_assert_cmpfloat(
				    inter / (d->w * d->h + e->w * e->h - inter), <=, 0.3);
			}
		}
		total += r->detections->len;
	}
	g_assert_cmpuint(total, >=, 3);
}

/* The same frame in NV12 and GRAY8 gives the same people: only luma is read. */
static void
test_hog_formats(void)
{
	g_autoptr(SdagExec) exec = hog_new("{}");
	g_autoptr(GArray) first = g_array_new(FALSE, FALSE, sizeof(SdagDetection));
	const char *formats[] = {"I420", "NV12", "GRAY8"};

	g_assert_cmpuint(sdag_exec_get_frame_formats(exec),
			 ==,
			 SDAG_EXEC_FORMAT_BIT(SDAG_FRAME_FORMAT_I420) |
			     SDAG_EXEC_FORMAT_BIT(SDAG_FRAME_FORMAT_NV12) |
			     SDAG_EXEC_FORMAT_BIT(SDAG_FRAME_FORMAT_GRAY8));
	for (guint k = 0; k < G_N_ELEMENTS(formats); k++) {
		g_autoptr(GstSample) s =
		    sdag_test_media_decode_frame(media("vtest.avi"), 60, formats[k]);
		g_autoptr(SdagTestFrame) f = sdag_test_frame_map(s, 0);
		const SdagFrameResult *r = run(exec, &f->frame);

		if (k == 0) {
			g_array_append_vals(first, r->detections->data, r->detections->len);
			g_assert_cmpuint(first->len, >, 0);
			continue;
		}
		g_assert_cmpuint(r->detections->len, ==, first->len);
		for (guint i = 0; i < first->len; i++) {
			g_assert_cmpfloat(g_array_index(r->detections, SdagDetection, i).x,
					  ==,
					  g_array_index(first, SdagDetection, i).x);
			g_assert_cmpfloat(g_array_index(r->detections, SdagDetection, i).y,
					  ==,
					  g_array_index(first, SdagDetection, i).y);
		}
	}
}

/* Flat, tiny and changing frames: nothing found, nothing crashes. */
static void
test_hog_empty(void)
{
	g_autoptr(SdagExec) exec = hog_new("{}");
	const guint sizes[][2] = {{320, 240}, {48, 96}, {64, 128}, {1, 1}, {768, 576}, {320, 240}};

	for (guint k = 0; k < G_N_ELEMENTS(sizes); k++) {
		guint w = sizes[k][0], h = sizes[k][1];
		g_autofree guint8 *grey = g_malloc(w * h);
		SdagFrame frame = {.width = w,
				   .height = h,
				   .format = SDAG_FRAME_FORMAT_GRAY8,
				   .planes = {grey},
				   .strides = {(gint)w},
				   .frame_id = k,
				   .pts_ns = -1};

		memset(grey, 128, w * h);
		g_assert_cmpuint(run(exec, &frame)->detections->len, ==, 0);
	}
	/* a zero-size frame is not an error either */
	{
		SdagFrame frame = {.format = SDAG_FRAME_FORMAT_GRAY8, .pts_ns = -1};
		g_assert_cmpuint(run(exec, &frame)->detections->len, ==, 0);
	}
}

/* roi: boxes only inside it, in frame coordinates; one outside the frame finds none;
 * resize 2 finds only people at least 256 px tall; max_detections caps the count. */
static void
test_hog_params(void)
{
	g_autoptr(GstSample) s = sdag_test_media_decode_frame(media("vtest.avi"), 60, "GRAY8");
	g_autoptr(SdagTestFrame) f = sdag_test_frame_map(s, 0);
	g_autoptr(SdagExec) all = hog_new("{\"min_score\":0.0}");
	g_autoptr(SdagExec) roi = hog_new("{\"min_score\":0.0,\"roi\":[[0,0],[384,576]]}");
	g_autoptr(SdagExec) off = hog_new("{\"roi\":[[2000,2000],[3000,3000]]}");
	g_autoptr(SdagExec) big = hog_new("{\"min_score\":0.0,\"resize\":2.0}");
	g_autoptr(SdagExec) one = hog_new("{\"min_score\":0.0,\"max_detections\":1}");
	g_autoptr(SdagExec) strict = hog_new("{\"min_score\":0.99}");
	const SdagFrameResult *r;
	guint n_all;

	n_all = run(all, &f->frame)->detections->len;
	g_assert_cmpuint(n_all, >=, 2);
	r = run(roi, &f->frame);
	assert_boxes_in(r, 0, 0, 384, 576);
	g_assert_cmpuint(r->detections->len, <, n_all);
	g_assert_cmpuint(run(off, &f->frame)->detections->len, ==, 0);
	r = run(big, &f->frame);
	for (guint i = 0; i < r->detections->len; i++)
		g_assert_cmpfloat(g_array_index(r->detections, SdagDetection, i).h, >=, 255);
	g_assert_cmpuint(run(one, &f->frame)->detections->len, ==, 1);
	g_assert_cmpuint(run(strict, &f->frame)->detections->len, ==, 0);
}

/* What the schema cannot say is refused at registration as bad_param. */
static void
test_hog_validate(void)
{
	const char *bad[] = {
	    "{\"win_stride\":12}",
	    "{\"padding\":4}",
	    "{\"roi\":[[10,10],[5,20]]}",
	    "{\"roi\":[[10,10]]}",
	    "{\"roi\":[[-1,0],[5,20]]}",
	    "{\"scale\":1.0}",
	};

	for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autofree char *json = g_strdup_printf(HOG_JSON, bad[i]);
		g_autofree char *code = compile_problem(json);
		g_assert_cmpstr(code, ==, "bad_param");
	}
	{
		g_autofree char *json =
		    g_strdup_printf(HOG_JSON, "{\"win_stride\":16,\"padding\":0}");
		g_assert_null(compile_problem(json));
	}
}

#define HAAR_JSON                                                 \
	"{\"pipeline_id\":\"faces\",\"nodes\":[{\"id\":\"f\","    \
	"\"type\":\"haar\",\"params\":%s}],\"edges\":[{\"from\":" \
	"\"source.frame\",\"to\":\"f.frame\"}],\"outputs\":[\"f.detections\"]}"

/* Debian's messi5.jpg: the face is found, with the default frontal face cascade. */
static void
test_haar_face(void)
{
	g_autofree char *json = g_strdup_printf(HAAR_JSON, "{}");
	g_autoptr(SdagExec) exec = exec_new(json);
	g_autofree char *data = NULL;
	gsize len = 0;
	g_autoptr(GBytes) jpeg = NULL;
	g_autoptr(GstSample) s = NULL;
	g_autoptr(SdagTestFrame) f = NULL;
	const SdagFrameResult *r;

	g_assert_true(g_file_get_contents(media("messi5.jpg"), &data, &len, NULL));
	jpeg = g_bytes_new(data, len);
	s = sdag_test_media_decode_image(jpeg, "I420");
	g_assert_nonnull(s);
	f = sdag_test_frame_map(s, 0);
	r = run(exec, &f->frame);
	g_test_message(
	    "messi5.jpg %ux%u: %u faces", f->frame.width, f->frame.height, r->detections->len);
	g_assert_cmpuint(r->detections->len, >=, 1);
	for (guint i = 0; i < r->detections->len; i++) {
		const SdagDetection *d = &g_array_index(r->detections, SdagDetection, i);
		g_assert_cmpstr(d->label, ==, "face");
		g_assert_cmpfloat(d->w, >=, 30);
		g_assert_cmpfloat(d->w, ==, d->h);
		g_assert_cmpfloat(d->score, >, 0);
		g_assert_cmpfloat(d->score, <, 1);
	}
	assert_boxes_in(r, 0, 0, f->frame.width, f->frame.height);
}

/* On vtest (faces too small to find) and on flat and tiny frames: valid output, no crash;
 * the label param names the detections. */
static void
test_haar_frames(void)
{
	g_autofree char *json =
	    g_strdup_printf(HAAR_JSON, "{\"label\":\"head\",\"min_size\":20,\"equalize\":false}");
	g_autoptr(SdagExec) exec = exec_new(json);
	g_autoptr(GstSample) s = sdag_test_media_decode_frame(media("vtest.avi"), 100, "NV12");
	g_autoptr(SdagTestFrame) f = sdag_test_frame_map(s, 0);
	const SdagFrameResult *r = run(exec, &f->frame);
	guint8 grey[16 * 16];
	SdagFrame tiny = {.width = 16,
			  .height = 16,
			  .format = SDAG_FRAME_FORMAT_GRAY8,
			  .planes = {grey},
			  .strides = {16},
			  .pts_ns = -1};

	assert_boxes_in(r, 0, 0, 768, 576);
	for (guint i = 0; i < r->detections->len; i++)
		g_assert_cmpstr(g_array_index(r->detections, SdagDetection, i).label, ==, "head");
	memset(grey, 200, sizeof(grey));
	g_assert_cmpuint(run(exec, &tiny)->detections->len, ==, 0);
	tiny.width = 0;
	g_assert_cmpuint(run(exec, &tiny)->detections->len, ==, 0);
}

/* A missing or unusable cascade, or a bad label, is bad_param at registration. */
static void
test_haar_validate(void)
{
	g_autofree char *dir = sdag_test_mkdtemp();
	g_autofree char *text = g_build_filename(dir, "text.xml", NULL);
	g_autofree char *p1 = NULL;
	g_autofree char *p2 = NULL;
	g_autofree char *p3 = NULL;
	g_autofree char *p4 = NULL;
	g_autofree char *j1 = NULL;
	g_autofree char *j2 = NULL;
	g_autofree char *j3 = NULL;
	g_autofree char *j4 = NULL;
	g_autofree char *c1 = NULL;
	g_autofree char *c2 = NULL;
	g_autofree char *c3 = NULL;
	g_autofree char *c4 = NULL;

	g_assert_true(g_file_set_contents(text, "<opencv_storage></opencv_storage>\n", -1, NULL));
	p1 = g_strdup_printf("{\"cascade\":\"%s/none.xml\"}", dir);
	p2 = g_strdup_printf("{\"cascade\":\"%s\"}", text);
	p3 = g_strdup_printf("{\"cascade\":\"%s\"}", dir);
	p4 = g_strdup("{\"label\":\"\"}");
	j1 = g_strdup_printf(HAAR_JSON, p1);
	j2 = g_strdup_printf(HAAR_JSON, p2);
	j3 = g_strdup_printf(HAAR_JSON, p3);
	j4 = g_strdup_printf(HAAR_JSON, p4);
	c1 = compile_problem(j1);
	c2 = compile_problem(j2);
	c3 = compile_problem(j3);
	c4 = compile_problem(j4);
	g_assert_cmpstr(c1, ==, "bad_param");
	g_assert_cmpstr(c2, ==, "bad_param");
	g_assert_cmpstr(c3, ==, "bad_param");
	g_assert_cmpstr(c4, ==, "bad_param");
	sdag_test_rmtree(dir);
}

/* The problem of @json when it does not compile: (transfer full) "code: message" */
static char *
compile_problem_text(const char *json)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonNode) root = json_from_string(json, &error);
	g_autoptr(GPtrArray) problems = sdag_dag_problems_new();
	SdagDag *dag;
	SdagDagProblem *p;

	g_assert_no_error(error);
	dag = sdag_dag_compile(root, types, problems);
	if (dag != NULL) {
		sdag_dag_free(dag);
		return NULL;
	}
	p = g_ptr_array_index(problems, 0);
	return g_strdup_printf("%s: %s", p->code, p->message);
}

/* Cascades only from [nodes] cascade_dirs. @value: the cascade param, "@" standing for the
 * base directory of cascades/ and outside/; @found: whether it names a usable cascade. */
typedef struct {
	const char *name;
	const char *value;
	gboolean found;
} HaarCascadeRow;

static const HaarCascadeRow haar_cascade_rows[] = {
    /* outside: one answer, whether or not the file is there */
    {"outside-existing", "@/outside/face.xml", FALSE},
    {"outside-missing", "@/outside/none.xml", FALSE},
    {"system-file", "/etc/passwd", FALSE},
    {"system-missing", "/etc/no-such-file", FALSE},
    {"dotdot-relative", "../outside/face.xml", FALSE},
    {"dotdot-absolute", "@/cascades/../outside/face.xml", FALSE},
    {"symlink-escape", "escape.xml", FALSE},
    {"symlink-escape-absolute", "@/cascades/escape.xml", FALSE},
    {"directory", "@/cascades", FALSE},
    {"empty", "", FALSE},
    /* inside */
    {"name", "face.xml", TRUE},
    {"name-without-xml", "face", TRUE},
    {"absolute-inside", "@/cascades/face.xml", TRUE},
    {"opencv-data-name", "haarcascade_frontalface_default.xml", TRUE},
    {"opencv-data-path",
     "/usr/share/opencv4/haarcascades/haarcascade_frontalface_default.xml",
     TRUE},
    /* recognised without being loaded: a licence of 7 KB before the cascade, and a cascade
     * element without a type_id */
    {"opencv-data-long-preamble", "haarcascade_fullbody.xml", TRUE},
    {"opencv-data-no-type-id", "haarcascade_russian_plate_number.xml", TRUE},
};

static void
test_haar_cascade_row(gconstpointer data)
{
	const HaarCascadeRow *row = data;
	g_auto(GStrv) parts = g_strsplit(row->value, "@", -1);
	g_autofree char *value = g_strjoinv(cascade_base, parts);
	g_autofree char *params = g_strdup_printf("{\"cascade\":\"%s\"}", value);
	g_autofree char *json = g_strdup_printf(HAAR_JSON, params);
	g_autofree char *problem = compile_problem_text(json);
	g_autofree char *expected = NULL;

	if (row->found) {
		g_assert_null(problem);
		return;
	}
	expected = g_strdup_printf("bad_param: node 'f': cascade '%s' is not a cascade file under "
				   "[nodes] cascade_dirs (%s)",
				   value,
				   cascade_dirs_listed);
	g_assert_cmpstr(problem, ==, expected);
}

/* A file under the directories that OpenCV cannot load says so. */
static void
test_haar_cascade_unusable(void)
{
	g_autofree char *json = g_strdup_printf(HAAR_JSON, "{\"cascade\":\"text.xml\"}");
	g_autofree char *problem = compile_problem_text(json);

	g_assert_nonnull(problem);
	g_assert_true(
	    g_str_has_prefix(problem, "bad_param: node 'f': cascade 'text.xml' cannot be used: "));
}

/* cascades/ (face.xml, a copy of opencv-data's frontal face cascade; text.xml, not a
 * cascade; escape.xml, a link to outside/face.xml) and outside/ (face.xml). */
static void
make_cascades(void)
{
	g_autofree char *face = NULL;
	gsize len = 0;
	g_autofree char *outside = NULL;
	const char *dirs[3];

	g_assert_true(g_file_get_contents(
	    "/usr/share/opencv4/haarcascades/haarcascade_frontalface_default.xml",
	    &face,
	    &len,
	    NULL));
	cascade_base = sdag_test_mkdtemp();
	cascade_dir = g_build_filename(cascade_base, "cascades", NULL);
	outside = g_build_filename(cascade_base, "outside", NULL);
	g_assert_cmpint(g_mkdir(cascade_dir, 0700), ==, 0);
	g_assert_cmpint(g_mkdir(outside, 0700), ==, 0);
	{
		g_autofree char *in = g_build_filename(cascade_dir, "face.xml", NULL);
		g_autofree char *out = g_build_filename(outside, "face.xml", NULL);
		g_autofree char *text = g_build_filename(cascade_dir, "text.xml", NULL);
		g_autofree char *link = g_build_filename(cascade_dir, "escape.xml", NULL);

		g_assert_true(g_file_set_contents(in, face, (gssize)len, NULL));
		g_assert_true(g_file_set_contents(out, face, (gssize)len, NULL));
		g_assert_true(
		    g_file_set_contents(text, "<opencv_storage></opencv_storage>\n", -1, NULL));
		g_assert_cmpint(symlink(out, link), ==, 0);
	}
	dirs[0] = cascade_dir;
	dirs[1] = "/usr/share/opencv4/haarcascades";
	dirs[2] = NULL;
	cascade_dirs_listed = g_strjoinv(";", (char **)dirs);
	{
		g_autoptr(JsonObject) settings = json_object_new();
		JsonArray *a = json_array_new();

		json_array_add_string_element(a, dirs[0]);
		json_array_add_string_element(a, dirs[1]);
		json_object_set_array_member(settings, "cascade_dirs", a);
		sdag_node_types_set_settings(types, settings);
	}
}

/* A test node: one tracked box per frame from its params. */
static gpointer
tbox_init(JsonObject *params, GError **error)
{
	SdagDetection *d = g_new0(SdagDetection, 1);
	JsonArray *box = json_object_get_array_member(params, "box");
	JsonArray *xy = json_array_get_array_element(box, 0);
	JsonArray *wh = json_array_get_array_element(box, 1);

	g_strlcpy(d->label, "thing", sizeof(d->label));
	d->score = 0.9f;
	d->x = (float)json_array_get_double_element(xy, 0);
	d->y = (float)json_array_get_double_element(xy, 1);
	d->w = (float)json_array_get_double_element(wh, 0);
	d->h = (float)json_array_get_double_element(wh, 1);
	d->track_id = json_object_get_int_member(params, "track_id");
	return d;
}

static gboolean
tbox_process(gpointer instance, const SdagPacket *inputs, SdagPacket *outputs, GError **error)
{
	g_array_append_val(outputs[0].items, *(SdagDetection *)instance);
	return TRUE;
}

static const SdagPortSpec tbox_inputs[] = {{"frame", SDAG_PORT_FRAME, FALSE, NULL}};
static const SdagPortSpec tbox_outputs[] = {{"tracks", SDAG_PORT_TRACKS, FALSE, NULL}};
static const SdagParamSpec tbox_params[] = {
    {"box", SDAG_PARAM_POINTS, NULL, TRUE, 2, 2, "[[x, y], [w, h]]"},
    {"track_id", SDAG_PARAM_INT, "-1", TRUE, -1, 1000000, NULL},
};
static const SdagNodeDesc tbox_desc = {
    .abi_version = SDAG_NODE_ABI_VERSION,
    .name = "tbox",
    .version = "1",
    .description = "one box",
    .inputs = tbox_inputs,
    .n_inputs = 1,
    .outputs = tbox_outputs,
    .n_outputs = 1,
    .params = tbox_params,
    .n_params = G_N_ELEMENTS(tbox_params),
    .init = tbox_init,
    .process = tbox_process,
    .finalize = g_free,
};

#define SNAP_JSON                                                                           \
	"{\"pipeline_id\":\"snap\",\"nodes\":["                                             \
	"{\"id\":\"b\",\"type\":\"tbox\",\"params\":{\"box\":%s,\"track_id\":%d}},"         \
	"{\"id\":\"s\",\"type\":\"snapshot\",\"params\":{\"every_n\":3,\"thickness\":2}}]," \
	"\"edges\":[{\"from\":\"source.frame\",\"to\":\"b.frame\"},"                        \
	"{\"from\":\"source.frame\",\"to\":\"s.frame\"},{\"from\":\"b.tracks\",\"to\":\"s." \
	"tracks\"}],"                                                                       \
	"\"outputs\":[\"b.tracks\",\"s.image\"]}"

static guint8
pixel(const SdagFrame *img, guint plane, guint x, guint y)
{
	return img->planes[plane][(gsize)y * img->strides[plane] + x];
}

/* Every 3rd frame an I420 image of the frame's size with the box drawn in the track's
 * colour and its id in digits above it; none in between; the count survives a checkpoint. */
static void
test_snapshot(void)
{
	g_autofree char *json = g_strdup_printf(SNAP_JSON, "[[40,60],[50,80]]", 7);
	g_autoptr(SdagExec) exec = exec_new(json);
	g_autoptr(SdagExec) resumed = exec_new(json);
	g_autoptr(JsonNode) state = NULL;
	g_autoptr(GError) error = NULL;
	const char *formats[] = {"I420", "NV12", "GRAY8", "I420", "I420", "I420", "NV12"};
	const guint widths[] = {320, 320, 321, 160, 320, 320, 320};
	/* track 7: palette entry 1 + 7 % 6 = 2, blue */
	const guint8 blue[3] = {41, 240, 110};

	for (guint k = 0; k < G_N_ELEMENTS(formats); k++) {
		g_autoptr(GstSample) s =
		    sdag_test_media_pattern("smpte", widths[k], 241, formats[k]);
		g_autoptr(SdagTestFrame) f = sdag_test_frame_map(s, k);
		const SdagFrameResult *r = run(exec, &f->frame);
		const SdagFrame *img = r->image;

		g_assert_cmpuint(r->detections->len, ==, 1);
		if (k % 3 != 0) {
			g_assert_null(img);
			continue;
		}
		g_assert_nonnull(img);
		g_assert_cmpint(img->format, ==, SDAG_FRAME_FORMAT_I420);
		g_assert_cmpuint(img->width, ==, widths[k]);
		g_assert_cmpuint(img->height, ==, 241);
		g_assert_cmpuint(img->frame_id, ==, k);
		/* the box's left edge, top edge and bottom edge, in blue */
		g_assert_cmpuint(pixel(img, 0, 40, 100), ==, blue[0]);
		g_assert_cmpuint(pixel(img, 0, 41, 100), ==, blue[0]);
		g_assert_cmpuint(pixel(img, 0, 60, 60), ==, blue[0]);
		g_assert_cmpuint(pixel(img, 0, 60, 139), ==, blue[0]);
		g_assert_cmpuint(pixel(img, 1, 20, 50), ==, blue[1]);
		g_assert_cmpuint(pixel(img, 2, 20, 50), ==, blue[2]);
		/* inside the box, the frame as it was */
		g_assert_cmpuint(pixel(img, 0, 65, 100), ==, pixel(&f->frame, 0, 65, 100));
		/* "7" above the box, on black: the digit's top row is lit, its pad dark */
		g_assert_cmpuint(pixel(img, 0, 42, 48), ==, blue[0]);
		g_assert_cmpuint(pixel(img, 0, 40, 46), ==, 16);
		if (f->frame.format == SDAG_FRAME_FORMAT_GRAY8)
			g_assert_cmpuint(pixel(img, 1, 100, 100), ==, 128);
		else if (f->frame.format == SDAG_FRAME_FORMAT_I420)
			g_assert_cmpuint(
			    pixel(img, 1, 100, 100), ==, pixel(&f->frame, 1, 100, 100));
		else
			g_assert_cmpuint(
			    pixel(img, 2, 100, 100), ==, pixel(&f->frame, 1, 201, 100));
	}
	/* 7 frames: the next image is 2 frames away, and a resumed run knows it */
	state = sdag_exec_save_state(exec, &error);
	g_assert_no_error(error);
	g_assert_true(sdag_exec_load_state(resumed, state, &error));
	g_assert_no_error(error);
	for (guint k = 0; k < 3; k++) {
		g_autoptr(GstSample) s = sdag_test_media_pattern("ball", 64, 48, "I420");
		g_autoptr(SdagTestFrame) f = sdag_test_frame_map(s, k);
		const SdagFrameResult *r = run(resumed, &f->frame);

		if (k < 2)
			g_assert_null(r->image);
		else
			g_assert_nonnull(r->image);
	}
}

/* Boxes partly or wholly outside the frame, or absurd, are clipped or skipped. */
static void
test_snapshot_clip(void)
{
	const char *boxes[] = {"[[-30,-30],[100,100]]",
			       "[[300,200],[500,500]]",
			       "[[5000,5000],[10,10]]",
			       "[[10,10],[0,0]]",
			       "[[-1e30,0],[1e30,10]]"};

	for (guint i = 0; i < G_N_ELEMENTS(boxes); i++) {
		g_autofree char *json = g_strdup_printf(SNAP_JSON, boxes[i], 123456);
		g_autoptr(SdagExec) exec = exec_new(json);
		g_autoptr(GstSample) s = sdag_test_media_pattern("snow", 320, 240, "GRAY8");
		g_autoptr(SdagTestFrame) f = sdag_test_frame_map(s, 0);
		const SdagFrameResult *r = run(exec, &f->frame);

		g_assert_nonnull(r->image);
		g_assert_cmpuint(r->image->width, ==, 320);
	}
}

/* A checkpoint the node cannot take is refused. */
static void
test_snapshot_bad_state(void)
{
	g_autofree char *json = g_strdup_printf(SNAP_JSON, "[[0,0],[1,1]]", -1);
	g_autoptr(SdagExec) exec = exec_new(json);
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonNode) state = json_from_string(
	    "{\"frame_count\":1,\"duration_ms\":0,\"previous_detections\":[],\"track_ids\":[],"
	    "\"nodes\":{\"s\":{\"countdown\":\"OQ==\"}}}", /* "9" > every_n - 1 */
	    &error);

	g_assert_no_error(error);
	g_assert_false(sdag_exec_load_state(exec, state, &error));
	g_assert_error(error, SDAG_ERROR, SDAG_ERROR_BAD_JSON);
}

int
main(int argc, char **argv)
{
	g_autoptr(GError) error = NULL;
	int rc;

	g_test_init(&argc, &argv, NULL);
	gst_init(NULL, NULL);
	types = sdag_node_types_new();
	g_assert_true(sdag_node_types_load_dir(types, g_getenv("SDAG_TEST_PLUGIN_DIR"), &error));
	g_assert_no_error(error);
	g_assert_cmpuint(sdag_node_types_get_skipped(types)->len, ==, 0);
	g_assert_true(sdag_node_types_add(types, &tbox_desc, &error));
	make_cascades();
	g_test_add_func("/sdag/vision/hog/vtest", test_hog_vtest);
	g_test_add_func("/sdag/vision/hog/formats", test_hog_formats);
	g_test_add_func("/sdag/vision/hog/empty", test_hog_empty);
	g_test_add_func("/sdag/vision/hog/params", test_hog_params);
	g_test_add_func("/sdag/vision/hog/validate", test_hog_validate);
	g_test_add_func("/sdag/vision/haar/face", test_haar_face);
	g_test_add_func("/sdag/vision/haar/frames", test_haar_frames);
	g_test_add_func("/sdag/vision/haar/validate", test_haar_validate);
	for (guint i = 0; i < G_N_ELEMENTS(haar_cascade_rows); i++) {
		g_autofree char *name =
		    g_strdup_printf("/sdag/vision/haar/cascade/%s", haar_cascade_rows[i].name);
		g_test_add_data_func(name, &haar_cascade_rows[i], test_haar_cascade_row);
	}
	g_test_add_func("/sdag/vision/haar/cascade/unusable", test_haar_cascade_unusable);
	g_test_add_func("/sdag/vision/snapshot/draw", test_snapshot);
	g_test_add_func("/sdag/vision/snapshot/clip", test_snapshot_clip);
	g_test_add_func("/sdag/vision/snapshot/bad-state", test_snapshot_bad_state);
	rc = g_test_run();
	sdag_node_types_free(types);
	sdag_test_rmtree(cascade_base);
	g_free(cascade_base);
	g_free(cascade_dir);
	g_free(cascade_dirs_listed);
	return rc;
}
