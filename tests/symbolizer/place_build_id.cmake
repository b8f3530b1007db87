# cmake -DOBJCOPY=.. -DREADELF=.. -DBINARY=<elf> -DDEBUG_ROOT=<dir> -P place_build_id.cmake
# Copies BINARY's debug info to DEBUG_ROOT/.build-id/xx/yyyy.debug, the layout
# gdb, elfutils and ksight search.
execute_process(COMMAND ${READELF} -n ${BINARY} OUTPUT_VARIABLE notes RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "readelf -n ${BINARY} failed")
endif()
string(REGEX MATCH "Build ID: ([0-9a-f]+)" match "${notes}")
if(NOT CMAKE_MATCH_1)
  message(FATAL_ERROR "${BINARY} has no GNU build-id")
endif()
string(SUBSTRING ${CMAKE_MATCH_1} 0 2 head)
string(SUBSTRING ${CMAKE_MATCH_1} 2 -1 tail)
file(MAKE_DIRECTORY ${DEBUG_ROOT}/.build-id/${head})
execute_process(COMMAND ${OBJCOPY} --only-keep-debug ${BINARY}
                        ${DEBUG_ROOT}/.build-id/${head}/${tail}.debug RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "objcopy --only-keep-debug failed")
endif()
