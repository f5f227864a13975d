/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A full disk, for real: streamdagd runs with its data on a small tmpfs that each case
 * mounts, fills with a filler file until ENOSPC, and gives back by deleting the filler. The
 * daemon is a process, so that an abort in RocksDB shows as a dead daemon (a refused
 * connection), not as a dead test.
 */
#include "sdag-test-util.h"

#include <errno.h>
#include <sched.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "sdag-test-http.h"

/* Room for RocksDB's files with 1 MiB memtables, which is also the free space below which
 * the store counts as full: a few MB is enough, and quick to fill. */
#define TMPFS_SIZE "size=16m"

typedef struct {
	char *dir;    /* the mount point */
	char *data;   /* the daemon's data_dir, on the tmpfs */
	char *config; /* outside the tmpfs */
	char *filler;
	gboolean mounted;
	SdagTestDaemon *d;
	SoupSession *session;
} Fixture;

static void
fixture_setup(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *conf_dir = sdag_test_mkdtemp();

	f->dir = sdag_test_mkdtemp();
	if (mount("tmpfs", f->dir, "tmpfs", 0, TMPFS_SIZE) != 0) {
		int errsv = errno;
		g_autofree char *why =
		    g_strdup_printf("cannot mount a tmpfs (%s): needs root", g_strerror(errsv));
		g_test_skip(why);
		return;
	}
	f->mounted = TRUE;
	f->data = g_build_filename(f->dir, "data", NULL);
	f->filler = g_build_filename(f->dir, "filler", NULL);
	f->config = g_build_filename(conf_dir, "streamdag.conf", NULL);
	g_assert_true(
	    g_file_set_contents(f->config, "[store]\nwrite_buffer_bytes=1048576\n", -1, &error));
	g_assert_no_error(error);
	f->session = soup_session_new();
}

static void
fixture_teardown(Fixture *f, gconstpointer data)
{
	g_autofree char *conf_dir = f->config != NULL ? g_path_get_dirname(f->config) : NULL;

	if (f->d != NULL)
		sdag_test_daemon_stop(f->d, SIGTERM);
	g_clear_object(&f->session);
	if (f->mounted)
		g_assert_cmpint(umount(f->dir), ==, 0);
	if (conf_dir != NULL)
		sdag_test_rmtree(conf_dir);
	sdag_test_rmtree(f->dir);
	g_free(f->dir);
	g_free(f->data);
	g_free(f->config);
	g_free(f->filler);
}

static void
daemon_start(Fixture *f)
{
	g_autofree char *media = g_path_get_dirname(g_getenv("SDAG_TEST_VTEST"));

	f->d = sdag_test_daemon_start(
	    f->data,
	    g_getenv("SDAG_TEST_JOB_PLUGIN_DIR"),
	    (const char *const[]){"--config", f->config, "--media-root", media, NULL});
}

/* Writes the filler until the file system says ENOSPC. */
static void
fill_disk(Fixture *f)
{
	static const char block[65536];
	int fd = open(f->filler, O_WRONLY | O_CREAT | O_APPEND, 0600);

	g_assert_cmpint(fd, >=, 0);
	for (gsize size = sizeof(block); size > 0; size /= 2) {
		while (write(fd, block, size) == (ssize_t)size)
			;
	}
	g_assert_cmpint(errno, ==, ENOSPC);
	close(fd);
}

static void
free_disk(Fixture *f)
{
	g_assert_cmpint(unlink(f->filler), ==, 0);
}

static SdagTestReply *
http(Fixture *f, const char *method, const char *path, const char *body)
{
	return sdag_test_http(f->session,
			      f->d->base,
			      method,
			      path,
			      body != NULL ? "application/json" : NULL,
			      body,
			      -1);
}

