/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "sdag-error.h"

/* clang-format off */
G_DEFINE_QUARK(sdag-error-quark, sdag_error)
/* clang-format on */

/* The API contract: these strings and statuses are documented in docs/api.md
 * and must never change meaning once released. */
static const struct {
	const char *code;
	guint status;
} sdag_error_table[SDAG_ERROR_LAST] = {
    [SDAG_ERROR_INTERNAL] = {"internal", 500},
    [SDAG_ERROR_BAD_REQUEST] = {"bad_request", 400},
    [SDAG_ERROR_BAD_JSON] = {"bad_json", 400},
    [SDAG_ERROR_INVALID_PIPELINE] = {"invalid_pipeline", 400},
    [SDAG_ERROR_NOT_FOUND] = {"not_found", 404},
    [SDAG_ERROR_ROUTE_NOT_FOUND] = {"route_not_found", 404},
    [SDAG_ERROR_METHOD_NOT_ALLOWED] = {"method_not_allowed", 405},
    [SDAG_ERROR_CONFLICT] = {"conflict", 409},
    [SDAG_ERROR_PAYLOAD_TOO_LARGE] = {"payload_too_large", 413},
    [SDAG_ERROR_UNSUPPORTED_MEDIA_TYPE] = {"unsupported_media_type", 415},
    [SDAG_ERROR_STORE] = {"store_error", 500},
    [SDAG_ERROR_CONFIG] = {"config_error", 500},
    [SDAG_ERROR_PLUGIN] = {"plugin_error", 500},
    [SDAG_ERROR_BAD_OPTION] = {"bad_option", 400},
    [SDAG_ERROR_BAD_CURSOR] = {"bad_cursor", 400},
    [SDAG_ERROR_UNSUPPORTED_SOURCE] = {"unsupported_source", 400},
    [SDAG_ERROR_SOURCE_FORBIDDEN] = {"source_forbidden", 403},
    [SDAG_ERROR_PIPELINE_NOT_FOUND] = {"pipeline_not_found", 404},
    [SDAG_ERROR_JOB_NOT_FOUND] = {"job_not_found", 404},
    [SDAG_ERROR_JOB_TERMINAL] = {"job_terminal", 409},
    [SDAG_ERROR_JOB_NOT_TERMINAL] = {"job_not_terminal", 409},
    [SDAG_ERROR_BAD_IMAGE] = {"bad_image", 400},
    [SDAG_ERROR_SNAPSHOT_NOT_FOUND] = {"snapshot_not_found", 404},
    [SDAG_ERROR_BAD_STATUS] = {"bad_status", 400},
    [SDAG_ERROR_BAD_TIME] = {"bad_time", 400},
    [SDAG_ERROR_STORAGE_FULL] = {"storage_full", 507},
    [SDAG_ERROR_TOO_MANY_CONNECTIONS] = {"too_many_connections", 503},
    [SDAG_ERROR_FRAME_TOO_LARGE] = {"frame_too_large", 400},
    [SDAG_ERROR_UNAUTHORIZED] = {"unauthorized", 401},
    [SDAG_ERROR_INSUFFICIENT_SCOPE] = {"insufficient_scope", 403},
    [SDAG_ERROR_RATE_LIMITED] = {"rate_limited", 429},
    [SDAG_ERROR_ORIGIN_FORBIDDEN] = {"origin_forbidden", 403},
    [SDAG_ERROR_CAMERA_NOT_FOUND] = {"camera_not_found", 404},
    [SDAG_ERROR_CAMERA_FROM_CONFIG] = {"camera_from_config", 409},
    [SDAG_ERROR_INVALID_BATCH] = {"invalid_batch", 422},
    [SDAG_ERROR_BATCH_TOO_LARGE] = {"batch_too_large", 413},
};

const char *
sdag_error_code_to_string(SdagError code)
{
	if ((guint)code >= SDAG_ERROR_LAST)
		return "internal";
	return sdag_error_table[code].code;
}

guint
sdag_error_code_to_http_status(SdagError code)
{
	if ((guint)code >= SDAG_ERROR_LAST)
		return 500;
	return sdag_error_table[code].status;
}
