/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * nspawn-dissect (dissect-protocol.h): the only program that links libblkid. It gets the device
 * as an fd and only reads it; it runs as nspawn's child, detached (detach.h), for the time of one
 * dissection.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detach.h"
#include "dissect-protocol.h"
#include "fdutil.h"
#include "helper.h"
#include "macro.h"

int main(int argc, char *argv[]) {
        struct dissect_request q;
        struct dissect_reply a = {};
        _cleanup_free_ char *detail = NULL;
        _cleanup_close_ int fd = -EBADF;
        char type;

        int sock = helper_socket_arg(argc, argv);
        if (sock < 0 || helper_detach(sock, false) < 0)
                return EXIT_FAILURE;
        size_t n_fds = 1;
        ssize_t n = msg_recv_fds(sock, &type, &q, sizeof q, &fd, &n_fds);
        if (n != (ssize_t) sizeof q + 1 || type != 'Q' || n_fds != 1)
                return EXIT_FAILURE;
        a.r = dissect_image(fd, &q.policy, q.want_verity, &a.image, &detail);
        if (detail)
                snprintf(a.detail, sizeof a.detail, "%s", detail);
        return msg_send_fds(sock, 'A', &a, sizeof a, NULL, 0) < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
