/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The socket syscalls whose exits need one and the same program, as lists both sides
 * share: the BPF side defines their exit handlers from them (bpf/socket_syscalls.bpf.h).
 * In tracepoint mode each of their sys_exit_* tracepoints has a small program that
 * tail-calls the shared program of its list (bpf/hooks_tracepoint.bpf.h), which the daemon
 * puts into the slots below (src/capture/tracepoint_exits.c): the verifier goes through
 * each part of the state machine once instead of once per syscall.
 *
 * X(name) is expanded once per syscall.
 */
#ifndef FEE_SOCKET_SYSCALLS_H
#define FEE_SOCKET_SYSCALLS_H

/* Reads: the exit reads the call's arguments from the thread's saved user registers
 * (bpf/syscall_regs.bpf.h), so they have no entry program. */
#define FEE_SOCKET_READ_SYSCALLS(X) X(read) X(readv) X(recvfrom) X(recvmsg)

/* Writes: the exit hands its return value to the call stashed at entry (the entry time is
 * when the response started to leave). */
#define FEE_SOCKET_WRITE_SYSCALLS(X) X(write) X(writev) X(sendto) X(sendmsg)

/* accept and accept4: the descriptor handed out carries no connection state yet. */
#define FEE_SOCKET_ACCEPT_SYSCALLS(X) X(accept) X(accept4)

/* Slots of the tail-call table tp_shared_exits: the shared exit program of each list. */
enum fee_shared_exit {
	FEE_SHARED_EXIT_SOCKET_READ,
	FEE_SHARED_EXIT_SOCKET_WRITE,
	FEE_SHARED_EXIT_SOCKET_ACCEPT,
	FEE_SHARED_EXITS,
};

#endif
