// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* attach_all OBJECT SECONDS: load a BPF object, attach every program, hold for SECONDS. */
#include <bpf/libbpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct bpf_object *obj;
	struct bpf_program *prog;
	int attached = 0;

	if (argc != 3) {
		fprintf(stderr, "usage: attach_all OBJECT SECONDS\n");
		return 2;
	}
	obj = bpf_object__open(argv[1]);
	if (!obj || bpf_object__load(obj)) {
		fprintf(stderr, "attach_all: cannot load %s\n", argv[1]);
		return 1;
	}
	bpf_object__for_each_program(prog, obj)
	{
		if (!bpf_program__attach(prog)) {
			fprintf(stderr, "attach_all: cannot attach %s\n", bpf_program__name(prog));
			return 1;
		}
		attached++;
	}
	printf("attached %d programs\n", attached);
	fflush(stdout);
	sleep((unsigned int)atoi(argv[2]));
	bpf_object__close(obj);
	return 0;
}
