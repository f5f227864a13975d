/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/base/gstbasetransform.h>

#include "sdag-exec.h"

G_BEGIN_DECLS

#define SDAG_TYPE_ELEMENT (sdag_element_get_type())
G_DECLARE_FINAL_TYPE(SdagElement, sdag_element, SDAG, ELEMENT, GstBaseTransform)

/*
 * Called on the streaming thread for every processed frame. It must not block on the main
 * loop: copy what it needs and return. @result is valid only during the call.
 */
typedef void (*SdagElementResultFunc)(SdagElement *element,
				      const SdagFrameResult *result,
				      gpointer user_data);

gboolean sdag_element_register(GstPlugin *plugin);
void sdag_element_set_dag(SdagElement *self, SdagDag *dag);
void sdag_element_set_resume_state(SdagElement *self, JsonNode *state);
void sdag_element_set_result_func(SdagElement *self,
				  SdagElementResultFunc func,
				  gpointer user_data,
				  GDestroyNotify notify);
void sdag_element_get_counts(SdagElement *self, guint64 *frames_decoded, guint64 *frames_processed);
guint64 sdag_element_get_next_frame_id(SdagElement *self);
gint64 sdag_element_get_thread_cpu_ns(SdagElement *self);
SdagExec *sdag_element_get_exec(SdagElement *self);

G_END_DECLS
