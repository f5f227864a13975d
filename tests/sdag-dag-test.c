/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "sdag-dag.h"
#include "sdag-json.h"
#include "sdag-test-util.h"

#include <string.h>

typedef struct {
	const char *name;
	const char *json;
	/* space-separated problem codes in order; NULL: valid */
	const char *codes;
	/* space-separated node ids in execution order, for valid cases */
	const char *order;
} DagCase;

#define SRC_DET "{\"from\":\"source.frame\",\"to\":\"d.frame\"}"
#define DET_TRK "{\"from\":\"d.detections\",\"to\":\"t.detections\"}"
#define N_DET(id) "{\"id\":\"" id "\",\"type\":\"det\"}"
#define N_TRK(id) "{\"id\":\"" id "\",\"type\":\"trk\"}"

static const DagCase dag_cases[] = {
    /* valid shapes */
    {"chain",
     "{\"pipeline_id\":\"p\",\"nodes\":[" N_DET("d") "," N_TRK(
	 "t") "],\"edges\":[" SRC_DET "," DET_TRK "],\"outputs\":[\"t.tracks\"]}",
     NULL,
     "d t"},
    {"chain-declared-backwards",
     "{\"pipeline_id\":\"p\",\"nodes\":[" N_TRK("t") "," N_DET("d") "],\"edges\":[" DET_TRK
								    "," SRC_DET "]}",
     NULL,
     "d t"},
    {"diamond",
     "{\"pipeline_id\":\"p\",\"nodes\":[{\"id\":\"m\",\"type\":\"merge\"}," N_TRK("t") "," N_DET(
	 "d1") "," N_DET("d2") "],\"edges\":["
			       "{\"from\":\"source.frame\",\"to\":\"d1.frame\"},"
			       "{\"from\":\"source.frame\",\"to\":\"d2.frame\"},"
			       "{\"from\":\"d1.detections\",\"to\":\"m.a\"},"
			       "{\"from\":\"d2.detections\",\"to\":\"m.b\"},"
			       "{\"from\":\"m.detections\",\"to\":\"t.detections\"}],"
			       "\"outputs\":[\"t.tracks\",\"t.events\"]}",
     NULL,
     "d1 d2 m t"},
    {"fan-out",
     "{\"pipeline_id\":\"p\",\"nodes\":[" N_DET("a") "," N_DET("b") "," N_TRK(
	 "t") "],\"edges\":["
	      "{\"from\":\"source.frame\",\"to\":\"a.frame\"},"
	      "{\"from\":\"source.frame\",\"to\":\"b.frame\"},"
	      "{\"from\":\"a.detections\",\"to\":\"t.detections\"}]}",
     NULL,
     "a b t"},
    {"multiple-outputs-and-optional-input",
     "{\"pipeline_id\":\"p.v-1_x\",\"description\":\"x\",\"nodes\":[" N_DET(
	 "d") ",{\"id\":\"m\",\"type\":\"merge\"}," N_TRK("t") "],\"edges\":[" SRC_DET ","
							       "{\"from\":\"d.detections\",\"to\":"
							       "\"m.a\"},"
							       "{\"from\":\"m.detections\",\"to\":"
							       "\"t.detections\"}],"
							       "\"outputs\":[\"d.detections\",\"m."
							       "detections\",\"t.tracks\","
							       "\"t.events\"]}",
     NULL,
     "d m t"},
    {"dotted-node-id",
     "{\"pipeline_id\":\"p\",\"nodes\":[{\"id\":\"cam.det\",\"type\":\"det\"}],\"edges\":["
     "{\"from\":\"source.frame\",\"to\":\"cam.det.frame\"}],\"outputs\":[\"cam.det.detections\"]}",
     NULL,
     "cam.det"},
    {"params-in-range",
     "{\"pipeline_id\":\"p\",\"nodes\":[{\"id\":\"d\",\"type\":\"det\",\"params\":{\"min_score\":1,"
     "\"enabled\":false}},{\"id\":\"t\",\"type\":\"trk\",\"params\":{\"max_age\":1000,\"zone\":"
     "[[0,0],[10.5,0],[10,10]],\"labels\":[\"car\"]}}],\"edges\":[" SRC_DET "," DET_TRK "]}",
     NULL,
     "d t"},

    /* one problem each */
    {"not-an-object", "[1,2]", "bad_json", NULL},
    {"pipeline-id-missing",
     "{\"nodes\":[" N_DET("d") "],\"edges\":[" SRC_DET "]}",
     "bad_json",
     NULL},
    {"pipeline-id-bad-chars",
     "{\"pipeline_id\":\"a/b\",\"nodes\":[" N_DET("d") "],\"edges\":[" SRC_DET "]}",
     "bad_json",
     NULL},
    {"unknown-top-member",
     "{\"pipeline_id\":\"p\",\"edge\":[],\"nodes\":[" N_DET("d") "],\"edges\":[" SRC_DET "]}",
     "bad_json",
     NULL},
    {"description-not-string",
     "{\"pipeline_id\":\"p\",\"description\":5,\"nodes\":[" N_DET("d") "],\"edges\":[" SRC_DET "]}",
     "bad_json",
     NULL},
    {"nodes-not-array", "{\"pipeline_id\":\"p\",\"nodes\":{}}", "bad_json", NULL},
    {"node-not-object", "{\"pipeline_id\":\"p\",\"nodes\":[5]}", "bad_json", NULL},
    {"node-without-type", "{\"pipeline_id\":\"p\",\"nodes\":[{\"id\":\"d\"}]}", "bad_json", NULL},
    {"node-unknown-member",
     "{\"pipeline_id\":\"p\",\"nodes\":[{\"id\":\"d\",\"type\":\"det\",\"param\":{}}],\"edges\":"
     "[" SRC_DET "]}",
     "bad_json",
     NULL},
    {"params-not-object",
     "{\"pipeline_id\":\"p\",\"nodes\":[{\"id\":\"d\",\"type\":\"det\",\"params\":[]}],\"edges\":"
     "[" SRC_DET "]}",
     "bad_json",
     NULL},
    {"edges-not-array",
     "{\"pipeline_id\":\"p\",\"nodes\":[" N_DET("d") "],\"edges\":5}",
     "bad_json unconnected_input",
     NULL},
    {"edge-not-object",
     "{\"pipeline_id\":\"p\",\"nodes\":[" N_DET("d") "],\"edges\":[" SRC_DET ",3]}",
     "bad_json",
     NULL},
    {"edge-bad-ref",
     "{\"pipeline_id\":\"p\",\"nodes\":[" N_DET("d") "],\"edges\":[" SRC_DET
						     ",{\"from\":\"d\",\"to\":\"x.\"}]}",
     "bad_json",
     NULL},
    {"empty-nodes", "{\"pipeline_id\":\"p\",\"nodes\":[]}", "empty_pipeline", NULL},
    {"missing-nodes", "{\"pipeline_id\":\"p\"}", "empty_pipeline", NULL},
    {"duplicate-node-id",
     "{\"pipeline_id\":\"p\",\"nodes\":[" N_DET("d") "," N_DET("d") "],\"edges\":[" SRC_DET "]}",
     "duplicate_node_id",
     NULL},
    {"reserved-node-id",
     "{\"pipeline_id\":\"p\",\"nodes\":[" N_DET("d") "," N_DET("source") "],\"edges\":[" SRC_DET
									 "]}",
     "duplicate_node_id",
     NULL},
    {"unknown-node-type",
     "{\"pipeline_id\":\"p\",\"nodes\":[" N_DET(
	 "d") ",{\"id\":\"x\",\"type\":\"nope\"}],\"edges\":[" SRC_DET
	      ",{\"from\":\"d.detections\",\"to\":\"x.anything\"}],\"outputs\":[\"x.y\"]}",
     "unknown_node_type",
     NULL},
    {"bad-param-unknown",
     "{\"pipeline_id\":\"p\",\"nodes\":[{\"id\":\"d\",\"type\":\"det\",\"params\":{\"minscore\":"
     "0.2}}],\"edges\":[" SRC_DET "]}",
     "bad_param",
     NULL},
    {"bad-param-type",
     "{\"pipeline_id\":\"p\",\"nodes\":[{\"id\":\"d\",\"type\":\"det\",\"params\":{\"min_score\":"
     "\"high\"}}],\"edges\":[" SRC_DET "]}",
     "bad_param",
     NULL},
    {"bad-param-range",
     "{\"pipeline_id\":\"p\",\"nodes\":[{\"id\":\"d\",\"type\":\"det\",\"params\":{\"min_score\":"
     "1.5}}],\"edges\":[" SRC_DET "]}",
     "bad_param",
     NULL},
    {"bad-param-int-fraction",
     "{\"pipeline_id\":\"p\",\"nodes\":[" N_DET("d") ",{\"id\":\"t\",\"type\":\"trk\",\"params\":{"
						     "\"max_age\":2.5}}],\"edges\":[" SRC_DET
						     "," DET_TRK "]}",
     "bad_param",
     NULL},
    {"bad-param-bool",
     "{\"pipeline_id\":\"p\",\"nodes\":[{\"id\":\"d\",\"type\":\"det\",\"params\":{\"enabled\":"
     "1}}],\"edges\":[" SRC_DET "]}",
     "bad_param",
     NULL},
    {"bad-param-points",
     "{\"pipeline_id\":\"p\",\"nodes\":[" N_DET("d") ",{\"id\":\"t\",\"type\":\"trk\",\"params\":{"
						     "\"zone\":[[0,0],[1]]}}],\"edges\":[" SRC_DET
						     "," DET_TRK "]}",
     "bad_param",
     NULL},
    {"bad-param-too-many-points",
     "{\"pipeline_id\":\"p\",\"nodes\":[" N_DET("d") ",{\"id\":\"t\",\"type\":\"trk\",\"params\":{"
						     "\"zone\":[[0,0],[1,1],[2,2],[3,3],[4,4],[5,5]"
						     ",[6,6],[7,7],[8,8]]}}],\"edges\":[" SRC_DET
						     "," DET_TRK "]}",
     "bad_param",
     NULL},
    {"bad-param-strings",
     "{\"pipeline_id\":\"p\",\"nodes\":[" N_DET("d") ",{\"id\":\"t\",\"type\":\"trk\",\"params\":{"
						     "\"labels\":[\"a\",2]}}],\"edges\":[" SRC_DET
						     "," DET_TRK "]}",
     "bad_param",
     NULL},
    {"bad-param-required",
     "{\"pipeline_id\":\"p\",\"nodes\":[{\"id\":\"n\",\"type\":\"needs\"}],\"edges\":["
     "{\"from\":\"source.frame\",\"to\":\"n.frame\"}]}",
     "bad_param",
     NULL},
    {"bad-param-string-empty",
     "{\"pipeline_id\":\"p\",\"nodes\":[{\"id\":\"n\",\"type\":\"needs\",\"params\":{\"path\":\"\"}"
     "}"
     "],\"edges\":[{\"from\":\"source.frame\",\"to\":\"n.frame\"}]}",
     "bad_param",
     NULL},
    {"bad-param-validate-hook",
     "{\"pipeline_id\":\"p\",\"nodes\":[{\"id\":\"r\",\"type\":\"ranged\",\"params\":{\"lo\":5,"
     "\"hi\":1}}],\"edges\":[{\"from\":\"source.frame\",\"to\":\"r.frame\"}]}",
     "bad_param",
     NULL},
    {"unknown-port-from",
     "{\"pipeline_id\":\"p\",\"nodes\":[" N_DET("d") "," N_TRK(
	 "t") "],\"edges\":[" SRC_DET ",{\"from\":\"d.boxes\",\"to\":\"t.detections\"}]}",
     "unknown_port",
     NULL},
    {"unknown-port-from-input",
     "{\"pipeline_id\":\"p\",\"nodes\":[" N_DET("d") "," N_TRK(
	 "t") "],\"edges\":[" SRC_DET ",{\"from\":\"t.detections\",\"to\":\"t.detections\"}]}",
     "unknown_port",
     NULL},
    {"unknown-port-to",
     "{\"pipeline_id\":\"p\",\"nodes\":[" N_DET(
	 "d") "],\"edges\":[" SRC_DET ",{\"from\":\"source.frame\",\"to\":\"d.image\"}]}",
     "unknown_port",
     NULL},
    {"unknown-port-to-output",
     "{\"pipeline_id\":\"p\",\"nodes\":[" N_DET(
	 "d") "],\"edges\":[" SRC_DET ",{\"from\":\"source.frame\",\"to\":\"d.detections\"}]}",
     "unknown_port",
     NULL},
    {"unknown-port-source",
     "{\"pipeline_id\":\"p\",\"nodes\":[" N_DET(
	 "d") "],\"edges\":["
	      "{\"from\":\"source.audio\",\"to\":\"d.frame\"}]}",
     "unknown_port",
     NULL},
    {"unknown-port-into-source",
     "{\"pipeline_id\":\"p\",\"nodes\":[" N_DET(
	 "d") "],\"edges\":[" SRC_DET ",{\"from\":\"d.detections\",\"to\":\"source.frame\"}]}",
     "unknown_port",
     NULL},
    {"unknown-port-missing-node",
     "{\"pipeline_id\":\"p\",\"nodes\":[" N_DET(
	 "d") "],\"edges\":[" SRC_DET ",{\"from\":\"d.detections\",\"to\":\"ghost.detections\"}]}",
     "unknown_port",
     NULL},
    {"type-mismatch",
     "{\"pipeline_id\":\"p\",\"nodes\":[" N_TRK(
	 "t") "],\"edges\":["
	      "{\"from\":\"source.frame\",\"to\":\"t.detections\"}]}",
     "type_mismatch",
     NULL},
    {"duplicate-input",
     "{\"pipeline_id\":\"p\",\"nodes\":[" N_DET("a") "," N_DET("b") "," N_TRK(
	 "t") "],\"edges\":["
	      "{\"from\":\"source.frame\",\"to\":\"a.frame\"},"
	      "{\"from\":\"source.frame\",\"to\":\"b.frame\"},"
	      "{\"from\":\"a.detections\",\"to\":\"t.detections\"},"
	      "{\"from\":\"b.detections\",\"to\":\"t.detections\"}]}",
     "duplicate_input",
     NULL},
    {"unconnected-input",
     "{\"pipeline_id\":\"p\",\"nodes\":[" N_DET("d") "," N_TRK("t") "],\"edges\":[" SRC_DET "]}",
     "unconnected_input",
     NULL},
    {"cycle",
     "{\"pipeline_id\":\"p\",\"nodes\":[" N_DET(
	 "d") ",{\"id\":\"m1\",\"type\":\"merge\"},{\"id\":"
	      "\"m2\",\"type\":\"merge\"}],\"edges\":[" SRC_DET ","
	      "{\"from\":\"d.detections\",\"to\":\"m1.a\"},"
	      "{\"from\":\"m1.detections\",\"to\":\"m2.a\"},"
	      "{\"from\":\"m2.detections\",\"to\":\"m1.b\"}]}",
     "cycle",
     NULL},
    {"self-loop",
     "{\"pipeline_id\":\"p\",\"nodes\":[" N_DET("d") ",{\"id\":\"m\",\"type\":\"merge\"}],"
						     "\"edges\":[" SRC_DET
						     ",{\"from\":\"d.detections\",\"to\":\"m.a\"},"
						     "{\"from\":\"m.detections\",\"to\":\"m.b\"}]}",
     "cycle",
     NULL},
    {"two-cycles",
     "{\"pipeline_id\":\"p\",\"nodes\":[{\"id\":\"a\",\"type\":\"merge\"},{\"id\":\"b\",\"type\":"
     "\"merge\"},{\"id\":\"c\",\"type\":\"merge\"}],\"edges\":["
     "{\"from\":\"a.detections\",\"to\":\"b.a\"},{\"from\":\"b.detections\",\"to\":\"a.a\"},"
     "{\"from\":\"c.detections\",\"to\":\"c.a\"}]}",
     "cycle cycle",
     NULL},
    {"unknown-output-port",
     "{\"pipeline_id\":\"p\",\"nodes\":[" N_DET("d") "],\"edges\":[" SRC_DET
						     "],\"outputs\":[\"d.tracks\"]}",
     "unknown_output",
     NULL},
    {"unknown-output-node",
     "{\"pipeline_id\":\"p\",\"nodes\":[" N_DET("d") "],\"edges\":[" SRC_DET
						     "],\"outputs\":[\"ghost.tracks\"]}",
     "unknown_output",
     NULL},
    {"unknown-output-source",
     "{\"pipeline_id\":\"p\",\"nodes\":[" N_DET("d") "],\"edges\":[" SRC_DET
						     "],\"outputs\":[\"source.frame\"]}",
     "unknown_output",
     NULL},
    {"unknown-output-not-string",
     "{\"pipeline_id\":\"p\",\"nodes\":[" N_DET("d") "],\"edges\":[" SRC_DET "],\"outputs\":[5]}",
     "unknown_output",
     NULL},
    {"outputs-not-array",
     "{\"pipeline_id\":\"p\",\"nodes\":[" N_DET("d") "],\"edges\":[" SRC_DET "],\"outputs\":{}}",
     "bad_json",
     NULL},

    /* everything at once, in the documented order */
    {"many-problems",
     "{\"pipeline_id\":\"p\",\"nodes\":[" N_DET("d") "," N_DET(
	 "d") ",{\"id\":\"x\",\"type\":"
	      "\"nope\"},{\"id\":\"t\",\"type\":\"trk\",\"params\":{\"max_age\":0}},{\"id\":\"m\","
	      "\"type\":\"merge\"}],\"edges\":[" SRC_DET ",{\"from\":\"source.frame\",\"to\":\"t."
	      "detections\"},{\"from\":\"m.detections\",\"to\":\"m.a\"}],\"outputs\":[\"t."
	      "nothing\"]}",
     "duplicate_node_id unknown_node_type bad_param type_mismatch cycle unknown_output",
     NULL},
};

