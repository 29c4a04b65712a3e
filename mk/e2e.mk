# mk/e2e.mk - build rules for this area (see Makefile.am).
