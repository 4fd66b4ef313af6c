# Runs `LEDGE ARGS...` and checks the exit status and the output (add_test's
# PASS_REGULAR_EXPRESSION alone ignores the exit status).
#   -DLEDGE=<ledge> -DARGS=<arguments, comma-separated> -DEXPECT=ok|fail -DREGEX=<regex over stdout+stderr>
string(REPLACE "," ";" ARGS "${ARGS}")
execute_process(COMMAND "${LEDGE}" ${ARGS} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
set(all "${out}${err}")
if(EXPECT STREQUAL "ok" AND NOT rc EQUAL 0)
  message(FATAL_ERROR "ledge ${ARGS} failed (exit ${rc}):\n${all}")
endif()
if(EXPECT STREQUAL "fail" AND rc EQUAL 0)
  message(FATAL_ERROR "ledge ${ARGS} succeeded but should fail:\n${all}")
endif()
if(NOT all MATCHES "${REGEX}")
  message(FATAL_ERROR "output does not match '${REGEX}':\n${all}")
endif()
