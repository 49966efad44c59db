/* Hecate — homomorphic encryption (CKKS, BFV) and private image
 * classification.  Include this header for the whole public API. */
#ifndef HECATE_H
#define HECATE_H

#include "hecate/status.h"
#include "hecate/ntt.h"
#include "hecate/ring.h"
#include "hecate/scheme.h"
#include "hecate/ml.h"

#define HECATE_VERSION "0.1.0"

#endif
