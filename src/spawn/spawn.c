/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * The supervisor side of a container run: clone3, the child's start-up messages, then the event
 * loop (console, signals, notify socket, PID 1's pidfd) until PID 1 is gone. See spawn.h.
 */

#include <fcntl.h>
#include <linux/sched.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "cgroup.h"
#include "console.h"
#include "control.h"
#include "protocol.h"
#include "pty-forward.h"
#include "errmsg.h"
#include "event.h"
#include "fdutil.h"
#include "guard.h"
#include "log.h"
#include "machined.h"
#include "macro.h"
#include "mount.h"
#include "net-protocol.h"
#include "network.h"
#include "notify.h"
#include "nsenter.h"
#include "registry.h"
#include "spawn.h"
#include "strv.h"
#include "userns.h"

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

struct supervisor {
        const struct spawn_params *p;
        int epfd;
        int pidfd;
        struct pty_forward *pty;
        int master; /* the console pty master, or -EBADF */
        int kmsg;   /* the container's /proc/kmsg FIFO, held open (never used), or -EBADF */
        struct event_source signal_src;
        struct event_source pidfd_src;
        struct event_source notify_src;
        int terminate_requests; /* SIGTERM/SIGINT received */
        bool killed;            /* we SIGKILLed the container */
        enum spawn_end end;
        pid_t pid;                 /* the container's PID 1, as we see it */
        const char *notify_socket; /* our own $NOTIFY_SOCKET, or NULL */
        struct ns_return ns_back;  /* for mount_child_cgroups(), opened while we wait for 'C' */
};

static pid_t clone_container(const struct spawn_params *p, int cgroup_fd, int *ret_pidfd) {
        uint64_t flags = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_PIDFD;
        int pidfd = -EBADF;

        /* With cgroups the child makes its cgroup namespace itself once placed (place_container) */
        if (!p->cgroup)
                flags |= CLONE_NEWCGROUP;

        /* --network-namespace-path: the child joins the given one (child.c) */
        if (p->settings->private_network && !p->settings->network_namespace_path)
                flags |= CLONE_NEWNET;
        /* created first: every other new namespace belongs to it (userns.h) */
        if (p->userns)
                flags |= CLONE_NEWUSER;
        struct clone_args args = {
                .flags = flags | (cgroup_fd >= 0 ? CLONE_INTO_CGROUP : 0),
                .pidfd = (uint64_t) (uintptr_t) &pidfd,
                .exit_signal = SIGCHLD,
                .cgroup = cgroup_fd >= 0 ? (uint64_t) cgroup_fd : 0,
        };
        pid_t pid = (pid_t) syscall(SYS_clone3, &args, sizeof(args));
        if (pid > 0)
                *ret_pidfd = pidfd;
        return pid;
}

static int register_machined(struct supervisor *sv, char **ret_error) {
        const struct spawn_params *p = sv->p;
        return machined_register(p->machined, p->settings->machine, p->uuid, p->root, sv->pid, p->cgroup,
                                 ret_error);
}

/*
 * Put PID 1 into its cgroups, then let it go on ('G'). The cgroup namespace root is fixed, for
 * every hierarchy, when the namespace is created: from the creator's cgroups at that moment. So
 * the child must be in its own cgroups in all hierarchies before CLONE_NEWCGROUP happens, and
 * cannot be cloned with it. It was cloned into its cgroup2 cgroup (CLONE_INTO_CGROUP, if there
 * is a cgroup2 hierarchy); the v1 hierarchies are created here while the child prepares its mounts,
 * and their tasks files go to it with 'G': it moves itself (no kernel grace period to wait for,
 * see cgroup.h), then calls unshare(CLONE_NEWCGROUP). Until then the child only opens host paths
 * for its mounts: it never forks, opens a device or runs guest code in our cgroups.
 */
static int place_container(struct supervisor *sv, int sock, char **ret_error) {
        if (!sv->p->cgroup)
                return 0;
        /* created while the child prepares its mounts (it waits for 'G' before it needs them) */
        char *error = NULL;
        int r = cgroup_realize(sv->p->cgroup, &error);
        /* machined's CreateMachine makes the systemd scope with PID 1 in it (machined.h) */
        if (r >= 0 && machined_creates_scope(sv->p->machined, sv->p->cgroup))
                r = register_machined(sv, &error);
        int fds[CGROUP_MAX_JOIN_FDS];
        size_t n_fds = 0;
        if (r >= 0)
                r = cgroup_attach(sv->p->cgroup, sv->pid, fds, &n_fds, &error);
        /* with a user namespace the container's root manages its cgroup, as systemd delegates it */
        if (r >= 0 && sv->p->userns &&
            (r = cgroup_delegate(sv->p->cgroup, userns_uid_outside(sv->p->userns, 0),
                                 userns_gid_outside(sv->p->userns, 0), &error)) < 0)
                close_many(fds, n_fds);
        if (r == -ESRCH) /* the child failed already: its own message is waiting on the socket */
                r = 0;
        else if (r >= 0) {
                /* the v1 tasks files to join itself with; if it is gone, the same */
                (void) spawn_msg_send(sock, SPAWN_MSG_CGROUPS, fds, n_fds);
                close_many(fds, n_fds);
        }
        if (r < 0)
                *ret_error = error;
        else
                free(error);
        return r;
}

/* USERNS (protocol.h): the child's maps and the id maps of the mounts it takes from us, before it
 * attaches any of them (an attached mount can get no id map). */
static int setup_userns(struct supervisor *sv, int sock, struct spawn_host *host, char **ret_error) {
        const struct spawn_params *p = sv->p;

        if (!p->userns)
                return 0;
        struct userns_mounts m = {
                .tree_mnt = host->tree_mnt,
                .tree_fd = p->tree_fd,
                .settings = p->settings,
                .custom = host->mounts.custom,
                .n_custom = host->mounts.n_custom,
                .journal = host->journal.host_mount_fd,
        };
        int r = userns_setup_child(p->userns, sv->pid, &m, ret_error);
        return r < 0 ? r : spawn_msg_send(sock, SPAWN_MSG_USERNS, NULL, 0);
}

static int kill_container(struct supervisor *sv, int sig) {
        if (syscall(SYS_pidfd_send_signal, sv->pidfd, sig, NULL, 0) < 0)
                return errno == ESRCH ? 0 : -errno;
        return 0;
}

/* SIGTERM/SIGINT: the first sends the kill signal if there is one; otherwise (or the second
 * time) the container is killed. SIGWINCH resizes the console. */
static int on_signal(struct event_source *src, uint32_t events) {
        struct supervisor *sv = src->userdata;
        struct signalfd_siginfo si;

        if (read(src->fd, &si, sizeof(si)) != sizeof(si))
                return 0;
        if (si.ssi_signo == SIGWINCH) {
                if (sv->pty)
                        pty_forward_window_changed(sv->pty);
                return 0;
        }
        if (si.ssi_signo != SIGTERM && si.ssi_signo != SIGINT)
                return 0;
        int ks = settings_kill_signal(sv->p->settings);
        if (ks > 0 && sv->terminate_requests++ == 0) {
                if (!sv->p->settings->quiet)
                        log_info("Trying to halt container. Send SIGTERM again to trigger immediate "
                                 "termination.");
                return kill_container(sv, ks);
        }
        sv->end = SPAWN_TERMINATED;
        sv->killed = true;
        return kill_container(sv, SIGKILL);
}

/* A dispatch result of our own sources: leave the loop (pty sources return PTY_FORWARD_ESCAPE). */
#define LOOP_DONE (PTY_FORWARD_ESCAPE + 1)

static int on_pidfd(struct event_source *src, uint32_t events) {
        return LOOP_DONE; /* PID 1 is gone */
}

/* sd_notify messages from the guest's PID 1 (with --as-pid2 from anything in the container):
 * READY=1 and STATUS= go on to our own service manager. Other senders and datagrams without
 * credentials are dropped; every pending datagram is consumed so the guest never blocks. */
static int on_notify(struct event_source *src, uint32_t events) {
        struct supervisor *sv = src->userdata;
        char buf[4096];
        struct ucred uc;
        ssize_t n;

        while ((n = notify_recv(src->fd, buf, sizeof(buf), &uc)) != -EAGAIN) {
                struct notify_message m = {};
                _cleanup_free_ char *status = NULL;

                if (n < 0 && n != -EMSGSIZE && n != -EINTR)
                        return 0;
                if (n < 0 ||
                    !notify_sender_allowed(uc.pid, sv->pid, sv->p->settings->start_mode == START_PID2))
                        continue;
                if (notify_parse(buf, &m) < 0)
                        continue;
                if (m.ready)
                        (void) notify_send(sv->notify_socket, "READY=1\n");
                if (m.status && asprintf(&status, "STATUS=Container running: %s", m.status) >= 0)
                        (void) notify_send(sv->notify_socket, status);
                notify_message_done(&m);
        }
        return 0;
}

/* Tell our service manager the container runs: its leader, and READY=1 unless the guest is to say
 * it (--notify-ready=yes). */
static void notify_started(struct supervisor *sv) {
        char msg[128];

        if (!sv->notify_socket)
                return;
        snprintf(msg, sizeof msg, "STATUS=Container running.\nX_NSPAWN_LEADER_PID=%i", (int) sv->pid);
        (void) notify_send(sv->notify_socket, msg);
        if (sv->p->settings->notify_ready <= 0)
                (void) notify_send(sv->notify_socket, "READY=1\n");
}

/* The signals stay blocked for the rest of nspawn's life (they are read from the signalfd): one
 * arriving while the container is torn down must not kill nspawn before it has cleaned up. */
static int setup_signals(struct supervisor *sv) {
        sigset_t mask;
        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGWINCH);
        sigaddset(&mask, SIGCHLD);
        sigaddset(&mask, SIGPIPE);
        if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
                return -errno;
        sigdelset(&mask, SIGCHLD);
        sigdelset(&mask, SIGPIPE);
        int fd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
        if (fd < 0)
                return -errno;
        sv->signal_src = (struct event_source){.fd = fd, .dispatch = on_signal, .userdata = sv};
        return event_add(sv->epfd, &sv->signal_src, EPOLLIN);
}

