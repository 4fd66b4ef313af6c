# Runs `LEDGE inspect FILE` and checks both the exit status and the output,
# which add_test's PASS_REGULAR_EXPRESSION alone cannot do (it ignores the
# exit status).
#   -DLEDGE=<ledge binary> -DFILE=<gguf> -DEXPECT=ok|fail -DREGEX=<regex matched against stdout+stderr>
#   [-DARGS=<extra options, comma-separated>]
string(REPLACE "," ";" ARGS "${ARGS}")
execute_process(COMMAND "${LEDGE}" inspect ${ARGS} "${FILE}"
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
set(all "${out}${err}")
if(EXPECT STREQUAL "ok" AND NOT rc EQUAL 0)
  message(FATAL_ERROR "ledge inspect ${FILE} failed (exit ${rc}):\n${all}")
endif()
if(EXPECT STREQUAL "fail" AND rc EQUAL 0)
  message(FATAL_ERROR "ledge inspect ${FILE} succeeded but should fail:\n${all}")
endif()
if(EXPECT STREQUAL "fail" AND NOT err MATCHES "^ledge inspect: error: ")
  message(FATAL_ERROR "no 'ledge inspect: error:' line on stderr:\n${err}")
endif()
if(NOT all MATCHES "${REGEX}")
  message(FATAL_ERROR "output does not match '${REGEX}':\n${all}")
endif()
