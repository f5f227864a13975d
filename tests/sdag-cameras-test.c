/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The cameras service over a real RocksDB store on disk and a real job manager: API cameras
 * stored, read back after a reopen, replaced, enabled, deleted; config cameras read-only; a
 * definition whose pipeline is missing refused; an unreadable record skipped while the
 * others are served; and the one job each enabled camera runs: submitted, kept, replaced,
 * cancelled, adopted at start-up. The cameras point at a closed loopback port, so their live
 * jobs run and retry without a network.
 */
#include <string.h>

#include "sdag-cameras.h"
#include "sdag-config.h"
#include "sdag-error.h"
#include "sdag-json.h"
#include "sdag-query.h"
#include "sdag-test-util.h"

#define PIPELINE                                                                            \
	"{\"pipeline_id\":\"people\",\"nodes\":[{\"id\":\"d\",\"type\":\"det\",\"params\":" \
	"{\"min_score\":0.5}}],\"edges\":[{\"from\":\"source.frame\",\"to\":\"d.frame\"}]," \
	"\"outputs\":[\"d.detections\"]}"
#define FRONT                                                                               \
	"{\"source\":\"rtsp://127.0.0.1:9/s\",\"pipeline_id\":\"people\",\"enabled\":true," \
	"\"user\":\"viewer\",\"password\":\"hunter2\"}"

/* The service's warnings, kept for the cases to check (structured logging bypasses
 * g_test_expect_message). */
static GPtrArray *warnings;

static guint
warnings_matching(const char *pattern)
{
	guint n = 0;

	for (guint i = 0; i < warnings->len; i++)
		n += g_pattern_match_simple(pattern, g_ptr_array_index(warnings, i)) ? 1 : 0;
	return n;
}

typedef struct {
	char *dir;
	SdagStore *store;
	SdagNodeTypes *types;
	SdagRegistry *registry;
	SdagConfig *config;
	SdagJobs *jobs;
	SdagCameras *cameras;
	GPtrArray *removed;
} Fixture;

static void
removed_cb(const char *name, gpointer user_data)
{
	Fixture *f = user_data;

	g_ptr_array_add(f->removed, g_strdup(name));
}

static void
fixture_open(Fixture *f)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *path = g_build_filename(f->dir, "db", NULL);

	f->store = sdag_store_open(path, &error);
	g_assert_no_error(error);
	f->registry = sdag_registry_new(f->store, f->types);
	f->jobs = sdag_jobs_new(f->store, f->registry, f->types, f->config, &error);
	g_assert_no_error(error);
	g_assert_true(sdag_jobs_start(f->jobs, &error));
	f->cameras = sdag_cameras_new(f->store, f->jobs, &f->config->cameras, &error);
	g_assert_no_error(error);
	sdag_cameras_set_removed_func(f->cameras, removed_cb, f);
}

static void
fixture_close(Fixture *f)
{
	g_clear_pointer(&f->cameras, sdag_cameras_free);
	g_clear_pointer(&f->jobs, sdag_jobs_free);
	g_clear_pointer(&f->registry, sdag_registry_free);
	g_clear_pointer(&f->store, sdag_store_free);
}

static void
fixture_setup(Fixture *f, gconstpointer data)
{
	const char *conf = "[camera yard]\nsource=rtmp://127.0.0.1:9/live/yard\n"
			   "pipeline_id=people\nenabled=true\n";
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonNode) def = sdag_json_parse(PIPELINE, -1, NULL);
	g_autoptr(GPtrArray) problems = g_ptr_array_new();
	g_autoptr(JsonNode) answer = NULL;
	SdagRegisterOutcome outcome;

	f->dir = sdag_test_mkdtemp();
	f->removed = g_ptr_array_new_with_free_func(g_free);
	f->types = sdag_node_types_new();
	sdag_test_types_add(f->types);
	f->config = sdag_config_new();
	g_assert_true(sdag_config_load_data(f->config, conf, strlen(conf), &error));
	fixture_open(f);
	answer = sdag_registry_register(f->registry, def, FALSE, &outcome, problems, &error);
	g_assert_no_error(error);
	g_assert_nonnull(answer);
}

