/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Hostile input at the REST API and in the store, over real HTTP to a real
 * daemon on a real RocksDB: each request is refused with its exact status and
 * code, its answer is valid UTF-8 and quotes no password, and a pipeline and a
 * completed job stored before read back byte for byte afterwards. Records an
 * older version could have stored unreadable are quarantined at start-up and
 * the daemon serves everything else.
 */
#include "sdag-daemon.h"
#include "sdag-json.h"
#include "sdag-redact.h"
#include "sdag-quarantine.h"
#include "sdag-store.h"
#include "sdag-test-http.h"
#include "sdag-test-util.h"

#include <gst/gst.h>
#include <libsoup/soup.h>
#include <string.h>

#define CLIP_FRAMES 10

#define PASS_JSON                                                                                \
	"{\"pipeline_id\":\"%s\",\"nodes\":[{\"id\":\"p\",\"type\":\"passthrough\"}],\"edges\":" \
	"[{\"from\":\"source.frame\",\"to\":\"p.frame\"}],\"outputs\":[\"p.frame\"]}"

/* The daemon every table row talks to, and what it held before the first row. */
static struct {
	char *media_dir;
	char *clip_url;
	char *dir;
	SdagDaemon *daemon;
	SoupSession *session;
	char *base;
	char *witness_pipeline;
	char *witness_job_id;
	char *witness_job;
	char *last_quarantine_warning;
} H;

static SdagTestReply *
http(const char *base, const char *method, const char *path, const char *body, gssize len)
{
	return sdag_test_http(
	    H.session, base, method, path, body != NULL ? "application/json" : NULL, body, len);
}

static SdagTestReply *
get(const char *path)
{
	return http(H.base, "GET", path, NULL, 0);
}

static JsonNode *
wait_terminal(const char *base, const char *id)
{
	gint64 limit_s = g_getenv("SDAG_TEST_SLOW") != NULL ? 600 : 60;
	gint64 deadline = g_get_monotonic_time() + limit_s * G_USEC_PER_SEC;
	g_autofree char *path = g_strdup_printf("/jobs/%s", id);

	while (g_get_monotonic_time() < deadline) {
		g_autoptr(JsonNode) job = sdag_test_http_get_json(H.session, base, path);
		if (sdag_test_job_is_terminal(
			json_object_get_string_member(json_node_get_object(job), "status")))
			return g_steal_pointer(&job);
		sdag_test_spin(10);
	}
	g_error("job %s did not end", id);
}

/* Returns: (transfer full): the id of a job accepted over the clip */
static char *
submit(const char *base, const char *pipeline)
{
	g_autofree char *body =
	    g_strdup_printf("{\"pipeline_id\":\"%s\",\"video_url\":\"%s\"}", pipeline, H.clip_url);
	g_autoptr(SdagTestReply) r = http(base, "POST", "/jobs", body, -1);

	if (r->status != 202)
		g_error("submit: %u %s", r->status, r->text);
	return g_strdup(json_object_get_string_member(sdag_test_reply_object(r), "job_id"));
}

static void
register_pass(const char *base, const char *id)
{
	g_autofree char *body = g_strdup_printf(PASS_JSON, id);
	g_autoptr(SdagTestReply) r = http(base, "POST", "/pipelines", body, -1);

	g_assert_cmpuint(r->status, ==, 201);
}

static SdagConfig *
config_new(const char *dir, guint max_jobs)
{
	g_autoptr(GError) error = NULL;
	SdagConfig *cfg = sdag_config_new();

	g_assert_true(sdag_config_set_listen(cfg, "127.0.0.1:0", &error));
	sdag_config_set_data_dir(cfg, dir);
	sdag_config_set_plugin_dir(cfg, g_getenv("SDAG_TEST_PLUGIN_DIR"));
	sdag_config_add_media_root(cfg, H.media_dir);
	cfg->max_concurrent_jobs = max_jobs;
	cfg->max_body_bytes = 1024 * 1024;
	return cfg;
}

