// x86 CPU features the SIMD kernels need, detected once (cpuid + xgetbv).
// A feature counts only when the OS also saves the register state it uses
// (XCR0), so a kernel selected from here can never fault on a CPU or
// hypervisor that hides AVX / AVX-512 state. On non-x86 builds everything is
// false.
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

  // Space-separated names of the features present, for logs ("avx2 fma ...").
  std::string to_string() const;
};

// Detected on first call (thread-safe static init), then cached.
const CpuFeatures& cpu_features();

}  // namespace ledge::kernels