static void
fixture_teardown(Fixture *f, gconstpointer data)
{
	fixture_close(f);
	g_ptr_array_unref(f->removed);
	sdag_node_types_free(f->types);
	sdag_config_free(f->config);
	sdag_test_rmtree(f->dir);
	g_free(f->dir);
}

static const SdagCamera *
put(Fixture *f, const char *name, const char *json, gboolean *created, GError **error)
{
	g_autoptr(JsonNode) body = sdag_json_parse(json, -1, NULL);

	g_assert_nonnull(body);
	return sdag_cameras_put(f->cameras, name, body, created, error);
}

/* Stored, synced, and read back as it was after the store is opened again. */
static void
cameras_put_reopen(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	gboolean created = FALSE;
	const SdagCamera *cam = put(f, "front", FRONT, &created, &error);

	g_assert_no_error(error);
	g_assert_true(created);
	g_assert_cmpstr(cam->password, ==, "hunter2");
	fixture_close(f);
	fixture_open(f);
	cam = sdag_cameras_get(f->cameras, "front", &error);
	g_assert_no_error(error);
	g_assert_cmpstr(cam->source, ==, "rtsp://127.0.0.1:9/s");
	g_assert_cmpstr(cam->user, ==, "viewer");
	g_assert_cmpstr(cam->password, ==, "hunter2");
	g_assert_cmpint(cam->origin, ==, SDAG_CAMERA_FROM_API);
	g_assert_true(cam->enabled);
}

/* A second PUT replaces the definition and says it was not created. */
static void
cameras_replace(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	gboolean created = TRUE;
	const SdagCamera *cam;

	put(f, "front", FRONT, &created, &error);
	cam = put(
	    f,
	    "front",
	    "{\"source\":\"rtsp://127.0.0.1:9/main\",\"pipeline_id\":\"people\",\"enabled\":false}",
	    &created,
	    &error);
	g_assert_no_error(error);
	g_assert_false(created);
	g_assert_null(cam->password);
	g_assert_cmpstr(cam->source, ==, "rtsp://127.0.0.1:9/main");
}

/* The list: config and API cameras together, by name. */
static void
cameras_list(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) all = NULL;
	gboolean created;

	put(f, "front", FRONT, &created, &error);
	put(f, "alley", FRONT, &created, &error);
	g_assert_no_error(error);
	all = sdag_cameras_list(f->cameras);
	g_assert_cmpuint(all->len, ==, 3);
	g_assert_cmpstr(((SdagCamera *)g_ptr_array_index(all, 0))->name, ==, "alley");
	g_assert_cmpstr(((SdagCamera *)g_ptr_array_index(all, 1))->name, ==, "front");
	g_assert_cmpstr(((SdagCamera *)g_ptr_array_index(all, 2))->name, ==, "yard");
	g_assert_cmpint(
	    ((SdagCamera *)g_ptr_array_index(all, 2))->origin, ==, SDAG_CAMERA_FROM_CONFIG);
}

/* A camera of the config is read-only: replace, delete and enable are 409. */
static void
cameras_config_read_only(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) e1 = NULL;
	g_autoptr(GError) e2 = NULL;
	g_autoptr(GError) e3 = NULL;
	gboolean created;

	g_assert_null(put(f, "yard", FRONT, &created, &e1));
	g_assert_error(e1, SDAG_ERROR, SDAG_ERROR_CAMERA_FROM_CONFIG);
	g_assert_false(sdag_cameras_delete(f->cameras, "yard", &e2));
	g_assert_error(e2, SDAG_ERROR, SDAG_ERROR_CAMERA_FROM_CONFIG);
	g_assert_false(sdag_cameras_set_enabled(f->cameras, "yard", FALSE, &e3));
	g_assert_error(e3, SDAG_ERROR, SDAG_ERROR_CAMERA_FROM_CONFIG);
	g_assert_true(sdag_cameras_get(f->cameras, "yard", NULL)->enabled);
}

/* A pipeline that is not registered: refused, nothing stored. */
static void
cameras_pipeline_missing(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	gboolean created;

	g_assert_null(put(f,
			  "front",
			  "{\"source\":\"rtsp://h/s\",\"pipeline_id\":\"nope\",\"enabled\":true}",
			  &created,
			  &error));
	g_assert_error(error, SDAG_ERROR, SDAG_ERROR_PIPELINE_NOT_FOUND);
	g_clear_error(&error);
	g_assert_null(sdag_cameras_get(f->cameras, "front", &error));
	g_assert_error(error, SDAG_ERROR, SDAG_ERROR_CAMERA_NOT_FOUND);
}

