/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "sdag-dag.h"
#include "sdag-runner.h"
#include "sdag-store.h"

G_BEGIN_DECLS

/* The file runner: a file or an http(s) URL, one pipeline that runs to its end. */
SdagRunner *sdag_worker_new(SdagStore *store,
			    const char *job_id,
			    const char *uri,
			    SdagDag *dag,
			    const SdagRunnerOptions *options,
			    SdagRunnerDoneFunc done,
			    gpointer user_data);

G_END_DECLS
