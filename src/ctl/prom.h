/* SPDX-License-Identifier: GPL-2.0-or-later
 * hostnat - prom.h: "stats" as Prometheus metrics
 */
#ifndef HOSTNAT_PROM_H
#define HOSTNAT_PROM_H

#include <stdbool.h>
#include <stdio.h>

#include <jansson.h>

void prom_print(FILE *f, json_t *res);

#endif /* HOSTNAT_PROM_H */
