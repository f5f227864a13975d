/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * What the files of streamdagctl share: sdag-ctl.c (the options, the HTTP helper, the
 * pipelines and jobs commands), sdag-ctl-batch.c (jobs submit-batch), sdag-ctl-cameras.c,
 * sdag-ctl-admin.c, sdag-ctl-events.c (the WebSocket feeds) and sdag-ctl-inspect.c (what a
 * job or a pipeline measured: frames, metrics, stats, history). Not for other programs.
 */
#pragma once

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

G_BEGIN_DECLS

typedef struct {
	SoupSession *session;
	char *base;
	char *token;   /* the API token's secret, NULL for none; never printed */
	gboolean json; /* --json: every answer printed as the daemon sent it */
	gboolean tty;  /* standard output is a terminal */
} SdagCtl;

/* exit codes: 0 success, 1 the API refused, 2 usage or connection problem */
enum { SDAG_CTL_OK, SDAG_CTL_REFUSED, SDAG_CTL_FAILED };

typedef struct {
	guint status; /* HTTP status */
	GBytes *body;
	JsonNode *root; /* the body parsed, NULL when empty or not JSON */
} SdagCtlReply;

/* The options of a job request (jobs submit, jobs submit-batch); each "unset" until given. */
typedef struct {
	gint stride;	   /* 0: unset */
	gint64 max_frames; /* -1: unset */
	gboolean requeue;
	const char *decode; /* NULL: unset; else all, reference or keyframes */
	gboolean partial;   /* submit-batch: store the valid requests even if some are refused */
	JsonObject *extra;  /* --live KEY=VALUE: more job options, by name; NULL: none */
	JsonObject *mqtt;   /* --mqtt KEY=VALUE: options.mqtt; NULL: none */
} SdagCtlSubmitOpts;

/* The filters and pages of the read commands; each NULL (0) until given. */
typedef struct {
	gint limit;
	const char *cursor;
	const char *since;
	const char *until;
	const char *pipeline;
	const char *status;
	const char *camera;
	const char *source;
	const char *actor;
	const char *action;
} SdagCtlQuery;

/* Called with each message of a WebSocket feed, as it came. */
typedef void (*SdagCtlEventFunc)(GBytes *message, gpointer user_data);

void sdag_ctl_reply_clear(SdagCtlReply *reply);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(SdagCtlReply, sdag_ctl_reply_clear)

void sdag_ctl_print_body(GBytes *body, gboolean to_stderr);
void sdag_ctl_print_raw(GBytes *body);
int sdag_ctl_send_typed(SdagCtl *ctl,
			const char *method,
			const char *path,
			GBytes *body,
			const char *content_type,
			SdagCtlReply *reply);
int sdag_ctl_send(SdagCtl *ctl,
		  const char *method,
		  const char *path,
		  GBytes *body,
		  SdagCtlReply *reply);
gboolean sdag_ctl_reply_ok(const SdagCtlReply *reply);
int sdag_ctl_refused(SdagCtl *ctl,
		     const char *method,
		     const char *path,
		     const char *label,
		     const SdagCtlReply *reply,
		     gboolean whole_body);
int sdag_ctl_request(SdagCtl *ctl,
		     const char *method,
		     const char *path,
		     GBytes *body,
		     const char *label);
char *sdag_ctl_text(JsonObject *obj, const char *name);
JsonObject *sdag_ctl_root_object(const SdagCtlReply *reply);
int sdag_ctl_unexpected(const char *method, const char *path);
void sdag_ctl_print_fields(JsonObject *obj, const char *indent, guint width);

JsonObject *sdag_ctl_obj(JsonObject *obj, const char *name);
JsonArray *sdag_ctl_array(JsonObject *obj, const char *name);
gboolean sdag_ctl_num(JsonObject *obj, const char *name, double *out);
gboolean sdag_ctl_status_is_terminal(const char *status);
char *sdag_ctl_source_url(const char *arg, GError **error);
void sdag_ctl_add_submit_options(JsonBuilder *b, const SdagCtlSubmitOpts *opts);
void sdag_ctl_watch_sigint(int sig);

int sdag_ctl_jobs_submit_batch(SdagCtl *ctl,
			       int argc,
			       char **args,
			       const char *pipeline,
			       const SdagCtlSubmitOpts *opts);
char *sdag_ctl_query_path(const char *path, const SdagCtlQuery *q, const char *page_param);
int sdag_ctl_save_binary(SdagCtl *ctl, const char *path, const char *command, const char *name);

/* Follows the WebSocket at @path until the daemon closes it (or Ctrl-C for a tail); SDAG_CTL_OK
 * once it was open. Otherwise *@refused_status is the handshake's HTTP status (0: no answer)
 * and *@reason says why. */
int sdag_ctl_events_follow(SdagCtl *ctl,
			   const char *path,
			   SdagCtlEventFunc func,
			   gpointer user_data,
			   guint *refused_status,
			   char **reason);
int sdag_ctl_events_tail(SdagCtl *ctl, const char *path);

int sdag_ctl_jobs_frames(SdagCtl *ctl, const char *id, const SdagCtlQuery *q);
int sdag_ctl_jobs_metrics(SdagCtl *ctl, const char *id);
int sdag_ctl_pipelines_stats(SdagCtl *ctl, const char *id, const SdagCtlQuery *q);
int sdag_ctl_pipelines_validate(SdagCtl *ctl, int argc, char **files);
int sdag_ctl_pipelines_run(SdagCtl *ctl, const char *id, const char *image);
int sdag_ctl_history(SdagCtl *ctl, const SdagCtlQuery *q);
int sdag_ctl_node_types(SdagCtl *ctl);
int sdag_ctl_pipelines_list(SdagCtl *ctl);
int sdag_ctl_prometheus(SdagCtl *ctl);
int sdag_ctl_cameras(SdagCtl *ctl, int argc, char **argv);
int sdag_ctl_admin(SdagCtl *ctl, int argc, char **argv);
int sdag_ctl_jobs_prune(SdagCtl *ctl,
			const char *before,
			char **statuses,
			const char *pipeline,
			gboolean dry_run);

G_END_DECLS
