/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The quantile sketch against exact quantiles (random and adversarial data), and the
 * Prometheus registry's exposition under a strict parser.
 */
#include "sdag-prom.h"
#include "sdag-sketch.h"
#include "sdag-test-prom.h"

#include <math.h>
#include <string.h>

static const double quantiles[] = {0.0, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999, 1.0};

static int
cmp_double(gconstpointer a, gconstpointer b)
{
	double x = *(const double *)a;
	double y = *(const double *)b;
	return x < y ? -1 : x > y ? 1 : 0;
}

/* nearest rank: the value of rank ceil(q n), 1-based */
static double
exact_quantile(GArray *sorted, double q)
{
	guint64 rank = (guint64)ceil(q * sorted->len);
	rank = CLAMP(rank, 1, sorted->len);
	return g_array_index(sorted, double, rank - 1);
}

static void
check_against_exact(GArray *values)
{
	g_autoptr(SdagSketch) sk = sdag_sketch_new();
	g_autoptr(GArray) sorted = g_array_copy(values);
	double sum = 0;

	for (guint i = 0; i < values->len; i++) {
		sdag_sketch_add(sk, g_array_index(values, double, i));
		sum += g_array_index(values, double, i);
	}
	g_array_sort(sorted, cmp_double);
	g_assert_cmpuint(sdag_sketch_get_count(sk), ==, values->len);
	g_assert_cmpfloat_with_epsilon(sdag_sketch_get_sum(sk), sum, fabs(sum) * 1e-12 + 1e-12);
	g_assert_cmpfloat(sdag_sketch_get_min(sk), ==, g_array_index(sorted, double, 0));
	g_assert_cmpfloat(
	    sdag_sketch_get_max(sk), ==, g_array_index(sorted, double, sorted->len - 1));
	for (guint i = 0; i < G_N_ELEMENTS(quantiles); i++) {
		double exact = exact_quantile(sorted, quantiles[i]);
		double got = sdag_sketch_quantile(sk, quantiles[i]);
		double bound = SDAG_SKETCH_RELATIVE_ERROR * fabs(exact) * (1 + 1e-9);
		if (fabs(got - exact) > bound)
			g_error("q=%g: sketch %.17g, exact %.17g (n=%u)",
				quantiles[i],
				got,
				exact,
				values->len);
	}
}

static void
test_random(void)
{
	g_autoptr(GRand) rand = g_rand_new_with_seed(20261128);

	for (guint round = 0; round < 20; round++) {
		g_autoptr(GArray) v = g_array_new(FALSE, FALSE, sizeof(double));
		guint n = 1 + g_rand_int_range(rand, 0, 5000);
		for (guint i = 0; i < n; i++) {
			/* node times: log-normal-ish around 1 ms, in ns */
			double x = exp(g_rand_double_range(rand, 8, 16));
			if (round % 2 == 0)
				x = floor(x);
			g_array_append_val(v, x);
		}
		check_against_exact(v);
	}
}

static void
test_adversarial(void)
{
	/* one value; all equal; powers of gamma's neighbourhood; a huge spread; two clusters far
	 * apart; zeros among positives; a sorted and a reversed ramp */
	g_autoptr(GArray) one = g_array_new(FALSE, FALSE, sizeof(double));
	g_autoptr(GArray) equal = g_array_new(FALSE, FALSE, sizeof(double));
	g_autoptr(GArray) spread = g_array_new(FALSE, FALSE, sizeof(double));
	g_autoptr(GArray) bimodal = g_array_new(FALSE, FALSE, sizeof(double));
	g_autoptr(GArray) zeros = g_array_new(FALSE, FALSE, sizeof(double));
	g_autoptr(GArray) ramp = g_array_new(FALSE, FALSE, sizeof(double));
	g_autoptr(GArray) edges = g_array_new(FALSE, FALSE, sizeof(double));
	double gamma = (1 + SDAG_SKETCH_RELATIVE_ERROR) / (1 - SDAG_SKETCH_RELATIVE_ERROR);
	double x = 42;

	g_array_append_val(one, x);
	check_against_exact(one);
	for (guint i = 0; i < 1000; i++) {
		x = 1234567;
		g_array_append_val(equal, x);
	}
	check_against_exact(equal);
	for (guint i = 0; i <= 120; i++) {
		x = pow(10, i / 10.0); /* 1 to 1e12 */
		g_array_append_val(spread, x);
	}
	check_against_exact(spread);
	for (guint i = 0; i < 999; i++) {
		x = i % 3 == 0 ? 1e9 + i : 100 + i % 7;
		g_array_append_val(bimodal, x);
	}
	check_against_exact(bimodal);
	for (guint i = 0; i < 500; i++) {
		x = i % 5 == 0 ? 0 : i;
		g_array_append_val(zeros, x);
	}
	check_against_exact(zeros);
	for (guint i = 0; i < 1000; i++) {
		x = 1000 - i;
		g_array_append_val(ramp, x);
	}
	check_against_exact(ramp);
	/* values on and next to the bucket boundaries */
	for (gint i = -50; i < 1500; i += 7) {
		double b = pow(gamma, i);
		g_array_append_val(edges, b);
		b = nextafter(b, 0);
		g_array_append_val(edges, b);
		b = nextafter(pow(gamma, i), INFINITY);
		g_array_append_val(edges, b);
	}
	check_against_exact(edges);
}