/* What was stored before is all there, byte for byte, and the lists still answer. */
static void
assert_witnesses(void)
{
	g_autofree char *job_path = g_strdup_printf("/jobs/%s", H.witness_job_id);
	g_autoptr(SdagTestReply) p = get("/pipelines/witness");
	g_autoptr(SdagTestReply) j = get(job_path);
	g_autoptr(SdagTestReply) pl = get("/pipelines");
	g_autoptr(SdagTestReply) jl = get("/jobs");

	g_assert_cmpuint(p->status, ==, 200);
	g_assert_cmpstr(p->text, ==, H.witness_pipeline);
	g_assert_cmpuint(j->status, ==, 200);
	g_assert_cmpstr(j->text, ==, H.witness_job);
	g_assert_cmpuint(pl->status, ==, 200);
	g_assert_nonnull(strstr(pl->text, "\"pipeline_id\":\"witness\""));
	g_assert_cmpuint(jl->status, ==, 200);
	g_assert_nonnull(strstr(jl->text, H.witness_job_id));
}

/* The hostile requests: one row per way in */

typedef char *(*BodyFunc)(void);

typedef struct {
	const char *name;
	const char *method;
	const char *path;
	const char *body;   /* @CLIP@: the clip's URL */
	BodyFunc body_func; /* or a built body */
	guint status;
	const char *code;
	const char *message; /* a fragment the message must hold */
} HostileCase;

static char *
deep_options_body(void)
{
	GString *s = g_string_new(NULL);

	g_string_append_printf(
	    s, "{\"pipeline_id\":\"witness\",\"video_url\":\"%s\",\"options\":", H.clip_url);
	for (guint i = 0; i < 80000; i++)
		g_string_append_c(s, '[');
	for (guint i = 0; i < 80000; i++)
		g_string_append_c(s, ']');
	g_string_append_c(s, '}');
	return g_string_free(s, FALSE);
}

static char *
deep_pipeline_body(void)
{
	GString *s = g_string_new(
	    "{\"pipeline_id\":\"deep\",\"nodes\":[{\"id\":\"p\",\"type\":\"passthrough\","
	    "\"params\":");
	for (guint i = 0; i < 100000; i++)
		g_string_append(s, "{\"a\":");
	g_string_append(s, "1");
	for (guint i = 0; i < 100000; i++)
		g_string_append_c(s, '}');
	g_string_append(s, "}],\"edges\":[],\"outputs\":[]}");
	return g_string_free(s, FALSE);
}

