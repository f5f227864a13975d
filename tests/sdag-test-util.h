/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

#include "sdag-daemon.h"
#include "sdag-dag.h"
#include "sdag-nodetypes.h"

G_BEGIN_DECLS

/* Adds node types for tests: det (frame -> detections), trk (detections ->
 * tracks, events), merge (detections a, optional b -> detections), needs
 * (a required string param) and ranged (a validate hook: lo <= hi). */
void sdag_test_types_add(SdagNodeTypes *types);

/* Adds node types that do something, for the executor and element tests.
 * Each process() appends its "tag" param to the run log.
 *   tdet      frame -> detections: "count" boxes labelled "label", x = frame
 *             id, y = index; fails on frame "fail_on" (-1: never)
 *   ttrk      detections -> tracks (track id 100 + index), events (a
 *             "start" event on its first frame, a "track" event per box);
 *             state key "seen": frames seen, as decimal text
 *   tmerge    detections a, optional b -> a then b; logs "<tag>:b=none"
 *             when b is unconnected, "<tag>:b=det" otherwise
 *   tluma     frame (I420, NV12, GRAY8 only) -> one "luma" box scored by
 *             the first Y byte / 255
 *   trgb      frame (RGB only) -> one "rgb" box scored by the first R byte
 *   tfailinit frame -> detections; init always fails ("no model file") */
void sdag_test_exec_types_add(SdagNodeTypes *types);

/* The run log (thread-safe): returns and clears it. */
GStrv sdag_test_log_steal(void);
/* Instances initialised and not yet finalised, over all test node types. */
gint sdag_test_live_instances(void);
/* Compiles @json against @types, failing the test on any problem. */
SdagDag *sdag_test_compile(SdagNodeTypes *types, const char *json);

/* A fresh temporary directory, and its recursive removal. */
char *sdag_test_mkdtemp(void);
void sdag_test_rmtree(const char *path);

/* streamdagd as a process ($SDAG_TEST_STREAMDAGD), on a free loopback port read back from
 * its first line; it dies with the test. */
typedef struct {
	GSubprocess *proc;
	char *base; /* http://127.0.0.1:PORT, no final '/' */
	guint16 port;
} SdagTestDaemon;

SdagTestDaemon *
sdag_test_daemon_start(const char *data_dir, const char *plugin_dir, const char *const *extra);
/* The same with @setup run in the child just before exec (async-signal-safe calls only). */
SdagTestDaemon *sdag_test_daemon_start_full(const char *data_dir,
					    const char *plugin_dir,
					    const char *const *extra,
					    GSpawnChildSetupFunc setup,
					    gpointer setup_data);
char *sdag_test_daemon_read_url(GSubprocess *proc);
void sdag_test_daemon_stop(SdagTestDaemon *d, int sig);
void sdag_test_daemon_kill(SdagTestDaemon *d);

/* Runs this thread's default main context for @ms milliseconds, sleeping while idle. */
void sdag_test_spin(guint ms);
/* FALSE for the one upstream critical the tests tolerate (see sdag-test-util.c), TRUE for
 * every other message: the fatal-log handler of the cases added with the function below. */
gboolean sdag_test_log_is_fatal(const char *domain,
				GLogLevelFlags level,
				const char *message,
				gpointer data);
void sdag_test_add_tolerant(const char *path, gconstpointer data, GTestFixtureFunc func);
void sdag_test_warnings_capture(const char *domain, GPtrArray *into);

/* A daemon started on a config file of its own, its log kept in a file. */
typedef struct {
	GSubprocess *proc;
	char *dir;
	char *conf;
	char *err_path;
	char *base; /* NULL until it listens */
	char *listen;
	GStrv env;
	GString *earlier; /* the log of its runs before a restart */
} SdagTestSvc;

SdagTestSvc *sdag_test_svc_spawn(const char *conf, const char *listen, const char *const *env);
SdagTestSvc *sdag_test_svc_start(const char *conf, const char *listen, const char *const *env);
void sdag_test_svc_restart(SdagTestSvc *s, int sig);
void sdag_test_make_clip(const char *path, guint frames, guint width, guint height, guint fps);
void sdag_test_svc_stop(SdagTestSvc *s, int sig);
void sdag_test_svc_respawn(SdagTestSvc *s);
char *sdag_test_svc_log(SdagTestSvc *s);
gboolean sdag_test_svc_wait_log(SdagTestSvc *s, const char *needle, guint ms);
int sdag_test_svc_wait_exit(SdagTestSvc *s);
void sdag_test_svc_free(SdagTestSvc *s);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(SdagTestSvc, sdag_test_svc_free)

/* A CA and a server certificate for 127.0.0.1 and 127.0.0.2, made with openssl. */
typedef struct {
	char *dir; /* holds ca.pem, ca.key, srv.pem, srv.key and the files of more leaves */
	char *ca;
	char *cert;
	char *key;
} SdagTestPki;

SdagTestPki *sdag_test_pki_new(void);
void sdag_test_pki_leaf(SdagTestPki *pki, const char *name, const char *serial);
void sdag_test_pki_free(SdagTestPki *pki);

/* An in-process daemon of @cfg (taken) with the test node plugins loaded too; *base is set to
 * its http://127.0.0.1:PORT. Fails the test when it cannot start. */
SdagDaemon *sdag_test_daemon_open(SdagConfig *cfg, char **base);
/* Frees it (nullable), then runs what its teardown left on the main context. */
void sdag_test_daemon_close(SdagDaemon *daemon);
/* A TCP port on 127.0.0.1 that was free a moment ago (bound, read back, released). */
guint16 sdag_test_free_port(void);
/* TRUE for a job status no job leaves: completed, failed or cancelled. */
gboolean sdag_test_job_is_terminal(const char *status);
/* Runs the gst-launch style @description (ending in a sink) to EOS, failing the test on a
 * parse error, a pipeline error or no EOS within 60 s: how tests make their small clips. */
void sdag_test_gst_launch(const char *description);
/* Resets this process's peak RSS (VmHWM) to its current RSS, where the kernel allows.
 * Returns: the current RSS in kB, or 0 when the peak could not be reset */
guint64 sdag_test_peak_rss_reset(void);
/* Returns: this process's peak RSS (VmHWM) in kB, 0 when it cannot be read */
guint64 sdag_test_peak_rss(void);

G_END_DECLS
