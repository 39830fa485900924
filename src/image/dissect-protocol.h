/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * nspawn-dissect, the helper that runs libblkid (dissect.h) for -i: nspawn does not link libblkid,
 * so a start without -i pays nothing for it (linked in, it cost every start ~650 relocations,
 * 24 kB of dirty and 250 kB of mapped pages). Started by helper_start() (helper.h); one request,
 * one reply on its SOCK_SEQPACKET socket, then it exits:
 *
 *   nspawn → helper  'Q' struct dissect_request, the device (regular file or block device) as fd
 *   helper → nspawn  'A' struct dissect_reply
 */

#include <stdbool.h>

#include "dissect.h"
#include "image-policy.h"

#define DISSECT_HELPER "nspawn-dissect"

struct dissect_request {
        struct image_policy policy;
        bool want_verity;
};

struct dissect_reply {
        int r; /* dissect_image()'s result */
        struct dissected_image image;
        char detail[512]; /* the policy's reason for a refusal, for the debug log */
};

/* nspawn's side: dissect fd through the helper. Returns what dissect_image() would. */
int dissect_image_via_helper(int fd, const struct image_policy *policy, bool want_verity,
                             struct dissected_image *ret, char **ret_detail);
