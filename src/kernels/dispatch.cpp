#include "kernels/dispatch.h"

#include <array>
#include <atomic>
#include <cstdlib>
#include <mutex>
#include <span>
#include <string>

#include "kernels/cpu_features.h"
#include "kernels/type_traits.h"

#if defined(LEDGE_KERNELS_X86)
#include "kernels/x86_kernels.h"
#endif
#if defined(LEDGE_KERNELS_ARM)
#include "kernels/arm_kernels.h"
#endif

namespace ledge::kernels {
namespace {

std::atomic<IsaLevel> g_active{IsaLevel::kScalar};
std::mutex g_install_mutex;  // serialises installers against each other only

#if defined(LEDGE_KERNELS_X86) || defined(LEDGE_KERNELS_ARM)
// A build holds one family's variants; pick() walks down from a level and
// simply finds nothing at the other family's levels.
std::span<const KernelVariant> variants_of(IsaLevel level) {
  switch (level) {
#if defined(LEDGE_KERNELS_X86)
    case IsaLevel::kAvx2: return avx2_variants();
    case IsaLevel::kAvx512: return avx512_variants();
#else
    case IsaLevel::kNeon: return neon_variants();
    case IsaLevel::kNeonDotprod: return neon_dotprod_variants();
#endif
    default: break;
  }
  return {};
}

// What install_level last put into each entry, and the function it replaced
// there: an entry still holding what we installed gets re-resolved from that
// base; anything else in it was installed by someone since and is the new
// base. (Looking the base up from the SIMD function alone would be
// ambiguous where one SIMD kernel twins two scalar functions.)
struct Installed {
  Kernels simd;
  Kernels base;
};
std::array<Installed, 32> g_installed{};

size_t type_index(TensorType t) {
  const auto types = supported_types();
  for (size_t i = 0; i < types.size(); ++i)
    if (types[i] == t) return i;
  return 0;  // not reached: callers iterate supported_types()
}

// The best variant of `base` at `level` or below (levels are cumulative).
template <typename Fn>
Fn pick(IsaLevel level, TensorType t, Fn Kernels::*slot, Fn base) {
  for (int l = static_cast<int>(level); l >= static_cast<int>(IsaLevel::kAvx2); --l) {
    for (const KernelVariant& v : variants_of(static_cast<IsaLevel>(l))) {
      if (v.type == t && v.scalar.*slot != nullptr && v.scalar.*slot == base) return v.simd.*slot;
    }
  }
  return base;
}

template <typename Fn>
void choose(IsaLevel level, TensorType t, Fn Kernels::*slot, Kernels& out) {
  const Fn current = type_info(t)->kernels.*slot;
  if (current == nullptr) return;
  Installed& rec = g_installed[type_index(t)];
  const Fn base = (rec.simd.*slot != nullptr && rec.simd.*slot == current) ? rec.base.*slot : current;
  out.*slot = pick(level, t, slot, base);
  rec.simd.*slot = out.*slot;
  rec.base.*slot = base;
}

std::span<const KernelVariant> gemm_variants_of(IsaLevel level) {
  switch (level) {
#if defined(LEDGE_KERNELS_X86)
    case IsaLevel::kAvx2: return avx2_gemm_variants();
    case IsaLevel::kAvx512: return avx512_gemm_variants();
#else
    case IsaLevel::kNeon: return neon_gemm_variants();
    case IsaLevel::kNeonDotprod: return neon_dotprod_gemm_variants();
#endif
    default: break;
  }
  return {};
}

// The gemm slot when the entry has no gemm of its own (or only one we put
// there): the best variant reproducing the entry's base vec_dot (recorded by
// choose() just before), or none. An entry whose gemm someone else installed
// (a reference gemm with its own order; choose() then records it as the
// base) goes through choose() like any slot.
void choose_gemm(IsaLevel level, TensorType t) {
  const GemmFn current = type_info(t)->kernels.gemm;
  Installed& rec = g_installed[type_index(t)];
  const bool foreign = current != nullptr && (rec.simd.gemm != current || rec.base.gemm != nullptr);
  if (foreign) {
    Kernels k;
    choose(level, t, &Kernels::gemm, k);
    install_kernels(t, k);
    return;
  }
  GemmFn best = nullptr;
  for (int l = static_cast<int>(level); l >= static_cast<int>(IsaLevel::kAvx2) && best == nullptr; --l) {
    for (const KernelVariant& v : gemm_variants_of(static_cast<IsaLevel>(l))) {
      if (v.type == t && v.scalar.vec_dot != nullptr && v.scalar.vec_dot == rec.base.vec_dot) {
        best = v.simd.gemm;
        break;
      }
    }
  }
  set_gemm(t, best);
  rec.simd.gemm = best;
  rec.base.gemm = nullptr;
}
#endif

void install_level(IsaLevel level) {
#if defined(LEDGE_KERNELS_X86) || defined(LEDGE_KERNELS_ARM)
  for (TensorType t : supported_types()) {
    Kernels k;
    choose(level, t, &Kernels::dequantize, k);
    choose(level, t, &Kernels::quantize, k);
    choose(level, t, &Kernels::vec_dot, k);
    install_kernels(t, k);
    choose_gemm(level, t);
  }
#endif
  g_active.store(level, std::memory_order_release);
}

}  // namespace

std::string_view isa_level_name(IsaLevel level) {
  switch (level) {
    case IsaLevel::kScalar: return "scalar";
    case IsaLevel::kAvx2: return "avx2";
    case IsaLevel::kAvx512: return "avx512";
    case IsaLevel::kNeon: return "neon";
    case IsaLevel::kNeonDotprod: return "neon_dotprod";
  }
  return "unknown";
}

std::optional<IsaLevel> parse_isa_level(std::string_view name) {
  for (IsaLevel level : kAllIsaLevels)
    if (isa_level_name(level) == name) return level;
  return std::nullopt;
}

std::string_view isa_level_requirements(IsaLevel level) {
  switch (level) {
    case IsaLevel::kScalar: return "";
    case IsaLevel::kAvx2: return "avx2 fma f16c";
    case IsaLevel::kAvx512: return "avx2 fma f16c avx512f avx512bw avx512vl avx512vnni";
    case IsaLevel::kNeon: return "asimd";
    case IsaLevel::kNeonDotprod: return "asimd asimddp";
  }
  return "";
}

bool isa_level_supported(IsaLevel level) {
  if (level == IsaLevel::kScalar) return true;
#if defined(LEDGE_KERNELS_X86)
  const CpuFeatures& f = cpu_features();
  const bool avx2 = f.avx2 && f.fma && f.f16c;
  if (level == IsaLevel::kAvx2) return avx2;
  if (level == IsaLevel::kAvx512) return avx2 && f.avx512f && f.avx512bw && f.avx512vl && f.avx512vnni;
#endif
#if defined(LEDGE_KERNELS_ARM)
  const CpuFeatures& f = cpu_features();
  if (level == IsaLevel::kNeon) return f.asimd;
  if (level == IsaLevel::kNeonDotprod) return f.asimd && f.asimddp;
#endif
  return false;
}

IsaLevel best_isa_level() {
  IsaLevel best = IsaLevel::kScalar;
  for (IsaLevel level : kAllIsaLevels)
    if (isa_level_supported(level)) best = level;
  return best;
}

IsaLevel isa_level_from_env() {
  IsaLevel level = best_isa_level();
  if (const char* env = std::getenv(kIsaEnvVar)) {
    if (auto requested = parse_isa_level(env);
        requested && static_cast<int>(*requested) < static_cast<int>(level) && isa_level_supported(*requested))
      level = *requested;
  }
  return level;
}

void init_dispatch() {
  static std::once_flag once;
  std::call_once(once, [] {
    std::lock_guard<std::mutex> lock(g_install_mutex);
    install_level(isa_level_from_env());
  });
}

Status set_isa_level(IsaLevel level) {
  if (!isa_level_supported(level))
    return Error{"ISA level '" + std::string(isa_level_name(level)) + "' is not supported here (needs " +
                 std::string(isa_level_requirements(level)) + "; this CPU has " + cpu_features().to_string() + ")"};
  std::lock_guard<std::mutex> lock(g_install_mutex);
  install_level(level);
  return Status::Ok();
}

IsaLevel active_isa_level() { return g_active.load(std::memory_order_acquire); }

std::string_view active_isa() { return isa_level_name(active_isa_level()); }

}  // namespace ledge::kernels
