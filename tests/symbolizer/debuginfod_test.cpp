// debuginfod, against a minimal in-process server speaking its protocol
// (GET /buildid/<hex>/debuginfo). Checks that the network is asked only when
// an address is symbolized, never while observing a process.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>

#include "fixture_process.h"
#include "symbolizer/elf_object.h"
#include "symbolizer/elf_symbolizer.h"

namespace ksight::symbolizer {
namespace {

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

std::string build_id_of(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY);
  std::string error;
  auto elf = ElfObject::read_fd(fd, &error);
  close(fd);
  return elf ? elf->build_id() : "";
}

// Serves `body` for /buildid/<build_id>/debuginfo, 404 for anything else.
class FakeDebuginfod {
 public:
  FakeDebuginfod(std::string build_id, std::string body)
      : build_id_(std::move(build_id)), body_(std::move(body)) {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    listen(fd_, 8);
    getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~FakeDebuginfod() {
    stop_ = true;
    thread_.join();
    close(fd_);
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  int hits() const { return hits_; }
  int requests() const { return requests_; }

 private:
  void serve() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, 50) <= 0) continue;
      int client = accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (client >= 0) answer(client);
    }
  }
  void answer(int client) {
    std::string request;
    char buffer[4096];
    while (request.find("\r\n\r\n") == std::string::npos) {
      ssize_t n = read(client, buffer, sizeof buffer);
      if (n <= 0) break;
      request.append(buffer, n);
    }
    ++requests_;
    bool match = request.starts_with("GET /buildid/" + build_id_ + "/debuginfo ");
    hits_ += match;
    std::string head = match ? "HTTP/1.1 200 OK\r\n" : "HTTP/1.1 404 Not Found\r\n";
    const std::string& body = match ? body_ : std::string();
    head += "Content-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n";
    std::string reply = head + body;
    for (size_t sent = 0; sent < reply.size();) {
      ssize_t n = write(client, reply.data() + sent, reply.size() - sent);
      if (n <= 0) break;
      sent += n;
    }
    close(client);
  }

  std::string build_id_, body_;
  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> hits_{0}, requests_{0};
  std::thread thread_;
};

TEST(Debuginfod, FetchedLazilyAtFirstSymbolization) {
#ifndef KSIGHT_HAVE_DEBUGINFOD
  GTEST_SKIP() << "built without libdebuginfod";
#endif
  std::string binary = testing::fixture_path("fixture_buildid");
  std::string id = build_id_of(binary);
  ASSERT_FALSE(id.empty());
  FakeDebuginfod server(id, read_all(testing::fixture_path("fixture_split.debug")));
  char tmpl[] = "/tmp/ksight-debuginfod-XXXXXX";
  std::string cache = mkdtemp(tmpl);
  setenv("DEBUGINFOD_URLS", server.url().c_str(), 1);
  setenv("DEBUGINFOD_CACHE_PATH", cache.c_str(), 1);

  testing::FixtureProcess p(binary);
  ASSERT_TRUE(p.ready());
  SymbolizerOptions options;
  options.debug_dirs = {};
  auto s = make_symbolizer(options);
  s->observe_process(p.pid());
  EXPECT_EQ(server.requests(), 0);  // observing never touches the network

  uint64_t a[] = {p.address("c_function") - 1, p.address("inlined") - 1};
  auto r = s->symbolize_user(p.pid(), a);
  EXPECT_EQ(r[0].frames.at(0).function, "fixture_c_function");
  EXPECT_EQ(r[0].frames[0].line, testing::marked_line("fixture_main.cpp", "c_function"));
  EXPECT_EQ(r[1].frames.size(), 2u);
  EXPECT_EQ(server.hits(), 1);
  EXPECT_EQ(s->stats().debuginfod_fetches, 1u);

  unsetenv("DEBUGINFOD_URLS");
  unsetenv("DEBUGINFOD_CACHE_PATH");
  std::filesystem::remove_all(cache);
}

}  // namespace
}  // namespace ksight::symbolizer
