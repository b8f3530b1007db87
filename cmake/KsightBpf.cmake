# BPF build chain, as libbpf-tools does it:
#   bpf/x.bpf.c --clang -target bpf -g -O2--> x.bpf.o --bpftool gen skeleton--> x.skel.h
# Everything lands in ${CMAKE_BINARY_DIR}/bpf; nothing generated is committed.
#
# vmlinux.h (CO-RE): generated from the build host's /sys/kernel/btf/vmlinux.
# Fallback when the build host has no BTF (a build container, an old kernel):
# pass -DKSIGHT_VMLINUX_BTF=/path/to/vmlinux-or-btf (any BTF blob, e.g. from
# BTFHub or a target node's /sys/kernel/btf/vmlinux copied over), or
# -DKSIGHT_VMLINUX_H=/path/to/vmlinux.h. CO-RE relocations make the objects
# portable across kernels whichever BTF produced the header.
set(KSIGHT_BPF_OUT ${CMAKE_BINARY_DIR}/bpf)
file(MAKE_DIRECTORY ${KSIGHT_BPF_OUT})

set(KSIGHT_VMLINUX_BTF "/sys/kernel/btf/vmlinux" CACHE FILEPATH "BTF used to generate vmlinux.h")
set(KSIGHT_VMLINUX_H "" CACHE FILEPATH "Use this vmlinux.h instead of generating one")

if(KSIGHT_VMLINUX_H)
  configure_file(${KSIGHT_VMLINUX_H} ${KSIGHT_BPF_OUT}/vmlinux.h COPYONLY)
elseif(EXISTS ${KSIGHT_VMLINUX_BTF})
  add_custom_command(
    OUTPUT ${KSIGHT_BPF_OUT}/vmlinux.h
    COMMAND ${KSIGHT_BPFTOOL} btf dump file ${KSIGHT_VMLINUX_BTF} format c > ${KSIGHT_BPF_OUT}/vmlinux.h.tmp
    COMMAND ${CMAKE_COMMAND} -E rename ${KSIGHT_BPF_OUT}/vmlinux.h.tmp ${KSIGHT_BPF_OUT}/vmlinux.h
    COMMENT "vmlinux.h from ${KSIGHT_VMLINUX_BTF}")
else()
  message(FATAL_ERROR
    "No BTF at ${KSIGHT_VMLINUX_BTF}: this build host's kernel lacks CONFIG_DEBUG_INFO_BTF. "
    "Pass -DKSIGHT_VMLINUX_BTF=<BTF file of any target kernel> or -DKSIGHT_VMLINUX_H=<vmlinux.h>.")
endif()
add_custom_target(ksight_vmlinux_h DEPENDS ${KSIGHT_BPF_OUT}/vmlinux.h)

execute_process(COMMAND uname -m OUTPUT_VARIABLE KSIGHT_ARCH OUTPUT_STRIP_TRAILING_WHITESPACE)
string(REPLACE "x86_64" "x86" KSIGHT_BPF_ARCH ${KSIGHT_ARCH})
string(REPLACE "aarch64" "arm64" KSIGHT_BPF_ARCH ${KSIGHT_BPF_ARCH})

add_library(ksight_bpf_skeletons INTERFACE)
target_include_directories(ksight_bpf_skeletons INTERFACE ${KSIGHT_BPF_OUT} ${CMAKE_SOURCE_DIR}/bpf ${CMAKE_SOURCE_DIR}/bpf/include)
target_link_libraries(ksight_bpf_skeletons INTERFACE PkgConfig::LIBBPF PkgConfig::LIBELF PkgConfig::ZLIB)

function(ksight_bpf_object src)
  get_filename_component(name ${src} NAME_WE)
  set(obj ${KSIGHT_BPF_OUT}/${name}.bpf.o)
  set(skel ${KSIGHT_BPF_OUT}/${name}.skel.h)
  file(GLOB bpf_headers ${CMAKE_SOURCE_DIR}/bpf/*.h ${CMAKE_SOURCE_DIR}/bpf/include/*.h)
  add_custom_command(
    OUTPUT ${obj}
    COMMAND ${KSIGHT_CLANG} -g -O2 -target bpf -D__TARGET_ARCH_${KSIGHT_BPF_ARCH}
            -I${KSIGHT_BPF_OUT} -I${CMAKE_SOURCE_DIR}/bpf -I${CMAKE_SOURCE_DIR}/bpf/include
            -Wall -Werror -Wno-unused-function -c ${src} -o ${obj}
    DEPENDS ${src} ${bpf_headers} ${KSIGHT_BPF_OUT}/vmlinux.h
    COMMENT "BPF ${name}.bpf.c")
  add_custom_command(
    OUTPUT ${skel}
    COMMAND ${KSIGHT_BPFTOOL} gen skeleton ${obj} name ${name}_bpf > ${skel}.tmp
    COMMAND ${CMAKE_COMMAND} -E rename ${skel}.tmp ${skel}
    DEPENDS ${obj}
    COMMENT "skeleton ${name}.skel.h")
  add_custom_target(ksight_bpf_${name} DEPENDS ${skel})
  # One generator of vmlinux.h: without this, parallel builds of several BPF
  # targets each run its rule and race on the rename.
  add_dependencies(ksight_bpf_${name} ksight_vmlinux_h)
  add_dependencies(ksight_bpf_skeletons ksight_bpf_${name})
endfunction()