static SdagNodeTypes *
dag_test_types(void)
{
	SdagNodeTypes *types = sdag_node_types_new();
	sdag_test_types_add(types);
	return types;
}

static SdagDag *
dag_compile_text(SdagNodeTypes *types, const char *json, GPtrArray *problems)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonNode) root = sdag_json_parse(json, -1, &error);

	g_assert_no_error(error);
	return sdag_dag_compile(root, types, problems);
}

static void
dag_case_run(gconstpointer data)
{
	const DagCase *tc = data;
	g_autoptr(SdagNodeTypes) types = dag_test_types();
	g_autoptr(GPtrArray) problems = sdag_dag_problems_new();
	g_autoptr(SdagDag) dag = dag_compile_text(types, tc->json, problems);
	g_autoptr(GString) got = g_string_new(NULL);

	for (guint i = 0; i < problems->len; i++) {
		SdagDagProblem *p = g_ptr_array_index(problems, i);
		if (i > 0)
			g_string_append_c(got, ' ');
		g_string_append(got, p->code);
		/* every problem explains itself */
		g_assert_nonnull(p->message);
		g_assert_cmpstr(p->message, !=, "");
	}
	if (tc->codes == NULL) {
		g_autoptr(GString) order = g_string_new(NULL);

		g_assert_cmpstr(got->str, ==, "");
		g_assert_nonnull(dag);
		for (guint i = 0; i < dag->order->len; i++) {
			SdagDagNode *n =
			    g_ptr_array_index(dag->nodes, g_array_index(dag->order, guint, i));
			if (i > 0)
				g_string_append_c(order, ' ');
			g_string_append(order, n->id);
		}
		g_assert_cmpstr(order->str, ==, tc->order);
		return;
	}
	g_assert_null(dag);
	g_assert_cmpstr(got->str, ==, tc->codes);
}

