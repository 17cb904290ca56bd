/* SPDX-License-Identifier: GPL-2.0-or-later
 * hostnat - csum.h: Internet checksum, full and incremental (RFC 1071, 1624)
 *
 * All values are network-order numbers held in host integers, as read by
 * get_be16()/get_be32(): the one's complement sum is the same whichever way
 * it is read, as long as reading and writing agree.
 */
#ifndef HOSTNAT_CSUM_H
#define HOSTNAT_CSUM_H

#include <stddef.h>
#include <stdint.h>

uint32_t csum_add(uint32_t sum, const uint8_t *buf, size_t len);
uint16_t csum_fold(uint32_t sum);

/**
 * csum_update16() - RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m')
 * @check:	checksum field as it is
 * @old:	16-bit word before the change
 * @new:	16-bit word after the change
 *
 * Return: the checksum field after the change
 */
static inline uint16_t csum_update16(uint16_t check, uint16_t old,
				     uint16_t new)
{
	uint32_t s = (uint32_t)(uint16_t)~check + (uint16_t)~old + new;

	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/**
 * csum_update32() - RFC 1624 update for a 32-bit field (an address)
 * @check:	checksum field as it is
 * @old:	the field before
 * @new:	the field after
 *
 * Return: the checksum field after the change
 */
static inline uint16_t csum_update32(uint16_t check, uint32_t old,
				     uint32_t new)
{
	uint32_t s = (uint32_t)(uint16_t)~check;

	s += (uint16_t)~(old >> 16);
	s += (uint16_t)~old;
	s += new >> 16;
	s += new & 0xffff;
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

#endif /* HOSTNAT_CSUM_H */
