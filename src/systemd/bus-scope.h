/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * sd-bus helpers shared by the scope backend (cgroup-scope.c) and the machined registration
 * (machined.c). Only with the 'sd-bus' build feature (HAVE_SD_BUS).
 *
 * libsystemd is not linked: it is dlopen()ed by bus_dlopen() the first time a bus is needed, which
 * only happens when systemd is PID 1. Loading it (and libgcrypt, liblzma, libzstd, liblz4 behind
 * it) costs about a millisecond, which every start on a host without systemd would pay for
 * nothing. The sd_bus_* names used below are redirected to the loaded functions.
 */

#include <systemd/sd-bus.h>

#include "cgroup.h"

#define BUS_SYMBOLS(X)                                                                                      \
        X(sd_bus_open_system)                                                                               \
        X(sd_bus_unref)                                                                                     \
        X(sd_bus_flush_close_unref)                                                                         \
        X(sd_bus_message_append)                                                                            \
        X(sd_bus_message_append_array)                                                                      \
        X(sd_bus_message_open_container)                                                                    \
        X(sd_bus_message_close_container)                                                                   \
        X(sd_bus_message_new_method_call)                                                                   \
        X(sd_bus_call)                                                                                      \
        X(sd_bus_call_method)                                                                               \
        X(sd_bus_error_is_set)                                                                              \
        X(sd_bus_get_unique_name)                                                                           \
        X(sd_bus_message_read)                                                                              \
        X(sd_bus_process)                                                                                   \
        X(sd_bus_wait)                                                                                      \
        X(sd_bus_match_signal)                                                                              \
        X(sd_bus_message_unref)                                                                             \
        X(sd_bus_error_free)

#define BUS_SYMBOL_DECLARE(name) extern __typeof__(name) *sym_##name;
BUS_SYMBOLS(BUS_SYMBOL_DECLARE)

/* Load libsystemd once: 0, or -EOPNOTSUPP if it (or one of the functions) is missing. */
int bus_dlopen(void);

#define sd_bus_open_system sym_sd_bus_open_system
#define sd_bus_unref sym_sd_bus_unref
#define sd_bus_flush_close_unref sym_sd_bus_flush_close_unref
#define sd_bus_message_append sym_sd_bus_message_append
#define sd_bus_message_append_array sym_sd_bus_message_append_array
#define sd_bus_message_open_container sym_sd_bus_message_open_container
#define sd_bus_message_close_container sym_sd_bus_message_close_container
#define sd_bus_message_new_method_call sym_sd_bus_message_new_method_call
#define sd_bus_call sym_sd_bus_call
#define sd_bus_call_method sym_sd_bus_call_method
#define sd_bus_error_is_set sym_sd_bus_error_is_set
#define sd_bus_get_unique_name sym_sd_bus_get_unique_name
#define sd_bus_message_read sym_sd_bus_message_read
#define sd_bus_process sym_sd_bus_process
#define sd_bus_wait sym_sd_bus_wait
#define sd_bus_match_signal sym_sd_bus_match_signal
#define sd_bus_message_unref sym_sd_bus_message_unref
#define sd_bus_error_free sym_sd_bus_error_free

static inline void bus_message_unrefp(sd_bus_message **m) {
        if (*m)
                sd_bus_message_unref(*m);
}

/* May run in a function that returned before any bus was opened (libsystemd not loaded). */
static inline void bus_error_freep(sd_bus_error *e) {
        if (sym_sd_bus_error_free)
                sd_bus_error_free(e);
}

/* Append Controller= (our unique name) and the properties p[0..n) to an open "a(sv)". */
int bus_scope_properties_append(sd_bus *bus, sd_bus_message *m, const struct scope_property *p, size_t n);

/* The error's message if the call returned one, else strerror(-r). */
const char *bus_error_text(const sd_bus_error *e, int r);
