// Model architectures (configs/models/) against published figures: the parameter counts derived
// from each architecture against the models' published sizes.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "traces/gen/model.h"

using namespace litesim;

namespace {

const std::string kConfigs = LITESIM_CONFIGS_DIR;

}  // namespace

// Published sizes: Llama 3 8B and 405B (Meta 2024, "The Llama 3 Herd of Models"), 70.6B (the
// Hugging Face checkpoints' safetensors count), GPT-3 175.0B (Brown et al. 2020, Table 2.1).
TEST(LlmGen, ParameterCountsMatchThePublishedSizes) {
  for (const auto& [name, published] : std::vector<std::pair<std::string, double>>{
           {"llama3-8b", 8.0e9}, {"llama3-70b", 70.6e9}, {"llama3-405b", 405e9}, {"gpt3-175b", 175.0e9}}) {
    const double n = static_cast<double>(param_counts(load_model(kConfigs, name)).total());
    EXPECT_NEAR(n / published, 1.0, 0.015) << name << ": " << n;
  }
}

TEST(LlmGen, UnknownModelNamesTheOptionAndThePresets) {
  std::string e;
  try {
    load_model(kConfigs, "llama9");
  } catch (const ConfigError& x) {
    e = x.what();
  }
  EXPECT_NE(e.find("--model"), std::string::npos) << e;
  EXPECT_NE(e.find("no preset 'llama9'"), std::string::npos) << e;
  EXPECT_NE(e.find("llama3-70b"), std::string::npos) << e;  // the known presets
}

// An architect's copy of a preset is checked like any config: file:line, key, what was expected.
TEST(LlmGen, ModelFilesAreValidatedWithFileLineAndKey) {
  std::ifstream in(kConfigs + "/models/llama3-8b.yaml");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto path = std::filesystem::temp_directory_path() / "litesim-test-model.yaml";
  const auto load = [&](const std::string& from, const std::string& to) {
    std::string t = text;
    t.replace(t.find(from), from.size(), to);
    std::ofstream(path) << t;
    try {
      load_model(kConfigs, path.string());
    } catch (const ConfigError& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  EXPECT_EQ(load("kv_heads: 8", "kv_heads: 8"), "");
  EXPECT_NE(load("kv_heads: 8", "kv_heads: 6").find(":7:11: model.kv_heads: must divide heads"), std::string::npos)
      << load("kv_heads: 8", "kv_heads: 6");
  EXPECT_NE(load("mlp: swiglu", "mlp: relu").find("model.mlp"), std::string::npos);
  EXPECT_NE(load("layers: 32\n", "").find("model.layers"), std::string::npos);
  std::filesystem::remove(path);
}
