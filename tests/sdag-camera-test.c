/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Camera definitions: what a PUT body or a [camera NAME] group may hold, each refusal with
 * its code, the password never shown, and the URL a job opens.
 */
#include <string.h>

#include "sdag-camera.h"
#include "sdag-error.h"
#include "sdag-json.h"

#define BASE "\"source\":\"rtsp://10.0.0.5:554/stream1\",\"pipeline_id\":\"people_v1\""

static SdagCamera *
parse(const char *name, const char *json, GError **error)
{
	g_autoptr(JsonNode) node = sdag_json_parse(json, -1, NULL);

	g_assert_nonnull(node);
	return sdag_camera_from_json(name, node, SDAG_CAMERA_FROM_API, error);
}

static const struct {
	const char *name; /* of the case */
	const char *camera;
	const char *body;
	SdagError code;
	const char *message;
} bad[] = {
    {"name-upper",
     "Front",
     "{" BASE ",\"enabled\":true}",
     SDAG_ERROR_BAD_REQUEST,
     "camera name 'Front'"},
    {"name-empty", "", "{" BASE ",\"enabled\":true}", SDAG_ERROR_BAD_REQUEST, "camera name ''"},
    {"name-slash",
     "a/b",
     "{" BASE ",\"enabled\":true}",
     SDAG_ERROR_BAD_REQUEST,
     "camera name 'a/b'"},
    {"name-dot", "..", "{" BASE ",\"enabled\":true}", SDAG_ERROR_BAD_REQUEST, "camera name '..'"},
    {"name-plus",
     "a+b",
     "{" BASE ",\"enabled\":true}",
     SDAG_ERROR_BAD_REQUEST,
     "camera name 'a+b'"},
    {"name-hash", "a#", "{" BASE ",\"enabled\":true}", SDAG_ERROR_BAD_REQUEST, "camera name 'a#'"},
    {"name-newline",
     "a\nb",
     "{" BASE ",\"enabled\":true}",
     SDAG_ERROR_BAD_REQUEST,
     "camera name 'a\\nb'"},
    {"not-object", "cam", "[]", SDAG_ERROR_BAD_REQUEST, "a camera is a JSON object"},
    {"enabled-missing", "cam", "{" BASE "}", SDAG_ERROR_BAD_REQUEST, "'enabled' must be given"},
    {"enabled-string",
     "cam",
     "{" BASE ",\"enabled\":\"true\"}",
     SDAG_ERROR_BAD_REQUEST,
     "'enabled' must be given"},
    {"enabled-null",
     "cam",
     "{" BASE ",\"enabled\":null}",
     SDAG_ERROR_BAD_REQUEST,
     "'enabled' must be given"},
    {"source-missing",
     "cam",
     "{\"pipeline_id\":\"p\",\"enabled\":true}",
     SDAG_ERROR_BAD_REQUEST,
     "'source' is missing"},
    {"source-number",
     "cam",
     "{\"source\":5,\"pipeline_id\":\"p\",\"enabled\":true}",
     SDAG_ERROR_BAD_REQUEST,
     "'source' must be a non-empty string"},
    {"source-relative",
     "cam",
     "{\"source\":\"cam1/stream\",\"pipeline_id\":\"p\",\"enabled\":true}",
     SDAG_ERROR_UNSUPPORTED_SOURCE,
     "not an absolute URL"},
    {"source-ftp",
     "cam",
     "{\"source\":\"ftp://10.0.0.5/x\",\"pipeline_id\":\"p\",\"enabled\":true}",
     SDAG_ERROR_UNSUPPORTED_SOURCE,
     "scheme 'ftp'"},
    {"source-credentials",
     "cam",
     "{\"source\":\"rtsp://admin:secret@10.0.0.5/s\",\"pipeline_id\":\"p\",\"enabled\":true}",
     SDAG_ERROR_BAD_REQUEST,
     "not in 'source'"},
    {"source-user-only",
     "cam",
     "{\"source\":\"rtsp://admin@10.0.0.5/s\",\"pipeline_id\":\"p\",\"enabled\":true}",
     SDAG_ERROR_BAD_REQUEST,
     "not in 'source'"},
    {"pipeline-missing",
     "cam",
     "{\"source\":\"rtsp://h/s\",\"enabled\":true}",
     SDAG_ERROR_BAD_REQUEST,
     "'pipeline_id' is missing"},
    {"pipeline-empty",
     "cam",
     "{\"source\":\"rtsp://h/s\",\"pipeline_id\":\"\",\"enabled\":true}",
     SDAG_ERROR_BAD_REQUEST,
     "'pipeline_id' must be a non-empty string"},
    {"unknown-member",
     "cam",
     "{" BASE ",\"enabled\":true,\"url\":\"x\"}",
     SDAG_ERROR_BAD_REQUEST,
     "unknown member 'url'"},
    {"password-and-file",
     "cam",
     "{" BASE ",\"enabled\":true,\"user\":\"u\",\"password\":\"p\",\"password_file\":\"/run/p\"}",
     SDAG_ERROR_BAD_REQUEST,
     "not both"},
    {"password-no-user",
     "cam",
     "{" BASE ",\"enabled\":true,\"password\":\"p\"}",
     SDAG_ERROR_BAD_REQUEST,
     "a password needs its 'user'"},
    {"password-number",
     "cam",
     "{" BASE ",\"enabled\":true,\"user\":\"u\",\"password\":1}",
     SDAG_ERROR_BAD_REQUEST,
     "'password' must be a non-empty string"},
    {"options-array",
     "cam",
     "{" BASE ",\"enabled\":true,\"options\":[]}",
     SDAG_ERROR_BAD_REQUEST,
     "'options' must be an object"},
    {"options-unknown",
     "cam",
     "{" BASE ",\"enabled\":true,\"options\":{\"fps\":5}}",
     SDAG_ERROR_BAD_OPTION,
     "unknown option 'fps'"},
    {"options-bad-stride",
     "cam",
     "{" BASE ",\"enabled\":true,\"options\":{\"stride\":0}}",
     SDAG_ERROR_BAD_OPTION,
     "option 'stride'"},
    {"zones-object",
     "cam",
     "{" BASE ",\"enabled\":true,\"zones\":{}}",
     SDAG_ERROR_BAD_REQUEST,
     "'zones' must be a non-empty string"},
};

