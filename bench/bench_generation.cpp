#include <benchmark/benchmark.h>
// placeholder
