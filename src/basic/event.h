/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The supervisor's event loop is a plain epoll set whose data.ptr points at one of these.
 * Each module registers its own sources; dispatch returns 0 to go on, a positive value to ask the
 * loop to stop (the meaning is the module's), or a negative errno.
 */

#include <errno.h>
#include <stdint.h>
#include <sys/epoll.h>

struct event_source {
        int fd;
        int (*dispatch)(struct event_source *src, uint32_t events);
        void *userdata;
};

static inline int event_add(int epfd, struct event_source *src, uint32_t events) {
        struct epoll_event ev = {.events = events, .data.ptr = src};
        return epoll_ctl(epfd, EPOLL_CTL_ADD, src->fd, &ev) < 0 ? -errno : 0;
}
static inline int event_mod(int epfd, struct event_source *src, uint32_t events) {
        struct epoll_event ev = {.events = events, .data.ptr = src};
        return epoll_ctl(epfd, EPOLL_CTL_MOD, src->fd, &ev) < 0 ? -errno : 0;
}
static inline void event_del(int epfd, struct event_source *src) {
        epoll_ctl(epfd, EPOLL_CTL_DEL, src->fd, NULL);
}
