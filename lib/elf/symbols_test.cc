#include "lib/elf/symbols.h"

#include <dlfcn.h>
#include <gtest/gtest.h>
#include <link.h>

#include <cstdint>
#include <fstream>

// A function with internal linkage and a C name (C++ names are mangled).
extern "C" {
static int symbols_test_local_function(int x) { return x * 3 + 1; }
}

namespace prism {
namespace {

// The load bias of the main program (0 for a non-PIE executable).
uint64_t MainProgramBias() {
  uint64_t bias = 0;
  dl_iterate_phdr(
      [](dl_phdr_info* info, size_t, void* out) {
        *static_cast<uint64_t*>(out) = info->dlpi_addr;
        return 1;  // The first object is the main program.
      },
      &bias);
  return bias;
}

TEST(FunctionSymbolsTest, NamesAStaticFunctionWithItsFile) {
  absl::StatusOr<FunctionSymbols> symbols =
      FunctionSymbols::Read("/proc/self/exe");
  ASSERT_TRUE(symbols.ok()) << symbols.status();
  EXPECT_TRUE(symbols->full());
  const uint64_t address =
      reinterpret_cast<uint64_t>(&symbols_test_local_function);
  const FunctionSymbol* f = symbols->Find(address - MainProgramBias());
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->name, "symbols_test_local_function");
  EXPECT_TRUE(f->local);
  EXPECT_EQ(f->file, "symbols_test.cc");
  // An address inside the function names it too.
  EXPECT_EQ(symbols->Find(address - MainProgramBias() + 1), f);
  EXPECT_EQ(symbols_test_local_function(1), 4);
}

TEST(FunctionSymbolsTest, NotAnElfFile) {
  std::string path = std::string(std::getenv("TEST_TMPDIR")) + "/not_elf";
  std::ofstream(path) << "hello";
  absl::StatusOr<FunctionSymbols> symbols = FunctionSymbols::Read(path);
  EXPECT_EQ(symbols.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(FunctionSymbols::Read(path + ".missing").status().code(),
            absl::StatusCode::kNotFound);
}

TEST(FunctionSymbolsTest, TruncatedSectionTableIsAnError) {
  std::ifstream in("/proc/self/exe", std::ios::binary);
  std::string head(4096, '\0');
  in.read(head.data(), head.size());
  std::string path = std::string(std::getenv("TEST_TMPDIR")) + "/truncated";
  std::ofstream(path, std::ios::binary) << head;
  absl::StatusOr<FunctionSymbols> symbols = FunctionSymbols::Read(path);
  EXPECT_FALSE(symbols.ok());
}

}  // namespace
}  // namespace prism