/* Enabled and disabled, kept across a reopen; deleted, gone across one. */
static void
cameras_enable_delete(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	gboolean created;

	put(f, "front", FRONT, &created, &error);
	g_assert_true(sdag_cameras_set_enabled(f->cameras, "front", FALSE, &error));
	fixture_close(f);
	fixture_open(f);
	g_assert_false(sdag_cameras_get(f->cameras, "front", &error)->enabled);
	g_assert_true(sdag_cameras_delete(f->cameras, "front", &error));
	g_assert_no_error(error);
	fixture_close(f);
	fixture_open(f);
	g_assert_null(sdag_cameras_get(f->cameras, "front", &error));
	g_assert_error(error, SDAG_ERROR, SDAG_ERROR_CAMERA_NOT_FOUND);
	g_clear_error(&error);
	g_assert_false(sdag_cameras_delete(f->cameras, "front", &error));
	g_assert_error(error, SDAG_ERROR, SDAG_ERROR_CAMERA_NOT_FOUND);
}

/* Records that do not read as cameras are counted and left; the others are served. */
static void
cameras_unreadable_record(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	gboolean created;
	const char *bad[][2] = {
	    {"broken", "{not json"},
	    {"Upper",
	     "{\"source\":\"rtsp://h/s\",\"pipeline_id\":\"people\","
	     "\"enabled\":true}"},
	    {"noenabled", "{\"source\":\"rtsp://h/s\",\"pipeline_id\":\"people\"}"}};

	put(f, "front", FRONT, &created, &error);
	for (guint i = 0; i < G_N_ELEMENTS(bad); i++)
		g_assert_true(sdag_store_put(f->store,
					     SDAG_STORE_CAMERAS,
					     (const guint8 *)bad[i][0],
					     strlen(bad[i][0]),
					     (const guint8 *)bad[i][1],
					     strlen(bad[i][1]),
					     TRUE,
					     &error));
	fixture_close(f);
	g_ptr_array_set_size(warnings, 0);
	fixture_open(f);
	g_assert_cmpuint(
	    warnings_matching("camera record * is unreadable, left as it is: *"), ==, 3);
	/* a password of a record is never quoted */
	g_assert_cmpuint(warnings_matching("*hunter2*"), ==, 0);
	g_assert_cmpuint(sdag_cameras_get_unreadable(f->cameras), ==, 3);
	g_assert_nonnull(sdag_cameras_get(f->cameras, "front", &error));
}

/* The same name in the config and the store: the config's definition wins. */
static void
cameras_config_shadows(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	const char *rec =
	    "{\"source\":\"rtsp://other/s\",\"pipeline_id\":\"people\",\"enabled\":false}";

	g_assert_true(sdag_store_put(f->store,
				     SDAG_STORE_CAMERAS,
				     (const guint8 *)"yard",
				     4,
				     (const guint8 *)rec,
				     strlen(rec),
				     TRUE,
				     &error));
	fixture_close(f);
	g_ptr_array_set_size(warnings, 0);
	fixture_open(f);
	g_assert_cmpuint(
	    warnings_matching("camera 'yard' is both in the config and stored*"), ==, 1);
	g_assert_cmpstr(sdag_cameras_get(f->cameras, "yard", &error)->source,
			==,
			"rtmp://127.0.0.1:9/live/yard");
	{
		g_autoptr(GPtrArray) all = sdag_cameras_list(f->cameras);
		g_assert_cmpuint(all->len, ==, 1);
	}
}

/* The job's status, after the main context has run until it is @want (5 s at most). */
static char *
job_status(Fixture *f, const char *job_id, const char *want)
{
	gint64 end = g_get_monotonic_time() + 5 * G_USEC_PER_SEC;

	for (;;) {
		g_autoptr(GError) error = NULL;
		g_autoptr(JsonNode) job = sdag_jobs_get(f->jobs, job_id, &error);
		const char *status;

		g_assert_no_error(error);
		status = json_object_get_string_member(json_node_get_object(job), "status");
		if (g_strcmp0(status, want) == 0 || g_get_monotonic_time() > end)
			return g_strdup(status);
		g_main_context_iteration(NULL, FALSE);
		g_usleep(10000);
	}
}