static const HostileCase hostile_cases[] = {
    /* item 1: strings that are not UTF-8 once unescaped, or that hold NUL */
    {"jobs/surrogate-url",
     "POST",
     "/jobs",
     "{\"pipeline_id\":\"witness\",\"video_url\":\"@CLIP@?\\ud800x\"}",
     NULL,
     400,
     "bad_json",
     "lone UTF-16 surrogate at $.video_url"},
    {"jobs/low-surrogate-option",
     "POST",
     "/jobs",
     "{\"pipeline_id\":\"witness\",\"video_url\":\"@CLIP@\",\"options\":{\"on_interrupt\":"
     "\"\\udfff\"}}",
     NULL,
     400,
     "bad_json",
     "lone UTF-16 surrogate at $.options.on_interrupt"},
    {"jobs/nul-pipeline-id",
     "POST",
     "/jobs",
     "{\"pipeline_id\":\"witness\\u0000xx\",\"video_url\":\"@CLIP@\"}",
     NULL,
     400,
     "bad_json",
     "NUL character at $.pipeline_id"},
    {"jobs/nul-option-name",
     "POST",
     "/jobs",
     "{\"pipeline_id\":\"witness\",\"video_url\":\"@CLIP@\",\"options\":{\"stride\\u0000x\":2}}",
     NULL,
     400,
     "bad_json",
     "a member name holds a NUL character at $.options"},
    {"jobs/raw-invalid-utf8",
     "POST",
     "/jobs",
     "{\"pipeline_id\":\"witness\",\"video_url\":\"@CLIP@?\xff\"}",
     NULL,
     400,
     "bad_json",
     "not valid UTF-8 (byte 0xff) at $.video_url"},
    {"pipelines/surrogate-description",
     "POST",
     "/pipelines",
     "{\"pipeline_id\":\"desc\",\"description\":\"a\\ud800b\",\"nodes\":[{\"id\":\"p\","
     "\"type\":\"passthrough\"}],\"edges\":[{\"from\":\"source.frame\",\"to\":\"p.frame\"}],"
     "\"outputs\":[\"p.frame\"]}",
     NULL,
     400,
     "bad_json",
     "lone UTF-16 surrogate at $.description"},
    {"pipelines/nul-id",
     "POST",
     "/pipelines",
     "{\"pipeline_id\":\"okid5\\u0000x\",\"nodes\":[{\"id\":\"p\",\"type\":\"passthrough\"}],"
     "\"edges\":[{\"from\":\"source.frame\",\"to\":\"p.frame\"}],\"outputs\":[\"p.frame\"]}",
     NULL,
     400,
     "bad_json",
     "NUL character at $.pipeline_id"},
    {"pipelines/surrogate-param",
     "POST",
     "/pipelines",
     "{\"pipeline_id\":\"labels\",\"nodes\":[{\"id\":\"d\",\"type\":\"det\"},{\"id\":\"c\","
     "\"type\":\"count\",\"params\":{\"labels\":[\"person\",\"\\ud83d\"]}}],\"edges\":[]}",
     NULL,
     400,
     "bad_json",
     "lone UTF-16 surrogate at $.nodes[1].params.labels[1]"},
    /* item 2: nesting far below the body limit that overflowed json-glib's stack */
    {"jobs/deep-options",
     "POST",
     "/jobs",
     NULL,
     deep_options_body,
     400,
     "bad_json",
     "nested deeper than 64 levels"},
    {"pipelines/deep-params",
     "POST",
     "/pipelines",
     NULL,
     deep_pipeline_body,
     400,
     "bad_json",
     "nested deeper than 64 levels"},
    /* item 8: refusals name positions and mask passwords */
    {"jobs/bad-json-quotes-no-password",
     "POST",
     "/jobs",
     "{\"video_url\":\"rtsp://u:S3cret@cam.example/x\" \"pipeline_id\":\"witness\"}",
     NULL,
     400,
     "bad_json",
     "line 1, column 46: expected ',' or '}'"},
    {"jobs/bad-url-masks-password",
     "POST",
     "/jobs",
     "{\"pipeline_id\":\"witness\",\"video_url\":\"rtsp://u:S3cret@127.0.0.1:99999/x\"}",
     NULL,
     400,
     "unsupported_source",
     "'rtsp://u:***@127.0.0.1:99999/x' is not an absolute URL"},
    {"jobs/bad-url-raw-slash-in-password",
     "POST",
     "/jobs",
     "{\"pipeline_id\":\"witness\",\"video_url\":\"rtsp://u:S3/cret@h:99999/x\"}",
     NULL,
     400,
     "unsupported_source",
     "'rtsp://u:***@h:99999/x'"},
    /* item 9: bytes of a path that are not UTF-8 are escaped, never echoed */
    {"jobs/path-not-utf8",
     "GET",
     "/jobs/%ff%fe",
     NULL,
     NULL,
     404,
     "job_not_found",
     "no job '%FF%FE'"},
    {"jobs/delete-path-not-utf8",
     "DELETE",
     "/jobs/a%c3%28b",
     NULL,
     NULL,
     404,
     "job_not_found",
     "no job 'a%C3(b'"},
};

static char *
replace_clip(const char *text)
{
	g_auto(GStrv) parts = g_strsplit(text, "@CLIP@", -1);
	return g_strjoinv(H.clip_url, parts);
}

