# Emscripten (Debian's 3.1.6) without emcmake.
#
# emcmake injects CMAKE_CROSSCOMPILING_EMULATOR="node;--experimental-wasm-threads", which Node 20 rejects, and
# every emcc call needs NODE_PATH=/usr/share/nodejs (else "Cannot find module 'acorn'"). Setting the variable
# here covers configure (compiler checks run emcc); the top-level lists add a launcher for the build itself.
set(ENV{NODE_PATH} "/usr/share/nodejs")
include(/usr/share/emscripten/cmake/Modules/Platform/Emscripten.cmake)
set(CMAKE_CROSSCOMPILING_EMULATOR /usr/bin/node CACHE FILEPATH "Runs wasm test executables" FORCE)
