# `cmake --install` puts the headers, both libraries, the CLI, a CMake package
# (find_package(OctopusSdk 1.0 CONFIG) -> octopus::sdk) and octopus-sdk.pc under the prefix.
include(CMakePackageConfigHelpers)
set(OCTOPUS_SDK_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/OctopusSdk)

install(TARGETS ${OCTOPUS_SDK_LIBRARIES} EXPORT OctopusSdkTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY protocol/include/ client/include/ api/include/ ${CMAKE_CURRENT_BINARY_DIR}/api/include/
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} FILES_MATCHING PATTERN "*.hpp")
install(EXPORT OctopusSdkTargets NAMESPACE octopus:: DESTINATION ${OCTOPUS_SDK_CMAKE_DIR})

configure_package_config_file(cmake/OctopusSdkConfig.cmake.in ${CMAKE_CURRENT_BINARY_DIR}/OctopusSdkConfig.cmake
  INSTALL_DESTINATION ${OCTOPUS_SDK_CMAKE_DIR})
# 1.x stays source-compatible: a 1.0 request is met by any 1.y.
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/OctopusSdkConfigVersion.cmake
  COMPATIBILITY SameMajorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/OctopusSdkConfig.cmake ${CMAKE_CURRENT_BINARY_DIR}/OctopusSdkConfigVersion.cmake
  DESTINATION ${OCTOPUS_SDK_CMAKE_DIR})

# Relocatable: the prefix is found from where the .pc file lies, unless the install
# directories were given as absolute paths.
if(IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}" OR IS_ABSOLUTE "${CMAKE_INSTALL_INCLUDEDIR}")
  set(OCTOPUS_SDK_PC_PREFIX "${CMAKE_INSTALL_PREFIX}")
  set(OCTOPUS_SDK_PC_LIBDIR "${CMAKE_INSTALL_FULL_LIBDIR}")
  set(OCTOPUS_SDK_PC_INCLUDEDIR "${CMAKE_INSTALL_FULL_INCLUDEDIR}")
else()
  file(RELATIVE_PATH up "/prefix/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/prefix")
  set(OCTOPUS_SDK_PC_PREFIX "\${pcfiledir}/${up}")
  set(OCTOPUS_SDK_PC_LIBDIR "\${prefix}/${CMAKE_INSTALL_LIBDIR}")
  set(OCTOPUS_SDK_PC_INCLUDEDIR "\${prefix}/${CMAKE_INSTALL_INCLUDEDIR}")
endif()
configure_file(cmake/octopus-sdk.pc.in ${CMAKE_CURRENT_BINARY_DIR}/octopus-sdk.pc @ONLY)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/octopus-sdk.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
install(FILES ${CMAKE_CURRENT_SOURCE_DIR}/README.md ${CMAKE_CURRENT_SOURCE_DIR}/CHANGELOG.md
  DESTINATION ${CMAKE_INSTALL_DOCDIR})
