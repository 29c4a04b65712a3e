/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * metrics_writer.h - the daemon's thread that writes metrics_file every
 * metrics_interval seconds (lib/metrics.c renders and writes it).
 */
#ifndef CCGUARD_METRICS_WRITER_H
#define CCGUARD_METRICS_WRITER_H

void	metrics_writer_start(void);
void	metrics_writer_kick(void);
void	metrics_writer_stop(void);

#endif