static void
hostile_case(gconstpointer data)
{
	const HostileCase *tc = data;
	g_autofree char *body = NULL;
	g_autoptr(SdagTestReply) r = NULL;
	JsonObject *err;

	if (tc->body_func != NULL)
		body = tc->body_func();
	else if (tc->body != NULL)
		body = replace_clip(tc->body);
	r = http(H.base, tc->method, tc->path, body, -1);
	sdag_test_assert_error(r, tc->status, tc->code);
	g_assert_true(g_utf8_validate(r->text, -1, NULL));
	err = json_object_get_object_member(json_node_get_object(r->json), "error");
	if (strstr(json_object_get_string_member(err, "message"), tc->message) == NULL)
		g_error("message '%s' lacks '%s'",
			json_object_get_string_member(err, "message"),
			tc->message);
	g_assert_null(strstr(r->text, "S3cret"));
	g_assert_null(strstr(r->text, "S3/cret"));
	assert_witnesses();
}

/* Item 9: a refused request whose path is not UTF-8 is in the audit trail, escaped, and
 * pages of /history still hold every row. */
static void
hostile_history_escaped(void)
{
	g_autoptr(SdagTestReply) del = http(H.base, "DELETE", "/jobs/zz%ff%fezz", NULL, 0);
	g_autoptr(SdagTestReply) h = NULL;
	JsonArray *rows;
	JsonObject *row;

	sdag_test_assert_error(del, 404, "job_not_found");
	h = get("/history?limit=1");
	g_assert_cmpuint(h->status, ==, 200);
	rows = json_object_get_array_member(sdag_test_reply_object(h), "entries");
	g_assert_cmpuint(json_array_get_length(rows), ==, 1);
	row = json_array_get_object_element(rows, 0);
	g_assert_cmpstr(json_object_get_string_member(row, "object"), ==, "job/zz%FF%FEzz");
	assert_witnesses();
}

typedef struct {
	GBytes *key;
	GBytes *value;
} FoundRow;

static gboolean
find_row_cb(const guint8 *key, gsize key_len, const guint8 *value, gsize value_len, gpointer data)
{
	FoundRow *found = data;

	if (g_strstr_len((const char *)value, (gssize)value_len, "job/zz%FF%FEzz") == NULL)
		return TRUE;
	found->key = g_bytes_new(key, key_len);
	found->value = g_bytes_new(value, value_len);
	return FALSE;
}

/* Item 9, rows stored before: an audit row whose path bytes were stored raw, as the
 * version before this check did, is shown with them escaped instead of being left out. */
static void
hostile_history_old_row(void)
{
	g_autofree char *dir = sdag_test_mkdtemp();
	g_autofree char *db = g_build_filename(dir, "db", NULL);
	g_autofree char *base = NULL;
	g_autoptr(GError) error = NULL;
	FoundRow found = {0};
	SdagDaemon *d;

	d = sdag_test_daemon_open(config_new(dir, 1), &base);
	{
		g_autoptr(SdagTestReply) del = http(base, "DELETE", "/jobs/zz%ff%fezz", NULL, 0);
		sdag_test_assert_error(del, 404, "job_not_found");
	}
	sdag_test_daemon_close(d);
	g_clear_pointer(&base, g_free);
	{
		g_autoptr(SdagStore) store = sdag_store_open(db, &error);
		g_auto(GStrv) parts = NULL;
		g_autofree char *raw = NULL;
		g_autofree char *text = NULL;

		g_assert_no_error(error);
		sdag_store_iter_prefix(
		    store, SDAG_STORE_HISTORY, NULL, 0, find_row_cb, &found, &error);
		g_assert_no_error(error);
		g_assert_nonnull(found.key);
		text =
		    g_strndup(g_bytes_get_data(found.value, NULL), g_bytes_get_size(found.value));
		parts = g_strsplit(text, "%FF%FE", -1);
		raw = g_strjoinv("\xff\xfe", parts);
		g_assert_true(sdag_store_put(store,
					     SDAG_STORE_HISTORY,
					     g_bytes_get_data(found.key, NULL),
					     g_bytes_get_size(found.key),
					     (const guint8 *)raw,
					     strlen(raw),
					     TRUE,
					     &error));
		g_assert_no_error(error);
	}
	d = sdag_test_daemon_open(config_new(dir, 1), &base);
	{
		g_autoptr(SdagTestReply) h = http(base, "GET", "/history?limit=5", NULL, 0);
		g_assert_cmpuint(h->status, ==, 200);
		g_assert_true(g_utf8_validate(h->text, -1, NULL));
		g_assert_nonnull(strstr(h->text, "\"object\":\"job/zz%FF%FEzz\""));
	}
	sdag_test_daemon_close(d);
	g_bytes_unref(found.key);
	g_bytes_unref(found.value);
	sdag_test_rmtree(dir);
}