static void
camera_bad(gconstpointer data)
{
	guint i = GPOINTER_TO_UINT(data);
	g_autoptr(GError) error = NULL;
	g_autoptr(SdagCamera) cam = parse(bad[i].camera, bad[i].body, &error);

	g_assert_null(cam);
	g_assert_error(error, SDAG_ERROR, (gint)bad[i].code);
	if (strstr(error->message, bad[i].message) == NULL)
		g_error("'%s' lacks '%s'", error->message, bad[i].message);
	/* no refusal quotes a password */
	g_assert_null(strstr(error->message, "secret"));
}

/* Everything given reads back as given, the password as "***", with the origin. */
static void
camera_roundtrip(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(SdagCamera) cam = parse("front_door",
					  "{" BASE ",\"enabled\":false,\"user\":\"viewer\","
					  "\"password\":\"s3cr3t!\",\"zones\":\"porch, driveway\","
					  "\"options\":{\"stride\":2,\"transport\":\"tcp\"}}",
					  &error);
	g_autoptr(JsonNode) shown = NULL;
	g_autofree char *text = NULL;
	JsonObject *o;

	g_assert_no_error(error);
	g_assert_false(cam->enabled);
	shown = sdag_camera_to_json(cam);
	text = sdag_json_to_string(shown);
	g_assert_null(strstr(text, "s3cr3t"));
	o = json_node_get_object(shown);
	g_assert_cmpstr(json_object_get_string_member(o, "password"), ==, "***");
	g_assert_cmpstr(json_object_get_string_member(o, "user"), ==, "viewer");
	g_assert_cmpstr(json_object_get_string_member(o, "origin"), ==, "api");
	g_assert_cmpstr(json_object_get_string_member(o, "zones"), ==, "porch, driveway");
	g_assert_cmpint(
	    json_object_get_int_member(json_object_get_object_member(o, "options"), "stride"),
	    ==,
	    2);
	g_assert_false(json_object_get_boolean_member(o, "enabled"));
}

/* The least a camera is: a source, a pipeline and whether it runs. */
static void
camera_minimal(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(SdagCamera) cam = parse("gate_2", "{" BASE ",\"enabled\":true}", &error);
	g_autoptr(JsonNode) shown = NULL;
	JsonObject *o;

	g_assert_no_error(error);
	shown = sdag_camera_to_json(cam);
	o = json_node_get_object(shown);
	g_assert_false(json_object_has_member(o, "password"));
	g_assert_false(json_object_has_member(o, "user"));
	g_assert_cmpuint(json_object_get_size(json_object_get_object_member(o, "options")), ==, 0);
	g_assert_true(json_object_get_boolean_member(o, "enabled"));
}

