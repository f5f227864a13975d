/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* Where Home Assistant says it (re)started: "online" asks for every config again. */
char *sdag_hass_status_topic(const char *prefix);
JsonNode *sdag_hass_job_status_config(const char *prefix,
				      const char *root,
				      const char *device_id,
				      const char *job_id,
				      char **topic);
JsonNode *sdag_hass_count_config(const char *prefix,
				 const char *root,
				 const char *device_id,
				 const char *job_id,
				 const char *count_topic,
				 char **topic);

G_END_DECLS
