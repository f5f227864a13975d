/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "sdag-tls"

#include "sdag-tls.h"

#include <errno.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sdag-error.h"

/* a handshake with oneself over a socket pair: well under this, or something is wrong */
#define SDAG_TLS_CHECK_TIMEOUT_MS 5000

/*
 * The REST listener's certificate, from [rest] tls_certificate and tls_key. Each file is read
 * on its own first, so that an error names the key and the file at fault rather than
 * GnuTLS's "no certificate found" for a pair of them. Read at start-up and again on each
 * reload (a renewed certificate at the same paths).
 */

static gboolean
sdag_tls_read(const char *key, const char *path, char **out, GError **error)
{
	g_autoptr(GError) error_local = NULL;

	if (!g_file_get_contents(path, out, NULL, &error_local)) {
		g_set_error(error,
			    SDAG_ERROR,
			    SDAG_ERROR_CONFIG,
			    "[rest] %s: cannot read %s: %s",
			    key,
			    path,
			    error_local->message);
		return FALSE;
	}
	return TRUE;
}

typedef struct {
	guint pending;
	GError *error; /* the first side's failure */
} SdagTlsCheck;

static void
sdag_tls_check_done_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	SdagTlsCheck *check = user_data;
	g_autoptr(GError) error = NULL;

	if (!g_tls_connection_handshake_finish(G_TLS_CONNECTION(source), res, &error) &&
	    check->error == NULL)
		check->error = g_steal_pointer(&error);
	check->pending--;
}

static gboolean
sdag_tls_check_accept_cb(GTlsConnection *conn,
			 GTlsCertificate *peer,
			 GTlsCertificateFlags errors,
			 gpointer user_data)
{
	/* who signed it is the clients' business; whether the key signs for it is ours */
	return TRUE;
}

static gboolean
sdag_tls_check_timeout_cb(gpointer user_data)
{
	g_cancellable_cancel(user_data);
	return G_SOURCE_REMOVE;
}

/*
 * GnuTLS takes a private key that does not belong to the certificate without a word, and
 * every handshake fails afterwards ("bad signature" on the client's side): a renewal that
 * wrote a mismatched pair would take HTTPS down. So the pair makes one handshake with
 * itself, over a socket pair, on a main context of its own.
 */
static gboolean
sdag_tls_check_pair(GTlsCertificate *cert, GError **error)
{
	g_autoptr(GMainContext) ctx = g_main_context_new();
	g_autoptr(GCancellable) cancel = g_cancellable_new();
	g_autoptr(GSocket) s0 = NULL;
	g_autoptr(GSocket) s1 = NULL;
	g_autoptr(GSocketConnection) c0 = NULL;
	g_autoptr(GSocketConnection) c1 = NULL;
	g_autoptr(GIOStream) server = NULL;
	g_autoptr(GIOStream) client = NULL;
	g_autoptr(GSource) timeout = NULL;
	SdagTlsCheck check = {0};
	int fds[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) {
		g_set_error(
		    error, SDAG_ERROR, SDAG_ERROR_CONFIG, "socketpair: %s", g_strerror(errno));
		return FALSE;
	}
	s0 = g_socket_new_from_fd(fds[0], error);
	if (s0 == NULL) {
		close(fds[0]);
		close(fds[1]);
		return FALSE;
	}
	s1 = g_socket_new_from_fd(fds[1], error);
	if (s1 == NULL) {
		close(fds[1]);
		return FALSE;
	}
	c0 = g_socket_connection_factory_create_connection(s0);
	c1 = g_socket_connection_factory_create_connection(s1);
	server = g_tls_server_connection_new(G_IO_STREAM(c0), cert, error);
	if (server == NULL)
		return FALSE;
	client = g_tls_client_connection_new(G_IO_STREAM(c1), NULL, error);
	if (client == NULL)
		return FALSE;
	g_signal_connect(client, "accept-certificate", G_CALLBACK(sdag_tls_check_accept_cb), NULL);
	g_main_context_push_thread_default(ctx);
	timeout = g_timeout_source_new(SDAG_TLS_CHECK_TIMEOUT_MS);
	g_source_set_callback(timeout, sdag_tls_check_timeout_cb, cancel, NULL);
	g_source_attach(timeout, ctx);
	check.pending = 2;
	g_tls_connection_handshake_async(
	    G_TLS_CONNECTION(server), G_PRIORITY_DEFAULT, cancel, sdag_tls_check_done_cb, &check);
	g_tls_connection_handshake_async(
	    G_TLS_CONNECTION(client), G_PRIORITY_DEFAULT, cancel, sdag_tls_check_done_cb, &check);
	while (check.pending > 0)
		g_main_context_iteration(ctx, TRUE);
	g_source_destroy(timeout);
	g_main_context_pop_thread_default(ctx);
	if (check.error != NULL) {
		g_propagate_error(error, check.error);
		return FALSE;
	}
	return TRUE;
}

