/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A libsoup client for tests of a server running on this thread's main
 * context: each call drives the context until the answer is in.
 */
#pragma once

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

G_BEGIN_DECLS

typedef struct {
	guint status;
	GBytes *body;
	char *text;
	char *allow;
	char *ctype;
	char *location;
	JsonNode *json; /* NULL when the body is empty or not JSON */
} SdagTestReply;

void sdag_test_reply_free(SdagTestReply *r);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(SdagTestReply, sdag_test_reply_free)

SdagTestReply *sdag_test_http_msg(SoupSession *session, SoupMessage *msg);
SdagTestReply *sdag_test_http(SoupSession *session,
			      const char *base,
			      const char *method,
			      const char *path,
			      const char *ctype,
			      const char *body,
			      gssize len);
const char *sdag_test_reply_error_code(SdagTestReply *r);
void sdag_test_assert_error(SdagTestReply *r, guint status, const char *code);
JsonObject *sdag_test_reply_object(SdagTestReply *r);

/* GET @path that must answer 200 with a JSON body (the test fails otherwise).
 * Returns: (transfer full): the body */
JsonNode *sdag_test_http_get_json(SoupSession *session, const char *base, const char *path);
/* Every frame row of job @id, walking /jobs/{id}/frames by from/next_from, @page rows a
 * request; each page must answer 200 with at most @page rows.
 * Returns: (transfer full): the rows, in order */
JsonArray *sdag_test_job_frames(SoupSession *session, const char *base, const char *id, guint page);

G_END_DECLS
