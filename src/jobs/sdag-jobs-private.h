/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * What the files of the job manager share: sdag-jobs.c, -schedule.c, -recover.c,
 * -submit.c and -query.c. Not for other modules.
 */
#pragma once

#include "sdag-jobs.h"

#include <string.h>

#include "sdag-error.h"
#include "sdag-index.h"
#include "sdag-jobcache.h"
#include "sdag-jobindex.h"
#include "sdag-jobopts.h"
#include "sdag-json.h"
#include "sdag-decode.h"
#include "sdag-live.h"
#include "sdag-mqtt-config.h"
#include "sdag-quarantine.h"
#include "sdag-redact.h"
#include "sdag-results.h"
#include "sdag-runner.h"
#include "sdag-snapshot.h"
#include "sdag-source.h"
#include "sdag-worker.h"

G_BEGIN_DECLS

/*
 * The job manager: validate → persist → FIFO queue → worker slots.
 *
 * State machine. A job's status changes only through sdag_jobs_set_status(),
 * which checks sdag_job_status_can_change() and writes the record and its
 * index keys in one synced batch before the change is visible anywhere:
 *
 *   queued  → running | cancelled | failed (could not start)
 *   running → completed | failed | cancelled | queued (requeued after an
 *             interruption, when the job asked for it)
 *
 * completed, failed and cancelled are terminal: nothing leaves them, and no
 * route writes a terminal job's record, frames or results again (only DELETE
 * removes them, all at once).
 *
 * Key layout (job_index family; seq is the submission number, 64-bit
 * big-endian, so that byte order is submission order):
 *
 *   meta/seq                    last seq handed out
 *   s/<status>/<seq>            -> job id: one key per job, under its status;
 *                                  s/queued/ in key order is the FIFO queue
 *   t/<~seq>                    -> job id: every job, newest first
 *
 * and the keys of sdag-jobindex.c (by pipeline, pipeline and status, creation
 * time), written in the same batches.
 *
 * The jobs family maps the job id to its record (JSON); results and metrics
 * map it to the frozen summary and node timings; frames are keyed by
 * sdag-results.
 *
 * Memory holds only the active jobs (queued and running); terminal ones are
 * read from the store when asked. Everything here runs on the main context.
 *
 * Live jobs (rtsp, rtmp sources; sdag-live.c) share the queue but have their
 * own slots ([live] max_live_jobs), and a daemon stop does not interrupt
 * them: they stay running on disk and resume from their checkpoint at the
 * next start, with resumed_at set.
 */

#define SDAG_JOBS_SEQ_KEY "meta/seq"

typedef struct _SdagJob SdagJob;

struct _SdagJobs {
	SdagStore *store;	/* borrowed */
	SdagRegistry *registry; /* borrowed */
	SdagNodeTypes *types;	/* borrowed */
	SdagSourcePolicy policy;
	guint max_running;
	guint max_batch; /* job requests in one sdag_jobs_submit_batch() */
	guint start_timeout_s;
	guint max_attempts;
	guint64 max_frame_pixels;
	guint decoder_threads; /* [jobs] decoder_threads; 0: auto */
	/* "pipeline/stride/decode" of the jobs whose analysis thread was busy a fifth of their
	 * time or more: their next jobs leave it a core (sdag_decode_threads_split()) */
	GHashTable *busy_analysis;
	const SdagLiveConfig *live_config; /* borrowed from the daemon's config */
	guint max_live;
	guint n_live;
	guint64 last_seq;
	GHashTable *active; /* job id -> SdagJob, queued and running */
	GQueue queue;	    /* SdagJob, queued, by seq */
	guint n_running;
	guint schedule_id;
	/* while the store is full: jobs whose end is not on disk yet, queued jobs that could
	 * not start; retried each second */
	guint retry_id;
	gboolean start_stalled;
	gboolean closing;    /* no job starts any more */
	GArray *listeners;   /* SdagJobsListenerEntry; fixed while any job runs */
	SdagJobCache *cache; /* answers of terminal jobs, see sdag_jobs_get_text() */
	/* jobs in the store by status: counted once at start-up, then moved with every
	 * status key written, so a scrape does not walk the index */
	guint64 n_by_status[SDAG_JOB_N_STATUSES];
};

typedef struct {
	SdagJobsListener vtable;
	gpointer user_data;
} SdagJobsListenerEntry;

struct _SdagJob {
	SdagJobs *jobs;
	char *id;
	guint64 seq;
	SdagJobStatus status;
	JsonObject *record;
	SdagRunner *worker; /* sdag-worker.c for files, sdag-live.c for live sources */
	gboolean live;	    /* its source is rtsp or rtmp */
	gint64 started_mono;
	GSList *waiters; /* SdagJobsWaiter: cancels answered when the job has stopped */
	/* Ended while the store was full: the job stays here, answering with its end
	 * (end_to, the record's status member), until sdag_jobs_write_end() lands. */
	gboolean unsaved;
	SdagJobStatus end_to;
	JsonNode *end_summary;
	JsonNode *end_metrics; /* nullable */
};

typedef struct {
	SdagJobsReplyFunc func;
	gpointer user_data;
} SdagJobsWaiter;

void sdag_jobs_batch_put_json(SdagStoreBatch *batch,
			      SdagStoreFamily family,
			      const char *key,
			      JsonNode *value);
void sdag_jobs_batch_put_record(SdagStoreBatch *batch, const char *job_id, JsonObject *record);
char *sdag_jobs_now(void);
JsonObject *sdag_jobs_load_record(SdagJobs *self, const char *job_id, GError **error);
JsonNode *sdag_jobs_load_json(SdagJobs *self, SdagStoreFamily family, const char *job_id);
SdagJobStatus sdag_jobs_record_status(JsonObject *record);
void sdag_job_free(SdagJob *job);
SdagJob *sdag_job_new(SdagJobs *self, JsonObject *record);
gboolean sdag_jobs_set_status(SdagJobs *self,
			      SdagJob *job,
			      SdagJobStatus to,
			      SdagStoreBatch *extra,
			      GError **error);
void sdag_jobs_set_error_member(JsonObject *record, const char *code, const char *message);
void sdag_jobs_add_live(SdagJob *job, JsonObject *out);
JsonNode *
sdag_jobs_public_json(JsonObject *record, SdagJob *live, gboolean full, JsonNode *summary);
JsonNode *sdag_jobs_job_json(SdagJobs *self, SdagJob *job);
void sdag_jobs_notify_status(SdagJobs *self, SdagJob *job);
void sdag_jobs_source_cb(SdagRunner *worker, gpointer user_data);
void sdag_jobs_frame_cb(SdagRunner *worker, const SdagFrameResult *result, gpointer user_data);
void sdag_jobs_answer_waiters(SdagJobs *self, SdagJob *job);
void sdag_jobs_schedule(SdagJobs *self);
void sdag_jobs_interrupt(SdagJobs *self, SdagJob *job, JsonNode *summary);
gboolean sdag_jobs_count_statuses(SdagJobs *self, GError **error);
gboolean sdag_jobs_recover(SdagJobs *self, GError **error);
gboolean
sdag_jobs_lookup_status(SdagJobs *self, const char *job_id, SdagJobStatus *status, GError **error);

G_END_DECLS
