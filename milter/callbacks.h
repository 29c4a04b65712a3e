/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * callbacks.h - the libmilter callback table.
 */
#ifndef CCGUARD_CALLBACKS_H
#define CCGUARD_CALLBACKS_H

#include <libmilter/mfapi.h>

extern struct smfiDesc callbacks_desc;

#endif