/* 'C': PID 1 is in its cgroup namespace. cgroupfs shows its mounter's cgroup namespace, so
 * /sys/fs/cgroup is mounted from inside that namespace and the container's mount namespace —
 * here, while PID 1 goes on with its console, identity, system call filter and privileges (~0.4
 * ms on a hybrid host, off the start's critical path); then 'M' lets it go on to exec. No guest
 * code has run: the container's tree is still nspawn's own work. */
static int mount_child_cgroups(struct supervisor *sv, int sock, char **ret_error) {
        char *error = NULL;

        int r = ns_enter(sv->pidfd, &sv->ns_back);
        if (r < 0)
                return error_setf(ret_error, r, "Failed to enter the container's namespaces: %s",
                                  strerror(-r));
        r = mount_cgroup(sv->p->cgroup, &error);
        int k = ns_return(&sv->ns_back);
        if (k < 0) {
                free(error);
                return error_setf(ret_error, k, "Failed to return from the container's namespaces.");
        }
        if (r < 0) {
                if (!error)
                        return error_setf(ret_error, r, "Failed to mount /sys/fs/cgroup: %s", strerror(-r));
                *ret_error = error;
                return r;
        }
        return spawn_msg_send(sock, SPAWN_MSG_CGROUPFS, NULL, 0);
}

