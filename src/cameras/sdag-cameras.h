/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "sdag-camera-config.h"
#include "sdag-jobs.h"
#include "sdag-store.h"

G_BEGIN_DECLS

typedef struct _SdagCameras SdagCameras;

typedef void (*SdagCamerasRemovedFunc)(const char *name, gpointer user_data);

SdagCameras *
sdag_cameras_new(SdagStore *store, SdagJobs *jobs, SdagCameraConfig *config, GError **error);
void sdag_cameras_start(SdagCameras *self);
void sdag_cameras_reload(SdagCameras *self, SdagCameraConfig *next);
JsonNode *sdag_cameras_describe(SdagCameras *self, const char *name, GError **error);
const char *sdag_cameras_get_job(SdagCameras *self, const char *name, const char **problem);
void
sdag_cameras_set_removed_func(SdagCameras *self, SdagCamerasRemovedFunc func, gpointer user_data);
void sdag_cameras_free(SdagCameras *self);
GPtrArray *sdag_cameras_list(SdagCameras *self);
const SdagCamera *sdag_cameras_get(SdagCameras *self, const char *name, GError **error);
const SdagCamera *sdag_cameras_put(SdagCameras *self,
				   const char *name,
				   JsonNode *body,
				   gboolean *created,
				   GError **error);
gboolean sdag_cameras_delete(SdagCameras *self, const char *name, GError **error);
gboolean
sdag_cameras_set_enabled(SdagCameras *self, const char *name, gboolean enabled, GError **error);
guint sdag_cameras_get_unreadable(SdagCameras *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(SdagCameras, sdag_cameras_free)

G_END_DECLS
