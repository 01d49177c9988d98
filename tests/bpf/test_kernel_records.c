// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * BPF tier: the kernel programs, attached for real, watching this very process. The test
 * is both a tiny HTTP server and its client on loopback, so each case controls exactly
 * which syscalls carry which bytes, then asserts on the records the kernel emitted.
 * Needs root.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "capture/loader.h"
#include "capture/record_ring.h"
#include "targets/target_watch.h"
#include "hooks_under_test.h"
#include "util/log.h"

#include <bpf/libbpf.h>

#include "record_sink.h"
#include "test_clock.h"

/* ---- a loopback connection: client end and server end ------------------------------------ */

struct link {
	int client, server;
};

static struct link open_link(void)
{
	struct sockaddr_in addr = { .sin_family = AF_INET,
				    .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(addr);
	struct link l;
	int one = 1, lfd = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(lfd >= 0);
	assert_int_equal(bind(lfd, (struct sockaddr *)&addr, sizeof(addr)), 0);
	assert_int_equal(listen(lfd, 1), 0);
	assert_int_equal(getsockname(lfd, (struct sockaddr *)&addr, &len), 0);
	l.client = socket(AF_INET, SOCK_STREAM, 0);
	assert_int_equal(connect(l.client, (struct sockaddr *)&addr, sizeof(addr)), 0);
	l.server = accept4(lfd, NULL, NULL, 0);
	assert_true(l.server >= 0);
	setsockopt(l.client, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	setsockopt(l.server, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	close(lfd);
	return l;
}

static void close_link(struct link *l)
{
	close(l->client);
	close(l->server);
}

static void client_send(struct link *l, const char *s)
{
	assert_int_equal(send(l->client, s, strlen(s), 0), (ssize_t)strlen(s));
}

/* Reads whatever the server sent, so socket buffers never fill. */
static void client_drain(struct link *l)
{
	char buf[4096];

	while (recv(l->client, buf, sizeof(buf), MSG_DONTWAIT) > 0)
		;
}

enum read_style { READ_READ, READ_RECVFROM, READ_READV, READ_RECVMSG, READ_STYLES };
enum write_style { WRITE_WRITE, WRITE_SENDTO, WRITE_WRITEV, WRITE_SENDMSG, WRITE_STYLES };

/* One server-side read of up to `max` bytes, in the given style. */
static ssize_t server_read(struct link *l, enum read_style style, char *buf, size_t max)
{
	struct iovec iov[2] = { { buf, max / 2 }, { buf + max / 2, max - max / 2 } };
	struct msghdr msg = { .msg_iov = iov, .msg_iovlen = 2 };

	switch (style) {
	case READ_READ:
		return read(l->server, buf, max);
	case READ_RECVFROM:
		return recvfrom(l->server, buf, max, 0, NULL, NULL);
	case READ_READV:
		return readv(l->server, iov, 2);
	default:
		return recvmsg(l->server, &msg, 0);
	}
}

/* Reads until the request head (and `body` more bytes) have arrived. */
static void server_read_request(struct link *l, enum read_style style, size_t body)
{
	char buf[8192];
	size_t have = 0;
	char *end = NULL;

	while (!end || (size_t)(buf + have - (end + 4)) < body) {
		ssize_t n = server_read(l, style, buf + have, sizeof(buf) - have - 1);

		assert_true(n > 0);
		have += (size_t)n;
		buf[have] = '\0';
		end = strstr(buf, "\r\n\r\n");
	}
}

static void server_write(struct link *l, enum write_style style, const char *s)
{
	size_t len = strlen(s), half = len / 2;
	/* Vector styles split the bytes over two iovecs, mid status line when it is short. */
	struct iovec iov[2] = { { (void *)s, half }, { (void *)(s + half), len - half } };
	struct msghdr msg = { .msg_iov = iov, .msg_iovlen = 2 };
	ssize_t n;

	switch (style) {
	case WRITE_WRITE:
		n = write(l->server, s, len);
		break;
	case WRITE_SENDTO:
		n = sendto(l->server, s, len, 0, NULL, 0);
		break;
	case WRITE_WRITEV:
		n = writev(l->server, iov, 2);
		break;
	default:
		n = sendmsg(l->server, &msg, 0);
		break;
	}
	assert_int_equal(n, (ssize_t)len);
}

/* ---- cases ------------------------------------------------------------------------------------
 */

static void test_every_read_and_write_syscall(void **state)
{
	for (int r = 0; r < READ_STYLES; r++) {
		for (int w = 0; w < WRITE_STYLES; w++) {
			struct link l = open_link();

			client_send(&l, "GET /a/b?secret=1 HTTP/1.1\r\nHost: x\r\n\r\n");
			server_read_request(&l, r, 0);
			server_write(&l, w, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
			client_drain(&l);
			close_link(&l);
			assert_int_equal(collect(), 1);
			/* The query string never leaves the kernel. */
			assert_record(0, "GET /a/b HTTP/1.1", 200);
		}
	}
}

static void test_keep_alive_counts_each_request(void **state)
{
	struct link l = open_link();
	static const char *const paths[] = { "/one", "/two", "/three" };
	static const int statuses[] = { 200, 404, 500 };
	char req[128], resp[128], line[64];

	for (int i = 0; i < 3; i++) {
		snprintf(req, sizeof(req), "POST %s HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello",
			 paths[i]);
		client_send(&l, req);
		server_read_request(&l, READ_RECVFROM, 5);
		snprintf(resp, sizeof(resp), "HTTP/1.1 %d X\r\nContent-Length: 0\r\n\r\n",
			 statuses[i]);
		server_write(&l, WRITE_SENDTO, resp);
		client_drain(&l);
	}
	close_link(&l);
	assert_int_equal(collect(), 3);
	for (int i = 0; i < 3; i++) {
		snprintf(line, sizeof(line), "POST %s HTTP/1.1", paths[i]);
		assert_record(i, line, statuses[i]);
	}
}

static void test_duration_spans_head_to_status_line(void **state)
{
	struct link l = open_link();
	uint64_t before_read, after_read, before_write, after_write;

	client_send(&l, "GET /slow HTTP/1.1\r\n\r\n");
	before_read = monotonic_ns();
	server_read_request(&l, READ_RECVFROM, 0);
	after_read = monotonic_ns();
	sleep_ms(200);
	before_write = monotonic_ns();
	server_write(&l, WRITE_SENDTO, "HTTP/1.1 200 OK\r\n\r\n");
	after_write = monotonic_ns();
	client_drain(&l);
	close_link(&l);
	assert_int_equal(collect(), 1);
	assert_true(records[0].duration_ns >= 200000000ULL);
	/* From the read that ended the head to the write of the status line: neither the
	 * connect nor the client's send before them (test_clock.h). */
	assert_in_range(records[0].duration_ns, before_write - after_read,
			after_write - before_read);
}

static void test_trickled_head_starts_the_clock_at_its_end(void **state)
{
	const char *req = "GET /trickle HTTP/1.1\r\nHost: x\r\n\r\n";
	size_t last = strlen(req) - 1;
	struct link l = open_link();
	uint64_t first_sent = monotonic_ns(), last_sent = 0, after_write;
	char c;

	for (size_t i = 0; req[i]; i++) {
		if (i == last)
			last_sent = monotonic_ns();
		assert_int_equal(send(l.client, &req[i], 1, 0), 1);
		assert_int_equal(read(l.server, &c, 1), 1);
		sleep_ms(5);
	}
	server_write(&l, WRITE_WRITE, "HTTP/1.1 204 No Content\r\n\r\n");
	after_write = monotonic_ns();
	close_link(&l);
	assert_int_equal(collect(), 1);
	assert_record(0, "GET /trickle HTTP/1.1", 204);
	/* The head took > 150 ms to arrive; none of it counts: the clock starts no earlier
	 * than the head's last byte was sent (test_clock.h). */
	assert_true(last_sent - first_sent >= last * 5000000ULL);
	assert_in_range(records[0].duration_ns, 5000000ULL, after_write - last_sent);
}

static void test_interim_100_continue_and_split_status_line(void **state)
{
	struct link l = open_link();

	client_send(&l,
		    "PUT /upload HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n");
	server_read_request(&l, READ_READ, 0);
	server_write(&l, WRITE_WRITE, "HTTP/1.1 100 Continue\r\n\r\n");
	server_write(&l, WRITE_WRITE, "HTTP/1.1 100 Continue\r\n\r\n");
	client_send(&l, "data");
	{
		char body[4];
		assert_int_equal(read(l.server, body, 4), 4);
	}
	/* The final status line arrives in two writes. */
	server_write(&l, WRITE_WRITE, "HTTP/1.1 2");
	server_write(&l, WRITE_WRITE, "01 Created\r\nContent-Length: 0\r\n\r\n");
	client_drain(&l);
	close_link(&l);
	assert_int_equal(collect(), 1);
	assert_record(0, "PUT /upload HTTP/1.1", 201);
}

static void test_unanswered_and_non_http_emit_nothing(void **state)
{
	struct capture_stats before, after;
	struct link l = open_link();
	char buf[256];

	/* A request the server never answers. */
	client_send(&l, "GET /never HTTP/1.1\r\n\r\n");
	server_read_request(&l, READ_READ, 0);
	close_link(&l);

	/* Bytes that are not HTTP/1.x, answered with bytes that are not a status line. */
	l = open_link();
	client_send(&l, "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 binary");
	assert_true(read(l.server, buf, sizeof(buf)) > 0);
	server_write(&l, WRITE_WRITE, "\x15\x03\x01\x00\x02\x02\x28");
	close_link(&l);

	/* A request answered with garbage is not counted, but the kernel says why. */
	assert_int_equal(capture_read_stats(capture, &before), 0);
	l = open_link();
	client_send(&l, "GET /garbled HTTP/1.1\r\n\r\n");
	server_read_request(&l, READ_READ, 0);
	server_write(&l, WRITE_WRITE, "SSH-2.0-OpenSSH_9.2\r\n");
	close_link(&l);
	assert_int_equal(capture_read_stats(capture, &after), 0);

	assert_int_equal(collect(), 0);
	assert_int_equal(
		after.counters[FEE_CNT_BAD_RESPONSE] - before.counters[FEE_CNT_BAD_RESPONSE], 1);
}

static void test_pipes_are_not_connections(void **state)
{
	int fds[2];
	char buf[128];
	const char *req = "GET /pipe HTTP/1.1\r\n\r\n";

	assert_int_equal(pipe(fds), 0);
	assert_int_equal(write(fds[1], req, strlen(req)), (ssize_t)strlen(req));
	assert_true(read(fds[0], buf, sizeof(buf)) > 0);
	assert_int_equal(write(fds[1], "HTTP/1.1 200 OK\r\n\r\n", 19), 19);
	assert_true(read(fds[0], buf, sizeof(buf)) > 0);
	close(fds[0]);
	close(fds[1]);
	assert_int_equal(collect(), 0);
}

/* inetd-style servers (busybox httpd) read the request from one descriptor and answer on a
 * dup() of it; a write on an unrelated descriptor meanwhile is not the answer. */
static void test_answer_on_a_dup_of_the_socket(void **state)
{
	struct link l = open_link(), other = open_link();
	const char *resp = "HTTP/1.0 201 Created\r\n\r\n";
	char buf[256];
	int out = dup(l.server);

	assert_true(out >= 0);
	client_send(&l, "PUT /inetd HTTP/1.0\r\n\r\n");
	assert_true(read(l.server, buf, sizeof(buf)) > 0);
	assert_int_equal(write(other.server, "HTTP/1.0 500 No\r\n\r\n", 20), 20);
	assert_int_equal(collect(), 0);
	assert_int_equal(write(out, resp, strlen(resp)), (ssize_t)strlen(resp));
	assert_int_equal(collect(), 1);
	assert_record(0, "PUT /inetd HTTP/1.0", 201);
	close(out);
	close_link(&other);
	close_link(&l);
}

static void test_forked_child_is_watched(void **state)
{
	struct link l = open_link();
	pid_t child = fork();
	int status;

	assert_true(child >= 0);
	if (child == 0) { /* the child serves one request on the inherited socket */
		char buf[256];
		const char *resp = "HTTP/1.0 302 Found\r\n\r\n";

		if (read(l.server, buf, sizeof(buf)) <= 0 ||
		    write(l.server, resp, strlen(resp)) != (ssize_t)strlen(resp))
			_exit(1);
		_exit(0);
	}
	client_send(&l, "GET /from-child HTTP/1.0\r\n\r\n");
	assert_int_equal(waitpid(child, &status, 0), child);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	close_link(&l);
	assert_int_equal(collect(), 1);
	assert_int_equal(records[0].status, 302);
	assert_int_equal(records[0].tgid, child);
	assert_memory_equal(records[0].line, "GET /from-child HTTP/1.0", 24);
}

static void test_long_request_line_is_truncated_safely(void **state)
{
	struct link l = open_link();
	char req[2048];
	int n = snprintf(req, sizeof(req), "GET /");

	while (n < 1500)
		req[n++] = 'x';
	snprintf(req + n, sizeof(req) - n, " HTTP/1.1\r\n\r\n");
	client_send(&l, req);
	server_read_request(&l, READ_READ, 0);
	server_write(&l, WRITE_WRITE, "HTTP/1.1 414 URI Too Long\r\n\r\n");
	close_link(&l);
	assert_int_equal(collect(), 1);
	assert_int_equal(records[0].status, 414);
	assert_int_equal(records[0].line_len, FEE_LINE_MAX);
	assert_true(records[0].flags & FEE_REC_LINE_TRUNCATED);
	assert_memory_equal(records[0].line, "GET /xxx", 8);
}

/* Writes one string to fd (the "log" of these cases: a pipe, not a connection). */
static void log_line(int fd, const char *s)
{
	assert_int_equal(write(fd, s, strlen(s)), (ssize_t)strlen(s));
}

/* A write from a thread of its own (a worker pool's writer), which serves no request. */
struct thread_write {
	int fd;
	const char *bytes;
	ssize_t ret;
};

static void *thread_write_run(void *arg)
{
	struct thread_write *w = arg;

	w->ret = write(w->fd, w->bytes, strlen(w->bytes));
	return NULL;
}

static void write_from_another_thread(int fd, const char *bytes)
{
	struct thread_write w = { .fd = fd, .bytes = bytes };
	pthread_t thread;

	assert_int_equal(pthread_create(&thread, NULL, thread_write_run, &w), 0);
	assert_int_equal(pthread_join(thread, NULL), 0);
	assert_int_equal(w.ret, (ssize_t)strlen(bytes));
}

/*
 * A write's entry skips what cannot be a response (socket_io.bpf.h, write_may_matter()):
 * a thread that serves no unanswered request is stashed only on a socket. Here the
 * response leaves from a thread that read nothing, so only the descriptor test lets it
 * through, on a descriptor past the 64 a process's file table starts with (the table then
 * lives in an array of its own); the reading thread's own writes to a pipe after its
 * thread answered are skipped and change nothing.
 */
static void test_answer_from_a_thread_that_read_nothing(void **state)
{
	struct link l = open_link();
	int high = fcntl(l.server, F_DUPFD, 300), pipe_fds[2];
	char sink[256];

	assert_true(high >= 300);
	assert_int_equal(pipe(pipe_fds), 0);
	close(l.server);
	l.server = high;
	client_send(&l, "GET /pool HTTP/1.1\r\n\r\n");
	server_read_request(&l, READ_READ, 0);
	write_from_another_thread(l.server, "HTTP/1.1 203 Non-Authoritative\r\n\r\n");
	assert_int_equal(collect(), 1);
	assert_record(0, "GET /pool HTTP/1.1", 203);
	/* Keep-alive: the next response from the pool too, while the reader logs. */
	client_send(&l, "GET /pool2 HTTP/1.1\r\n\r\n");
	server_read_request(&l, READ_RECVFROM, 0);
	write_from_another_thread(pipe_fds[1], "HTTP/1.1 500 Not this\r\n\r\n");
	write_from_another_thread(l.server, "HTTP/1.1 204 No Content\r\n\r\n");
	log_line(pipe_fds[1], "HTTP/1.1 500 Nor this\r\n\r\n");
	assert_true(read(pipe_fds[0], sink, sizeof(sink)) > 0);
	assert_int_equal(collect(), 1);
	assert_record(0, "GET /pool2 HTTP/1.1", 204);
	close(pipe_fds[0]);
	close(pipe_fds[1]);
	client_drain(&l);
	close_link(&l);
	assert_int_equal(collect(), 0);
}

/* A request whose serving thread logs `log_a` then `log_b` before its 500 goes out;
 * returns whether the record was flagged as an exception. */
static int served_with_log(const char *log_a, const char *log_b, int log_after_response)
{
	struct link l = open_link();
	int pipe_fds[2];
	char sink[4096];
	int flagged;

	assert_int_equal(pipe(pipe_fds), 0);
	client_send(&l, "GET /boom HTTP/1.1\r\n\r\n");
	server_read_request(&l, READ_RECVFROM, 0);
	if (!log_after_response) {
		log_line(pipe_fds[1], log_a);
		log_line(pipe_fds[1], log_b);
	}
	server_write(&l, WRITE_SENDTO, "HTTP/1.1 500 INTERNAL SERVER ERROR\r\n\r\n");
	if (log_after_response) {
		log_line(pipe_fds[1], log_a);
		log_line(pipe_fds[1], log_b);
	}
	assert_true(read(pipe_fds[0], sink, sizeof(sink)) > 0);
	close(pipe_fds[0]);
	close(pipe_fds[1]);
	client_drain(&l);
	close_link(&l);
	assert_int_equal(collect(), 1);
	assert_int_equal(records[0].status, 500);
	flagged = (records[0].flags & FEE_REC_EXCEPTION) != 0;
	return flagged;
}

static void test_exception_log_flags_the_request(void **state)
{
	/* Flask's record, line-buffered: the two markers in two writes. */
	assert_true(served_with_log(
		"[2026-01-01 00:00:00,000] ERROR in app: Exception on /boom [GET]\n",
		"Traceback (most recent call last):\n  File \"app.py\"\n", 0));
	/* All in one write, as werkzeug and gunicorn do it. */
	assert_true(
		served_with_log("ERROR in app: Exception on /boom [GET]\nTraceback (most recent "
				"call last):\n",
				"ValueError: boom\n", 0));
}

static void test_other_logging_is_not_an_exception(void **state)
{
	/* One marker alone, markers in the wrong order, and both logged after the response. */
	assert_false(served_with_log("Exception on /boom [GET]\n", "no traceback here\n", 0));
	assert_false(
		served_with_log("Traceback (most recent call last):\n", "Exception on /x\n", 0));
	assert_false(served_with_log("Exception on /boom [GET]\n",
				     "Traceback (most recent call last):\n", 1));
	/* A near miss of the marker. */
	assert_false(served_with_log("Exception  on /boom [GET]\n",
				     "Traceback (most recent call last):\n", 0));
}

/* ---- with in-progress records and the query string asked for (group 2) ---------------- */

static void test_started_then_finished(void **state)
{
	struct link l = open_link();

	client_send(&l, "GET /slow?x=1 HTTP/1.1\r\n\r\n");
	server_read_request(&l, READ_RECVFROM, 0);
	assert_int_equal(collect(), 1);
	assert_int_equal(records[0].kind, FEE_KIND_STARTED);
	assert_int_equal(records[0].duration_ns, 0);
	assert_record(0, "GET /slow?x=1 HTTP/1.1", 0);
	server_write(&l, WRITE_SENDTO, "HTTP/1.1 200 OK\r\n\r\n");
	client_drain(&l);
	close_link(&l);
	assert_int_equal(collect(), 1);
	assert_int_equal(records[0].kind, FEE_KIND_FINISHED);
	assert_true(records[0].flags & FEE_REC_START_EMITTED);
	assert_record(0, "GET /slow?x=1 HTTP/1.1", 200);
}

static void test_unanswered_request_is_abandoned(void **state)
{
	struct link l = open_link();

	client_send(&l, "GET /never HTTP/1.1\r\n\r\n");
	server_read_request(&l, READ_READ, 0);
	close_link(&l);
	assert_int_equal(collect(), 2);
	assert_int_equal(records[0].kind, FEE_KIND_STARTED);
	assert_int_equal(records[1].kind, FEE_KIND_ABANDONED);
	assert_true(records[1].flags & FEE_REC_START_EMITTED);
	assert_record(1, "GET /never HTTP/1.1", 0);

	/* Answered with something that is not HTTP: abandoned as well, once. */
	l = open_link();
	client_send(&l, "GET /garbled HTTP/1.1\r\n\r\n");
	server_read_request(&l, READ_READ, 0);
	server_write(&l, WRITE_WRITE, "SSH-2.0-OpenSSH_9.2\r\n");
	close_link(&l);
	assert_int_equal(collect(), 2);
	assert_int_equal(records[1].kind, FEE_KIND_ABANDONED);
}

static void test_exiting_server_abandons_its_requests(void **state)
{
	struct link l = open_link();
	pid_t child;
	int status;

	client_send(&l, "GET /killed HTTP/1.1\r\n\r\n");
	child = fork();
	assert_true(child >= 0);
	if (child == 0) { /* reads the request, then dies without answering or closing */
		char buf[256];

		_exit(read(l.server, buf, sizeof(buf)) > 0 ? 0 : 1);
	}
	assert_int_equal(waitpid(child, &status, 0), child);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	close_link(&l);
	assert_int_equal(collect(), 2);
	assert_int_equal(records[0].kind, FEE_KIND_STARTED);
	assert_int_equal(records[1].kind, FEE_KIND_ABANDONED);
	assert_int_equal(records[1].tgid, child);
	assert_memory_equal(records[1].line, "GET /killed HTTP/1.1", 20);
}

/* The capture (opts NULL: the defaults), watching this process. */
static int setup_with(const struct capture_options *opts)
{
	capture = capture_open(hooks_under_test(), opts, on_record, NULL);
	if (!capture)
		return -1;
	if (target_watch_tree(capture, getpid(), TEST_TARGET) != 1)
		return -1;
	collect();
	return 0;
}

static int setup_started(void **state)
{
	const struct capture_options opts = { .keep_query = 1, .emit_started = 1 };

	return setup_with(&opts);
}

/* ---- pipelining: several requests owed at once ------------------------------------------ */

/* Reads exactly `want` bytes on the server side (in as many reads as it takes). */
static void server_read_exactly(struct link *l, size_t want)
{
	char buf[8192];

	while (want > 0) {
		ssize_t n = read(l->server, buf, want < sizeof(buf) ? want : sizeof(buf));

		assert_true(n > 0);
		want -= (size_t)n;
	}
}

static const char *const ok_204 = "HTTP/1.1 204 No Content\r\n\r\n";

static void test_pipelined_requests_answered_in_order(void **state)
{
	const char *reqs = "GET /p1 HTTP/1.1\r\nHost: x\r\n\r\n"
			   "GET /p2?q=1 HTTP/1.1\r\nHost: x\r\n\r\n"
			   "DELETE /p3 HTTP/1.1\r\nContent-Length: 0\r\n\r\n";
	struct link l = open_link();

	client_send(&l, reqs);
	server_read_exactly(&l, strlen(reqs)); /* all three heads in one read */
	server_write(&l, WRITE_WRITE, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n");
	server_write(&l, WRITE_WRITE, "Hello"); /* a body that starts like a status line */
	server_write(&l, WRITE_WRITE, "HTTP/1.1 404 Not Found\r\n\r\n");
	server_write(&l, WRITE_WRITE, ok_204);
	client_drain(&l);
	close_link(&l);
	assert_int_equal(collect(), 3);
	assert_record(0, "GET /p1 HTTP/1.1", 200);
	assert_record(1, "GET /p2 HTTP/1.1", 404);
	assert_record(2, "DELETE /p3 HTTP/1.1", 204);
}

static void test_pipelined_responses_in_one_vector_write(void **state)
{
	const char *reqs = "GET /v1 HTTP/1.1\r\n\r\nGET /v2 HTTP/1.1\r\n\r\n";
	const char *r1 = "HTTP/1.1 201 Created\r\n\r\n", *r2 = "HTTP/1.1 202 Accepted\r\n\r\n";
	struct iovec iov[2] = { { (void *)r1, strlen(r1) }, { (void *)r2, strlen(r2) } };
	struct link l = open_link();

	client_send(&l, reqs);
	server_read_exactly(&l, strlen(reqs));
	assert_int_equal(writev(l.server, iov, 2), (ssize_t)(strlen(r1) + strlen(r2)));
	client_drain(&l);
	close_link(&l);
	assert_int_equal(collect(), 2);
	assert_record(0, "GET /v1 HTTP/1.1", 201);
	assert_record(1, "GET /v2 HTTP/1.1", 202);
}

static void test_pipelined_request_read_while_response_owed(void **state)
{
	struct link l = open_link();

	client_send(&l, "GET /a HTTP/1.1\r\n\r\n");
	server_read_request(&l, READ_RECVFROM, 0);
	client_send(&l, "GET /b HTTP/1.1\r\n\r\n");
	server_read_request(&l, READ_RECVFROM, 0); /* read before /a is answered */
	server_write(&l, WRITE_SENDTO, "HTTP/1.1 200 OK\r\n\r\n");
	server_write(&l, WRITE_SENDTO, "HTTP/1.1 500 Oops\r\n\r\n");
	client_drain(&l);
	close_link(&l);
	assert_int_equal(collect(), 2);
	assert_record(0, "GET /a HTTP/1.1", 200);
	assert_record(1, "GET /b HTTP/1.1", 500);
}

static void test_unanswered_pipelined_requests_are_not_counted(void **state)
{
	const char *reqs =
		"GET /u1 HTTP/1.1\r\n\r\nGET /u2 HTTP/1.1\r\n\r\nGET /u3 HTTP/1.1\r\n\r\n";
	struct link l = open_link();

	client_send(&l, reqs);
	server_read_exactly(&l, strlen(reqs));
	server_write(&l, WRITE_WRITE, ok_204);
	close_link(&l); /* /u2 and /u3 never answered */
	assert_int_equal(collect(), 1);
	assert_record(0, "GET /u1 HTTP/1.1", 204);

	/* The descriptor number comes back for a new connection: nothing of the old one. */
	l = open_link();
	client_send(&l, "GET /fresh HTTP/1.1\r\n\r\n");
	server_read_request(&l, READ_READ, 0);
	server_write(&l, WRITE_WRITE, ok_204);
	close_link(&l);
	assert_int_equal(collect(), 1);
	assert_record(0, "GET /fresh HTTP/1.1", 204);
}

static void test_bodies_are_not_taken_for_requests(void **state)
{
	/* A Content-Length body that looks like a request, then a real pipelined request. */
	const char *reqs = "POST /form HTTP/1.1\r\ncontent-LENGTH: 24\r\n\r\n"
			   "GET /fake HTTP/1.1\r\n\r\n\r\n"
			   "GET /real HTTP/1.1\r\n\r\n";
	/* A chunked body that looks like a request, in a read of its own. */
	const char *chunked_head = "POST /chunked HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n";
	const char *chunked_body = "GET /fake2 HTTP/1.1\r\n\r\n";
	struct link l = open_link();

	client_send(&l, reqs);
	server_read_exactly(&l, strlen(reqs));
	server_write(&l, WRITE_WRITE, "HTTP/1.1 200 OK\r\n\r\n");
	server_write(&l, WRITE_WRITE, "HTTP/1.1 201 Created\r\n\r\n");

	client_send(&l, chunked_head);
	server_read_exactly(&l, strlen(chunked_head));
	client_send(&l, chunked_body);
	server_read_exactly(&l, strlen(chunked_body));
	server_write(&l, WRITE_WRITE, "HTTP/1.1 202 Accepted\r\n\r\n");
	/* Answered: the connection's next request is seen again. */
	client_send(&l, "GET /after HTTP/1.1\r\n\r\n");
	server_read_request(&l, READ_READ, 0);
	server_write(&l, WRITE_WRITE, ok_204);
	client_drain(&l);
	close_link(&l);
	assert_int_equal(collect(), 4);
	assert_record(0, "POST /form HTTP/1.1", 200);
	assert_record(1, "GET /real HTTP/1.1", 201);
	assert_record(2, "POST /chunked HTTP/1.1", 202);
	assert_record(3, "GET /after HTTP/1.1", 204);
}

static void test_pipeline_overflow_is_counted_not_guessed(void **state)
{
	struct capture_stats before, after;
	struct link l = open_link();
	char reqs[2048] = "";
	int i;

	for (i = 0; i < 12; i++)
		snprintf(reqs + strlen(reqs), sizeof(reqs) - strlen(reqs),
			 "GET /o%d HTTP/1.1\r\n\r\n", i);
	assert_int_equal(capture_read_stats(capture, &before), 0);
	client_send(&l, reqs);
	server_read_exactly(&l, strlen(reqs));
	for (i = 0; i < 12; i++)
		server_write(&l, WRITE_WRITE, ok_204);
	client_drain(&l);
	close_link(&l);
	assert_int_equal(capture_read_stats(capture, &after), 0);
	/* The first ones are matched exactly; the rest are not guessed at, but reported. */
	assert_int_equal(collect(), 7);
	for (i = 0; i < 7; i++) {
		char line[64];

		snprintf(line, sizeof(line), "GET /o%d HTTP/1.1", i);
		assert_record(i, line, 204);
	}
	assert_int_equal(after.counters[FEE_CNT_PIPELINE_OVERFLOW] -
				 before.counters[FEE_CNT_PIPELINE_OVERFLOW],
			 1);
}

static int setup(void **state)
{
	return setup_with(NULL);
}

static int teardown(void **state)
{
	capture_close(capture);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_read_and_write_syscall),
		cmocka_unit_test(test_keep_alive_counts_each_request),
		cmocka_unit_test(test_duration_spans_head_to_status_line),
		cmocka_unit_test(test_trickled_head_starts_the_clock_at_its_end),
		cmocka_unit_test(test_interim_100_continue_and_split_status_line),
		cmocka_unit_test(test_unanswered_and_non_http_emit_nothing),
		cmocka_unit_test(test_pipes_are_not_connections),
		cmocka_unit_test(test_answer_on_a_dup_of_the_socket),
		cmocka_unit_test(test_answer_from_a_thread_that_read_nothing),
		cmocka_unit_test(test_forked_child_is_watched),
		cmocka_unit_test(test_long_request_line_is_truncated_safely),
		cmocka_unit_test(test_exception_log_flags_the_request),
		cmocka_unit_test(test_other_logging_is_not_an_exception),
		cmocka_unit_test(test_pipelined_requests_answered_in_order),
		cmocka_unit_test(test_pipelined_responses_in_one_vector_write),
		cmocka_unit_test(test_pipelined_request_read_while_response_owed),
		cmocka_unit_test(test_unanswered_pipelined_requests_are_not_counted),
		cmocka_unit_test(test_bodies_are_not_taken_for_requests),
		cmocka_unit_test(test_pipeline_overflow_is_counted_not_guessed),
	};

	const struct CMUnitTest started_tests[] = {
		cmocka_unit_test(test_started_then_finished),
		cmocka_unit_test(test_unanswered_request_is_abandoned),
		cmocka_unit_test(test_exiting_server_abandons_its_requests),
	};
	int failed;

	if (geteuid() != 0) {
		fprintf(stderr, "test_kernel_records: needs root (loads BPF programs)\n");
		return 1;
	}
	/* As in the daemon: libbpf's warnings about the hook modes auto rules out stay quiet. */
	libbpf_set_print((libbpf_print_fn_t)log_libbpf);
	failed = cmocka_run_group_tests(tests, setup, teardown);
	return failed + cmocka_run_group_tests_name("started_records", started_tests, setup_started,
						    teardown);
}