/* Item 8, the helper itself: passwords of URLs inside free text */
static void
hostile_redact_text(void)
{
	const struct {
		const char *in;
		const char *out;
	} cases[] = {
	    {"plain text", "plain text"},
	    {"'rtsp://u:PW@h:1/x' is bad", "'rtsp://u:***@h:1/x' is bad"},
	    {"rtsp://u@h/x has no password", "rtsp://u@h/x has no password"},
	    {"a http://a:b@c/ and rtmp://d:e@f/g", "a http://a:***@c/ and rtmp://d:***@f/g"},
	    {"rtsp://u:p@ss@h/x", "rtsp://u:***@h/x"},
	    {"http://h:80/p?mail=a@b", "http://h:***@b"},
	};

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree char *got = sdag_redact_text(cases[i].in);
		g_assert_cmpstr(got, ==, cases[i].out);
	}
}

/* Quarantine: records an older version stored unreadable */

typedef enum {
	DAMAGE_SURROGATE, /* what json-glib made of "\ud800": CESU-8 bytes */
	DAMAGE_TRUNCATED,
	DAMAGE_NOT_OBJECT,
	DAMAGE_DEEP,
} Damage;

static GBytes *
damage(GBytes *value, Damage how)
{
	gsize len = 0;
	const char *data = g_bytes_get_data(value, &len);
	GString *s;

	switch (how) {
	case DAMAGE_SURROGATE: {
		/* in the first string member's value */
		const char *colon = strstr(data, "\":\"");
		g_assert_nonnull(colon);
		s = g_string_new_len(data, colon + 3 - data);
		g_string_append(s, "\xed\xa0\x80");
		g_string_append_len(s, colon + 3, len - (colon + 3 - data));
		break;
	}
	case DAMAGE_TRUNCATED:
		s = g_string_new_len(data, len / 2);
		break;
	case DAMAGE_NOT_OBJECT:
		s = g_string_new("[");
		g_string_append_len(s, data, len);
		g_string_append_c(s, ']');
		break;
	case DAMAGE_DEEP:
	default:
		s = g_string_new(NULL);
		for (guint i = 0; i < 1000; i++)
			g_string_append_c(s, '[');
		for (guint i = 0; i < 1000; i++)
			g_string_append_c(s, ']');
		break;
	}
	return g_string_free_to_bytes(s);
}

static void
damage_record(const char *dir, SdagStoreFamily family, const char *key, Damage how)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *db = g_build_filename(dir, "db", NULL);
	g_autoptr(SdagStore) store = sdag_store_open(db, &error);
	g_autoptr(GBytes) value = NULL;
	g_autoptr(GBytes) bad = NULL;

	g_assert_no_error(error);
	value = sdag_store_get(store, family, (const guint8 *)key, strlen(key), &error);
	g_assert_no_error(error);
	bad = damage(value, how);
	g_assert_true(sdag_store_put(store,
				     family,
				     (const guint8 *)key,
				     strlen(key),
				     g_bytes_get_data(bad, NULL),
				     g_bytes_get_size(bad),
				     TRUE,
				     &error));
	g_assert_no_error(error);
}

static JsonObject *
health(const char *base, char **text)
{
	g_autoptr(JsonNode) h = sdag_test_http_get_json(H.session, base, "/healthz");
	JsonObject *q = json_object_get_object_member(json_node_get_object(h), "quarantined");

	*text = sdag_json_to_string(h);
	return json_object_ref(q);
}

