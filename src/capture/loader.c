// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "capture/loader.h"

#include "capture/hook_probe.h"
#include "capture/loader_internal.h"
#include "capture/tls_probes.h"
#include "capture/tracefs.h"
#include "capture/tracepoint_exits.h"
#include "exporter.skel.h"
#include "util/log.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int check_environment(void)
{
	/* Capabilities, not root, are what loading needs: main.c checked them
	 * (capture/privileges.h) before opening anything. */
	if (access("/sys/kernel/btf/vmlinux", R_OK)) {
		log_error("this kernel has no BTF (/sys/kernel/btf/vmlinux is missing): "
			  "a kernel built with CONFIG_DEBUG_INFO_BTF=y is required");
		return -ENOTSUP;
	}
	return 0;
}

static enum hook_mode family_of(const struct bpf_program *prog)
{
	return hook_mode_of_section(bpf_program__section_name(prog));
}

/* The first socket hook program that should be attached and is not: the one that failed. */
static const char *first_unattached_hook(const struct exporter_bpf *skel)
{
	const struct bpf_object_skeleton *s = skel->skeleton;

	for (int i = 0; i < s->prog_cnt; i++) {
		struct bpf_program *prog = *s->progs[i].prog;

		if (bpf_program__autoload(prog) && bpf_program__autoattach(prog) &&
		    !*s->progs[i].link && family_of(prog) != HOOK_MODE_AUTO)
			return bpf_program__section_name(prog);
	}
	return "a program";
}

/* The OpenSSL uprobes, which are attached per library (tls_probes), never by the skeleton. */
static struct tls_programs tls_programs_of(const struct exporter_bpf *skel)
{
	struct tls_programs progs = {
		.ssl_read = skel->progs.uprobe_ssl_read,
		.ssl_read_ex = skel->progs.uprobe_ssl_read_ex,
		.ssl_write = skel->progs.uprobe_ssl_write,
		.ssl_write_ex = skel->progs.uprobe_ssl_write_ex,
		.ssl_return = skel->progs.uretprobe_ssl_call,
		.ssl_free = skel->progs.uprobe_ssl_free,
	};

	return progs;
}

/* Without TLS (no capability to attach uprobes) they are not even loaded: the verifier's
 * work on the return probe is a good part of the start-up time. */
static void tls_programs_attach_manually(const struct exporter_bpf *skel, bool load)
{
	struct tls_programs p = tls_programs_of(skel);
	struct bpf_program *all[] = { p.ssl_read,     p.ssl_read_ex, p.ssl_write,
				      p.ssl_write_ex, p.ssl_return,  p.ssl_free };

	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		bpf_program__set_autoattach(all[i], false);
		bpf_program__set_autoload(all[i], load);
	}
}

/*
 * Opens, loads and attaches the object with the socket hooks of one mode. On failure
 * destroys what it made, writes why into `why` and returns -errno.
 */
static int open_with_hooks(struct capture *c, enum hook_mode mode, char *why, size_t why_size)
{
	struct exporter_bpf *skel;
	int err;

	skel = exporter_bpf__open();
	if (!skel) {
		err = -errno;
		snprintf(why, why_size, "cannot open the BPF object: %s", strerror(errno));
		return err;
	}
	err = hook_select(skel->obj, mode);
	if (err) {
		snprintf(why, why_size, "cannot select its programs: %s", strerror(-err));
		goto fail;
	}
	skel->rodata->cfg_keep_query = c->opts.keep_query ? 1 : 0;
	skel->rodata->cfg_emit_started = c->opts.emit_started ? 1 : 0;
	if (c->opts.ring_bytes) {
		err = bpf_map__set_max_entries(skel->maps.records, c->opts.ring_bytes);
		if (err) {
			snprintf(why, why_size, "cannot size the ring buffer: %s", strerror(-err));
			goto fail;
		}
		/* Wake the daemon before a small ring is full, not only on its timer. */
		if (skel->rodata->cfg_wakeup_bytes > c->opts.ring_bytes / 4)
			skel->rodata->cfg_wakeup_bytes = c->opts.ring_bytes / 4;
	}
	tls_programs_attach_manually(skel, !c->opts.no_tls);
	tracepoint_exits_attach_manually(skel);
	err = exporter_bpf__load(skel);
	if (err) {
		snprintf(why, why_size, "loading its programs failed: %s%s", strerror(-err),
			 hook_mode_hint(mode, HOOK_STAGE_LOAD, err));
		goto fail;
	}
	if (mode == HOOK_MODE_TRACEPOINT) {
		char failed[64];

		err = tracepoint_exits_install(skel, failed, sizeof(failed));
		if (err) {
			snprintf(why, why_size, "cannot install the shared exit program %s: %s",
				 failed, strerror(-err));
			goto fail;
		}
	}
	if (hook_mode_needs_tracefs(mode)) {
		err = tracefs_ensure_mounted();
		if (err) {
			snprintf(why, why_size, "tracefs is unavailable: %s", strerror(-err));
			goto fail;
		}
	}
	err = exporter_bpf__attach(skel);
	if (err) {
		snprintf(why, why_size, "attaching %s failed: %s%s", first_unattached_hook(skel),
			 strerror(-err), hook_mode_hint(mode, HOOK_STAGE_ATTACH, err));
		goto fail;
	}
	c->skel = skel;
	c->hook_mode = mode;
	return 0;
fail:
	exporter_bpf__destroy(skel);
	return err;
}

