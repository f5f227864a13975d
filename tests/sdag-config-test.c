/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "sdag-config.h"
#include "sdag-decode.h"
#include "sdag-error.h"
#include "sdag-framelimit.h"

#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

static void
config_defaults(void)
{
	g_autoptr(SdagConfig) cfg = sdag_config_new();

	g_assert_cmpstr(cfg->listen_host, ==, "127.0.0.1");
	g_assert_cmpuint(cfg->listen_port, ==, 8080);
	g_assert_cmpstr(cfg->data_dir, ==, "/var/lib/streamdag");
	g_assert_cmpstr(cfg->plugin_dir, ==, SDAG_NODEDIR);
	g_assert_cmpstr(cfg->device_id, ==, g_get_host_name());
	g_assert_cmpuint(cfg->max_body_bytes, ==, 1048576);
	g_assert_cmpuint(cfg->job_cache_bytes, ==, 32 * 1024 * 1024);
	g_assert_cmpuint(cfg->max_connections, ==, 256);
	g_assert_cmpuint(cfg->header_timeout_s, ==, 10);
	g_assert_cmpuint(cfg->idle_timeout_s, ==, 60);
	g_assert_cmpuint(cfg->live.max_live_jobs, ==, 16);
	g_assert_cmpuint(cfg->live.backoff_initial_ms, ==, 1000);
	g_assert_cmpuint(cfg->live.backoff_max_ms, ==, 30000);
	g_assert_cmpfloat(cfg->live.backoff_factor, ==, 2.0);
	g_assert_cmpuint(cfg->live.stall_timeout_floor_ms, ==, 5000);
	g_assert_cmpuint(cfg->live.connect_timeout_ms, ==, 10000);
	g_assert_cmpuint(cfg->live.checkpoint_interval_ms, ==, 10000);
	g_assert_cmpuint(cfg->live.latency_ms, ==, 200);
	g_assert_cmpuint(cfg->live.max_lag_ms, ==, 300);
	g_assert_cmpuint(cfg->live.max_queued_frames, ==, 16);
	g_assert_cmpstr(cfg->live.transport, ==, "auto");
}

/* max_concurrent_jobs: "auto", the default, is one job per online CPU; a number overrides
 * it, and "auto" set again in a later file goes back to the CPU count. */
