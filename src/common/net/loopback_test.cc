#include "common/net/loopback.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace hostplane {
namespace {

TEST(Loopback, AcceptsOnlyWhileSomebodyListens) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(fd, 4), 0);
  socklen_t len = sizeof addr;
  ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  int port = ntohs(addr.sin_port);
  EXPECT_TRUE(LoopbackAccepts(port));
  ::close(fd);
  EXPECT_FALSE(LoopbackAccepts(port));
}

TEST(Loopback, FreePortIsNotListenedOn) {
  auto port = FreeLoopbackPort();
  ASSERT_TRUE(port) << port.error().message;
  EXPECT_GT(*port, 0);
  EXPECT_FALSE(LoopbackAccepts(*port));
}

}  // namespace
}  // namespace hostplane
