/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

#include "sdag-config.h"

G_BEGIN_DECLS

gboolean sdag_tls_load_certificate(const SdagConfig *config, GTlsCertificate **out, GError **error);

G_END_DECLS
