# Cross-compilation to 64-bit ARM Linux with Debian 12's packaged toolchain
# (g++-aarch64-linux-gnu: compilers, and libc / libstdc++ for arm64 under
# /usr/aarch64-linux-gnu). Tests run through qemu-user (package qemu-user),
# which CTest and gtest_discover_tests invoke via CMAKE_CROSSCOMPILING_EMULATOR,
# so `ctest` runs the arm64 binaries transparently on an x86-64 host.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)

set(LEDGE_AARCH64_TRIPLE aarch64-linux-gnu)
set(LEDGE_AARCH64_SYSROOT /usr/${LEDGE_AARCH64_TRIPLE})

set(CMAKE_C_COMPILER ${LEDGE_AARCH64_TRIPLE}-gcc)
set(CMAKE_CXX_COMPILER ${LEDGE_AARCH64_TRIPLE}-g++)

# Libraries and packages only from the arm64 tree; programs from the host.
set(CMAKE_FIND_ROOT_PATH ${LEDGE_AARCH64_SYSROOT})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# qemu-aarch64 (qemu-user) or qemu-aarch64-static (qemu-user-static); -L
# points the emulated dynamic loader at the arm64 libc / libstdc++.
find_program(LEDGE_QEMU_AARCH64 NAMES qemu-aarch64 qemu-aarch64-static)
if(LEDGE_QEMU_AARCH64)
  set(CMAKE_CROSSCOMPILING_EMULATOR ${LEDGE_QEMU_AARCH64};-L;${LEDGE_AARCH64_SYSROOT})
endif()

# GCC contracts a*b+c into FMA by default in C++ when the target has FMA,
# which every AArch64 CPU does (baseline x86-64 has none, so x86 builds never
# fuse). Off for the whole build, so every float expression -- the kernels'
# scalar references, the tests' models of them, the engine -- rounds as on
# x86; explicit std::fma / vfmaq_f32 still fuse.
set(CMAKE_C_FLAGS_INIT "-ffp-contract=off")
set(CMAKE_CXX_FLAGS_INIT "-ffp-contract=off")
