#!/bin/sh
# made by make from mk/milter-tests.mk
exec /bin/bash "/work/main/tests/milter/run.sh" "/work/main/tests/milter/hold.lua"
