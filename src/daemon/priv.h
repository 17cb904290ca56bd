/* SPDX-License-Identifier: GPL-2.0-or-later
 * hostnat - priv.h: what hostnatd may do after its start-up (priv.c)
 */
#ifndef HOSTNAT_PRIV_H
#define HOSTNAT_PRIV_H

#include <stdbool.h>

void priv_set_log_only(bool log_only);
int priv_confine_helper(void);
int priv_drop(void);

#endif /* HOSTNAT_PRIV_H */
