// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "capture/hook_probe.h"

#include "hook_probe.skel.h"
#include "capture/tracefs.h"

#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

/* Does the running kernel's BTF have __sock_sendmsg? Asked once: the kernel's type
 * information is large, so it is not kept. */
static bool kernel_has_sock_sendmsg_split(void)
{
	static int known = -1;
	struct btf *btf;

	if (known < 0) {
		btf = btf__load_vmlinux_btf();
		known = btf && btf__find_by_name_kind(btf, "__sock_sendmsg", BTF_KIND_FUNC) > 0;
		btf__free(btf);
	}
	return known;
}

/*
 * The send syscalls reach the socket layer through __sock_sendmsg on kernels that have it
 * (Linux 6.6, and the stable kernels it went back to, e.g. Debian 12's 6.1), where
 * sock_sendmsg is left to kernel callers; through sock_sendmsg before. The socket-level
 * families carry programs for both (bpf/hooks_socket_*.bpf.h); the kernel says which fit.
 */
static bool fits_kernel(const struct bpf_program *prog)
{
	const char *fn = hook_section_function(bpf_program__section_name(prog));
	bool split = !strcmp(fn, "__sock_sendmsg");

	if (!split && strcmp(fn, "sock_sendmsg"))
		return true;
	return split == kernel_has_sock_sendmsg_split();
}

int hook_select(struct bpf_object *obj, enum hook_mode mode)
{
	struct bpf_program *prog;

	bpf_object__for_each_program (prog, obj) {
		enum hook_mode family = hook_mode_of_program(bpf_program__name(prog),
							     bpf_program__section_name(prog));
		int err;

		if (family == HOOK_MODE_AUTO) /* shared by every mode */
			continue;
		err = bpf_program__set_autoload(prog, family == mode && fits_kernel(prog));
		if (err)
			return err;
	}
	return 0;
}

/* The socket-level probes' attach points, by link: at most one per probe program. */
#define PROBE_LINKS 8

/*
 * The probing thread's own socket reads and writes, every syscall the socket-level hooks
 * map (read, readv, recvfrom, recvmsg and their writes), on a socketpair: the attached
 * probes must have seen each one reach the socket function with its syscall's number and
 * descriptor (bpf/hook_probe.bpf.c). Returns 0, or -EOPNOTSUPP with the reason in why.
 */
static int socket_functions_see_syscalls(struct hook_probe_bpf *skel, char *why, size_t why_size)
{
	char byte = 'x';
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	int sv[2];
	bool moved;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv)) {
		snprintf(why, why_size, "cannot make a socketpair to probe with: %s",
			 strerror(errno));
		return -errno;
	}
	skel->bss->probe_write_fd = sv[0];
	skel->bss->probe_read_fd = sv[1];
	skel->bss->probe_tid = (__u32)syscall(SYS_gettid);
	moved = write(sv[0], &byte, 1) == 1 && read(sv[1], &byte, 1) == 1 &&
		writev(sv[0], &iov, 1) == 1 && readv(sv[1], &iov, 1) == 1 &&
		sendto(sv[0], &byte, 1, 0, NULL, 0) == 1 &&
		recvfrom(sv[1], &byte, 1, 0, NULL, NULL) == 1 && sendmsg(sv[0], &msg, 0) == 1 &&
		recvmsg(sv[1], &msg, 0) == 1;
	skel->bss->probe_tid = 0;
	close(sv[0]);
	close(sv[1]);
	if (!moved) {
		snprintf(why, why_size, "the probing socket I/O failed: %s", strerror(errno));
		return -EIO;
	}
	if (skel->bss->reads_seen != 4 || skel->bss->writes_seen != 4) {
		snprintf(why, why_size,
			 "of the 4 socket read and 4 write syscalls, %u and %u reach the socket "
			 "functions with their arguments (a function inlined into a syscall's "
			 "path?)",
			 skel->bss->reads_seen, skel->bss->writes_seen);
		return -EOPNOTSUPP;
	}
	return 0;
}

int hook_probe(enum hook_mode mode, char *why, size_t why_size)
{
	struct hook_probe_bpf *skel = hook_probe_bpf__open();
	struct bpf_link *links[PROBE_LINKS];
	const char *section = "";
	struct bpf_program *prog;
	int nlinks = 0;
	int err;

	if (!skel) {
		err = -errno;
		snprintf(why, why_size, "cannot open the probe object: %s", strerror(errno));
		return err;
	}
	err = hook_select(skel->obj, mode);
	if (err) {
		snprintf(why, why_size, "cannot select the probe program: %s", strerror(-err));
		goto out;
	}
	err = hook_probe_bpf__load(skel);
	if (err) {
		snprintf(why, why_size, "loading a %s program failed: %s%s", hook_mode_name(mode),
			 strerror(-err), hook_mode_hint(mode, HOOK_STAGE_LOAD, err));
		goto out;
	}
	if (hook_mode_needs_tracefs(mode)) {
		err = tracefs_ensure_mounted();
		if (err) {
			snprintf(why, why_size, "tracefs is unavailable: %s", strerror(-err));
			goto out;
		}
	}
	bpf_object__for_each_program (prog, skel->obj) {
		if (!bpf_program__autoload(prog) || nlinks == PROBE_LINKS)
			continue;
		section = bpf_program__section_name(prog);
		links[nlinks] = bpf_program__attach(prog);
		if (!links[nlinks]) {
			err = -errno;
			snprintf(why, why_size, "attaching %s failed: %s%s", section,
				 strerror(errno), hook_mode_hint(mode, HOOK_STAGE_ATTACH, err));
			goto out;
		}
		nlinks++;
	}
	if (mode == HOOK_MODE_FENTRY || mode == HOOK_MODE_KPROBE)
		err = socket_functions_see_syscalls(skel, why, why_size);
out:
	while (nlinks > 0)
		bpf_link__destroy(links[--nlinks]);
	hook_probe_bpf__destroy(skel);
	return err;
}
