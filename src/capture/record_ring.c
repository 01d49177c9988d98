// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "capture/record_ring.h"

#include "capture/loader_internal.h"
#include "util/log.h"
#include "exporter.skel.h"

#include <bpf/libbpf.h>
#include <errno.h>
#include <string.h>

static int ringbuf_sample(void *ctx, void *data, size_t size)
{
	struct capture *c = ctx;

	if (size < sizeof(struct fee_request_record))
		return 0; /* cannot happen with one record type; never trust it blindly */
	c->on_record(c->ctx, data);
	return 0;
}

int record_ring_open(struct capture *c)
{
	c->ringbuf = ring_buffer__new(bpf_map__fd(c->skel->maps.records), ringbuf_sample, c, NULL);
	if (!c->ringbuf) {
		int err = -errno;

		log_error("cannot open the ring buffer: %s", strerror(errno));
		return err;
	}
	return 0;
}

int capture_epoll_fd(const struct capture *c)
{
	return ring_buffer__epoll_fd(c->ringbuf);
}

int capture_drain(struct capture *c)
{
	return ring_buffer__consume(c->ringbuf);
}