static void
config_max_jobs_auto(void)
{
	g_autoptr(SdagConfig) cfg = sdag_config_new();
	g_autoptr(GError) error = NULL;
	guint cpus = CLAMP(g_get_num_processors(), 1, 64);
	static const char set[] = "[jobs]\nmax_concurrent_jobs=3\nmax_batch=20\n";
	static const char back[] = "[jobs]\nmax_concurrent_jobs=auto\n";

	g_assert_cmpuint(cfg->max_concurrent_jobs, ==, cpus);
	g_assert_cmpuint(cfg->max_batch, ==, 1000);
	g_assert_true(sdag_config_load_data(cfg, set, sizeof(set) - 1, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(cfg->max_concurrent_jobs, ==, 3);
	g_assert_cmpuint(cfg->max_batch, ==, 20);
	g_assert_true(sdag_config_load_data(cfg, back, sizeof(back) - 1, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(cfg->max_concurrent_jobs, ==, cpus);
}

/* The documented file is the embedded default: loading it changes nothing. */
static void
config_shipped_file(void)
{
	g_autoptr(SdagConfig) cfg = sdag_config_new();
	g_autoptr(GError) error = NULL;
	g_autofree char *path =
	    g_build_filename(g_getenv("SDAG_TEST_SOURCE_ROOT"), "data", "streamdag.conf", NULL);

	g_assert_true(sdag_config_load_file(cfg, path, &error));
	g_assert_no_error(error);
	g_assert_cmpstr(cfg->listen_host, ==, "127.0.0.1");
	g_assert_cmpuint(cfg->listen_port, ==, 8080);
	g_assert_cmpstr(cfg->plugin_dir, ==, SDAG_NODEDIR);
	g_assert_cmpuint(cfg->max_body_bytes, ==, 1048576);
}

/* docs/config.md shows the shipped file whole, as it is. */
static void
config_documented_file(void)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *conf_path =
	    g_build_filename(g_getenv("SDAG_TEST_SOURCE_ROOT"), "data", "streamdag.conf", NULL);
	g_autofree char *doc_path =
	    g_build_filename(g_getenv("SDAG_TEST_SOURCE_ROOT"), "docs", "config.md", NULL);
	g_autofree char *conf = NULL;
	g_autofree char *doc = NULL;
	g_autofree char *shown = NULL;
	const char *start;
	const char *end;

	g_assert_true(g_file_get_contents(conf_path, &conf, NULL, &error));
	g_assert_true(g_file_get_contents(doc_path, &doc, NULL, &error));
	g_assert_no_error(error);
	start = strstr(doc, "```ini\n");
	g_assert_nonnull(start);
	start += strlen("```ini\n");
	end = strstr(start, "```");
	g_assert_nonnull(end);
	shown = g_strndup(start, (gsize)(end - start));
	g_assert_cmpstr(shown, ==, conf);
}

static void
config_values(void)
{
	g_autoptr(SdagConfig) cfg = sdag_config_new();
	g_autoptr(GError) error = NULL;
	const char *text = "[daemon]\nlisten=[::1]:0\ndata_dir=/srv/sd\nplugin_dir=/opt/n\n"
			   "device_id=gate-2_east\n[rest]\nmax_body_bytes= 4096 \n"
			   "job_cache_bytes=0\nmax_connections=1\nheader_timeout_s=3600\n"
			   "idle_timeout_s=86400\n";

	g_assert_true(sdag_config_load_data(cfg, text, strlen(text), &error));
	g_assert_no_error(error);
	g_assert_cmpstr(cfg->listen_host, ==, "::1");
	g_assert_cmpuint(cfg->listen_port, ==, 0);
	g_assert_cmpstr(cfg->data_dir, ==, "/srv/sd");
	g_assert_cmpstr(cfg->plugin_dir, ==, "/opt/n");
	g_assert_cmpstr(cfg->device_id, ==, "gate-2_east");
	g_assert_cmpuint(cfg->max_body_bytes, ==, 4096);
	g_assert_cmpuint(cfg->job_cache_bytes, ==, 0);
	g_assert_cmpuint(cfg->max_connections, ==, 1);
	g_assert_cmpuint(cfg->header_timeout_s, ==, 3600);
	g_assert_cmpuint(cfg->idle_timeout_s, ==, 86400);

	text = "[live]\nmax_live_jobs=64\nbackoff_initial_ms=250\nbackoff_max_ms=60000\n"
	       "backoff_factor=1.5\nstall_timeout_floor_ms=2000\nconnect_timeout_ms=30000\n"
	       "checkpoint_interval_ms=1000\nlatency_ms=0\ntransport=tcp\nmax_lag_ms=10\n"
	       "max_queued_frames=1000\n";
	g_assert_true(sdag_config_load_data(cfg, text, strlen(text), &error));
	g_assert_no_error(error);
	g_assert_cmpuint(cfg->live.max_live_jobs, ==, 64);
	g_assert_cmpuint(cfg->live.backoff_initial_ms, ==, 250);
	g_assert_cmpuint(cfg->live.backoff_max_ms, ==, 60000);
	g_assert_cmpfloat(cfg->live.backoff_factor, ==, 1.5);
	g_assert_cmpuint(cfg->live.stall_timeout_floor_ms, ==, 2000);
	g_assert_cmpuint(cfg->live.connect_timeout_ms, ==, 30000);
	g_assert_cmpuint(cfg->live.checkpoint_interval_ms, ==, 1000);
	g_assert_cmpuint(cfg->live.latency_ms, ==, 0);
	g_assert_cmpuint(cfg->live.max_lag_ms, ==, 10);
	g_assert_cmpuint(cfg->live.max_queued_frames, ==, 1000);
	g_assert_cmpstr(cfg->live.transport, ==, "tcp");

	g_assert_true(sdag_config_set_listen(cfg, "0.0.0.0:65535", &error));
	g_assert_cmpstr(cfg->listen_host, ==, "0.0.0.0");
	g_assert_cmpuint(cfg->listen_port, ==, 65535);
	sdag_config_set_data_dir(cfg, "./var");
	g_assert_cmpstr(cfg->data_dir, ==, "./var");
}

typedef struct {
	const char *text;
	const char *message; /* a substring the error must hold */
} ConfigBadCase;

static const ConfigBadCase config_bad_cases[] = {
    {"[daemon]\nlisten=127.0.0.1\n", "[daemon] listen: expected ADDR:PORT"},
    {"[daemon]\nlisten=:80\n", "[daemon] listen: expected ADDR:PORT"},
    {"[daemon]\nlisten=localhost:80\n", "[daemon] listen: 'localhost' is not an IP address"},
    {"[daemon]\nlisten=127.0.0.1:70000\n", "[daemon] listen: '70000' is not a port"},
    {"[daemon]\nlisten=127.0.0.1:http\n", "[daemon] listen: 'http' is not a port"},
    {"[daemon]\nlisten=[::1:80\n", "[daemon] listen: bad IPv6 address"},
    {"[daemon]\ndata_dir=\n", "[daemon] data_dir: must not be empty"},
    {"[daemon]\ndevice_id=gate 2\n", "[daemon] device_id: 'gate 2' may hold only"},
    {"[daemon]\nlisten_port=80\n", "[daemon] listen_port: unknown key"},
    {"[rest]\nmax_body_bytes=lots\n", "[rest] max_body_bytes: expected an integer from 1024"},
    {"[rest]\nmax_body_bytes=10\n", "[rest] max_body_bytes: expected an integer from 1024"},
    {"[rest]\nmax_body_bytes=-5\n", "[rest] max_body_bytes:"},
    {"[rest]\njob_cache_bytes=2G\n",
     "[rest] job_cache_bytes: expected an integer from 0 to 1073741824, got '2G'"},
    {"[rest]\njob_cache_bytes=1073741825\n", "[rest] job_cache_bytes: expected"},
    {"[rest]\nmax_connections=0\n",
     "[rest] max_connections: expected an integer from 1 to 65536, got '0'"},
    {"[rest]\nmax_connections=65537\n", "[rest] max_connections: expected an integer"},
    {"[retention]\nmax_age=90\n", "[retention] max_age: expected 0 (off) or an age such as 90d"},
    {"[retention]\nmax_age=3w\n", "[retention] max_age: expected 0 (off) or an age such as 90d"},
    {"[retention]\nmax_age=-1d\n", "[retention] max_age: expected 0 (off) or an age such as 90d"},
    {"[retention]\nstatuses=running\n",
     "[retention] statuses: expected completed, failed or cancelled (comma-separated), got "
     "'running'"},
    {"[retention]\nstatuses=,\n", "[retention] statuses: expected completed, failed or cancelled"},
    {"[jobs]\nmax_attempts=0\n", "[jobs] max_attempts: expected an integer from 1 to 1000"},
    {"[jobs]\nmax_concurrent_jobs=0\n",
     "[jobs] max_concurrent_jobs: expected auto or an integer from 1 to 64, got '0'"},
    {"[jobs]\nmax_concurrent_jobs=AUTO\n",
     "[jobs] max_concurrent_jobs: expected auto or an integer from 1 to 64, got 'AUTO'"},
    {"[jobs]\nmax_batch=0\n", "[jobs] max_batch: expected an integer from 1 to 10000, got '0'"},
    {"[jobs]\nmax_batch=10001\n", "[jobs] max_batch: expected an integer from 1 to 10000"},
    {"[rest]\nheader_timeout_s=0\n",
     "[rest] header_timeout_s: expected an integer from 1 to 3600, got '0'"},
    {"[rest]\nheader_timeout_s=3601\n", "[rest] header_timeout_s: expected an integer"},
    {"[rest]\nidle_timeout_s=0\n",
     "[rest] idle_timeout_s: expected an integer from 1 to 86400, got '0'"},
    {"[rest]\nidle_timeout_s=1m\n", "[rest] idle_timeout_s: expected an integer"},
    {"[live]\nmax_live_jobs=0\n", "[live] max_live_jobs: expected an integer from 1 to 1024"},
    {"[live]\nbackoff_initial_ms=fast\n", "[live] backoff_initial_ms: expected an integer"},
    {"[live]\nbackoff_factor=0.5\n", "[live] backoff_factor: expected a number from 1 to 10"},
    {"[live]\nbackoff_factor=2x\n", "[live] backoff_factor: expected a number from 1 to 10"},
    {"[live]\ntransport=quic\n", "[live] transport: expected auto, tcp or udp"},
    {"[live]\nstall_timeout_floor_ms=50\n", "[live] stall_timeout_floor_ms: expected"},
    {"[live]\nmax_lag_ms=5\n", "[live] max_lag_ms: expected an integer from 10 to 60000"},
    {"[live]\nmax_queued_frames=0\n",
     "[live] max_queued_frames: expected an integer from 1 to 1000"},
    {"[nats]\nbroker=tcp://x\n", "unknown group [nats]"},
    {"[mqtt]\nbrokers=tcp://x\n", "[mqtt] brokers: unknown key"},
    {"[mqtt]\nqos_events=3\n", "[mqtt] qos_events: expected an integer from 0 to 2"},
    {"[mqtt]\ntls_verify=yes\n", "[mqtt] tls_verify: expected true or false"},
    {"[mqtt]\nprotocol_version=4\n", "[mqtt] protocol_version: expected 3.1.1 or 5"},
    {"[mqtt]\nbuffer_size=0\n", "[mqtt] buffer_size: expected an integer from 1"},
    {"listen=1\n", "Key file does not start with a group"},
    {"[mqtt]\nbroker=http://127.0.0.1:1883\n",
     "[mqtt] broker: 'http://127.0.0.1:1883' is not a tcp://"},
    {"[mqtt]\nbroker=tcp://a:1883, ws://b\n", "[mqtt] broker: 'ws://b' is not a tcp://"},
    {"[mqtt]\nbroker=,\n", "[mqtt] broker: no URI given"},
};

static void
config_bad(void)
{
	for (guint i = 0; i < G_N_ELEMENTS(config_bad_cases); i++) {
		g_autoptr(SdagConfig) cfg = sdag_config_new();
		g_autoptr(GError) error = NULL;
		const ConfigBadCase *tc = &config_bad_cases[i];

		g_assert_false(sdag_config_load_data(cfg, tc->text, strlen(tc->text), &error));
		g_assert_error(error, SDAG_ERROR, SDAG_ERROR_CONFIG);
		if (strstr(error->message, tc->message) == NULL)
			g_error(
			    "case %u: '%s' does not contain '%s'", i, error->message, tc->message);
	}
}

/* [jobs] max_frame_pixels: the default is the run route's largest image, and the range
 * holds. */
static void
config_max_frame_pixels(void)
{
	g_autoptr(SdagConfig) cfg = sdag_config_new();
	g_autoptr(GError) error = NULL;
	const char *bad[] = {"[jobs]\nmax_frame_pixels=0\n",
			     "[jobs]\nmax_frame_pixels=4294967297\n",
			     "[jobs]\nmax_frame_pixels=8192x8192\n"};

	g_assert_cmpuint(cfg->max_frame_pixels, ==, SDAG_FRAMELIMIT_DEFAULT_PIXELS);
	{
		const char *one = "[jobs]\nmax_frame_pixels=1\n";
		g_assert_true(sdag_config_load_data(cfg, one, strlen(one), &error));
	}
	g_assert_no_error(error);
	g_assert_cmpuint(cfg->max_frame_pixels, ==, 1);
	for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_assert_false(sdag_config_load_data(cfg, bad[i], strlen(bad[i]), &error));
		g_assert_error(error, SDAG_ERROR, SDAG_ERROR_CONFIG);
		g_assert_nonnull(
		    strstr(error->message,
			   "[jobs] max_frame_pixels: expected an integer from 1 to 4294967296"));
		g_clear_error(&error);
	}
}

/* [jobs] decoder_threads: auto by default, which shares the CPUs among the jobs; 1 to 64
 * otherwise. */
static void
config_decoder_threads(void)
{
	g_autoptr(SdagConfig) cfg = sdag_config_new();
	g_autoptr(GError) error = NULL;
	const char *bad[] = {"[jobs]\ndecoder_threads=0\n",
			     "[jobs]\ndecoder_threads=65\n",
			     "[jobs]\ndecoder_threads=Auto\n"};
	const char *eight = "[jobs]\ndecoder_threads=8\n";
	const char *aut = "[jobs]\ndecoder_threads=auto\n";
	guint cpus = g_get_num_processors();

	g_assert_cmpuint(cfg->decoder_threads, ==, 0);
	g_assert_true(sdag_config_load_data(cfg, eight, strlen(eight), &error));
	g_assert_no_error(error);
	g_assert_cmpuint(cfg->decoder_threads, ==, 8);
	g_assert_cmpuint(sdag_decode_threads_for(cfg->decoder_threads, 2, FALSE), ==, 8);
	/* a number set is kept, busy analysis or not */
	g_assert_cmpuint(sdag_decode_threads_for(cfg->decoder_threads, 1, TRUE), ==, 8);
	g_assert_true(sdag_config_load_data(cfg, aut, strlen(aut), &error));
	g_assert_no_error(error);
	g_assert_cmpuint(cfg->decoder_threads, ==, 0);
	g_assert_cmpuint(sdag_decode_threads_for(0, 1, FALSE), ==, cpus);
	g_assert_cmpuint(sdag_decode_threads_for(0, 64, FALSE), ==, MAX(1u, cpus / 64));
	/* max_concurrent_jobs auto: one job per CPU, one thread each */
	g_assert_cmpuint(sdag_decode_threads_for(0, 0, FALSE), ==, 1);
	for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_assert_false(sdag_config_load_data(cfg, bad[i], strlen(bad[i]), &error));
		g_assert_error(error, SDAG_ERROR, SDAG_ERROR_CONFIG);
		g_assert_nonnull(strstr(error->message,
					"[jobs] decoder_threads: expected \"auto\" or an integer "
					"from 1 to 64"));
		g_clear_error(&error);
	}
}

/* [nodes] cascade_dirs: opencv-data's directory by default, absolute paths only. */
static void
config_cascade_dirs(void)
{
	g_autoptr(SdagConfig) cfg = sdag_config_new();
	g_autoptr(GError) error = NULL;
	const char *two = "[nodes]\ncascade_dirs=/srv/cascades; /opt/lbp ;\n";
	const char *none = "[nodes]\ncascade_dirs=\n";
	const char *relative = "[nodes]\ncascade_dirs=/srv/cascades;cascades\n";

	g_assert_cmpuint(g_strv_length(cfg->cascade_dirs), ==, 1);
	g_assert_cmpstr(cfg->cascade_dirs[0], ==, "/usr/share/opencv4/haarcascades");
	g_assert_true(sdag_config_load_data(cfg, two, strlen(two), &error));
	g_assert_no_error(error);
	g_assert_cmpuint(g_strv_length(cfg->cascade_dirs), ==, 2);
	g_assert_cmpstr(cfg->cascade_dirs[1], ==, "/opt/lbp");
	g_assert_true(sdag_config_load_data(cfg, none, strlen(none), &error));
	g_assert_cmpuint(g_strv_length(cfg->cascade_dirs), ==, 0);
	g_assert_false(sdag_config_load_data(cfg, relative, strlen(relative), &error));
	g_assert_error(error, SDAG_ERROR, SDAG_ERROR_CONFIG);
	g_assert_nonnull(
	    strstr(error->message, "[nodes] cascade_dirs: 'cascades' is not an absolute path"));
}

static void
config_missing_file(void)
{
	g_autoptr(SdagConfig) cfg = sdag_config_new();
	g_autoptr(GError) error = NULL;

	g_assert_false(sdag_config_load_file(cfg, "/nonexistent/streamdag.conf", &error));
	g_assert_error(error, SDAG_ERROR, SDAG_ERROR_CONFIG);
	g_assert_nonnull(strstr(error->message, "/nonexistent/streamdag.conf"));
}

/* A bad value in a file names the file as well as the key. */
static void
config_bad_file(void)
{
	g_autoptr(SdagConfig) cfg = sdag_config_new();
	g_autoptr(GError) error = NULL;
	g_autofree char *path = NULL;
	int fd = g_file_open_tmp("sdag-config-XXXXXX.conf", &path, &error);

	g_assert_no_error(error);
	close(fd);
	g_assert_true(g_file_set_contents(path, "[rest]\nmax_body_bytes=1\n", -1, &error));
	g_assert_false(sdag_config_load_file(cfg, path, &error));
	g_assert_nonnull(strstr(error->message, path));
	g_assert_nonnull(strstr(error->message, "[rest] max_body_bytes"));
	g_unlink(path);
}

/* Found by the config fuzz target (tests/fuzz/corpus/config/regress-key-not-utf8): GKeyFile
 * takes a key that is not UTF-8, and the error quoted it as it was. */
static void
config_fuzz_key_not_utf8(void)
{
	static const char *const texts[] = {
	    "[camera front_door]\nsource=rtsp://192.168.1.20/s\npassword_file\xa5=x\n",
	    "[daemon]\nlog_lev\xa5l=debug\n",
	};

	for (guint i = 0; i < G_N_ELEMENTS(texts); i++) {
		g_autoptr(SdagConfig) cfg = sdag_config_new();
		g_autoptr(GError) error = NULL;
		g_autofree char *path = NULL;
		int fd;

		g_assert_false(sdag_config_load_data(cfg, texts[i], strlen(texts[i]), &error));
		g_assert_error(error, SDAG_ERROR, SDAG_ERROR_CONFIG);
		g_assert_true(g_utf8_validate(error->message, -1, NULL));
		g_assert_nonnull(strstr(error->message, "%A5"));
		g_clear_error(&error);

		/* from a file, with the file's name and the line */
		fd = g_file_open_tmp("sdag-config-XXXXXX.conf", &path, &error);
		g_assert_no_error(error);
		close(fd);
		g_assert_true(g_file_set_contents(path, texts[i], -1, &error));
		g_assert_false(sdag_config_load_file(cfg, path, &error));
		g_assert_true(g_utf8_validate(error->message, -1, NULL));
		g_assert_nonnull(strstr(error->message, "%A5"));
		g_unlink(path);
	}
}

/* A main file and its drop-ins, written to a fresh directory. */
typedef struct {
	const char *name;
	const char *text;
} Dropin;

typedef struct {
	const char *name;
	const char *main_text;
	Dropin dropins[4]; /* a NULL name ends the list */
	const char *error; /* NULL: loads; else the message holds it */
	guint max_jobs;	   /* when it loads: [jobs] max_concurrent_jobs */
	guint16 port;	   /* and the listen port */
} DropinCase;

static const DropinCase dropin_cases[] = {
    {"none", "[jobs]\nmax_concurrent_jobs=3\n", {{NULL}}, NULL, 3, 8080},
    {"overrides-main",
     "[jobs]\nmax_concurrent_jobs=3\n",
     {{"50-jobs.conf", "[jobs]\nmax_concurrent_jobs=5\n"}},
     NULL,
     5,
     8080},
    {"name-order",
     "",
     {{"20-b.conf", "[jobs]\nmax_concurrent_jobs=7\n"},
      {"10-a.conf", "[jobs]\nmax_concurrent_jobs=6\n[daemon]\nlisten=127.0.0.1:9\n"}},
     NULL,
     7,
     9},
    {"other-files-ignored",
     "",
     {{"50-x.conf.disabled", "[nope]\n"},
      {".50-hidden.conf", "[nope]\n"},
      {"README", "not a key file"}},
     NULL,
     2,
     8080},
    {"unknown-key-line",
     "",
     {{"50-bad.conf", "[jobs]\n# why\n\nbogus=1\n"}},
     "50-bad.conf:4: [jobs] bogus: unknown key",
     0,
     0},
    {"unknown-group-line",
     "",
     {{"50-bad.conf", "[jobs]\nmax_concurrent_jobs=1\n[nope]\nx=1\n"}},
     "50-bad.conf:3: unknown group [nope]",
     0,
     0},
    {"bad-value-line",
     "",
     {{"50-bad.conf", "[rest]\nmax_body_bytes=4096\nmax_body_bytes=1\n"}},
     "50-bad.conf:3: [rest] max_body_bytes: expected an integer",
     0,
     0},
    {"syntax-line",
     "",
     {{"50-bad.conf", "[rest]\nmax_body_bytes=4096\nthis is not a key\n"}},
     "50-bad.conf:3: Key file contains line",
     0,
     0},
    {"main-file-line",
     "[daemon]\nlisten=127.0.0.1:1\n\n[jobs]\nmax_concurrent_jobs=65\n",
     {{"50-ok.conf", "[jobs]\nmax_concurrent_jobs=1\n"}},
     "streamdag.conf:5: [jobs] max_concurrent_jobs: expected auto or an integer from 1 to 64",
     0,
     0},
    {"first-bad-file-stops",
     "",
     {{"10-bad.conf", "[jobs]\nbogus=1\n"}, {"20-bad.conf", "[jobs]\nworse=1\n"}},
     "10-bad.conf:2: [jobs] bogus",
     0,
     0},
};

static char *
dropin_dir_new(const char *main_text, const Dropin *dropins, char **conf_path)
{
	char *dir = g_dir_make_tmp("sdag-config-XXXXXX", NULL);
	g_autofree char *confd = g_build_filename(dir, "conf.d", NULL);

	g_assert_nonnull(dir);
	*conf_path = g_build_filename(dir, "streamdag.conf", NULL);
	g_assert_true(g_file_set_contents(*conf_path, main_text, -1, NULL));
	g_assert_cmpint(g_mkdir(confd, 0700), ==, 0);
	for (guint i = 0; dropins != NULL && i < 4 && dropins[i].name != NULL; i++) {
		g_autofree char *path = g_build_filename(confd, dropins[i].name, NULL);
		g_assert_true(g_file_set_contents(path, dropins[i].text, -1, NULL));
	}
	return dir;
}

static void
dropin_dir_free(char *dir)
{
	g_autofree char *confd = g_build_filename(dir, "conf.d", NULL);
	g_autoptr(GDir) d = g_dir_open(confd, 0, NULL);
	const char *name;

	while (d != NULL && (name = g_dir_read_name(d)) != NULL) {
		g_autofree char *path = g_build_filename(confd, name, NULL);
		g_unlink(path);
	}
	g_rmdir(confd);
	{
		g_autoptr(GDir) top = g_dir_open(dir, 0, NULL);
		while (top != NULL && (name = g_dir_read_name(top)) != NULL) {
			g_autofree char *path = g_build_filename(dir, name, NULL);
			g_unlink(path);
		}
	}
	g_rmdir(dir);
	g_free(dir);
}

static void
config_dropins(gconstpointer data)
{
	const DropinCase *tc = data;
	g_autoptr(SdagConfig) cfg = sdag_config_new();
	g_autoptr(GError) error = NULL;
	g_autofree char *conf = NULL;
	char *dir = dropin_dir_new(tc->main_text, tc->dropins, &conf);
	gboolean ok = sdag_config_load(cfg, conf, &error);

	if (tc->error == NULL) {
		g_assert_no_error(error);
		g_assert_true(ok);
		g_assert_cmpuint(cfg->max_concurrent_jobs, ==, tc->max_jobs);
		g_assert_cmpuint(cfg->listen_port, ==, tc->port);
	} else {
		g_assert_false(ok);
		g_assert_error(error, SDAG_ERROR, SDAG_ERROR_CONFIG);
		if (strstr(error->message, tc->error) == NULL)
			g_error("'%s' does not hold '%s'", error->message, tc->error);
		/* the path is whole: an operator can open it */
		g_assert_nonnull(strstr(error->message, dir));
	}
	dropin_dir_free(dir);
}

/* conf.d/ that is a file, and a *.conf that is a directory: errors, not silence. */
static void
config_dropin_not_dir(void)
{
	g_autoptr(SdagConfig) cfg = sdag_config_new();
	g_autoptr(GError) error = NULL;
	g_autofree char *conf = NULL;
	char *dir = dropin_dir_new("", NULL, &conf);
	g_autofree char *confd = g_build_filename(dir, "conf.d", NULL);
	g_autofree char *sub = g_build_filename(confd, "50-dir.conf", NULL);

	g_assert_cmpint(g_mkdir(sub, 0700), ==, 0);
	g_assert_false(sdag_config_load(cfg, conf, &error));
	g_assert_nonnull(strstr(error->message, "50-dir.conf"));
	g_clear_error(&error);
	g_assert_cmpint(g_rmdir(sub), ==, 0);
	g_assert_cmpint(g_rmdir(confd), ==, 0);
	g_assert_true(g_file_set_contents(confd, "", -1, NULL));
	g_assert_false(sdag_config_load(cfg, conf, &error));
	g_assert_error(error, SDAG_ERROR, SDAG_ERROR_CONFIG);
	g_assert_nonnull(strstr(error->message, "conf.d"));
	g_unlink(confd);
	dropin_dir_free(dir);
}

/* [mqtt] password_file: where the password comes from, row by row. */
typedef struct {
	const char *name;
	const char *main_text; /* DIR: the secret file's directory */
	const char *dropin;    /* NULL: none; DIR as above */
	const char *secret;    /* the text of DIR/secret, NULL: no such file */
	gboolean credentials;  /* $CREDENTIALS_DIRECTORY is DIR */
	const char *password;  /* loads, with this password */
	const char *error;     /* or fails with this */
} SecretCase;

static const SecretCase secret_cases[] = {
    {"absolute", "[mqtt]\npassword_file=DIR/secret\n", NULL, "s3cret\n", FALSE, "s3cret", NULL},
    {"no-final-newline",
     "[mqtt]\npassword_file=DIR/secret\n",
     NULL,
     "s3cret",
     FALSE,
     "s3cret",
     NULL},
    {"crlf", "[mqtt]\npassword_file=DIR/secret\n", NULL, "s3cret\r\n", FALSE, "s3cret", NULL},
    {"inner-newline-kept",
     "[mqtt]\npassword_file=DIR/secret\n",
     NULL,
     "a\nb\n",
     FALSE,
     "a\nb",
     NULL},
    {"credential",
     "[mqtt]\npassword_file=secret\n",
     NULL,
     "fr0m-systemd\n",
     TRUE,
     "fr0m-systemd",
     NULL},
    {"credential-unset",
     "[mqtt]\npassword_file=secret\n",
     NULL,
     "x",
     FALSE,
     NULL,
     "$CREDENTIALS_DIRECTORY is not set"},
    {"relative-path",
     "[mqtt]\npassword_file=sub/secret\n",
     NULL,
     "x",
     TRUE,
     NULL,
     "is neither an absolute path nor a credential name"},
    {"missing",
     "[mqtt]\npassword_file=DIR/secret\n",
     NULL,
     NULL,
     FALSE,
     NULL,
     "[mqtt] password_file: Failed to open file"},
    {"empty", "[mqtt]\npassword_file=DIR/secret\n", NULL, "\n", FALSE, NULL, "is empty"},
    {"both-in-one-file",
     "[mqtt]\npassword=a\npassword_file=DIR/secret\n",
     NULL,
     "x",
     FALSE,
     NULL,
     "give the password or its file, not both"},
    {"dropin-file-over-password",
     "[mqtt]\npassword=old\n",
     "[mqtt]\npassword_file=DIR/secret\n",
     "new\n",
     FALSE,
     "new",
     NULL},
    {"dropin-password-over-file",
     "[mqtt]\npassword_file=DIR/nonexistent\n",
     "[mqtt]\npassword=plain\n",
     NULL,
     FALSE,
     "plain",
     NULL},
    {"none", "[mqtt]\nusername=box\n", NULL, NULL, FALSE, "", NULL},
};

static char *
with_dir(const char *text, const char *dir)
{
	GString *s = g_string_new(text);

	g_string_replace(s, "DIR", dir, 0);
	return g_string_free(s, FALSE);
}

static void
config_secret(gconstpointer data)
{
	const SecretCase *tc = data;
	g_autoptr(SdagConfig) cfg = sdag_config_new();
	g_autoptr(GError) error = NULL;
	char *dir = g_dir_make_tmp("sdag-secret-XXXXXX", NULL);
	g_autofree char *secret = g_build_filename(dir, "secret", NULL);
	g_autofree char *main_text = with_dir(tc->main_text, dir);
	g_autofree char *dropin = tc->dropin != NULL ? with_dir(tc->dropin, dir) : NULL;
	const Dropin dropins[4] = {{"50-secret.conf", dropin}, {NULL, NULL}};
	g_autofree char *conf = NULL;
	char *cdir = dropin_dir_new(main_text, dropin != NULL ? dropins : NULL, &conf);
	gboolean ok;

	if (tc->secret != NULL)
		g_assert_true(g_file_set_contents(secret, tc->secret, -1, NULL));
	if (tc->credentials)
		g_setenv("CREDENTIALS_DIRECTORY", dir, TRUE);
	else
		g_unsetenv("CREDENTIALS_DIRECTORY");
	ok = sdag_config_load(cfg, conf, &error);
	g_unsetenv("CREDENTIALS_DIRECTORY");
	if (tc->error == NULL) {
		g_assert_no_error(error);
		g_assert_true(ok);
		g_assert_cmpstr(cfg->mqtt.password, ==, tc->password);
	} else {
		g_assert_false(ok);
		if (strstr(error->message, tc->error) == NULL)
			g_error("'%s' does not hold '%s'", error->message, tc->error);
		/* an error never quotes the secret */
		if (tc->secret != NULL && strlen(tc->secret) > 2)
			g_assert_null(strstr(error->message, tc->secret));
	}
	g_unlink(secret);
	g_rmdir(dir);
	g_free(dir);
	dropin_dir_free(cdir);
}

/* [daemon] log_level: the four levels and nothing else. */
static void
config_log_level(void)
{
	const char *names[] = {"error", "warning", "info", "debug"};
	const char *bad[] = {"INFO", "verbose", "", "3", "info "};
	g_autoptr(SdagConfig) cfg = sdag_config_new();

	g_assert_cmpint(cfg->log_level, ==, SDAG_LOG_INFO);
	for (guint i = 0; i < G_N_ELEMENTS(names); i++) {
		g_autofree char *text = g_strdup_printf("[daemon]\nlog_level=%s\n", names[i]);
		g_autoptr(GError) error = NULL;

		g_assert_true(sdag_config_load_data(cfg, text, strlen(text), &error));
		g_assert_cmpint(cfg->log_level, ==, (SdagLogLevel)i);
	}
	for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
		SdagLogLevel out = SDAG_LOG_INFO;
		g_autoptr(GError) error = NULL;

		g_assert_false(sdag_config_parse_log_level(bad[i], &out, &error));
		g_assert_nonnull(strstr(error->message, "expected error, warning, info or debug"));
	}
}