static void
register_pipeline(Fixture *f, const char *id, guint sleep_ms)
{
	g_autofree char *body = g_strdup_printf(
	    "{\"pipeline_id\":\"%s\",\"nodes\":[{\"id\":\"s\",\"type\":\"slow\",\"params\":"
	    "{\"sleep_ms\":%u,\"boxes\":1}}],\"edges\":[{\"from\":\"source.frame\",\"to\":"
	    "\"s.frame\"}],\"outputs\":[\"s.detections\"]}",
	    id,
	    sleep_ms);
	g_autoptr(SdagTestReply) r = http(f, "POST", "/pipelines", body);
	g_assert_cmpuint(r->status, ==, 201);
}

static char *
job_body(const char *pipeline, guint max_frames)
{
	g_autofree char *url = g_strconcat("file://", g_getenv("SDAG_TEST_VTEST"), NULL);
	return g_strdup_printf(
	    "{\"pipeline_id\":\"%s\",\"video_url\":\"%s\",\"options\":{\"max_frames\":%u}}",
	    pipeline,
	    url,
	    max_frames);
}

/* Returns: (transfer full): the new job's id */
static char *
submit(Fixture *f, const char *pipeline, guint max_frames)
{
	g_autofree char *body = job_body(pipeline, max_frames);
	g_autoptr(SdagTestReply) r = http(f, "POST", "/jobs", body);

	g_assert_cmpuint(r->status, ==, 202);
	return g_strdup(json_object_get_string_member(sdag_test_reply_object(r), "job_id"));
}

/* Polls GET /jobs/{id} until @done says so (at most 20 s). Returns: (transfer full) */
static JsonNode *
wait_job(Fixture *f, const char *id, gboolean (*done)(JsonObject *job))
{
	g_autofree char *path = g_strdup_printf("/jobs/%s", id);

	for (guint i = 0; i < 400; i++) {
		JsonNode *job = sdag_test_http_get_json(f->session, f->d->base, path);
		if (done(json_node_get_object(job)))
			return job;
		json_node_unref(job);
		g_usleep(50000);
	}
	g_assert_not_reached();
}

static gboolean
has_frames(JsonObject *job)
{
	return json_object_get_int_member(job, "frames_processed") >= 5;
}

/* Polls the job's frame rows until at least @n are on disk (at most 20 s). */
static guint
wait_rows(Fixture *f, const char *id, guint n)
{
	for (guint i = 0; i < 400; i++) {
		g_autoptr(JsonArray) rows = sdag_test_job_frames(f->session, f->d->base, id, 100);
		if (json_array_get_length(rows) >= n)
			return json_array_get_length(rows);
		g_usleep(50000);
	}
	g_assert_not_reached();
}

static gboolean
is_terminal(JsonObject *job)
{
	return sdag_test_job_is_terminal(json_object_get_string_member(job, "status"));
}

/* Polls /healthz until its storage state is @state (at most 20 s). */
static void
wait_storage(Fixture *f, const char *state)
{
	for (guint i = 0; i < 400; i++) {
		g_autoptr(JsonNode) h = sdag_test_http_get_json(f->session, f->d->base, "/healthz");
		JsonObject *o = json_node_get_object(h);
		JsonObject *storage = json_object_get_object_member(o, "storage");

		if (storage != NULL &&
		    g_strcmp0(json_object_get_string_member(storage, "state"), state) == 0) {
			if (g_strcmp0(state, "full") == 0) {
				g_assert_cmpstr(
				    json_object_get_string_member(o, "status"), !=, "ok");
				g_assert_nonnull(json_object_get_string_member(storage, "since"));
			} else {
				g_assert_cmpstr(
				    json_object_get_string_member(o, "status"), ==, "ok");
			}
			return;
		}
		g_usleep(50000);
	}
	g_assert_not_reached();
}

