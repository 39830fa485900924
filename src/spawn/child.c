/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * The container's PID 1 before it becomes the payload.
 *
 * Namespaces: we were cloned with new mount, PID, UTS and IPC namespaces (and network with
 * --private-network); --network-namespace-path's we join first thing (child_join_netns); the
 * cgroup namespace we unshare ourselves once we are in our cgroups (child_join_cgroup). Without
 * --private-users we are still in the host's user namespace with full capabilities; with it, in a
 * new one that owns all the others, where we become root once the supervisor has mapped it
 * (USERNS, child_enter_userns()) — host privilege is gone then, and what needs it was done by the
 * supervisor. PID 1 of the new PID namespace; the supervisor is our parent (outside it). Nothing
 * here may return to main(): every failure is reported over the socket (protocol.h) and ends in
 * _exit().
 */

#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/keyctl.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/ioctl.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>

#include "caps.h"
#include "cgroup.h"
#include "chase.h"
#include "console.h"
#include "credentials.h"
#include "env.h"
#include "errmsg.h"
#include "fdutil.h"
#include "integration.h"
#include "journal.h"
#include "macro.h"
#include "mount.h"
#include "parse-util.h"
#include "protocol.h"
#include "resources.h"
#include "proc-names.h"
#include "uuid.h"
#include "spawn.h"
#include "user.h"
#include "userns.h"

extern char **environ;

struct child {
        const struct spawn_params *p;
        struct spawn_host *host; /* our copy of the supervisor's: its fds are ours to take */
        struct mount_context mnt;
        char uuid[37]; /* dashed, for mnt */
        const struct settings *s;
        int sock;
        char *console_path; /* /dev/pts/N, NULL in pipe mode */
        struct user_record user;
        bool cgroup_asked;   /* 'C' sent */
        bool cgroup_mounted; /* 'M' received */
        bool links_ready;    /* 'L' received */
        char **env;
};

static void child_wait_cgroup_mounts(struct child *c);

_Noreturn _printf_(3, 4) static void child_fail(struct child *c, int r, const char *fmt, ...) {
        char msg[1024];
        va_list ap;

        /* Between 'C' and 'M' the supervisor is busy in our namespaces, and would only find us
         * gone: let it finish, so that it reads why. */
        if (c->cgroup_asked)
                child_wait_cgroup_mounts(c);

        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        (void) spawn_msg_send_text(c->sock, SPAWN_MSG_ERROR, r, msg);
        _exit(EXIT_FAILURE);
}

/* Die with the supervisor: PR_SET_PDEATHSIG, then check it did not die before we asked. The
 * supervisor is outside our PID namespace (getppid() is 0), so ask the socket instead. */
static void child_bind_to_parent(struct child *c) {
        struct pollfd pfd = {.fd = c->sock, .events = POLLIN};
        if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
                _exit(EXIT_FAILURE);
        if (poll(&pfd, 1, 0) > 0 && (pfd.revents & (POLLHUP | POLLERR)))
                _exit(EXIT_FAILURE);
}

/* Close everything inherited from the supervisor (and from nspawn's caller) except stdio, our
 * socket and the stub: nothing of the host may stay open in PID 1, where a process of the
 * container could reach it through /proc/1/fd. */
static void child_close_inherited(struct child *c) {
        _cleanup_free_ int *host_fds = NULL;
        size_t n = spawn_host_fds(c->host, &host_fds);
        int keep[n + 3];

        if (!host_fds)
                _exit(EXIT_FAILURE);
        memcpy(keep, host_fds, n * sizeof(int));
        keep[n++] = c->sock;
        keep[n++] = c->p->stub_fd;
        keep[n++] = userns_rootless(c->p->userns) ? c->p->tree_fd : -EBADF; /* child_prepare_host() */
        if (close_all_fds_but(keep, n) < 0)
                _exit(EXIT_FAILURE);
}

/* --private-users: the namespace we were cloned into maps nothing until the supervisor has
 * written its maps and id-mapped the mounts we take from it (USERNS); then we become its root. */
