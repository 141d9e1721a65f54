#pragma once
// `litesim availability --system FILE --model NAME [--tp T --pp P] [--replicas R | --gpus N]
// [--spares S] [--years Y] [--json]`: per part kind its count, failure rate and one failure's blast
// radius; the expected fraction of serving capacity, closed form and Monte Carlo; training goodput
// at the Young/Daly checkpoint interval (study/availability/, docs/faults.md).
#include <cstdint>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace litesim {

struct AvailabilityOptions {
  std::string system, model, reliability = "llama3-h100";
  std::vector<std::string> sets, reliability_sets;
  int tp = 0, pp = 0, replicas = 0, gpus = 0, spares = 0, runs = 1000;
  double years = 4;
  int64_t seed = 1;
  std::string checkpoint = "30 s", restart = "240 s";
  bool json = false;
};
CLI::App* add_availability(CLI::App& app, AvailabilityOptions& o);
int run_availability(const AvailabilityOptions& o, const std::string& configs_dir);

}  // namespace litesim
