// Enum name tables: names both ways, and unknown names as errors listing every choice.
#include "tessera/core/enum_names.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tessera/core/embedding_bag.h"
#include "tessera/core/schedule.h"
#include "test_support.h"

namespace tessera {
namespace {

TEST(EnumNames, NamesBothWays) {
  EXPECT_EQ(name_of(Pooling::kSqrtN), "sqrt_n");
  EXPECT_EQ(parse_enum<Pooling>("mean", "pooling"), Pooling::kMean);
  for (const EnumName<Decay>& entry : enum_names<Decay>) {
    EXPECT_EQ(parse_enum<Decay>(entry.name, "decay"), entry.value);
    EXPECT_EQ(name_of(entry.value), entry.name);
  }
  EXPECT_EQ(list_enum_names<Decay>(), "constant, linear or cosine");
}

TEST(EnumNames, UnknownNamesListTheChoices) {
  EXPECT_THAT(testing::error_message([] { (void)parse_enum<Pooling>("max", "pooling"); }),
              ::testing::StartsWith("unknown pooling 'max' (sum, mean or sqrt_n)"));
  EXPECT_THROW((void)parse_enum<Decay>("", "decay"), Error);
}

}  // namespace
}  // namespace tessera
