# Compiler flags shared by every target of the project, and the sanitizer switch.
# Kept here so pool/ can include the same file when it is built on its own.
include_guard(GLOBAL)

if(NOT DEFINED POOLSCOPE_SANITIZE)
  set(POOLSCOPE_SANITIZE "" CACHE STRING "Sanitizer build: '', 'thread' or 'address'")
endif()

add_library(poolscope_warnings INTERFACE)
target_compile_options(poolscope_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion
  -Wnon-virtual-dtor -Wold-style-cast -Woverloaded-virtual)
if(POOLSCOPE_WERROR)
  target_compile_options(poolscope_warnings INTERFACE -Werror)
endif()

if("${POOLSCOPE_SANITIZE}" STREQUAL "thread")
  add_compile_options(-fsanitize=thread -fno-omit-frame-pointer)
  add_link_options(-fsanitize=thread)
elseif("${POOLSCOPE_SANITIZE}" STREQUAL "address")
  add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=undefined
                      -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
elseif(NOT "${POOLSCOPE_SANITIZE}" STREQUAL "")
  message(FATAL_ERROR "POOLSCOPE_SANITIZE must be '', 'thread' or 'address', not '${POOLSCOPE_SANITIZE}'")
endif()
