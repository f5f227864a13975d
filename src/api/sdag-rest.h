/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "sdag-daemon.h"

G_BEGIN_DECLS

SdagRest *sdag_rest_new(SdagDaemon *daemon, GError **error);
void sdag_rest_free(SdagRest *self);
guint16 sdag_rest_get_port(SdagRest *self);

G_END_DECLS
