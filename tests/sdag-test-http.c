/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "sdag-test-http.h"

#include <string.h>

#include "sdag-json.h"

void
sdag_test_reply_free(SdagTestReply *r)
{
	g_bytes_unref(r->body);
	g_free(r->text);
	g_free(r->allow);
	g_free(r->ctype);
	g_free(r->location);
	if (r->json != NULL)
		json_node_unref(r->json);
	g_free(r);
}

typedef struct {
	GBytes *body;
	GError *error;
	gboolean done;
} SendCtx;

static void
send_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	SendCtx *ctx = user_data;
	ctx->body = soup_session_send_and_read_finish(SOUP_SESSION(source), res, &ctx->error);
	ctx->done = TRUE;
}

/* The server runs on this thread's main context, so the client is driven
 * asynchronously on the same context. */
SdagTestReply *
sdag_test_http_msg(SoupSession *session, SoupMessage *msg)
{
	SendCtx ctx = {0};
	SdagTestReply *r = g_new0(SdagTestReply, 1);
	SoupMessageHeaders *hdrs;
	gsize len = 0;
	const char *data;

	soup_session_send_and_read_async(session, msg, G_PRIORITY_DEFAULT, NULL, send_cb, &ctx);
	while (!ctx.done)
		g_main_context_iteration(NULL, TRUE);
	g_assert_no_error(ctx.error);
	hdrs = soup_message_get_response_headers(msg);
	r->status = soup_message_get_status(msg);
	r->body = ctx.body;
	data = g_bytes_get_data(r->body, &len);
	r->text = g_strndup(data, len);
	r->allow = g_strdup(soup_message_headers_get_one(hdrs, "Allow"));
	r->location = g_strdup(soup_message_headers_get_one(hdrs, "Location"));
	r->ctype = g_strdup(soup_message_headers_get_content_type(hdrs, NULL));
	if (len > 0)
		r->json = sdag_json_parse(data, len, NULL);
	return r;
}

SdagTestReply *
sdag_test_http(SoupSession *session,
	       const char *base,
	       const char *method,
	       const char *path,
	       const char *ctype,
	       const char *body,
	       gssize len)
{
	g_autofree char *uri = g_strconcat(base, path, NULL);
	g_autoptr(SoupMessage) msg = soup_message_new(method, uri);

	g_assert_nonnull(msg);
	if (body != NULL) {
		g_autoptr(GBytes) b = g_bytes_new(body, len < 0 ? strlen(body) : (gsize)len);
		soup_message_set_request_body_from_bytes(msg, ctype, b);
	}
	return sdag_test_http_msg(session, msg);
}

/* The error code of an error answer, checking the documented shape on the way. */
const char *
sdag_test_reply_error_code(SdagTestReply *r)
{
	JsonObject *err;

	g_assert_nonnull(r->json);
	err = json_object_get_object_member(json_node_get_object(r->json), "error");
	g_assert_nonnull(err);
	/* the documented shape: code, message, details */
	g_assert_true(json_object_has_member(err, "details"));
	g_assert_cmpstr(json_object_get_string_member(err, "message"), !=, "");
	return json_object_get_string_member(err, "code");
}

void
sdag_test_assert_error(SdagTestReply *r, guint status, const char *code)
{
	if (r->status != status)
		g_error("expected %u, got %u: %s", status, r->status, r->text);
	g_assert_cmpstr(r->ctype, ==, "application/json");
	g_assert_cmpstr(sdag_test_reply_error_code(r), ==, code);
}

JsonObject *
sdag_test_reply_object(SdagTestReply *r)
{
	if (r->json == NULL || !JSON_NODE_HOLDS_OBJECT(r->json))
		g_error("expected a JSON object, got %u: %s", r->status, r->text);
	return json_node_get_object(r->json);
}

JsonNode *
sdag_test_http_get_json(SoupSession *session, const char *base, const char *path)
{
	g_autoptr(SdagTestReply) r = sdag_test_http(session, base, "GET", path, NULL, NULL, -1);

	if (r->status != 200 || r->json == NULL)
		g_error("GET %s: %u %s", path, r->status, r->text);
	return json_node_ref(r->json);
}

JsonArray *
sdag_test_job_frames(SoupSession *session, const char *base, const char *id, guint page)
{
	JsonArray *frames = json_array_new();
	gint64 from = 0;

	for (;;) {
		g_autofree char *path = g_strdup_printf(
		    "/jobs/%s/frames?from=%" G_GINT64_FORMAT "&limit=%u", id, from, page);
		g_autoptr(SdagTestReply) r =
		    sdag_test_http(session, base, "GET", path, NULL, NULL, -1);
		JsonObject *o = sdag_test_reply_object(r);
		JsonArray *got = json_object_get_array_member(o, "frames");

		g_assert_cmpuint(r->status, ==, 200);
		g_assert_cmpuint(json_array_get_length(got), <=, page);
		for (guint i = 0; i < json_array_get_length(got); i++)
			json_array_add_element(frames,
					       json_node_copy(json_array_get_element(got, i)));
		if (json_object_get_null_member(o, "next_from"))
			return frames;
		from = json_object_get_int_member(o, "next_from");
	}
}
