/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

gboolean sdag_topic_check_level(const char *level, gssize len, GError **error);
gboolean sdag_topic_check(const char *topic, GError **error);

G_END_DECLS
