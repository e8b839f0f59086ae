// TESSERA_CHECK and TESSERA_FAIL: what the thrown tessera::Error says.
#include "tessera/core/check.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

namespace tessera {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

void check_positive(int value) { TESSERA_CHECK(value > 0, "value {} must be positive", value); }

TEST(Check, PassingCheckDoesNotThrow) { EXPECT_NO_THROW(check_positive(3)); }

TEST(Check, FailingCheckCarriesMessageConditionAndFile) {
  try {
    check_positive(-7);
    FAIL() << "TESSERA_CHECK did not throw";
  } catch (const Error& e) {
    const std::string what = e.what();
    EXPECT_THAT(what, HasSubstr("value -7 must be positive"));  // the formatted message
    EXPECT_THAT(what, HasSubstr("value > 0"));                  // the condition text
    EXPECT_THAT(what, HasSubstr("check_test.cpp"));             // the file of the check
    // Only the base name: build paths make messages long and machine-specific.
    EXPECT_THAT(what, Not(HasSubstr("/tests/core/")));
  }
}

TEST(Check, ErrorIsARuntimeError) {
  // Callers that know nothing of tessera can still catch it.
  EXPECT_THROW(check_positive(0), std::runtime_error);
}

TEST(Check, MessageArgumentsAreNotEvaluatedWhenTheCheckPasses) {
  // Checks sit in inner loops: formatting must cost nothing unless the check fails.
  int evaluations = 0;
  auto count = [&] { return ++evaluations; };
  TESSERA_CHECK(true, "never formatted {}", count());
  EXPECT_EQ(evaluations, 0);
}

TEST(Check, FailCarriesMessageAndFile) {
  try {
    TESSERA_FAIL("unsupported pooling '{}'", "max");
    FAIL() << "TESSERA_FAIL did not throw";
  } catch (const Error& e) {
    EXPECT_THAT(std::string(e.what()), HasSubstr("unsupported pooling 'max'"));
    EXPECT_THAT(std::string(e.what()), HasSubstr("check_test.cpp"));
  }
}

}  // namespace
}  // namespace tessera
