/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * Build-time generator: the bash completion of nspawnctl (and of machinectl, the compat name),
 * made from the verb table (verbs.c) and the option table (options.c). Verbs not built yet are
 * not offered.
 */

#include <stdio.h>

#include "nspawnctl.h"

static void print_words(const char *var, enum verb_completion kind) {
        printf("        local %s='", var);
        const char *sep = "";
        for (size_t i = 0; i < n_verbs; i++)
                if (verbs[i].run && verbs[i].help && verbs[i].completion == kind) {
                        printf("%s%s", sep, verbs[i].name);
                        sep = " ";
                }
        printf("'\n");
}

int main(void) {
        printf("# bash completion for nspawnctl (and machinectl) -*- shell-script -*-\n"
               "# Generated from nspawnctl's verb and option tables (src/nspawnctl/gen-completion.c).\n\n"
               "__nspawnctl_images() {\n"
               "        local d\n"
               "        for d in /var/lib/machines /var/lib/container /usr/local/lib/machines "
               "/usr/lib/machines; do\n"
               "                [[ -d $d ]] && find \"$d\" -mindepth 1 -maxdepth 1 -printf '%%f\\n' "
               "2>/dev/null\n"
               "        done | sed 's/\\.raw$//' | sort -u\n"
               "}\n\n"
               "_nspawnctl() {\n"
               "        local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]} i verb=\n"
               "        if [[ $prev == = && $COMP_CWORD -ge 2 ]]; then prev=${COMP_WORDS[COMP_CWORD-2]}; "
               "fi\n"
               "        [[ $cur == = ]] && cur=\n");
        print_words("v_machines", COMPLETE_MACHINES);
        print_words("v_images", COMPLETE_IMAGES);
        print_words("v_files", COMPLETE_FILES);
        print_words("v_none", COMPLETE_NONE);

        printf("        local opts='");
        for (size_t i = 0; i < n_ctl_options; i++)
                printf("%s--%s", i ? " " : "", ctl_options[i].name);
        for (size_t i = 0; i < n_ctl_options; i++)
                if (ctl_options[i].short_name < 0x100)
                        printf(" -%c", ctl_options[i].short_name);
        printf("'\n        local opts_arg='");
        const char *sep = "";
        for (size_t i = 0; i < n_ctl_options; i++)
                if (ctl_options[i].has_arg) {
                        printf("%s--%s", sep, ctl_options[i].name);
                        if (ctl_options[i].short_name < 0x100)
                                printf(" -%c", ctl_options[i].short_name);
                        sep = " ";
                }
        printf("'\n\n        case $prev in\n");
        for (size_t i = 0; i < n_ctl_options; i++) {
                const struct ctl_option *o = &ctl_options[i];
                if (!o->has_arg)
                        continue;
                printf("        --%s", o->name);
                if (o->short_name < 0x100)
                        printf("|-%c", o->short_name);
                if (o->values) {
                        printf(")\n                COMPREPLY=($(compgen -W '");
                        for (const char *const *v = o->values; *v; v++)
                                printf("%s%s", v == o->values ? "" : " ", *v);
                        printf("' -- \"$cur\"))\n                return ;;\n");
                } else
                        printf(")\n                return ;;\n");
        }
        printf("        esac\n\n"
               "        if [[ $cur == -* ]]; then\n"
               "                COMPREPLY=($(compgen -W \"$opts\" -- \"$cur\"))\n"
               "                return\n"
               "        fi\n"
               "        for ((i = 1; i < COMP_CWORD; i++)); do\n"
               "                [[ \" $opts_arg \" == *\" ${COMP_WORDS[i]} \"* ]] && { ((i++)); continue; "
               "}\n"
               "                if [[ \" $v_machines $v_images $v_files $v_none \" == *\" ${COMP_WORDS[i]} "
               "\"* ]]; then\n"
               "                        verb=${COMP_WORDS[i]}\n"
               "                        break\n"
               "                fi\n"
               "        done\n"
               "        if [[ -z $verb ]]; then\n"
               "                COMPREPLY=($(compgen -W \"$v_machines $v_images $v_files $v_none\" -- "
               "\"$cur\"))\n"
               "        elif [[ \" $v_machines \" == *\" $verb \"* ]]; then\n"
               "                COMPREPLY=($(compgen -W \"$(\"${COMP_WORDS[0]}\" list --no-legend "
               "--no-pager 2>/dev/null"
               " | awk '{ print $1 }')\" -- \"$cur\"))\n"
               "        elif [[ \" $v_images \" == *\" $verb \"* ]]; then\n"
               "                COMPREPLY=($(compgen -W \"$(__nspawnctl_images)\" -- \"$cur\"))\n"
               "        elif [[ \" $v_files \" == *\" $verb \"* ]]; then\n"
               "                COMPREPLY=($(compgen -f -- \"$cur\"))\n"
               "        fi\n"
               "}\n\n"
               "complete -F _nspawnctl nspawnctl machinectl\n");
        return 0;
}
