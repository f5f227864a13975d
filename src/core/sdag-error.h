/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define SDAG_ERROR (sdag_error_quark())

/**
 * SdagError:
 *
 * The one error domain of streamdag. Each code maps, through one table in
 * sdag-error.c, to an HTTP status and to the stable `error.code` string of
 * the REST API, so a module never chooses a status by itself.
 */
typedef enum {
	SDAG_ERROR_INTERNAL,
	SDAG_ERROR_BAD_REQUEST,
	SDAG_ERROR_BAD_JSON,
	SDAG_ERROR_INVALID_PIPELINE,
	SDAG_ERROR_NOT_FOUND,
	SDAG_ERROR_ROUTE_NOT_FOUND,
	SDAG_ERROR_METHOD_NOT_ALLOWED,
	SDAG_ERROR_CONFLICT,
	SDAG_ERROR_PAYLOAD_TOO_LARGE,
	SDAG_ERROR_UNSUPPORTED_MEDIA_TYPE,
	SDAG_ERROR_STORE,
	SDAG_ERROR_CONFIG,
	SDAG_ERROR_PLUGIN,
	SDAG_ERROR_BAD_OPTION,
	SDAG_ERROR_BAD_CURSOR,
	SDAG_ERROR_UNSUPPORTED_SOURCE,
	SDAG_ERROR_SOURCE_FORBIDDEN,
	SDAG_ERROR_PIPELINE_NOT_FOUND,
	SDAG_ERROR_JOB_NOT_FOUND,
	SDAG_ERROR_JOB_TERMINAL,
	SDAG_ERROR_JOB_NOT_TERMINAL,
	SDAG_ERROR_BAD_IMAGE,
	SDAG_ERROR_SNAPSHOT_NOT_FOUND,
	SDAG_ERROR_BAD_STATUS,
	SDAG_ERROR_BAD_TIME,
	SDAG_ERROR_STORAGE_FULL,
	SDAG_ERROR_TOO_MANY_CONNECTIONS,
	SDAG_ERROR_FRAME_TOO_LARGE,
	SDAG_ERROR_LAST
} SdagError;

GQuark sdag_error_quark(void);
const char *sdag_error_code_to_string(SdagError code);
guint sdag_error_code_to_http_status(SdagError code);

G_END_DECLS
