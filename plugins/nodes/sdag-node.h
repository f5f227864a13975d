/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The node plugin ABI of streamdag.
 *
 * A node plugin is a shared object in the plugin directory that exports one
 * symbol, SDAG_NODE_ENTRY_SYMBOL, a function returning a static SdagNodeDesc.
 * The daemon loads it with GModule, checks abi_version against
 * SDAG_NODE_ABI_VERSION and the description for consistency, and skips the
 * plugin with a logged reason when either is wrong. See docs/plugins.md.
 *
 * Lifetime of a node instance, all on one streaming thread:
 *   init(params)                      once per job, params already validated
 *                                     and completed with defaults (or
 *                                     init_with_settings(params, settings))
 *   process(inputs, outputs)          once per processed frame
 *   save_state / load_state           between frames, for checkpoints
 *   finalize()                        once, when the job ends
 */
#pragma once

#include <glib.h>
#include <gmodule.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* Bump on any change to the structs or calls below. */
#define SDAG_NODE_ABI_VERSION 3u
#define SDAG_NODE_ENTRY_SYMBOL "sdag_node_describe"

typedef enum {
	SDAG_PORT_NONE = 0, /* an optional input that is not connected */
	SDAG_PORT_FRAME,
	SDAG_PORT_DETECTIONS,
	SDAG_PORT_TRACKS,
	SDAG_PORT_EVENTS,
	SDAG_PORT_COUNTS,
	SDAG_PORT_IMAGE,
	SDAG_PORT_N_TYPES
} SdagPortType;

typedef enum {
	SDAG_PARAM_INT = 1,
	SDAG_PARAM_DOUBLE,
	SDAG_PARAM_BOOL,
	SDAG_PARAM_STRING,
	SDAG_PARAM_POINTS,  /* [[x, y], ...]: lines, polygons, regions */
	SDAG_PARAM_STRINGS, /* ["a", "b", ...]: label lists */
	/* A string that becomes one MQTT topic level (a zone, line or label name): non-empty
	 * UTF-8 without '/', '+', '#' or control characters, checked by the daemon. Added
	 * without an ABI bump: plugins built before never declare it, and a daemon older than
	 * it skips a plugin that does, as a param of an invalid type. */
	SDAG_PARAM_NAME,
	SDAG_PARAM_NAMES, /* ["a", "b", ...] of SDAG_PARAM_NAME: label lists */
	SDAG_PARAM_N_TYPES
} SdagParamType;

typedef struct {
	const char *name;
	SdagPortType type;
	gboolean optional; /* inputs only: may stay unconnected */
	const char *description;
} SdagPortSpec;

typedef struct {
	const char *name;
	SdagParamType type;
	/* JSON text of the default; NULL makes the param required. */
	const char *default_json;
	/* For INT/DOUBLE: the inclusive range. For POINTS/STRINGS: the
	 * number of items. Ignored unless has_range. */
	gboolean has_range;
	double min;
	double max;
	const char *description;
} SdagParamSpec;

typedef struct {
	const char *name;
	const char *description;
} SdagStateKeySpec;

typedef enum {
	SDAG_FRAME_FORMAT_I420 = 1,
	SDAG_FRAME_FORMAT_NV12,
	SDAG_FRAME_FORMAT_GRAY8,
	SDAG_FRAME_FORMAT_RGB,
	SDAG_FRAME_FORMAT_BGR,
} SdagFrameFormat;

/* For SdagNodeDesc.frame_formats: the formats a node reads, or-ed together. */
#define SDAG_FRAME_FORMAT_BIT(fmt) (1u << (fmt))
#define SDAG_FRAME_FORMATS_KNOWN                          \
	(SDAG_FRAME_FORMAT_BIT(SDAG_FRAME_FORMAT_I420) |  \
	 SDAG_FRAME_FORMAT_BIT(SDAG_FRAME_FORMAT_NV12) |  \
	 SDAG_FRAME_FORMAT_BIT(SDAG_FRAME_FORMAT_GRAY8) | \
	 SDAG_FRAME_FORMAT_BIT(SDAG_FRAME_FORMAT_RGB) |   \
	 SDAG_FRAME_FORMAT_BIT(SDAG_FRAME_FORMAT_BGR))

