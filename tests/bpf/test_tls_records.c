// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * BPF tier, TLS: the OpenSSL uprobes attached for real to the libssl this test links, the
 * test itself the HTTPS server (SSL_read/SSL_write and their _ex variants) and a forked
 * child its client. Asserts on the records: one per request, flagged FEE_REC_TLS, none for
 * the ciphertext on the socket or the client's side, timed at the plaintext boundaries,
 * and the exception side signal keyed by the TLS connection. Needs root.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "capture/loader.h"
#include "capture/record_ring.h"
#include "capture/tls_refresh.h"
#include "targets/target_watch.h"
#include "hooks_under_test.h"
#include "util/log.h"

#include <bpf/libbpf.h>

#include "record_sink.h"
#include "test_clock.h"

#define RESPONSE "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"

static char cert_dir[] = "/tmp/fee-tls-XXXXXX";
static SSL_CTX *server_ctx, *client_ctx;

static void assert_tls_record(int i, const char *line, int status)
{
	assert_record(i, line, status);
	assert_true(records[i].flags & FEE_REC_TLS);
	assert_false(records[i].flags & FEE_REC_HEAD_INCOMPLETE);
}

/* ---- the client: a forked child speaking TLS ------------------------------------------------ */

/*
 * Connects, then per request sends its pieces (pausing pause_ms between them) and reads
 * the whole response; *last_piece_at is when it began to send the last request's last
 * piece (CLOCK_MONOTONIC). Exits 0 when every response was RESPONSE.
 */
static void run_client(int port, const char *const *pieces, int n_pieces, int pause_ms,
		       int requests, uint64_t *last_piece_at)
{
	struct sockaddr_in addr = { .sin_family = AF_INET,
				    .sin_port = htons(port),
				    .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	SSL *ssl;

	if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof(addr)))
		_exit(2);
	ssl = SSL_new(client_ctx);
	SSL_set_fd(ssl, fd);
	if (SSL_connect(ssl) != 1)
		_exit(3);
	for (int r = 0; r < requests; r++) {
		char buf[256];
		size_t have = 0;

		for (int i = 0; i < n_pieces; i++) {
			if (i)
				sleep_ms(pause_ms);
			if (i == n_pieces - 1)
				*last_piece_at = monotonic_ns();
			if (SSL_write(ssl, pieces[i], (int)strlen(pieces[i])) <= 0)
				_exit(4);
		}
		while (have < strlen(RESPONSE)) {
			int n = SSL_read(ssl, buf + have, (int)(sizeof(buf) - have));

			if (n <= 0)
				_exit(5);
			have += (size_t)n;
		}
		if (have != strlen(RESPONSE) || memcmp(buf, RESPONSE, have))
			_exit(6);
	}
	SSL_shutdown(ssl);
	SSL_free(ssl);
	close(fd);
	_exit(0);
}

/* ---- the server: this process --------------------------------------------------------------- */

struct exchange {
	const char *const *pieces; /* one request, as the client sends it */
	int n_pieces;
	int pause_ms;		 /* between the client's pieces */
	int requests;		 /* sent one after another on one connection */
	int delay_ms;		 /* between the head received and the response */
	const char *log_written; /* written to a pipe while serving (an exception log) */
};

/* When the last request's pieces and response moved (CLOCK_MONOTONIC, test_clock.h). */
struct exchange_times {
	uint64_t last_piece_sent;  /* the client began to send its last piece */
	uint64_t head_read;	   /* the server's read of the head's end had returned */
	uint64_t response_begun;   /* just before the server's write of the response */
	uint64_t response_written; /* that write had returned */
};

static int listen_loopback(int *port)
{
	struct sockaddr_in addr = { .sin_family = AF_INET,
				    .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(addr);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
	assert_int_equal(listen(fd, 1), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&addr, &len), 0);
	*port = ntohs(addr.sin_port);
	return fd;
}

