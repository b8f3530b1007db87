// USDT argument specs as .note.stapsdt writes them (x86_64).
#include "trace/usdt_args.h"

#include <gtest/gtest.h>

#include "common/error.h"
#include "trace/passes/semantic_analyser.h"

namespace ksight::trace {
namespace {

TEST(TraceUsdtArgs, RegistersConstantsAndMemory) {
  auto args = parse_usdt_args("-4@%edi -8@%rax 4@$7 -2@-10(%rbp) 8@(%r12) 1@%r9b -8@0x10(%rsp)");
  ASSERT_EQ(args.size(), 7u);
  EXPECT_EQ(args[0].kind, UsdtArg::Kind::kRegister);
  EXPECT_EQ(args[0].size, 4);
  EXPECT_TRUE(args[0].is_signed);
  EXPECT_EQ(args[0].regs_offset, pt_regs_offset("di"));
  EXPECT_EQ(args[1].regs_offset, pt_regs_offset("ax"));
  EXPECT_EQ(args[2].kind, UsdtArg::Kind::kConstant);
  EXPECT_EQ(args[2].value, 7);
  EXPECT_FALSE(args[2].is_signed);
  EXPECT_EQ(args[3].kind, UsdtArg::Kind::kMemory);
  EXPECT_EQ(args[3].value, -10);
  EXPECT_EQ(args[3].size, 2);
  EXPECT_EQ(args[3].regs_offset, pt_regs_offset("bp"));
  EXPECT_EQ(args[4].kind, UsdtArg::Kind::kMemory);
  EXPECT_EQ(args[4].value, 0);
  EXPECT_EQ(args[4].regs_offset, pt_regs_offset("r12"));
  EXPECT_EQ(args[5].regs_offset, pt_regs_offset("r9"));
  EXPECT_EQ(args[6].value, 16);
  EXPECT_EQ(args[6].regs_offset, pt_regs_offset("sp"));
}

TEST(TraceUsdtArgs, NoSizeMeansEightBytesAndEmptyMeansNoArgs) {
  auto args = parse_usdt_args("%rsi");
  ASSERT_EQ(args.size(), 1u);
  EXPECT_EQ(args[0].size, 8);
  EXPECT_TRUE(parse_usdt_args("").empty());
}

TEST(TraceUsdtArgs, RefusedFormsNameTheArgument) {
  auto message = [](const char* spec) {
    try {
      parse_usdt_args(spec);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(message("4@%eax 8@(%rax,%rbx,8)"),
            "USDT argument 1 '8@(%rax,%rbx,8)': indexed addressing is not supported");
  EXPECT_EQ(message("3@%eax"), "USDT argument 0 '3@%eax': size must be 1, 2, 4 or 8");
  EXPECT_EQ(message("8@%xmm0"), "USDT argument 0 '8@%xmm0': unknown register %xmm0");
  EXPECT_EQ(message("8@foo(%rip)"), "USDT argument 0 '8@foo(%rip)': bad displacement 'foo'");
  EXPECT_EQ(message("4@$x"), "USDT argument 0 '4@$x': bad constant");
}

}  // namespace
}  // namespace ksight::trace