/* Each allowed scheme, in any case. */
static void
camera_schemes(void)
{
	const char *sources[] = {"rtsp://h/s",
				 "RTSP://h/s",
				 "rtsps://h:322/s",
				 "rtmp://h/live/k",
				 "rtmps://h/live/k",
				 "http://h/v.mp4",
				 "https://h/v.mp4",
				 "file:///srv/media/v.mp4"};

	for (guint i = 0; i < G_N_ELEMENTS(sources); i++) {
		g_autoptr(GError) error = NULL;
		g_autofree char *body = g_strdup_printf(
		    "{\"source\":\"%s\",\"pipeline_id\":\"p\",\"enabled\":true}", sources[i]);
		g_autoptr(SdagCamera) cam = parse("c", body, &error);
		g_assert_no_error(error);
	}
}

/* The URL a job opens: user and password escaped in, the rest of the source unchanged. */
static void
camera_source_credentials(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(SdagCamera) cam =
	    parse("c",
		  "{\"source\":\"rtsp://10.0.0.5:554/Streaming/101?tcp\",\"pipeline_id\":\"p\","
		  "\"enabled\":true,\"user\":\"ad min\",\"password\":\"p@ss:w/rd\"}",
		  &error);
	g_autoptr(SdagCamera) plain = parse("d", "{" BASE ",\"enabled\":true}", &error);
	g_autofree char *url = NULL;
	g_autofree char *none = NULL;
	g_autoptr(GUri) uri = NULL;

	g_assert_no_error(error);
	url = sdag_camera_source_with_credentials(cam, cam->password);
	g_assert_cmpstr(url, ==, "rtsp://ad%20min:p%40ss%3Aw%2Frd@10.0.0.5:554/Streaming/101?tcp");
	uri = g_uri_parse(url, G_URI_FLAGS_HAS_PASSWORD, &error);
	g_assert_no_error(error);
	g_assert_cmpstr(g_uri_get_password(uri), ==, "p@ss:w/rd");
	none = sdag_camera_source_with_credentials(plain, NULL);
	g_assert_cmpstr(none, ==, "rtsp://10.0.0.5:554/stream1");
}

/* The longest name is allowed, one more is not. */
static void
camera_name_longest(void)
{
	g_autoptr(GError) error = NULL;
	char name[SDAG_CAMERA_NAME_MAX + 2];

	memset(name, 'x', sizeof(name));
	name[SDAG_CAMERA_NAME_MAX] = '\0';
	g_assert_true(sdag_camera_check_name(name, &error));
	name[SDAG_CAMERA_NAME_MAX] = 'x';
	name[SDAG_CAMERA_NAME_MAX + 1] = '\0';
	g_assert_false(sdag_camera_check_name(name, &error));
	g_assert_error(error, SDAG_ERROR, SDAG_ERROR_BAD_REQUEST);
}

/* Found by the camera fuzz target (tests/fuzz/corpus/camera/regress-source-without-host): a
 * source with no host and a path of "//" raised a critical when its credentials were joined
 * in; it is handed on as it is, for the job to refuse. */
static void
camera_fuzz_source_without_host(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(SdagCamera) cam =
	    parse("gate",
		  "{\"source\":\"rtmp:/..//ate\",\"user\":\"u\",\"password\":\"p\","
		  "\"pipeline_id\":\"p\",\"enabled\":false}",
		  &error);
	g_autofree char *url = NULL;

	g_assert_no_error(error);
	url = sdag_camera_source_with_credentials(cam, cam->password);
	g_assert_nonnull(url);
	g_assert_null(strstr(url, "u:p"));
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autofree char *path = g_strdup_printf("/camera/bad/%s", bad[i].name);
		g_test_add_data_func(path, GUINT_TO_POINTER(i), camera_bad);
	}
	g_test_add_func("/camera/roundtrip", camera_roundtrip);
	g_test_add_func("/camera/minimal", camera_minimal);
	g_test_add_func("/camera/schemes", camera_schemes);
	g_test_add_func("/camera/source-credentials", camera_source_credentials);
	g_test_add_func("/camera/name-longest", camera_name_longest);
	g_test_add_func("/camera/fuzz/source-without-host", camera_fuzz_source_without_host);
	return g_test_run();
}
