// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "capture/hook_probe.h"

#include "hook_probe.skel.h"
#include "capture/tracefs.h"

#include <bpf/libbpf.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

int hook_select(struct bpf_object *obj, enum hook_mode mode)
{
	struct bpf_program *prog;

	bpf_object__for_each_program (prog, obj) {
		enum hook_mode family = hook_mode_of_section(bpf_program__section_name(prog));
		int err;

		if (family == HOOK_MODE_AUTO) /* shared by every mode */
			continue;
		err = bpf_program__set_autoload(prog, family == mode);
		if (err)
			return err;
	}
	return 0;
}

int hook_probe(enum hook_mode mode, char *why, size_t why_size)
{
	struct hook_probe_bpf *skel = hook_probe_bpf__open();
	const char *section = "";
	struct bpf_program *prog;
	struct bpf_link *link;
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
		if (!bpf_program__autoload(prog))
			continue;
		section = bpf_program__section_name(prog);
		link = bpf_program__attach(prog);
		if (!link) {
			err = -errno;
			snprintf(why, why_size, "attaching %s failed: %s%s", section,
				 strerror(errno), hook_mode_hint(mode, HOOK_STAGE_ATTACH, err));
			goto out;
		}
		bpf_link__destroy(link);
	}
out:
	hook_probe_bpf__destroy(skel);
	return err;
}