/* [auth] and the [rest] keys of the network-facing API: each row one behaviour. */
typedef struct {
	const char *name;
	const char *text;
	const char *error; /* NULL: loads */
	guint tokens;	   /* when it loads */
} AuthCase;

#define DIGEST_E "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define DIGEST_F "sha256:2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae"

static const AuthCase auth_cases[] = {
    {"none", "", NULL, 0},
    {"one", "[auth]\nha = " DIGEST_E " read\n", NULL, 1},
    {"two", "[auth]\nha = " DIGEST_E " read,jobs:write\nops = " DIGEST_F " admin\n", NULL, 2},
    {"same-name-later-wins",
     "[auth]\nha = " DIGEST_E " read\n[auth]\nha = " DIGEST_F " admin\n",
     NULL,
     1},
    {"same-secret",
     "[auth]\nha = " DIGEST_E " read\nnr = " DIGEST_E " read\n",
     "the same secret as token 'ha'",
     0},
    {"bad-name", "[auth]\nHA = " DIGEST_E " read\n", "token name 'HA'", 0},
    {"no-digest", "[auth]\nha = read\n", "expected 'sha256:", 0},
    {"no-scope", "[auth]\nha = " DIGEST_E "\n", "no scopes after the digest", 0},
    {"bad-scope", "[auth]\nha = " DIGEST_E " write\n", "unknown scope 'write'", 0},
    {"tls-relative",
     "[rest]\ntls_certificate=cert.pem\n",
     "[rest] tls_certificate: 'cert.pem' is not an absolute path",
     0},
    {"plain-http-bool",
     "[rest]\nallow_plain_http=yes\n",
     "[rest] allow_plain_http: expected true or false",
     0},
    {"rate-range",
     "[rest]\nrate_limit=100001\n",
     "[rest] rate_limit: expected an integer from 0 to 100000",
     0},
    {"burst-zero",
     "[rest]\nrate_burst=0\n",
     "[rest] rate_burst: expected an integer from 1 to 100000",
     0},
    {"per-client-zero",
     "[rest]\nmax_connections_per_client=0\n",
     "[rest] max_connections_per_client: expected an integer from 1",
     0},
    {"origin-path",
     "[rest]\nallowed_origins=https://a.example/x\n",
     "'https://a.example/x' is not an origin",
     0},
    {"origin-scheme",
     "[rest]\nallowed_origins=ftp://a.example\n",
     "'ftp://a.example' is not an origin",
     0},
    {"ws-message-small",
     "[rest]\nws_max_incoming_bytes=10\n",
     "[rest] ws_max_incoming_bytes: expected an integer from 125",
     0},
    {"ws-ping-zero",
     "[rest]\nws_ping_interval_s=0\n",
     "[rest] ws_ping_interval_s: expected an integer from 1",
     0},
};

