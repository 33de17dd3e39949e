# The version script of libseer.so: every seer_* function or table that a public header
# declares is global, everything else local, so that the library's internal functions (also
# named seer_*) stay out of its ABI.
function(seer_write_version_script out)
    set(names)
    foreach(h ${ARGN})
        file(STRINGS ${h} lines)
        foreach(line IN LISTS lines)
            string(REGEX REPLACE "//.*" "" line "${line}")
            # A declaration names itself before its '(' (a function) or '[' (a table); a
            # macro's body and a pointer typedef's "(*seer_x)(" do not match.
            string(REGEX MATCHALL "seer_[A-Za-z0-9_]+[ \t]*[([]" found "${line}")
            foreach(f IN LISTS found)
                string(REGEX REPLACE "[ \t]*[([]$" "" f "${f}")
                list(APPEND names ${f})
            endforeach()
        endforeach()
    endforeach()
    list(REMOVE_DUPLICATES names)
    list(SORT names)
    if(NOT names)
        message(FATAL_ERROR "no public seer_* functions found in ${ARGN}")
    endif()
    list(JOIN names ";\n        " body)
    file(CONFIGURE OUTPUT ${out} CONTENT
         "SEER_${SEER_ABI_VERSION} {\n    global:\n        ${body};\n    local:\n        *;\n};\n")
endfunction()
