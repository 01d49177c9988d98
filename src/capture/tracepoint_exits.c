// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "capture/tracepoint_exits.h"

#include "exporter.skel.h"
#include "socket_syscalls.h"

#include <bpf/libbpf.h>
#include <errno.h>
#include <stdio.h>

#define EXIT_TRACEPOINT(name) "sys_exit_" #name,

static const char *const io_exits[] = { FEE_SOCKET_IO_SYSCALLS(EXIT_TRACEPOINT) };
static const char *const accept_exits[] = { FEE_SOCKET_ACCEPT_SYSCALLS(EXIT_TRACEPOINT) };

#define COUNT_OF(a) (sizeof(a) / sizeof((a)[0]))

_Static_assert(COUNT_OF(io_exits) + COUNT_OF(accept_exits) == TRACEPOINT_EXIT_LINKS,
	       "TRACEPOINT_EXIT_LINKS counts the syscalls of include/socket_syscalls.h");

void tracepoint_exits_attach_manually(struct exporter_bpf *skel)
{
	bpf_program__set_autoattach(skel->progs.tp_exit_socket_io, false);
	bpf_program__set_autoattach(skel->progs.tp_exit_socket_accept, false);
}

/* Attaches prog to each of the n tracepoints, into links[]. */
static int attach_each(const struct bpf_program *prog, const char *const *tracepoints, size_t n,
		       struct bpf_link **links, char *failed, size_t failed_size)
{
	for (size_t i = 0; i < n; i++) {
		links[i] = bpf_program__attach_tracepoint(prog, "syscalls", tracepoints[i]);
		if (!links[i]) {
			int err = -errno;

			snprintf(failed, failed_size, "tracepoint/syscalls/%s", tracepoints[i]);
			return err;
		}
	}
	return 0;
}

int tracepoint_exits_attach(const struct exporter_bpf *skel, struct bpf_link **links, char *failed,
			    size_t failed_size)
{
	int err = attach_each(skel->progs.tp_exit_socket_io, io_exits, COUNT_OF(io_exits), links,
			      failed, failed_size);

	if (err)
		return err;
	return attach_each(skel->progs.tp_exit_socket_accept, accept_exits, COUNT_OF(accept_exits),
			   links + COUNT_OF(io_exits), failed, failed_size);
}
