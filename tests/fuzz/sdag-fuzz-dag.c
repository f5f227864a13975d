/*
 * Copyright 2026 The streamdag authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A pipeline definition as POST /pipelines receives it: the JSON parse, then the DAG
 * compiler against the test node types and the real node plugins. A definition either
 * compiles or says at least one problem, and the canonical definition of one that compiles
 * compiles again to itself.
 */
#include "sdag-dag.h"
#include "sdag-fuzz.h"
#include "sdag-json.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	sdag_fuzz_init();
	sdag_fuzz_node_types();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	SdagNodeTypes *types = sdag_fuzz_node_types();
	g_autoptr(JsonNode) root = sdag_json_parse((const char *)data, (gssize)size, NULL);
	g_autoptr(GPtrArray) problems = sdag_dag_problems_new();
	g_autoptr(GPtrArray) again_problems = sdag_dag_problems_new();
	g_autoptr(SdagDag) dag = NULL;
	g_autoptr(SdagDag) again = NULL;
	g_autoptr(JsonNode) answer = NULL;
	g_autofree char *text = NULL;
	g_autofree char *again_text = NULL;

	if (root == NULL)
		return 0;
	dag = sdag_dag_compile(root, types, problems);
	/* what the API answers, either way */
	answer = dag != NULL ? sdag_dag_order_to_json(dag) : sdag_dag_problems_to_json(problems);
	text = sdag_json_to_string(answer);
	if ((dag == NULL) != (problems->len > 0))
		sdag_fuzz_fail("a DAG and its problems disagree", text);
	if (dag == NULL)
		return 0;

	g_clear_pointer(&text, g_free);
	text = sdag_json_to_string(dag->definition);
	again = sdag_dag_compile(dag->definition, types, again_problems);
	if (again == NULL)
		sdag_fuzz_fail("a canonical definition does not compile again", text);
	again_text = sdag_json_to_string(again->definition);
	if (g_strcmp0(text, again_text) != 0)
		sdag_fuzz_fail("a canonical definition is not its own canonical form", text);
	return 0;
}