/**
 * sdag_tls_load_certificate:
 * @config: [rest] tls_certificate and tls_key
 * @out: (out) (transfer full) (nullable): the certificate with its private key, or NULL
 *   when neither key is set (plain HTTP)
 *
 * Reads the certificate (with its chain) and the private key, PEM files. One key set without
 * the other, a file that cannot be read and a file that holds no certificate (or no key)
 * are errors (SDAG_ERROR_CONFIG) naming the key and the file, as is a key that does not
 * belong to the certificate.
 *
 * Returns: FALSE with @error set on failure
 */
gboolean
sdag_tls_load_certificate(const SdagConfig *config, GTlsCertificate **out, GError **error)
{
	const char *cert_path = config->tls_certificate != NULL ? config->tls_certificate : "";
	const char *key_path = config->tls_key != NULL ? config->tls_key : "";
	g_autofree char *cert_pem = NULL;
	g_autofree char *key_pem = NULL;
	g_autoptr(GTlsCertificate) chain = NULL;
	g_autoptr(GTlsCertificate) cert = NULL;
	g_autoptr(GError) error_local = NULL;

	*out = NULL;
	if (cert_path[0] == '\0' && key_path[0] == '\0')
		return TRUE;
	if (cert_path[0] == '\0' || key_path[0] == '\0') {
		g_set_error(error,
			    SDAG_ERROR,
			    SDAG_ERROR_CONFIG,
			    "[rest] %s is set (%s) but %s is empty: HTTPS needs both the "
			    "certificate and its key",
			    cert_path[0] != '\0' ? "tls_certificate" : "tls_key",
			    cert_path[0] != '\0' ? cert_path : key_path,
			    cert_path[0] != '\0' ? "tls_key" : "tls_certificate");
		return FALSE;
	}
	if (!sdag_tls_read("tls_certificate", cert_path, &cert_pem, error) ||
	    !sdag_tls_read("tls_key", key_path, &key_pem, error))
		return FALSE;
	/* the certificate alone first: a failure here is the certificate file's */
	chain = g_tls_certificate_new_from_pem(cert_pem, -1, &error_local);
	if (chain == NULL) {
		g_set_error(error,
			    SDAG_ERROR,
			    SDAG_ERROR_CONFIG,
			    "[rest] tls_certificate %s: %s",
			    cert_path,
			    error_local->message);
		return FALSE;
	}
	cert = g_tls_certificate_new_from_files(cert_path, key_path, &error_local);
	if (cert == NULL) {
		g_set_error(error,
			    SDAG_ERROR,
			    SDAG_ERROR_CONFIG,
			    "[rest] tls_key %s: %s",
			    key_path,
			    error_local->message);
		return FALSE;
	}
	if (!sdag_tls_check_pair(cert, &error_local)) {
		g_set_error(
		    error,
		    SDAG_ERROR,
		    SDAG_ERROR_CONFIG,
		    "[rest] tls_key %s does not work with tls_certificate %s (not its key?): "
		    "%s",
		    key_path,
		    cert_path,
		    error_local->message);
		return FALSE;
	}
	*out = g_steal_pointer(&cert);
	return TRUE;
}
