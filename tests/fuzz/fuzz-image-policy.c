/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer target: --image-policy= strings, and the checks on what parsed. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "image-policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        struct image_policy p;
        char *text = strndup((const char *) data, size), *error = NULL;

        if (!text)
                return 0;
        if (image_policy_parse(text, &p, &error) >= 0) {
                for (int d = 0; d < _PARTITION_DESIGNATOR_MAX; d++) {
                        char *s = NULL;
                        if (partition_policy_flags_to_string(image_policy_get(&p, d), &s) < 0 || !s)
                                abort();
                        free(s);
                        (void) image_policy_may_use(&p, d, NULL);
                        (void) image_policy_check_protection(&p, d, POLICY_UNPROTECTED, NULL);
                        (void) image_policy_check_gpt_flags(&p, d, GPT_FLAG_READ_ONLY, NULL);
                        (void) image_policy_check_fstype(&p, d, "ext4", NULL);
                }
        } else if (!error)
                abort(); /* every refusal names the policy */
        free(error);
        free(text);
        return 0;
}
