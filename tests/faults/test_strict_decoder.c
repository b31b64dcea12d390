/*
 * test_strict_decoder.c: every answer of a real triadd to 400 mutated
 * requests decodes under Python's strict protobuf runtime
 * (tests/faults/strict_decoder.py). Before strings were checked and
 * messages made UTF-8, 74 of 400 such answers could not be decoded.
 */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void
test_python_decodes_every_answer(void **state)
{
	Triadd d;
	triadd_start(&d, NULL);
	Sess op = sess_open(d.addr, test_token());
	char inst[64];
	make_institution(&op, "strict", "Strict", inst);
	sess_close(&op);
	char py[512], cmd[4096];
	static char out[8192];
	harness_tmp_path(py, sizeof py, "python");
	snprintf(cmd, sizeof cmd,
		 "mkdir -p '%s' && protoc -I'%s/proto' --python_out='%s' '%s'/proto/triad/v1/*.proto "
		 "2>&1", py, TRIAD_SOURCE_DIR, py, TRIAD_SOURCE_DIR);
	if (run_capture(cmd, out, sizeof out) != 0)
		fail_msg("protoc: %s", out);
	snprintf(cmd, sizeof cmd,
		 "TRIAD_TOKEN='%s' TRIAD_INSTITUTION='%s' TRIAD_PY='%s' "
		 "TRIAD_SEEDS='%s/tests/fuzz/corpus/fuzz_envelope' "
		 "/usr/bin/python3 '%s/tests/faults/strict_decoder.py' '%s' 2>&1",
		 test_token(), inst, py, TRIAD_SOURCE_DIR, TRIAD_SOURCE_DIR, d.addr);
	int rc = run_capture(cmd, out, sizeof out);
	if (rc != 0)
		fail_msg("strict decoder (exit %d): %s", rc, out);
	expect_contains(out, "answers strictly");
	print_message("%s", out);
	triadd_stop(&d, SIGTERM);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_python_decodes_every_answer),
	};
	return harness_run_group_tests(tests, NULL, NULL);
}
