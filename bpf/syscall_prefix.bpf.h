/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The architecture's syscall wrapper prefix, for fentry on syscalls (libbpf's ksyscall
 * finds the same prefix at run time). */
#ifndef FEE_SYSCALL_PREFIX_BPF_H
#define FEE_SYSCALL_PREFIX_BPF_H

#if defined(__TARGET_ARCH_x86)
#define FEE_SYSCALL_PREFIX "__x64_sys_"
#elif defined(__TARGET_ARCH_arm64)
#define FEE_SYSCALL_PREFIX "__arm64_sys_"
#elif defined(__TARGET_ARCH_s390)
#define FEE_SYSCALL_PREFIX "__s390x_sys_"
#else
#error "fentry hooks: syscall wrapper prefix unknown for this architecture"
#endif

#endif