static void
assert_writes_refused(Fixture *f)
{
	g_autofree char *body = job_body("slow", 5);
	g_autoptr(SdagTestReply) job = http(f, "POST", "/jobs", body);
	g_autoptr(SdagTestReply) pipeline = NULL;

	sdag_test_assert_error(job, 507, "storage_full");
	pipeline =
	    http(f,
		 "POST",
		 "/pipelines",
		 "{\"pipeline_id\":\"later\",\"nodes\":[{\"id\":\"s\",\"type\":\"slow\",\"params\":"
		 "{\"sleep_ms\":0,\"boxes\":1}}],\"edges\":[{\"from\":\"source.frame\",\"to\":"
		 "\"s.frame\"}],\"outputs\":[\"s.detections\"]}");
	sdag_test_assert_error(pipeline, 507, "storage_full");
}

/* A job running when the disk fills fails with storage_full; its frames so far read back. */
static void
test_running_job(Fixture *f, gconstpointer data)
{
	g_autofree char *id = NULL;
	g_autoptr(JsonNode) running = NULL;
	g_autoptr(JsonNode) ended = NULL;
	g_autoptr(JsonArray) frames = NULL;
	JsonObject *err;
	guint rows;

	if (!f->mounted)
		return;
	daemon_start(f);
	register_pipeline(f, "slow", 20);
	id = submit(f, "slow", 0);
	running = wait_job(f, id, has_frames);
	rows = wait_rows(f, id, 5);
	fill_disk(f);
	ended = wait_job(f, id, is_terminal);
	g_assert_cmpstr(
	    json_object_get_string_member(json_node_get_object(ended), "status"), ==, "failed");
	err = json_object_get_object_member(json_node_get_object(ended), "error");
	g_assert_nonnull(err);
	g_assert_cmpstr(json_object_get_string_member(err, "code"), ==, "storage_full");
	frames = sdag_test_job_frames(f->session, f->d->base, id, 100);
	g_assert_cmpuint(json_array_get_length(frames), >=, rows);
	/* the daemon is alive, past RocksDB's error handler's first retries */
	sdag_test_spin(6000);
	wait_storage(f, "full");
	free_disk(f);
	wait_storage(f, "ok");
	/* the end, written once space came back, survives a restart */
	sdag_test_daemon_stop(f->d, SIGTERM);
	daemon_start(f);
	{
		g_autofree char *path = g_strdup_printf("/jobs/%s", id);
		g_autoptr(JsonNode) after = sdag_test_http_get_json(f->session, f->d->base, path);
		JsonObject *o = json_node_get_object(after);
		g_assert_cmpstr(json_object_get_string_member(o, "status"), ==, "failed");
		g_assert_cmpstr(json_object_get_string_member(
				    json_object_get_object_member(o, "error"), "code"),
				==,
				"storage_full");
	}
}

/* On a full disk, writes answer 507 storage_full, reads 200 with the data as it was, and
 * /healthz says full. */
static void
test_writes_refused(Fixture *f, gconstpointer data)
{
	g_autofree char *id = NULL;
	g_autofree char *path = NULL;
	g_autoptr(JsonNode) done = NULL;
	g_autoptr(SdagTestReply) pipeline_before = NULL;
	g_autoptr(SdagTestReply) job_before = NULL;
	g_autoptr(SdagTestReply) pipeline_after = NULL;
	g_autoptr(SdagTestReply) job_after = NULL;
	g_autoptr(SdagTestReply) list = NULL;
	g_autoptr(SdagTestReply) pipelines = NULL;

	if (!f->mounted)
		return;
	daemon_start(f);
	register_pipeline(f, "slow", 0);
	id = submit(f, "slow", 10);
	done = wait_job(f, id, is_terminal);
	path = g_strdup_printf("/jobs/%s", id);
	pipeline_before = http(f, "GET", "/pipelines/slow", NULL);
	job_before = http(f, "GET", path, NULL);
	fill_disk(f);

	assert_writes_refused(f);
	wait_storage(f, "full");
	pipeline_after = http(f, "GET", "/pipelines/slow", NULL);
	g_assert_cmpuint(pipeline_after->status, ==, 200);
	g_assert_cmpstr(pipeline_after->text, ==, pipeline_before->text);
	job_after = http(f, "GET", path, NULL);
	g_assert_cmpuint(job_after->status, ==, 200);
	g_assert_cmpstr(job_after->text, ==, job_before->text);
	list = http(f, "GET", "/jobs", NULL);
	g_assert_cmpuint(list->status, ==, 200);
	g_assert_nonnull(strstr(list->text, id));
	pipelines = http(f, "GET", "/pipelines", NULL);
	g_assert_cmpuint(pipelines->status, ==, 200);
	free_disk(f);
}

