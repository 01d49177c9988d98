// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "capture/record_ring.h"

#include "capture/loader_internal.h"
#include "util/log.h"
#include "exporter.skel.h"

#include <bpf/libbpf.h>
#include <errno.h>
#include <string.h>

/* A record is cut short in the ring (include/flask_ebpf_exporter.h): copied whole into a
 * full-size one, zero-padded, so consumers see the one layout. */
static int ringbuf_sample(void *ctx, void *data, size_t size)
{
	struct capture *c = ctx;
	struct fee_request_record rec;

	/* Cannot happen with the kernel side's records; never trust them blindly. */
	if (size < FEE_RECORD_HEAD_BYTES || size > sizeof(rec))
		return 0;
	memcpy(&rec, data, size);
	memset((char *)&rec + size, 0, sizeof(rec) - size);
	if (rec.line_len > size - FEE_RECORD_HEAD_BYTES)
		return 0;
	c->on_record(c->ctx, &rec);
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
