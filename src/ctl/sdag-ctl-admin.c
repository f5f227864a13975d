/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * streamdagctl admin fsck, admin backup DIR and jobs prune: the bad day's tools, each one
 * request of the REST API (admin scope).
 */
#define G_LOG_DOMAIN "streamdagctl"

#include <string.h>

#include "sdag-ctl-private.h"
#include "sdag-json.h"

/* The report of a check or a backup: one line per problem, then a summary line; exit 0
 * when sound, 1 when the checker found a problem */
static int
sdag_ctl_admin_report(SdagCtl *ctl, const char *method, const char *path, GBytes *body)
{
	g_auto(SdagCtlReply) reply = {0};
	JsonObject *o;
	JsonArray *problems;
	JsonObject *backup;
	int rc = sdag_ctl_send(ctl, method, path, body, &reply);

	if (rc != SDAG_CTL_OK)
		return rc;
	if (!sdag_ctl_reply_ok(&reply))
		return sdag_ctl_refused(ctl, method, path, NULL, &reply, FALSE);
	o = sdag_ctl_root_object(&reply);
	if (o == NULL || !json_object_has_member(o, "problems"))
		return sdag_ctl_unexpected(method, path);
	problems = json_object_get_array_member(o, "problems");
	if (ctl->json) {
		sdag_ctl_print_raw(reply.body);
	} else {
		for (guint i = 0; i < json_array_get_length(problems); i++) {
			JsonObject *p = json_array_get_object_element(problems, i);
			g_print("%s %s %s: %s\n",
				json_object_get_string_member_with_default(p, "family", "?"),
				json_object_get_string_member_with_default(p, "key", "?"),
				json_object_get_string_member_with_default(p, "code", "?"),
				json_object_get_string_member_with_default(p, "message", ""));
		}
		backup = json_object_has_member(o, "backup")
			     ? json_object_get_object_member(o, "backup")
			     : NULL;
		if (backup != NULL)
			g_print("backup %s: %" G_GINT64_FORMAT " files, %" G_GINT64_FORMAT
				" bytes\n",
				json_object_get_string_member_with_default(backup, "dir", "?"),
				json_object_get_int_member_with_default(backup, "files", 0),
				json_object_get_int_member_with_default(backup, "bytes", 0));
		g_print("%" G_GINT64_FORMAT " jobs checked in %.1f ms: %u problem%s\n",
			json_object_get_int_member_with_default(o, "jobs", 0),
			json_object_get_double_member_with_default(o, "elapsed_ms", 0),
			json_array_get_length(problems),
			json_array_get_length(problems) == 1 ? "" : "s");
	}
	return json_array_get_length(problems) == 0 ? SDAG_CTL_OK : SDAG_CTL_REFUSED;
}

int
sdag_ctl_admin(SdagCtl *ctl, int argc, char **argv)
{
	const char *cmd = argc > 0 ? argv[0] : NULL;

	if (g_strcmp0(cmd, "fsck") == 0 && argc == 1)
		return sdag_ctl_admin_report(ctl, "GET", "/admin/fsck", NULL);
	if (g_strcmp0(cmd, "backup") == 0 && argc == 2) {
		/* the directory is on the daemon's machine: an absolute path, made here from a
		 * relative one only when the daemon is this machine's */
		g_autofree char *dir = g_canonicalize_filename(argv[1], NULL);
		g_autoptr(JsonObject) o = json_object_new();
		g_autoptr(JsonNode) node = json_node_new(JSON_NODE_OBJECT);
		g_autofree char *text = NULL;
		gsize len;

		json_object_set_string_member(o, "dir", dir);
		json_node_set_object(node, o);
		text = sdag_json_to_string(node);
		len = strlen(text);
		{
			g_autoptr(GBytes) body = g_bytes_new_take(g_steal_pointer(&text), len);
			return sdag_ctl_admin_report(ctl, "POST", "/admin/backup", body);
		}
	}
	g_printerr("streamdagctl: usage: streamdagctl admin fsck | admin backup DIR\n");
	return SDAG_CTL_FAILED;
}

int
sdag_ctl_jobs_prune(SdagCtl *ctl,
		    const char *before,
		    char **statuses,
		    const char *pipeline,
		    gboolean dry_run)
{
	g_autoptr(JsonObject) o = json_object_new();
	g_autoptr(JsonNode) node = json_node_new(JSON_NODE_OBJECT);
	g_autofree char *text = NULL;
	g_autoptr(GBytes) body = NULL;
	g_auto(SdagCtlReply) reply = {0};
	JsonObject *answer;
	gsize len;
	int rc;

	json_object_set_string_member(o, "before", before);
	if (statuses != NULL) {
		JsonArray *list = json_array_new();
		for (guint i = 0; statuses[i] != NULL; i++) {
			g_auto(GStrv) parts = g_strsplit(statuses[i], ",", -1);
			for (guint k = 0; parts[k] != NULL; k++)
				json_array_add_string_element(list, g_strstrip(parts[k]));
		}
		json_object_set_array_member(o, "status", list);
	}
	if (pipeline != NULL)
		json_object_set_string_member(o, "pipeline_id", pipeline);
	json_object_set_boolean_member(o, "dry_run", dry_run);
	json_node_set_object(node, o);
	text = sdag_json_to_string(node);
	len = strlen(text);
	body = g_bytes_new_take(g_steal_pointer(&text), len);
	rc = sdag_ctl_send(ctl, "POST", "/jobs/prune", body, &reply);
	if (rc != SDAG_CTL_OK)
		return rc;
	if (!sdag_ctl_reply_ok(&reply))
		return sdag_ctl_refused(ctl, "POST", "/jobs/prune", NULL, &reply, FALSE);
	if (ctl->json) {
		sdag_ctl_print_raw(reply.body);
		return SDAG_CTL_OK;
	}
	answer = sdag_ctl_root_object(&reply);
	if (answer == NULL)
		return sdag_ctl_unexpected("POST", "/jobs/prune");
	if (dry_run) {
		JsonArray *ids = json_object_get_array_member(answer, "job_ids");
		for (guint i = 0; ids != NULL && i < json_array_get_length(ids); i++)
			g_print("%s\n", json_array_get_string_element(ids, i));
		g_print("%" G_GINT64_FORMAT " ended job(s) would be deleted (dry run)\n",
			json_object_get_int_member_with_default(answer, "matched", 0));
	} else {
		g_print("%" G_GINT64_FORMAT " ended job(s) deleted\n",
			json_object_get_int_member_with_default(answer, "deleted", 0));
	}
	return SDAG_CTL_OK;
}
