#include <gtest/gtest.h>
#include "core/units.h"
TEST(Units, Placeholder) { EXPECT_EQ(litesim::parse_quantity("5 ns", litesim::Dim::Time).value, 5000); }