static void
config_auth(gconstpointer data)
{
	const AuthCase *tc = data;
	g_autoptr(SdagConfig) cfg = sdag_config_new();
	g_autoptr(GError) error = NULL;
	gboolean ok = sdag_config_load_data(cfg, tc->text, strlen(tc->text), &error);

	if (tc->error != NULL) {
		g_assert_false(ok);
		g_assert_error(error, SDAG_ERROR, SDAG_ERROR_CONFIG);
		if (strstr(error->message, tc->error) == NULL)
			g_error("'%s' does not hold '%s'", error->message, tc->error);
		return;
	}
	g_assert_no_error(error);
	g_assert_true(ok);
	g_assert_cmpuint(cfg->tokens->len, ==, tc->tokens);
	if (g_strcmp0(tc->name, "same-name-later-wins") == 0) {
		const SdagToken *t = g_ptr_array_index(cfg->tokens, 0);
		g_assert_cmpint(t->scopes, ==, SDAG_SCOPE_ADMIN);
		g_assert_cmpuint(t->digest[0], ==, 0x2c);
	}
	if (g_strcmp0(tc->name, "two") == 0) {
		const SdagToken *t = g_ptr_array_index(cfg->tokens, 0);
		g_assert_cmpstr(t->name, ==, "ha");
		g_assert_cmpint(t->scopes, ==, SDAG_SCOPE_READ | SDAG_SCOPE_JOBS_WRITE);
	}
}

