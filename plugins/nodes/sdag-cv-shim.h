/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A plain C interface to the few OpenCV calls the detector nodes make. All
 * of the C++ of streamdag is in sdag-cv-shim.cpp, linked into the hog_people
 * and haar plugins only: no exception ever crosses this interface (each one
 * becomes an error string), and the nodes stay C.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A grey image, borrowed: width x height bytes, rows @stride bytes apart. */
typedef struct {
	const uint8_t *data;
	int width;
	int height;
	int stride;
} SdagCvGray;

/* A detection in the pixels of the image handed in; @weight is the
 * detector's own confidence (HOG: SVM margin; Haar: the number of raw hits
 * grouped into the box). */
typedef struct {
	float x, y, w, h;
	float weight;
} SdagCvRect;

typedef struct {
	double hit_threshold; /* SVM margin a window needs */
	int win_stride;	      /* pixels, a multiple of 8 */
	int padding;	      /* pixels, a multiple of 8 */
	double scale;	      /* pyramid step, > 1 */
} SdagCvHogParams;

typedef struct {
	double scale_factor; /* pyramid step, > 1 */
	int min_neighbors;
	int min_size; /* pixels, the smaller side of the smallest object */
	int equalize; /* equalise the histogram first */
} SdagCvCascadeParams;

typedef struct _SdagCvHog SdagCvHog;
typedef struct _SdagCvCascade SdagCvCascade;

/* The HOG detector with OpenCV's default people SVM (64x128 windows). */
SdagCvHog *sdag_cv_hog_new(char **error);
void sdag_cv_hog_free(SdagCvHog *hog);
/* The window size of the detector: nothing smaller than this is found. */
void sdag_cv_hog_get_window(SdagCvHog *hog, int *width, int *height);
/*
 * Runs the detector over @img scaled by @resize (1.0: as it is) and returns
 * the raw windows, ungrouped, in @img's pixels. The caller frees *@rects with
 * free(). Returns 0, or -1 with *@error (free()) set.
 */
int sdag_cv_hog_detect(SdagCvHog *hog,
		       const SdagCvGray *img,
		       double resize,
		       const SdagCvHogParams *params,
		       SdagCvRect **rects,
		       size_t *n_rects,
		       char **error);

/* Loads a cascade file; NULL with *@error (free()) set when it cannot be used. */
SdagCvCascade *sdag_cv_cascade_new(const char *path, char **error);
void sdag_cv_cascade_free(SdagCvCascade *cascade);
int sdag_cv_cascade_detect(SdagCvCascade *cascade,
			   const SdagCvGray *img,
			   const SdagCvCascadeParams *params,
			   SdagCvRect **rects,
			   size_t *n_rects,
			   char **error);

#ifdef __cplusplus
}
#endif
