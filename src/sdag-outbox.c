/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "sdag-outbox"

#include "sdag-outbox.h"

#include <json-glib/json-glib.h>
#include <string.h>

#include "sdag-error.h"
#include "sdag-json.h"

/*
 * The durable outbox: MQTT messages that must reach the broker (status, events, counts) are
 * written here before they are handed to the client, and removed when the broker has
 * acknowledged them. After a reconnect or a restart whatever is left is sent again, in the
 * order written.
 *
 * Keys in the `outbox` family: "m" + big-endian u64 id → JSON {"topic", "qos", "retain",
 * "expiry_s", "payload"}. Ids grow from 1; the next id is one past the largest found at open,
 * so a restart continues the order. Writes are not synced: a crash of the process loses
 * none, a crash of the machine may lose the last ones (the store's rule for such rows).
 * Other prefixes of the family belong to the feed (its open tracks).
 *
 * Main context only. add/remove O(log n); read O(log n + k).
 */

#define SDAG_OUTBOX_PREFIX 'm'

struct _SdagOutbox {
	SdagStore *store; /* borrowed */
	guint64 next_id;
	guint64 depth;
};

void
sdag_outbox_msg_free(SdagOutboxMsg *msg)
{
	if (msg == NULL)
		return;
	g_free(msg->topic);
	g_free(msg->payload);
	g_free(msg);
}

static void
sdag_outbox_key(guint64 id, guint8 key[9])
{
	guint64 be = GUINT64_TO_BE(id);

	key[0] = SDAG_OUTBOX_PREFIX;
	memcpy(key + 1, &be, sizeof(be));
}

static gboolean
sdag_outbox_count_cb(const guint8 *key,
		     gsize key_len,
		     const guint8 *value,
		     gsize value_len,
		     gpointer user_data)
{
	SdagOutbox *self = user_data;
	guint64 be = 0;

	if (key_len != 9)
		return TRUE;
	memcpy(&be, key + 1, sizeof(be));
	self->next_id = MAX(self->next_id, GUINT64_FROM_BE(be) + 1);
	self->depth++;
	return TRUE;
}

/**
 * sdag_outbox_new:
 *
 * Opens the outbox over @store, counting what a previous run left.
 */
SdagOutbox *
sdag_outbox_new(SdagStore *store, GError **error)
{
	g_autoptr(SdagOutbox) self = g_new0(SdagOutbox, 1);
	const guint8 prefix = SDAG_OUTBOX_PREFIX;

	self->store = store;
	self->next_id = 1;
	if (!sdag_store_iter_prefix(
		store, SDAG_STORE_OUTBOX, &prefix, 1, sdag_outbox_count_cb, self, error))
		return NULL;
	return g_steal_pointer(&self);
}

void
sdag_outbox_free(SdagOutbox *self)
{
	g_free(self);
}

/**
 * sdag_outbox_add:
 *
 * Returns: the message's id, or 0 with @error set
 */
guint64
sdag_outbox_add(SdagOutbox *self,
		const char *topic,
		const char *payload,
		guint qos,
		gboolean retain,
		guint expiry_s,
		GError **error)
{
	g_autoptr(JsonBuilder) b = json_builder_new_immutable();
	g_autoptr(JsonNode) node = NULL;
	g_autofree char *text = NULL;
	guint8 key[9];
	guint64 id = self->next_id;

	json_builder_begin_object(b);
	json_builder_set_member_name(b, "topic");
	json_builder_add_string_value(b, topic);
	json_builder_set_member_name(b, "qos");
	json_builder_add_int_value(b, qos);
	json_builder_set_member_name(b, "retain");
	json_builder_add_boolean_value(b, retain);
	json_builder_set_member_name(b, "expiry_s");
	json_builder_add_int_value(b, expiry_s);
	json_builder_set_member_name(b, "payload");
	json_builder_add_string_value(b, payload);
	json_builder_end_object(b);
	node = json_builder_get_root(b);
	text = sdag_json_to_string(node);
	sdag_outbox_key(id, key);
	if (!sdag_store_put(self->store,
			    SDAG_STORE_OUTBOX,
			    key,
			    sizeof(key),
			    (const guint8 *)text,
			    strlen(text),
			    FALSE,
			    error))
		return 0;
	self->next_id++;
	self->depth++;
	return id;
}

gboolean
sdag_outbox_remove(SdagOutbox *self, guint64 id, GError **error)
{
	guint8 key[9];
	g_autoptr(GBytes) old = NULL;

	sdag_outbox_key(id, key);
	/* an acknowledgement may come twice (a resend after a reconnect): count once */
	old = sdag_store_get(self->store, SDAG_STORE_OUTBOX, key, sizeof(key), NULL);
	if (old == NULL)
		return TRUE;
	if (!sdag_store_delete(self->store, SDAG_STORE_OUTBOX, key, sizeof(key), FALSE, error))
		return FALSE;
	self->depth--;
	return TRUE;
}

guint64
sdag_outbox_get_depth(SdagOutbox *self)
{
	return self->depth;
}

typedef struct {
	GPtrArray *out;
	guint max;
} SdagOutboxRead;

static gboolean
sdag_outbox_read_cb(const guint8 *key,
		    gsize key_len,
		    const guint8 *value,
		    gsize value_len,
		    gpointer user_data)
{
	SdagOutboxRead *r = user_data;
	g_autoptr(JsonNode) node = NULL;
	SdagOutboxMsg *msg;
	JsonObject *o;
	guint64 be = 0;

	if (key_len != 9)
		return TRUE;
	node = sdag_json_parse((const char *)value, (gssize)value_len, NULL);
	if (node == NULL || !JSON_NODE_HOLDS_OBJECT(node)) {
		g_warning("outbox: unreadable message skipped");
		return TRUE;
	}
	o = json_node_get_object(node);
	memcpy(&be, key + 1, sizeof(be));
	msg = g_new0(SdagOutboxMsg, 1);
	msg->id = GUINT64_FROM_BE(be);
	msg->topic = g_strdup(json_object_get_string_member_with_default(o, "topic", ""));
	msg->payload = g_strdup(json_object_get_string_member_with_default(o, "payload", ""));
	msg->qos = (guint)json_object_get_int_member_with_default(o, "qos", 1);
	msg->retain = json_object_get_boolean_member_with_default(o, "retain", FALSE);
	msg->expiry_s = (guint)json_object_get_int_member_with_default(o, "expiry_s", 0);
	g_ptr_array_add(r->out, msg);
	return r->out->len < r->max;
}

/**
 * sdag_outbox_read:
 * @from_id: the first id to read
 * @max: at most this many
 *
 * Returns: (transfer full): SdagOutboxMsg in id order, maybe empty; NULL with @error set
 */
GPtrArray *
sdag_outbox_read(SdagOutbox *self, guint64 from_id, guint max, GError **error)
{
	g_autoptr(GPtrArray) out =
	    g_ptr_array_new_with_free_func((GDestroyNotify)sdag_outbox_msg_free);
	SdagOutboxRead r = {out, max};
	const guint8 prefix = SDAG_OUTBOX_PREFIX;
	guint8 start[9];

	if (max == 0)
		return g_steal_pointer(&out);
	sdag_outbox_key(from_id, start);
	if (!sdag_store_iter_prefix_from(self->store,
					 SDAG_STORE_OUTBOX,
					 &prefix,
					 1,
					 start,
					 sizeof(start),
					 sdag_outbox_read_cb,
					 &r,
					 error))
		return NULL;
	return g_steal_pointer(&out);
}
