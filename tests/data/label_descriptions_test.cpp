// Label descriptions (label<TAB>text): the texts zero-shot labels are embedded from.
#include "tessera/data/label_descriptions.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "../core/test_support.h"

namespace tessera {
namespace {

using ::testing::ElementsAre;
using testing::error_message;
using ::testing::HasSubstr;

LabelDescriptions read(const std::string& text) {
  return read_label_descriptions(LineSource::from_memory("l.tsv", text));
}

TEST(LabelDescriptions, NamesAndTexts) {
  const LabelDescriptions d = read("sports\tgames and athletes\n\nworld\tnews\tof the world\n");
  EXPECT_THAT(d.names, ElementsAre("sports", "world"));
  EXPECT_THAT(d.texts, ElementsAre("games and athletes", "news\tof the world"));
  EXPECT_THAT(read("empty\t\n").texts, ElementsAre(""));
}

TEST(LabelDescriptions, Errors) {
  const auto error = [](const std::string& text) {
    return error_message([&] { (void)read(text); });
  };
  EXPECT_THAT(error(""), HasSubstr("l.tsv: expected label<TAB>text lines, found none"));
  EXPECT_THAT(error("a\tx\nb y\n"), HasSubstr("l.tsv:2: expected label<TAB>text, found 'b y'"));
  EXPECT_THAT(error("\tx\n"), HasSubstr("l.tsv:1: expected a label name without spaces"));
  EXPECT_THAT(error("a b\tx\n"), HasSubstr("l.tsv:1: expected a label name without spaces"));
  EXPECT_THAT(error("a\tx\n\na\ty\n"),
              HasSubstr("l.tsv:3: expected each label once, found 'a' again (first on line 1)"));
}

}  // namespace
}  // namespace tessera
