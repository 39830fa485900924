/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * The verbs that act on machines: kill, poweroff, reboot (and stop, poweroff's alias), terminate.
 *
 * Every machine named is looked up and its leader proven (a pidfd whose start time is the
 * record's) before anything is sent to any of them: a bad name or option changes nothing. The
 * messages are machinectl 252's ("Could not kill machine: No machine 'x' known").
 *
 *   kill        --kill-whom=all (default): every process in the container's cgroup subtree,
 *               each through a pidfd proven to be in it; =leader: the leader only.
 *   poweroff    what the guest's init understands (guest-init.h), to the leader
 *   reboot      likewise
 *   terminate   SIGTERM to the supervisor (nspawn halts the container with its kill signal; a
 *               second terminate kills it), proven as the leader's parent
 *
 * A machine only systemd-machined knows (machined-machines.h) is acted on through machined, as
 * machinectl does: KillMachine (kill; poweroff and reboot as machinectl: SIGRTMIN+4 and SIGINT to
 * the leader, whatever its init) and TerminateMachine.
 */

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup-tree.h"
#include "guest-init.h"
#include "machine.h"
#include "machined-machines.h"
#include "nspawnctl.h"
#include "proc.h"

enum action {
        ACTION_KILL,
        ACTION_POWEROFF,
        ACTION_REBOOT,
        ACTION_TERMINATE,
};

struct target {
        struct machine m;
        enum guest_init init;
        int supervisor_fd;
};

static const char *action_verb(enum action a) {
        return a == ACTION_TERMINATE ? "terminate" : "kill";
}

static void targets_free(struct target *t, size_t n) {
        for (size_t i = 0; i < n; i++) {
                machine_done(&t[i].m);
                safe_close(t[i].supervisor_fd);
        }
        free(t);
}

static int leader_error(enum action a, const struct machine *m, int r) {
        if (r == -ENOKEY)
                return log_error("Could not %s machine: Cannot prove which process is the leader of machine "
                                 "'%s': its record has no LEADER_STARTTIME (written by an older nspawn)",
                                 action_verb(a), m->rec.name);
        if (r == -ENOMEDIUM)
                return log_error("Could not %s machine: The cgroup of machine '%s' is not known, or not the "
                                 "container's",
                                 action_verb(a), m->rec.name);
        return log_error("Could not %s machine: %s", action_verb(a), strerror(-r));
}

/* The supervisor: the leader's parent (the leader dies with it), opened while the leader provably
 * lives and still has it as its parent. */
static int open_supervisor(struct machine *m) {
        int leader = machine_leader(m);
        pid_t ppid;
        if (leader < 0)
                return leader;
        int r = proc_ppid(m->rec.leader, &ppid);
        if (r < 0)
                return r;
        if (ppid != m->rec.supervisor)
                return -ESRCH;
        int fd = pidfd_open_pid(ppid);
        if (fd < 0)
                return fd;
        if (proc_ppid(m->rec.leader, &ppid) < 0 || ppid != m->rec.supervisor || !pidfd_alive(leader)) {
                safe_close(fd);
                return -ESRCH;
        }
        return fd;
}

/* Is pid's cgroup2 cgroup path or below it? Read after pidfd_open, the pidfd checked alive after. */
static bool pid_in_cgroup(int pidfd, pid_t pid, const char *path) {
        _cleanup_free_ char *cg = NULL;
        uint64_t start;
        if (registry_process_identity(pid, &start, &cg) < 0 || !cg || !pidfd_alive(pidfd))
                return false;
        const char *rest = startswith(cg, path);
        return rest && (*rest == 0 || *rest == '/');
}

/* The record's CGROUP is the container's if the proven leader is in it and the proven supervisor
 * is not (a record naming "/" or nspawn's own cgroup is refused). */
static int prove_cgroup(struct target *x) {
        const char *cg = x->m.rec.cgroup;
        if (!cg || !cgroup_path_valid(cg))
                return -ENOMEDIUM;
        x->supervisor_fd = open_supervisor(&x->m);
        if (x->supervisor_fd < 0)
                return x->supervisor_fd;
        if (!pid_in_cgroup(x->m.leader_fd, x->m.rec.leader, cg) ||
            pid_in_cgroup(x->supervisor_fd, x->m.rec.supervisor, cg) || !pidfd_alive(x->supervisor_fd))
                return -ENOMEDIUM;
        return 0;
}

/* Look every machine up and prove what will be signalled, before anything is sent. */
static int prepare(struct ctl *c, enum action a, int argc, char *argv[], struct target **ret) {
        struct target *t = calloc(argc, sizeof(*t));
        int r = 0;
        if (!t)
                return log_error("Out of memory.");
        for (int i = 0; i < argc; i++)
                t[i] = (struct target){.m.leader_fd = -EBADF, .supervisor_fd = -EBADF};
        for (int i = 1; i < argc && r >= 0; i++) {
                struct target *x = &t[i - 1];
                r = machine_find(c->registry_dir, argv[i], &x->m);
                if (r == -ENOENT)
                        r = log_error("Could not %s machine: No machine '%s' known", action_verb(a),
                                      argv[i]);
                else if (r < 0)
                        r = log_error("Could not %s machine: %s", action_verb(a), strerror(-r));
                else if (x->m.host)
                        r = log_error("Could not %s machine: %s", action_verb(a), strerror(EOPNOTSUPP));
                else if (a == ACTION_KILL && !streq(c->kill_whom, "leader") && !streq(c->kill_whom, "all"))
                        r = log_error("Could not kill machine: Invalid kill parameter '%s'", c->kill_whom);
                if (r < 0)
                        break;
                if (x->m.md) /* machined's: nothing to prove here, machined acts */
                        continue;
                if (a == ACTION_KILL && streq(c->kill_whom, "all"))
                        r = prove_cgroup(x);
                else if (a == ACTION_TERMINATE)
                        r = x->supervisor_fd = open_supervisor(&x->m);
                else
                        r = machine_leader(&x->m);
                if (r < 0) {
                        r = leader_error(a, &x->m, r);
                        break;
                }
                if ((a == ACTION_POWEROFF || a == ACTION_REBOOT) && x->m.rec.start_mode == START_BOOT)
                        x->init = guest_init_detect(x->m.leader_fd, x->m.rec.leader);
        }
        if (r < 0) {
                targets_free(t, argc);
                return r;
        }
        *ret = t;
        return 0;
}

/* machined's machine: its methods, machinectl's signals */
static int act_machined(struct ctl *c, enum action a, struct machine *m) {
        struct sdbus_request req = {.op = SDBUS_KILL_MACHINE, .machine = m->rec.name, .whom = "leader"};
        _cleanup_free_ char *text = NULL;
        switch (a) {
        case ACTION_KILL:
                req.whom = c->kill_whom;
                req.signal = c->signal;
                break;
        case ACTION_POWEROFF:
                req.signal = SIGRTMIN + 4;
                break;
        case ACTION_REBOOT:
                req.signal = SIGINT;
                break;
        case ACTION_TERMINATE:
                req.op = SDBUS_TERMINATE_MACHINE;
                break;
        }
        int r = machined_machine_call(&req, &text);
        if (r < 0)
                return log_error("Could not %s machine: %s", action_verb(a), text ?: strerror(-r));
        return 0;
}

static int act(struct ctl *c, enum action a, struct target *x) {
        struct machine *m = &x->m;
        int r;
        if (m->md)
                return act_machined(c, a, m);
        switch (a) {
        case ACTION_KILL:
                if (streq(c->kill_whom, "leader"))
                        r = pidfd_signal(m->leader_fd, c->signal);
                else
                        r = cgroup_kill_recursive(m->rec.cgroup, c->signal);
                break;
        case ACTION_POWEROFF:
        case ACTION_REBOOT: {
                enum guest_action ga = a == ACTION_POWEROFF ? GUEST_POWEROFF : GUEST_REBOOT;
                int sig = guest_init_signal(x->init, ga);
                if (sig > 0)
                        r = pidfd_signal(m->leader_fd, sig);
                else {
                        r = sysvinit_request_runlevel(m->leader_fd, m->rec.leader,
                                                      ga == GUEST_POWEROFF ? '0' : '6');
                        if (r < 0)
                                return log_error(
                                        "Could not kill machine: Failed to ask sysvinit of machine '%s' "
                                        "for runlevel %c through /run/initctl: %s",
                                        m->rec.name, ga == GUEST_POWEROFF ? '0' : '6', strerror(-r));
                }
                break;
        }
        case ACTION_TERMINATE:
                r = pidfd_signal(x->supervisor_fd, SIGTERM);
                break;
        }
        return r < 0 ? log_error("Could not %s machine: %s", action_verb(a), strerror(-r)) : 0;
}

static int run_action(struct ctl *c, enum action a, int argc, char *argv[]) {
        struct target *t = NULL;
        int r = prepare(c, a, argc, argv, &t);
        if (r < 0)
                return r;
        for (int i = 0; i < argc - 1 && r >= 0; i++)
                r = act(c, a, &t[i]);
        targets_free(t, argc);
        return r;
}

int verb_kill(struct ctl *c, int argc, char *argv[]) {
        if (!c->kill_whom)
                c->kill_whom = "all";
        return run_action(c, ACTION_KILL, argc, argv);
}

int verb_poweroff(struct ctl *c, int argc, char *argv[]) {
        return run_action(c, ACTION_POWEROFF, argc, argv);
}

int verb_reboot(struct ctl *c, int argc, char *argv[]) {
        return run_action(c, ACTION_REBOOT, argc, argv);
}

int verb_terminate(struct ctl *c, int argc, char *argv[]) {
        return run_action(c, ACTION_TERMINATE, argc, argv);
}
