#ifndef VIGIL_CZLIB_H
#define VIGIL_CZLIB_H
#include <zlib.h>
#endif
