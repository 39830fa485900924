/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * sd-bus helpers shared by the scope backend (cgroup-scope.c) and the machined registration
 * (machined.c). Only with the 'sd-bus' build feature (HAVE_SD_BUS).
 */

#include <systemd/sd-bus.h>

#include "cgroup.h"

/* Append Controller= (our unique name) and the properties p[0..n) to an open "a(sv)". */
int bus_scope_properties_append(sd_bus *bus, sd_bus_message *m, const struct scope_property *p, size_t n);

/* The error's message if the call returned one, else strerror(-r). */
const char *bus_error_text(const sd_bus_error *e, int r);
