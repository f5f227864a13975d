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
 * Dead letters: a message that can never be delivered (a topic the broker would refuse, a
 * record that does not parse, a message the broker refused or dropped the connection over
 * again and again) is moved out of the way, so that it cannot hold back the ones after it:
 * "d" + big-endian u64 number → JSON {"topic", "payload", "qos", "retain", "reason", "time",
 * "outbox_id"}, numbered from 1 across restarts, the newest SDAG_OUTBOX_DEAD_MAX kept. The
 * move is one batch: the message is in the outbox or among the dead letters, never both or
 * neither. Topic and payload are kept as valid UTF-8 (anything else replaced by U+FFFD), so
 * that /healthz can show them.
 *
 * Main context only. add/remove O(log n); read O(log n + k).
 */

#define SDAG_OUTBOX_PREFIX 'm'
#define SDAG_OUTBOX_DEAD_PREFIX 'd'
#define SDAG_OUTBOX_DEAD_MAX 1000

struct _SdagOutbox {
	SdagStore *store; /* borrowed */
	guint64 next_id;
	guint64 depth;
	guint64 dead_first; /* the oldest dead letter kept; numbers are contiguous from it */
	guint64 dead_next;
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
sdag_outbox_key_with(guint8 prefix, guint64 id, guint8 key[9])
{
	guint64 be = GUINT64_TO_BE(id);

	key[0] = prefix;
	memcpy(key + 1, &be, sizeof(be));
}

static void
sdag_outbox_key(guint64 id, guint8 key[9])
{
	sdag_outbox_key_with(SDAG_OUTBOX_PREFIX, id, key);
}

static guint64
sdag_outbox_key_id(const guint8 *key)
{
	guint64 be = 0;

	memcpy(&be, key + 1, sizeof(be));
	return GUINT64_FROM_BE(be);
}

static gboolean
sdag_outbox_count_cb(const guint8 *key,
		     gsize key_len,
		     const guint8 *value,
		     gsize value_len,
		     gpointer user_data)
{
	SdagOutbox *self = user_data;

	if (key_len != 9)
		return TRUE;
	self->next_id = MAX(self->next_id, sdag_outbox_key_id(key) + 1);
	self->depth++;
	return TRUE;
}

/* in key order: the first seen is the oldest */
static gboolean
sdag_outbox_dead_count_cb(const guint8 *key,
			  gsize key_len,
			  const guint8 *value,
			  gsize value_len,
			  gpointer user_data)
{
	SdagOutbox *self = user_data;
	guint64 id;

	if (key_len != 9)
		return TRUE;
	id = sdag_outbox_key_id(key);
	if (self->dead_first == 0)
		self->dead_first = id;
	self->dead_next = MAX(self->dead_next, id + 1);
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

	const guint8 dead_prefix = SDAG_OUTBOX_DEAD_PREFIX;

	self->store = store;
	self->next_id = 1;
	self->dead_next = 1;
	if (!sdag_store_iter_prefix(
		store, SDAG_STORE_OUTBOX, &prefix, 1, sdag_outbox_count_cb, self, error))
		return NULL;
	if (!sdag_store_iter_prefix(
		store, SDAG_STORE_OUTBOX, &dead_prefix, 1, sdag_outbox_dead_count_cb, self, error))
		return NULL;
	if (self->dead_first == 0)
		self->dead_first = self->dead_next;
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

/* A record that does not parse (written by hand, or by a broken build) comes back with no
 * topic, its text as the payload, for the caller to move to the dead letters. */
static SdagOutboxMsg *
sdag_outbox_msg_parse(guint64 id, const guint8 *value, gsize value_len)
{
	g_autoptr(JsonNode) node = sdag_json_parse((const char *)value, (gssize)value_len, NULL);
	SdagOutboxMsg *msg = g_new0(SdagOutboxMsg, 1);
	JsonObject *o;

	msg->id = id;
	msg->qos = 1;
	if (node == NULL || !JSON_NODE_HOLDS_OBJECT(node) ||
	    !json_object_has_member(json_node_get_object(node), "topic")) {
		msg->payload = g_utf8_make_valid((const char *)value, (gssize)value_len);
		return msg;
	}
	o = json_node_get_object(node);
	msg->topic = g_strdup(json_object_get_string_member_with_default(o, "topic", ""));
	msg->payload = g_strdup(json_object_get_string_member_with_default(o, "payload", ""));
	msg->qos = (guint)json_object_get_int_member_with_default(o, "qos", 1);
	msg->retain = json_object_get_boolean_member_with_default(o, "retain", FALSE);
	msg->expiry_s = (guint)json_object_get_int_member_with_default(o, "expiry_s", 0);
	return msg;
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
	SdagOutboxMsg *msg;

	if (key_len != 9)
		return TRUE;
	msg = sdag_outbox_msg_parse(sdag_outbox_key_id(key), value, value_len);
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

/**
 * sdag_outbox_get:
 *
 * Returns: (transfer full) (nullable): message @id; NULL when it is not (or no longer) there,
 *   or with @error set
 */
SdagOutboxMsg *
sdag_outbox_get(SdagOutbox *self, guint64 id, GError **error)
{
	guint8 key[9];
	g_autoptr(GBytes) value = NULL;
	g_autoptr(GError) error_local = NULL;
	gsize len = 0;
	const guint8 *data;

	sdag_outbox_key(id, key);
	value = sdag_store_get(self->store, SDAG_STORE_OUTBOX, key, sizeof(key), &error_local);
	if (value == NULL) {
		if (!g_error_matches(error_local, SDAG_ERROR, SDAG_ERROR_NOT_FOUND))
			g_propagate_error(error, g_steal_pointer(&error_local));
		return NULL;
	}
	data = g_bytes_get_data(value, &len);
	return sdag_outbox_msg_parse(id, data, len);
}

/**
 * sdag_outbox_dead_letter:
 * @msg: the message; its id is 0 when it was refused before it was written to the outbox
 * @reason: why it cannot be delivered
 *
 * Moves @msg from the outbox to the dead letters, in one batch, dropping the oldest dead
 * letter when SDAG_OUTBOX_DEAD_MAX are kept. A message no longer in the outbox (its
 * acknowledgement came first) is left alone.
 */
gboolean
sdag_outbox_dead_letter(SdagOutbox *self,
			const SdagOutboxMsg *msg,
			const char *reason,
			GError **error)
{
	g_autoptr(SdagStoreBatch) batch = sdag_store_batch_new();
	g_autoptr(JsonBuilder) b = json_builder_new_immutable();
	g_autoptr(JsonNode) node = NULL;
	g_autofree char *text = NULL;
	g_autofree char *topic = NULL;
	g_autofree char *payload = NULL;
	g_autofree char *now = sdag_json_timestamp(g_get_real_time());
	gboolean evict = self->dead_next - self->dead_first >= SDAG_OUTBOX_DEAD_MAX;
	guint8 key[9];

	if (msg->id != 0) {
		g_autoptr(GBytes) old = NULL;

		sdag_outbox_key(msg->id, key);
		old = sdag_store_get(self->store, SDAG_STORE_OUTBOX, key, sizeof(key), NULL);
		if (old == NULL)
			return TRUE;
		sdag_store_batch_delete(batch, SDAG_STORE_OUTBOX, key, sizeof(key));
	}
	topic = g_utf8_make_valid(msg->topic != NULL ? msg->topic : "", -1);
	payload = g_utf8_make_valid(msg->payload != NULL ? msg->payload : "", -1);
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "topic");
	json_builder_add_string_value(b, topic);
	json_builder_set_member_name(b, "payload");
	json_builder_add_string_value(b, payload);
	json_builder_set_member_name(b, "qos");
	json_builder_add_int_value(b, msg->qos);
	json_builder_set_member_name(b, "retain");
	json_builder_add_boolean_value(b, msg->retain);
	json_builder_set_member_name(b, "reason");
	json_builder_add_string_value(b, reason);
	json_builder_set_member_name(b, "time");
	json_builder_add_string_value(b, now);
	json_builder_set_member_name(b, "outbox_id");
	json_builder_add_int_value(b, (gint64)msg->id);
	json_builder_end_object(b);
	node = json_builder_get_root(b);
	text = sdag_json_to_string(node);
	sdag_outbox_key_with(SDAG_OUTBOX_DEAD_PREFIX, self->dead_next, key);
	sdag_store_batch_put(
	    batch, SDAG_STORE_OUTBOX, key, sizeof(key), (const guint8 *)text, strlen(text));
	if (evict) {
		sdag_outbox_key_with(SDAG_OUTBOX_DEAD_PREFIX, self->dead_first, key);
		sdag_store_batch_delete(batch, SDAG_STORE_OUTBOX, key, sizeof(key));
	}
	if (!sdag_store_write(self->store, batch, FALSE, error))
		return FALSE;
	if (msg->id != 0)
		self->depth--;
	self->dead_next++;
	if (evict)
		self->dead_first++;
	return TRUE;
}

/* Dead letters kept now (at most SDAG_OUTBOX_DEAD_MAX). */
guint64
sdag_outbox_get_dead_count(SdagOutbox *self)
{
	return self->dead_next - self->dead_first;
}

/* Messages ever moved to the dead letters in this store: never decreases. */
guint64
sdag_outbox_get_dead_total(SdagOutbox *self)
{
	return self->dead_next - 1;
}

static gboolean
sdag_outbox_read_dead_cb(const guint8 *key,
			 gsize key_len,
			 const guint8 *value,
			 gsize value_len,
			 gpointer user_data)
{
	SdagOutboxRead *r = user_data;
	g_autoptr(JsonNode) node = NULL;

	if (key_len != 9)
		return TRUE;
	node = sdag_json_parse((const char *)value, (gssize)value_len, NULL);
	if (node == NULL || !JSON_NODE_HOLDS_OBJECT(node))
		return TRUE;
	json_object_set_int_member(
	    json_node_get_object(node), "id", (gint64)sdag_outbox_key_id(key));
	g_ptr_array_add(r->out, g_steal_pointer(&node));
	return r->out->len < r->max;
}

/**
 * sdag_outbox_read_dead:
 * @max: at most this many
 *
 * Returns: (transfer full): the newest dead letters first, each a JsonNode object as stored
 *   plus its number as "id"; NULL with @error set
 */
GPtrArray *
sdag_outbox_read_dead(SdagOutbox *self, guint max, GError **error)
{
	g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func((GDestroyNotify)json_node_unref);
	SdagOutboxRead r = {out, max};
	const guint8 lower = SDAG_OUTBOX_DEAD_PREFIX;
	const guint8 upper = SDAG_OUTBOX_DEAD_PREFIX + 1;

	if (max == 0)
		return g_steal_pointer(&out);
	if (!sdag_store_iter_range(self->store,
				   SDAG_STORE_OUTBOX,
				   &lower,
				   1,
				   &upper,
				   1,
				   TRUE,
				   sdag_outbox_read_dead_cb,
				   &r,
				   error))
		return NULL;
	return g_steal_pointer(&out);
}
