// CPU features the SIMD kernels need, detected once. x86: cpuid + xgetbv; a
// feature counts only when the OS also saves the register state it uses
// (XCR0), so a kernel selected from here can never fault on a CPU or
// hypervisor that hides AVX / AVX-512 state. AArch64 Linux: the kernel's
// getauxval(AT_HWCAP) bits, which already say what user space may run.
// Features of the other architecture are always false.
#pragma once

#include <string>

namespace ledge::kernels {

struct CpuFeatures {
  bool avx2 = false;
  bool fma = false;
  bool f16c = false;
  bool avx512f = false;
  bool avx512bw = false;
  bool avx512vl = false;
  bool avx512vnni = false;
  bool avx512bf16 = false;
  bool avx_vnni = false;  // VEX-encoded VNNI (Alder Lake, Zen 5)
  bool asimd = false;     // AArch64 Advanced SIMD (NEON)
  bool asimddp = false;   // ARMv8.2 SDOT / UDOT

  // Space-separated names of the features present, for logs ("avx2 fma ...").
  std::string to_string() const;
};

// Detected on first call (thread-safe static init), then cached.
const CpuFeatures& cpu_features();

}  // namespace ledge::kernels