/* The problem objects carry the fields the API documents for each code. */
static void
dag_problem_fields(void)
{
	g_autoptr(SdagNodeTypes) types = dag_test_types();
	g_autoptr(GPtrArray) problems = sdag_dag_problems_new();
	g_autoptr(SdagDag) dag = NULL;
	g_autoptr(JsonNode) json = NULL;
	g_autofree char *text = NULL;
	SdagDagProblem *p;

	dag = dag_compile_text(
	    types,
	    "{\"pipeline_id\":\"p\",\"nodes\":[" N_TRK(
		"t") ",{\"id\":\"d\",\"type\":"
		     "\"det\",\"params\":{\"min_score\":7}},{\"id\":\"a\",\"type\":\"merge\"},"
		     "{\"id\":\"b\",\"type\":\"merge\"}],\"edges\":[{\"from\":\"source.frame\","
		     "\"to\":\"t.detections\"},{\"from\":\"a.detections\",\"to\":\"b.a\"},"
		     "{\"from\":\"b.detections\",\"to\":\"a.a\"}]}",
	    problems);
	g_assert_null(dag);
	g_assert_cmpuint(problems->len, ==, 4);

	p = g_ptr_array_index(problems, 0);
	g_assert_cmpstr(p->code, ==, "bad_param");
	g_assert_cmpstr(p->node, ==, "d");
	g_assert_cmpstr(p->param, ==, "min_score");
	g_assert_cmpstr(p->reason, ==, "value 7 is outside 0..1");

	p = g_ptr_array_index(problems, 1);
	g_assert_cmpstr(p->code, ==, "type_mismatch");
	g_assert_cmpstr(p->node, ==, "t");
	g_assert_cmpstr(p->port, ==, "detections");
	g_assert_cmpstr(p->expected, ==, "detections");
	g_assert_cmpstr(p->actual, ==, "frame");

	/* the edge into t.detections was wrong, not missing: no unconnected_input for it */
	p = g_ptr_array_index(problems, 2);
	g_assert_cmpstr(p->code, ==, "unconnected_input");
	g_assert_cmpstr(p->node, ==, "d");
	g_assert_cmpstr(p->port, ==, "frame");

	p = g_ptr_array_index(problems, 3);
	g_assert_cmpstr(p->code, ==, "cycle");
	g_assert_cmpuint(g_strv_length(p->nodes), ==, 2);
	g_assert_cmpstr(p->nodes[0], ==, "a");
	g_assert_cmpstr(p->nodes[1], ==, "b");

	json = sdag_dag_problems_to_json(problems);
	text = sdag_json_to_string(json);
	g_assert_nonnull(
	    strstr(text,
		   "{\"code\":\"type_mismatch\",\"node\":\"t\",\"port\":\"detections\","
		   "\"message\":\"'t.detections' expects detections but 'source.frame' "
		   "gives frame\",\"expected\":\"detections\",\"actual\":\"frame\"}"));
	g_assert_nonnull(
	    strstr(text, "\"param\":\"min_score\",\"reason\":\"value 7 is outside 0..1\""));
	g_assert_nonnull(strstr(text, "\"nodes\":[\"a\",\"b\"]"));
}