static void
assert_quarantined(const char *base, const char *family, const char *key, const char *reason)
{
	g_autofree char *text = NULL;
	g_autoptr(JsonObject) q = health(base, &text);
	g_autofree char *qkey = g_strconcat(SDAG_QUARANTINE_PREFIX, key, NULL);
	JsonObject *rec;

	g_assert_nonnull(strstr(text, "\"status\":\"degraded\""));
	g_assert_nonnull(H.last_quarantine_warning);
	g_assert_nonnull(strstr(H.last_quarantine_warning, qkey));
	g_assert_cmpint(json_object_get_int_member(q, "count"), ==, 1);
	rec = json_array_get_object_element(json_object_get_array_member(q, "records"), 0);
	g_assert_cmpstr(json_object_get_string_member(rec, "family"), ==, family);
	g_assert_cmpstr(json_object_get_string_member(rec, "key"), ==, qkey);
	if (strstr(json_object_get_string_member(rec, "reason"), reason) == NULL)
		g_error(
		    "reason '%s' lacks '%s'", json_object_get_string_member(rec, "reason"), reason);
}

static void
assert_healthy(const char *base)
{
	g_autofree char *text = NULL;
	g_autoptr(JsonObject) q = health(base, &text);

	g_assert_nonnull(strstr(text, "\"status\":\"ok\""));
	g_assert_cmpint(json_object_get_int_member(q, "count"), ==, 0);
}

static const char *const damage_reasons[] = {
    [DAMAGE_SURROGATE] = "not valid UTF-8 (byte 0xed)",
    [DAMAGE_TRUNCATED] = "not valid JSON at line 1",
    [DAMAGE_NOT_OBJECT] = "not a JSON object",
    [DAMAGE_DEEP] = "nested deeper than 64 levels",
};

/* A pipeline record that cannot be read: the daemon starts, lists the others, names it in
 * /healthz, answers 404 for it and deletes it. */
static void
quarantine_pipeline(gconstpointer data)
{
	Damage how = GPOINTER_TO_INT(data);
	g_autofree char *dir = sdag_test_mkdtemp();
	g_autofree char *base = NULL;
	SdagDaemon *d;

	d = sdag_test_daemon_open(config_new(dir, 2), &base);
	register_pass(base, "good");
	register_pass(base, "hurt");
	sdag_test_daemon_close(d);
	g_clear_pointer(&base, g_free);
	damage_record(dir, SDAG_STORE_PIPELINES, "hurt", how);

	d = sdag_test_daemon_open(config_new(dir, 2), &base);
	assert_quarantined(base, "pipelines", "hurt", damage_reasons[how]);
	{
		g_autoptr(SdagTestReply) list = http(base, "GET", "/pipelines", NULL, 0);
		g_autoptr(SdagTestReply) one = http(base, "GET", "/pipelines/hurt", NULL, 0);
		g_autoptr(SdagTestReply) good = http(base, "GET", "/pipelines/good", NULL, 0);
		g_autoptr(SdagTestReply) del = http(base, "DELETE", "/pipelines/hurt", NULL, 0);
		g_autoptr(SdagTestReply) again = http(base, "GET", "/pipelines/hurt", NULL, 0);
		g_autofree char *job = submit(base, "good");
		g_autoptr(JsonNode) done = wait_terminal(base, job);

		g_assert_cmpuint(list->status, ==, 200);
		g_assert_nonnull(strstr(list->text, "\"pipeline_id\":\"good\""));
		g_assert_null(strstr(list->text, "hurt"));
		sdag_test_assert_error(one, 404, "not_found");
		g_assert_nonnull(strstr(one->text, "quarantined"));
		g_assert_cmpuint(good->status, ==, 200);
		g_assert_cmpuint(del->status, ==, 204);
		sdag_test_assert_error(again, 404, "not_found");
		g_assert_null(strstr(again->text, "quarantined"));
		g_assert_cmpstr(json_object_get_string_member(json_node_get_object(done), "status"),
				==,
				"completed");
	}
	assert_healthy(base);
	sdag_test_daemon_close(d);
	sdag_test_rmtree(dir);
}

/* A queued job whose record cannot be read no longer stops the start (it did, with "corrupt
 * record", so that systemd restarted the daemon forever); a finished one is no zombie. */
