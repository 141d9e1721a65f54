// Units: every dimension, decimal vs binary prefixes, and every error path of the parser.
#include <gtest/gtest.h>

#include "core/units.h"

using namespace litesim;

namespace {
double val(const char* s, Dim d) { return parse_quantity(s, d).value; }
std::string err(const char* s, Dim d) {
  try {
    parse_quantity(s, d);
  } catch (const UnitError& e) {
    return e.what();
  }
  return "";
}
}  // namespace

TEST(Units, TimeInPicoseconds) {
  EXPECT_EQ(val("5 ns", Dim::Time), 5000);
  EXPECT_EQ(val("0.625 ns", Dim::Time), 625);  // HBM3 tCK
  EXPECT_EQ(val("3.9 us", Dim::Time), 3900000);
  EXPECT_EQ(val("2 ms", Dim::Time), 2e9);
  EXPECT_EQ(val("1 s", Dim::Time), 1e12);
  EXPECT_EQ(val("7 ps", Dim::Time), 7);
  EXPECT_EQ(val("1e3 ns", Dim::Time), 1e6);
}

TEST(Units, DecimalAndBinaryPrefixesAreDistinct) {
  EXPECT_EQ(val("1 GB", Dim::DataSize), 1e9);
  EXPECT_EQ(val("1 GiB", Dim::DataSize), 1073741824.0);
  EXPECT_EQ(val("80 GiB", Dim::DataSize), 80.0 * 1024 * 1024 * 1024);
  EXPECT_EQ(val("64 kB", Dim::DataSize), 64000);
  EXPECT_EQ(val("64 KiB", Dim::DataSize), 65536);
  EXPECT_EQ(val("512 b", Dim::DataSize), 64);  // bits
  EXPECT_EQ(val("1 MiB/s", Dim::DataRate), 8.0 * 1048576);
  EXPECT_EQ(val("1 MB/s", Dim::DataRate), 8e6);
}

TEST(Units, RatesBitsAndBytes) {
  EXPECT_EQ(val("800 Gbps", Dim::DataRate), 800e9);
  EXPECT_EQ(val("32 Gb/s", Dim::DataRate), 32e9);
  EXPECT_EQ(val("100 GB/s", Dim::DataRate), 800e9);
  EXPECT_DOUBLE_EQ(val("3.35 TB/s", Dim::DataRate), 3.35e12 * 8);
}

TEST(Units, OtherDimensions) {
  EXPECT_DOUBLE_EQ(val("1.83 GHz", Dim::Frequency), 1.83e9);
  EXPECT_DOUBLE_EQ(val("1.2 pJ/bit", Dim::EnergyPerBit), 1.2);
  EXPECT_DOUBLE_EQ(val("500 fJ/bit", Dim::EnergyPerBit), 0.5);
  EXPECT_DOUBLE_EQ(val("8 pJ/B", Dim::EnergyPerBit), 1.0);  // per byte = per 8 bits
  EXPECT_DOUBLE_EQ(val("0.45 pJ/FLOP", Dim::EnergyPerFlop), 0.45);
  EXPECT_DOUBLE_EQ(val("700 W", Dim::Power), 700);
  EXPECT_DOUBLE_EQ(val("250 mW", Dim::Power), 0.25);
  EXPECT_DOUBLE_EQ(val("10.2 kW", Dim::Power), 10200);
  EXPECT_DOUBLE_EQ(val("30 cm", Dim::Length), 0.3);
  EXPECT_DOUBLE_EQ(val("5 ns/m", Dim::DelayPerLength), 5000);
  EXPECT_DOUBLE_EQ(val("989.4 TFLOPS", Dim::FlopRate), 989.4e12);
  EXPECT_DOUBLE_EQ(val("3 nJ", Dim::Energy), 3000);
}

TEST(Units, NormalisedTextKeepsWhatWasWritten) {
  EXPECT_EQ(parse_quantity("  3.35TB/s ", Dim::DataRate).text, "3.35 TB/s");
  EXPECT_EQ(parse_quantity("800 Gbps", Dim::DataRate).text, "800 Gbps");
}

TEST(Units, ErrorUnknownUnitNamesItAndTheExpectation) {
  const std::string e = err("800 Gbs", Dim::DataRate);
  EXPECT_NE(e.find("unknown unit 'Gbs'"), std::string::npos) << e;
  EXPECT_NE(e.find("a data rate"), std::string::npos) << e;
  EXPECT_NE(e.find("800 Gbps"), std::string::npos) << e;  // an example of what is expected
}

TEST(Units, ErrorWrongDimension) {
  const std::string e = err("5 ns", Dim::DataRate);
  EXPECT_NE(e.find("is a time"), std::string::npos) << e;
  EXPECT_NE(e.find("a data rate is expected"), std::string::npos) << e;
}

TEST(Units, ErrorMissingUnit) { EXPECT_NE(err("800", Dim::DataRate).find("has no unit"), std::string::npos); }
TEST(Units, ErrorEmpty) { EXPECT_NE(err("", Dim::Time).find("empty value"), std::string::npos); }
TEST(Units, ErrorNotANumber) { EXPECT_NE(err("fast", Dim::Time).find("not a number"), std::string::npos); }
TEST(Units, ErrorAmbiguousK) { EXPECT_NE(err("64 KB", Dim::DataSize).find("'K' is not a prefix"), std::string::npos); }
TEST(Units, ErrorCaseMatters) { EXPECT_NE(err("1 gbps", Dim::DataRate).find("unknown unit"), std::string::npos); }
TEST(Units, ErrorBinaryPrefixOnlyForData) {
  EXPECT_NE(err("1 GiHz", Dim::Frequency).find("unknown unit"), std::string::npos);
}
TEST(Units, ErrorFractionalBytes) {
  EXPECT_NE(err("3 b", Dim::DataSize).find("whole number of bytes"), std::string::npos);
}
TEST(Units, ErrorSubPicosecond) {
  EXPECT_NE(err("0.5 ps", Dim::Time).find("whole number of picoseconds"), std::string::npos);
}

TEST(Units, TransferTimeExactAndRoundedUp) {
  // 1 MiB at 128 Gb/s: 8388608 bits / 128e9 = 65.536 us exactly.
  EXPECT_EQ(transfer_time(1048576, DataRate{128e9}).ps, 65536000);
  // 1 byte at 3 Gb/s = 2666.67 ps -> rounded up to 2667.
  EXPECT_EQ(transfer_time(1, DataRate{3e9}).ps, 2667);
  EXPECT_EQ(duration_of(1e12, 1e12).ps, 1000000000000);
  EXPECT_THROW(transfer_time(1, DataRate{0}), std::invalid_argument);
}
