// The field table: docs/fields.md is generated from it and must be current.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "rules/fields.h"

namespace ksight::rules {
namespace {

TEST(FieldsTest, DocsAreGeneratedFromTheTable) {
  std::ifstream in(std::string(KSIGHT_SOURCE_DIR) + "/docs/fields.md");
  ASSERT_TRUE(in) << "docs/fields.md missing: ksight rules fields --markdown > docs/fields.md";
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_EQ(text.str(), fields_markdown()) << "docs/fields.md is stale: regenerate with `ksight "
                                              "rules fields --markdown > docs/fields.md`";
}

TEST(FieldsTest, IssueFieldsExistWithTypes) {
  struct Want {
    const char* name;
    FieldType type;
  };
  for (const Want& w : {
           Want{"evt.type", FieldType::kString},
           Want{"evt.res", FieldType::kInt},
           Want{"evt.time", FieldType::kString},
           Want{"evt.args", FieldType::kString},
           Want{"evt.arg.flags", FieldType::kString},
           Want{"evt.arg[0]", FieldType::kString},
           Want{"proc.name", FieldType::kString},
           Want{"proc.pname", FieldType::kString},
           Want{"proc.aname[2]", FieldType::kString},
           Want{"proc.aname", FieldType::kStringList},
           Want{"proc.exepath", FieldType::kString},
           Want{"proc.cmdline", FieldType::kString},
           Want{"proc.args", FieldType::kString},
           Want{"proc.pid", FieldType::kInt},
           Want{"proc.ppid", FieldType::kInt},
           Want{"proc.tty", FieldType::kInt},
           Want{"proc.cwd", FieldType::kString},
           Want{"proc.is_exe_from_memfd", FieldType::kBool},
           Want{"proc.pcmdline", FieldType::kString},
           Want{"proc.pexe", FieldType::kString},
           Want{"user.uid", FieldType::kInt},
           Want{"user.name", FieldType::kString},
           Want{"user.loginuid", FieldType::kInt},
           Want{"group.gid", FieldType::kInt},
           Want{"fd.name", FieldType::kString},
           Want{"fd.directory", FieldType::kString},
           Want{"fd.filename", FieldType::kString},
           Want{"fd.typechar", FieldType::kString},
           Want{"fd.type", FieldType::kString},
           Want{"fd.sip", FieldType::kString},
           Want{"fd.sport", FieldType::kInt},
           Want{"fd.dip", FieldType::kString},
           Want{"fd.dport", FieldType::kInt},
           Want{"fd.lport", FieldType::kInt},
           Want{"fd.rport", FieldType::kInt},
           Want{"fd.l4proto", FieldType::kString},
           Want{"container.id", FieldType::kString},
           Want{"k8s.pod.uid", FieldType::kString},
           Want{"thread.cap_effective", FieldType::kString},
       }) {
    std::string error;
    ResolvedField f = resolve_field(w.name, &error);
    ASSERT_TRUE(f.info) << w.name << ": " << error;
    EXPECT_EQ(f.type, w.type) << w.name;
  }
  std::string error;
  EXPECT_FALSE(resolve_field("evt.arg", &error).info);
  EXPECT_NE(error.find("needs an argument"), std::string::npos);
  EXPECT_FALSE(resolve_field("proc.name[1]", &error).info);
}

TEST(FieldsTest, CapabilitiesRenderAsNames) {
  SecurityEvent ev;
  ev.proc.cap_effective = (1ULL << 21) | (1ULL << 39);
  EvalContext ctx;
  ctx.reset(ev);
  std::string error;
  std::string out;
  render_field(ctx, resolve_field("thread.cap_effective", &error), out);
  EXPECT_EQ(out, "CAP_SYS_ADMIN CAP_BPF");
}

}  // namespace
}  // namespace ksight::rules