/* The defaults of the network-facing keys: closed unless said otherwise. */
static void
config_rest_defaults(void)
{
	g_autoptr(SdagConfig) cfg = sdag_config_new();
	const char *two = "[rest]\nallowed_origins=https://ha.example:8123; http://10.0.0.5\n";
	g_autoptr(GError) error = NULL;

	g_assert_cmpuint(cfg->tokens->len, ==, 0);
	g_assert_cmpstr(cfg->tls_certificate, ==, "");
	g_assert_cmpstr(cfg->tls_key, ==, "");
	g_assert_false(cfg->allow_plain_http);
	g_assert_cmpuint(cfg->rate_limit, ==, 0);
	g_assert_cmpuint(cfg->rate_burst, ==, 20);
	g_assert_cmpuint(cfg->max_connections_per_client, ==, 32);
	g_assert_cmpuint(g_strv_length(cfg->allowed_origins), ==, 0);
	g_assert_cmpuint(cfg->ws_max_incoming_bytes, ==, 4096);
	g_assert_cmpuint(cfg->ws_ping_interval_s, ==, 30);
	g_assert_true(sdag_config_load_data(cfg, two, strlen(two), &error));
	g_assert_cmpuint(g_strv_length(cfg->allowed_origins), ==, 2);
	g_assert_cmpstr(cfg->allowed_origins[1], ==, "http://10.0.0.5");
}