/* Reads one request head; odd requests use SSL_read_ex, even ones SSL_read. */
static void server_read_head(SSL *ssl, int request)
{
	char buf[1024];
	size_t have = 0;

	while (have < 4 || memcmp(buf + have - 4, "\r\n\r\n", 4)) {
		size_t n = 0;

		if (request % 2) {
			assert_int_equal(SSL_read_ex(ssl, buf + have, sizeof(buf) - have, &n), 1);
		} else {
			int got = SSL_read(ssl, buf + have, (int)(sizeof(buf) - have));

			assert_true(got > 0);
			n = (size_t)got;
		}
		have += n;
	}
}

static void server_write_response(SSL *ssl, int request)
{
	size_t written = 0;

	if (request % 2) {
		assert_int_equal(SSL_write_ex(ssl, RESPONSE, strlen(RESPONSE), &written), 1);
		assert_int_equal(written, strlen(RESPONSE));
	} else {
		assert_int_equal(SSL_write(ssl, RESPONSE, (int)strlen(RESPONSE)),
				 (int)strlen(RESPONSE));
	}
}

static void serve(const struct exchange *x, struct exchange_times *times)
{
	int port, status, lfd = listen_loopback(&port), fd, log_pipe[2];
	/* The client's reading of the clock, shared with its process. */
	uint64_t *last_piece_at = mmap(NULL, sizeof(*last_piece_at), PROT_READ | PROT_WRITE,
				       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	pid_t child;
	SSL *ssl;

	assert_true(last_piece_at != MAP_FAILED);
	assert_int_equal(pipe(log_pipe), 0);
	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		close(lfd);
		run_client(port, x->pieces, x->n_pieces, x->pause_ms, x->requests, last_piece_at);
	}
	fd = accept(lfd, NULL, NULL);
	assert_true(fd >= 0);
	ssl = SSL_new(server_ctx);
	SSL_set_fd(ssl, fd);
	assert_int_equal(SSL_accept(ssl), 1);
	for (int r = 0; r < x->requests; r++) {
		server_read_head(ssl, r);
		times->head_read = monotonic_ns();
		if (x->log_written)
			assert_int_equal(write(log_pipe[1], x->log_written, strlen(x->log_written)),
					 (ssize_t)strlen(x->log_written));
		sleep_ms(x->delay_ms);
		times->response_begun = monotonic_ns();
		server_write_response(ssl, r);
		times->response_written = monotonic_ns();
	}
	assert_int_equal(waitpid(child, &status, 0), child);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	times->last_piece_sent = *last_piece_at;
	munmap(last_piece_at, sizeof(*last_piece_at));
	SSL_shutdown(ssl);
	SSL_free(ssl);
	close(fd);
	close(lfd);
	close(log_pipe[0]);
	close(log_pipe[1]);
}

/* ---- cases ---------------------------------------------------------------------------------- */

static void test_each_request_once_from_plaintext(void **state)
{
	const char *const request[] = {
		"GET /tls/keep-alive?secret=1 HTTP/1.1\r\nHost: x\r\n\r\n"
	};
	const struct exchange x = { .pieces = request, .n_pieces = 1, .requests = 4 };
	struct exchange_times times;

	serve(&x, &times);
	/* Four requests, SSL_read/SSL_write and the _ex pair alternating: four records, none
	 * from the handshake's or the requests' ciphertext, none from the client's side. */
	assert_int_equal(collect(), 4);
	for (int i = 0; i < 4; i++)
		assert_tls_record(i, "GET /tls/keep-alive HTTP/1.1", 200);
}

static void test_duration_from_last_head_read_to_status_write(void **state)
{
	const char *const request[] = { "GET /tls/split HTTP/1.1\r\n", "Host: x\r\n\r\n" };
	const struct exchange x = {
		.pieces = request, .n_pieces = 2, .pause_ms = 300, .requests = 1, .delay_ms = 60
	};
	struct exchange_times times;

	serve(&x, &times);
	assert_int_equal(collect(), 1);
	assert_tls_record(0, "GET /tls/split HTTP/1.1", 200);
	/* The app's 60 ms count; the client's 300 ms pause inside the head does not: the
	 * SSL_read that ended the head returned after the client began to send its second
	 * piece, and the status line's SSL_write had begun before that write returned. */
	assert_true(records[0].duration_ns >= 60 * 1000000ULL);
	assert_in_range(records[0].duration_ns, times.response_begun - times.head_read,
			times.response_written - times.last_piece_sent);
}

