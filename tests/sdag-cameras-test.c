/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The cameras service over a real RocksDB store on disk: API cameras stored, read back
 * after a reopen, replaced, enabled, deleted; config cameras read-only; a definition whose
 * pipeline is missing refused; an unreadable record skipped while the others are served.
 */
#include <string.h>

#include "sdag-cameras.h"
#include "sdag-config.h"
#include "sdag-error.h"
#include "sdag-json.h"
#include "sdag-test-util.h"

#define PIPELINE                                                                            \
	"{\"pipeline_id\":\"people\",\"nodes\":[{\"id\":\"d\",\"type\":\"det\",\"params\":" \
	"{\"min_score\":0.5}}],\"edges\":[{\"from\":\"source.frame\",\"to\":\"d.frame\"}]," \
	"\"outputs\":[\"d.detections\"]}"
#define FRONT                                                                            \
	"{\"source\":\"rtsp://10.0.0.5/s\",\"pipeline_id\":\"people\",\"enabled\":true," \
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
	SdagCameras *cameras;
} Fixture;

static void
fixture_open(Fixture *f)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *path = g_build_filename(f->dir, "db", NULL);

	f->store = sdag_store_open(path, &error);
	g_assert_no_error(error);
	f->registry = sdag_registry_new(f->store, f->types);
	f->cameras = sdag_cameras_new(f->store, f->registry, &f->config->cameras, &error);
	g_assert_no_error(error);
}

static void
fixture_close(Fixture *f)
{
	g_clear_pointer(&f->cameras, sdag_cameras_free);
	g_clear_pointer(&f->registry, sdag_registry_free);
	g_clear_pointer(&f->store, sdag_store_free);
}

static void
fixture_setup(Fixture *f, gconstpointer data)
{
	const char *conf = "[camera yard]\nsource=rtmp://10.0.0.7/live/yard\npipeline_id=people\n"
			   "enabled=true\n";
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonNode) def = sdag_json_parse(PIPELINE, -1, NULL);
	g_autoptr(GPtrArray) problems = g_ptr_array_new();
	g_autoptr(JsonNode) answer = NULL;
	SdagRegisterOutcome outcome;

	f->dir = sdag_test_mkdtemp();
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
	g_assert_cmpstr(cam->source, ==, "rtsp://10.0.0.5/s");
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
	    "{\"source\":\"rtsp://10.0.0.9/main\",\"pipeline_id\":\"people\",\"enabled\":false}",
	    &created,
	    &error);
	g_assert_no_error(error);
	g_assert_false(created);
	g_assert_null(cam->password);
	g_assert_cmpstr(cam->source, ==, "rtsp://10.0.0.9/main");
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
	g_assert_cmpstr(
	    sdag_cameras_get(f->cameras, "yard", &error)->source, ==, "rtmp://10.0.0.7/live/yard");
	{
		g_autoptr(GPtrArray) all = sdag_cameras_list(f->cameras);
		g_assert_cmpuint(all->len, ==, 1);
	}
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
	rc = g_test_run();
	g_ptr_array_unref(warnings);
	return rc;
}
