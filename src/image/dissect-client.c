/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* nspawn's side of nspawn-dissect (dissect-protocol.h). Runs in the supervisor. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dissect-protocol.h"
#include "errmsg.h"
#include "fdutil.h"
#include "helper.h"
#include "macro.h"

int dissect_image_via_helper(int fd, const struct image_policy *policy, bool want_verity,
                             struct dissected_image *ret, char **ret_detail) {
        struct dissect_request q = {.policy = *policy, .want_verity = want_verity};
        struct helper *h = NULL;
        char type;
        size_t n_fds = 0;
        int r = helper_start(DISSECT_HELPER, NULL, &h);
        if (r < 0)
                return r;

        _cleanup_free_ struct dissect_reply *a = malloc(sizeof *a);
        ssize_t n = -ENOMEM;
        if (a && (n = msg_send_fds(h->fd, 'Q', &q, sizeof q, &fd, 1)) >= 0)
                n = msg_recv_fds(h->fd, &type, a, sizeof *a, NULL, &n_fds); /* none kept */
        helper_free(h, true);
        if (n < 0)
                return (int) n;
        if (n != (ssize_t) sizeof *a + 1 || type != 'A')
                return -EPROTO; /* the helper could not run, or died */
        if (a->r < 0) {
                a->detail[sizeof a->detail - 1] = 0;
                if (a->detail[0] && ret_detail && !(*ret_detail = strdup(a->detail)))
                        return -ENOMEM;
                return a->r;
        }
        *ret = a->image;
        return 0;
}

int dissect_error_message(int r, const char *name, char **ret_error) {
        static const struct {
                int r;
                const char *fmt;
        } messages[] = {
                {-ENOPKG, "%s: Couldn't identify a suitable partition table or file system."},
                {-EADDRNOTAVAIL, "%s: No root partition for specified root hash found."},
                {-ENOTUNIQ, "%s: Multiple suitable root partitions found in image."},
                {-ENXIO, "%s: No suitable root partition found in image."},
                {-ERFKILL, "%s: image does not match image policy."},
                {-ENOMSG, "%s: no suitable partitions found."},
        };
        for (size_t i = 0; i < ELEMENTSOF(messages); i++)
                if (messages[i].r == r)
                        return error_setf(ret_error, r, messages[i].fmt, name);
        return error_setf(ret_error, r, "%s: cannot dissect image: %s", name, strerror(-r));
}