/* [camera NAME] groups: each row one behaviour. */
#define CAM_OK "source=rtsp://10.0.0.5/s\npipeline_id=people_v1\n"

static const struct {
	const char *name;
	const char *main_text;
	const char *dropin; /* nullable: conf.d/50-cam.conf */
	const char *error;  /* NULL: loads */
	gboolean enabled;   /* of "front" when it loads */
} camera_cases[] = {
    {"declared", "[camera front]\n" CAM_OK "enabled=true\n", NULL, NULL, TRUE},
    {"dropin-disables",
     "[camera front]\n" CAM_OK "enabled=true\n",
     "[camera front]\nenabled=false\n",
     NULL,
     FALSE},
    {"dropin-declares", "", "[camera front]\n" CAM_OK "enabled=false\n", NULL, FALSE},
    {"enabled-missing",
     "[camera front]\n" CAM_OK,
     NULL,
     "streamdag.conf:1: [camera front]: camera: 'enabled' must be given",
     FALSE},
    {"enabled-yes",
     "[camera front]\n" CAM_OK "enabled=yes\n",
     NULL,
     "streamdag.conf:4: [camera front] enabled: expected true or false, got 'yes'",
     FALSE},
    {"bad-name",
     "[camera Front]\n" CAM_OK "enabled=true\n",
     NULL,
     "[camera Front]: camera name 'Front'",
     FALSE},
    {"unknown-key",
     "[camera front]\n" CAM_OK "enabled=true\nurl=x\n",
     NULL,
     "streamdag.conf:5: [camera front] url: unknown key",
     FALSE},
    {"options-not-json",
     "[camera front]\n" CAM_OK "enabled=true\noptions=stride=2\n",
     NULL,
     "[camera front] options: expected a JSON object on one line",
     FALSE},
    {"options-unknown",
     "[camera front]\n" CAM_OK "enabled=true\noptions={\"fps\": 5}\n",
     NULL,
     "[camera front]: unknown option 'fps'",
     FALSE},
    {"credentials-in-url",
     "[camera front]\nsource=rtsp://u:hunter2@h/s\npipeline_id=p\nenabled=true\n",
     NULL,
     "not in 'source'",
     FALSE},
    {"dropin-breaks",
     "[camera front]\n" CAM_OK "enabled=true\n",
     "[camera front]\nsource=ftp://h/x\n",
     "50-cam.conf:1: [camera front]: camera: 'source' scheme 'ftp'",
     FALSE},
};

