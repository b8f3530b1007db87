// Serves the profile UI over a store with known content (ui_fixture.h) on
// 127.0.0.1:<free port>, prints "port <n>" and runs until stdin closes: the
// server the browser test drives.
#include <httplib.h>

#include <iostream>
#include <string>
#include <thread>

#include "ui/profile_ui.h"
#include "ui/ui_fixture.h"

int main() {
  ksight::store::Store store;
  ksight::testing::fill_fixture_store(store);
  ksight::ui::ProfileUi ui(store);
  httplib::Server server;
  ui.install(server);
  server.Get("/", [&](const httplib::Request& q, httplib::Response& r) { ui.serve_index(q, r); });
  int port = server.bind_to_any_port("127.0.0.1");
  std::thread thread([&] { server.listen_after_bind(); });
  while (!server.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  std::cout << "port " << port << std::endl;
  std::string line;
  while (std::getline(std::cin, line)) {
  }
  server.stop();
  thread.join();
  return 0;
}
