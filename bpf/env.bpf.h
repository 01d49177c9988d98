/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What every BPF header builds on: the kernel's types (vmlinux.h), libbpf's helpers, and
 * FEE_LOAD_CONFIG, the qualifier of the variables the daemon sets between open and load
 * (the skeleton's .rodata: constants the verifier sees, so it drops code they turn off).
 */
#ifndef FEE_ENV_BPF_H
#define FEE_ENV_BPF_H

/* Compiled as ordinary C for the state machine's tests, tests/conn_sim/bpf_shim.h has
 * already stood in for all of this. */
#ifndef FEE_BPF_SHIM
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#define FEE_LOAD_CONFIG const volatile
#endif

#endif