static void child_enter_userns(struct child *c) {
        if (!c->p->userns)
                return;
        if (spawn_msg_expect(c->sock, SPAWN_MSG_USERNS, NULL, NULL) < 0)
                _exit(EXIT_FAILURE); /* the supervisor gave up, and says why */
        int r = userns_become_root();
        if (r < 0)
                child_fail(c, r, "Failed to become root of the user namespace: %s", strerror(-r));
        child_bind_to_parent(c); /* the credential change cleared the parent-death signal */
}

/* Unprivileged (userns.h, rootless): the supervisor had no more host privilege than we have now,
 * in our user namespace, so we take what the container needs from the host ourselves — with the
 * caller's rights, through a copy of the host's mount namespace, before pivot_root. */
static void child_prepare_host(struct child *c) {
        _cleanup_free_ char *error = NULL;
        struct spawn_params p = *c->p;
        struct stat a, b;

        if (!userns_rootless(c->p->userns))
                return;
        /* The tree as our mount namespace has it (a copy of the host's: an fd of the host's cannot
         * be cloned here), by path — the caller's own path, which must still be the tree nspawn
         * locked and checked. */
        p.tree_fd = open(c->p->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (p.tree_fd < 0)
                child_fail(c, negative_errno(), "Failed to open %s: %m", c->p->root);
        if (fstat(p.tree_fd, &a) < 0 || fstat(c->p->tree_fd, &b) < 0 || a.st_dev != b.st_dev ||
            a.st_ino != b.st_ino)
                child_fail(c, -ESTALE, "%s changed while the container was set up, refusing.", c->p->root);
        safe_close(c->p->tree_fd);
        int r = spawn_host_prepare(&p, c->host, &error);
        safe_close(p.tree_fd); /* what the container runs is host->tree_mnt now */
        if (r < 0)
                child_fail(c, r, "%s", error ?: strerror(-r));
}

static void child_reset_signals(void) {
        sigset_t all;
        sigemptyset(&all);
        sigprocmask(SIG_SETMASK, &all, NULL);
        for (int sig = 1; sig < _NSIG; sig++)
                if (sig != SIGKILL && sig != SIGSTOP)
                        signal(sig, SIG_DFL);
}

static void child_send_warnings(struct child *c, char *const *warnings) {
        STRV_FOREACH(w, warnings)
        (void) spawn_msg_send_text(c->sock, SPAWN_MSG_WARNING, 0, *w);
}

/* After pivot_root, in the container (a symlink of the image cannot lead to the host here):
 * /etc/resolv.conf, /etc/localtime, the journal directory and /run/host/credentials. */
static void child_setup_integration(struct child *c) {
        _cleanup_close_ int root_fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
        int r;

        if (root_fd < 0)
                child_fail(c, negative_errno(), "Failed to open /: %m");
        r = integration_apply(&c->host->integ, root_fd);
        child_send_warnings(c, c->host->integ.warnings);
        if (r < 0)
                child_fail(c, r, "Failed to set up /etc/resolv.conf and /etc/localtime: %s", strerror(-r));
        r = journal_finish(&c->host->journal, root_fd);
        child_send_warnings(c, c->host->journal.warnings);
        if (r < 0)
                child_fail(c, r, "%s", c->host->journal.error ?: "Failed to link the journal");
        r = credentials_install(c->p->credentials, root_fd);
        if (r < 0)
                child_fail(c, r, "Failed to set up credentials in " CREDENTIALS_DIRECTORY ": %s",
                           strerror(-r));
        integration_context_done(&c->host->integ);
        journal_context_done(&c->host->journal);
}

/* Wait for the supervisor's 'G' (see place_container in spawn.c), move ourselves into the v1
 * cgroups it passes, then make the cgroup namespace: its root is where we are now, in every
 * hierarchy. EOF or anything else means the supervisor gave up. Called as late as possible, just
 * before the user is resolved (which may run the guest's getent), the user change and exec, so
 * the supervisor's cgroup work overlaps with our mounts, console and limits. Until here only
 * nspawn's own code runs; nothing of the guest runs before it is in its own cgroups, under its
 * limits and device policy. Then 'C' asks the supervisor to mount /sys/fs/cgroup as seen from our
 * new namespace, which it does while we load the system call filter and drop privileges
 * (child_wait_cgroup_mounts(); with a getent to run, we wait for it first). */
static void child_join_cgroup(struct child *c) {
        int fds[CGROUP_MAX_JOIN_FDS];
        size_t n_fds = ELEMENTSOF(fds);

        if (!c->p->cgroup)
                return;
        if (spawn_msg_expect(c->sock, SPAWN_MSG_CGROUPS, fds, &n_fds) < 0)
                _exit(EXIT_FAILURE); /* the supervisor gave up, and says why */
        int r = cgroup_join_self(fds, n_fds);
        close_many(fds, n_fds);
        if (r < 0)
                child_fail(c, r, "Failed to move the container into its cgroups: %s", strerror(-r));
        if (unshare(CLONE_NEWCGROUP) < 0)
                child_fail(c, negative_errno(), "Failed to create the cgroup namespace: %m");
        r = spawn_msg_send(c->sock, SPAWN_MSG_CGROUP_NS, NULL, 0);
        if (r < 0)
                child_fail(c, r, "Failed to ask for /sys/fs/cgroup: %s", strerror(-r));
        c->cgroup_asked = true;
}

/* The supervisor mounted /sys/fs/cgroup ('M') and left our namespaces; EOF or anything else: it
 * gave up (and reports why). Before anything of the guest runs. Once; later calls return. */
static void child_wait_cgroup_mounts(struct child *c) {
        if (!c->p->cgroup || c->cgroup_mounted)
                return;
        c->cgroup_mounted = true;
        if (spawn_msg_expect(c->sock, SPAWN_MSG_CGROUPFS, NULL, NULL) < 0)
                _exit(EXIT_FAILURE); /* the supervisor gave up, and says why */
}

/* With links (network.h): the helper made them in our namespace while we set up; nothing of the
 * guest runs before they exist ('L', after 'M'). Once; later calls return. */
static void child_wait_links(struct child *c) {
        child_wait_cgroup_mounts(c);
        if (!c->p->network || c->links_ready)
                return;
        c->links_ready = true;
        if (spawn_msg_expect(c->sock, SPAWN_MSG_NETWORK, NULL, NULL) < 0)
                _exit(EXIT_FAILURE); /* the supervisor gave up, and says why */
}

/* --network-namespace-path: into the given namespace (the supervisor opened and checked it),
 * before /sys and /proc/sys/net are mounted: they show the mounter's. */
static void child_join_netns(struct child *c) {
        if (c->host->netns_fd < 0)
                return;
        if (setns(c->host->netns_fd, CLONE_NEWNET) < 0)
                child_fail(c, negative_errno(), "Failed to join network namespace: %m");
        c->host->netns_fd = safe_close(c->host->netns_fd);
}

static void child_setup_filesystem(struct child *c) {
        struct mount_context *m = &c->mnt;
        int r;

        uuid_format(c->p->uuid, c->uuid);
        m->settings = c->s;
        m->root = c->p->mount_point ?: c->p->root;
        m->tree_mnt = c->host->tree_mnt;
        m->sources = &c->host->mounts;
        m->uuid_string = c->uuid;
        m->private_network = c->s->private_network;
        m->tmpfs_tmp = c->p->tmpfs_tmp;
        m->root_overlay = c->p->root_overlay;
        m->userns = c->p->userns != NULL;
        m->rootless = userns_rootless(c->p->userns);
        if ((r = mount_prepare(m)) < 0)
                child_fail(c, r, "%s", m->error ? m->error : "Failed to set up the container's file system");
        if ((r = mount_pivot(m)) < 0 || (r = mount_finish(m)) < 0)
                child_fail(c, r, "%s", m->error ? m->error : "Failed to set up the container's file system");
        mount_context_done(m);
}

/* --private-network: only lo, and it is up. */
static void child_loopback_up(struct child *c) {
        _cleanup_close_ int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        struct ifreq ifr = {.ifr_name = "lo"};

        if (fd < 0 || ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
                child_fail(c, negative_errno(), "Failed to look up the loopback interface: %m");
        ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
        if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
                child_fail(c, negative_errno(), "Failed to bring up the loopback interface: %m");
}

static void child_setup_console(struct child *c) {
        _cleanup_close_ int master = -EBADF;
        int r = console_allocate(&master, &c->console_path);
        if (r < 0)
                child_fail(c, r, "Failed to allocate the console pty: %s", strerror(-r));
        /* /dev/console points at our pty, as systemd-nspawn does it. */
        const char *rel = startswith(c->console_path, "/dev/");
        (void) unlink("/dev/console");
        if (symlink(rel ? rel : c->console_path, "/dev/console") < 0)
                child_fail(c, negative_errno(), "Failed to create /dev/console: %m");
        r = spawn_msg_send(c->sock, SPAWN_MSG_CONSOLE, &master, 1);
        if (r < 0)
                child_fail(c, r, "Failed to pass the console to the supervisor: %s", strerror(-r));
}

/* /proc/kmsg is the FIFO /run/host/proc-kmsg (mount_finish() bound it there), as in
 * systemd-nspawn: a guest's syslog that reads it waits forever instead of failing or spinning.
 * For that a writer must exist: a FIFO without one gives its readers EOF at once (and poll()
 * POLLHUP forever). The writer cannot live in the container — an fd PID 1 kept would be the
 * payload's, and it must not close on exec either — so the supervisor holds it ('F'), opened
 * O_RDWR (never blocks, counts as a writer), until the container is gone, and never writes.
 * /run/host is our own fresh tmpfs here: no guest code has run yet. */
static void child_setup_kmsg(struct child *c) {
        _cleanup_close_ int fd = open("/run/host/proc-kmsg", O_RDWR | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC);
        struct stat st;

        if (fd < 0 || fstat(fd, &st) < 0)
                child_fail(c, negative_errno(), "Failed to open /run/host/proc-kmsg: %m");
        if (!S_ISFIFO(st.st_mode))
                child_fail(c, -EBADF, "/run/host/proc-kmsg is not a FIFO.");
        int r = spawn_msg_send(c->sock, SPAWN_MSG_KMSG, &fd, 1);
        if (r < 0)
                child_fail(c, r, "Failed to pass /proc/kmsg to the supervisor: %s", strerror(-r));
}

/* /run/host/notify: the guest's sd_notify() socket; the supervisor reads it. */
static void child_setup_notify(struct child *c) {
        struct sockaddr_un sa = {.sun_family = AF_UNIX, .sun_path = "/run/host/notify"};
        _cleanup_close_ int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        int one = 1;

        if (fd < 0 || bind(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0 ||
            setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)) < 0)
                child_fail(c, negative_errno(), "Failed to create /run/host/notify: %m");
        (void) chmod(sa.sun_path, 0222);
        int r = spawn_msg_send(c->sock, SPAWN_MSG_NOTIFY, &fd, 1);
        if (r < 0)
                child_fail(c, r, "Failed to pass the notify socket to the supervisor: %s", strerror(-r));
        r = mount_seal_run_host();
        if (r < 0)
                child_fail(c, r, "Failed to make /run/host read-only: %s", strerror(-r));
}

/* --bind-user (bind-user.h): the records and mount points below /run/host while it is writable
 * (attach false), then, once it is sealed, the homes on them (attach true): the seal is recursive
 * and would make them read-only. */
static void child_bind_users(struct child *c, bool attach) {
        const struct userns *u = c->p->userns;
        _cleanup_close_ int root_fd = -EBADF, run_host = -EBADF;
        int r;

        if (!u || u->n_users == 0)
                return;
        root_fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
        run_host = root_fd < 0 ? -errno : chase_open_nofollow(root_fd, "/run/host", O_PATH | O_DIRECTORY, 0);
        r = run_host < 0 ? run_host
            : attach     ? bind_users_attach(u->users, u->n_users, run_host, c->host->mounts.homes)
                         : bind_users_write(u->users, u->n_users, run_host);
        if (r < 0)
                child_fail(c, r, "Failed to %s the bound users in /run/host: %s", attach ? "mount" : "write",
                           strerror(-r));
}

/*
 * The getent child's sandbox (user_helper_run() calls it in the child it forked, PID 2 of the
 * container, right before it executes the guest's getent): the first guest code to run gets no
 * more power than the payload will have — the container's system call filter and capability
 * bounding set (as root: NSS modules may need that), no supplementary groups, no_new_privs — and
 * dies with PID 1. Less, in one point: no CAP_SYS_PTRACE. PID 1 still has all of nspawn's
 * capabilities while getent runs; with CAP_SYS_PTRACE (which the container keeps by default)
 * getent could ptrace it, or take its fds (the supervisor's socket) through /proc/1/fd or
 * pidfd_getfd(). Without it, a process whose permitted set is not a superset of PID 1's is
 * refused all of that (and PID 1 is not dumpable meanwhile, child_resolve_user()).
 * user_helper_run() gave it an empty environment, /dev/null as stdin and stderr, no other fd of
 * ours, no controlling terminal (PID 1 still has the caller's) and a session of its own.
 */
static int child_getent_sandbox(void *userdata) {
        struct child *c = userdata;
        return resources_getent_sandbox(c->p->seccomp, c->p->caps);
}

/* As systemd-nspawn: the user's home is made if it is missing — through fds, no symlink followed
 * on the way to a new one (user_make_home()). A warning, not a failure, when that is impossible
 * (a read-only tree, a symlinked /home): the payload then starts in / (child_chdir()). */
static void child_make_home(struct child *c) {
        _cleanup_close_ int root_fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
        int r = root_fd < 0 ? negative_errno()
                            : user_make_home(root_fd, c->user.home, c->user.uid, c->user.gid);
        if (r < 0) {
                char msg[512];
                snprintf(msg, sizeof(msg), "Failed to create home directory %s: %s", c->user.home,
                         strerror(-r));
                child_send_warnings(c, (char *[]){msg, NULL});
        }
}

/* PID 1 is a copy of nspawn: until it executes the payload, /proc/1/cmdline and /proc/1/environ
 * show nspawn's command line and its caller's environment, read from our memory — to the guest's
 * getent too: cmdline is anyone's, and kernels such as this project's test machine's let a process
 * of the same UID read environ without ptrace rights. Blank both areas, in our copy only: the
 * settings, the payload's arguments and environment are copies of their own, and nothing here
 * reads the environment any more. */
static void child_blank_cmdline(struct child *c) {
        _cleanup_free_ char *stat = NULL;
        unsigned long long v[4];

        int r = read_file_at(AT_FDCWD, "/proc/self/stat", &stat, 4096);
        const char *p = r < 0 ? NULL : strrchr(stat, ')'); /* the name may hold anything but ')' last */
        /* after ")": fields 3 (state) ... 47, then arg_start, arg_end, env_start, env_end (48-51);
         * leave p on the blank before field 48 */
        for (int field = 2; p && field < 48; field++)
                p = strchr(p + 1, ' ');
        if (!p || sscanf(p, " %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3]) != 4 || v[1] < v[0] ||
            v[3] < v[2])
                child_fail(c, r < 0 ? r : -EBADMSG, "Failed to find our command line in /proc/self/stat.");
        memset((void *) (uintptr_t) v[0], 0, (size_t) (v[1] - v[0]));
        memset((void *) (uintptr_t) v[2], 0, (size_t) (v[3] - v[2]));
}

/*
 * -u USER, as systemd-nspawn: the container's own `getent passwd` and `getent initgroups` where it
 * has a getent, else its /etc/passwd and /etc/group (user.h); never the host's NSS, nothing of the
 * host's run. getent is the first guest code to run, so this comes as late as it can: after
 * child_join_cgroup() (it runs in the container's cgroups, under its limits and device policy,
 * with the container's rlimits and keyring) and after 'M' — the supervisor is inside our mount
 * and cgroup namespaces while it mounts /sys/fs/cgroup, and no guest code may run then. Its own
 * child gets the payload's system call filter and bounding set (child_getent_sandbox()); PID 1
 * keeps its privileges for the rest of the set-up, and only reads getent's bounded output.
 */
static void child_resolve_user(struct child *c) {
        _cleanup_free_ char *error = NULL;
        const char *user = c->s->user;
        int r;

        if (!user || streq(user, "root") || streq(user, "0")) {
                c->user = (struct user_record){.uid = 0,
                                               .gid = 0,
                                               .name = strdup("root"),
                                               .home = strdup("/root"),
                                               .shell = strdup("/bin/sh")};
                if (!c->user.name || !c->user.home || !c->user.shell)
                        child_fail(c, -ENOMEM, "Out of memory");
                return;
        }
        if (user_getent_present()) {
                child_wait_links(c);
                /* Not dumpable while guest code runs beside us (until our exec resets it): /proc/1
                 * is root's only, and ptrace needs CAP_SYS_PTRACE, which getent lacks. */
                if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
                        child_fail(c, negative_errno(), "Failed to make PID 1 non-dumpable: %m");
                child_blank_cmdline(c);
                r = user_resolve_getent(user, child_getent_sandbox, c, &c->user, &error);
        } else {
                r = user_resolve("/etc/passwd", "/etc/group", user, &c->user);
                if (r == -ESRCH)
                        (void) error_setf(&error, r, "no such user");
        }
        if (r < 0)
                child_fail(c, r, "Failed to resolve user '%s' in the container: %s", user,
                           error ? error : strerror(-r));
        child_make_home(c);
}

static void child_apply_resources(struct child *c) {
        _cleanup_free_ char *error = NULL;
        int r = resources_apply(c->s, &c->host->init_nproc, &c->host->init_sigpending, &error);
        if (r < 0)
                child_fail(c, r, "%s", error ? error : strerror(-r));
}

static void child_build_env(struct child *c) {
        c->env = strv_copy(c->p->environment);
        if (!c->env)
                child_fail(c, -ENOMEM, "Out of memory");
        int r = env_finalize(&c->env, c->user.home, c->user.name, c->s->environment);
        if (r < 0)
                child_fail(c, r, "Failed to build the environment: %s", strerror(-r));
}

/* --chdir, else the user's home for an interactive shell, else "/". */
static void child_chdir(struct child *c) {
        const struct settings *s = c->s;
        bool shell = s->start_mode != START_BOOT && strv_length(s->parameters) == 0;
        const char *dir = s->working_directory ? s->working_directory : shell ? c->user.home : "/";

        if (chdir(dir) < 0) {
                if (s->working_directory)
                        child_fail(c, negative_errno(), "Failed to change to working directory %s: %m", dir);
                (void) chdir("/");
        }
}

/* The last privileged steps, in the order that keeps each possible: the filter needs
 * CAP_SYS_ADMIN, the user change needs CAP_SETUID, the capability drop comes last. */
static void child_drop_privileges(struct child *c) {
        const struct settings *s = c->s;
        int r;

        if (c->p->seccomp && (r = seccomp_program_load(c->p->seccomp)) < 0)
                child_fail(c, r, "Failed to install the system call filter: %s", strerror(-r));
        if (c->user.uid != 0 || c->user.gid != 0) {
                r = caps_change_user(c->user.uid, c->user.gid, c->user.groups, c->user.n_groups);
                if (r < 0)
                        child_fail(c, r, "Failed to change to user %s: %s", c->user.name, strerror(-r));
                /* A credential change clears the parent-death signal: set it again. */
                if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
                        child_fail(c, negative_errno(), "Failed to set the parent death signal: %m");
        } else if (setgroups(0, NULL) < 0)
                child_fail(c, negative_errno(), "Failed to drop supplementary groups: %m");
        r = caps_apply(c->p->caps, s->caps_ambient, c->user.uid == 0);
        if (r < 0)
                child_fail(c, r, "Failed to set capabilities: %s", strerror(-r));
        if (s->no_new_privileges > 0 && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                child_fail(c, negative_errno(), "Failed to set no_new_privs: %m");
}

static void child_exec_boot(struct child *c) {
        static const char *const inits[] = {"/usr/lib/systemd/systemd", "/lib/systemd/systemd",
                                            "/sbin/init"};
        size_t n = strv_length(c->s->parameters);
        _cleanup_free_ char **argv = calloc(n + 2, sizeof(char *));
        if (!argv)
                child_fail(c, -ENOMEM, "Out of memory");
        for (size_t i = 0; i < n; i++)
                argv[i + 1] = c->s->parameters[i];
        for (size_t i = 0; i < ELEMENTSOF(inits); i++) {
                argv[0] = (char *) inits[i];
                execve(inits[i], argv, c->env);
        }
        child_fail(c, -ENOENT, "Failed to find an init in the container (tried %s, %s, %s).", inits[0],
                   inits[1], inits[2]);
}

static void child_exec_payload(struct child *c) {
        char **args = c->s->parameters;

        if (c->s->start_mode == START_BOOT)
                child_exec_boot(c);
        environ = c->env;
        if (args && args[0]) {
                execvp(args[0], args);
                child_fail(c, negative_errno(), "Failed to execute %s: %m", args[0]);
        }
        /* No command: the login shell, as systemd-nspawn. */
        execv("/bin/bash", (char *[]){(char *) "-bash", NULL});
        execv("/bin/sh", (char *[]){(char *) "-sh", NULL});
        child_fail(c, negative_errno(), "Failed to execute a shell (/bin/bash, /bin/sh): %m");
}

/* --as-pid2: fork the payload as PID 2; PID 1 becomes the stub, executed from a sealed memfd so
 * /proc/1/exe never leads to a host binary. */
/* Mark every fd but stdio close-on-exec: nothing of the host may reach the payload. */
static void child_close_fds(void) {
        (void) syscall(SYS_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC);
}

/* The console becomes the controlling terminal while we are still root (the pty is root's). */
static void child_attach_console(struct child *c) {
        if (!c->console_path)
                (void) setsid();
        else if (console_attach_stdio(c->console_path) < 0)
                child_fail(c, negative_errno(), "Failed to attach to the console: %m");
}

/* --as-pid2: fork the payload as PID 2, which returns from here; PID 1 drops its privileges too
 * and becomes the stub, executed from a sealed memfd so /proc/1/exe never leads to a host binary. */
static void child_fork_stub(struct child *c) {
        int gate[2];

        /* PID 2 waits until PID 1 has become the stub: the gate's write end is close-on-exec, so
         * EOF means PID 1 holds none of nspawn's fds any more (not even our socket or the stub's
         * memfd) when the payload starts looking at /proc/1/fd. */
        if (pipe2(gate, O_CLOEXEC) < 0)
                child_fail(c, negative_errno(), "Failed to create a pipe: %m");
        pid_t pid = fork();
        if (pid < 0)
                child_fail(c, negative_errno(), "Failed to fork the payload: %m");
        if (pid == 0) {
                char b;
                safe_close(gate[1]);
                while (read(gate[0], &b, 1) < 0 && errno == EINTR)
                        ;
                safe_close(gate[0]);
                return;
        }

        char pidbuf[16];
        snprintf(pidbuf, sizeof pidbuf, "%i", (int) pid);
        char *argv[] = {(char *) "(sd-stubinit)", pidbuf, NULL};
        char *envp[] = {(char *) "container=systemd-nspawn", NULL};
        safe_close(gate[0]);
        child_drop_privileges(c);
        child_close_fds();
        syscall(SYS_execveat, c->p->stub_fd, "", argv, envp, AT_EMPTY_PATH);
        child_fail(c, negative_errno(), "Failed to execute the stub init: %m");
}

_Noreturn void child_main(const struct spawn_params *p, struct spawn_host *host, int sock) {
        struct child c = {.p = p, .host = host, .s = p->settings, .sock = sock, .mnt = MOUNT_CONTEXT_INIT};
        const char *hostname = p->settings->hostname ? p->settings->hostname : p->settings->machine;

        child_reset_signals();
        child_close_inherited(&c);
        child_bind_to_parent(&c);
        child_join_netns(&c);
        child_enter_userns(&c);
        child_prepare_host(&c);
        if (hostname && sethostname(hostname, strlen(hostname)) < 0)
                child_fail(&c, negative_errno(), "Failed to set the hostname: %m");
        child_setup_filesystem(&c);
        child_setup_integration(&c);
        if (p->settings->private_network)
                child_loopback_up(&c);
        if (p->console != CONSOLE_PIPE)
                child_setup_console(&c);
        child_setup_kmsg(&c);
        child_bind_users(&c, false);
        child_setup_notify(&c);
        child_bind_users(&c, true);
        resources_new_session();
        child_apply_resources(&c);
        child_join_cgroup(&c);
        child_resolve_user(&c); /* may run the guest's getent: after the cgroups and 'M' */
        child_build_env(&c);
        child_chdir(&c);
        if (p->settings->start_mode == START_PID2) {
                child_wait_links(&c);
                child_fork_stub(&c); /* returns in PID 2 only */
        }
        child_attach_console(&c);
        child_drop_privileges(&c);
        child_close_fds();
        if (p->settings->start_mode != START_PID2)
                child_wait_links(&c);
        child_exec_payload(&c);
        _exit(EXIT_FAILURE);
}
