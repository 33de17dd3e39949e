# make install / cmake --install: under the prefix, libseer.so (with its SONAME link), libseer.a,
# the public headers, seer.pc, the CMake package (find_package(seer): seer::seer), the seer
# command and its man pages. DESTDIR is honoured by cmake --install itself.
include(CMakePackageConfigHelpers)

install(TARGETS seer_shared EXPORT seerTargets
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(TARGETS seer ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(TARGETS seer_cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY include/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} FILES_MATCHING PATTERN "*.h")

# The man pages: docs/man/*.1 when they are there (the glob runs again at each build).
file(GLOB SEER_MAN_PAGES CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/docs/man/*.1)
if(SEER_MAN_PAGES)
    install(FILES ${SEER_MAN_PAGES} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
endif()

# seer.pc finds the prefix from its own place (${pcfiledir}), so that an install under DESTDIR
# or a moved prefix is used where it lies. Libs carries an rpath to libdir: a program built
# against an install outside the loader's path (or before ldconfig ran) finds libseer.so.2.
# Libs.private is what a link with libseer.a adds (pkg-config --static): the libraries libseer
# calls, by name, not the Requires.private of their .pc files, which would pull in the static
# dependencies of libmicrohttpd (gnutls, ...) that a link with its libmicrohttpd.so does not
# need and Debian's -dev packages do not all ship (there is no libdnnl.a either, so a static
# link of libseer is one against the shared libraries of its dependencies).
if(IS_ABSOLUTE ${CMAKE_INSTALL_LIBDIR})
    set(SEER_PC_PREFIX ${CMAKE_INSTALL_PREFIX})
    set(SEER_PC_LIBDIR ${CMAKE_INSTALL_LIBDIR})
else()
    file(RELATIVE_PATH up /p/${CMAKE_INSTALL_LIBDIR}/pkgconfig /p)
    string(REGEX REPLACE "/$" "" up "${up}")
    set(SEER_PC_PREFIX "\${pcfiledir}/${up}")
    set(SEER_PC_LIBDIR "\${prefix}/${CMAKE_INSTALL_LIBDIR}")
endif()
if(IS_ABSOLUTE ${CMAKE_INSTALL_INCLUDEDIR})
    set(SEER_PC_INCLUDEDIR ${CMAKE_INSTALL_INCLUDEDIR})
else()
    set(SEER_PC_INCLUDEDIR "\${prefix}/${CMAKE_INSTALL_INCLUDEDIR}")
endif()
configure_file(${PROJECT_SOURCE_DIR}/cmake/seer.pc.in ${CMAKE_BINARY_DIR}/seer.pc @ONLY)
install(FILES ${CMAKE_BINARY_DIR}/seer.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

# find_package(seer): seer::seer is the shared library (its dependencies are its own, so the
# package needs none of them); seerConfigVersion.cmake accepts the same major and minor version
# (before 1.0 a minor release may change the API).
set(SEER_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/seer)
install(EXPORT seerTargets NAMESPACE seer:: DESTINATION ${SEER_CMAKE_DIR})
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/seerConfig.cmake.in
                              ${CMAKE_BINARY_DIR}/seerConfig.cmake
                              INSTALL_DESTINATION ${SEER_CMAKE_DIR})
write_basic_package_version_file(${CMAKE_BINARY_DIR}/seerConfigVersion.cmake
                                 COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_BINARY_DIR}/seerConfig.cmake ${CMAKE_BINARY_DIR}/seerConfigVersion.cmake
        DESTINATION ${SEER_CMAKE_DIR})