/* ---- the child's messages (protocol.h) ---- */

static int on_console(struct supervisor *sv, int sock, struct spawn_msg *m, char **ret_error) {
        if (sv->master >= 0 || m->n_fds != 1)
                return -EPROTO;
        sv->master = spawn_msg_take_fd(m, 0);
        return pty_forward_new(sv->epfd, sv->master, STDIN_FILENO, STDOUT_FILENO, sv->p->console, &sv->pty);
}

static int on_kmsg(struct supervisor *sv, int sock, struct spawn_msg *m, char **ret_error) {
        if (sv->kmsg >= 0 || m->n_fds != 1)
                return -EPROTO;
        sv->kmsg = spawn_msg_take_fd(m, 0); /* held, never read: see child_setup_kmsg() */
        return 0;
}

static int on_notify_socket(struct supervisor *sv, int sock, struct spawn_msg *m, char **ret_error) {
        if (sv->notify_src.fd >= 0 || m->n_fds != 1)
                return -EPROTO;
        sv->notify_src =
                (struct event_source){.fd = spawn_msg_take_fd(m, 0), .dispatch = on_notify, .userdata = sv};
        return event_add(sv->epfd, &sv->notify_src, EPOLLIN);
}

static int on_warning(struct supervisor *sv, int sock, struct spawn_msg *m, char **ret_error) {
        log_warning("%s", m->text); /* the set-up goes on (systemd-nspawn logs these too) */
        return 0;
}

