/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* SipHash-2-4 (Aumasson and Bernstein), 64-bit output, as systemd uses it for names and MAC
 * addresses that must come out the same on every run (netif-name.h). The key is 16 bytes; the
 * result is the hash as a number (the reference implementation's output read little-endian). */

#include <stddef.h>
#include <stdint.h>

uint64_t siphash24(const void *data, size_t size, const uint8_t key[16]);
