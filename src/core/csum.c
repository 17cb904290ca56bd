/* SPDX-License-Identifier: GPL-2.0-or-later
 * hostnat - csum.c: the Internet checksum over a buffer
 *
 * Theory of operation: the translation path never recomputes a checksum, it
 * updates the one the packet carries (csum.h, RFC 1624), so a corrupt packet
 * stays corrupt and is caught by its receiver. Full sums are taken only where
 * a rule asks for validation (IPv4 header, ICMP errors, RFC 5508 REQ-3) or
 * for packets the engine builds itself.
 */
#include "csum.h"

/**
 * csum_add() - add a buffer to a 32-bit one's complement accumulator
 * @sum:	accumulator so far
 * @buf:	bytes, any alignment
 * @len:	bytes in @buf; an odd last byte is padded with zero
 *
 * Return: the new accumulator (fold with csum_fold())
 */
uint32_t csum_add(uint32_t sum, const uint8_t *buf, size_t len)
{
	uint64_t s = sum;
	size_t i = 0;

	for (; i + 4 <= len; i += 4)
		s += (uint32_t)buf[i] << 24 | (uint32_t)buf[i + 1] << 16 |
		     (uint32_t)buf[i + 2] << 8 | buf[i + 3];
	for (; i + 2 <= len; i += 2)
		s += (uint32_t)buf[i] << 8 | buf[i + 1];
	if (i < len)
		s += (uint32_t)buf[i] << 8;
	s = (s & 0xffffffff) + (s >> 32);
	s = (s & 0xffffffff) + (s >> 32);
	return (uint32_t)s;
}

/**
 * csum_fold() - fold an accumulator into the 16-bit checksum field value
 * @sum:	accumulator
 *
 * Return: the one's complement of the folded sum
 */
uint16_t csum_fold(uint32_t sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}