static int on_error(struct supervisor *sv, int sock, struct spawn_msg *m, char **ret_error) {
        *ret_error = strdup(m->text);
        return m->error > 0 ? -m->error : -EIO;
}

static int on_cgroup_ns(struct supervisor *sv, int sock, struct spawn_msg *m, char **ret_error) {
        return mount_child_cgroups(sv, sock, ret_error);
}

static const struct {
        enum spawn_msg_type type;
        int (*handle)(struct supervisor *sv, int sock, struct spawn_msg *m, char **ret_error);
} child_messages[] = {
        {SPAWN_MSG_CONSOLE, on_console}, {SPAWN_MSG_KMSG, on_kmsg},   {SPAWN_MSG_NOTIFY, on_notify_socket},
        {SPAWN_MSG_WARNING, on_warning}, {SPAWN_MSG_ERROR, on_error}, {SPAWN_MSG_CGROUP_NS, on_cgroup_ns},
};

/* Read the child's start-up messages until EOF (the payload was executed; returns 0), the message
 * until (handled; returns 1) or an error. */
static int receive_child_messages(struct supervisor *sv, int sock, int until, char **ret_error) {
        for (;;) {
                struct spawn_msg m;
                int r = spawn_msg_recv(sock, true, &m);
                if (r == -EPROTO)
                        return error_setf(ret_error, r, "The container sent an unexpected message.");
                if (r <= 0)
                        return r;
                log_debug("Start-up: %s from the container.", spawn_msg_type_to_string(m.type));
                for (size_t i = 0; i < ELEMENTSOF(child_messages); i++)
                        if (child_messages[i].type == m.type)
                                r = child_messages[i].handle(sv, sock, &m, ret_error);
                spawn_msg_done(&m);
                if (r < 0)
                        return r;
                if ((int) m.type == until)
                        return 1;
        }
}

static int event_loop(struct supervisor *sv) {
        for (;;) {
                struct epoll_event ev[16];
                int n = epoll_wait(sv->epfd, ev, ELEMENTSOF(ev), -1);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                for (int i = 0; i < n; i++) {
                        struct event_source *src = ev[i].data.ptr;
                        int r = src->dispatch(src, ev[i].events);
                        if (r == PTY_FORWARD_ESCAPE) {
                                sv->end = SPAWN_ESCAPED;
                                sv->killed = true;
                                (void) kill_container(sv, SIGKILL);
                        } else if (r == LOOP_DONE)
                                return 0;
                        else if (r < 0)
                                return r;
                }
        }
}

/* The helper made the links while PID 1 set up (network.h, started right after the clone); the
 * record gets the machine's host-side interface (published with the leader), then PID 1 may go on
 * ('L'). */
static int network_ready(struct supervisor *sv, int sock, char **ret_error) {
        _cleanup_strv_free_ char **warnings = NULL;
        int ifindex = 0;

        if (!sv->p->network)
                return 0;
        int r = network_wait(sv->p->network, &ifindex, &warnings, ret_error);
        STRV_FOREACH(w, warnings) {
                const char *note = startswith(*w, NET_REPLY_DEBUG);
                if (note)
                        log_debug("%s", note);
                else
                        log_warning("%s", *w);
        }
        if (r >= 0 && ifindex > 0 && sv->p->registry)
                r = registry_set_netif(sv->p->registry, &ifindex, 1);
        if (r >= 0)
                r = spawn_msg_send(sock, SPAWN_MSG_NETWORK, NULL, 0);
        if (r == -EPIPE || r == -ECONNRESET) /* PID 1 failed meanwhile: its message is waiting */
                r = 0;
        if (r < 0 && !*ret_error)
                (void) error_setf(ret_error, r, "Failed to set up the container's network: %s",
                                  strerror(-r));
        return r;
}