/* The stored definition is canonical: sorted members, params completed. */
static void
dag_definition_canonical(void)
{
	g_autoptr(SdagNodeTypes) types = dag_test_types();
	g_autoptr(GPtrArray) problems = sdag_dag_problems_new();
	g_autoptr(SdagDag) a = NULL;
	g_autoptr(SdagDag) b = NULL;
	g_autofree char *ta = NULL;
	g_autofree char *tb = NULL;

	a = dag_compile_text(types,
			     "{\"pipeline_id\":\"p\",\"nodes\":[{\"type\":\"det\",\"id\":\"d\"}],"
			     "\"edges\":[{\"to\":\"d.frame\",\"from\":\"source.frame\"}]}",
			     problems);
	b = dag_compile_text(
	    types,
	    "{ \"edges\" : [ {\"from\":\"source.frame\",\"to\":\"d.frame\"} ],\n"
	    "  \"nodes\":[{\"id\":\"d\",\"type\":\"det\",\"params\":{\"enabled\":true,"
	    "\"min_score\":0.5}}], \"pipeline_id\":\"p\"}",
	    problems);
	g_assert_cmpuint(problems->len, ==, 0);
	ta = sdag_json_to_string(a->definition);
	tb = sdag_json_to_string(b->definition);
	g_assert_cmpstr(ta, ==, tb);
	g_assert_cmpstr(
	    ta,
	    ==,
	    "{\"edges\":[{\"from\":\"source.frame\",\"to\":\"d.frame\"}],\"nodes\":[{\"id\":"
	    "\"d\",\"params\":{\"enabled\":true,\"min_score\":0.5},\"type\":\"det\"}],"
	    "\"pipeline_id\":\"p\"}");
	/* the links are resolved for the executor */
	g_assert_cmpint(((SdagDagNode *)g_ptr_array_index(a->nodes, 0))->inputs[0].node,
			==,
			SDAG_DAG_FROM_SOURCE);
}

