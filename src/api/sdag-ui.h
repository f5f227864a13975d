/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The dashboard's files (data/ui/, embedded in the binary) and the headers they are served
 * with. The files hold no data: every figure they show comes from the API, with the token the
 * operator gives the page (docs/dashboard.md).
 */
#pragma once

#include <libsoup/soup.h>

G_BEGIN_DECLS

/* The routes of the dashboard in the route table: public static GETs, not API operations,
 * hence absent from openapi.json (its tests leave them out by these names) */
#define SDAG_UI_ROUTE_PAGE "/"
#define SDAG_UI_ROUTE_ASSET "/ui/*"

GBytes *sdag_ui_lookup(const char *name, const char **content_type, GError **error);
void sdag_ui_set_headers(SoupMessageHeaders *headers);

G_END_DECLS