/* Tries the requested mode, or for auto each mode from the cheapest, until one works. */
static int open_cheapest_hooks(struct capture *c, enum hook_mode requested)
{
	enum hook_mode modes[HOOK_MODE_COUNT];
	int n = hook_mode_candidates(requested, modes);
	char why[256];
	int err = -ENOENT;

	for (int i = 0; i < n; i++) {
		/* A tiny probe first: a family the kernel lacks fails in milliseconds there,
		 * not after the verifier went through all of our programs. */
		err = hook_probe(modes[i], why, sizeof(why));
		if (!err)
			err = open_with_hooks(c, modes[i], why, sizeof(why));
		if (!err) {
			log_info("hooking socket I/O with %s programs", hook_mode_name(modes[i]));
			return 0;
		}
		if (requested == HOOK_MODE_AUTO)
			log_info("hook mode %s is unavailable: %s", hook_mode_name(modes[i]), why);
		else
			log_error("--hooks %s is unavailable on this kernel: %s",
				  hook_mode_name(modes[i]), why);
	}
	if (requested == HOOK_MODE_AUTO)
		log_error(
			"no hook mode works on this kernel (run with --verbose for libbpf's log)");
	return err;
}

/*
 * Loading parses the kernel's BTF once per object (3 MiB and more each) and, when a probe
 * fails, libbpf allocates a 16 MiB verifier log. Freed, such a block makes glibc raise its
 * mmap threshold to the block's size and its trim threshold to twice that, so from then on
 * blocks of megabytes come from the heap, whose freed pages are never handed back and are
 * touched again by whatever small allocations land there: 10 MiB of the daemon's resident
 * memory for good. With the thresholds pinned (glibc's defaults) large blocks are mapped and
 * unmapped whole.
 */
static void keep_large_blocks_out_of_the_heap(void)
{
#ifdef __GLIBC__
	mallopt(M_MMAP_THRESHOLD, 128 * 1024);
	mallopt(M_TRIM_THRESHOLD, 128 * 1024);
#endif
}

struct capture *capture_open(enum hook_mode hooks, const struct capture_options *opts,
			     capture_record_fn on_record, void *ctx)
{
	struct capture *c;
	int err;

	err = check_environment();
	if (err) {
		errno = -err;
		return NULL;
	}
	keep_large_blocks_out_of_the_heap();
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->on_record = on_record;
	c->ctx = ctx;
	if (opts)
		c->opts = *opts;

	err = open_cheapest_hooks(c, hooks);
	if (err)
		goto fail;
	struct tls_programs progs = tls_programs_of(c->skel);

	c->tls = tls_probes_new(&progs);
	if (!c->tls) {
		err = -ENOMEM;
		goto fail;
	}
	c->probes_attached = 0;
	for (int i = 0; i < c->skel->skeleton->prog_cnt; i++)
		if (*c->skel->skeleton->progs[i].link)
			c->probes_attached++;

	err = record_ring_open(c);
	if (err)
		goto fail;
	return c;
fail:
	capture_close(c);
	errno = -err;
	return NULL;
}

const char *capture_hook_mode(const struct capture *c)
{
	return hook_mode_name(c->hook_mode);
}

static void *detach_link(void *arg)
{
	struct bpf_link **link = arg;

	bpf_link__destroy(*link);
	*link = NULL;
	return NULL;
}

/* Links detached per thread at most: about one per program of a hook mode. */
#define DETACH_THREADS 64

/*
 * Detaching a link waits for the kernel to see the program unused (an RCU grace period
 * for a tracepoint or kprobe): one link after the other, the waits add up to seconds on a
 * busy machine. Detached each from its own thread, they overlap.
 */
static void detach_links_in_parallel(struct capture *c)
{
	const struct bpf_object_skeleton *s = c->skel->skeleton;
	pthread_t threads[DETACH_THREADS];
	int n = 0;

	for (int i = 0; i < s->prog_cnt; i++) {
		struct bpf_link **link = s->progs[i].link;

		if (!*link)
			continue;
		if (n < DETACH_THREADS && pthread_create(&threads[n], NULL, detach_link, link) == 0)
			n++;
		else
			detach_link(link);
	}
	for (int i = 0; i < n; i++)
		pthread_join(threads[i], NULL);
}

void capture_close(struct capture *c)
{
	if (!c)
		return;
	tls_probes_free(c->tls);
	free(c->known_tgids);
	free(c->cgroups);
	ring_buffer__free(c->ringbuf);
	if (c->skel)
		detach_links_in_parallel(c);
	exporter_bpf__destroy(c->skel);
	free(c);
}

int capture_read_stats(const struct capture *c, struct capture_stats *stats)
{
	int fd = bpf_map__fd(c->skel->maps.counters);
	int ncpu = libbpf_num_possible_cpus();
	__u64 *per_cpu;

	if (ncpu <= 0)
		return ncpu ? ncpu : -EINVAL;
	per_cpu = calloc((size_t)ncpu, sizeof(*per_cpu));
	if (!per_cpu)
		return -ENOMEM;
	memset(stats, 0, sizeof(*stats));
	for (__u32 key = 0; key < FEE_CNT_MAX; key++) {
		if (bpf_map_lookup_elem(fd, &key, per_cpu))
			continue;
		for (int cpu = 0; cpu < ncpu; cpu++)
			stats->counters[key] += per_cpu[cpu];
	}
	free(per_cpu);
	stats->probes_attached = c->probes_attached + tls_probes_attached(c->tls);
	stats->probes_failed = tls_probes_failed(c->tls);
	target_map_count(c, stats);
	return 0;
}