static void
quarantine_job(gconstpointer data)
{
	gboolean queued = GPOINTER_TO_INT(data);
	g_autofree char *dir = sdag_test_mkdtemp();
	g_autofree char *base = NULL;
	g_autofree char *first = NULL;
	g_autofree char *hurt = NULL;
	g_autofree char *frames_path = NULL;
	g_autofree char *job_path = NULL;
	SdagDaemon *d;

	d = sdag_test_daemon_open(config_new(dir, 1), &base);
	register_pass(base, "pass");
	first = submit(base, "pass");
	json_node_unref(wait_terminal(base, first));
	if (queued) {
		/* one slot, busy for seconds: the second job stays queued over the stop */
		g_autoptr(SdagTestReply) r = http(base,
						  "POST",
						  "/pipelines",
						  "{\"pipeline_id\":\"slow\",\"nodes\":[{\"id\":"
						  "\"s\",\"type\":\"slow\",\"params\":"
						  "{\"sleep_ms\":500}}],\"edges\":[{\"from\":"
						  "\"source.frame\",\"to\":\"s.frame\"}],"
						  "\"outputs\":[\"s.detections\"]}",
						  -1);
		g_autofree char *busy = NULL;
		g_assert_cmpuint(r->status, ==, 201);
		busy = submit(base, "slow");
		hurt = submit(base, "pass");
	} else {
		hurt = submit(base, "pass");
		json_node_unref(wait_terminal(base, hurt));
	}
	sdag_test_daemon_close(d);
	g_clear_pointer(&base, g_free);
	damage_record(dir, SDAG_STORE_JOBS, hurt, DAMAGE_SURROGATE);

	d = sdag_test_daemon_open(config_new(dir, 1), &base);
	assert_quarantined(base, "jobs", hurt, damage_reasons[DAMAGE_SURROGATE]);
	job_path = g_strdup_printf("/jobs/%s", hurt);
	frames_path = g_strdup_printf("/jobs/%s/frames", first);
	{
		g_autoptr(SdagTestReply) list = http(base, "GET", "/jobs", NULL, 0);
		g_autoptr(SdagTestReply) one = http(base, "GET", job_path, NULL, 0);
		g_autoptr(SdagTestReply) frames = http(base, "GET", frames_path, NULL, 0);
		g_autoptr(SdagTestReply) del = NULL;
		g_autoptr(SdagTestReply) again = NULL;
		g_autofree char *next = NULL;
		g_autoptr(JsonNode) done = NULL;

		g_assert_cmpuint(list->status, ==, 200);
		g_assert_nonnull(strstr(list->text, first));
		g_assert_null(strstr(list->text, hurt));
		sdag_test_assert_error(one, 404, "job_not_found");
		g_assert_nonnull(strstr(one->text, "quarantined"));
		/* the first job's rows are untouched */
		g_assert_cmpuint(frames->status, ==, 200);
		g_assert_nonnull(strstr(frames->text, "\"frame_id\":9"));
		del = http(base, "DELETE", job_path, NULL, 0);
		g_assert_cmpuint(del->status, ==, 204);
		again = http(base, "GET", job_path, NULL, 0);
		sdag_test_assert_error(again, 404, "job_not_found");
		g_assert_null(strstr(again->text, "quarantined"));
		next = submit(base, "pass");
		done = wait_terminal(base, next);
		g_assert_cmpstr(json_object_get_string_member(json_node_get_object(done), "status"),
				==,
				"completed");
	}
	assert_healthy(base);
	sdag_test_daemon_close(d);
	sdag_test_rmtree(dir);
}

static void
make_clip(void)
{
	g_autofree char *clip = NULL;
	g_autofree char *launch = NULL;

	H.media_dir = sdag_test_mkdtemp();
	clip = g_build_filename(H.media_dir, "clip.mp4", NULL);
	launch = g_strdup_printf("videotestsrc num-buffers=%d ! "
				 "video/x-raw,width=160,height=120,framerate=30/1 ! "
				 "x264enc speed-preset=ultrafast ! mp4mux ! filesink location=%s",
				 CLIP_FRAMES,
				 clip);
	sdag_test_gst_launch(launch);
	H.clip_url = g_filename_to_uri(clip, NULL, NULL);
}

