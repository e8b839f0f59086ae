// safetensors reading and writing: round trips, truncated and corrupted files, Python interop.
#include "tessera/model/safetensors.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>

#include "model_test_support.h"
#include "tessera/core/check.h"
#include "tessera/model/model.h"

namespace tessera {
namespace {

using testing::error_message;
using testing::read_file_text;
using testing::TempDir;
using testing::write_file_text;

// A file from a header given as JSON text (padded to 8) and a data section.
std::string make_file(std::string header, std::string_view data) {
  header.append((8 - header.size() % 8) % 8, ' ');
  std::string out(8, '\0');
  uint64_t length = header.size();
  for (int i = 0; i < 8; ++i) out[size_t(i)] = char((length >> (8 * i)) & 0xff);
  return out + header + std::string(data);
}

TEST(Safetensors, RoundTripKeepsTensorsAndMetadata) {
  TempDir dir;
  const Tensor a = Tensor::from({2, 3}, {1, 2, 3, 4, 5, 6});
  const Tensor b = Tensor::from({4}, {-1, 0.5f, 1e-30f, 3e30f});
  const Tensor wide = Tensor::from({2, 4}, {1, 2, 3, 4, 5, 6, 7, 8});
  const std::string path = dir.file("t.safetensors");
  write_safetensors(path, {{"k", "v"}, {"json", R"({"a":[1,2]})"}},
                    {{"a", a}, {"b", b}, {"view", wide.prefix_cols(2)}});
  const std::string bytes = read_file_text(path);
  uint64_t header_length = 0;
  std::memcpy(&header_length, bytes.data(), 8);
  EXPECT_EQ(header_length % 8, 0u);

  const SafetensorsContents contents = read_safetensors(path);
  EXPECT_EQ(contents.metadata.at("k"), "v");
  EXPECT_EQ(contents.metadata.at("json"), R"({"a":[1,2]})");
  EXPECT_EQ(contents.tensors.at("a").to_vector(), a.to_vector());
  EXPECT_EQ(contents.tensors.at("b").to_vector(), b.to_vector());
  EXPECT_EQ(contents.tensors.at("view").to_vector(), (std::vector<float>{1, 2, 5, 6}));
  EXPECT_EQ(read_safetensors_header(path).tensors.at("a").shape, (std::vector<int64_t>{2, 3}));
}

// Integer tensors (a compact model's codes and row ids) travel beside float ones, widest
// elements first (each tensor aligned to its element size), and their element type is covered
// by the checksum.
TEST(Safetensors, IntegerTensorsRoundTripAndTheirTypeIsChecked) {
  TempDir dir;
  const std::string path = dir.file("t.safetensors");
  const IntTensor codes = IntTensor::of_i8({2, 3}, std::vector<int8_t>{-127, 0, 5, 127, -1, 2});
  const IntTensor ids = IntTensor::of_i32({3}, std::vector<int32_t>{4, 70000, -2});
  write_safetensors(path, {}, {{"b", Tensor::from({1}, {2.5f})}}, {{"a", codes}, {"c", ids}});
  const SafetensorsContents contents = read_safetensors(path);
  EXPECT_EQ(contents.tensors.at("b").to_vector(), (std::vector<float>{2.5f}));
  const IntTensor& read_codes = contents.int_tensors.at("a");
  EXPECT_EQ(read_codes.type(), ElementType::kI8);
  EXPECT_EQ(read_codes.shape(), (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(std::vector<int8_t>(read_codes.i8().begin(), read_codes.i8().end()),
            (std::vector<int8_t>{-127, 0, 5, 127, -1, 2}));
  const IntTensor& read_ids = contents.int_tensors.at("c");
  EXPECT_EQ(std::vector<int32_t>(read_ids.i32().begin(), read_ids.i32().end()),
            (std::vector<int32_t>{4, 70000, -2}));
  const SafetensorsHeader header = read_safetensors_header(path);
  EXPECT_EQ(header.tensors.at("b").begin, 0u);   // F32
  EXPECT_EQ(header.tensors.at("c").begin, 4u);   // I32
  EXPECT_EQ(header.tensors.at("a").begin, 16u);  // I8, 6 bytes: nothing after it to misalign
  EXPECT_EQ(header.tensors.at("a").end, 22u);
  EXPECT_THROW((void)read_ids.i8(), Error);
  EXPECT_THAT(error_message([&] {
                write_safetensors(path, {}, {{"a", Tensor::from({1}, {1.0f})}}, {{"a", codes}});
              }),
              ::testing::HasSubstr("two tensors are named 'a'"));

  // "I32" read as "F32" holds the same bytes: only the checksum can tell.
  std::string bytes = read_file_text(path);
  const size_t at = bytes.find("\"I32\"");
  ASSERT_NE(at, std::string::npos);
  bytes.replace(at, 5, "\"F32\"");
  write_file_text(path, bytes);
  EXPECT_THAT(error_message([&] { read_safetensors(path); }),
              ::testing::HasSubstr("checksum mismatch"));
}

TEST(Safetensors, EveryTruncationIsAnError) {
  TempDir dir;
  const Model model = Model::create(testing::small_config(4), testing::small_vocabulary(),
                                    testing::small_options());
  const std::string path = dir.file("model.safetensors");
  model.save(path);
  const std::string bytes = read_file_text(path);
  const std::string cut = dir.file("cut.safetensors");
  for (size_t size = 0; size < bytes.size(); size += 7) {
    write_file_text(cut, std::string_view(bytes).substr(0, size));
    const std::string message = error_message([&] { Model::load(cut); });
    EXPECT_THAT(message, ::testing::HasSubstr("cut.safetensors")) << "cut at " << size;
    EXPECT_THAT(message, ::testing::HasSubstr("truncated")) << "cut at " << size;
  }
  // One byte short of the full file names the tensor data.
  write_file_text(cut, std::string_view(bytes).substr(0, bytes.size() - 1));
  EXPECT_THAT(error_message([&] { Model::load(cut); }),
              ::testing::HasSubstr("bytes of tensor data (to the end of tensor"));
}

// A small saved model's bytes and its header length.
struct SavedModel {
  std::string bytes;
  uint64_t header_length = 0;
};

SavedModel saved_small_model(const TempDir& dir) {
  const Model model = Model::create(testing::small_config(4), testing::small_vocabulary(),
                                    testing::small_options());
  const std::string path = dir.file("model.safetensors");
  model.save(path);
  SavedModel saved{read_file_text(path)};
  std::memcpy(&saved.header_length, saved.bytes.data(), 8);
  return saved;
}

// The error loading bytes from dir/bad.safetensors (a test failure when they load).
std::string load_error(const TempDir& dir, const std::string& bytes) {
  const std::string bad = dir.file("bad.safetensors");
  write_file_text(bad, bytes);
  return error_message([&] { Model::load(bad); });
}

// The checksum catches what the structural checks cannot: every byte of the header and of the
// tensor data, flipped, is an Error naming the file, never a model that loads.
TEST(Safetensors, EveryFlippedByteIsCaught) {
  TempDir dir;
  const SavedModel saved = saved_small_model(dir);
  for (size_t i = 0; i < saved.bytes.size(); ++i) {
    for (const int mask : {0x01, 0x5a}) {
      std::string corrupted = saved.bytes;
      corrupted[i] = char(corrupted[i] ^ mask);
      EXPECT_THAT(load_error(dir, corrupted), ::testing::HasSubstr("bad.safetensors"))
          << "byte " << i << " of " << saved.bytes.size() << " (header " << saved.header_length
          << "), mask " << mask;
    }
  }
  std::string data_flip = saved.bytes;
  data_flip.back() = char(data_flip.back() ^ 0x01);
  EXPECT_THAT(load_error(dir, data_flip), ::testing::HasSubstr("checksum mismatch"));
}

TEST(Safetensors, AppendedBytesAndAShiftedHeaderAreCaught) {
  TempDir dir;
  const SavedModel saved = saved_small_model(dir);
  EXPECT_THAT(load_error(dir, saved.bytes + "x"), ::testing::HasSubstr("1 bytes after the last"));
  EXPECT_THAT(load_error(dir, saved.bytes + std::string(8, '\0')),
              ::testing::HasSubstr("8 bytes after the last"));
  // The header length lowered into its padding: the tensors would be read 1 to 7 bytes early.
  for (uint64_t lower = 1; lower < 8; ++lower) {
    std::string shifted = saved.bytes;
    const uint64_t length = saved.header_length - lower;
    std::memcpy(shifted.data(), &length, 8);
    EXPECT_THAT(load_error(dir, shifted), ::testing::HasSubstr("not a multiple of 8")) << lower;
  }
  // A hole in the data section.
  const std::string data(24, '\0');
  write_file_text(dir.file("x.safetensors"),
                  make_file(R"({"t":{"dtype":"F32","shape":[4],"data_offsets":[8,24]}})", data));
  EXPECT_THAT(error_message([&] { read_safetensors(dir.file("x.safetensors")); }),
              ::testing::HasSubstr("8 bytes of the data section before tensor 't'"));
}

// Files written before the checksum (format_version 2, and other writers' files) load with the
// other checks; format_version 3 requires it, so a flip in its key is caught too.
TEST(Safetensors, AFileWithoutChecksumLoadsUnlessItIsVersion3) {
  TempDir dir;
  const SavedModel saved = saved_small_model(dir);
  nlohmann::json header = nlohmann::json::parse(saved.bytes.substr(8, saved.header_length));
  ASSERT_TRUE(header["__metadata__"].contains(kSafetensorsChecksumKey));
  header["__metadata__"].erase(kSafetensorsChecksumKey);
  const std::string data = saved.bytes.substr(8 + saved.header_length);
  EXPECT_THAT(load_error(dir, make_file(header.dump(), data)),
              ::testing::HasSubstr("format_version 3 file without its \"checksum\""));
  header["__metadata__"]["format_version"] = "2";
  write_file_text(dir.file("old.safetensors"), make_file(header.dump(), data));
  EXPECT_NO_THROW(Model::load(dir.file("old.safetensors")));
  std::string flipped = data;
  flipped[5] = char(flipped[5] ^ 0x01);  // unnoticed without a checksum, but still a model
  write_file_text(dir.file("old.safetensors"), make_file(header.dump(), flipped));
  EXPECT_NO_THROW(Model::load(dir.file("old.safetensors")));
}

TEST(Safetensors, NonFiniteWeightsAreRefused) {
  for (const float bad :
       {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity()}) {
    TempDir dir;
    Model model = Model::create(testing::small_config(4), testing::small_vocabulary(),
                                testing::small_options());
    model.parameters().front()->value.row(2)[3] = bad;
    model.save(dir.file("m.safetensors"));
    const std::string message = error_message([&] { Model::load(dir.file("m.safetensors")); });
    EXPECT_THAT(message, ::testing::HasSubstr("m.safetensors"));
    EXPECT_THAT(message, ::testing::HasSubstr("non-finite value"));
    EXPECT_THAT(message, ::testing::HasSubstr("at row 2, column 3"));
  }
}

TEST(Safetensors, HeaderProblemsAreNamed) {
  TempDir dir;
  const std::string path = dir.file("x.safetensors");
  const std::string data(32, '\0');
  auto message_for = [&](const std::string& file) {
    write_file_text(path, file);
    return error_message([&] { read_safetensors(path); });
  };
  EXPECT_THAT(message_for("abc"), ::testing::HasSubstr("truncated"));
  EXPECT_THAT(message_for(std::string("\xff\xff\xff\xff\xff\xff\xff\x7f", 8) + "{}"),
              ::testing::HasSubstr("exceeds"));
  EXPECT_THAT(message_for(std::string("\x40\0\0\0\0\0\0\0", 8) + "{}"),
              ::testing::HasSubstr("truncated"));
  EXPECT_THAT(message_for(make_file("{not json", data)), ::testing::HasSubstr("not valid JSON"));
  EXPECT_THAT(message_for(make_file("[1]", data)), ::testing::HasSubstr("not a JSON object"));
  EXPECT_THAT(
      message_for(make_file(R"({"t":{"dtype":"F16","shape":[2],"data_offsets":[0,4]}})", data)),
      ::testing::HasSubstr("dtype \"F16\"; tessera reads F32, I8 and I32"));
  EXPECT_THAT(
      message_for(make_file(R"({"t":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", data)),
      ::testing::HasSubstr("needs 12 bytes"));
  EXPECT_THAT(
      message_for(make_file(R"({"t":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}})", data)),
      ::testing::HasSubstr("end before they begin"));
  EXPECT_THAT(
      message_for(make_file(R"({"t":{"dtype":"F32","shape":[4],"data_offsets":[24,40]}})", data)),
      ::testing::HasSubstr("truncated"));
  EXPECT_THAT(message_for(make_file(R"({"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]},
                                        "b":{"dtype":"F32","shape":[4],"data_offsets":[8,24]}})",
                                    data)),
              ::testing::HasSubstr("overlap"));
  EXPECT_THAT(
      message_for(make_file(R"({"t":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}})", data)),
      ::testing::HasSubstr("non-negative"));
  EXPECT_THAT(
      message_for(make_file(
          R"({"t":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,8]}})", data)),
      ::testing::HasSubstr("needs too many bytes"));
  EXPECT_THAT(message_for(make_file(R"({"t":{"dtype":"F32","shape":[2]}})", data)),
              ::testing::HasSubstr("data_offsets"));
  EXPECT_THAT(message_for(make_file(R"({"__metadata__":{"k":1}})", data)),
              ::testing::HasSubstr("not a string"));
  EXPECT_THAT(message_for("abc"), ::testing::HasSubstr("x.safetensors"));
  EXPECT_THAT(error_message([&] { read_safetensors(dir.file("absent")); }),
              ::testing::HasSubstr("cannot open"));
}

