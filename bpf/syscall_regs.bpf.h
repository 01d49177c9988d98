/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The syscall the current thread is in, from its user registers (the struct pt_regs the
 * kernel saved at syscall entry, bpf_task_pt_regs, Linux 5.15): a hook below the syscall
 * layer (hooks_socket_*.bpf.h) tells by the syscall number which syscall called it, or
 * that none of ours did (kernel_recvmsg, io_uring), and reads the syscall's own arguments
 * with libbpf's PT_REGS_PARMn_CORE_SYSCALL (orig_x0 for the first on arm64). A read's
 * exit, in every mode, takes its arguments from there too (socket_syscalls.bpf.h): until
 * the syscall returns to user space only the return value's register changes.
 */
#ifndef FEE_SYSCALL_REGS_BPF_H
#define FEE_SYSCALL_REGS_BPF_H

#include "env.bpf.h"
#include "socket_syscalls.h"

/* The syscall numbers of the socket reads and writes (asm/unistd.h), and where the
 * number is saved. */
#if defined(__TARGET_ARCH_x86)
#define FEE_NR_read 0
#define FEE_NR_write 1
#define FEE_NR_readv 19
#define FEE_NR_writev 20
#define FEE_NR_sendto 44
#define FEE_NR_recvfrom 45
#define FEE_NR_sendmsg 46
#define FEE_NR_recvmsg 47
#define FEE_SYSCALL_NR(regs) ((long)BPF_CORE_READ(regs, orig_ax))
#elif defined(__TARGET_ARCH_arm64)
#define FEE_NR_read 63
#define FEE_NR_write 64
#define FEE_NR_readv 65
#define FEE_NR_writev 66
#define FEE_NR_sendto 206
#define FEE_NR_recvfrom 207
#define FEE_NR_sendmsg 211
#define FEE_NR_recvmsg 212
#define FEE_SYSCALL_NR(regs) ((long)BPF_CORE_READ(regs, syscallno))
#else
#error "socket-level hooks: syscall numbers unknown for this architecture"
#endif

#define FEE_NR_IS(name) nr == FEE_NR_##name ||

/* Is syscall nr one of the socket reads, or writes, the exporter follows? */
static __always_inline bool syscall_is_socket_read(long nr)
{
	return FEE_SOCKET_READ_SYSCALLS(FEE_NR_IS) false;
}

static __always_inline bool syscall_is_socket_write(long nr)
{
	return FEE_SOCKET_WRITE_SYSCALLS(FEE_NR_IS) false;
}

/* include/linux/sched.h: threads whose saved registers hold no syscall of theirs. */
#define FEE_PF_IO_WORKER 0x00000010
#define FEE_PF_KTHREAD 0x00200000

/* The current thread's user registers, or NULL for a kernel thread or an io_uring
 * worker (created with zeroed registers: on x86-64 they would read as read(0, NULL, 0)). */
static __always_inline struct pt_regs *current_syscall_regs(void)
{
	struct task_struct *task = bpf_get_current_task_btf();

	if (BPF_CORE_READ(task, flags) & (FEE_PF_IO_WORKER | FEE_PF_KTHREAD))
		return NULL;
	return (struct pt_regs *)bpf_task_pt_regs(task);
}

/* The first four arguments of a syscall, as read from its saved user registers by
 * syscall_frame_read(). */
struct syscall_frame {
	__u64 a0, a1, a2, a3;
};

#if defined(__TARGET_ARCH_x86)
/* r10 to di: the fourth argument to the first, adjacent in struct pt_regs (the order the
 * entry code pushes them), so one copy takes them all. */
struct syscall_arg_regs_x86 {
	__u64 r10, r9, r8, ax, cx, dx, si, di;
};
_Static_assert(__builtin_offsetof(struct pt_regs, di) - __builtin_offsetof(struct pt_regs, r10) ==
		       __builtin_offsetof(struct syscall_arg_regs_x86, di),
	       "pt_regs: r10..di not adjacent");

/* The syscall's arguments from regs in one kernel-memory copy (a copy costs about as much
 * whatever its size, so one instead of four); false when it cannot be read. */
static __always_inline bool syscall_frame_read(struct pt_regs *regs, struct syscall_frame *f)
{
	struct syscall_arg_regs_x86 r;

	if (bpf_probe_read_kernel(&r, sizeof(r), &regs->r10))
		return false;
	f->a0 = r.di;
	f->a1 = r.si;
	f->a2 = r.dx;
	f->a3 = r.r10;
	return true;
}
#elif defined(__TARGET_ARCH_arm64)
/* x0..x3 (x0 is the return value by now: the first argument is orig_x0), two copies. */
static __always_inline bool syscall_frame_read(struct pt_regs *regs, struct syscall_frame *f)
{
	__u64 x[4];

	if (bpf_probe_read_kernel(x, sizeof(x), &regs->regs[0]) ||
	    bpf_probe_read_kernel(&f->a0, sizeof(f->a0), &regs->orig_x0))
		return false;
	f->a1 = x[1];
	f->a2 = x[2];
	f->a3 = x[3];
	return true;
}
#endif

#endif
