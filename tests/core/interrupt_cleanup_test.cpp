#include "tessera/core/interrupt_cleanup.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "test_support.h"

namespace tessera {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;

// Sends the signal to the whole process, as kill(1) does, and gives it a second to end it.
void interrupt_and_wait(int signal_number) {
  ::kill(::getpid(), signal_number);
  for (int waited_ms = 0; waited_ms < 1000; waited_ms += 10) ::usleep(10'000);
}

// A child starts as a shell's background job would not: with SIGINT and SIGHUP not ignored.
void default_signal_dispositions() {
  for (const int signal_number : {SIGINT, SIGTERM, SIGHUP}) std::signal(signal_number, SIG_DFL);
}

// Each case runs in a forked child ("fast" death tests), so the paths made here are the child's
// and the parent checks what the interrupt left.
class InterruptCleanupTest : public ::testing::Test {
 protected:
  void SetUp() override {
    style_ = GTEST_FLAG_GET(death_test_style);
    GTEST_FLAG_SET(death_test_style, "fast");
    make_files();
  }
  void TearDown() override { GTEST_FLAG_SET(death_test_style, style_); }

  void make_files() const {
    dir_.write("partial.npy.tmp-1", "half a file");
    dir_.write("index.tmp-1/vectors.index", "half an index");
    dir_.write("kept.npy", "a finished file");
  }
  std::string file() const { return dir_.file("partial.npy.tmp-1"); }
  std::string directory() const { return dir_.file("index.tmp-1"); }
  std::string released() const { return dir_.file("kept.npy"); }

  TempDir dir_;
  std::string style_;
};

TEST_F(InterruptCleanupTest, RemovesWhatIsRegisteredAndEndsByTheSignal) {
  for (const int signal_number : {SIGTERM, SIGINT, SIGHUP}) {
    make_files();
    EXPECT_EXIT(
        {
          default_signal_dispositions();
          install_interrupt_cleanup();
          const RemovedOnInterrupt partial_file(file());
          const RemovedOnInterrupt partial_directory(directory());
          RemovedOnInterrupt renamed_into_place(released());
          renamed_into_place.release();
          interrupt_and_wait(signal_number);
          std::_Exit(3);
        },
        ::testing::KilledBySignal(signal_number), "");
    EXPECT_FALSE(fs::exists(file())) << signal_number;
    EXPECT_FALSE(fs::exists(directory())) << signal_number;
    EXPECT_TRUE(fs::exists(released())) << signal_number;
  }
}

TEST_F(InterruptCleanupTest, WaitsForAHoldToEnd) {
  const std::string survived = dir_.file("survived");
  EXPECT_EXIT(
      {
        default_signal_dispositions();
        install_interrupt_cleanup();
        const RemovedOnInterrupt partial_file(file());
        {
          const InterruptCleanupHold hold;
          interrupt_and_wait(SIGTERM);
          if (fs::exists(file())) dir_.write("survived", "");
        }
        interrupt_and_wait(SIGTERM);
        std::_Exit(3);
      },
      ::testing::KilledBySignal(SIGTERM), "");
  EXPECT_TRUE(fs::exists(survived));
  EXPECT_FALSE(fs::exists(file()));
}

TEST_F(InterruptCleanupTest, ASignalIgnoredBeforeStaysIgnored) {
  EXPECT_EXIT(
      {
        std::signal(SIGHUP, SIG_IGN);  // as nohup starts a program
        install_interrupt_cleanup();
        const RemovedOnInterrupt partial_file(file());
        interrupt_and_wait(SIGHUP);
        std::_Exit(fs::exists(file()) ? 0 : 4);
      },
      ::testing::ExitedWithCode(0), "");
}

TEST(InterruptCleanup, WithoutInstallingRegistrationIsHarmless) {
  TempDir dir;
  const std::string path = dir.write("a.tmp-1", "x");
  { const RemovedOnInterrupt registered(path); }
  EXPECT_TRUE(fs::exists(path));  // only an interrupt removes it, never the destructor
}

}  // namespace
}  // namespace tessera