// Rewrites a saved model's header through edit and returns the error loading it gives.
std::string load_error_after(const std::function<void(nlohmann::json&)>& edit,
                             const ModelOptions& options = testing::small_options()) {
  TempDir dir;
  const std::string path = dir.file("edited.safetensors");
  Model::create(testing::small_config(4), testing::small_vocabulary(), options).save(path);
  const std::string bytes = read_file_text(path);
  uint64_t header_length = 0;
  std::memcpy(&header_length, bytes.data(), 8);
  nlohmann::json header = nlohmann::json::parse(bytes.substr(8, header_length));
  // The checks behind the checksum, on a file of version 2 (which has none).
  header["__metadata__"].erase(kSafetensorsChecksumKey);
  header["__metadata__"]["format_version"] = "2";
  edit(header);
  write_file_text(path,
                  make_file(header.dump(), std::string_view(bytes).substr(8 + header_length)));
  return error_message([&] { Model::load(path); });
}

TEST(Safetensors, ModelMetadataMismatchesAreErrors) {
  using nlohmann::json;
  EXPECT_THAT(load_error_after([](json& h) { h["__metadata__"]["format_version"] = "4"; }),
              ::testing::HasSubstr("format_version \"4\""));
  EXPECT_THAT(load_error_after([](json& h) { h["__metadata__"]["format"] = "other"; }),
              ::testing::HasSubstr("not a tessera model"));
  EXPECT_THAT(load_error_after([](json& h) { h["__metadata__"].erase("featurizer"); }),
              ::testing::HasSubstr("no \"featurizer\""));
  EXPECT_THAT(load_error_after([](json& h) { h.erase("__metadata__"); }),
              ::testing::HasSubstr("metadata has no"));
  // A table whose shape does not match vocabulary + buckets.
  EXPECT_THAT(load_error_after([](json& h) {
                h["query.table"]["shape"] = {22, 8};
              }),
              ::testing::HasSubstr("has shape [22, 8], the metadata implies [11, 16]"));
  EXPECT_THAT(load_error_after([](json& h) {
                auto model = json::parse(h["__metadata__"]["model"].get<std::string>());
                model["encoders"]["document"] = model["encoders"]["query"];
                model["towers"]["document"] = "document";
                h["__metadata__"]["model"] = model.dump();
              }),
              ::testing::HasSubstr("'document.table' is missing"));
  EXPECT_THAT(load_error_after([](json& h) {
                auto model = json::parse(h["__metadata__"]["model"].get<std::string>());
                model["encoders"]["query"]["kind"] = "transformer";
                h["__metadata__"]["model"] = model.dump();
              }),
              ::testing::HasSubstr("kind 'transformer', which this tessera does not know"));
  EXPECT_THAT(load_error_after([](json& h) {
                auto model = json::parse(h["__metadata__"]["model"].get<std::string>());
                model["towers"]["label"] = "label";
                h["__metadata__"]["model"] = model.dump();
              }),
              ::testing::HasSubstr("tower 'label' names encoder 'label'"));
  EXPECT_THAT(load_error_after([](json& h) {
                auto model = json::parse(h["__metadata__"]["model"].get<std::string>());
                model["prefixes"] = {8, 4, 16};
                h["__metadata__"]["model"] = model.dump();
              }),
              ::testing::HasSubstr("ascending"));
  EXPECT_THAT(load_error_after([](json& h) {
                auto model = json::parse(h["__metadata__"]["model"].get<std::string>());
                model.erase("towers");
                h["__metadata__"]["model"] = model.dump();
              }),
              ::testing::HasSubstr("\"model\" is malformed"));
  EXPECT_THAT(load_error_after([](json& h) {
                auto model = json::parse(h["__metadata__"]["model"].get<std::string>());
                model["encoders"]["query"]["config"].erase("pooling");
                h["__metadata__"]["model"] = model.dump();
              }),
              ::testing::HasSubstr("config \"pooling\" must be a string"));
  EXPECT_THAT(load_error_after([](json& h) { h["__metadata__"]["vocabulary"] = "[\"a\"]"; }),
              ::testing::HasSubstr("equal length"));
  EXPECT_THAT(load_error_after([](json& h) { h["query.table"]["dtype"] = "F64"; }),
              ::testing::HasSubstr("edited.safetensors"));
  ModelOptions two = testing::small_options();
  two.two_towers = true;
  EXPECT_THAT(load_error_after(
                  [](json& h) {
                    h["query.table"]["data_offsets"] = {0, 11 * 64};
                  },
                  two),
              ::testing::HasSubstr("overlap"));
}

