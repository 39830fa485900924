/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A stand-in for nspawn-sdbus (sdbus-protocol.h) for test-sdbus: built as build/tests/nspawn-sdbus,
 * next to the unit tests, where helper_path() finds it first. No D-Bus: it answers each request
 * with what it received, so the client's packing, spawning and reply handling can be checked.
 *   machine "inspect": the text describes the process nspawn made (fds, session, signals, env, cwd)
 *   machine "refuse":  error -EPERM, text "refused"
 *   machine "die":     exits without a reply
 *   anything else:     "op=… machine=… unit=… root=… leader=… uuid0=… n=… first=NAME:STR"
 *                      (and for 'K', 'c', 'f', 'B': " whom=… signal=… src=… dst=… flags=…")
 *   'L':               two machines (data messages "Name=one…", "Name=two…") and a garbage one
 *                      ("bogus") before the reply; 'G': machine "nosuch" is -ENOENT, else one
 *                      data message of that name.
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "detach.h"
#include "sdbus-protocol.h"

extern char **environ;

static void inspect(char *out, size_t size) {
        char fds[256] = "", env[512] = "", cwd[256] = "?", in[256] = "?";
        DIR *d = opendir("/proc/self/fd");
        struct dirent *de;
        sigset_t mask;
        struct sigaction sa;

        while (d && (de = readdir(d)))
                if (de->d_name[0] != '.' && atoi(de->d_name) != dirfd(d))
                        snprintf(fds + strlen(fds), sizeof fds - strlen(fds), "%s%.8s", *fds ? "," : "",
                                 de->d_name);
        if (d)
                closedir(d);
        for (char **e = environ; *e; e++)
                snprintf(env + strlen(env), sizeof env - strlen(env), "%s%s", *env ? ";" : "", *e);
        if (!getcwd(cwd, sizeof cwd))
                strcpy(cwd, "?");
        ssize_t n = readlink("/proc/self/fd/0", in, sizeof in - 1);
        in[n > 0 ? n : 0] = 0;
        sigprocmask(SIG_SETMASK, NULL, &mask);
        sigaction(SIGALRM, NULL, &sa);
        snprintf(out, size, "fds=%s sid=%s mask=%s sigalrm=%s env=%s cwd=%s stdin=%s pid=%d", fds,
                 getsid(0) == getpid() ? "own" : "inherited", sigisemptyset(&mask) ? "empty" : "set",
                 sa.sa_handler == SIG_DFL ? "default" : "changed", env, cwd, in, (int) getpid());
}

int main(int argc, char *argv[]) {
        static char buf[SDBUS_MSG_MAX] __attribute__((aligned(8)));
        char text[2048];
        int fd = helper_socket_arg(argc, argv);

        if (fd < 0 || helper_detach(fd, true) < 0)
                return 2;
        for (;;) {
                struct sdbus_request req;
                ssize_t n = sdbus_recv(fd, buf, sizeof buf);
                if (n <= 0)
                        return n == 0 ? 0 : 1;
                int r = sdbus_request_unpack(buf, (size_t) n, &req);
                if (r < 0) {
                        (void) sdbus_reply_send(fd, r, "malformed request");
                        continue;
                }
                if (strcmp(req.machine, "die") == 0)
                        return 0;
                if (strcmp(req.machine, "refuse") == 0) {
                        (void) sdbus_reply_send(fd, -EPERM, "refused");
                        continue;
                }
                if (req.op == SDBUS_LIST_MACHINES || req.op == SDBUS_GET_MACHINE) {
                        static const char one[] = "Name=one\0Class=container\0Leader=42\0OS=ID=debian";
                        static const char two[] = "Name=two\0Address=10.0.0.2\0Address=fe80::1";
                        if (req.op == SDBUS_LIST_MACHINES) {
                                (void) sdbus_data_send(fd, one, sizeof one);
                                (void) sdbus_data_send(fd, "bogus", 6);
                                (void) sdbus_data_send(fd, two, sizeof two);
                                (void) sdbus_reply_send(fd, 0, NULL);
                        } else if (strcmp(req.machine, "nosuch") == 0)
                                (void) sdbus_reply_send(fd, -ENOENT, "No machine 'nosuch' known");
                        else {
                                snprintf(text, sizeof text, "Name=%s", req.machine);
                                (void) sdbus_data_send(fd, text, strlen(text) + 1);
                                (void) sdbus_reply_send(fd, 0, NULL);
                        }
                        continue;
                }
                if (strcmp(req.machine, "inspect") == 0)
                        inspect(text, sizeof text);
                else
                        snprintf(text, sizeof text,
                                 "op=%c machine=%s unit=%s root=%s leader=%d uuid0=%d n=%zu first=%s:%s",
                                 (char) req.op, req.machine, req.unit, req.root, (int) req.leader,
                                 req.uuid[0], req.n_props, req.n_props ? req.props[0].name : "",
                                 req.n_props ? req.props[0].str : "");
                if (strchr("KcfB", (char) req.op))
                        snprintf(text + strlen(text), sizeof text - strlen(text),
                                 " whom=%s signal=%d src=%s dst=%s flags=%u", req.whom, req.signal, req.src,
                                 req.dst, req.flags);
                (void) sdbus_reply_send(fd, 0, text);
        }
}