static void
test_merge_and_json(void)
{
	g_autoptr(GRand) rand = g_rand_new_with_seed(7);
	g_autoptr(SdagSketch) a = sdag_sketch_new();
	g_autoptr(SdagSketch) b = sdag_sketch_new();
	g_autoptr(SdagSketch) all = sdag_sketch_new();
	g_autoptr(SdagSketch) empty = sdag_sketch_new();
	g_autoptr(SdagSketch) merged = sdag_sketch_new();
	g_autoptr(SdagSketch) back = NULL;
	g_autoptr(JsonNode) json = NULL;
	g_autoptr(JsonNode) bad = json_node_new(JSON_NODE_ARRAY);

	for (guint i = 0; i < 3000; i++) {
		double x = g_rand_double_range(rand, 1, 1e6);
		sdag_sketch_add(i % 2 ? a : b, x);
		sdag_sketch_add(all, x);
	}
	g_assert_cmpfloat(sdag_sketch_quantile(empty, 0.5), ==, 0);
	sdag_sketch_merge(merged, empty);
	sdag_sketch_merge(merged, a);
	sdag_sketch_merge(merged, b);
	json = sdag_sketch_to_json(merged);
	back = sdag_sketch_from_json(json);
	g_assert_nonnull(back);
	for (guint i = 0; i < G_N_ELEMENTS(quantiles); i++) {
		/* merging is exact: the same buckets as one sketch of every value */
		g_assert_cmpfloat(sdag_sketch_quantile(merged, quantiles[i]),
				  ==,
				  sdag_sketch_quantile(all, quantiles[i]));
		g_assert_cmpfloat(sdag_sketch_quantile(back, quantiles[i]),
				  ==,
				  sdag_sketch_quantile(all, quantiles[i]));
	}
	g_assert_cmpuint(sdag_sketch_get_count(back), ==, 3000);
	g_assert_null(sdag_sketch_from_json(bad));
	g_assert_null(sdag_sketch_from_json(NULL));
}

static void
test_prom_exposition(void)
{
	g_autoptr(SdagProm) prom = sdag_prom_new();
	g_autoptr(SdagTestProm) p1 = NULL;
	g_autoptr(SdagTestProm) p2 = NULL;
	g_autofree char *t1 = NULL;
	g_autofree char *t2 = NULL;
	const char *nasty[] = {"camera", "a\"b\\c\nd", NULL};
	const char *node[] = {"pipeline_id", "p", "node", "n", NULL};
	const char *pipeline[] = {"pipeline_id", "p", NULL};

	sdag_prom_add(prom, "streamdag_camera_frames_processed_total", nasty, 3);
	for (guint i = 0; i < 100; i++)
		sdag_prom_observe(prom, "streamdag_node_duration_seconds", node, i / 1000.0);
	sdag_prom_add(prom, "streamdag_source_reconnects_total", pipeline, 1);
	sdag_prom_add(prom, "streamdag_pipeline_frames_dropped_total", pipeline, 5);
	sdag_prom_mqtt_set_outbox_depth(prom, 12);
	t1 = sdag_prom_render(prom);
	p1 = sdag_test_prom_parse(t1);
	/* escaped as the format says, and read back */
	g_assert_nonnull(strstr(t1, "camera=\"a\\\"b\\\\c\\nd\""));
	g_assert_cmpfloat(sdag_test_prom_value(p1,
					       "streamdag_camera_frames_processed_total",
					       "camera=\"a\\\"b\\\\c\\nd\""),
			  ==,
			  3);
	g_assert_cmpfloat(sdag_test_prom_value(p1,
					       "streamdag_node_duration_seconds_count",
					       "pipeline_id=\"p\",node=\"n\""),
			  ==,
			  100);
	g_assert_cmpfloat(sdag_test_prom_value(p1,
					       "streamdag_node_duration_seconds_bucket",
					       "pipeline_id=\"p\",node=\"n\",le=\"0.01\""),
			  ==,
			  11);
	g_assert_cmpfloat(sdag_test_prom_value(p1, "streamdag_mqtt_outbox_messages", NULL), ==, 12);
	g_assert_cmpfloat(
	    sdag_test_prom_value(p1, "streamdag_mqtt_publish_failures_total", NULL), ==, 0);
	/* without MQTT: there, and 0 */
	g_assert_cmpfloat(sdag_test_prom_value(p1, "streamdag_mqtt_connected", NULL), ==, 0);
	g_assert_cmpfloat(
	    sdag_test_prom_value(p1, "streamdag_source_reconnects_total", "pipeline_id=\"p\""),
	    ==,
	    1);
	g_assert_cmpfloat(sdag_test_prom_value(
			      p1, "streamdag_pipeline_frames_dropped_total", "pipeline_id=\"p\""),
			  ==,
			  5);
	g_assert_cmpstr(
	    g_hash_table_lookup(p1->types, "streamdag_node_duration_seconds"), ==, "histogram");
	g_assert_cmpstr(g_hash_table_lookup(p1->types, "streamdag_camera_up"), ==, "gauge");
	g_assert_cmpstr(
	    g_hash_table_lookup(p1->types, "streamdag_camera_last_frame_timestamp_seconds"),
	    ==,
	    "gauge");

	sdag_prom_mqtt_publish_failed(prom);
	t2 = sdag_prom_render(prom);
	p2 = sdag_test_prom_parse(t2);
	g_assert_cmpfloat(
	    sdag_test_prom_value(p2, "streamdag_mqtt_publish_failures_total", NULL), ==, 1);
	g_assert_cmpfloat(sdag_test_prom_value(p2,
					       "streamdag_camera_frames_processed_total",
					       "camera=\"a\\\"b\\\\c\\nd\""),
			  ==,
			  3);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/sdag/sketch/random", test_random);
	g_test_add_func("/sdag/sketch/adversarial", test_adversarial);
	g_test_add_func("/sdag/sketch/merge-json", test_merge_and_json);
	g_test_add_func("/sdag/prom/exposition", test_prom_exposition);
	return g_test_run();
}
