// bench/shim/gbench_shim.cc - see gbench_shim.h.
#include "gbench_shim.h"

#include <benchmark/benchmark.h>

#include <string>

namespace {

struct Trial {
	gb_trial_fn fn;
	void *arg;
};

void run_trial(benchmark::State &state, Trial trial)
{
	for (auto _ : state) {
		gb_result_t r{};
		trial.fn(trial.arg, &r);
		if (r.error != nullptr) {
			state.SkipWithError(r.error);
			break;
		}
		state.SetIterationTime(r.seconds);
		for (int i = 0; i < r.ncounters && i < GB_MAX_COUNTERS; i++)
			state.counters[r.counter_name[i]] =
				benchmark::Counter(r.counter_value[i]);
	}
}

// Prints nothing: the suite prints its own progress on stderr.
class QuietReporter : public benchmark::BenchmarkReporter {
public:
	bool ReportContext(const Context &) override { return true; }
	void ReportRuns(const std::vector<Run> &) override {}
};

} // namespace

extern "C" void gb_initialize(int *argc, char **argv)
{
	benchmark::Initialize(argc, argv);
}

extern "C" void gb_register(const char *name, gb_trial_fn fn, void *arg,
			    int reps)
{
	benchmark::RegisterBenchmark(name, run_trial, Trial{fn, arg})
		->UseManualTime()
		->Iterations(1)
		->Repetitions(reps < 1 ? 1 : reps)
		->Unit(benchmark::kNanosecond);
}

extern "C" unsigned long gb_run(bool console)
{
	QuietReporter quiet;
	size_t n = console ? benchmark::RunSpecifiedBenchmarks()
			   : benchmark::RunSpecifiedBenchmarks(&quiet);
	benchmark::Shutdown();
	return static_cast<unsigned long>(n);
}

extern "C" const char *gb_version(void)
{
#ifdef BENCH_GBENCH_VERSION
	return BENCH_GBENCH_VERSION;
#else
	return "unknown";
#endif
}

extern "C" const char *gb_cxx_compiler(void)
{
#if defined(__clang__)
	static const std::string v = std::string("clang++ ") + __clang_version__;
#elif defined(__GNUC__)
	static const std::string v = std::string("g++ ") + __VERSION__;
#else
	static const std::string v = "unknown C++ compiler";
#endif
	return v.c_str();
}
