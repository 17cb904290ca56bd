/* SPDX-License-Identifier: GPL-2.0-or-later
 * hostnat - ring.h: a bounded ring of fixed-size events that counts what
 * it could not keep
 *
 * The engine's logs (the port log, port.c; the fast-path log, fast.c; the
 * monitor's session events, events.c) are written on the packet path and
 * drained by the layers above. They share this discipline: storage given
 * once at set-up (no allocation afterwards), an append in O(1) that never
 * overwrites what is kept (a full ring refuses the event and counts it in
 * @lost), and a drain oldest first. What a full ring means is the log's
 * own: the port and fast-path logs take any loss as "rebuild from the
 * walk" and empty the ring, the monitor reports how many were lost.
 */
#ifndef HOSTNAT_LIB_RING_H
#define HOSTNAT_LIB_RING_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/**
 * struct lib_ring - a bounded ring of fixed-size events
 * @slots:	@cap events of @size bytes, given by the owner
 * @size:	bytes of one event
 * @cap:	events the ring holds
 * @head:	the oldest event's slot
 * @n:		events in the ring
 * @lost:	events refused (ring full) since lib_ring_take_lost()
 */
struct lib_ring {
	void *slots;
	size_t size;
	uint32_t cap;
	uint32_t head;
	uint32_t n;
	uint64_t lost;
};

/**
 * lib_ring_init() - an empty ring over storage of @cap events
 * @r:		the ring
 * @slots:	@cap * @size bytes (NULL when its allocation failed: the
 *		owner checks @r->slots)
 * @size:	bytes of one event
 * @cap:	events
 */
static inline void lib_ring_init(struct lib_ring *r, void *slots, size_t size,
				 uint32_t cap)
{
	*r = (struct lib_ring){ .slots = slots, .size = size, .cap = cap };
}

/**
 * lib_ring_push() - room for one more event, at the end
 * @r:		the ring
 *
 * Return: the slot to write the event into, or NULL when the ring is full
 * (the event is counted in @r->lost)
 */
static inline void *lib_ring_push(struct lib_ring *r)
{
	uint32_t slot;

	if (r->n == r->cap) {
		r->lost++;
		return NULL;
	}
	slot = r->head + r->n++;
	if (slot >= r->cap)
		slot -= r->cap;
	return (char *)r->slots + (size_t)slot * r->size;
}

/**
 * lib_ring_pop() - take the oldest event
 * @r:		the ring
 * @out:	@r->size bytes for it
 *
 * Return: 1 when an event was copied to @out, 0 when the ring is empty
 */
static inline int lib_ring_pop(struct lib_ring *r, void *out)
{
	if (!r->n)
		return 0;
	memcpy(out, (char *)r->slots + (size_t)r->head * r->size, r->size);
	if (++r->head == r->cap)
		r->head = 0;
	r->n--;
	return 1;
}

/**
 * lib_ring_take_lost() - the events refused since the last call
 * @r:		the ring
 *
 * Return: their number; the count starts again from 0
 */
static inline uint64_t lib_ring_take_lost(struct lib_ring *r)
{
	uint64_t lost = r->lost;

	r->lost = 0;
	return lost;
}

/**
 * lib_ring_reset() - forget every event and the count of lost ones
 * @r:		the ring
 */
static inline void lib_ring_reset(struct lib_ring *r)
{
	r->head = 0;
	r->n = 0;
	r->lost = 0;
}

#endif /* HOSTNAT_LIB_RING_H */