// Python reads a saved model with json + numpy only.
TEST(Safetensors, PythonReadsModelWithJsonAndNumpy) {
  if (std::system("/usr/bin/python3 -c 'import numpy' >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "/usr/bin/python3 with numpy is not available; skipping the interop check";
  }
  TempDir dir;
  ModelOptions options = testing::small_options();
  options.two_towers = true;
  options.projection = true;
  const Model model = Model::create(testing::small_config(), testing::small_vocabulary(), options);
  const std::string path = dir.file("model.safetensors");
  model.save(path);

  const Tensor& table = model.tower(kDocumentTower).parameters().front()->value;
  nlohmann::json expected = {{"row", 3},
                             {"values", std::vector<float>(table.row(3), table.row(3) + 16)},
                             {"rows", table.dim(0)}};
  write_file_text(dir.file("expected.json"), expected.dump());
  const std::string script = R"PY(
import json, struct, sys
import numpy as np
model_path, expected_path = sys.argv[1], sys.argv[2]
with open(model_path, "rb") as f:
    data = f.read()
(n,) = struct.unpack("<Q", data[:8])
header = json.loads(data[8:8 + n])
meta = header.pop("__metadata__")
assert meta["format"] == "tessera", meta["format"]
model = json.loads(meta["model"])
assert model["prefixes"] == [4, 8, 16], model
assert model["towers"] == {"query": "query", "document": "document"}, model
assert model["encoders"]["document"]["kind"] == "bag", model
assert json.loads(meta["vocabulary"])[0] == "the"
json.loads(meta["featurizer"]); json.loads(meta["provenance"])
base = 8 + n
tensors = {}
for name, info in header.items():
    assert info["dtype"] == "F32"
    begin, end = info["data_offsets"]
    tensors[name] = np.frombuffer(data[base + begin:base + end], dtype="<f4").reshape(info["shape"])
assert set(tensors) == {"query.table", "query.projection", "document.table", "document.projection"}
expected = json.load(open(expected_path))
table = tensors["document.table"]
assert table.shape == (expected["rows"], 16), table.shape
assert np.array_equal(table[expected["row"]], np.array(expected["values"], dtype=np.float32))
print("python interop ok")
)PY";
  write_file_text(dir.file("check.py"), script);
  const std::string command =
      "/usr/bin/python3 " + dir.file("check.py") + " " + path + " " + dir.file("expected.json");
  EXPECT_EQ(std::system(command.c_str()), 0) << command;
}

}  // namespace
}  // namespace tessera