/* The ids of @camera's jobs, newest first, as GET /jobs?camera= lists them. */
static GPtrArray *
camera_jobs(Fixture *f, const char *camera, gint status)
{
	g_autoptr(GError) error = NULL;
	SdagJobsFilter filter = {
	    .camera = camera,
	    .status = status,
	    .since_us = SDAG_QUERY_NO_TIME,
	    .until_us = SDAG_QUERY_NO_TIME,
	    .limit = 100,
	};
	g_autoptr(JsonNode) page = sdag_jobs_query(f->jobs, &filter, &error);
	JsonArray *jobs;
	GPtrArray *ids = g_ptr_array_new_with_free_func(g_free);

	g_assert_no_error(error);
	jobs = json_object_get_array_member(json_node_get_object(page), "jobs");
	for (guint i = 0; i < json_array_get_length(jobs); i++) {
		JsonObject *job = json_array_get_object_element(jobs, i);
		g_assert_cmpstr(json_object_get_string_member(job, "camera"), ==, camera);
		g_ptr_array_add(ids, g_strdup(json_object_get_string_member(job, "job_id")));
	}
	return ids;
}

/* An enabled camera runs one job that names it; its public form holds no password. */
static void
cameras_job_started(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) ids = NULL;
	g_autoptr(JsonNode) job = NULL;
	g_autofree char *text = NULL;
	gboolean created;
	const char *job_id;

	put(f, "front", FRONT, &created, &error);
	g_assert_no_error(error);
	job_id = sdag_cameras_get_job(f->cameras, "front", NULL);
	g_assert_nonnull(job_id);
	ids = camera_jobs(f, "front", -1);
	g_assert_cmpuint(ids->len, ==, 1);
	g_assert_cmpstr(g_ptr_array_index(ids, 0), ==, job_id);
	job = sdag_jobs_get(f->jobs, job_id, &error);
	g_assert_no_error(error);
	text = sdag_json_to_string(job);
	g_assert_null(strstr(text, "hunter2"));
	g_assert_null(strstr(text, "camera_digest"));
	g_assert_cmpstr(
	    json_object_get_string_member(json_node_get_object(job), "camera"), ==, "front");
	g_assert_cmpstr(json_object_get_string_member(json_node_get_object(job), "source"),
			==,
			"rtsp://viewer:***@127.0.0.1:9/s");
	/* another camera's list and a camera with no job */
	g_clear_pointer(&ids, g_ptr_array_unref);
	ids = camera_jobs(f, "fron", -1);
	g_assert_cmpuint(ids->len, ==, 0);
}

/* The same definition again keeps the job; a changed one cancels it and starts another. */
static void
cameras_job_replaced(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) ids = NULL;
	g_autofree char *first = NULL;
	g_autofree char *status = NULL;
	gboolean created;

	put(f, "front", FRONT, &created, &error);
	first = g_strdup(sdag_cameras_get_job(f->cameras, "front", NULL));
	put(f, "front", FRONT, &created, &error);
	g_assert_no_error(error);
	g_assert_cmpstr(sdag_cameras_get_job(f->cameras, "front", NULL), ==, first);
	put(f,
	    "front",
	    "{\"source\":\"rtsp://127.0.0.1:9/s\",\"pipeline_id\":\"people\",\"enabled\":true,"
	    "\"user\":\"viewer\",\"password\":\"hunter3\"}",
	    &created,
	    &error);
	g_assert_no_error(error);
	g_assert_cmpstr(sdag_cameras_get_job(f->cameras, "front", NULL), !=, first);
	status = job_status(f, first, "cancelled");
	g_assert_cmpstr(status, ==, "cancelled");
	ids = camera_jobs(f, "front", -1);
	g_assert_cmpuint(ids->len, ==, 2);
	g_assert_cmpstr(g_ptr_array_index(ids, 1), ==, first);
	g_clear_pointer(&ids, g_ptr_array_unref);
	ids = camera_jobs(f, "front", SDAG_JOB_CANCELLED);
	g_assert_cmpuint(ids->len, ==, 1);
	g_assert_cmpstr(g_ptr_array_index(ids, 0), ==, first);
}

