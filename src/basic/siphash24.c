/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* SipHash-2-4, written from the paper's description (see siphash24.h). */

#include "siphash24.h"

static uint64_t rotl(uint64_t x, unsigned b) {
        return (x << b) | (x >> (64 - b));
}

static uint64_t load_le64(const uint8_t *p, size_t n) {
        uint64_t v = 0;
        for (size_t i = 0; i < n; i++)
                v |= (uint64_t) p[i] << (8 * i);
        return v;
}

struct sip {
        uint64_t v0, v1, v2, v3;
};

static void sip_rounds(struct sip *s, unsigned n) {
        while (n-- > 0) {
                s->v0 += s->v1;
                s->v1 = rotl(s->v1, 13) ^ s->v0;
                s->v0 = rotl(s->v0, 32);
                s->v2 += s->v3;
                s->v3 = rotl(s->v3, 16) ^ s->v2;
                s->v0 += s->v3;
                s->v3 = rotl(s->v3, 21) ^ s->v0;
                s->v2 += s->v1;
                s->v1 = rotl(s->v1, 17) ^ s->v2;
                s->v2 = rotl(s->v2, 32);
        }
}

static void sip_block(struct sip *s, uint64_t m) {
        s->v3 ^= m;
        sip_rounds(s, 2); /* c = 2 compression rounds */
        s->v0 ^= m;
}

uint64_t siphash24(const void *data, size_t size, const uint8_t key[16]) {
        const uint8_t *p = data;
        uint64_t k0 = load_le64(key, 8), k1 = load_le64(key + 8, 8);
        struct sip s = {
                .v0 = k0 ^ UINT64_C(0x736f6d6570736575),
                .v1 = k1 ^ UINT64_C(0x646f72616e646f6d),
                .v2 = k0 ^ UINT64_C(0x6c7967656e657261),
                .v3 = k1 ^ UINT64_C(0x7465646279746573),
        };
        size_t full = size - size % 8;

        for (size_t i = 0; i < full; i += 8)
                sip_block(&s, load_le64(p + i, 8));
        /* the last block: the remaining bytes, and the length's low byte at the top */
        sip_block(&s, load_le64(p + full, size % 8) | ((uint64_t) (size & 0xff) << 56));
        s.v2 ^= 0xff;
        sip_rounds(&s, 4); /* d = 4 finalization rounds */
        return s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
}
