#!/usr/bin/env bash
# The fuzz stage (make fuzz, .ci/run): every target of BUILD/tests/fuzz replays every
# file of its seed corpus, then fuzzes for SECONDS from it; a table of executions per
# target closes the run. A crash, a leak, a timeout or an out-of-memory input fails the
# run, and the input is copied into the target's corpus here as a regression file
# (README.md: fix the code, keep the file, add a unit test case).
#
#   tests/fuzz/run.sh BUILD SECONDS
set -uo pipefail
cd "$(dirname "$0")/../.."

BUILD=${1:-build-fuzz}
SECONDS_EACH=${2:-60}
CORPUS=tests/fuzz/corpus
WORK=$BUILD/fuzz-work

# target and the longest input each is fed, in bytes
TARGETS="dag:16384 jobreq:4096 camera:4096 config:16384 source:1024 keys:256 checkpoint:16384 wal:131072"

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/tests/lsan.supp:print_suppressions=0}
export SDAG_FUZZ_NODE_DIR=$PWD/$BUILD/plugins/nodes

mkdir -p "$WORK"
failed=0
rows=""
for spec in $TARGETS; do
	t=${spec%%:*}
	max_len=${spec##*:}
	exe=$BUILD/tests/fuzz/sdag-fuzz-$t
	seeds=$CORPUS/$t
	scratch=$WORK/corpus-$t
	log=$WORK/$t.log
	if [ ! -x "$exe" ]; then
		echo "fuzz: $exe missing (meson compile -C $BUILD fuzz)" >&2
		exit 1
	fi
	n_seeds=$(find "$seeds" -type f | wc -l)
	rm -rf "$scratch" "$WORK/artifacts-$t"
	mkdir -p "$scratch" "$WORK/artifacts-$t"

	# every seed, once: the regression files among them must pass
	replay=ok
	if ! "$exe" -runs=0 -timeout=25 -rss_limit_mb=2048 \
		-artifact_prefix="$WORK/artifacts-$t/" "$seeds" >"$log" 2>&1; then
		replay=FAILED
	fi

	execs=-
	fuzz=skipped
	if [ "$replay" = ok ] && [ "$SECONDS_EACH" -gt 0 ]; then
		fuzz=ok
		# new inputs go to the scratch corpus, not the tree's
		if ! "$exe" -max_total_time="$SECONDS_EACH" -max_len="$max_len" -timeout=25 \
			-rss_limit_mb=2048 -print_final_stats=1 \
			-artifact_prefix="$WORK/artifacts-$t/" "$scratch" "$seeds" >>"$log" 2>&1; then
			fuzz=FAILED
		fi
		execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
		[ -n "$execs" ] || execs=?
	fi

	if [ "$replay" != ok ] || [ "$fuzz" = FAILED ]; then
		failed=1
		grep -E 'ERROR: |SUMMARY: |sdag-fuzz: |runtime error|CRITICAL' "$log" | head -20 >&2
		for a in "$WORK/artifacts-$t"/*; do
			[ -f "$a" ] || continue
			keep=$seeds/regress-$(basename "$a")
			cp "$a" "$keep"
			echo "fuzz: $t: the input is kept as $keep (log: $log)" >&2
		done
	fi
	rows="$rows$(printf '%-11s %6s  %-7s %-8s %12s' "$t" "$n_seeds" "$replay" "$fuzz" "$execs")\n"
done

echo
printf '%-11s %6s  %-7s %-8s %12s\n' target seeds replay fuzz executions
printf "$rows"
echo "(${SECONDS_EACH} s of fuzzing per target; logs in $WORK)"
exit $failed
