/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The IP addresses of a machine, as machined's GetMachineAddresses(): every address in the
 * network namespace of the leader except host-scope (loopback) and deprecated ones, IPv4 first,
 * then by scope, interface and address. The netlink socket is made inside the leader's network
 * namespace (setns on its pidfd, and back): the socket stays bound to that namespace.
 */

/* pidfd: the proven leader, or -EBADF for our own namespace (.host). ifindex > 0 appends
 * "%IFINDEX" to IPv6 addresses (status with one interface). Returns the number of addresses
 * and a malloc'ed NULL-terminated list. */
int machine_addresses(int pidfd, int ifindex, char ***ret);
