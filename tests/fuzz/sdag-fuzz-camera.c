/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A camera's definition as PUT /cameras/{name} receives it. The input's first line is the
 * name (sdag_camera_check_name()), the rest the JSON body (sdag_camera_from_json()). A
 * definition taken is shown (sdag_camera_to_json(), password as "***"), read back and
 * turned into the URL its job opens.
 */
#include <string.h>

#include "sdag-camera.h"
#include "sdag-fuzz.h"
#include "sdag-json.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	sdag_fuzz_init();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	const char *nl = memchr(text, '\n', size);
	g_autofree char *name = g_strndup(text, nl != NULL ? (gsize)(nl - text) : size);
	const char *body_text = nl != NULL ? nl + 1 : text + size;
	gsize body_len = size - (gsize)(body_text - text);
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonNode) body = NULL;
	g_autoptr(SdagCamera) camera = NULL;
	g_autoptr(SdagCamera) again = NULL;
	g_autoptr(JsonNode) shown = NULL;
	g_autofree char *url = NULL;
	gboolean name_ok;

	name_ok = sdag_camera_check_name(name, &error);
	if (name_ok != (error == NULL))
		sdag_fuzz_fail("a name check and its error disagree", name);
	g_clear_error(&error);
	if (body_len == 0)
		return 0;
	body = sdag_json_parse(body_text, (gssize)body_len, NULL);
	if (body == NULL)
		return 0;
	camera = sdag_camera_from_json(name, body, SDAG_CAMERA_FROM_API, &error);
	if ((camera == NULL) == (error == NULL))
		sdag_fuzz_fail("a definition and its error disagree", name);
	if (camera == NULL)
		return 0;
	if (!name_ok)
		sdag_fuzz_fail("a definition was taken under a name refused", name);
	url = sdag_camera_source_with_credentials(camera, camera->password);
	shown = sdag_camera_to_json(camera);
	again = sdag_camera_from_json(name, shown, SDAG_CAMERA_FROM_API, NULL);
	return 0;
}