/* Once PID 1 is placed (the child is waiting for that, so it comes first): our registry record
 * (claimed by main before the clone) is replaced by one with the leader. */
static int publish_leader(struct supervisor *sv, char **ret_error) {
        int r = 0;
        if (sv->p->registry)
                r = registry_set_leader(sv->p->registry, sv->pid, cgroup_context_path(sv->p->cgroup));
        if (r < 0)
                (void) error_setf(ret_error, r, "Failed to register machine: %s", strerror(-r));
        return r;
}

static int register_leader(struct supervisor *sv, char **ret_error) {
        if (machined_creates_scope(sv->p->machined, sv->p->cgroup))
                return 0;
        return register_machined(sv, ret_error);
}

static void collect_result(struct supervisor *sv, struct spawn_result *ret) {
        siginfo_t si = {};
        while (waitid((idtype_t) P_PIDFD, (id_t) sv->pidfd, &si, WEXITED) < 0 && errno == EINTR)
                ;
        if (sv->killed) {
                *ret = (struct spawn_result){.end = sv->end, .status = SIGKILL};
                return;
        }
        if (si.si_code == CLD_EXITED)
                *ret = (struct spawn_result){.end = SPAWN_EXITED, .status = si.si_status};
        else
                *ret = (struct spawn_result){.end = SPAWN_SIGNALED, .status = si.si_status};
}

static void supervisor_done(struct supervisor *sv) {
        /* The console master, the notify socket and the /proc/kmsg FIFO hold the dead container's
         * devpts and /run/host: their last close tears those file systems down. The guard closes
         * them, after we exit. */
        struct undo keep = {.kind = UNDO_KEEP};
        int heavy[] = {sv->master, sv->notify_src.fd, sv->kmsg};
        for (size_t i = 0; i < ELEMENTSOF(heavy); i++)
                if (heavy[i] >= 0)
                        keep.fds[keep.n_fds++] = heavy[i];
        if (keep.n_fds > 0)
                (void) guard_push(sv->p->guard, &keep);
        control_stop(sv->p->control);
        sv->pty = pty_forward_free(sv->pty);
        safe_close(sv->master);
        safe_close(sv->notify_src.fd);
        safe_close(sv->kmsg);
        safe_close(sv->signal_src.fd);
        safe_close(sv->pidfd);
        safe_close(sv->epfd);
        ns_return_close(&sv->ns_back);
}

