// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "capture/tls_probes.h"

#include "capture/elf_symbols.h"
#include "capture/proc_maps.h"
#include "util/log.h"

#include <bpf/libbpf.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Distinct candidate files looked at (probed or not); past it, new files are skipped and
 * counted as failed probes. */
#define MAX_FILES 256

enum tls_function { FN_READ, FN_READ_EX, FN_WRITE, FN_WRITE_EX, FN_FREE, FN_MAX };

static const char *const function_names[FN_MAX] = {
	[FN_READ] = "SSL_read",		[FN_READ_EX] = "SSL_read_ex", [FN_WRITE] = "SSL_write",
	[FN_WRITE_EX] = "SSL_write_ex", [FN_FREE] = "SSL_free",
};

/* A file that could hold OpenSSL, looked at once. */
struct tls_file {
	dev_t dev;
	ino_t ino;
	char *path; /* as the process that mapped it sees it */
	bool probed;
	size_t n_links;
	struct bpf_link *links[2 * FN_MAX]; /* entry probes, and return probes of the I/O calls */
};

struct tls_probes {
	struct tls_programs progs;
	struct tls_file *files;
	size_t n_files;
	unsigned int attached, failed;
};

struct tls_probes *tls_probes_new(const struct tls_programs *progs)
{
	struct tls_probes *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->files = calloc(MAX_FILES, sizeof(*t->files));
	if (!t->files) {
		free(t);
		return NULL;
	}
	t->progs = *progs;
	return t;
}

void tls_probes_free(struct tls_probes *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->n_files; i++) {
		for (size_t l = 0; l < t->files[i].n_links; l++)
			bpf_link__destroy(t->files[i].links[l]);
		free(t->files[i].path);
	}
	free(t->files);
	free(t);
}

static struct bpf_program *entry_program(const struct tls_programs *p, enum tls_function fn)
{
	switch (fn) {
	case FN_READ:
		return p->ssl_read;
	case FN_READ_EX:
		return p->ssl_read_ex;
	case FN_WRITE:
		return p->ssl_write;
	case FN_WRITE_EX:
		return p->ssl_write_ex;
	default:
		return p->ssl_free;
	}
}

static void attach_one(struct tls_probes *t, struct tls_file *f, const char *binary,
		       struct bpf_program *prog, size_t offset, bool retprobe, const char *fn)
{
	LIBBPF_OPTS(bpf_uprobe_opts, opts, .retprobe = retprobe);
	struct bpf_link *link;

	/* pid -1: every process running this file; the programs check the target set. */
	link = bpf_program__attach_uprobe_opts(prog, -1, binary, offset, &opts);
	if (!link) {
		t->failed++;
		log_error("cannot attach a uprobe to %s in %s: %s", fn, f->path, strerror(errno));
		return;
	}
	f->links[f->n_links++] = link;
	t->attached++;
}

/* binary: f's path reachable from here (through /proc/PID/root). */
static void probe_file(struct tls_probes *t, struct tls_file *f, const char *binary, bool is_exe)
{
	size_t offsets[FN_MAX];
	char names[128] = "";
	int found = elf_function_offsets(binary, function_names, FN_MAX, offsets);

	if (found < 0 || !offsets[FN_READ] || !offsets[FN_WRITE]) {
		/* Most executables have no OpenSSL in them; a libssl without it is news. */
		if (!is_exe)
			log_info("%s: no OpenSSL symbols (%s): TLS through it is not measured",
				 f->path,
				 found < 0 ? strerror(-found) : "stripped, or not OpenSSL");
		return;
	}
	for (int fn = 0; fn < FN_MAX; fn++) {
		if (!offsets[fn])
			continue; /* SSL_read_ex and SSL_write_ex are new in OpenSSL 1.1.1 */
		attach_one(t, f, binary, entry_program(&t->progs, fn), offsets[fn], false,
			   function_names[fn]);
		if (fn != FN_FREE)
			attach_one(t, f, binary, t->progs.ssl_return, offsets[fn], true,
				   function_names[fn]);
		strncat(names, " ", sizeof(names) - strlen(names) - 1);
		strncat(names, function_names[fn], sizeof(names) - strlen(names) - 1);
	}
	f->probed = true;
	log_info("TLS: probing OpenSSL in %s%s:%s", f->path, is_exe ? " (linked statically)" : "",
		 names);
}

static bool is_candidate(const char *path, const char *exe)
{
	const char *base = strrchr(path, '/');

	return strcmp(path, exe) == 0 || strncmp(base ? base + 1 : path, "libssl", 6) == 0;
}

/* The file at `binary`, looked at before or now. */
static void consider_file(struct tls_probes *t, const char *path, const char *binary, bool is_exe)
{
	struct tls_file *f;
	struct stat st;

	if (stat(binary, &st))
		return; /* gone, or replaced on disk (" (deleted)"): nothing to attach to */
	for (size_t i = 0; i < t->n_files; i++)
		if (t->files[i].dev == st.st_dev && t->files[i].ino == st.st_ino)
			return;
	if (t->n_files == MAX_FILES) {
		t->failed++;
		log_error("TLS: more than %d candidate libraries; %s is not probed", MAX_FILES,
			  path);
		return;
	}
	f = &t->files[t->n_files];
	f->path = strdup(path);
	if (!f->path)
		return;
	f->dev = st.st_dev;
	f->ino = st.st_ino;
	t->n_files++;
	probe_file(t, f, binary, is_exe);
}

int tls_probes_scan_process(struct tls_probes *t, pid_t pid)
{
	char maps_path[64], exe_link[64], exe[PATH_MAX] = "", binary[PATH_MAX + 64];
	size_t n_before = t->n_files;
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	FILE *maps;
	int probed = 0;

	snprintf(maps_path, sizeof(maps_path), "/proc/%d/maps", (int)pid);
	snprintf(exe_link, sizeof(exe_link), "/proc/%d/exe", (int)pid);
	len = readlink(exe_link, exe, sizeof(exe) - 1);
	exe[len > 0 ? len : 0] = '\0';
	maps = fopen(maps_path, "re");
	if (!maps)
		return -errno;
	while (getline(&line, &cap, maps) > 0) {
		struct proc_mapping m;

		if (proc_maps_parse_line(line, &m) || !proc_mapping_is_file_code(&m) ||
		    !is_candidate(m.path, exe))
			continue;
		/* The path as the process sees it, reached through its root (a container's). */
		snprintf(binary, sizeof(binary), "/proc/%d/root%s", (int)pid, m.path);
		consider_file(t, m.path, binary, strcmp(m.path, exe) == 0);
	}
	free(line);
	fclose(maps);
	for (size_t i = n_before; i < t->n_files; i++)
		probed += t->files[i].probed;
	return probed;
}

unsigned int tls_probes_attached(const struct tls_probes *t)
{
	return t->attached;
}

unsigned int tls_probes_failed(const struct tls_probes *t)
{
	return t->failed;
}

size_t tls_probes_libraries(const struct tls_probes *t, const char **paths, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < t->n_files; i++) {
		if (!t->files[i].probed)
			continue;
		if (n < max)
			paths[n] = t->files[i].path;
		n++;
	}
	return n;
}