/* When space returns, writes resume without a restart: a new job runs to the end. */
static void
test_space_returns(Fixture *f, gconstpointer data)
{
	g_autofree char *id = NULL;
	g_autoptr(JsonNode) done = NULL;

	if (!f->mounted)
		return;
	daemon_start(f);
	register_pipeline(f, "slow", 0);
	fill_disk(f);
	assert_writes_refused(f);
	wait_storage(f, "full");
	free_disk(f);
	wait_storage(f, "ok");
	id = submit(f, "slow", 10);
	done = wait_job(f, id, is_terminal);
	g_assert_cmpstr(
	    json_object_get_string_member(json_node_get_object(done), "status"), ==, "completed");
	g_assert_cmpint(
	    json_object_get_int_member(json_node_get_object(done), "frames_processed"), ==, 10);
}

/* Started on a disk that is already full, the daemon serves reads and refuses writes; it
 * takes writes again once space returns. */
static void
test_start_full(Fixture *f, gconstpointer data)
{
	g_autofree char *id = NULL;
	g_autofree char *path = NULL;
	g_autoptr(JsonNode) done = NULL;
	g_autoptr(JsonNode) again = NULL;
	g_autoptr(SdagTestReply) job_before = NULL;
	g_autoptr(SdagTestReply) job_after = NULL;
	g_autoptr(SdagTestReply) pipeline = NULL;

	if (!f->mounted)
		return;
	daemon_start(f);
	register_pipeline(f, "slow", 0);
	id = submit(f, "slow", 10);
	done = wait_job(f, id, is_terminal);
	path = g_strdup_printf("/jobs/%s", id);
	job_before = http(f, "GET", path, NULL);
	sdag_test_daemon_stop(f->d, SIGTERM);
	f->d = NULL;

	fill_disk(f);
	daemon_start(f);
	job_after = http(f, "GET", path, NULL);
	g_assert_cmpuint(job_after->status, ==, 200);
	g_assert_cmpstr(job_after->text, ==, job_before->text);
	pipeline = http(f, "GET", "/pipelines/slow", NULL);
	g_assert_cmpuint(pipeline->status, ==, 200);
	assert_writes_refused(f);
	wait_storage(f, "full");

	free_disk(f);
	wait_storage(f, "ok");
	g_clear_pointer(&id, g_free);
	id = submit(f, "slow", 10);
	again = wait_job(f, id, is_terminal);
	g_assert_cmpstr(
	    json_object_get_string_member(json_node_get_object(again), "status"), ==, "completed");
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	/* The mounts go in a mount namespace of this process (and its daemons): a case that
	 * aborts half-way leaves no tmpfs behind on the machine. Without the right to
	 * unshare, mount() fails too and each case says so. */
	if (unshare(CLONE_NEWNS) == 0)
		g_assert_cmpint(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL), ==, 0);
#define ADD(path, fn) g_test_add(path, Fixture, NULL, fixture_setup, fn, fixture_teardown)
	ADD("/sdag/diskfull/running-job", test_running_job);
	ADD("/sdag/diskfull/writes-refused", test_writes_refused);
	ADD("/sdag/diskfull/space-returns", test_space_returns);
	ADD("/sdag/diskfull/start-full", test_start_full);
#undef ADD
	return g_test_run();
}
