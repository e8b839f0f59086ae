#include "tessera/core/atomic_directory.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "tessera/core/atomic_file.h"
#include "tessera/core/check.h"
#include "tessera/core/file_lock.h"
#include "test_support.h"

namespace tessera {
namespace {

namespace fs = std::filesystem;
using testing::error_message;
using testing::read_file_text;
using testing::TempDir;
using testing::write_file_text;

TEST(AtomicDirectory, CommitCreatesOrReplacesTheWholeDirectory) {
  TempDir dir;
  const std::string target = dir.file("out");
  {
    AtomicDirectory out(target);
    write_file_text(out.temp_path() + "/a.txt", "first");
    write_file_text(out.temp_path() + "/only_first.txt", "x");
    EXPECT_FALSE(fs::exists(target));
    out.commit();
  }
  EXPECT_EQ(read_file_text(target + "/a.txt"), "first");
  {
    AtomicDirectory out(target + "/");  // the same target
    write_file_text(out.temp_path() + "/a.txt", "second");
    EXPECT_EQ(read_file_text(target + "/a.txt"), "first");  // untouched until commit
    out.commit();
  }
  EXPECT_EQ(read_file_text(target + "/a.txt"), "second");
  EXPECT_FALSE(fs::exists(target + "/only_first.txt"));  // replaced, not merged
  EXPECT_EQ(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()), 1)
      << "no temporary, old or lock file is left";
}

TEST(AtomicDirectory, WithoutCommitTheTargetStaysAndNothingIsLeft) {
  TempDir dir;
  const std::string target = dir.file("out");
  fs::create_directories(target);
  write_file_text(target + "/a.txt", "old");
  {
    AtomicDirectory out(target);
    write_file_text(out.temp_path() + "/a.txt", "new");
  }
  EXPECT_EQ(read_file_text(target + "/a.txt"), "old");
  EXPECT_EQ(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()), 1);
}

TEST(AtomicDirectory, CreatesMissingParentsAndRemovesThemWhenNotCommitted) {
  TempDir dir;
  const std::string target = dir.file("runs/2026/out");
  {
    AtomicDirectory out(target);
    write_file_text(out.temp_path() + "/a.txt", "unfinished");
  }
  EXPECT_FALSE(fs::exists(dir.file("runs"))) << "a failed write leaves no empty directory";
  fs::create_directories(dir.file("runs/2026"));
  write_file_text(dir.file("runs/notes.txt"), "the user's");
  fs::remove(dir.file("runs/2026"));
  { const AtomicDirectory out(target); }
  EXPECT_TRUE(fs::exists(dir.file("runs/notes.txt"))) << "what was there before stays";
  EXPECT_FALSE(fs::exists(dir.file("runs/2026")));
  {
    AtomicDirectory out(target);
    write_file_text(out.temp_path() + "/a.txt", "done");
    out.commit();
  }
  EXPECT_EQ(read_file_text(target + "/a.txt"), "done");
}

TEST(AtomicDirectory, CommitFilesReplacesItsOwnFilesAndKeepsTheOthers) {
  TempDir dir;
  const std::string target = dir.file("results");
  fs::create_directories(target);
  write_file_text(target + "/metrics.json", "old");
  write_file_text(target + "/notes.txt", "the user's");
  {
    AtomicDirectory out(target, DirectoryCommit::kMerge);
    write_file_text(out.temp_path() + "/metrics.json", "new");
    write_file_text(out.temp_path() + "/bm25.trec", "run");
    EXPECT_EQ(read_file_text(target + "/metrics.json"), "old");
    // Staged inside the target, so the moves stay on its file system.
    EXPECT_EQ(fs::path(out.temp_path()).parent_path(), fs::path(target));
    EXPECT_TRUE(fs::exists(target + "/.tessera.lock"));
    out.commit();
  }
  EXPECT_EQ(std::distance(fs::directory_iterator(target), fs::directory_iterator()), 3)
      << "metrics.json, bm25.trec and notes.txt, no temporary or lock";
  EXPECT_EQ(read_file_text(target + "/metrics.json"), "new");
  EXPECT_EQ(read_file_text(target + "/bm25.trec"), "run");
  EXPECT_EQ(read_file_text(target + "/notes.txt"), "the user's");
  EXPECT_EQ(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()), 1)
      << "no temporary or lock file is left";
  {
    AtomicDirectory out(dir.file("fresh"), DirectoryCommit::kMerge);
    write_file_text(out.temp_path() + "/metrics.json", "first");
    out.commit();
  }
  EXPECT_EQ(read_file_text(dir.file("fresh/metrics.json")), "first");
  write_file_text(dir.file("a_file"), "x");
  EXPECT_THAT(error_message([&] { const AtomicDirectory out(dir.file("a_file")); }),
              ::testing::HasSubstr("a_file: is a file, not a directory"));
}

TEST(AtomicDirectory, TemporariesOfDeadProcessesAreSwept) {
  TempDir dir;
  const std::string target = dir.file("out");
  // pid 2^22 + 1 is above Linux's pid_max (2^22 at most): no such process can exist.
  fs::create_directories(target + ".tmp-4194305");
  fs::create_directories(target + ".tmp-12x");  // not ours: left alone
  AtomicDirectory out(target);
  EXPECT_FALSE(fs::exists(target + ".tmp-4194305"));
  EXPECT_TRUE(fs::exists(target + ".tmp-12x"));
}

TEST(AtomicDirectory, AnOldDirectoryMovedAsideReturnsWhenTheTargetIsMissing) {
  TempDir dir;
  const std::string target = dir.file("out");
  fs::create_directories(target + ".old-4194305");
  write_file_text(target + ".old-4194305/a.txt", "old");
  AtomicDirectory out(target);
  EXPECT_EQ(read_file_text(target + "/a.txt"), "old");
}

TEST(AtomicDirectory, ASecondWriterFailsAtOnce) {
  TempDir dir;
  const std::string target = dir.file("out");
  AtomicDirectory first(target);
  EXPECT_THAT(error_message([&] { AtomicDirectory second(target); }),
              ::testing::HasSubstr("another tessera is writing " + target));
  first.commit();
}

// A killed writer's "<path>.tmp-<pid>" (a 32 MB checkpoint, say) goes with the next write.
TEST(AtomicFile, TemporariesOfDeadProcessesAreSweptAndStandardOutputIsChecked) {
  TempDir dir;
  const std::string target = dir.file("model.safetensors.checkpoint");
  write_file_text(target + ".tmp-4194305", "partial");
  write_file_text(dir.file("other.tmp-4194305"), "another target's");
  AtomicFile file(target);
  file.write("complete");
  file.commit();
  EXPECT_FALSE(fs::exists(target + ".tmp-4194305"));
  EXPECT_EQ(read_file_text(target), "complete");
  EXPECT_EQ(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()), 2);
  AtomicFile out(kStandardOutput);
  EXPECT_THAT(error_message([&] { out.overwrite(0, "y", 1); }),
              ::testing::HasSubstr("standard output cannot take back bytes"));
}

TEST(FileLock, IsExclusiveAndReleasedOnDestruction) {
  TempDir dir;
  const std::string path = dir.file("x.lock");
  {
    FileLock lock(path, "x");
    EXPECT_THAT(error_message([&] { FileLock again(path, "x"); }),
                ::testing::HasSubstr("another tessera is writing x"));
  }
  EXPECT_FALSE(fs::exists(path));
  FileLock again(path, "x");
}

}  // namespace
}  // namespace tessera
