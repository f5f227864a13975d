/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "sdag-test-broker.h"

#include <signal.h>
#include <string.h>
#include <sys/prctl.h>

#include "sdag-test-util.h"

static void
sdag_test_broker_child_setup(gpointer user_data)
{
	sigset_t none;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	/* a signal mask inherited from a thread of the test that blocks SIGTERM would make the
	 * broker deaf to its stop (seen under ASan): it starts with none blocked */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

static gboolean
sdag_test_broker_port_open(guint16 port)
{
	g_autoptr(GSocketClient) c = g_socket_client_new();
	g_autoptr(GSocketConnection) conn =
	    g_socket_client_connect_to_host(c, "127.0.0.1", port, NULL, NULL);
	return conn != NULL;
}

void
sdag_test_broker_start(SdagTestBroker *b)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GSubprocessLauncher) l = g_subprocess_launcher_new(
	    G_SUBPROCESS_FLAGS_STDERR_SILENCE | G_SUBPROCESS_FLAGS_STDOUT_SILENCE);
	g_autofree char *conf = NULL;
	g_autofree char *text = NULL;
	gint64 deadline = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;

	b->dir = sdag_test_mkdtemp();
	b->port = sdag_test_free_port();
	conf = g_build_filename(b->dir, "mosquitto.conf", NULL);
	/* as root mosquitto would switch to its own user, who cannot read our temp dirs */
	text = g_strdup_printf(
	    "listener %u 127.0.0.1\nuser %s\nallow_anonymous true\n", b->port, g_get_user_name());
	g_assert_true(g_file_set_contents(conf, text, -1, &error));
	g_subprocess_launcher_set_child_setup(l, sdag_test_broker_child_setup, NULL, NULL);
	b->proc = g_subprocess_launcher_spawn(l, &error, "mosquitto", "-c", conf, NULL);
	g_assert_no_error(error);
	while (!sdag_test_broker_port_open(b->port)) {
		g_assert_cmpint(g_get_monotonic_time(), <, deadline);
		g_usleep(20000);
	}
}

void
sdag_test_broker_stop(SdagTestBroker *b)
{
	g_subprocess_send_signal(b->proc, SIGTERM);
	g_subprocess_wait(b->proc, NULL, NULL);
	g_clear_object(&b->proc);
	sdag_test_rmtree(b->dir);
	g_free(b->dir);
}

static void
sdag_test_msg_free(SdagTestMsg *m)
{
	g_free(m->topic);
	g_bytes_unref(m->payload);
	g_free(m->text);
	g_free(m);
}

static void sdag_test_sub_read(SdagTestSub *s);

/* "%r %t %x": retained flag, topic, payload in hex: binary snapshots and payloads with
 * newlines read as well as JSON */
static void
sdag_test_sub_line_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	SdagTestSub *s = user_data;
	g_autofree char *line =
	    g_data_input_stream_read_line_finish(G_DATA_INPUT_STREAM(source), res, NULL, NULL);
	g_auto(GStrv) parts = NULL;

	if (line == NULL)
		return;
	parts = g_strsplit(line, " ", 3);
	if (g_strv_length(parts) >= 2) {
		SdagTestMsg *m = g_new0(SdagTestMsg, 1);
		const char *hex = parts[2] != NULL ? parts[2] : "";
		gsize n = strlen(hex) / 2;
		guint8 *raw = g_malloc(n + 1);

		for (gsize i = 0; i < n; i++)
			raw[i] = (guint8)(g_ascii_xdigit_value(hex[2 * i]) * 16 +
					  g_ascii_xdigit_value(hex[2 * i + 1]));
		raw[n] = '\0';
		m->retain = g_strcmp0(parts[0], "1") == 0;
		m->topic = g_strdup(parts[1]);
		m->text = g_strndup((const char *)raw, n);
		m->payload = g_bytes_new_take(raw, n);
		g_ptr_array_add(s->msgs, m);
	}
	sdag_test_sub_read(s);
}

static void
sdag_test_sub_read(SdagTestSub *s)
{
	g_data_input_stream_read_line_async(
	    s->out, G_PRIORITY_DEFAULT, s->cancel, sdag_test_sub_line_cb, s);
}

SdagTestSub *
sdag_test_sub_start(SdagTestBroker *broker, const char *topic)
{
	SdagTestSub *s = g_new0(SdagTestSub, 1);
	g_autofree char *port = g_strdup_printf("%u", broker->port);
	g_autoptr(GSubprocessLauncher) l =
	    g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_STDOUT_PIPE);
	g_autoptr(GError) error = NULL;

	s->msgs = g_ptr_array_new_with_free_func((GDestroyNotify)sdag_test_msg_free);
	s->cancel = g_cancellable_new();
	g_subprocess_launcher_set_child_setup(l, sdag_test_broker_child_setup, NULL, NULL);
	s->proc = g_subprocess_launcher_spawn(l,
					      &error,
					      "mosquitto_sub",
					      "-h",
					      "127.0.0.1",
					      "-p",
					      port,
					      "-q",
					      "1",
					      "-t",
					      topic,
					      "-F",
					      "%r %t %x",
					      NULL);
	g_assert_no_error(error);
	s->out = g_data_input_stream_new(g_subprocess_get_stdout_pipe(s->proc));
	sdag_test_sub_read(s);
	sdag_test_spin(300); /* subscribed */
	return s;
}

void
sdag_test_sub_free(SdagTestSub *s)
{
	g_cancellable_cancel(s->cancel);
	g_subprocess_force_exit(s->proc);
	g_subprocess_wait(s->proc, NULL, NULL);
	sdag_test_spin(20);
	g_object_unref(s->out);
	g_object_unref(s->proc);
	g_object_unref(s->cancel);
	g_ptr_array_unref(s->msgs);
	g_free(s);
}

/* The last message on @topic from index @from on, or NULL */
SdagTestMsg *
sdag_test_sub_last(SdagTestSub *s, const char *topic, guint from)
{
	for (guint i = s->msgs->len; i > from; i--) {
		SdagTestMsg *m = g_ptr_array_index(s->msgs, i - 1);
		if (g_strcmp0(m->topic, topic) == 0)
			return m;
	}
	return NULL;
}

guint
sdag_test_sub_count(SdagTestSub *s, const char *topic, guint from)
{
	guint n = 0;

	for (guint i = from; i < s->msgs->len; i++)
		n += g_strcmp0(((SdagTestMsg *)g_ptr_array_index(s->msgs, i))->topic, topic) == 0;
	return n;
}
