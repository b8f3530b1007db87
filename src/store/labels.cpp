#include "store/labels.h"

#include <cctype>

#include "common/error.h"

namespace ksight::store {

namespace {

class SelectorParser {
 public:
  explicit SelectorParser(std::string_view text) : text_(text) {}

  std::vector<Matcher> run() {
    std::vector<Matcher> out;
    skip_space();
    bool braced = accept('{');
    skip_space();
    while (pos_ < text_.size() && text_[pos_] != '}') {
      out.push_back(matcher());
      skip_space();
      if (!accept(',')) break;
      skip_space();
    }
    if (braced && !accept('}')) fail("expected '}'");
    skip_space();
    if (pos_ != text_.size()) fail("unexpected character");
    return out;
  }

 private:
  Matcher matcher() {
    Matcher m;
    size_t start = pos_;
    while (pos_ < text_.size() && (std::isalnum(static_cast<unsigned char>(text_[pos_])) ||
                                   text_[pos_] == '_' || text_[pos_] == '.')) {
      ++pos_;
    }
    m.key = std::string(text_.substr(start, pos_ - start));
    if (m.key.empty()) fail("expected a label name");
    skip_space();
    if (accept('!')) m.negate = true;
    if (!accept('=')) fail("expected '=' or '!='");
    skip_space();
    m.value = value();
    return m;
  }

  std::string value() {
    std::string out;
    if (!accept('"')) {
      while (pos_ < text_.size() && text_[pos_] != ',' && text_[pos_] != '}' &&
             !std::isspace(static_cast<unsigned char>(text_[pos_]))) {
        out += text_[pos_++];
      }
      return out;
    }
    while (pos_ < text_.size() && text_[pos_] != '"') {
      if (text_[pos_] == '\\' && pos_ + 1 < text_.size()) ++pos_;
      out += text_[pos_++];
    }
    if (!accept('"')) fail("unterminated string");
    return out;
  }

  bool accept(char c) {
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  void skip_space() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
  }
  [[noreturn]] void fail(const std::string& what) {
    throw Error("selector '" + std::string(text_) + "': " + what + " at column " +
                std::to_string(pos_ + 1));
  }

  std::string_view text_;
  size_t pos_ = 0;
};

}  // namespace

Selector Selector::parse(std::string_view text) {
  Selector s;
  s.matchers_ = SelectorParser(text).run();
  return s;
}

bool Selector::matches(const Labels& labels) const {
  for (const auto& m : matchers_) {
    auto it = labels.find(m.key);
    const std::string& have = it == labels.end() ? std::string() : it->second;
    if ((have == m.value) == m.negate) return false;
  }
  return true;
}

std::string format_labels(const Labels& labels) {
  std::string out = "{";
  for (const auto& [k, v] : labels) {
    if (out.size() > 1) out += ',';
    out += k + "=\"";
    for (char c : v) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  return out + "}";
}

}  // namespace ksight::store