int container_run(const struct spawn_params *p, struct spawn_result *ret, char **ret_error) {
        struct supervisor sv = {
                .p = p,
                .pidfd = -EBADF,
                .master = -EBADF,
                .kmsg = -EBADF,
                .signal_src.fd = -EBADF,
                .notify_src.fd = -EBADF,
                .ns_back = NS_RETURN_INIT,
        };
        _cleanup_close_ int sock_parent = -EBADF, sock_child = -EBADF;
        int r, pair[2];

        sv.epfd = epoll_create1(EPOLL_CLOEXEC);
        if (sv.epfd < 0)
                return -errno;
        r = setup_signals(&sv);
        if (r < 0 || socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) < 0) {
                r = r < 0 ? r : -errno;
                supervisor_done(&sv);
                return r;
        }
        sock_parent = pair[0];
        sock_child = pair[1];

        /* What the container takes from the host, made here with the host's privileges (host.c). */
        _cleanup_(spawn_host_done) struct spawn_host host = SPAWN_HOST_INIT;
        /* (unprivileged, we have no more host privilege than the child: it does that itself) */
        r = userns_rootless(p->userns) ? 0 : spawn_host_prepare(p, &host, ret_error);
        if (r < 0) {
                supervisor_done(&sv);
                return r;
        }

        /* cgroup2-only host: PID 1 is born in its cgroup (no migration to wait for, see cgroup.h) */
        int cgroup_fd = cgroup_clone_fd(p->cgroup, ret_error);
        if (cgroup_fd < 0 && cgroup_fd != -EOPNOTSUPP) {
                (void) cgroup_destroy(p->cgroup);
                supervisor_done(&sv);
                return cgroup_fd;
        }
        pid_t pid = clone_container(p, cgroup_fd, &sv.pidfd);
        safe_close(cgroup_fd);
        if (pid == 0) {
                safe_close(sock_parent);
                child_main(p, &host, sock_child);
        }
        if (pid < 0) {
                r = error_setf(ret_error, -errno, "Failed to clone the container: %m");
                (void) cgroup_destroy(p->cgroup);
                supervisor_done(&sv);
                return r;
        }
        sock_child = safe_close(sock_child);
        log_debug("Container PID 1 is PID %d on the host%s.", (int) pid,
                  cgroup_fd >= 0 ? ", cloned into its cgroup" : "");
        sv.pid = pid;
        sv.notify_socket = getenv("NOTIFY_SOCKET");

        r = setup_userns(&sv, sock_parent, &host, ret_error);
        /* the links are made while PID 1 sets up (network.h) */
        if (r >= 0)
                r = network_start(p->network, pid, ret_error);
        if (r >= 0)
                r = place_container(&sv, sock_parent, ret_error);
        /* nspawnctl's shell and login: made while PID 1 sets up its file system (off the start's
         * critical path), so the socket exists before the record names the leader */
        if (r >= 0)
                r = control_start(
                        p->control, sv.epfd,
                        &(struct control_run){.p = p, .host = &host, .pidfd = sv.pidfd, .pid = pid},
                        ret_error);
        /* PID 1 will wait for /sys/fs/cgroup ('C'), not for its record and the guard */
        if (r >= 0 && p->cgroup) {
                (void) ns_return_prepare(&sv.ns_back); /* else ns_enter() does it */
                r = receive_child_messages(&sv, sock_parent, SPAWN_MSG_CGROUP_NS, ret_error);
        }
        if (r >= 0)
                r = network_ready(&sv, sock_parent, ret_error);
        if (r >= 0)
                r = publish_leader(&sv, ret_error);
        if (r >= 0)
                r = register_leader(&sv, ret_error);
        if (r >= 0)
                r = receive_child_messages(&sv, sock_parent, 0, ret_error);
        if (r >= 0) {
                log_debug("Container %s is running its payload.", p->settings->machine);
                notify_started(&sv);
        }
        if (r >= 0) {
                sv.pidfd_src = (struct event_source){.fd = sv.pidfd, .dispatch = on_pidfd, .userdata = &sv};
                r = event_add(sv.epfd, &sv.pidfd_src, EPOLLIN);
        }
        if (r >= 0)
                r = event_loop(&sv);
        if (r < 0)
                (void) kill_container(&sv, SIGKILL);
        if (r == -ENOTRECOVERABLE)
                return r; /* still in the container's namespaces: the guard cleans up (nsenter.h) */
        if (sv.pty)
                pty_forward_drain(sv.pty);
        collect_result(&sv, ret);
        control_stop(p->control); /* PID 1 is gone: its sessions end */
        /* PID 1 is gone. After a failure its cgroups are removed now; after a run the caller
         * decides: removed before a restart, else handed over to the guard (cgroup.h). */
        if (r < 0)
                (void) cgroup_destroy(p->cgroup);
        machined_unregister(p->machined);
        supervisor_done(&sv);
        return r;
}

extern const char nspawn_stub_start[], nspawn_stub_end[];

int stub_memfd(void) {
        _cleanup_close_ int fd = memfd_create("nspawn-stubinit", MFD_CLOEXEC | MFD_ALLOW_SEALING);
        if (fd < 0)
                return -errno;
        int r = write_all(fd, nspawn_stub_start, (size_t) (nspawn_stub_end - nspawn_stub_start));
        if (r < 0)
                return r;
        if (fcntl(fd, F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) < 0)
                return -errno;
        return TAKE_FD(fd);
}
