/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The C++ side of sdag-cv-shim.h. Every entry point catches every exception:
 * a C caller cannot unwind through C++ frames.
 */
#include "sdag-cv-shim.h"

#include <cstdlib>
#include <cstring>
#include <exception>
#include <memory>
#include <new>
#include <string>
#include <vector>

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/objdetect.hpp>

struct _SdagCvHog {
	cv::HOGDescriptor hog;
	cv::Mat scaled; /* reused between frames of the same size */
};

struct _SdagCvCascade {
	cv::CascadeClassifier cascade;
	cv::Mat equalized;
};

static void
set_error(char **error, const char *what)
{
	if (error != nullptr)
		*error = strdup(what != nullptr ? what : "unknown OpenCV error");
}

static cv::Mat
wrap_gray(const SdagCvGray *img)
{
	/* OpenCV does not write through a Mat it was handed as input */
	return cv::Mat(img->height,
		       img->width,
		       CV_8UC1,
		       const_cast<uint8_t *>(img->data),
		       static_cast<size_t>(img->stride));
}

static int
copy_rects(const std::vector<cv::Rect> &found,
	   const std::vector<double> *weights,
	   double inv,
	   SdagCvRect **rects,
	   size_t *n_rects,
	   char **error)
{
	*rects = nullptr;
	*n_rects = 0;
	if (found.empty())
		return 0;
	*rects = static_cast<SdagCvRect *>(calloc(found.size(), sizeof(SdagCvRect)));
	if (*rects == nullptr) {
		set_error(error, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < found.size(); i++) {
		SdagCvRect *r = &(*rects)[i];
		r->x = static_cast<float>(found[i].x * inv);
		r->y = static_cast<float>(found[i].y * inv);
		r->w = static_cast<float>(found[i].width * inv);
		r->h = static_cast<float>(found[i].height * inv);
		r->weight = weights != nullptr && i < weights->size()
				? static_cast<float>((*weights)[i])
				: 0.0f;
	}
	*n_rects = found.size();
	return 0;
}

extern "C" SdagCvHog *
sdag_cv_hog_new(char **error)
{
	try {
		std::unique_ptr<SdagCvHog> hog(new SdagCvHog());
		hog->hog.setSVMDetector(cv::HOGDescriptor::getDefaultPeopleDetector());
		return hog.release();
	} catch (const std::exception &e) {
		set_error(error, e.what());
		return nullptr;
	}
}

extern "C" void
sdag_cv_hog_free(SdagCvHog *hog)
{
	delete hog;
}

extern "C" void
sdag_cv_hog_get_window(SdagCvHog *hog, int *width, int *height)
{
	*width = hog->hog.winSize.width;
	*height = hog->hog.winSize.height;
}

extern "C" int
sdag_cv_hog_detect(SdagCvHog *hog,
		   const SdagCvGray *img,
		   double resize,
		   const SdagCvHogParams *params,
		   SdagCvRect **rects,
		   size_t *n_rects,
		   char **error)
{
	try {
		cv::Mat in = wrap_gray(img);
		std::vector<cv::Rect> found;
		std::vector<double> weights;

		if (resize != 1.0) {
			cv::resize(in,
				   hog->scaled,
				   cv::Size(),
				   resize,
				   resize,
				   resize < 1.0 ? cv::INTER_AREA : cv::INTER_LINEAR);
			in = hog->scaled;
		}
		*rects = nullptr;
		*n_rects = 0;
		if (in.cols < hog->hog.winSize.width || in.rows < hog->hog.winSize.height)
			return 0;
		/* groupThreshold 0: the raw windows; the node runs its own NMS */
		hog->hog.detectMultiScale(in,
					  found,
					  weights,
					  params->hit_threshold,
					  cv::Size(params->win_stride, params->win_stride),
					  cv::Size(params->padding, params->padding),
					  params->scale,
					  0,
					  false);
		return copy_rects(found, &weights, 1.0 / resize, rects, n_rects, error);
	} catch (const std::exception &e) {
		set_error(error, e.what());
		return -1;
	}
}

extern "C" SdagCvCascade *
sdag_cv_cascade_new(const char *path, char **error)
{
	try {
		/* owned until handed out: load() throws on some bad files */
		std::unique_ptr<SdagCvCascade> c(new SdagCvCascade());
		if (!c->cascade.load(std::string(path)) || c->cascade.empty()) {
			set_error(error, "not a cascade OpenCV can load");
			return nullptr;
		}
		return c.release();
	} catch (const std::exception &e) {
		set_error(error, e.what());
		return nullptr;
	}
}

extern "C" void
sdag_cv_cascade_free(SdagCvCascade *cascade)
{
	delete cascade;
}

extern "C" int
sdag_cv_cascade_detect(SdagCvCascade *cascade,
		       const SdagCvGray *img,
		       const SdagCvCascadeParams *params,
		       SdagCvRect **rects,
		       size_t *n_rects,
		       char **error)
{
	try {
		cv::Mat in = wrap_gray(img);
		std::vector<cv::Rect> found;
		std::vector<int> neighbours;
		std::vector<double> weights;

		*rects = nullptr;
		*n_rects = 0;
		if (in.cols < params->min_size || in.rows < params->min_size || in.empty())
			return 0;
		if (params->equalize) {
			cv::equalizeHist(in, cascade->equalized);
			in = cascade->equalized;
		}
		cascade->cascade.detectMultiScale(in,
						  found,
						  neighbours,
						  params->scale_factor,
						  params->min_neighbors,
						  0,
						  cv::Size(params->min_size, params->min_size));
		for (size_t i = 0; i < found.size(); i++)
			weights.push_back(i < neighbours.size() ? neighbours[i] : 0);
		return copy_rects(found, &weights, 1.0, rects, n_rects, error);
	} catch (const std::exception &e) {
		set_error(error, e.what());
		return -1;
	}
}
