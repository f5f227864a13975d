/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define SDAG_CAMERA_NAME_MAX 64
/* how a password is shown, everywhere */
#define SDAG_CAMERA_PASSWORD_SHOWN "***"

typedef enum {
	SDAG_CAMERA_FROM_CONFIG, /* [camera NAME] in the config: read-only through the API */
	SDAG_CAMERA_FROM_API,	 /* PUT /cameras/{name}, kept in the store */
} SdagCameraOrigin;

/**
 * SdagCamera:
 *
 * A camera's definition: a named live source with the pipeline that analyses it. The
 * source holds no credentials; @user and @password (or @password_file) go apart, so that
 * the password can be shown as "***" and never stored inside a URL.
 */
typedef struct {
	char *name;
	char *source;
	char *user;	     /* nullable */
	char *password;	     /* nullable */
	char *password_file; /* nullable: an absolute path or a systemd credential's name */
	char *pipeline_id;
	JsonObject *options; /* job options as given, checked; never NULL */
	char *zones;	     /* nullable: a description, for people */
	gboolean enabled;
	SdagCameraOrigin origin;
} SdagCamera;

/* the members of a definition, which are also the keys of a [camera NAME] group */
extern const char *const sdag_camera_members[];
/* the values of a camera's source_state (GET /cameras/{name}, MQTT status, Home Assistant) */
extern const char *const sdag_camera_states[];

gboolean sdag_camera_check_name(const char *name, GError **error);
SdagCamera *
sdag_camera_from_json(const char *name, JsonNode *body, SdagCameraOrigin origin, GError **error);
JsonNode *sdag_camera_to_json(const SdagCamera *camera);
char *sdag_camera_source_with_credentials(const SdagCamera *camera, const char *password);
void sdag_camera_free(SdagCamera *camera);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(SdagCamera, sdag_camera_free)

G_END_DECLS
