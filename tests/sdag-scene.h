/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A generator of synthetic scenes with exact ground truth: textured,
 * noisy background; rectangular textured objects that enter and leave the
 * frame, cross each other and occlude one another (depth order). Everything
 * is a pure function of the scene's size, length and seed, so a frame can be
 * rendered again in any order and the same on every machine.
 */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef struct {
	guint id;      /* 1, 2, ... */
	guint start;   /* first frame it exists in */
	double x0, y0; /* top-left corner at frame start, pixels (may be off the picture) */
	double vx, vy; /* pixels per frame */
	double w, h;
	guint8 luma; /* base brightness of its texture */
	gint depth;  /* a larger depth is drawn over a smaller one */
} SdagSceneObject;

typedef struct {
	guint width, height, n_frames;
	guint32 seed;
	guint noise;	    /* per-pixel, per-frame noise: uniform in [-noise, +noise] */
	GArray *objects;    /* SdagSceneObject */
	guint8 *background; /* width x height luma, the texture under the noise */
} SdagScene;

/* Ground truth of one object in one frame. */
typedef struct {
	guint id;
	double x, y, w, h; /* the part inside the picture, hidden or not */
} SdagSceneBox;

/* The standard scene: episodes of 240 frames, each with six objects (two
 * that cross and occlude each other in the left half, two vertical passers,
 * a slow one, a fast one), object sizes and speeds scaled to the frame and
 * varied by the seed. */
SdagScene *sdag_scene_new_standard(guint width, guint height, guint n_frames, guint32 seed);
void sdag_scene_free(SdagScene *scene);

/* @buf: width x height x 3 / 2 bytes of I420, with strides width, width / 2. */
void sdag_scene_render_i420(const SdagScene *scene, guint frame, guint8 *buf);

/* The objects in @frame that are in the ground truth: at least 30% of their
 * area inside the picture. Returns: (transfer full): SdagSceneBox, id order. */
GArray *sdag_scene_truth(const SdagScene *scene, guint frame);

/* {"width", "height", "frames", "fps", "seed",
 *  "truth": [{"frame_id": F, "objects": [{"id", "box": [x, y, w, h]}]}]}
 * An object hidden behind another stays in the truth. */
JsonNode *sdag_scene_truth_to_json(const SdagScene *scene);

/* Encodes the scene as H.264 (x264enc ultrafast, 30 fps, 8-bit 4:2:0, about 4 Mbit/s at
 * 720p and in proportion to the pixels otherwise) in MP4 at @path. */
gboolean sdag_scene_write_clip(const SdagScene *scene, const char *path, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(SdagScene, sdag_scene_free)

G_END_DECLS
