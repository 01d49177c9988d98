// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Process selectors (--exe, --port) against a fake /proc built in a temporary directory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "targets/proc_select.h"
#include "test_files.h"

static char root_dir[] = "/tmp/fee-proc-select-XXXXXX";

static void make_dir(const char *fmt, int pid)
{
	char path[256];

	snprintf(path, sizeof(path), fmt, root_dir, pid);
	assert_int_equal(mkdir(path, 0755), 0);
}

/* A process directory with an exe link (NULL: a kernel thread, no link) and fd links. */
static void fake_process(int pid, const char *exe, const char *const *fds, int n_fds)
{
	char path[256];

	make_dir("%s/%d", pid);
	if (exe) {
		snprintf(path, sizeof(path), "%s/%d/exe", root_dir, pid);
		assert_int_equal(symlink(exe, path), 0);
	}
	make_dir("%s/%d/fd", pid);
	for (int i = 0; i < n_fds; i++) {
		snprintf(path, sizeof(path), "%s/%d/fd/%d", root_dir, pid, i);
		assert_int_equal(symlink(fds[i], path), 0);
	}
}

static const char tcp_table[] =
	"  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  "
	"timeout inode\n"
	/* 127.0.0.1:8000 LISTEN, inode 1111 */
	"   0: 0100007F:1F40 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0     "
	"   0 1111 1 0000000000000000 100 0 0 10 0\n"
	/* an established connection on port 8000 (not a listener) */
	"   1: 0100007F:1F40 0100007F:D247 01 00000000:00000000 00:00000000 00000000     0     "
	"   0 2222 1 0000000000000000 20 4 30 10 -1\n"
	/* 0.0.0.0:9000 LISTEN, inode 3333 */
	"   2: 00000000:2328 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0     "
	"   0 3333 1 0000000000000000 100 0 0 10 0\n";

static const char tcp6_table[] =
	"  sl  local_address                         remote_address                        st "
	"tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
	/* [::]:8000 LISTEN, inode 4444 */
	"   0: 00000000000000000000000000000000:1F40 00000000000000000000000000000000:0000 0A "
	"00000000:00000000 00:00000000 00000000     0        0 4444 1 0000000000000000 100 0 0 "
	"10 0\n";

static int setup(void **state)
{
	static const char *const master_fds[] = { "/dev/null", "socket:[1111]", "pipe:[77]" };
	static const char *const worker_fds[] = { "socket:[1111]", "socket:[5555]" };
	static const char *const v6_fds[] = { "anon_inode:[eventpoll]", "socket:[4444]" };
	static const char *const other_fds[] = { "socket:[3333]", "socket:[11110]" };
	char net[256];

	if (!mkdtemp(root_dir))
		return -1;
	fake_process(100, "/usr/bin/python3.11", master_fds, 3);
	fake_process(101, "/usr/bin/python3.11", worker_fds, 2);
	fake_process(200, "/opt/app/bin/server", v6_fds, 2);
	fake_process(300, "/usr/sbin/nginx (deleted)", other_fds, 2);
	fake_process(2, NULL, NULL, 0); /* kernel thread: no exe link */
	snprintf(net, sizeof(net), "%s/net", root_dir);
	assert_int_equal(mkdir(net, 0755), 0);
	write_test_file(root_dir, "net/tcp", tcp_table);
	write_test_file(root_dir, "net/tcp6", tcp6_table);
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", root_dir);
	return system(cmd);
}

struct found {
	pid_t pids[16];
	int n;
};

static int collect(void *ctx, pid_t pid)
{
	struct found *f = ctx;

	if (f->n < 16)
		f->pids[f->n] = pid;
	f->n++;
	return 0;
}

static int has(const struct found *f, pid_t pid)
{
	for (int i = 0; i < f->n && i < 16; i++)
		if (f->pids[i] == pid)
			return 1;
	return 0;
}