/* A decoded frame, borrowed for the duration of one process call. */
typedef struct {
	guint32 width;
	guint32 height;
	SdagFrameFormat format;
	const guint8 *planes[4];
	gint strides[4];
	guint64 frame_id;
	gint64 pts_ns;
} SdagFrame;

typedef struct {
	char label[32];
	float score;
	float x, y, w, h; /* pixels, top-left origin */
	gint64 track_id;  /* -1 when the detection is not tracked */
} SdagDetection;

typedef struct {
	char kind[32]; /* "track_new", "track_lost", "enter", "exit", "cross_in", ... */
	char name[64]; /* zone or line name, "" when none */
	char label[32];
	gint64 track_id;
} SdagEvent;

typedef struct {
	char name[64];
	char label[32];
	gint64 value;
} SdagCount;

/**
 * SdagPacket:
 * @type: the port type; SDAG_PORT_NONE for an unconnected optional input
 * @frame: for FRAME and IMAGE ports
 * @items: for DETECTIONS and TRACKS a GArray of SdagDetection, for EVENTS
 *   of SdagEvent, for COUNTS of SdagCount
 *
 * The value on one port for one frame. Output packets are handed to process
 * with @type set and @items allocated empty; the node appends to @items, or
 * for FRAME/IMAGE outputs sets @frame (to an input frame or to memory it owns
 * until the next call).
 */
typedef struct {
	SdagPortType type;
	const SdagFrame *frame;
	GArray *items;
} SdagPacket;

typedef struct {
	guint32 abi_version; /* SDAG_NODE_ABI_VERSION */
	const char *name;    /* the node type, [a-z0-9_]+ */
	const char *version;
	const char *description;
	const SdagPortSpec *inputs;
	guint n_inputs;
	const SdagPortSpec *outputs;
	guint n_outputs;
	const SdagParamSpec *params;
	guint n_params;
	const SdagStateKeySpec *state_keys;
	guint n_state_keys;

	/* Optional: checks across params the schema cannot express (a
	 * polygon that closes, a file that exists). Runs at registration and at
	 * every job start, on the daemon's main loop, so it must not load or
	 * parse files nor touch the network: stat() a file, and read at most its
	 * first 64 KiB to recognise it; load it in init, which runs in the job's
	 * streaming thread. */
	gboolean (*validate)(JsonObject *params, GError **error);
	/* Returns the instance; params are validated and complete. */
	gpointer (*init)(JsonObject *params, GError **error);
	/* inputs: n_inputs packets in port order; outputs: n_outputs. */
	gboolean (*process)(gpointer instance,
			    const SdagPacket *inputs,
			    SdagPacket *outputs,
			    GError **error);
	void (*finalize)(gpointer instance);
	/* Optional, required when n_state_keys > 0: serialise / restore one
	 * declared state key, for checkpoints. */
	GBytes *(*save_state)(gpointer instance, const char *key);
	gboolean (*load_state)(gpointer instance, const char *key, GBytes *data, GError **error);

	/* The formats the node reads on its FRAME and IMAGE inputs, as
	 * SDAG_FRAME_FORMAT_BIT()s; 0 means any. The decoded video is converted
	 * only when it is in none of the formats every node reading it accepts,
	 * and conversion is expensive: a node that reads only luma declares
	 * I420 | NV12 | GRAY8 (the first plane is Y in each). Since ABI 2. */
	guint32 frame_formats;

	/* Optional, since ABI 3: validate and init that also read @settings,
	 * the daemon's settings for nodes (its config's [nodes] group, such as
	 * {"cascade_dirs": ["/usr/share/opencv4/haarcascades"]}; a member may be
	 * missing where no daemon sets it, as in the GStreamer element). Read
	 * only, and valid during the call only. When set, each is called instead
	 * of its plain form, which may then be NULL. */
	gboolean (*validate_with_settings)(JsonObject *params,
					   JsonObject *settings,
					   GError **error);
	gpointer (*init_with_settings)(JsonObject *params, JsonObject *settings, GError **error);
} SdagNodeDesc;

typedef const SdagNodeDesc *(*SdagNodeDescribeFunc)(void);

G_END_DECLS
