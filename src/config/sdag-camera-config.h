/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

#include "sdag-camera.h"

G_BEGIN_DECLS

#define SDAG_CAMERA_CONFIG_PREFIX "camera "

/**
 * SdagCameraConfig:
 *
 * The cameras declared in the config, [camera NAME] groups: the definitions as the files
 * built them up (a later file sets keys over an earlier one's) and each checked.
 */
typedef struct {
	GHashTable *given;  /* name -> JsonObject: the keys so far */
	GPtrArray *cameras; /* SdagCamera, in the order first declared */
} SdagCameraConfig;

void sdag_camera_config_init(SdagCameraConfig *self);
void sdag_camera_config_clear(SdagCameraConfig *self);
gboolean sdag_camera_config_apply_group(SdagCameraConfig *self,
					GKeyFile *kf,
					const char *group,
					char **bad_key,
					GError **error);
const SdagCamera *sdag_camera_config_lookup(SdagCameraConfig *self, const char *name);

G_END_DECLS