static void
shared_daemon_open(void)
{
	g_autofree char *job_path = NULL;
	g_autoptr(SdagTestReply) p = NULL;
	g_autoptr(SdagTestReply) j = NULL;

	H.dir = sdag_test_mkdtemp();
	H.session = soup_session_new();
	H.daemon = sdag_test_daemon_open(config_new(H.dir, 2), &H.base);
	register_pass(H.base, "witness");
	H.witness_job_id = submit(H.base, "witness");
	json_node_unref(wait_terminal(H.base, H.witness_job_id));
	p = get("/pipelines/witness");
	H.witness_pipeline = g_strdup(p->text);
	job_path = g_strdup_printf("/jobs/%s", H.witness_job_id);
	j = get(job_path);
	H.witness_job = g_strdup(j->text);
}

static void
shared_daemon_close(void)
{
	sdag_test_daemon_close(H.daemon);
	g_object_unref(H.session);
	sdag_test_rmtree(H.dir);
	sdag_test_rmtree(H.media_dir);
	g_free(H.dir);
	g_free(H.media_dir);
	g_free(H.clip_url);
	g_free(H.base);
	g_free(H.witness_pipeline);
	g_free(H.witness_job_id);
	g_free(H.witness_job);
	g_free(H.last_quarantine_warning);
}

/* The quarantine warns, as it should, and the test reads what it said; any other warning
 * stays fatal. */
static GLogWriterOutput
quarantine_writer_cb(GLogLevelFlags level, const GLogField *fields, gsize n, gpointer data)
{
	const char *domain = NULL;
	const char *message = NULL;

	for (gsize i = 0; i < n; i++) {
		if (g_strcmp0(fields[i].key, "GLIB_DOMAIN") == 0)
			domain = fields[i].value;
		else if (g_strcmp0(fields[i].key, "MESSAGE") == 0)
			message = fields[i].value;
	}
	if (g_strcmp0(domain, "sdag-quarantine") == 0 && (level & G_LOG_LEVEL_WARNING) != 0) {
		g_free(H.last_quarantine_warning);
		H.last_quarantine_warning = g_strdup(message);
		return G_LOG_WRITER_HANDLED;
	}
	return g_log_writer_default(level, fields, n, data);
}

int
main(int argc, char **argv)
{
	static const char *const damage_names[] = {
	    [DAMAGE_SURROGATE] = "surrogate-bytes",
	    [DAMAGE_TRUNCATED] = "truncated",
	    [DAMAGE_NOT_OBJECT] = "not-an-object",
	    [DAMAGE_DEEP] = "deep",
	};
	int rc;

	g_test_init(&argc, &argv, NULL);
	g_log_set_writer_func(quarantine_writer_cb, NULL, NULL);
	gst_init(&argc, &argv);
	make_clip();
	shared_daemon_open();
	for (guint i = 0; i < G_N_ELEMENTS(hostile_cases); i++) {
		g_autofree char *path = g_strdup_printf("/sdag/hostile/%s", hostile_cases[i].name);
		g_test_add_data_func(path, &hostile_cases[i], hostile_case);
	}
	g_test_add_func("/sdag/hostile/history/path-escaped", hostile_history_escaped);
	g_test_add_func("/sdag/hostile/history/old-row-not-utf8", hostile_history_old_row);
	g_test_add_func("/sdag/hostile/redact-text", hostile_redact_text);
	for (guint i = 0; i < G_N_ELEMENTS(damage_names); i++) {
		g_autofree char *path =
		    g_strdup_printf("/sdag/hostile/quarantine/pipeline-%s", damage_names[i]);
		g_test_add_data_func(path, GINT_TO_POINTER(i), quarantine_pipeline);
	}
	g_test_add_data_func(
	    "/sdag/hostile/quarantine/queued-job", GINT_TO_POINTER(TRUE), quarantine_job);
	g_test_add_data_func(
	    "/sdag/hostile/quarantine/finished-job", GINT_TO_POINTER(FALSE), quarantine_job);
	rc = g_test_run();
	shared_daemon_close();
	return rc;
}
