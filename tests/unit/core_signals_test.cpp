#include "core/signals.hpp"

#include <gtest/gtest.h>

#include <csignal>
#include <thread>

using namespace std::chrono_literals;

class Signals : public testing::Test {
 protected:
  void SetUp() override {
    shop::install_signal_handlers();
    shop::reset_stop_request();
  }
  void TearDown() override { shop::reset_stop_request(); }
};

TEST_F(Signals, SleepRunsItsCourseWithoutAStop) {
  const auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(shop::sleep_unless_stopped(30ms));
  EXPECT_GE(std::chrono::steady_clock::now() - start, 30ms);
  EXPECT_FALSE(shop::stop_requested());
}

TEST_F(Signals, FirstSigintRequestsAStopAndWakesSleepers) {
  std::thread sender([] {
    std::this_thread::sleep_for(50ms);
    std::raise(SIGINT);
  });
  const auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(shop::sleep_unless_stopped(10s));
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
  sender.join();
  EXPECT_TRUE(shop::stop_requested());
  EXPECT_EQ(shop::stop_signal(), SIGINT);
}

TEST_F(Signals, SecondSignalExitsAtOnce) {
  EXPECT_EXIT(
      {
        std::raise(SIGTERM);
        std::raise(SIGTERM);
        std::this_thread::sleep_for(10s);
      },
      testing::ExitedWithCode(128 + SIGTERM), "");
}

TEST_F(Signals, RequestStopWithoutASignal) {
  shop::request_stop();
  EXPECT_TRUE(shop::stop_requested());
  EXPECT_EQ(shop::stop_signal(), 0);
  EXPECT_FALSE(shop::sleep_unless_stopped(10s));
}

TEST_F(Signals, SigpipeIsIgnored) {
  struct sigaction current {};
  ::sigaction(SIGPIPE, nullptr, &current);
  EXPECT_EQ(current.sa_handler, SIG_IGN);
}