/* Disabled: its job is cancelled; enabled again: a new one. Deleted: cancelled, the job's
 * record stays, and whoever published under its name is told. */
static void
cameras_job_disable_delete(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) ids = NULL;
	g_autofree char *first = NULL;
	g_autofree char *second = NULL;
	g_autofree char *s1 = NULL;
	g_autofree char *s2 = NULL;
	gboolean created;

	put(f, "front", FRONT, &created, &error);
	first = g_strdup(sdag_cameras_get_job(f->cameras, "front", NULL));
	g_assert_true(sdag_cameras_set_enabled(f->cameras, "front", FALSE, &error));
	s1 = job_status(f, first, "cancelled");
	g_assert_cmpstr(s1, ==, "cancelled");
	g_assert_true(sdag_cameras_set_enabled(f->cameras, "front", TRUE, &error));
	second = g_strdup(sdag_cameras_get_job(f->cameras, "front", NULL));
	g_assert_cmpstr(second, !=, first);
	g_assert_true(sdag_jobs_is_active(f->jobs, second));
	g_assert_true(sdag_cameras_delete(f->cameras, "front", &error));
	g_assert_no_error(error);
	s2 = job_status(f, second, "cancelled");
	g_assert_cmpstr(s2, ==, "cancelled");
	g_assert_cmpuint(f->removed->len, ==, 1);
	g_assert_cmpstr(g_ptr_array_index(f->removed, 0), ==, "front");
	ids = camera_jobs(f, "front", -1);
	g_assert_cmpuint(ids->len, ==, 2);
	g_assert_null(sdag_cameras_get_job(f->cameras, "front", NULL));
}

/* A restart: the running job of an unchanged camera is adopted, not replaced; a config
 * camera starts its job; a stored camera's job whose record vanished is cancelled. */
static void
cameras_start_adopts(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *first = NULL;
	g_autofree char *orphan = NULL;
	g_autofree char *status = NULL;
	g_autoptr(GPtrArray) yard = NULL;
	gboolean created;

	put(f, "front", FRONT, &created, &error);
	put(f, "alley", FRONT, &created, &error);
	g_assert_no_error(error);
	first = g_strdup(sdag_cameras_get_job(f->cameras, "front", NULL));
	orphan = g_strdup(sdag_cameras_get_job(f->cameras, "alley", NULL));
	fixture_close(f);
	fixture_open(f);
	/* gone while the daemon was down */
	g_assert_true(sdag_store_delete(
	    f->store, SDAG_STORE_CAMERAS, (const guint8 *)"alley", 5, TRUE, &error));
	fixture_close(f);
	fixture_open(f);
	sdag_cameras_start(f->cameras);
	g_assert_cmpstr(sdag_cameras_get_job(f->cameras, "front", NULL), ==, first);
	g_assert_true(sdag_jobs_is_active(f->jobs, first));
	status = job_status(f, orphan, "cancelled");
	g_assert_cmpstr(status, ==, "cancelled");
	yard = camera_jobs(f, "yard", -1);
	g_assert_cmpuint(yard->len, ==, 1);
	g_assert_cmpstr(
	    g_ptr_array_index(yard, 0), ==, sdag_cameras_get_job(f->cameras, "yard", NULL));
}

/* A password from a file (or a service credential): the job reaches the camera with it,
 * the newline left out; a file that cannot be read refuses the definition. */
