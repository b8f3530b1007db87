# Every dependency is a Debian bookworm package; scripts/install-deps.sh
# installs them. Missing ones fail here with the package name to install.
find_package(PkgConfig REQUIRED)

macro(ksight_require_pkg var module debian_pkg)
  pkg_check_modules(${var} IMPORTED_TARGET ${module})
  if(NOT ${var}_FOUND)
    message(FATAL_ERROR "ksight needs ${module}: apt-get install ${debian_pkg} (or run scripts/install-deps.sh)")
  endif()
endmacro()

ksight_require_pkg(LIBBPF libbpf libbpf-dev)
ksight_require_pkg(LIBELF libelf libelf-dev)
ksight_require_pkg(LIBDW libdw libdw-dev)
ksight_require_pkg(ZLIB zlib zlib1g-dev)
ksight_require_pkg(OPENSSL openssl libssl-dev)

find_package(Threads REQUIRED)
find_package(fmt REQUIRED)
find_package(spdlog REQUIRED)
find_package(CLI11 REQUIRED)
find_package(yaml-cpp REQUIRED)
find_package(nlohmann_json REQUIRED)
find_package(Protobuf REQUIRED)

find_program(KSIGHT_CLANG NAMES clang clang-14 REQUIRED)
find_program(KSIGHT_BPFTOOL NAMES bpftool PATHS /usr/sbin /sbin REQUIRED)
find_program(KSIGHT_PROTOC NAMES protoc REQUIRED)

# pprof's profile.proto as Debian ships it (golang-github-google-pprof-dev).
find_file(KSIGHT_PPROF_PROTO profile.proto
  PATHS /usr/share/gocode/src/github.com/google/pprof/proto NO_DEFAULT_PATH)
if(NOT KSIGHT_PPROF_PROTO)
  message(FATAL_ERROR "profile.proto not found: apt-get install golang-github-google-pprof-dev")
endif()

# ksight_proto_library(target IMPORT_DIR dir PROTOS files... [SERVICES files...]):
# compiles .proto files into a static library at build time, with gRPC stubs
# for SERVICES (the caller finds KSIGHT_GRPC_CPP_PLUGIN and PkgConfig::GRPCPP);
# generated code stays in the build tree.
function(ksight_proto_library target)
  cmake_parse_arguments(ARG "" "IMPORT_DIR" "PROTOS;SERVICES" ${ARGN})
  set(out_dir ${CMAKE_BINARY_DIR}/generated/proto)
  file(MAKE_DIRECTORY ${out_dir})
  set(srcs)
  foreach(proto ${ARG_PROTOS} ${ARG_SERVICES})
    file(RELATIVE_PATH rel ${ARG_IMPORT_DIR} ${proto})
    string(REGEX REPLACE "\\.proto$" "" stem ${rel})
    set(outputs ${out_dir}/${stem}.pb.cc ${out_dir}/${stem}.pb.h)
    set(args --cpp_out=${out_dir})
    if(proto IN_LIST ARG_SERVICES)
      list(APPEND outputs ${out_dir}/${stem}.grpc.pb.cc ${out_dir}/${stem}.grpc.pb.h)
      list(APPEND args --grpc_out=${out_dir} --plugin=protoc-gen-grpc=${KSIGHT_GRPC_CPP_PLUGIN})
    endif()
    list(APPEND srcs ${outputs})
    add_custom_command(
      OUTPUT ${outputs}
      COMMAND ${KSIGHT_PROTOC} --proto_path=${ARG_IMPORT_DIR} ${args} ${proto}
      DEPENDS ${proto}
      COMMENT "protoc ${rel}")
  endforeach()
  list(FILTER srcs INCLUDE REGEX "\\.cc$")
  add_library(${target} STATIC ${srcs})
  target_include_directories(${target} SYSTEM PUBLIC ${out_dir})
  target_link_libraries(${target} PUBLIC protobuf::libprotobuf)
  if(ARG_SERVICES)
    target_link_libraries(${target} PUBLIC PkgConfig::GRPCPP)
  endif()
  target_compile_options(${target} PRIVATE -w)
endfunction()
