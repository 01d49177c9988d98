/* record_ring — the ring buffer the kernel side writes one record per request into. */
#ifndef FEE_CAPTURE_RECORD_RING_H
#define FEE_CAPTURE_RECORD_RING_H

#include "capture/loader.h"

/* Readable when records wait (woken in batches: also drain on a timer). */
int capture_epoll_fd(const struct capture *c);

/* Delivers every waiting record to the callback. Returns how many, or -errno. */
int capture_drain(struct capture *c);

#endif