static void
dag_too_many_nodes(void)
{
	g_autoptr(SdagNodeTypes) types = dag_test_types();
	g_autoptr(GPtrArray) problems = sdag_dag_problems_new();
	g_autoptr(GString) json = g_string_new("{\"pipeline_id\":\"p\",\"nodes\":[");
	g_autoptr(SdagDag) dag = NULL;
	SdagDagProblem *p;

	for (guint i = 0; i <= SDAG_DAG_MAX_NODES; i++)
		g_string_append_printf(
		    json, "%s{\"id\":\"n%u\",\"type\":\"det\"}", i ? "," : "", i);
	g_string_append(json, "]}");
	dag = dag_compile_text(types, json->str, problems);
	g_assert_null(dag);
	g_assert_cmpuint(problems->len, ==, 1);
	p = g_ptr_array_index(problems, 0);
	g_assert_cmpstr(p->code, ==, "bad_json");
	g_assert_nonnull(strstr(p->message, "1024"));
}

/* A long chain exercises the recursion of the cycle check and the order. */
static void
dag_long_chain(void)
{
	g_autoptr(SdagNodeTypes) types = dag_test_types();
	g_autoptr(GPtrArray) problems = sdag_dag_problems_new();
	g_autoptr(GString) json = g_string_new("{\"pipeline_id\":\"p\",\"nodes\":[");
	g_autoptr(SdagDag) dag = NULL;
	const guint n = SDAG_DAG_MAX_NODES;

	/* declared last-first so the order has to be computed, not copied */
	for (guint i = 0; i < n; i++)
		g_string_append_printf(json,
				       "%s{\"id\":\"m%u\",\"type\":\"%s\"}",
				       i ? "," : "",
				       n - 1 - i,
				       n - 1 - i == 0 ? "det" : "merge");
	g_string_append(json, "],\"edges\":[{\"from\":\"source.frame\",\"to\":\"m0.frame\"}");
	for (guint i = 1; i < n; i++)
		g_string_append_printf(
		    json, ",{\"from\":\"m%u.detections\",\"to\":\"m%u.a\"}", i - 1, i);
	g_string_append(json, "]}");
	dag = dag_compile_text(types, json->str, problems);
	g_assert_cmpuint(problems->len, ==, 0);
	g_assert_nonnull(dag);
	for (guint i = 0; i < n; i++) {
		SdagDagNode *node =
		    g_ptr_array_index(dag->nodes, g_array_index(dag->order, guint, i));
		g_autofree char *want = g_strdup_printf("m%u", i);
		g_assert_cmpstr(node->id, ==, want);
	}
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	for (guint i = 0; i < G_N_ELEMENTS(dag_cases); i++) {
		g_autofree char *path = g_strdup_printf("/sdag/dag/case/%s", dag_cases[i].name);
		g_test_add_data_func(path, &dag_cases[i], dag_case_run);
	}
	g_test_add_func("/sdag/dag/problem-fields", dag_problem_fields);
	g_test_add_func("/sdag/dag/definition-canonical", dag_definition_canonical);
	g_test_add_func("/sdag/dag/too-many-nodes", dag_too_many_nodes);
	g_test_add_func("/sdag/dag/long-chain", dag_long_chain);
	return g_test_run();
}
