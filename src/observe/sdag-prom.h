/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
	SDAG_PROM_COUNTER,
	SDAG_PROM_GAUGE,
	SDAG_PROM_HISTOGRAM,
} SdagPromType;

typedef struct _SdagProm SdagProm;

/* Called on the scraping (main) context before each exposition, to set gauges. */
typedef void (*SdagPromCollectFunc)(SdagProm *prom, gpointer user_data);

SdagProm *sdag_prom_new(void);
void sdag_prom_free(SdagProm *self);
/* @labels: (nullable): name, value, name, value, ..., NULL. Thread-safe. */
void sdag_prom_add(SdagProm *self, const char *name, const char *const *labels, double value);
void sdag_prom_set(SdagProm *self, const char *name, const char *const *labels, double value);
void sdag_prom_observe(SdagProm *self, const char *name, const char *const *labels, double value);
void sdag_prom_add_collector(SdagProm *self, SdagPromCollectFunc func, gpointer user_data);
char *sdag_prom_render(SdagProm *self);

/* For the modules that feed series of their own (MQTT). Thread-safe. */
void sdag_prom_mqtt_set_outbox_depth(SdagProm *self, guint64 messages);
void sdag_prom_mqtt_publish_failed(SdagProm *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(SdagProm, sdag_prom_free)

G_END_DECLS
