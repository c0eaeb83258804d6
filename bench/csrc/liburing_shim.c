/*
 * The liburing contender: the same NOP round-trip loop and the same random-read loop as the
 * Rust contenders (bench/src/libs/), written against the system liburing (liburing-dev).
 *
 * Built by bench/build.rs with the `cc` crate only when liburing.h and the library are
 * present; the Rust side then declares these functions (bench/src/libs/liburing.rs).
 *
 * Every loop returns 0 or a negative errno, and reports through out-parameters what the
 * Rust loops report: the sum of the completions' user_data (NOP) or of the first and last
 * 64-bit words of every block read (reads), so that tests can check the work was done.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <liburing.h>

struct shim_ring {
	struct io_uring ring;
};

/*
 * io_uring_queue_init_params with `flags`, then (if asked) io_uring_register_ring_fd.
 * NULL with *err = -errno on failure.
 */
struct shim_ring *shim_ring_new(unsigned entries, unsigned flags, int register_fd, int *err)
{
	struct shim_ring *r = calloc(1, sizeof(*r));
	struct io_uring_params p;
	int ret;

	if (!r) {
		*err = -ENOMEM;
		return NULL;
	}
	memset(&p, 0, sizeof(p));
	p.flags = flags;
	ret = io_uring_queue_init_params(entries, &r->ring, &p);
	if (ret < 0) {
		free(r);
		*err = ret;
		return NULL;
	}
	if (register_fd) {
		ret = io_uring_register_ring_fd(&r->ring);
		if (ret != 1) {
			io_uring_queue_exit(&r->ring);
			free(r);
			*err = ret < 0 ? ret : -EIO;
			return NULL;
		}
	}
	*err = 0;
	return r;
}

/* The library's default: io_uring_queue_init(entries, ring, 0). */
struct shim_ring *shim_ring_new_default(unsigned entries, int *err)
{
	struct shim_ring *r = calloc(1, sizeof(*r));
	int ret;

	if (!r) {
		*err = -ENOMEM;
		return NULL;
	}
	ret = io_uring_queue_init(entries, &r->ring, 0);
	if (ret < 0) {
		free(r);
		*err = ret;
		return NULL;
	}
	*err = 0;
	return r;
}

/* The setup flags the kernel was given (liburing keeps them in ring->flags). */
unsigned shim_ring_flags(const struct shim_ring *r)
{
	return r->ring.flags;
}

void shim_ring_free(struct shim_ring *r)
{
	if (!r)
		return;
	io_uring_queue_exit(&r->ring);
	free(r);
}

/*
 * `ops` NOPs in batches of `batch`: get an SQE per NOP, prep it, tag it with its sequence
 * number, submit the batch and wait for as many completions, reap every visible completion
 * and advance the CQ once.
 */
int shim_nop_loop(struct shim_ring *r, unsigned batch, uint64_t ops, uint64_t *user_data_sum)
{
	struct io_uring *ring = &r->ring;
	uint64_t next = 0, done = 0, sum = 0;
	int bad = 0;

	while (done < ops) {
		unsigned n = batch, i, head, seen = 0;
		struct io_uring_cqe *cqe;
		int ret;

		if (ops - next < n)
			n = (unsigned)(ops - next);
		for (i = 0; i < n; i++) {
			struct io_uring_sqe *sqe = io_uring_get_sqe(ring);

			if (!sqe)
				return -EBUSY;
			io_uring_prep_nop(sqe);
			io_uring_sqe_set_data64(sqe, next++);
		}
		ret = io_uring_submit_and_wait(ring, n);
		if (ret < 0)
			return ret;
		io_uring_for_each_cqe(ring, head, cqe) {
			if (cqe->res < 0)
				bad = cqe->res;
			sum += cqe->user_data;
			seen++;
		}
		io_uring_cq_advance(ring, seen);
		done += seen;
	}
	*user_data_sum = sum;
	return bad;
}

/* The same loop, as the one function callgrind collects (`--toggle-collect`). */
int shim_cg_nop_loop(struct shim_ring *r, unsigned batch, uint64_t ops, uint64_t *user_data_sum)
{
	return shim_nop_loop(r, batch, ops, user_data_sum);
}

/*
 * `ops` reads of `block` bytes with `depth` in flight: op k reads
 * offsets[(start + k) mod n_offsets]
 * into buffer slot s (bufs + s * block), tagged with s. Refill every free slot, submit and
 * wait for one completion, reap every visible completion (checking the length and adding
 * the block's first and last 64-bit words to the checksum), advance the CQ once.
 *
 * On an error the loop still waits for every read in flight before returning, so the
 * kernel never writes into the buffers after the caller has them back (-EIO is returned if
 * even that fails; the caller must then leak the buffers).
 */
int shim_read_loop(struct shim_ring *r, int fd, unsigned depth, const uint64_t *offsets,
		   size_t n_offsets, size_t start, uint64_t ops, unsigned char *bufs, unsigned block,
		   uint64_t *checksum)
{
	struct io_uring *ring = &r->ring;
	unsigned free_top = depth, inflight = 0, i;
	unsigned *free_slots = malloc(sizeof(unsigned) * depth);
	uint64_t issued = 0, done = 0, sum = 0;
	size_t idx = start % n_offsets;
	int bad = 0;
	int words = block / 8;

	if (!free_slots)
		return -ENOMEM;
	for (i = 0; i < depth; i++)
		free_slots[i] = depth - 1 - i;
	while (done < ops) {
		struct io_uring_cqe *cqe;
		unsigned head, seen = 0;
		int ret;

		while (inflight < depth && issued < ops && !bad) {
			unsigned s = free_slots[--free_top];
			struct io_uring_sqe *sqe = io_uring_get_sqe(ring);

			if (!sqe) {
				free_top++;
				break;
			}
			io_uring_prep_read(sqe, fd, bufs + (size_t)s * block, block, offsets[idx]);
			io_uring_sqe_set_data64(sqe, s);
			if (++idx == n_offsets)
				idx = 0;
			issued++;
			inflight++;
		}
		if (inflight == 0)
			break;
		ret = io_uring_submit_and_wait(ring, 1);
		if (ret < 0 && ret != -EINTR && ret != -EAGAIN && ret != -EBUSY) {
			/* Nothing more will be reaped through this ring. */
			free(free_slots);
			return -EIO;
		}
		io_uring_for_each_cqe(ring, head, cqe) {
			unsigned s = (unsigned)cqe->user_data;
			const uint64_t *w = (const uint64_t *)(bufs + (size_t)s * block);

			if (cqe->res != (int)block)
				bad = cqe->res < 0 ? cqe->res : -EIO;
			else
				sum += w[0] + w[words - 1];
			free_slots[free_top++] = s;
			seen++;
		}
		io_uring_cq_advance(ring, seen);
		inflight -= seen;
		done += seen;
		if (bad && inflight == 0)
			break;
	}
	free(free_slots);
	*checksum = sum;
	return bad;
}
