/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * `show [NAME...]`: machined's properties as machinectl 252 prints them (bus_print_property()):
 * NAME=VALUE lines in machined's order, empty values only with -a or -p, --value prints the
 * values alone, -p NAME=VALUE shows NAME only when it has VALUE. Without a name, the manager's
 * properties (the image pool).
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "machine.h"
#include "nspawnctl.h"
#include "parse-util.h"
#include "props.h"
#include "strv.h"
#include "timefmt.h"
#include "uuid.h"

static bool prop_wanted(const struct ctl *c, const char *name, const char **ret_expected) {
        *ret_expected = NULL;
        if (!c->properties)
                return true;
        size_t n = strlen(name);
        STRV_FOREACH(p, c->properties) {
                if (streq(*p, name))
                        return true;
                if (strncmp(*p, name, n) == 0 && (*p)[n] == '=') {
                        *ret_expected = *p + n + 1;
                        return true;
                }
        }
        return false;
}

static void print_value(const struct ctl *c, const char *name, const char *expected, const char *value) {
        if (expected && !streq_ptr(expected, value))
                return;
        if (!c->show_empty && isempty(value))
                return;
        if (c->value)
                puts(value ? value : "");
        else
                printf("%s=%s\n", name, value ? value : "");
}

void props_print(const struct ctl *c, const struct prop *props, size_t n) {
        for (size_t i = 0; i < n; i++) {
                const char *expected;
                if (!prop_wanted(c, props[i].name, &expected))
                        continue;
                switch (props[i].kind) {
                case PROP_STRING:
                        if (c->show_empty || !isempty(props[i].value))
                                print_value(c, props[i].name, expected,
                                            props[i].value && strchr(props[i].value, '\n') ? "[unprintable]"
                                                                                           : props[i].value);
                        break;
                case PROP_BOOL:
                        if (!expected || parse_boolean(expected) == parse_boolean(props[i].value))
                                print_value(c, props[i].name, NULL, props[i].value);
                        break;
                case PROP_BYTES:
                        if (!c->value)
                                printf("%s=", props[i].name);
                        puts(props[i].value);
                        break;
                case PROP_OPAQUE:
                        if (c->show_empty && !expected)
                                print_value(c, props[i].name, NULL, "[unprintable]");
                        break;
                }
        }
}

static int show_machine(const struct ctl *c, struct machine *m) {
        char ts[128], id[33];
        struct prop props[] = {
                {"Name", PROP_STRING, NULL},          {"Id", PROP_BYTES, NULL},
                {"Timestamp", PROP_STRING, NULL},     {"TimestampMonotonic", PROP_STRING, NULL},
                {"Service", PROP_STRING, NULL},       {"Unit", PROP_STRING, NULL},
                {"Leader", PROP_STRING, NULL},        {"Class", PROP_STRING, NULL},
                {"RootDirectory", PROP_STRING, NULL}, {"NetworkInterfaces", PROP_OPAQUE, NULL},
                {"State", PROP_STRING, NULL},
        };
        uuid_format_plain(m->rec.uuid, id);
        format_timestamp(ts, sizeof ts, m->rec.realtime_usec);
        int r = 0;
        r |= !(props[0].value = strdup(m->rec.name));
        r |= !(props[1].value = strdup(id));
        r |= !(props[2].value = strdup(ts));
        r |= asprintf(&props[3].value, "%" PRIu64, machine_monotonic_usec(m)) < 0;
        props[4].value = m->rec.service ? strdup(m->rec.service) : NULL;
        props[5].value = machine_unit(m);
        r |= asprintf(&props[6].value, "%u", (unsigned) m->rec.leader) < 0;
        props[7].value = m->rec.class ? strdup(m->rec.class) : NULL;
        props[8].value = m->rec.root ? strdup(m->rec.root) : NULL;
        /* machined's machines: its own word for the state */
        r |= !(props[10].value = strdup(m->md && m->md->state ? m->md->state
                                                              : machine_state_to_string(machine_state(m))));
        if (!r)
                props_print(c, props, ELEMENTSOF(props));
        for (size_t i = 0; i < ELEMENTSOF(props); i++)
                free(props[i].value);
        return r ? log_error("Out of memory.") : 0;
}

int verb_show(struct ctl *c, int argc, char *argv[]) {
        if (argc <= 1) {
                show_pool_properties(c);
                return 0;
        }
        for (int i = 1; i < argc; i++) {
                struct machine m;
                int r = machine_get_or_log(c->registry_dir, argv[i], "get path to machine", &m);
                if (r < 0)
                        return r;
                if (i > 1)
                        putchar('\n');
                r = show_machine(c, &m);
                machine_done(&m);
                if (r < 0)
                        return r;
        }
        return 0;
}