static void test_exception_log_flags_the_tls_request(void **state)
{
	const char *const request[] = { "GET /tls/boom HTTP/1.1\r\nHost: x\r\n\r\n" };
	const struct exchange x = {
		.pieces = request,
		.n_pieces = 1,
		.requests = 1,
		.log_written = "ERROR in app: Exception on /tls/boom [GET]\n"
			       "Traceback (most recent call last):\n",
	};
	struct exchange_times times;

	serve(&x, &times);
	assert_int_equal(collect(), 1);
	assert_tls_record(0, "GET /tls/boom HTTP/1.1", 200);
	assert_true(records[0].flags & FEE_REC_EXCEPTION);
}

/* ---- fixtures ------------------------------------------------------------------------------- */

static int make_contexts(void)
{
	char cmd[512], cert[128], key[128];

	if (!mkdtemp(cert_dir))
		return -1;
	snprintf(cert, sizeof(cert), "%s/cert.pem", cert_dir);
	snprintf(key, sizeof(key), "%s/key.pem", cert_dir);
	snprintf(cmd, sizeof(cmd),
		 "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost "
		 "-keyout %s -out %s >/dev/null 2>&1",
		 key, cert);
	if (system(cmd))
		return -1;
	server_ctx = SSL_CTX_new(TLS_server_method());
	client_ctx = SSL_CTX_new(TLS_client_method());
	if (!server_ctx || !client_ctx ||
	    SSL_CTX_use_certificate_file(server_ctx, cert, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_use_PrivateKey_file(server_ctx, key, SSL_FILETYPE_PEM) != 1)
		return -1;
	SSL_CTX_set_verify(client_ctx, SSL_VERIFY_NONE, NULL);
	return 0;
}

/*
 * Is path the file holding this process's OpenSSL: libssl, or with -DFEE_STATIC_OPENSSL
 * (OpenSSL linked in statically; no libssl mapped) this very executable?
 */
static bool is_our_openssl(const char *path)
{
#ifdef FEE_STATIC_OPENSSL
	char exe[512];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n <= 0)
		return false;
	exe[n] = '\0';
	return strcmp(path, exe) == 0;
#else
	return strstr(path, "libssl") != NULL;
#endif
}

static int setup(void **state)
{
	const char *libs[4];

	signal(SIGPIPE, SIG_IGN);
	if (make_contexts())
		return -1;
	capture = capture_open(hooks_under_test(), NULL, on_record, NULL);
	if (!capture)
		return -1;
	/* This process maps libssl (it links it): watching it must probe it. */
	if (target_watch_tree(capture, getpid(), TEST_TARGET) != 1)
		return -1;
	if (capture_tls_libraries(capture, libs, 4) != 1 || !is_our_openssl(libs[0])) {
		fprintf(stderr, "the OpenSSL of this process was not probed\n");
		return -1;
	}
	collect();
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	capture_close(capture);
	SSL_CTX_free(server_ctx);
	SSL_CTX_free(client_ctx);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", cert_dir);
	return system(cmd) ? -1 : 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_each_request_once_from_plaintext),
		cmocka_unit_test(test_duration_from_last_head_read_to_status_write),
		cmocka_unit_test(test_exception_log_flags_the_tls_request),
	};

	if (geteuid() != 0) {
		fprintf(stderr, "test_tls_records: needs root (loads BPF programs)\n");
		return 1;
	}
	/* As in the daemon: libbpf's warnings about the hook modes auto rules out stay quiet. */
	libbpf_set_print((libbpf_print_fn_t)log_libbpf);
	return cmocka_run_group_tests(tests, setup, teardown);
}