static void
config_camera(gconstpointer data)
{
	guint i = GPOINTER_TO_UINT(data);
	g_autoptr(SdagConfig) cfg = sdag_config_new();
	g_autoptr(GError) error = NULL;
	const Dropin dropins[4] = {{"50-cam.conf", camera_cases[i].dropin}, {NULL, NULL}};
	g_autofree char *conf = NULL;
	char *dir = dropin_dir_new(
	    camera_cases[i].main_text, camera_cases[i].dropin != NULL ? dropins : NULL, &conf);
	gboolean ok = sdag_config_load(cfg, conf, &error);

	if (camera_cases[i].error != NULL) {
		g_assert_false(ok);
		if (strstr(error->message, camera_cases[i].error) == NULL)
			g_error("'%s' lacks '%s'", error->message, camera_cases[i].error);
		g_assert_null(strstr(error->message, "hunter2"));
	} else {
		const SdagCamera *cam;

		g_assert_no_error(error);
		cam = sdag_camera_config_lookup(&cfg->cameras, "front");
		g_assert_nonnull(cam);
		g_assert_cmpint(cam->enabled, ==, camera_cases[i].enabled);
		g_assert_cmpint(cam->origin, ==, SDAG_CAMERA_FROM_CONFIG);
		g_assert_cmpstr(cam->source, ==, "rtsp://10.0.0.5/s");
	}
	dropin_dir_free(dir);
}

