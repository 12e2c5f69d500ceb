# `cmake --build . --target octopus-sdk-docs`: the API reference from the public headers'
# Doxygen comments, into <build>/docs/html. Any Doxygen warning (an undocumented member, a
# broken reference) fails the build.
find_package(Doxygen)
if(DOXYGEN_FOUND)
  set(DOXYGEN_PROJECT_NAME "Octopus Open Gateway partner SDK")
  set(DOXYGEN_PROJECT_NUMBER ${PROJECT_VERSION})
  set(DOXYGEN_OUTPUT_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR}/docs)
  set(DOXYGEN_GENERATE_LATEX NO)
  set(DOXYGEN_EXTRACT_ALL NO)
  set(DOXYGEN_WARN_IF_UNDOCUMENTED YES)
  set(DOXYGEN_WARN_NO_PARAMDOC NO)
  set(DOXYGEN_WARN_AS_ERROR FAIL_ON_WARNINGS)
  set(DOXYGEN_QUIET YES)
  set(DOXYGEN_EXCLUDE_SYMBOLS "detail" "octopus::detail::*")
  set(DOXYGEN_STRIP_FROM_INC_PATH ${CMAKE_CURRENT_SOURCE_DIR}/api/include ${CMAKE_CURRENT_BINARY_DIR}/api/include)
  set(DOXYGEN_USE_MDFILE_AS_MAINPAGE ${CMAKE_CURRENT_SOURCE_DIR}/README.md)
  doxygen_add_docs(octopus-sdk-docs ${CMAKE_CURRENT_SOURCE_DIR}/README.md ${CMAKE_CURRENT_SOURCE_DIR}/api/include
    ${CMAKE_CURRENT_BINARY_DIR}/api/include COMMENT "SDK reference (Doxygen)")
endif()