static void test_exe_glob(void **state)
{
	struct found f = { 0 };

	assert_int_equal(proc_select_exe(root_dir, "/usr/bin/python3*", collect, &f), 0);
	assert_int_equal(f.n, 2);
	assert_true(has(&f, 100) && has(&f, 101));

	memset(&f, 0, sizeof(f));
	/* fnmatch without FNM_PATHNAME: '*' crosses '/' */
	assert_int_equal(proc_select_exe(root_dir, "*/server", collect, &f), 0);
	assert_int_equal(f.n, 1);
	assert_true(has(&f, 200));

	/* A binary replaced on disk still matches its path. */
	memset(&f, 0, sizeof(f));
	assert_int_equal(proc_select_exe(root_dir, "/usr/sbin/nginx", collect, &f), 0);
	assert_int_equal(f.n, 1);
	assert_true(has(&f, 300));

	memset(&f, 0, sizeof(f));
	assert_int_equal(proc_select_exe(root_dir, "/usr/bin/python3", collect, &f), 0);
	assert_int_equal(f.n, 0);
}

static int stop_at_first(void *ctx, pid_t pid)
{
	*(pid_t *)ctx = pid;
	return 42;
}

static void test_callback_stops_the_walk(void **state)
{
	pid_t seen = 0;

	assert_int_equal(proc_select_exe(root_dir, "*", stop_at_first, &seen), 42);
	assert_true(seen == 100 || seen == 101 || seen == 200 || seen == 300);
	assert_int_equal(proc_select_exe("/nonexistent-proc", "*", stop_at_first, &seen), -ENOENT);
}

static void test_tcp_line_parsing(void **state)
{
	int port, st;
	unsigned long ino;
	const char *v4 = "   0: 0100007F:1F40 00000000:0000 0A 00000000:00000000 00:00000000 "
			 "00000000     0        0 1111 1 0000000000000000 100 0 0 10 0\n";

	assert_int_equal(proc_net_tcp_parse_line(v4, &port, &st, &ino), 0);
	assert_int_equal(port, 8000);
	assert_int_equal(st, 0x0A);
	assert_int_equal(ino, 1111);
	assert_int_equal(proc_net_tcp_parse_line("  sl  local_address rem_address   st tx_queue",
						 &port, &st, &ino),
			 -EINVAL);
	assert_int_equal(proc_net_tcp_parse_line("   0: 0100007F", &port, &st, &ino), -EINVAL);
	assert_int_equal(proc_net_tcp_parse_line("", &port, &st, &ino), -EINVAL);
}

static void test_listen_inodes_v4_and_v6(void **state)
{
	unsigned long inodes[4];
	int n = proc_listen_inodes(root_dir, 8000, inodes, 4);

	/* The LISTEN socket in each table; the established one on the same port is not. */
	assert_int_equal(n, 2);
	assert_true((inodes[0] == 1111 && inodes[1] == 4444) ||
		    (inodes[0] == 4444 && inodes[1] == 1111));
	assert_int_equal(proc_listen_inodes(root_dir, 9000, inodes, 4), 1);
	assert_int_equal(inodes[0], 3333);
	assert_int_equal(proc_listen_inodes(root_dir, 8001, inodes, 4), 0);
	/* More than fit: the count says so. */
	assert_int_equal(proc_listen_inodes(root_dir, 8000, inodes, 1), 2);
	assert_int_equal(proc_listen_inodes("/nonexistent-proc", 8000, inodes, 4), -ENOENT);
}

static void test_socket_owners(void **state)
{
	unsigned long v4[] = { 1111 }, both[] = { 1111, 4444 }, none[] = { 9999 };
	struct found f = { 0 };

	/* Master and worker share the listening socket; "socket:[11110]" is not 1111. */
	assert_int_equal(proc_select_socket_owners(root_dir, v4, 1, collect, &f), 0);
	assert_int_equal(f.n, 2);
	assert_true(has(&f, 100) && has(&f, 101));

	memset(&f, 0, sizeof(f));
	assert_int_equal(proc_select_socket_owners(root_dir, both, 2, collect, &f), 0);
	assert_int_equal(f.n, 3);
	assert_true(has(&f, 200));

	memset(&f, 0, sizeof(f));
	assert_int_equal(proc_select_socket_owners(root_dir, none, 1, collect, &f), 0);
	assert_int_equal(f.n, 0);
	assert_int_equal(proc_select_socket_owners(root_dir, none, 0, collect, &f), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exe_glob),
		cmocka_unit_test(test_callback_stops_the_walk),
		cmocka_unit_test(test_tcp_line_parsing),
		cmocka_unit_test(test_listen_inodes_v4_and_v6),
		cmocka_unit_test(test_socket_owners),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