/* Options, credentials and zones from the config reach the definition. */
static void
config_camera_full(void)
{
	g_autoptr(SdagConfig) cfg = sdag_config_new();
	g_autoptr(GError) error = NULL;
	const char *text =
	    "[camera gate_2]\nsource=rtsp://10.0.0.6:554/h264\npipeline_id=people_v1\n"
	    "enabled=false\nuser=viewer\npassword_file=/etc/streamdag/gate.secret\n"
	    "options={\"stride\": 3, \"transport\": \"tcp\"}\nzones=driveway\n"
	    "[camera yard]\nsource=rtmp://10.0.0.7/live/yard\npipeline_id=motion_v1\n"
	    "enabled=true\n";
	const SdagCamera *cam;

	g_assert_true(sdag_config_load_data(cfg, text, strlen(text), &error));
	g_assert_no_error(error);
	g_assert_cmpuint(cfg->cameras.cameras->len, ==, 2);
	cam = sdag_camera_config_lookup(&cfg->cameras, "gate_2");
	g_assert_cmpstr(cam->user, ==, "viewer");
	g_assert_cmpstr(cam->password_file, ==, "/etc/streamdag/gate.secret");
	g_assert_cmpstr(cam->zones, ==, "driveway");
	g_assert_cmpint(json_object_get_int_member(cam->options, "stride"), ==, 3);
	g_assert_null(sdag_camera_config_lookup(&cfg->cameras, "nope"));
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	for (guint i = 0; i < G_N_ELEMENTS(dropin_cases); i++) {
		g_autofree char *path =
		    g_strdup_printf("/sdag/config/dropins/%s", dropin_cases[i].name);
		g_test_add_data_func(path, &dropin_cases[i], config_dropins);
	}
	g_test_add_func("/sdag/config/dropins/not-a-directory", config_dropin_not_dir);
	for (guint i = 0; i < G_N_ELEMENTS(secret_cases); i++) {
		g_autofree char *path =
		    g_strdup_printf("/sdag/config/password-file/%s", secret_cases[i].name);
		g_test_add_data_func(path, &secret_cases[i], config_secret);
	}
	g_test_add_func("/sdag/config/log-level", config_log_level);
	for (guint i = 0; i < G_N_ELEMENTS(auth_cases); i++) {
		g_autofree char *path = g_strdup_printf("/sdag/config/auth/%s", auth_cases[i].name);
		g_test_add_data_func(path, &auth_cases[i], config_auth);
	}
	g_test_add_func("/sdag/config/rest-defaults", config_rest_defaults);
	for (guint i = 0; i < G_N_ELEMENTS(camera_cases); i++) {
		g_autofree char *path =
		    g_strdup_printf("/sdag/config/camera/%s", camera_cases[i].name);
		g_test_add_data_func(path, GUINT_TO_POINTER(i), config_camera);
	}
	g_test_add_func("/sdag/config/camera-full", config_camera_full);
	g_test_add_func("/sdag/config/defaults", config_defaults);
	g_test_add_func("/sdag/config/max-jobs-auto", config_max_jobs_auto);
	g_test_add_func("/sdag/config/shipped-file", config_shipped_file);
	g_test_add_func("/sdag/config/documented-file", config_documented_file);
	g_test_add_func("/sdag/config/values", config_values);
	g_test_add_func("/sdag/config/bad", config_bad);
	g_test_add_func("/sdag/config/max-frame-pixels", config_max_frame_pixels);
	g_test_add_func("/sdag/config/decoder-threads", config_decoder_threads);
	g_test_add_func("/sdag/config/cascade-dirs", config_cascade_dirs);
	g_test_add_func("/sdag/config/missing-file", config_missing_file);
	g_test_add_func("/sdag/config/bad-file", config_bad_file);
	g_test_add_func("/sdag/config/fuzz/key-not-utf8", config_fuzz_key_not_utf8);
	return g_test_run();
}
