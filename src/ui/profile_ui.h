#pragma once
// The profile web UI and the JSON APIs behind it, over a store::Store:
//
//   GET /                      the page (also /ui/<asset>)
//   GET /api/v1/labels         {"labels": {key: [values]}}
//   GET /api/v1/series         {"series": [{labels, windows, first_ns, last_ns}]}   ?selector
//   GET /api/v1/windows        {"windows": [["start_ns", "end_ns"]], "first_ns", "last_ns"}
//                              ?selector&from&to; bounds are decimal strings
//                              (JavaScript numbers hold 53 bits, Unix ns need 61)
//   GET /api/v1/profile        flame tree + top table (ui/flame_json.h) of the merged
//                              windows                       ?selector&from&to&type
//   GET /api/v1/diff           the same for [from, to) with base values from
//                              [base_from, base_to)          ?selector&type
//   GET /api/v1/pprof          the merged profile as .pb.gz  ?selector&from&to
//                              (with base_from/base_to: target minus base)
//
// Times are Unix nanoseconds; a missing bound is open. Selectors use the
// store's syntax ({comm="app",type="cpu"}). Errors are 400 with {"error"}.
#include <string>

#include "store/store.h"

namespace httplib {
class Server;
struct Request;
struct Response;
}  // namespace httplib

namespace ksight::ui {

class ProfileUi {
 public:
  explicit ProfileUi(store::Store& store) : store_(store) {}

  // Adds every route above except "/" (see serve_index).
  void install(httplib::Server& server);
  // The page; the agent's own "/" hands over to this when a UI is mounted.
  void serve_index(const httplib::Request& req, httplib::Response& res);

 private:
  void labels(const httplib::Request& req, httplib::Response& res);
  void series(const httplib::Request& req, httplib::Response& res);
  void windows(const httplib::Request& req, httplib::Response& res);
  void profile(const httplib::Request& req, httplib::Response& res);
  void diff(const httplib::Request& req, httplib::Response& res);
  void pprof(const httplib::Request& req, httplib::Response& res);
  void asset(const httplib::Request& req, httplib::Response& res);

  store::Store& store_;
};

}  // namespace ksight::ui