static void
cameras_password_file(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *path = g_build_filename(f->dir, "front.pass", NULL);
	g_autofree char *body = NULL;
	g_autofree char *missing = NULL;
	gboolean created;

	g_assert_true(g_file_set_contents(path, "s3cret\n", -1, &error));
	body = g_strdup_printf("{\"source\":\"rtsp://127.0.0.1:9/s\",\"pipeline_id\":\"people\","
			       "\"enabled\":true,\"user\":\"viewer\",\"password_file\":\"%s\"}",
			       path);
	g_assert_nonnull(put(f, "front", body, &created, &error));
	g_assert_no_error(error);
	g_assert_nonnull(sdag_cameras_get_job(f->cameras, "front", NULL));
	missing = g_strdup_printf("{\"source\":\"rtsp://127.0.0.1:9/s\",\"pipeline_id\":"
				  "\"people\",\"enabled\":true,\"user\":\"viewer\","
				  "\"password_file\":\"%s/nope\"}",
				  f->dir);
	g_assert_null(put(f, "side", missing, &created, &error));
	g_assert_error(error, SDAG_ERROR, SDAG_ERROR_BAD_REQUEST);
	g_assert_nonnull(strstr(error->message, "password_file"));
	g_clear_error(&error);
	g_assert_null(sdag_cameras_get(f->cameras, "side", &error));
	g_clear_error(&error);
	/* a credential name, without $CREDENTIALS_DIRECTORY */
	g_unsetenv("CREDENTIALS_DIRECTORY");
	g_assert_null(put(f,
			  "side",
			  "{\"source\":\"rtsp://127.0.0.1:9/s\",\"pipeline_id\":\"people\","
			  "\"enabled\":true,\"user\":\"v\",\"password_file\":\"side.pass\"}",
			  &created,
			  &error));
	g_assert_error(error, SDAG_ERROR, SDAG_ERROR_BAD_REQUEST);
	g_clear_error(&error);
	g_setenv("CREDENTIALS_DIRECTORY", f->dir, TRUE);
	g_assert_true(g_file_set_contents(path, "s3cret", -1, &error));
	g_assert_nonnull(put(f,
			     "side",
			     "{\"source\":\"rtsp://127.0.0.1:9/s\",\"pipeline_id\":\"people\","
			     "\"enabled\":true,\"user\":\"v\",\"password_file\":\"front.pass\"}",
			     &created,
			     &error));
	g_assert_no_error(error);
	g_unsetenv("CREDENTIALS_DIRECTORY");
}

/* Refused as its job would be: a live-only option on a file source, an unknown option. */
static void
cameras_refused_like_a_job(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) e1 = NULL;
	g_autoptr(GError) e2 = NULL;
	g_autoptr(GPtrArray) jobs = NULL;
	gboolean created;

	g_assert_null(put(f,
			  "front",
			  "{\"source\":\"https://8.8.8.8/a.mp4\",\"pipeline_id\":\"people\","
			  "\"enabled\":true,\"options\":{\"latency_ms\":5}}",
			  &created,
			  &e1));
	g_assert_error(e1, SDAG_ERROR, SDAG_ERROR_BAD_OPTION);
	g_assert_null(put(f,
			  "front",
			  "{\"source\":\"https://127.0.0.1/a.mp4\",\"pipeline_id\":\"people\","
			  "\"enabled\":false}",
			  &created,
			  &e2));
	g_assert_error(e2, SDAG_ERROR, SDAG_ERROR_SOURCE_FORBIDDEN);
	g_assert_null(sdag_cameras_get(f->cameras, "front", NULL));
	jobs = sdag_jobs_list_camera_jobs(f->jobs);
	g_assert_cmpuint(jobs->len, ==, 0);
}

int
main(int argc, char **argv)
{
	int rc;

	g_test_init(&argc, &argv, NULL);
	warnings = g_ptr_array_new_with_free_func(g_free);
	sdag_test_warnings_capture("sdag-cameras", warnings);
#define ADD(path, fn) \
	g_test_add("/cameras/" path, Fixture, NULL, fixture_setup, fn, fixture_teardown)
	ADD("put-reopen", cameras_put_reopen);
	ADD("replace", cameras_replace);
	ADD("list", cameras_list);
	ADD("config-read-only", cameras_config_read_only);
	ADD("pipeline-missing", cameras_pipeline_missing);
	ADD("enable-delete", cameras_enable_delete);
	ADD("unreadable-record", cameras_unreadable_record);
	ADD("config-shadows", cameras_config_shadows);
	ADD("job-started", cameras_job_started);
	ADD("job-replaced", cameras_job_replaced);
	ADD("job-disable-delete", cameras_job_disable_delete);
	ADD("start-adopts", cameras_start_adopts);
	ADD("password-file", cameras_password_file);
	ADD("refused-like-a-job", cameras_refused_like_a_job);
	rc = g_test_run();
	g_ptr_array_unref(warnings);
	return rc;
}
