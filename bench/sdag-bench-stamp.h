/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A frame's 16-bit sequence number painted into its top 16 luma rows: 16
 * blocks across, white (235) for 1, black (16) for 0, most significant bit
 * left. Big blocks at full contrast survive H.264 at any sensible quality.
 */
#pragma once

#include <glib.h>
#include <string.h>

#define SDAG_BENCH_STAMP_ROWS 16

static inline void
sdag_bench_stamp_paint(guint8 *y, gint stride, guint width, guint value)
{
	guint bw = width / 16;

	for (guint row = 0; row < SDAG_BENCH_STAMP_ROWS; row++)
		for (guint bit = 0; bit < 16; bit++)
			memset(
			    y + row * stride + bit * bw, (value >> (15 - bit)) & 1 ? 235 : 16, bw);
}

static inline guint
sdag_bench_stamp_read(const guint8 *y, gint stride, guint width)
{
	guint bw = width / 16;
	guint value = 0;

	for (guint bit = 0; bit < 16; bit++)
		value = (value << 1) |
			(y[(SDAG_BENCH_STAMP_ROWS / 2) * stride + bit * bw + bw / 2] > 128);
	return value;
}
